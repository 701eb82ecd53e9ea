"""Choose ``speechmusic train``'s defaults: how well do models generalise to real recordings?

Usage (numbers are recorded in docs/commands.md, "Choosing the defaults")::

    python docs/experiments/train_defaults.py --synthetic SYNTH_DIR --real REAL_DIR

SYNTH_DIR: a synthetic dataset (``python download_samples.py --source synthetic --data-dir SYNTH_DIR``).
REAL_DIR: real recordings ingested into REAL_DIR/test/{speech,music} with ``speechmusic prepare``
(for example from ../shared/real-audio); its manifest.csv tells which recording each clip came
from, so the real-to-real folds split by recording, never clips of one file on both sides.

Two questions:
1. synthetic -> real: train on SYNTH_DIR/train, score SYNTH_DIR/test and every real clip.
2. real -> real: k folds over the real recordings (each fold holds out whole files of each
   class), train on the other recordings' clips, score the held-out recordings' clips.
Balanced accuracy (mean of the per-class recalls) is reported because real sets are imbalanced.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np

from speechmusic.apps.pipeline import train_classifier
from speechmusic.data.dataset import load_split
from speechmusic.data.ingest import read_manifest


def balanced(y, pred):
    recalls = [float(np.mean(pred[y == c] == c)) for c in (0, 1) if np.any(y == c)]
    return float(np.mean(recalls)), recalls


VARIANTS = (
    [("flat", lr, it, False) for lr, it in itertools.product((0.005, 0.02), (500, 2000, 5000))]
    + [("flat", lr, it, True) for lr, it in itertools.product((0.001, 0.01), (500, 2000))]
    + [("pooled", lr, it, True) for lr, it in itertools.product((0.01, 0.1, 0.5), (200, 1000, 5000))]
    + [("pooled", lr, it, False) for lr, it in itertools.product((0.5, 2.0), (2000, 10000))]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=Path, required=True)
    parser.add_argument("--real", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()

    sx, sy, _ = load_split(args.synthetic, "train", progress=False)
    tx, ty, _ = load_split(args.synthetic, "test", progress=False)
    rx, ry, rpaths = load_split(args.real, "test", progress=False)
    origin = {(args.real / r.path).resolve(): r.original for r in read_manifest(args.real)}
    files = np.array([origin.get(p.resolve(), str(p)) for p in rpaths])
    print(f"synthetic train {len(sy)}, synthetic test {len(ty)}, real clips {len(ry)} "
          f"({int(np.sum(ry == 1))} speech from {len(set(files[ry == 1]))} files, "
          f"{int(np.sum(ry == 0))} music from {len(set(files[ry == 0]))} files)")

    # Folds by recording: the i-th fold holds out every k-th recording of each class.
    fold_of = {}
    for label in (0, 1):
        for i, name in enumerate(sorted(set(files[ry == label]))):
            fold_of[name] = i % args.folds
    fold = np.array([fold_of[f] for f in files])

    header = f"{'kind':7s} {'lr':>6s} {'iters':>6s} {'std':>5s} | {'synth test':>10s} | {'real bal':>8s} {'speech':>6s} {'music':>6s} | {'real->real bal':>14s} | {'s':>5s}"
    print(header)
    print("-" * len(header))
    for kind, lr, iterations, standardize in VARIANTS:
        start = time.perf_counter()
        clf = train_classifier(sx, sy, feature_kind=kind, learning_rate=lr, num_iterations=iterations, standardize=standardize)
        synth_acc = float(np.mean((clf.speech_probability(tx) > 0.5) == ty))
        pred = (clf.speech_probability(rx) > 0.5).astype(int)
        bal, (music_recall, speech_recall) = balanced(ry, pred)
        fold_scores = []
        for k in range(args.folds):
            train, test = fold != k, fold == k
            if len(set(ry[train])) < 2 or not test.any():
                continue
            clf_k = train_classifier(rx[train], ry[train], feature_kind=kind, learning_rate=lr,
                                     num_iterations=iterations, standardize=standardize)
            fold_scores.append(balanced(ry[test], (clf_k.speech_probability(rx[test]) > 0.5).astype(int))[0])
        seconds = time.perf_counter() - start
        print(f"{kind:7s} {lr:6g} {iterations:6d} {str(standardize):>5s} | {synth_acc:10.3f} | {bal:8.3f} "
              f"{speech_recall:6.3f} {music_recall:6.3f} | {np.mean(fold_scores):14.3f} | {seconds:5.1f}", flush=True)


if __name__ == "__main__":
    main()
