"""Measure classifiers on labelled real recordings: clip verdicts, leave-one-source-out, synthetic-to-real.

A *clip folder* is laid out like ``../shared/real-world``::

    <root>/speech/<id>.<ext>   <root>/music/<id>.<ext>   <root>/noise/<id>.<ext>   <root>/manifest.csv (optional)

One folder per label the models learn (:data:`speechmusic.core.labels.LEARNED_LABELS`; ``neither/``
is read as ``noise/``), at least two of them. One file is one labelled recording (any length, rate,
channel count or format that :mod:`speechmusic.core.audio` decodes). ``manifest.csv``, when present,
gives each ``id`` its ``label`` and the columns used here: ``repo`` (the *source*: the public
repository the clip comes from), ``category`` and ``language``. Without a manifest every file is
its own source.

How a recording is scored is exactly how ``speechmusic predict`` scores it
(:func:`speechmusic.apps.pipeline.predict_file`): non-overlapping windows of the model's clip length
(3 s), one more aligned with the end when the length is not a multiple, a recording shorter than
a window zero-padded; the recording's probability of speech is the mean over its windows, windows
of digital silence left out. The files are decoded and windowed once
(:func:`load_clip_windows`); every model is then scored on the same spectrograms.

Leave-one-source-out (:func:`leave_one_source_out`): each source in turn is held out, a model is
trained on the windows of every other source's recordings and scores the held-out recordings.
Sources, not files, are held out because recordings of one source share speakers, microphones,
rooms, instruments and production: a split by file would partly measure memory of the source.

Synthetic-to-real (:func:`synthetic_to_real`): the model ``speechmusic train`` makes from the
synthetic set made for real recordings (``download_samples.py --source synthetic --conditions
world --train 400``: :data:`SYNTHETIC_CONDITIONS`, :data:`SYNTHETIC_PER_CLASS`) scores every real
recording.

Scores: :class:`~speechmusic.apps.clip_scores.ClipScores` (in :mod:`speechmusic.apps.clip_scores`,
re-exported here with its helpers).
"""

from __future__ import annotations

import csv
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechmusic.apps.clip_scores import (
    ClipInfo,
    ClipScores,
    balanced_accuracy,
    clip_probabilities,
    confusion_markdown,
    format_summary,
    most_probable,
    roc_auc,
    scores_markdown,
)
from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND, TRAINING_DEFAULTS, train_classifier
from speechmusic.apps.windows import SlidingWindows, hop_in_samples, open_blocks
from speechmusic.core.audio import find_audio_files, is_audio_path
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import AudioError, DatasetError, ParameterError
from speechmusic.core.feature_kinds import to_vectors
from speechmusic.core.labels import FOLDER_ALIASES, LAB_CLASSES, LEARNED_LABELS, label_of_folder, model_classes
from speechmusic.core.model import LogisticRegression
from speechmusic.data.dataset import load_split
from speechmusic.data.synth import build_synthetic_dataset

#: Name of the optional manifest of a clip folder.
MANIFEST_NAME = "manifest.csv"
#: Manifest column naming a recording's source (the unit held out by leave-one-source-out).
SOURCE_COLUMN = "repo"
#: The synthetic set of the synthetic-only model: its preset (speechmusic.data.synth.conditions) and
#: training clips per class (docs/synthetic.md, "How realistic is it?").
SYNTHETIC_CONDITIONS = "world"
SYNTHETIC_PER_CLASS = 400


@dataclass
class ClipWindows:
    """The windows of every recording of a clip folder, with their spectrograms.

    Attributes
    ----------
    features : np.ndarray
        float32 ``(n_windows, n_mels, n_frames)``: each window's normalised mel-spectrogram.
    clip_index : np.ndarray
        int64 ``(n_windows,)``: which recording (index into ``clips``) each window belongs to.
    silent : np.ndarray
        bool ``(n_windows,)``: windows of digital silence (no evidence; left out of verdicts and
        of training).
    clips : list of ClipInfo
    params : FeatureParams
        Parameters of ``features``.
    class_names : tuple of str
        The labels of the recordings, in a model's column order (:func:`speechmusic.core.labels.
        model_classes`); each recording's ``label`` indexes it.
    """

    features: np.ndarray
    clip_index: np.ndarray
    silent: np.ndarray
    clips: list[ClipInfo]
    params: FeatureParams = DEFAULT_PARAMS
    class_names: tuple[str, ...] = LAB_CLASSES

    @property
    def labels(self) -> np.ndarray:
        """Label of each recording, ``(n_clips,)``."""
        return np.array([c.label for c in self.clips], dtype=np.int64)

    @property
    def sources(self) -> np.ndarray:
        """Source of each recording, ``(n_clips,)``."""
        return np.array([c.source for c in self.clips])

    @property
    def window_labels(self) -> np.ndarray:
        """Label of each window, ``(n_windows,)``."""
        return self.labels[self.clip_index]

    def windows_per_clip(self) -> np.ndarray:
        """Number of windows that carry sound in each recording, ``(n_clips,)``."""
        return np.bincount(self.clip_index[~self.silent], minlength=len(self.clips))


def _read_manifest(root: Path) -> list[dict] | None:
    path = root / MANIFEST_NAME
    if not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for column in ("id", "label"):
        if rows and column not in rows[0]:
            raise DatasetError(f"{path}: has no {column!r} column (expected id,label,...,{SOURCE_COLUMN},...)")
    return rows


def label_folders(root: Path) -> dict[str, Path]:
    """The label folders of a clip folder: ``{label: folder}`` (``neither/`` stands for ``noise``)."""
    found: dict[str, Path] = {}
    for name in [*LEARNED_LABELS, *FOLDER_ALIASES]:
        folder = root / name
        label = label_of_folder(name)
        if label is not None and label not in found and folder.is_dir():
            found[label] = folder
    return found


def _find_recordings(root: Path, labels: tuple[str, ...] | None = None) -> list[dict]:
    """One row per recording: from the manifest when there is one, else from the label folders.

    ``labels`` None reads every label folder there is; otherwise those labels only. A row's
    ``label`` is a label name (a manifest's ``neither`` read as ``noise``).
    """
    folders = label_folders(root)
    wanted = tuple(folders) if labels is None else labels
    rows = _read_manifest(root)
    found = []
    if rows is None:
        for name in wanted:
            for path in find_audio_files(folders[name]) if name in folders else []:
                found.append({"id": path.stem, "label": name, "path": path, SOURCE_COLUMN: path.stem})
        return found
    by_stem: dict[str, dict[str, list[Path]]] = {}
    for name, folder in folders.items():
        files = sorted(p for p in folder.iterdir() if p.is_file() and is_audio_path(p))
        by_stem[name] = {}
        for path in files:
            by_stem[name].setdefault(path.stem, []).append(path)
    for row in rows:
        label = label_of_folder(row.get("label", ""))
        if label is None:
            warnings.warn(f"{root / MANIFEST_NAME}: skipped {row.get('id')!r}: label {row.get('label')!r} is none of "
                          f"{', '.join(LEARNED_LABELS)}", RuntimeWarning, stacklevel=3)
            continue
        if label not in wanted:
            continue
        matches = by_stem.get(label, {}).get(row["id"], [])
        if not matches:
            folder = folders.get(label, root / label)
            warnings.warn(f"{folder}: no audio file for {row['id']!r} of {MANIFEST_NAME}; skipped",
                          RuntimeWarning, stacklevel=3)
            continue
        found.append({**row, "label": label, "path": matches[0]})
    return found


def load_clip_windows(
    root: str | os.PathLike,
    *,
    params: FeatureParams = DEFAULT_PARAMS,
    hop: float | None = None,
    labels=None,
) -> ClipWindows:
    """Decode every recording of a clip folder and cut it into windows, as ``predict`` does.

    Parameters
    ----------
    root : path-like
        A clip folder (see the module notes): a folder per label (``speech/``, ``music/``,
        ``noise/`` or ``neither/``) and optionally ``manifest.csv``. Files are only read.
    params : FeatureParams
        Feature parameters (window length = ``params.duration``).
    hop : float or None
        Seconds between window starts; None: the window length, as ``predict`` scores a file.
        Smaller hops give more (overlapping) training windows.
    labels : sequence of str or None
        The labels to read (e.g. ``("speech", "music")`` to score a two-label model on their
        clips only); None: every label folder there is.

    Returns
    -------
    ClipWindows
        Its ``class_names`` are the labels read, in a model's column order.

    Raises
    ------
    DatasetError
        ``root`` is missing, it has fewer than two label folders, or a label has no readable
        recording. Recordings that cannot be decoded are skipped with a ``RuntimeWarning`` naming them.

    Examples
    --------
    >>> data = load_clip_windows("../shared/real-world")          # doctest: +SKIP
    >>> len(data.clips), data.features.shape[1:]                   # doctest: +SKIP
    (124, (128, 130))
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder (expected speech/, music/, noise/ and optionally {MANIFEST_NAME})")
    present = label_folders(root)
    wanted = tuple(present) if labels is None else tuple(labels)
    if len(present) < 2 and labels is None:
        raise DatasetError(f"{root}: a clip folder needs at least two of {', '.join(f'{n}/' for n in LEARNED_LABELS)}; "
                           f"found {', '.join(f'{n}/' for n in present) or 'none'}")
    try:
        class_names = model_classes(wanted)
    except ParameterError as error:
        raise DatasetError(f"{root}: {error}") from None
    hop_samples = hop_in_samples(params.duration if hop is None else hop, params, align=False)
    feature_parts, clip_index, clips = [], [], []
    for row in _find_recordings(root, class_names):
        path = row["path"]
        try:
            blocks, _ = open_blocks(path, sample_rate=params.sample_rate)
            windows = SlidingWindows(blocks, params=params, hop_samples=hop_samples)
            parts = [batch.features for batch in windows]
        except AudioError as error:
            warnings.warn(f"skipped {error}", RuntimeWarning, stacklevel=2)
            continue
        if not parts:
            warnings.warn(f"skipped {path}: contains no audio samples", RuntimeWarning, stacklevel=2)
            continue
        index = len(clips)
        clips.append(ClipInfo(
            id=row["id"], path=str(path), label=class_names.index(row["label"]),
            source=row.get(SOURCE_COLUMN) or row["id"], category=row.get("category", "") or "",
            language=row.get("language", "") or "", duration=windows.n_samples / params.sample_rate,
            label_name=row["label"],
        ))
        for part in parts:
            feature_parts.append(part)
            clip_index.append(np.full(len(part), index, dtype=np.int64))
    for label, name in enumerate(class_names):
        if not any(c.label == label for c in clips):
            raise DatasetError(f"{root / name}: no readable {name} recording; the clip folder's labels are "
                               f"{', '.join(class_names)}")
    features = np.concatenate(feature_parts)
    silent = ~features.reshape(features.shape[0], -1).any(axis=1)
    return ClipWindows(features=features, clip_index=np.concatenate(clip_index), silent=silent, clips=clips,
                       params=params, class_names=class_names)


def score_clips(classifier, data: ClipWindows, *, fold: str = "all") -> ClipScores:
    """Score every recording of ``data`` with one trained classifier (``predict``'s verdicts).

    Parameters
    ----------
    classifier : speechmusic.apps.pipeline.Classifier
        A trained or loaded model; its feature parameters must be those of ``data``.
    data : ClipWindows
    fold : str
        Recorded in :attr:`ClipScores.fold`.
    """
    if classifier.params != data.params:
        raise ParameterError("the classifier was trained with other feature parameters than these windows")
    window_p = classifier.probabilities(data.features)
    probabilities = clip_probabilities(window_p, data.clip_index, data.silent, len(data.clips))
    return ClipScores(clips=list(data.clips), probabilities=probabilities, class_names=tuple(classifier.class_names),
                      fold=[fold] * len(data.clips),
                      window_probabilities=np.where(data.silent[:, np.newaxis], np.nan, window_p),
                      window_clip=data.clip_index)


# ------------------------------------------------------------------------------------- training

def _window_weights(clip_index: np.ndarray, weighting: str) -> np.ndarray | None:
    """Training weight of each window: None (every window counts once) or 1 / windows of its recording."""
    if weighting == "window":
        return None
    if weighting == "clip":
        counts = np.bincount(clip_index)
        return 1.0 / counts[clip_index]
    raise ParameterError(f"weighting must be 'window' or 'clip', got {weighting!r}")


def fit_vectors(vectors: np.ndarray, labels: np.ndarray, *, feature_kind: str, sample_weight=None,
                learning_rate: float | None = None, num_iterations: int | None = None):
    """The project's logistic regression with ``speechmusic train``'s defaults for ``feature_kind``, fitted.

    ``vectors`` are already the kind's feature vectors (:func:`speechmusic.core.features.to_vectors`).
    """
    rate, iterations, standardize = TRAINING_DEFAULTS[feature_kind]
    model = LogisticRegression(learning_rate=rate if learning_rate is None else learning_rate,
                               num_iterations=iterations if num_iterations is None else num_iterations,
                               standardize=standardize)
    if sample_weight is None:
        return model.fit(vectors, labels)
    return model.fit(vectors, labels, sample_weight=sample_weight)


def leave_one_source_out_vectors(
    vectors: np.ndarray,
    data: ClipWindows,
    *,
    feature_kind: str,
    weighting: str = "window",
    extra: tuple[np.ndarray, np.ndarray] | None = None,
    learning_rate: float | None = None,
    num_iterations: int | None = None,
    test: tuple[np.ndarray, ClipWindows] | None = None,
) -> ClipScores:
    """:func:`leave_one_source_out` on precomputed window vectors (one row per window of ``data``).

    Useful to compare feature sets without recomputing anything: ``vectors`` may be any function
    of the windows' spectrograms; the model is trained with the defaults of ``feature_kind``.
    ``extra`` = (vectors, labels) of further training examples added to every fold (for example
    the synthetic set; labels are indices into ``data.class_names``). ``test`` = (vectors, windows)
    of another rendering of the same recordings (same clips in the same order, e.g. degraded
    copies): each fold then scores those instead.
    """
    vectors = np.asarray(vectors)
    if vectors.shape[0] != data.features.shape[0]:
        raise ParameterError(f"{vectors.shape[0]} vectors for {data.features.shape[0]} windows")
    test_vectors, test_data = (vectors, data) if test is None else (np.asarray(test[0]), test[1])
    if [c.id for c in test_data.clips] != [c.id for c in data.clips]:
        raise ParameterError("the test windows must come from the same recordings, in the same order")
    sources = data.sources
    window_source = sources[data.clip_index]
    window_labels = data.window_labels
    k = len(data.class_names)
    probabilities = np.full((len(data.clips), k), np.nan)
    window_probabilities = np.full((len(test_data.clip_index), k), np.nan)
    test_source = sources[test_data.clip_index]
    fold = [""] * len(data.clips)
    for held_out in sorted(set(sources)):
        train = (window_source != held_out) & ~data.silent
        X, y = vectors[train], window_labels[train]
        weights = _window_weights(data.clip_index[train], weighting)
        if extra is not None:
            X = np.concatenate([X, extra[0]])
            y = np.concatenate([y, np.asarray(extra[1]).reshape(-1)])
            if weights is not None:
                # The extra examples (one clip each) count as much as one real recording each.
                weights = np.concatenate([weights, np.ones(len(extra[1]))])
        if len(np.unique(y)) < 2:
            continue  # nothing to learn without both classes (only in toy folders)
        model = fit_vectors(X, y, feature_kind=feature_kind, sample_weight=weights,
                            learning_rate=learning_rate, num_iterations=num_iterations)
        rows = test_source == held_out
        clips = np.flatnonzero(sources == held_out)
        # A fold whose training lacks a label gives that label probability 0.
        window_p = np.zeros((int(rows.sum()), k))
        window_p[:, model.classes_.astype(np.int64)] = model.predict_proba(test_vectors[rows])
        window_probabilities[rows] = np.where(test_data.silent[rows, np.newaxis], np.nan, window_p)
        local = np.searchsorted(clips, test_data.clip_index[rows])
        probabilities[clips] = clip_probabilities(window_p, local, test_data.silent[rows], clips.size)
        for i in clips:
            fold[i] = held_out
    return ClipScores(clips=list(data.clips), probabilities=probabilities, class_names=data.class_names, fold=fold,
                      window_probabilities=window_probabilities, window_clip=test_data.clip_index)


def leave_one_source_out(
    data: ClipWindows,
    *,
    feature_kind: str | None = None,
    weighting: str = "window",
    extra: tuple[np.ndarray, np.ndarray] | None = None,
    learning_rate: float | None = None,
    num_iterations: int | None = None,
) -> ClipScores:
    """Leave-one-source-out evaluation of the project's classifier on a clip folder's windows.

    For each source (manifest ``repo``) in turn, the logistic regression is trained (with
    ``speechmusic train``'s defaults for ``feature_kind``) on every sounding window of the other
    sources' recordings, and scores the held-out source's recordings as ``predict`` would.

    Parameters
    ----------
    data : ClipWindows
        From :func:`load_clip_windows`.
    feature_kind : str or None
        A kind of :data:`speechmusic.core.feature_kinds.FEATURE_KINDS`; None: ``train``'s default.
    weighting : {"window", "clip"}
        "window": every training window counts once (long recordings weigh more); "clip": each
        recording's windows share one unit of weight.
    extra : (spectrograms, labels) or None
        Further training clips added to every fold, e.g. the synthetic set (spectrograms
        ``(k, n_mels, n_frames)`` and labels ``(k,)``).
    learning_rate, num_iterations : optional
        Override ``train``'s defaults.

    Returns
    -------
    ClipScores
        Every recording scored once, by the model that did not see its source.
    """
    kind = feature_kind or DEFAULT_FEATURE_KIND
    vectors = to_vectors(data.features, kind=kind)
    extra_vectors = None
    if extra is not None:
        extra_vectors = (to_vectors(np.asarray(extra[0]), kind=kind), np.asarray(extra[1]).reshape(-1))
    return leave_one_source_out_vectors(vectors, data, feature_kind=kind, weighting=weighting,
                                        extra=extra_vectors, learning_rate=learning_rate,
                                        num_iterations=num_iterations)


def load_synthetic_training_set(
    data_dir: str | os.PathLike | None = None,
    *,
    seed: int = 0,
    n_train: int = SYNTHETIC_PER_CLASS,
    params: FeatureParams = DEFAULT_PARAMS,
    progress: bool = False,
    conditions: str = SYNTHETIC_CONDITIONS,
    labels=("speech", "music"),
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Spectrograms, labels and label names of the synthetic set's training split, as ``speechmusic train`` reads it.

    Parameters
    ----------
    data_dir : path-like or None
        A synthetic dataset folder (``download_samples.py --source synthetic --conditions
        world``); missing clips of ``seed``/``n_train`` are generated into it (existing files are
        never overwritten). None: generate into a temporary folder, deleted afterwards.
    seed, n_train : int
        The synthetic set's seed and training clips per class.
    conditions : {"lab", "world"}
        The synthetic set's preset (:mod:`speechmusic.data.synth.conditions`).
    labels : sequence of str
        The synthetic labels to make and read (the lab's speech and music by default; "noise"
        for sound that is neither).

    Returns
    -------
    X : np.ndarray
    y : np.ndarray
        Indices into the label names.
    names : tuple of str
        The label names, in a model's column order.
    """
    names = model_classes(labels)

    def load(folder: Path):
        extra = {} if set(names) == set(LAB_CLASSES) else {"labels": names}
        build_synthetic_dataset(folder, n_train=n_train, n_test=0, seed=seed, progress=progress,
                                conditions=conditions, **extra)
        X, y, _ = load_split(folder, "train", params=params, dtype=np.float32, progress=progress, labels=names)
        return X, y, names

    if data_dir is not None:
        return load(Path(data_dir))
    with tempfile.TemporaryDirectory(prefix="speechmusic-synthetic-") as folder:
        return load(Path(folder))


def synthetic_to_real(
    real: ClipWindows | str | os.PathLike,
    *,
    synthetic_dir: str | os.PathLike | None = None,
    seed: int = 0,
    n_train: int = SYNTHETIC_PER_CLASS,
    feature_kind: str | None = None,
    progress: bool = False,
    conditions: str = SYNTHETIC_CONDITIONS,
) -> ClipScores:
    """Train ``speechmusic train``'s default model on the synthetic set and score every real recording.

    This is the "synthetic-only" figure: how well what is learnt from generated audio
    (:mod:`speechmusic.data.synth`) carries over to real recordings. The training set is the synthetic
    set's train split as ``download_samples.py --source synthetic --conditions world --train 400``
    makes it (seed 0), trained exactly as ``speechmusic train --data-dir DATA --model M`` does
    (default feature kind and settings); every real recording is then scored as ``predict`` would.

    Parameters
    ----------
    real : ClipWindows or path-like
        Real recordings: windows from :func:`load_clip_windows`, or a clip folder to load
        (e.g. ``../shared/real-world``).
    synthetic_dir : path-like or None
        Where the synthetic set is (or is generated); None: a temporary folder.
    seed, n_train : int
        Synthetic set seed and training clips per class.
    feature_kind : str or None
        None: ``train``'s default.
    conditions : {"lab", "world"}
        The synthetic set's preset.

    Returns
    -------
    ClipScores
        ``.balanced_accuracy()`` is the headline figure (target >= 0.92 on ``../shared/real-world``).

    Examples
    --------
    >>> scores = synthetic_to_real("../shared/real-world")          # doctest: +SKIP
    >>> round(scores.balanced_accuracy(), 3), scores.table("category")[:1]   # doctest: +SKIP
    """
    if not isinstance(real, ClipWindows):
        real = load_clip_windows(real)
    X, y, names = load_synthetic_training_set(synthetic_dir, seed=seed, n_train=n_train, params=real.params,
                                              progress=progress, conditions=conditions,
                                              labels=[n for n in real.class_names])
    classifier = train_classifier(X, y, feature_kind=feature_kind or DEFAULT_FEATURE_KIND, params=real.params,
                                  class_names=names)
    return score_clips(classifier, real, fold="synthetic")


__all__ = [
    "ClipInfo", "ClipWindows", "ClipScores", "load_clip_windows", "clip_probabilities", "balanced_accuracy",
    "roc_auc", "score_clips", "fit_vectors", "leave_one_source_out", "leave_one_source_out_vectors",
    "load_synthetic_training_set", "synthetic_to_real", "scores_markdown", "format_summary", "confusion_markdown",
    "label_folders", "most_probable",
]
