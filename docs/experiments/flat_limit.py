"""How far can the lab's flat-spectrogram model go on the synthetic set? (docs/synthetic.md)

Usage::

    python docs/experiments/flat_limit.py [--seeds 8] [--sizes 60,120,400]

Renders the synthetic dataset of several seeds in memory (``synth.synthesize_clip``, exactly the
clips ``build_synthetic_dataset`` writes, before 16-bit quantisation), then measures the mean
synthetic test accuracy of the lab's model (zero init, batch gradient descent) on flattened
spectrograms while changing one thing at a time:

1. learning rate and number of iterations;
2. the pixel scaling (dB floor, linear magnitude, a power law, per-clip min-max) — all derived from
   the lab's features, which keep the dB values above -80 dB exactly;
3. a linear model on the 128 band means alone (what flat weights can use when sounds happen at
   random moments), and the pooled features for comparison;
4. the number of training clips per class (``--sizes``; seeds 0-2 only, rendering is the slow part).

Takes about 5 minutes on 2 cores. Nothing is written.
"""

from __future__ import annotations

import argparse

import numpy as np
from joblib import Parallel, delayed

from speechmusic.core.features import batch_features, flatten_features, pooled_features
from speechmusic.core.model import LogisticRegression
from speechmusic.data import synth


def render(seed: int, split: str, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """Spectrograms (m, 128, 130) and labels (m,) of the first ``per_class`` clips of each class."""
    jobs = [(label, i) for label in ("music", "speech") for i in range(per_class)]
    clips = Parallel(n_jobs=-1, batch_size=8)(
        delayed(synth.synthesize_clip)(seed, split, label, i) for label, i in jobs
    )
    return batch_features(np.stack(clips)).astype(np.float64), np.repeat([0, 1], per_class)


def test_accuracy(train, test, *, transform=flatten_features, standardize=False, **model_args) -> float:
    (x_train, y_train), (x_test, y_test) = train, test
    model = LogisticRegression(standardize=standardize, **model_args).fit(transform(x_train), y_train)
    return model.score(transform(x_test), y_test)


def db(x):
    return 80.0 * x - 80.0  # the lab's scaling, undone: dB relative to the clip's maximum


def scalings():
    """Other ways of turning the same spectrograms into pixels (flattened afterwards)."""
    def floor(top):
        return lambda x: flatten_features((np.maximum(db(x), -top) + top) / top)
    return {
        "lab: dB re max, floor -80, /80": flatten_features,
        "floor -60 dB": floor(60.0),
        "floor -40 dB": floor(40.0),
        "floor -30 dB": floor(30.0),
        "linear magnitude": lambda x: flatten_features(10 ** (db(x) / 20)),
        "magnitude ** 0.3": lambda x: flatten_features(10 ** (0.3 * db(x) / 20)),
        "per-clip min-max of the lab's pixels": lambda x: flatten_features(
            (x - x.min((1, 2), keepdims=True)) / (np.ptp(x, axis=(1, 2), keepdims=True) + 1e-12)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--sizes", default="60,120,400")
    args = parser.parse_args()
    data = [(render(seed, "train", 60), render(seed, "test", 20)) for seed in range(args.seeds)]

    def report(name, **kwargs):
        scores = [test_accuracy(train, test, **kwargs) for train, test in data]
        print(f"  {name:42s} mean {np.mean(scores):.3f}  min {np.min(scores):.3f}  max {np.max(scores):.3f}", flush=True)

    print(f"1. training settings (flat, {args.seeds} seeds)")
    for lr, iterations in ((0.005, 2000), (0.005, 500), (0.005, 10000), (0.0005, 2000), (0.02, 2000), (0.005, 50000)):
        report(f"lr {lr}, {iterations} iterations", learning_rate=lr, num_iterations=iterations)
    print("2. pixel scaling (lr 0.005, 2000 iterations)")
    for name, transform in scalings().items():
        report(name, transform=transform)
    print("3. what the features keep")
    report("band means only (128, x130 as flat weights see them)", transform=lambda x: 130 * x.mean(2))
    report("pooled: band means and deviations, standardised", transform=pooled_features, standardize=True)
    print("4. training clips per class (flat; seeds 0-2)")
    sizes = [int(s) for s in args.sizes.split(",")]
    for seed in range(min(3, args.seeds)):
        (x_train, y_train), test = render(seed, "train", max(sizes)), data[seed][1]
        for n in sizes:
            keep = np.r_[0:n, max(sizes):max(sizes) + n]
            print(f"  seed {seed}, {n:4d} per class: {test_accuracy((x_train[keep], y_train[keep]), test):.3f}", flush=True)


if __name__ == "__main__":
    main()
