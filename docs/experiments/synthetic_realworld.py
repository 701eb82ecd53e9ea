"""How well does a model trained only on the synthetic set classify real recordings? (docs/synthetic.md)

Usage::

    python docs/experiments/synthetic_realworld.py [--conditions world] [--seeds 0,1,2] [--per-class 60,200]
                                                   [--kind dynamics] [--stress]
    python docs/experiments/synthetic_realworld.py --lab [--seeds 0,1,2,3,4]

For each seed and training-set size, renders the synthetic *training* clips of a preset
(``--conditions``, default ``world``) in memory
(``synth.synthesize_clip``: exactly what ``build_synthetic_dataset`` writes, read back from
16-bit WAV), trains the classifier ``speechmusic train`` makes (``pipeline.train_classifier``
with the kind's defaults; ``--kind`` default: ``train``'s default kind) and scores every clip of
``../shared/real-world`` the way ``speechmusic predict`` does
(:func:`speechmusic.apps.evaluation.score_clips`). Prints balanced accuracy, speech and music recall,
AUC, and the misses per category and per language group, summed over the seeds.
:func:`speechmusic.apps.evaluation.synthetic_to_real` gives the seed-0, 60-per-class figure through
the files on disk; this script repeats it over seeds and sizes without writing anything.

The clips of a seed are rendered once for the largest size; a smaller size takes the first clips
of each class (as ``download_samples.py --train N`` would write them).

``--stress``: also score harder copies of the shared set, built in a temporary folder from the
real clips only (so none of the generator's own effects is tested on itself): benchmark 7's
*noisy* (pink noise, 10 dB SNR) and *telephone* (8 kHz, mu-law) copies; *babble*, speech
with four real talkers of other sources at 5 dB SNR and music with them 15 dB down; *music bed*,
speech over a real music clip of another source 10-20 dB below it (label speech; music as is);
*mp3*, every clip through mp3 at about 24 kbit/s (libsndfile's encoder); *reverb*, every clip
in a Schroeder reverberator (parallel combs and all-passes, RT60 0.8-1.5 s, wet as loud as dry).

``--lab``: the lab's check instead (benchmark 5, the demo): flat and pooled models (lr 0.005,
2000 iterations) trained on 60 and tested on 20 synthetic clips per class of the lab's preset.

The real clips are only read; nothing is written outside a temporary folder. Exits with a message
when the shared set is absent. Rendering takes about 0.1 s of CPU per clip; the whole
``--conditions world --seeds 0,1,2,3,4 --per-class 60,120,200,400 --stress`` run about 40 minutes
on the shared 2-core machine.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from speechmusic.core.features import batch_features
from speechmusic.data import synth

REPO_ROOT = Path(__file__).resolve().parents[2]
REAL_WORLD = REPO_ROOT / ".." / "shared" / "real-world"


def _as_stored(clip: np.ndarray, sample_rate: int = 22050) -> np.ndarray:
    """The clip as it reads back from the dataset's 16-bit WAV file."""
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, np.clip(clip, -1.0, 1.0), sample_rate, subtype="PCM_16", format="WAV")
    buffer.seek(0)
    return sf.read(buffer, dtype="float32")[0]


def _render(seed, split, label, i, conditions):
    return _as_stored(synth.synthesize_clip(seed, split, label, i, conditions=conditions))


def synthetic_split(seed: int, split: str, per_class: int, conditions: str = "lab"):
    """Spectrograms (music first) and labels of a synthetic split, rendered in memory."""
    jobs = [(label, i) for label in ("music", "speech") for i in range(per_class)]
    clips = Parallel(n_jobs=-1, batch_size=8)(delayed(_render)(seed, split, label, i, conditions) for label, i in jobs)
    return batch_features(np.stack(clips)), np.repeat([0, 1], per_class)


def lab_accuracies(seed: int) -> dict:
    """The lab's check (benchmark 5, the demo): 60 + 20 clips per class, lr 0.005, 2000 steps."""
    from speechmusic.core.features import flatten_features, pooled_features
    from speechmusic.core.model import LogisticRegression

    (xa, ya), (xb, yb) = synthetic_split(seed, "train", 60), synthetic_split(seed, "test", 20)
    result = {}
    for kind, vectors in (("flat", flatten_features), ("pooled", pooled_features)):
        model = LogisticRegression(learning_rate=0.005, num_iterations=2000, standardize=kind == "pooled")
        result[kind] = model.fit(vectors(xa), ya).score(vectors(xb), yb)
    return result


def _schroeder_reverb(y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A classic comb + all-pass reverberator (another algorithm than the generator's rooms)."""
    import scipy.signal

    rt60 = rng.uniform(0.8, 1.5)
    wet = np.zeros(y.size)
    for delay_ms in (29.7, 37.1, 41.1, 43.7):
        d = int(delay_ms * sr / 1000)
        g = 10 ** (-3 * d / (rt60 * sr))
        a = np.zeros(d + 1)
        a[0], a[d] = 1.0, -g
        wet += scipy.signal.lfilter([1.0], a, y)
    for delay_ms, g in ((5.0, 0.7), (1.7, 0.7)):
        d = int(delay_ms * sr / 1000)
        b = np.zeros(d + 1)
        b[0], b[d] = -g, 1.0
        a = np.zeros(d + 1)
        a[0], a[d] = 1.0, -g
        wet = scipy.signal.lfilter(b, a, wet)
    wet *= np.sqrt(np.mean(y**2) / (np.mean(wet**2) + 1e-20))
    return y + wet


def build_stress_sets(root: Path, out: Path) -> dict[str, Path]:
    """Harder copies of a clip folder made from its own real clips (see the module notes)."""
    import csv
    import shutil
    import zlib

    import soundfile as sf

    from speechmusic.core.audio import decode
    from speechmusic.data.synth.effects import codec_roundtrip, mix_at_snr

    sr = 22050
    rows = list(csv.DictReader(open(root / "manifest.csv", newline="")))
    files = {p.stem: p for p in root.glob("*/*") if p.is_file()}
    audio = {row["id"]: decode(files[row["id"]], sample_rate=sr).astype(np.float64) for row in rows}

    def looped(y, n):
        return np.tile(y, int(np.ceil(n / y.size)))[:n]

    def others(row, label, rng, k):
        pool = [r["id"] for r in rows if r["label"] == label and r["repo"] != row["repo"]]
        return [audio[i] for i in rng.choice(pool, size=k, replace=False)]

    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from benchmarks.bench_loso import degraded_copy

    sets = {condition: degraded_copy(root, out / condition, condition) for condition in ("noisy", "telephone")}
    for condition in ("babble", "music-bed", "mp3", "reverb"):
        folder = out / condition
        for row in rows:
            y = audio[row["id"]]
            rng = np.random.default_rng(zlib.crc32(f"{condition}:{row['id']}".encode()))
            if condition == "babble":
                crowd = sum(looped(v, y.size) / (np.sqrt(np.mean(v**2)) + 1e-12) for v in others(row, "speech", rng, 4))
                z = mix_at_snr(y, crowd, 5.0 if row["label"] == "speech" else 15.0)
            elif condition == "music-bed":
                bed = looped(others(row, "music", rng, 1)[0], y.size)
                z = mix_at_snr(y, bed, rng.uniform(10, 20)) if row["label"] == "speech" else y
            elif condition == "mp3":
                z = codec_roundtrip(y, sr, "mp3", compression=0.9)
            else:
                z = _schroeder_reverb(y, sr, rng)
            z = z / max(1.0, float(np.max(np.abs(z))) / 0.99)
            path = folder / row["label"] / f"{row['id']}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(str(path), z.astype(np.float32), sr, subtype="PCM_16")
        shutil.copy(root / "manifest.csv", folder / "manifest.csv")
        sets[condition] = folder
    return sets


def main(argv=None) -> int:
    from speechmusic.apps.evaluation import load_clip_windows, score_clips
    from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND, train_classifier

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--per-class", default="60")
    parser.add_argument("--kind", default=DEFAULT_FEATURE_KIND)
    parser.add_argument("--conditions", default="world", choices=("lab", "world"), help="the synthetic set's preset")
    parser.add_argument("--lab", action="store_true", help="only the lab's synthetic test accuracies (flat, pooled)")
    parser.add_argument("--stress", action="store_true", help="also score harder copies of the shared set")
    args = parser.parse_args(argv)
    seeds = [int(x) for x in args.seeds.split(",")]
    if args.lab:
        results = []
        for seed in seeds:
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
    real = load_clip_windows(REAL_WORLD)
    print(f"real set: {len(real.clips)} clips, {len(real.features)} windows ({time.perf_counter() - start:.0f} s); "
          f"feature kind {args.kind}", flush=True)
    stress = {}
    if args.stress:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="speechmusic-stress-") as folder:
            for name, path in build_stress_sets(REAL_WORLD, Path(folder)).items():
                stress[name] = load_clip_windows(path)
        print(f"stress sets: {', '.join(stress)} ({time.perf_counter() - start:.0f} s)", flush=True)
    sizes = [int(x) for x in args.per_class.split(",")]
    rendered = {}
    for seed in seeds:
        start = time.perf_counter()
        rendered[seed] = synthetic_split(seed, "train", max(sizes), args.conditions)
        print(f"seed {seed}: {2 * max(sizes)} {args.conditions} clips rendered ({time.perf_counter() - start:.0f} s)",
              flush=True)
    for per_class in sizes:
        results, misses = [], defaultdict(lambda: [0, 0])
        for seed in seeds:
            start = time.perf_counter()
            X_all, y_all = rendered[seed]
            keep = np.r_[0:per_class, max(sizes) : max(sizes) + per_class]  # the first clips of each class
            X, y = X_all[keep], y_all[keep]
            classifier = train_classifier(X, y, feature_kind=args.kind)
            scores = score_clips(classifier, real)
            results.append(scores.summary())
            for name, data in stress.items():
                results[-1][name] = score_clips(classifier, data).balanced_accuracy()
            for clip, right in zip(scores.clips, scores.correct):
                groups = [f"{clip.label_name}/{clip.category}"]
                if clip.label_name == "speech":
                    groups.append("speech-language/" + ("en" if clip.language == "en" else "other"))
                for group in groups:
                    misses[group][0] += int(not right)
                    misses[group][1] += 1
            s = results[-1]
            print(f"per class {per_class:4d} seed {seed}: balanced {s['balanced_accuracy']:.3f}  speech "
                  f"{s['speech_recall']:.3f}  music {s['music_recall']:.3f}  AUC {s['auc']:.3f}  "
                  + "".join(f"{name} {s[name]:.3f}  " for name in stress)
                  + f"({time.perf_counter() - start:.0f} s)", flush=True)
        balanced = [s["balanced_accuracy"] for s in results]
        print(f"\nper class {per_class}, mean over {len(seeds)} seeds: balanced {np.mean(balanced):.3f} "
              f"(range {min(balanced):.3f}-{max(balanced):.3f}), speech "
              f"{np.mean([s['speech_recall'] for s in results]):.3f}, music "
              f"{np.mean([s['music_recall'] for s in results]):.3f}, AUC {np.mean([s['auc'] for s in results]):.3f}"
              + "".join(f", {name} {np.mean([s[name] for s in results]):.3f}" for name in stress))
        print("  misses per category (summed over seeds):")
        for group, (wrong, count) in sorted(misses.items()):
            print(f"    {group:34s} {wrong:3d}/{count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
