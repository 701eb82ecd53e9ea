"""Benchmark 4: real recordings, when ``../shared/real-audio`` exists next to the repository.

The recordings (``speech/`` and ``music/``, any format) are cut into 3-s clips with
:func:`speechmusic.data.ingest.prepare_from_folder` in a temporary folder; the sources are only read.
Clips of one recording never end up on both sides of a split (split **by file**): clips of the
same recording are near-duplicates, and mixing them would measure memory, not generalisation.

Two evaluations:

* a fixed split: every third recording of each class (sorted by name, counting from the last one)
  is a test file (classes with a single recording only train); the dataset
  is loaded with ``load_dataset`` like the lab does;
* leave-one-recording-out: each recording in turn is the test set and the model is trained on the
  clips of all the others (every clip is tested once; less noisy with so few files).

Both with the lab model on flattened spectrograms and on pooled features with standardisation.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .report import Section, Target

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_AUDIO = REPO_ROOT / ".." / "shared" / "real-audio"
CLASSES = ("music", "speech")


def real_audio_files(root: Path = REAL_AUDIO) -> dict[str, list[Path]]:
    """Audio files of each class folder (empty lists when absent)."""
    from speechmusic.core.audio import is_audio_path

    return {label: sorted(p for p in (root / label).glob("*") if p.is_file() and is_audio_path(p))
            if (root / label).is_dir() else [] for label in CLASSES}


def _ingest(files: dict[str, list[Path]], data_dir: Path, split_of, max_clips: dict[str, int | None]) -> dict[str, str]:
    """Ingest each recording on its own (so its split is its own); returns clip path -> recording."""
    from speechmusic.data.ingest import prepare_from_folder, read_manifest

    staging = Path(tempfile.mkdtemp(prefix="real-audio-links-"))
    try:
        for label, paths in files.items():
            for path in paths:
                # A folder holding only a link to this recording: prepare_from_folder reads folders.
                folder = staging / f"{label}-{len(list(staging.iterdir()))}"
                folder.mkdir()
                os.symlink(path.resolve(), folder / path.name)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    prepare_from_folder(folder, data_dir=data_dir, label=label, split=split_of(label, path),
                                        max_clips_per_file=max_clips[label], progress=False)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {record.path: Path(record.original).name for record in read_manifest(data_dir)}


def _models(iterations: int = 2000):
    from speechmusic.core.features import flatten_features, pooled_features
    from speechmusic.core.model import LogisticRegression

    return {
        f"flat spectrogram, lab model ({iterations} it., lr 0.005)":
            (flatten_features, lambda: LogisticRegression(learning_rate=0.005, num_iterations=iterations)),
        f"pooled + standardize ({iterations} it., lr 0.005)":
            (pooled_features, lambda: LogisticRegression(learning_rate=0.005, num_iterations=iterations,
                                                         standardize=True)),
    }


def _balanced(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in (0, 1) if np.any(y_true == c)]))


def run(work_dir: Path, *, quick: bool = False, root: Path = REAL_AUDIO,
        max_clips: dict[str, int | None] | None = None, synthetic_dir: Path | None = None,
        iterations: int = 2000) -> Section:
    """Benchmark 4 (skipped, with the reason, when ``root`` has no speech or music recordings).

    ``synthetic_dir``: a generated dataset (lab layout); when given, models trained on all of it
    are also tested on every real clip (does what is learnt from generated audio carry over?).
    """
    section = Section(title="4. Real recordings: accuracy, split by file")
    files = real_audio_files(Path(root))
    if not files["speech"] or not files["music"]:
        section.skipped = f"{root} is not present (or lacks speech/ and music/ recordings)."
        section.targets = [Target("real-audio accuracy", "reported (no target)", "skipped", None)]
        return section
    from speechmusic.core.config import SPLITS
    from speechmusic.data.dataset import load_dataset, load_split

    # Long music tracks would swamp the three short speech files: cap clips per recording.
    max_clips = max_clips or {"music": 2 if quick else 4, "speech": None}
    # Every third recording of each class, counting from the last, is a test file.
    test_files = {label: set(paths[::-3]) if len(paths) >= 2 else set() for label, paths in files.items()}
    data_dir = Path(work_dir) / "real-audio-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    recording_of = _ingest(files, data_dir, lambda label, p: "test" if p in test_files[label] else "train", max_clips)

    rows = []
    fixed_split = all(test_files.values())
    if fixed_split:
        train_x, train_y, test_x, test_y, _ = load_dataset(data_dir, progress=False)
        train_y, test_y = train_y.ravel(), test_y.ravel()
    for name, (vectors, make) in _models(iterations).items() if fixed_split else ():
        model = make().fit(vectors(train_x), train_y)
        pred = model.predict(vectors(test_x))
        rows.append(["fixed split", name, f"{len(train_y)} / {len(test_y)}",
                     f"{np.mean(pred == test_y):.3f}", f"{_balanced(test_y, pred):.3f}",
                     f"{np.mean(pred[test_y == 1] == 1):.2f} / {np.mean(pred[test_y == 0] == 0):.2f}", "–"])

    # Leave one recording out, over the clips of both splits.
    X, y, recordings = [], [], []
    for split in SPLITS if fixed_split else ("train",):
        Xs, ys, paths = load_split(data_dir, split, progress=False)
        X.append(Xs)
        y.append(ys)
        recordings += [recording_of[p.relative_to(data_dir).as_posix()] for p in paths]
    X, y, recordings = np.concatenate(X), np.concatenate(y), np.array(recordings)
    names = sorted(set(recordings))
    if quick:
        names = names[:: max(1, len(names) // 4)]  # a few folds only
    for name, (vectors, make) in _models(iterations).items():
        V = vectors(X)
        truth, pred, file_right = [], [], []
        for held_out in names:
            test = recordings == held_out
            if len(set(y[~test])) < 2:
                continue  # cannot train without both classes
            p = make().fit(V[~test], y[~test]).predict(V[test])
            truth.append(y[test])
            pred.append(p)
            file_right.append(np.mean(p == y[test][0]) > 0.5)  # majority vote of the recording's clips
        truth, pred = np.concatenate(truth), np.concatenate(pred)
        rows.append([f"leave one recording out ({len(file_right)} folds)", name, f"{len(y)} clips",
                     f"{np.mean(pred == truth):.3f}", f"{_balanced(truth, pred):.3f}",
                     f"{np.mean(pred[truth == 1] == 1):.2f} / {np.mean(pred[truth == 0] == 0):.2f}",
                     f"{sum(file_right)} / {len(file_right)}"])

    if synthetic_dir is not None and Path(synthetic_dir).is_dir():
        syn_train_x, syn_train_y, syn_test_x, syn_test_y, _ = load_dataset(synthetic_dir, progress=False)
        syn_x = np.concatenate([syn_train_x, syn_test_x])
        syn_y = np.concatenate([syn_train_y.ravel(), syn_test_y.ravel()])
        for name, (vectors, make) in _models(iterations).items():
            pred = make().fit(vectors(syn_x), syn_y).predict(vectors(X))
            rows.append(["trained on generated clips, tested on all real clips", name, f"{len(syn_y)} / {len(y)}",
                         f"{np.mean(pred == y):.3f}", f"{_balanced(y, pred):.3f}",
                         f"{np.mean(pred[y == 1] == 1):.2f} / {np.mean(pred[y == 0] == 0):.2f}", "–"])

    section.headers = ["Evaluation", "Model", "Clips (train / test)", "Accuracy", "Balanced acc.",
                       "Speech / music recall", "Recordings right (majority)"]
    section.rows = rows
    best = max(float(r[3]) for r in rows if r[0].startswith("leave"))
    section.targets = [Target("real-audio accuracy (leave one recording out, best model)", "reported (no target)",
                              f"{best:.3f}", None)]
    counts = {label: int(np.sum(y == i)) for i, label in enumerate(CLASSES)}
    section.notes += [
        f"Recordings: {len(files['speech'])} speech, {len(files['music'])} music from {Path(root).name}/; "
        f"clips: {counts['speech']} speech, {counts['music']} music (music capped at {max_clips['music']} clips "
        "per recording so that long tracks do not swamp the short speech files).",
        "Fixed split test files: " + ", ".join(sorted(p.name for ps in test_files.values() for p in ps)) + ".",
        "So few recordings make every figure here coarse (one recording more or less right moves the "
        "accuracy by several points); it is a sanity check of the whole pipeline on real audio, not a "
        "measure of how well the lab model generalises.",
    ]
    return section
