"""How realistic is the synthetic set for the tools' labels? Train on it alone, score real clips.

The protocol of docs/synthetic.md, "Music with voices and sound that is neither: measured". A
model is trained on synthetic 3-s clips only (``speechmusic.data.synth``, ``world`` preset) and
scores every clip of ``../shared/real-world`` (labels speech, music and neither; the categories
of its manifest), per label and per category:

* features: the project's ``dynamics`` kind (``core.features.to_vectors(..., kind="dynamics")``)
  of ``batch_features`` spectrograms of 3-s windows (every 3 s of a clip; a shorter clip gives one
  zero-padded window);
* model: scikit-learn's multinomial ``LogisticRegression`` on standardised features (the lab
  extra's scikit-learn; the project's own multi-class model is built beside this, issue 19);
* a clip's verdict: the label of the highest mean probability over its windows that are not
  silent; a window whose RMS is below -60 dBFS (the tools' default energy floor) is silence, and
  a clip with nothing but silent windows is "silence" (right for a clip labelled neither).

Three training sets, the same seeds and clip numbers:

``before``
    the generator as it was on main: ``world`` speech and music (music with voices only as a
    sung lead over accompaniment), two labels;
``noise``
    the same, and the new label ``noise`` (:func:`speechmusic.data.synth.synthesize_noise`);
``after``
    ``world`` music with the new styles (a cappella, humming, choir, song, rap, jingle) and noise.

A second protocol asks what the shipped model's recipe gets from the synthetic set: real clips
*and* synthetic ones in training, tested leave-one-source-out (each repository of the shared set
in turn is held out, and its clips are scored by a model trained on the other sources' windows,
``neither`` as ``noise``, plus the synthetic set): ``real`` alone, ``real + before``, ``real + after``.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_synthetic_labels --seeds 0,1 --per-label 400 --jobs 2

The real clips are only read; nothing is fitted to single files. Without ``../shared/real-world``
the script says so and stops (exit status 0).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import time
from pathlib import Path

import numpy as np

REAL_WORLD = Path(__file__).resolve().parent.parent.parent / "shared" / "real-world"
#: Training sets: (labels, whether world music has the new sung styles).
VARIANTS = {"before": (("speech", "music"), False), "noise": (("speech", "music", "noise"), False),
            "after": (("speech", "music", "noise"), True)}
#: The tools' energy floor (dBFS): quieter windows are silence.
SILENCE_DB = -60.0
#: Categories reported one by one (the rest are summed per label).
VOCAL_CATEGORIES = ("a-cappella", "jingle", "vocals-song", "solo-singing", "choir", "opera", "vocals")
NEITHER_CATEGORIES = ("nature", "machinery", "ambience", "noise", "silence-hiss", "vehicle")


@dataclasses.dataclass
class RealClips:
    """The windows of the real clips: dynamics vectors, RMS level, which clip each comes from."""

    vectors: np.ndarray  # (k, 42)
    level_db: np.ndarray  # (k,)
    clip_index: np.ndarray  # (k,)
    rows: list[dict]  # manifest rows, one per clip


def _windows(y: np.ndarray, n: int) -> list[np.ndarray]:
    if y.size <= n:
        return [np.pad(y, (0, n - y.size))]
    return [y[start : start + n] for start in range(0, y.size - n + 1, n)]


def real_clips(root: Path = REAL_WORLD) -> RealClips | None:
    """Decode every clip of the manifest at the lab's rate and cut it into 3-s windows (None when absent)."""
    from speechmusic.core.audio import decode
    from speechmusic.core.config import DEFAULT_PARAMS
    from speechmusic.core.feature_kinds import to_vectors
    from speechmusic.core.features import batch_features

    manifest = root / "manifest.csv"
    if not manifest.is_file():
        return None
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    n, sr = DEFAULT_PARAMS.n_samples, DEFAULT_PARAMS.sample_rate
    signals, levels, index, kept = [], [], [], []
    for row in rows:
        folder = root / row["label"]
        found = sorted(folder.glob(f"{row['id']}.*"))
        if not found:
            continue
        y = decode(found[0], sample_rate=sr)
        for window in _windows(y, n):
            signals.append(window)
            levels.append(10 * np.log10(np.mean(np.square(window, dtype=np.float64)) + 1e-20))
            index.append(len(kept))
        kept.append(row)
    vectors = to_vectors(batch_features(np.stack(signals)), kind="dynamics")
    return RealClips(vectors, np.array(levels), np.array(index), kept)


def _render(job: tuple[int, str, str, int, bool]) -> np.ndarray:
    """One synthetic training clip's dynamics vector."""
    from speechmusic.core.feature_kinds import to_vectors
    from speechmusic.core.features import clip_features
    from speechmusic.data import synth
    from speechmusic.data.synth.conditions import WORLD

    seed, split, label, index, sung = job
    rng = synth.clip_rng(seed, split, label, index, "world")
    if label == "music":
        preset = WORLD if sung else dataclasses.replace(WORLD, sung_styles={})
        clip = synth.clips._render_music(rng, 66150, 22050, preset)[0]
    else:
        clip = synth.synthesize_clip(seed, split, label, index, conditions="world")
    return to_vectors(clip_features(clip)[np.newaxis], kind="dynamics")[0]


def synthetic_set(seed: int, labels: tuple[str, ...], sung: bool, per_label: int, *, n_jobs: int = 1,
                  cache: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dynamics vectors and label names of ``per_label`` training clips of each label (cached per clip set)."""
    parts, names = [], []
    for label in labels:
        key = f"{seed}-{label}-{'sung' if sung and label == 'music' else 'plain'}-{per_label}"
        path = cache / f"{key}.npy" if cache else None
        if path is not None and path.exists():
            vectors = np.load(path)
        else:
            jobs = [(seed, "train", label, i, sung) for i in range(per_label)]
            if n_jobs == 1:
                vectors = np.stack([_render(job) for job in jobs])
            else:
                from joblib import Parallel, delayed

                vectors = np.stack(Parallel(n_jobs=n_jobs, batch_size=8)(delayed(_render)(job) for job in jobs))
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, vectors)
        parts.append(vectors)
        names += [label] * len(vectors)
    return np.concatenate(parts), np.array(names)


def _model(train_x: np.ndarray, train_y: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000)).fit(train_x, train_y)


def _clip_verdicts(model, real: RealClips, clips) -> dict[int, str]:
    """The verdicts of ``clips`` (indices): mean probability over each one's sounding windows, or silence."""
    probabilities = model.predict_proba(real.vectors)
    classes = list(model.classes_)
    out = {}
    for c in clips:
        mine = (real.clip_index == c) & (real.level_db >= SILENCE_DB)
        out[c] = "silence" if not mine.any() else classes[int(np.argmax(probabilities[mine].mean(axis=0)))]
    return out


def verdicts(train_x: np.ndarray, train_y: np.ndarray, real: RealClips) -> list[str]:
    """Each real clip's label from a model trained on ``train_x`` alone."""
    found = _clip_verdicts(_model(train_x, train_y), real, range(len(real.rows)))
    return [found[c] for c in range(len(real.rows))]


def loso_verdicts(real: RealClips, synthetic: tuple[np.ndarray, np.ndarray] | None) -> list[str]:
    """Each real clip's label from a model trained on the other sources' real windows (and ``synthetic``)."""
    sources = np.array([real.rows[c]["repo"] for c in real.clip_index])
    labels = np.array([{"neither": "noise"}.get(real.rows[c]["label"], real.rows[c]["label"]) for c in real.clip_index])
    sounding = real.level_db >= SILENCE_DB
    found: dict[int, str] = {}
    for source in sorted(set(sources)):
        train = sounding & (sources != source)
        x, y = real.vectors[train], labels[train]
        if synthetic is not None:
            x, y = np.concatenate([x, synthetic[0]]), np.concatenate([y, synthetic[1]])
        clips = sorted({int(c) for c in real.clip_index[sources == source]})
        found.update(_clip_verdicts(_model(x, y), real, clips))
    return [found[c] for c in range(len(real.rows))]


def right(row: dict, verdict: str) -> bool:
    """Music with voices is music; what is neither is right as noise or silence."""
    return verdict in (("noise", "silence") if row["label"] == "neither" else (row["label"],))


def table(real: RealClips, results: dict[str, list[list[str]]]) -> list[str]:
    """Markdown rows: per label, then the vocal and neither categories, clips right (mean over seeds)."""
    variants = list(results)
    groups: list[tuple[str, list[int]]] = []
    for label in ("speech", "music", "neither"):
        groups.append((f"**{label}**", [i for i, r in enumerate(real.rows) if r["label"] == label]))
    for category in VOCAL_CATEGORIES:
        groups.append((f"music: {category}", [i for i, r in enumerate(real.rows) if r["category"] == category]))
    groups.append(("music: other categories", [i for i, r in enumerate(real.rows)
                                              if r["label"] == "music" and r["category"] not in VOCAL_CATEGORIES]))
    for category in NEITHER_CATEGORIES:
        groups.append((f"neither: {category}", [i for i, r in enumerate(real.rows)
                                                if r["label"] == "neither" and r["category"] == category]))
    lines = ["| clips | n | " + " | ".join(variants) + " |", "|---|---|" + "---|" * len(variants)]
    for name, members in groups:
        if not members:
            continue
        cells = []
        for variant in variants:
            scores = [sum(right(real.rows[i], seed_verdicts[i]) for i in members) for seed_verdicts in results[variant]]
            cells.append(f"{np.mean(scores):.1f}" if len(scores) > 1 else f"{scores[0]}")
        lines.append(f"| {name} | {len(members)} | " + " | ".join(cells) + " |")
    return lines


def confusion(real: RealClips, seed_verdicts: list[str]) -> list[str]:
    """Markdown confusion table of one run: real label -> verdicts."""
    called = ("speech", "music", "noise", "silence")
    lines = ["| real \\ called | " + " | ".join(called) + " |", "|---|" + "---|" * len(called)]
    for label in ("speech", "music", "neither"):
        counts = [sum(1 for r, v in zip(real.rows, seed_verdicts) if r["label"] == label and v == c) for c in called]
        lines.append(f"| {label} | " + " | ".join(map(str, counts)) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=REAL_WORLD)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--per-label", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=None, help="folder keeping the training vectors between runs")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--protocols", default="synthetic,loso", help="synthetic (trained on it alone), loso (real + synthetic)")
    args = parser.parse_args(argv)
    real = real_clips(args.root)
    if real is None:
        print(f"{args.root}: no manifest.csv; nothing to measure.")
        return 0
    seeds = [int(s) for s in args.seeds.split(",")]
    began = time.perf_counter()
    protocols = args.protocols.split(",")
    results: dict[str, list[list[str]]] = {}
    mixed: dict[str, list[list[str]]] = {"real": [loso_verdicts(real, None)]} if "loso" in protocols else {}
    for variant in args.variants.split(","):
        labels, sung = VARIANTS[variant]
        results[variant], loso_runs = [], []
        for seed in seeds:
            x, y = synthetic_set(seed, labels, sung, args.per_label, n_jobs=args.jobs, cache=args.cache)
            if "synthetic" in protocols:
                results[variant].append(verdicts(x, y, real))
            if "loso" in protocols and variant != "noise":
                loso_runs.append(loso_verdicts(real, (x, y)))
        if loso_runs:
            mixed[f"real + {variant}"] = loso_runs
    mean = "mean " if len(seeds) > 1 else ""
    if "synthetic" in protocols:
        print(f"Synthetic-only models ({args.per_label} clips per label, seeds {args.seeds}; {mean}clips right), "
              f"{len(real.rows)} real clips:\n")
        print("\n".join(table(real, results)))
        for variant, runs in results.items():
            print(f"\n{variant}, seed {seeds[0]}:\n")
            print("\n".join(confusion(real, runs[0])))
    if mixed:
        print(f"\nReal and synthetic clips, leave one source out ({mean}clips right):\n")
        print("\n".join(table(real, mixed)))
        for variant, runs in mixed.items():
            print(f"\n{variant}, seed {seeds[0]}:\n")
            print("\n".join(confusion(real, runs[0])))
    print(f"\n({time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
