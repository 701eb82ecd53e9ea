"""Speed and accuracy of ``speechmusic segment`` on a generated 10-minute programme.

Usage::

    python docs/experiments/segment_speed.py --synthetic SYNTH_DIR [--minutes 10] [--work /tmp/segment-speed]

The programme alternates synthetic speech and music stretches of 15-60 s (known boundaries),
written as 44.1 kHz FLAC so that decoding and resampling are part of the cost. A pooled model (the
``train`` default) is trained on SYNTH_DIR/train. Reported: wall-clock time of ``segment_file``
(best of 3 in this process), times real time, the fraction of time labelled correctly, the
distance from each true boundary to the nearest found one, and the peak memory of a separate
``speechmusic segment`` process (its ``ru_maxrss``) against the size of the decoded recording.
The one-hour number is in the project's benchmarks (``python -m benchmarks``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def make_programme(path: Path, minutes: float, seed: int = 0):
    import soundfile as sf
    import soxr

    from speechmusic.data.synth import synthesize_music, synthesize_speech

    rng = np.random.default_rng(seed)
    total, t, label, truth = minutes * 60.0, 0.0, "speech", []
    with sf.SoundFile(str(path), "w", 44100, 1, format="FLAC", subtype="PCM_16") as out:
        while t < total - 1e-6:
            length = min(float(rng.uniform(15, 60)), total - t)
            make = synthesize_speech if label == "speech" else synthesize_music
            y = make(rng, sample_rate=22050, duration=length)
            y = 0.8 * y / (np.abs(y).max() + 1e-9)
            out.write(soxr.resample(y, 22050, 44100))
            truth.append((t, t + length, label))
            t += length
            label = "music" if label == "speech" else "speech"
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/segment-speed"))
    args = parser.parse_args()

    from speechmusic.apps.pipeline import save_classifier, train_classifier
    from speechmusic.apps.segmentation import segment_file
    from speechmusic.data.dataset import load_split

    args.work.mkdir(parents=True, exist_ok=True)
    recording = args.work / f"programme-{args.minutes:g}min.flac"
    start = time.perf_counter()
    truth = make_programme(recording, args.minutes)
    print(f"generated {recording} ({args.minutes:g} min, {len(truth)} stretches) in {time.perf_counter() - start:.0f} s")
    X, y, _ = load_split(args.synthetic, "train", progress=False)
    clf = train_classifier(X, y)
    model = args.work / "model.npz"
    save_classifier(clf, model, overwrite=True)

    best = None
    for _ in range(3):
        result = segment_file(recording, clf)
        best = result if best is None or result.elapsed < best.elapsed else best
    grid = np.arange(0, best.duration, 0.1)

    def labels(segments):
        starts = np.array([s[0] for s in segments])
        names = [s[2] for s in segments]
        return np.array([names[i] for i in np.searchsorted(starts, grid, side="right") - 1])

    found = [(s.start, s.end, s.label) for s in best.segments]
    accuracy = float(np.mean(labels(truth) == labels(found)))
    found_edges = np.array([s.start for s in best.segments[1:]])
    errors = [float(np.min(np.abs(found_edges - a))) if found_edges.size else float("nan") for a, _, _ in truth[1:]]
    print(f"segment_file: {best.duration:.0f} s of audio in {best.elapsed:.2f} s = {best.realtime_factor:.0f}x real time "
          f"(best of 3, {os.cpu_count()} cores)")
    print(f"time labelled correctly: {100 * accuracy:.1f} %; segments found {len(found)} (true {len(truth)}); "
          f"boundary error median {np.median(errors):.1f} s, max {np.max(errors):.1f} s")

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-m", "speechmusic", "segment", str(recording), "--model", str(model), "--quiet",
                    "--csv", str(args.work / "segments.csv"), "--overwrite"], check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    decoded_mb = best.duration * 22050 * 4 / 1e6
    print(f"peak memory of 'speechmusic segment' (process, incl. Python and libraries): {max(peak, before) / 1024:.0f} MB; "
          f"the decoded recording alone would be {decoded_mb:.0f} MB")


if __name__ == "__main__":
    main()
