"""How well does a model trained only on the synthetic set classify real recordings? (docs/synthetic.md)

Usage::

    python docs/experiments/synthetic_realworld.py [--seeds 0,1,2] [--per-class 60,200] [--kind pooled]

For each seed and training-set size, renders the synthetic *training* clips in memory
(``synth.synthesize_clip``: exactly what ``build_synthetic_dataset`` writes, 16-bit quantised as
the WAV files are), trains the default classifier (``pipeline.train_classifier``: the kind's
defaults, as ``speechmusic train`` does) and classifies every clip of ``../shared/real-world``
the way ``speechmusic predict`` does (``pipeline.predict_file``: mean of the non-silent 3-s
window probabilities, threshold 0.5). Prints balanced accuracy, speech and music recall, AUC,
and the misses per category (manifest ``category``; speech also per language group).

The real clips are only read; nothing is written. Exits with a message when the shared set is
absent. Takes about 1 minute per (seed, size) of 60 clips per class on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from speechmusic import synth
from speechmusic.features import batch_features
from speechmusic.pipeline import train_classifier

REPO_ROOT = Path(__file__).resolve().parents[2]
REAL_WORLD = REPO_ROOT / ".." / "shared" / "real-world"


def real_windows(root: Path = REAL_WORLD):
    """Manifest rows and, per clip, its window spectrograms and silent-window mask (as predict_file)."""
    from speechmusic.config import DEFAULT_PARAMS
    from speechmusic.pipeline import Classifier
    from speechmusic.windows import DEFAULT_BLOCK_SECONDS, SlidingWindows, hop_in_samples, open_blocks

    rows = list(csv.DictReader(open(root / "manifest.csv", newline="")))
    files = {p.stem: p for p in root.glob("*/*") if p.is_file()}

    def one(row):
        path = files[row["id"]]
        blocks, _ = open_blocks(path, sample_rate=DEFAULT_PARAMS.sample_rate, block_duration=DEFAULT_BLOCK_SECONDS)
        hop = hop_in_samples(DEFAULT_PARAMS.duration, DEFAULT_PARAMS, align=False)
        feats = [batch.features for batch in SlidingWindows(blocks, params=DEFAULT_PARAMS, hop_samples=hop)]
        feats = np.concatenate(feats)
        return feats, Classifier.silent(feats)

    windows = Parallel(n_jobs=2)(delayed(one)(row) for row in rows)
    return rows, windows


def _quantise(clip: np.ndarray) -> np.ndarray:
    """As written to a 16-bit WAV file and read back."""
    return (np.round(np.clip(clip, -1, 1) * 32767) / 32768).astype(np.float32)


def _render(seed, split, label, i, conditions):
    if conditions is None:
        return _quantise(synth.synthesize_clip(seed, split, label, i))
    return _quantise(synth.synthesize_clip(seed, split, label, i, conditions=conditions))


def synthetic_training_set(seed: int, per_class: int, conditions=None):
    jobs = [(label, i) for label in ("music", "speech") for i in range(per_class)]
    clips = Parallel(n_jobs=-1, batch_size=8)(delayed(_render)(seed, "train", label, i, conditions) for label, i in jobs)
    return batch_features(np.stack(clips)), np.repeat([0, 1], per_class)


def lab_accuracies(seed: int) -> dict:
    """The lab's check (benchmark 5, the demo): 60 + 20 clips per class, lr 0.005, 2000 steps."""
    from speechmusic.features import flatten_features, pooled_features
    from speechmusic.model import LogisticRegression

    def split(name, per_class):
        jobs = [(label, i) for label in ("music", "speech") for i in range(per_class)]
        clips = Parallel(n_jobs=-1, batch_size=8)(delayed(_render)(seed, name, label, i, None) for label, i in jobs)
        return batch_features(np.stack(clips)), np.repeat([0, 1], per_class)

    (xa, ya), (xb, yb) = split("train", 60), split("test", 20)
    result = {}
    for kind, vectors in (("flat", flatten_features), ("pooled", pooled_features)):
        model = LogisticRegression(learning_rate=0.005, num_iterations=2000, standardize=kind == "pooled")
        result[kind] = model.fit(vectors(xa), ya).score(vectors(xb), yb)
    return result


def auc(scores, labels) -> float:
    scores, labels = np.asarray(scores), np.asarray(labels)
    pos, neg = scores[labels == 1], scores[labels == 0]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (pos.size * neg.size))


def evaluate(classifier, rows, windows) -> dict:
    probability = []
    for feats, silent in windows:
        p = classifier.speech_probability(feats)
        probability.append(float(p[~silent].mean()) if (~silent).any() else 0.5)
    probability = np.array(probability)
    labels = np.array([1 if r["label"] == "speech" else 0 for r in rows])
    predicted = (probability > 0.5).astype(int)
    speech_recall = float(np.mean(predicted[labels == 1] == 1))
    music_recall = float(np.mean(predicted[labels == 0] == 0))
    misses = defaultdict(lambda: [0, 0])
    for row, p, y in zip(rows, predicted, labels):
        key = f"{row['label']}/{row['category']}"
        misses[key][1] += 1
        misses[key][0] += int(p != y)
        if row["label"] == "speech":
            group = "en" if row["language"] == "en" else "non-en"
            misses[f"speech-language/{group}"][1] += 1
            misses[f"speech-language/{group}"][0] += int(p != y)
    return dict(balanced=(speech_recall + music_recall) / 2, speech=speech_recall, music=music_recall,
                auc=auc(probability, labels), misses=dict(misses), probability=probability)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--per-class", default="60")
    parser.add_argument("--kind", default="pooled")
    parser.add_argument("--conditions", default=None, help="synth conditions preset (default: the generator's default)")
    parser.add_argument("--lab", action="store_true", help="only the lab's synthetic test accuracies (flat, pooled)")
    args = parser.parse_args(argv)
    if args.lab:
        results = []
        for seed in (int(x) for x in args.seeds.split(",")):
            results.append(lab_accuracies(seed))
            print(f"seed {seed}: flat {results[-1]['flat']:.3f}  pooled {results[-1]['pooled']:.3f}", flush=True)
        for kind in ("flat", "pooled"):
            values = [r[kind] for r in results]
            print(f"{kind}: mean {np.mean(values):.3f} (range {min(values):.3f}-{max(values):.3f})")
        return 0
    if not (REAL_WORLD / "manifest.csv").exists():
        print(f"{REAL_WORLD} not found: nothing to measure", file=sys.stderr)
        return 1
    start = time.perf_counter()
    rows, windows = real_windows()
    print(f"real set: {len(rows)} clips, {sum(len(w[0]) for w in windows)} windows "
          f"({time.perf_counter() - start:.0f} s)", flush=True)
    totals = defaultdict(list)
    all_misses = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for per_class in (int(x) for x in args.per_class.split(",")):
        for seed in (int(x) for x in args.seeds.split(",")):
            start = time.perf_counter()
            X, y = synthetic_training_set(seed, per_class, args.conditions)
            classifier = train_classifier(X, y, feature_kind=args.kind)
            result = evaluate(classifier, rows, windows)
            totals[per_class].append(result)
            for key, (wrong, count) in result["misses"].items():
                all_misses[per_class][key][0] += wrong
                all_misses[per_class][key][1] += count
            print(f"per class {per_class:4d} seed {seed}: balanced {result['balanced']:.3f}  speech "
                  f"{result['speech']:.3f}  music {result['music']:.3f}  AUC {result['auc']:.3f}  "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    for per_class, results in totals.items():
        print(f"\nper class {per_class}, mean over {len(results)} seeds: balanced "
              f"{np.mean([r['balanced'] for r in results]):.3f} (range {min(r['balanced'] for r in results):.3f}-"
              f"{max(r['balanced'] for r in results):.3f}), speech {np.mean([r['speech'] for r in results]):.3f}, "
              f"music {np.mean([r['music'] for r in results]):.3f}, AUC {np.mean([r['auc'] for r in results]):.3f}")
        print("  misses per category (summed over seeds):")
        for key, (wrong, count) in sorted(all_misses[per_class].items()):
            print(f"    {key:34s} {wrong:3d}/{count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
