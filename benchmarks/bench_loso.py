"""Benchmark 7: real recordings from many sources, leave-one-source-out (``../shared/real-world``).

The shared set (124 clips of at most 20 s, 62 speech and 62 music, from 29 public repositories;
its ``manifest.csv`` names each clip's source ``repo``, category and language) is read with
:func:`speechmusic.apps.evaluation.load_clip_windows`: every clip cut into 3-s windows as ``predict``
does. Each source in turn is held out; the project's logistic regression (``speechmusic train``'s
settings for the feature kind) is trained on the windows of all other sources and scores the
held-out clips (clip verdict = mean window probability, digital silence left out).

What is reported:

* **Feature families**: the ``dynamics`` kind, each of its families removed in turn, each
  candidate that was not kept added in turn (:mod:`benchmarks.feature_candidates`), and the
  previous default ``pooled``. Five measures per row, each as clip / window balanced accuracy:
  *clean* (the clips as they are); *noisy*, *telephone* and *snippet* (trained on the clean clips
  of the other sources, tested on degraded copies of the held-out source: pink noise at 10 dB SNR;
  8 kHz, 300-3400 Hz band; the middle second alone); *synthetic-only* (trained on the synthetic
  set, tested on every real clip). The shared set is nearly solved by several feature sets when clean; the degraded copies
  and the synthetic-to-real transfer are what separate them.
* **Headline**: the default kind and ``pooled`` by leave-one-source-out (real clips of the other
  sources; and the same plus the synthetic set), and the synthetic-only model
  (:func:`speechmusic.apps.evaluation.synthetic_to_real`).
* Per category and per language.

The degraded copies and the synthetic set are written into the work folder; the shared clips are
only read. Skipped, with the reason, when ``../shared/real-world`` is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from speechmusic.apps.augment import SNIPPET_SECONDS, degrade, pink_noise  # noqa: F401
from speechmusic.apps.augment import TEST_CONDITIONS as CONDITIONS
from speechmusic.apps.augment import TEST_NOISE_SNR_DB as NOISE_SNR_DB

from .report import Section, Target

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_WORLD = REPO_ROOT / ".." / "shared" / "real-world"
TARGET_LOSO = 0.95
TARGET_SYNTHETIC = 0.92
#: The labels the synthetic generator makes clips of.
SYNTHETIC_LABELS = ("speech", "music", "noise")


def have_real_world(root: Path = REAL_WORLD) -> bool:
    """True when ``root`` holds a manifest and both class folders."""
    root = Path(root)
    return (root / "manifest.csv").is_file() and (root / "speech").is_dir() and (root / "music").is_dir()


def degraded_copy(root: Path, out: Path, condition: str) -> Path:
    """Write every clip of a clip folder in ``condition`` ("noisy", "telephone" or "snippet") into ``out``.

    The copies are :func:`speechmusic.apps.augment.degrade`'s (the same conditions ``speechmusic
    build-model`` measures): noisy: pink noise at :data:`NOISE_SNR_DB` dB below the clip's power
    (seeded by the clip id), 16-bit WAV at 22050 Hz; telephone: 8 kHz, 300-3400 Hz, 8-bit mu-law
    WAV; snippet: the middle :data:`SNIPPET_SECONDS` of the clip (``predict`` zero-pads it to one
    window). The manifest is copied; existing copies are reused.
    """
    import hashlib

    import soundfile as sf

    from speechmusic.apps.evaluation import _find_recordings
    from speechmusic.core.audio import decode

    out = Path(out)
    done = out / ".complete"
    # Reused (with --work-dir) only when made from the same manifest with the same settings.
    stamp = hashlib.sha256((Path(root) / "manifest.csv").read_bytes()).hexdigest() + f" {condition} {NOISE_SNR_DB}"
    if done.is_file() and done.read_text() == stamp:
        return out
    shutil.rmtree(out, ignore_errors=True)
    for row in _find_recordings(Path(root)):
        y = decode(row["path"], sample_rate=22050)
        z, sr, subtype = degrade(y, 22050, condition, key=row["id"])
        path = out / row["label"] / f"{row['id']}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), z, sr, subtype=subtype)
    shutil.copy(Path(root) / "manifest.csv", out / "manifest.csv")
    done.write_text(stamp)
    return out


def family_functions():
    """Families of the ``prosody`` kind, by name (each ``X -> (m, k)``); the first four are ``dynamics``."""
    from speechmusic.core import dynamics as F
    from speechmusic.core.config import DEFAULT_PARAMS

    frame_rate = DEFAULT_PARAMS.sample_rate / DEFAULT_PARAMS.hop_length

    def frames(family):  # the families on analysis frames, as the kind computes them
        return lambda X: family(F.analysis_frames(X, params=DEFAULT_PARAMS))

    return {
        "cepstral dynamics": frames(F.cepstral_dynamics),
        "spectral flux": frames(F.flux_statistics),
        "onsets": frames(lambda X: F.onset_statistics(X, frame_rate=frame_rate)),
        "harmonic continuity": frames(lambda X: F.harmonic_continuity(X, n_bands=F.harmonic_bands(DEFAULT_PARAMS))),
        "pitch": frames(F.pitch_statistics),
        "modulation": frames(F.modulation_statistics),
    }


#: The families of the ``dynamics`` kind (the previous default), among :func:`family_functions`.
DYNAMICS_FAMILIES = ("cepstral dynamics", "spectral flux", "onsets", "harmonic continuity")


def _fmt(value: float) -> str:
    return "–" if value is None or np.isnan(value) else f"{value:.3f}"


def run(work_dir: Path, *, root: Path = REAL_WORLD, quick: bool = False, synthetic_per_class: int | None = None,
        degraded: bool = True) -> Section:
    """Benchmark 7 (skipped when ``root`` is absent)."""
    section = Section(title="7. Real recordings from many sources: leave-one-source-out")
    root = Path(root)
    if not have_real_world(root):
        section.skipped = f"{root} is not present (or lacks manifest.csv, speech/ and music/)."
        section.targets = [Target("leave-one-source-out balanced accuracy", f"≥ {TARGET_LOSO}", "skipped", None)]
        return section
    from speechmusic.apps import evaluation as ev
    from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND, train_classifier

    from .feature_candidates import CANDIDATES

    work_dir = Path(work_dir)
    data = ev.load_clip_windows(root)
    tests = {"clean": data}
    if degraded:
        for condition in CONDITIONS[1:]:
            tests[condition] = ev.load_clip_windows(degraded_copy(root, work_dir / f"real-world-{condition}", condition))
    # The synthetic-only model's set (evaluation.SYNTHETIC_CONDITIONS, SYNTHETIC_PER_CLASS unless told otherwise).
    synthetic_per_class = synthetic_per_class or ev.SYNTHETIC_PER_CLASS
    syn_x, syn_y, syn_names = ev.load_synthetic_training_set(
        work_dir / f"synthetic-{ev.SYNTHETIC_CONDITIONS}-seed0", n_train=synthetic_per_class,
        labels=[n for n in data.class_names if n in SYNTHETIC_LABELS])
    syn_y = np.array([data.class_names.index(n) for n in syn_names])[syn_y]  # as the clip folder's label indices
    n_labels = len(data.class_names)

    kept = family_functions()
    functions = {**kept, **CANDIDATES}
    cache: dict[tuple[str, str], np.ndarray] = {}

    def vectors(which: str, names: list[str]) -> np.ndarray:
        parts = []
        for name in names:
            if (which, name) not in cache:
                X = syn_x if which == "synthetic" else tests[which].features
                cache[(which, name)] = np.asarray(functions[name](X), dtype=np.float64)
            parts.append(cache[(which, name)])
        return np.concatenate(parts, axis=1)

    def measure(names: list[str]) -> list[str]:
        clean = vectors("clean", names)
        cells = []
        for condition, windows in tests.items():
            test = None if condition == "clean" else (vectors(condition, names), windows)
            s = ev.leave_one_source_out_vectors(clean, data, feature_kind="dynamics", test=test)
            cells.append(f"{_fmt(s.balanced_accuracy())} / {_fmt(s.window_balanced_accuracy())}")
        model = ev.fit_vectors(vectors("synthetic", names), syn_y, feature_kind="dynamics")
        p = np.zeros((len(clean), n_labels))  # a label the synthetic set lacks gets probability 0
        p[:, model.classes_.astype(np.int64)] = model.predict_proba(clean)
        syn = ev.ClipScores(data.clips, ev.clip_probabilities(p, data.clip_index, data.silent, len(data.clips)),
                            class_names=data.class_names,
                            window_probabilities=np.where(data.silent[:, np.newaxis], np.nan, p),
                            window_clip=data.clip_index)
        cells.append(f"{_fmt(syn.balanced_accuracy())} / {_fmt(syn.window_balanced_accuracy())}")
        return [str(clean.shape[1])] + cells

    names = list(kept)
    rows = [["**prosody** (default): " + ", ".join(names)] + measure(names)]
    for name in names:
        rows.append([f"prosody − {name}"] + measure([n for n in names if n != name]))
    for name in () if quick else CANDIDATES:  # --quick: the kept families only
        rows.append([f"prosody + {name}"] + measure(names + [name]))
    rows.append(["dynamics (previous default)"] + measure(list(DYNAMICS_FAMILIES)))
    rows.append(["pooled (the default before it)"] + measure(["pooled band means and spreads"]))
    section.headers = ["Features", "Values"] + [f"LOSO {c} (clip / window)" for c in tests] + \
        ["synthetic-only (clip / window)"]
    section.rows = rows

    # Headline: the kinds exactly as `train` makes them.
    headline, per_kind = [], {}
    for kind in (DEFAULT_FEATURE_KIND, "dynamics"):
        loso = ev.leave_one_source_out(data, feature_kind=kind)
        both = ev.leave_one_source_out(data, feature_kind=kind, extra=(syn_x, syn_y))
        present = sorted(set(syn_y.tolist()))
        classifier = train_classifier(syn_x, np.searchsorted(present, syn_y), feature_kind=kind, params=data.params,
                                      class_names=tuple(data.class_names[i] for i in present))
        synthetic = ev.score_clips(classifier, data, fold="synthetic")
        per_kind[kind] = {"loso": loso, "both": both, "synthetic": synthetic}
        for label, s in (("LOSO, real clips of the other sources", loso),
                         ("LOSO, real clips of the other sources + synthetic set", both),
                         ("synthetic set only (speechmusic train on it)", synthetic)):
            m = s.summary()
            headline.append([kind, label, _fmt(m["balanced_accuracy"]), _fmt(m["auc"]),
                             *[f"{m[n + '_right']}/{m[n + '_clips']}" for n in s.present_labels()],
                             _fmt(m["window_balanced_accuracy"])])
    section.extra_tables.append((
        "Headline (clip verdicts as `predict` gives them):",
        ["Kind", "Training", "Balanced acc.", "AUC", *[f"{n.capitalize()} right" for n in data.class_names],
         "Window balanced acc."],
        headline))

    default = per_kind[DEFAULT_FEATURE_KIND]
    category_rows = []
    tables = {key: {(r["label"], r["category"]): r for r in s.table("category")}
              for key, s in (("dyn", default["loso"]), ("pooled", per_kind["dynamics"]["loso"]),
                             ("syn", default["synthetic"]))}
    for key in sorted(tables["dyn"], key=lambda k: (k[0], -tables["dyn"][k]["clips"], k[1])):
        category_rows.append([key[0], key[1], str(tables["dyn"][key]["clips"])]
                             + [str(tables[t][key]["right"]) for t in ("dyn", "pooled", "syn")])
    section.extra_tables.append((
        f"Per category (clips right; LOSO = leave-one-source-out on real clips; {DEFAULT_FEATURE_KIND} is the default):",
        ["Label", "Category", "Clips", f"{DEFAULT_FEATURE_KIND} LOSO", "dynamics LOSO", f"{DEFAULT_FEATURE_KIND} synthetic-only"],
        category_rows))
    language_rows = [[r["language"], str(r["clips"]), str(r["right"])]
                     for r in default["loso"].table("language") if r["label"] == "speech"]
    section.extra_tables.append((f"Speech per language ({DEFAULT_FEATURE_KIND}, LOSO):",
                                 ["Language", "Clips", "Right"], language_rows))

    loso_score = default["loso"].balanced_accuracy()
    synthetic_score = default["synthetic"].balanced_accuracy()
    section.targets = [
        Target(f"leave-one-source-out balanced accuracy ({DEFAULT_FEATURE_KIND})", f"≥ {TARGET_LOSO}",
               _fmt(loso_score), loso_score >= TARGET_LOSO),
        Target(f"synthetic-only balanced accuracy on real clips ({DEFAULT_FEATURE_KIND})", f"≥ {TARGET_SYNTHETIC}",
               _fmt(synthetic_score), synthetic_score >= TARGET_SYNTHETIC),
    ]
    wrong = "; ".join(f"{w['id']} ({w['label']} → {w['predicted']}, {w['category']})"
                      for w in default["loso"].wrong()) or "none"
    sources = len(set(data.sources))
    counts = ", ".join(f"{sum(c.label_name == n for c in data.clips)} {n}" for n in data.class_names)
    section.notes += [
        f"{len(data.clips)} clips ({counts}) from {sources} sources, "
        f"{len(data.clip_index)} windows of 3 s; {sources} folds. Clip = mean of its windows' probabilities; "
        "window = each 3-s window on its own (as `segment` sees them). Balanced accuracy = mean of the "
        "recalls of the labels.",
        f"Training: the project's LogisticRegression with `train`'s settings (learning rate 0.1, 1000 "
        "iterations, standardised), every sounding window of the training clips counting once. Synthetic "
        f"set: `speechmusic.data.synth`, seed 0, conditions `{ev.SYNTHETIC_CONDITIONS}`, {synthetic_per_class} "
        f"training clips per class (as `download_samples.py --source synthetic --conditions "
        f"{ev.SYNTHETIC_CONDITIONS} --train {synthetic_per_class}`).",
        f"noisy: pink noise at {NOISE_SNR_DB:g} dB SNR; telephone: 8 kHz, 300-3400 Hz, mu-law "
        f"(as benchmark 6); snippet: the middle {SNIPPET_SECONDS:g} s of each clip alone (one zero-padded "
        "window). Only the held-out source's clips are degraded; training uses clean clips.",
        f"Misclassified by the default kind (LOSO): {wrong}.",
        "One clip is 0.016 of a class's recall (0.008 of balanced accuracy); one window about 0.003.",
    ]
    return section
