"""Finer look at the pooled defaults: score every 3-s window (hop 1 s) of the real recordings.

Usage::

    python docs/experiments/train_defaults_windows.py --synthetic SYNTH_DIR --real-audio ../shared/real-audio

Overlapping windows give smoother estimates than the ~185 disjoint clips of the first experiment
(they are correlated, so they do not add information about new recordings; they reduce the
noise of where a clip boundary happens to fall). Real-to-real folds hold out whole recordings.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from speechmusic.apps.pipeline import train_classifier
from speechmusic.apps.windows import SlidingWindows, hop_in_samples, open_blocks
from speechmusic.data.dataset import load_split


def windows_of(path: Path) -> np.ndarray:
    blocks, _ = open_blocks(path)
    return np.concatenate([b.features for b in SlidingWindows(blocks, hop_samples=hop_in_samples(1.0))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=Path, required=True)
    parser.add_argument("--real-audio", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    sx, sy, _ = load_split(args.synthetic, "train", progress=False)
    tx, ty, _ = load_split(args.synthetic, "test", progress=False)
    feats, labels, fold = [], [], []
    for label, name in ((0, "music"), (1, "speech")):
        for i, path in enumerate(sorted((args.real_audio / name).glob("*.ogg"))):
            X = windows_of(path)
            feats.append(X)
            labels.append(np.full(len(X), label))
            fold.append(np.full(len(X), i % args.folds))
    rx, ry, fold = np.concatenate(feats), np.concatenate(labels), np.concatenate(fold)
    print(f"real windows: {int(np.sum(ry == 1))} speech, {int(np.sum(ry == 0))} music")

    def recalls(clf, X, y):
        pred = (clf.speech_probability(X) > 0.5).astype(int)
        return [float(np.mean(pred[y == c] == c)) for c in (0, 1)]

    print(f"{'lr':>6s} {'iters':>6s} | {'synth':>5s} | {'s->r bal':>8s} {'speech':>6s} {'music':>6s} | {'r->r bal':>8s}")
    for lr, iterations in itertools.product((0.01, 0.03, 0.1, 0.3), (100, 300, 1000, 3000)):
        clf = train_classifier(sx, sy, feature_kind="pooled", learning_rate=lr, num_iterations=iterations, standardize=True)
        synth = float(np.mean((clf.speech_probability(tx) > 0.5) == ty))
        music, speech = recalls(clf, rx, ry)
        folds = []
        for k in range(args.folds):
            train, test = fold != k, fold == k
            clf_k = train_classifier(rx[train], ry[train], feature_kind="pooled", learning_rate=lr,
                                     num_iterations=iterations, standardize=True)
            folds.append(np.mean(recalls(clf_k, rx[test], ry[test])))
        print(f"{lr:6g} {iterations:6d} | {synth:5.3f} | {(music + speech) / 2:8.3f} {speech:6.3f} {music:6.3f} | {np.mean(folds):8.3f}", flush=True)


if __name__ == "__main__":
    main()
