"""Features + model in one object: what ``train`` saves and ``evaluate``/``predict``/``segment`` load.

A :class:`Classifier` is the reference :class:`~speechmusic.core.model.LogisticRegression` together
with everything needed to turn audio into the inputs it was trained on: the feature parameters
(sample rate, clip length, mel settings, normalisation range), the feature kind (``"flat"``
spectrogram pixels, ``"pooled"`` band statistics, ``"dynamics"``, how the sound moves, or
``"prosody"``, dynamics with pitch and modulation statistics: :mod:`speechmusic.core.feature_kinds`)
and the label names. A model file saved by
:func:`save_classifier` therefore classifies new recordings exactly the way the training data was
processed, on any machine.

Model file (``.npz``, written atomically): arrays ``coef``, ``intercept``, optional ``mean`` and
``scale`` (standardisation), and a JSON record ``meta`` with at least::

    format            model file format version (refused when this code does not know it)
    package_version   speechmusic version that wrote it
    feature_kind      a kind of speechmusic.core.feature_kinds: "flat", "pooled", "dynamics" or "prosody"
    feature_params    FeatureParams.as_dict(): sample_rate, duration, n_mels, n_fft,
                      hop_length, top_db, fmin, fmax
    class_names       the labels of the model's columns: ["music", "speech"] (label 0 and label 1,
                      the lab's) or more of the tools' labels in their order, e.g. ["speech",
                      "music", "noise"] (core/labels.py)
    classes           the estimator's classes (column indices 0..K-1)
    learning_rate, num_iterations, standardize, costs, and what ``train`` adds (data, accuracy)
    calibration       optional: {"method": "platt", "a": ..., "b": ...} for two labels,
                      probabilities sigmoid(a * log-odds + b); {"method": "vector", "a": [...],
                      "b": [...]} for more, softmax(a * scores + b) (:mod:`speechmusic.apps.
                      calibration`). Files without it give the model's own probabilities.
    model_name        optional: how commands name the model (the shipped default model has one)

:func:`load_classifier` refuses, with one clear sentence, a file it cannot honour: unknown format
version, unknown feature kind, feature parameters this version does not have or cannot use,
other label names, or weights whose length does not match the features.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from speechmusic.apps.calibration import LabelCalibration, PlattCalibration, calibration_from_dict
from speechmusic.apps.windows import DEFAULT_BLOCK_SECONDS, SlidingWindows, hop_in_samples, open_blocks
from speechmusic.core import feature_kinds
from speechmusic.core.config import CLASS_NAMES, DEFAULT_PARAMS, FeatureParams, params_from_dict  # noqa: F401 (re-exported)
from speechmusic.core.errors import AudioError, ModelFileError, ParameterError, SpeechMusicError
from speechmusic.core.executor import one_blas_thread
from speechmusic.core.feature_kinds import (
    DEFAULT_FEATURE_KIND,
    FEATURE_KIND_TABLE,
    FEATURE_KINDS,
    feature_length,
    to_vectors,
)
from speechmusic.core.labels import DEFAULT_SILENCE_DB, LEARNED_LABELS, SILENCE, model_classes
from speechmusic.core.model import (
    DECISION_THRESHOLD,
    MODEL_FORMATS,
    LogisticRegression,
    labels_from_probability,
    sigmoid,
    softmax,
)

#: Training defaults per feature kind: (learning_rate, num_iterations, standardize), from the one
#: registry of kinds (:mod:`speechmusic.core.feature_kinds`).
TRAINING_DEFAULTS: dict[str, tuple[float, int, bool]] = {
    name: (kind.learning_rate, kind.num_iterations, kind.standardize) for name, kind in FEATURE_KIND_TABLE.items()}


@dataclass
class Classifier:
    """A trained model plus the recipe that turns audio into its inputs.

    Parameters
    ----------
    model : LogisticRegression
        Trained estimator: two classes (the lab's music = 0, speech = 1) or more (softmax); its
        columns are the labels ``class_names``.
    params : FeatureParams
        Feature parameters of the training clips.
    feature_kind : {"flat", "pooled", "dynamics", "prosody"}
        How spectrograms become vectors (:mod:`speechmusic.core.feature_kinds`).
    class_names : tuple of str
        The labels the model tells apart, in the order of its columns (:func:`speechmusic.core.labels.
        model_classes`): ``("music", "speech")`` for a lab-style model, ``("speech", "music",
        "noise")`` for the shipped one.
    metadata : dict
        Everything else stored in the model file.
    calibration : PlattCalibration, LabelCalibration or None
        Applied to the model's scores by :meth:`probabilities` (None: the model's own probabilities).
    path : str
        The file it was loaded from ("" for a classifier made in memory).
    is_default : bool
        True for the model shipped with the package (:func:`load_default_classifier`).

    Examples
    --------
    >>> clf = load_classifier("model.npz")                     # doctest: +SKIP
    >>> clf.class_names, clf.probabilities(spectrograms)       # doctest: +SKIP
    (('speech', 'music', 'noise'), array([[0.97, 0.02, 0.01], [0.03, 0.9, 0.07]]))
    """

    model: LogisticRegression
    params: FeatureParams = DEFAULT_PARAMS
    feature_kind: str = DEFAULT_FEATURE_KIND
    class_names: tuple[str, ...] = CLASS_NAMES
    metadata: dict = field(default_factory=dict)
    calibration: PlattCalibration | LabelCalibration | None = None
    path: str = ""
    is_default: bool = False

    def vectors(self, spectrograms: np.ndarray) -> np.ndarray:
        """Classifier inputs ``(m, n_features)`` from spectrograms ``(m, n_mels, frames)``."""
        return to_vectors(np.asarray(spectrograms), kind=self.feature_kind, params=self.params)

    def scores(self, spectrograms: np.ndarray) -> np.ndarray:
        """The model's own (uncalibrated) scores: log-odds ``(m,)`` for two labels, ``(m, K)`` for more."""
        X = np.asarray(spectrograms)
        if X.ndim == 2:
            X = X[np.newaxis]
        if X.shape[0] == 0:
            return np.empty((0, len(self.class_names)) if self.model.multiclass else 0)
        return self.model.decision_function(self.vectors(X))

    def probabilities_from_scores(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated (when the model carries a calibration) probabilities ``(m, K)`` from :meth:`scores`."""
        scores = np.asarray(scores, dtype=np.float64)
        if self.calibration is not None:
            return self.calibration.probabilities(scores)
        if scores.ndim == 2:
            return softmax(scores)
        p = sigmoid(scores)
        return np.column_stack([1 - p, p])

    def probabilities(self, spectrograms: np.ndarray) -> np.ndarray:
        """Probability of each label, ``(m, K)``, columns in :attr:`class_names` order."""
        return self.probabilities_from_scores(self.scores(spectrograms))

    def index_of(self, label: str) -> int:
        """Column of ``label`` in :meth:`probabilities` (ParameterError when the model lacks it)."""
        if label not in self.class_names:
            raise ParameterError(f"this model tells {', '.join(self.class_names)} apart; it has no {label!r}")
        return self.class_names.index(label)

    def speech_probability(self, spectrograms: np.ndarray) -> np.ndarray:
        """Probability of speech for each spectrogram, shape ``(m,)``."""
        return self.probabilities(spectrograms)[:, self.index_of("speech")]

    # scikit-learn's estimator vocabulary, on spectrograms (m, n_mels, frames).
    def predict_proba(self, spectrograms: np.ndarray) -> np.ndarray:
        """The same as :meth:`probabilities`: ``(m, K)``; for a lab-style model column 0 is music, 1 speech."""
        return self.probabilities(spectrograms)

    def predict(self, spectrograms: np.ndarray) -> np.ndarray:
        """Label indices ``(m,)`` into :attr:`class_names`: the most probable label.

        For a two-label model this is label 1 where its probability exceeds
        :data:`~speechmusic.core.model.DECISION_THRESHOLD` (0.5): for a lab-style model, 1 = speech.
        """
        return self.labels_from_probabilities(self.probabilities(spectrograms))

    @staticmethod
    def labels_from_probabilities(probabilities: np.ndarray) -> np.ndarray:
        """Label indices of the most probable label of each row (ties: the first, so p = 0.5 is label 0)."""
        probabilities = np.asarray(probabilities)
        if probabilities.shape[1] == 2:
            return labels_from_probability(probabilities[:, 1], threshold=DECISION_THRESHOLD)
        return np.argmax(probabilities, axis=1)

    def decision_function(self, spectrograms: np.ndarray) -> np.ndarray:
        """The model's own scores (the same as :meth:`scores`)."""
        return self.scores(spectrograms)

    def score(self, spectrograms: np.ndarray, labels: np.ndarray) -> float:
        """Accuracy of :meth:`predict` against ``labels`` (indices into :attr:`class_names`)."""
        labels = np.asarray(labels).reshape(-1)
        if labels.shape[0] == 0:
            raise ParameterError("cannot score on zero examples")
        return float(np.mean(self.predict(spectrograms) == labels))

    def log_odds(self, spectrograms: np.ndarray) -> np.ndarray:
        """The model's own (uncalibrated) log-odds of speech for each spectrogram, shape ``(m,)``.

        For a two-label model these are its scores; for more labels, ``log(p_speech / (1 - p_speech))``
        of its own probabilities.
        """
        z = self.scores(spectrograms)
        if not self.model.multiclass:
            return z
        p = np.clip(softmax(z)[:, self.index_of("speech")], 1e-300, 1.0)
        return np.log(p) - np.log1p(-np.minimum(p, 1 - 1e-16))

    @staticmethod
    def silent(spectrograms: np.ndarray) -> np.ndarray:
        """True for each spectrogram of digital silence (all zeros), shape ``(m,)``.

        Features are measured relative to each clip's own peak, so only a window without a single
        non-zero sample comes out all zeros; the model has never seen such a clip and would still
        give it a confident (and meaningless) probability. Callers treat these as "no evidence".
        """
        X = np.asarray(spectrograms)
        if X.ndim == 2:
            X = X[np.newaxis]
        return ~X.reshape(X.shape[0], -1).any(axis=1)

    def window_params(self, window: float | None = None) -> FeatureParams:
        """Feature parameters for windows of ``window`` seconds (None: the training clip length).

        Pooled and dynamics features are statistics over time, so they exist for any window
        length; a flattened spectrogram has one weight per frame, so a flat model only accepts
        windows of exactly its training clip length.
        """
        if window is None or abs(window - self.params.duration) < 1e-9:
            return self.params
        if not (np.isfinite(window) and window > 0):
            raise ParameterError(f"window must be a positive number of seconds, got {window}")
        if not feature_kinds.feature_kind(self.feature_kind).any_window:
            any_window = [name for name, kind in FEATURE_KIND_TABLE.items() if kind.any_window]
            raise ParameterError(
                f"this model uses {self.feature_kind!r} features, which only exist for windows of "
                f"{self.params.duration:g} s (its training clip length); got --window {window:g}. "
                f"Use the default window or a model trained with --features {' or '.join(any_window)}"
            )
        params = dataclasses.replace(self.params, duration=float(window))
        if params.n_samples < params.n_fft:
            raise ParameterError(f"window {window:g} s is shorter than one FFT frame ({params.n_fft} samples)")
        return params

    def label_of(self, probabilities) -> str:
        """Label name for one row of :meth:`probabilities` (a single number: the probability of speech
        of a two-label model)."""
        row = np.atleast_1d(np.asarray(probabilities, dtype=np.float64))
        if row.size == 1:
            if len(self.class_names) != 2:
                raise ParameterError(f"a model of {len(self.class_names)} labels needs a probability per label")
            speech = self.index_of("speech")
            row = np.array([row[0], row[0]])
            row[1 - speech] = 1 - row[0]
        return self.class_names[int(self.labels_from_probabilities(row[np.newaxis])[0])]

    def describe(self) -> str:
        """One line: labels, kind, parameters and training summary."""
        p = self.params
        trained = self.metadata.get("train_accuracy")
        extra = f", train accuracy {100 * trained:.1f} %" if isinstance(trained, (int, float)) else ""
        if self.metadata.get("trained_on"):
            extra += f", trained on {self.metadata['trained_on']}"
        if self.calibration is not None:
            extra += ", calibrated probabilities"
        return (
            f"{'/'.join(self.class_names)}, {self.feature_kind} features, {p.duration:g} s clips at {p.sample_rate} Hz, "
            f"{p.n_mels} mels{extra}"
        )

    @property
    def name(self) -> str:
        """How commands call the model: its recorded ``model_name``, else its file name."""
        return str(self.metadata.get("model_name") or (Path(self.path).name if self.path else "model in memory"))

    def identity(self) -> dict:
        """Which model this is, for JSON output: ``{"path", "name", "default", "calibrated", "labels"}``."""
        return {"path": self.path, "name": self.name, "default": self.is_default,
                "calibrated": self.calibration is not None, "labels": list(self.class_names)}

    def headline(self) -> str:
        """The line commands print to say which model they used."""
        if self.is_default:
            return f"model: {self.name}, shipped with speechmusic ({self.path}; {self.describe()})"
        return f"model: {self.path or self.name} ({self.describe()})"


def train_classifier(
    spectrograms: np.ndarray,
    labels: np.ndarray,
    *,
    feature_kind: str = DEFAULT_FEATURE_KIND,
    learning_rate: float | None = None,
    num_iterations: int | None = None,
    standardize: bool | None = None,
    params: FeatureParams = DEFAULT_PARAMS,
    class_names: tuple[str, ...] = CLASS_NAMES,
    sample_weight: np.ndarray | None = None,
) -> Classifier:
    """Train the reference logistic regression on spectrograms.

    Parameters
    ----------
    spectrograms : np.ndarray
        ``(m, n_mels, frames)`` features of the training clips.
    labels : np.ndarray
        ``(m,)`` or ``(1, m)`` labels: indices into ``class_names`` (the lab's music 0 and speech 1
        by default). Every label of ``class_names`` must occur.
    feature_kind : {"prosody", "dynamics", "pooled", "flat"}
        Vectors the classifier sees.
    learning_rate, num_iterations, standardize : optional
        None uses :data:`TRAINING_DEFAULTS` for the kind.
    params : FeatureParams
        Parameters the spectrograms were computed with (stored with the model).
    class_names : tuple of str
        The labels, in the order :func:`speechmusic.core.labels.model_classes` gives them.
    sample_weight : np.ndarray or None
        Weight of each example (None: each counts once).

    Returns
    -------
    Classifier
    """
    class_names = tuple(class_names)
    if model_classes(class_names) != class_names:
        raise ParameterError(f"labels {list(class_names)} must be in the order {list(model_classes(class_names))}")
    kind = feature_kinds.feature_kind(feature_kind)
    default_rate, default_iterations, default_standardize = kind.learning_rate, kind.num_iterations, kind.standardize
    spectrograms = np.asarray(spectrograms)
    if spectrograms.ndim != 3 or spectrograms.shape[1:] != params.shape:
        raise ParameterError(f"expected spectrograms of shape (m, {params.shape[0]}, {params.shape[1]}), got {spectrograms.shape}")
    labels = np.asarray(labels).reshape(-1)
    check_label_indices(labels, class_names)
    model = LogisticRegression(
        learning_rate=default_rate if learning_rate is None else float(learning_rate),
        num_iterations=default_iterations if num_iterations is None else int(num_iterations),
        standardize=default_standardize if standardize is None else bool(standardize),
    )
    model.fit(to_vectors(spectrograms, kind=feature_kind, params=params), labels, sample_weight=sample_weight)
    return Classifier(model=model, params=params, feature_kind=feature_kind, class_names=class_names)


def check_label_indices(labels: np.ndarray, class_names: tuple[str, ...]) -> None:
    """Refuse training labels that are not indices into ``class_names``, or that leave a label without examples.

    Raises
    ------
    ParameterError
        The message names the label that has no example.
    """
    labels = np.asarray(labels).reshape(-1)
    k = len(class_names)
    if labels.size and not np.isin(labels, np.arange(k)).all():
        raise ParameterError(f"labels must be indices 0..{k - 1} into {list(class_names)}")
    missing = [name for i, name in enumerate(class_names) if not np.any(labels == i)]
    if missing and k > 2:
        raise ParameterError(f"no training example of {', '.join(missing)}: every label of {list(class_names)} needs examples")


def save_classifier(
    classifier: Classifier, path: str | os.PathLike, *, overwrite: bool = False, **metadata
) -> Path:
    """Save a classifier as a model file (atomically; never over an existing file unless ``overwrite``).

    Extra keyword arguments are stored in the JSON metadata (they must be JSON-serialisable).
    """
    record = {k: v for k, v in classifier.metadata.items() if k not in _RESERVED_META}
    record.update(metadata)
    if classifier.calibration is not None:
        record["calibration"] = classifier.calibration.as_dict()
    return classifier.model.save(
        path,
        overwrite=overwrite,
        feature_kind=classifier.feature_kind,
        feature_params=classifier.params.as_dict(),
        feature_params_key=classifier.params.key(),
        class_names=list(classifier.class_names),
        **record,
    )


_RESERVED_META = {
    "format", "package_version", "learning_rate", "num_iterations", "standardize", "record_every",
    "costs", "feature_kind", "feature_params", "feature_params_key", "class_names", "calibration",
}


def load_classifier(path: str | os.PathLike) -> Classifier:
    """Load a model file written by :func:`save_classifier` (``speechmusic train``).

    Raises
    ------
    ModelFileError
        (a :class:`~speechmusic.core.errors.SpeechMusicError`) when the file is missing, not a model
        file, of a newer or unknown format, or describes features or labels this version cannot
        reproduce. The message names the file and says what to do.
    """
    path = Path(path)
    try:
        model, meta = LogisticRegression.load(path)
    except SpeechMusicError as error:
        message = str(error)
        raise ModelFileError(message) from None
    retrain = "retrain it with this version: .venv/bin/speechmusic train --data-dir DATA_DIR --model MODEL"
    written_by = f" (written by speechmusic {meta.get('package_version', '?')})"
    fmt = meta.get("format")
    if fmt not in MODEL_FORMATS:  # pragma: no cover - LogisticRegression.load refuses first
        raise ModelFileError(f"{path}: model format {fmt} is newer than this version understands; upgrade speechmusic")

    kind = meta.get("feature_kind")
    if kind not in FEATURE_KINDS:
        raise ModelFileError(
            f"{path}: unknown feature kind {kind!r}{written_by}; this version knows "
            f"{', '.join(FEATURE_KINDS)}: upgrade speechmusic or {retrain}"
        )
    try:
        params = params_from_dict(meta.get("feature_params", {}))
    except ParameterError as error:
        raise ModelFileError(f"{path}: cannot reproduce its features{written_by}: {error}; {retrain}") from None

    names = tuple(meta.get("class_names", ()))
    try:
        known = model_classes(names) == names
    except ParameterError:
        known = False
    if not known or len(names) != model.classes_.size:
        raise ModelFileError(
            f"{path}: its labels are {list(names)} for {model.classes_.size} model columns; this version knows "
            f"{', '.join(LEARNED_LABELS)} (in that order; the lab's music, speech as label 0, label 1); {retrain}"
        )

    expected = feature_length(kind, params)
    if model.coef_.shape[0] != expected:
        raise ModelFileError(
            f"{path}: has {model.coef_.size} weights but {kind} features with its parameters have "
            f"{expected} values: the file is inconsistent; {retrain}"
        )
    for name, array in (("mean", model.mean_), ("scale", model.scale_)):
        if array is not None and np.shape(array) != (expected,):
            raise ModelFileError(f"{path}: standardisation '{name}' has shape {np.shape(array)}, expected ({expected},); {retrain}")
    if (model.mean_ is None) != (model.scale_ is None):
        raise ModelFileError(f"{path}: standardisation is incomplete (mean and scale must both be present); {retrain}")
    numbers = [model.coef_, np.atleast_1d(model.intercept_)]
    numbers += [a for a in (model.mean_, model.scale_) if a is not None]
    if not all(np.isfinite(a).all() for a in numbers) or (model.scale_ is not None and np.any(model.scale_ <= 0)):
        raise ModelFileError(f"{path}: contains non-finite weights or a zero scale; {retrain}")
    calibration = None
    if meta.get("calibration") is not None:
        try:
            calibration = calibration_from_dict(meta["calibration"])
            if isinstance(calibration, LabelCalibration) != model.multiclass or (
                    isinstance(calibration, LabelCalibration) and len(calibration.a) != len(names)):
                raise ParameterError(f"a {calibration.as_dict()['method']} calibration does not fit a model of "
                                     f"{len(names)} labels")
        except ParameterError as error:
            raise ModelFileError(f"{path}: cannot apply its calibration{written_by}: {error}; upgrade speechmusic or {retrain}") from None
    return Classifier(model=model, params=params, feature_kind=kind, class_names=names, metadata=meta,
                      calibration=calibration, path=str(path))


def default_model_path() -> Path:
    """The model file shipped inside the package (``speechmusic/models/default.npz``)."""
    return Path(str(resources.files("speechmusic").joinpath("models").joinpath("default.npz")))


def load_default_classifier() -> Classifier:
    """The model shipped with speechmusic (what predict, segment and evaluate use without ``--model``).

    Its recipe, data, licences and measured accuracy are in docs/model-card.md; it is rebuilt by
    ``.venv/bin/speechmusic build-model``.

    Raises
    ------
    ModelFileError
        The file is missing from this installation (or damaged).
    """
    path = default_model_path()
    if not path.is_file():
        raise ModelFileError(
            f"the default model is missing from this installation ({path}); reinstall speechmusic, "
            "rebuild it with .venv/bin/speechmusic build-model, or pass --model MODEL"
        )
    classifier = load_classifier(path)
    classifier.is_default = True
    return classifier


def resolve_classifier(path: str | os.PathLike | None) -> Classifier:
    """``load_classifier(path)``, or the shipped default model when ``path`` is None."""
    return load_default_classifier() if path is None else load_classifier(path)


def window_probabilities(classifier: Classifier, features: np.ndarray, levels: np.ndarray | None, *,
                         silence_db: float = DEFAULT_SILENCE_DB) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of the model's labels for windows, and which windows are silence.

    Parameters
    ----------
    classifier : Classifier
    features : np.ndarray
        Window spectrograms ``(m, n_mels, frames)``.
    levels : np.ndarray or None
        Each window's level in dBFS (:class:`speechmusic.apps.windows.WindowBatch`); None counts
        only digital silence as silence.
    silence_db : float
        The energy floor: a window below it is silence.

    Returns
    -------
    probabilities : np.ndarray
        ``(m, K)`` in :attr:`Classifier.class_names` order; rows of silent windows are NaN (the
        model's view of a silent window is no evidence: its spectrogram is the room's hiss scaled
        to the same range as a loud sound).
    silent : np.ndarray
        ``(m,)`` bool.
    """
    silent = classifier.silent(features)
    if levels is not None:
        silent = silent | (np.asarray(levels) < silence_db)
    probabilities = np.full((silent.size, len(classifier.class_names)), np.nan)
    if (~silent).any():
        probabilities[~silent] = classifier.probabilities(np.asarray(features)[~silent])
    return probabilities, silent


@dataclass
class FilePrediction:
    """What :func:`predict_file` says about one recording.

    Attributes
    ----------
    path : str
    duration : float
        Seconds.
    probabilities : dict or None
        The probability of each of the model's labels: for a recording of at most one clip, its
        clip's; for a longer one, the mean over its windows, leaving out windows of silence (below
        the energy floor). None when the whole recording is silence.
    label : str
        The most probable label, or ``"silence"`` when ``probabilities`` is None.
    silent_fraction : float
        Share of the recording's windows that are silence.
    windows : list of dict
        For recordings longer than one clip: ``{"start", "end", "label", "probabilities",
        "probability_speech"}`` per window (seconds; a window of silence has label ``"silence"``
        and probabilities None); empty otherwise.
    """

    path: str
    duration: float
    probabilities: dict | None
    label: str
    silent_fraction: float = 0.0
    windows: list = field(default_factory=list)

    @property
    def probability_speech(self) -> float | None:
        """The probability of speech (None for silence, or for a model without a speech label)."""
        return None if self.probabilities is None else self.probabilities.get("speech")

    def as_dict(self) -> dict:
        return {
            "file": self.path,
            "label": self.label,
            "probabilities": None if self.probabilities is None else {k: round(v, 6) for k, v in self.probabilities.items()},
            "probability_speech": None if self.probability_speech is None else round(self.probability_speech, 6),
            "silent_fraction": round(self.silent_fraction, 4),
            "duration": round(self.duration, 3),
            "windows": self.windows,
        }


def _named(classifier: Classifier, row: np.ndarray) -> dict:
    return {name: float(p) for name, p in zip(classifier.class_names, row)}


def predict_file(
    path: str | os.PathLike,
    classifier: Classifier,
    *,
    hop: float | None = None,
    block_duration: float | None = None,
    silence_db: float = DEFAULT_SILENCE_DB,
) -> FilePrediction:
    """Label a recording of any length, and each of its windows when it is longer than a clip.

    Parameters
    ----------
    path : path-like
        The recording (read in blocks: memory does not grow with its length).
    classifier : Classifier
        A loaded model.
    hop : float or None
        Seconds between window starts for long recordings (None: the clip length, so windows do
        not overlap).
    block_duration : float or None
        Seconds decoded per block (None: the default of :mod:`speechmusic.apps.windows`).
    silence_db : float
        The energy floor in dBFS (:data:`speechmusic.core.labels.DEFAULT_SILENCE_DB`): windows
        quieter than it are silence.

    Returns
    -------
    FilePrediction

    Raises
    ------
    AudioError
        The file is missing or cannot be decoded.
    """
    params = classifier.params
    # Windows start on exact multiples of the hop here (the time stamps users read); aligning
    # the hop to spectrogram frames only pays off for the heavily overlapping windows of ``segment``.
    hop_samples = hop_in_samples(params.duration if hop is None else hop, params, align=False)
    blocks, _ = open_blocks(path, sample_rate=params.sample_rate, block_duration=block_duration or DEFAULT_BLOCK_SECONDS)
    windows = SlidingWindows(blocks, params=params, hop_samples=hop_samples)
    starts, probabilities, silences = [], [], []
    with one_blas_thread():
        for batch in windows:
            starts.append(batch.starts)
            p, quiet = window_probabilities(classifier, batch.features, batch.levels, silence_db=silence_db)
            probabilities.append(p)
            silences.append(quiet)
    if not windows.n_samples:
        raise AudioError(f"{path}: contains no audio samples")
    starts = np.concatenate(starts)
    probability = np.concatenate(probabilities)
    silent = np.concatenate(silences)
    sr = params.sample_rate
    duration = windows.n_samples / sr
    # Silence carries no evidence about the rest: left out of the recording's verdict, so that a
    # talk padded with a long silence is not pulled towards whatever silence scores.
    overall = None if silent.all() else _named(classifier, probability[~silent].mean(axis=0))
    items = []
    if len(starts) > 1:
        speech = classifier.class_names.index("speech") if "speech" in classifier.class_names else None
        for start, row, quiet in zip(starts, probability, silent):
            items.append({
                "start": round(start / sr, 3),
                "end": round(min(start / sr + params.duration, duration), 3),
                "label": SILENCE if quiet else classifier.label_of(row),
                "probabilities": None if quiet else {k: round(v, 6) for k, v in _named(classifier, row).items()},
                "probability_speech": None if quiet or speech is None else round(float(row[speech]), 6),
            })
    label = SILENCE if overall is None else classifier.label_of(np.array(list(overall.values())))
    return FilePrediction(path=str(path), duration=duration, probabilities=overall, label=label,
                          silent_fraction=float(silent.mean()), windows=items)
