"""The reference classifier: logistic regression trained by batch gradient descent, in numpy.

This is the model learners build in the notebook (zero initialisation, cross-entropy cost, full
batch gradient descent), wrapped as a scikit-learn style estimator so the command line, the demo
and the benchmarks share one implementation. Inputs follow scikit-learn's convention,
``X`` of shape ``(m_samples, n_features)``; internally the lab's column layout is used.

With two classes it is exactly the lab's model: one weight vector, the sigmoid of ``w.x + b`` is
the probability of the second class. With more classes (the tools' speech, music and noise) it is
its generalisation, multinomial ("softmax") logistic regression: one weight vector per class, the
probabilities ``softmax(W^T x + b)``, the same cross-entropy cost and the same gradient-descent
update ``W <- W - lr X^T (P - Y) / m`` from zero weights. The classes are learned from the labels
given to :meth:`LogisticRegression.fit` (``classes_``).

A saved model (``.npz``) holds the weights, the bias, the optional standardisation and a JSON
metadata record (feature parameters, feature kind, label names, package version), so that a model
file alone is enough to classify new recordings the same way.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from speechmusic import __version__
from speechmusic.core.errors import NotFittedError, ParameterError, SpeechMusicError
from speechmusic.core.fileio import atomic_path

__all__ = ["DECISION_THRESHOLD", "MODEL_FORMAT", "MODEL_FORMATS", "LogisticRegression", "labels_from_probability",
           "sigmoid", "softmax", "cross_entropy"]

#: Format version of saved two-class model files (every version of speechmusic reads them).
MODEL_FORMAT = 1
#: Format version of saved models of more than two classes: weights ``(n_features, n_classes)``;
#: versions that only know format 1 refuse such a file with their "not supported" message.
MULTICLASS_FORMAT = 2
#: The formats this version reads.
MODEL_FORMATS = (MODEL_FORMAT, MULTICLASS_FORMAT)

#: The decision threshold: a clip is speech (label 1) when its probability of speech exceeds this.
#: The one place it is written: the estimator, the classifier, train, evaluate and the reports use it.
DECISION_THRESHOLD = 0.5


def labels_from_probability(probability, *, threshold: float = DECISION_THRESHOLD) -> np.ndarray:
    """0/1 labels from probabilities of label 1: 1 where the probability exceeds ``threshold``.

    >>> labels_from_probability(np.array([0.2, 0.5, 0.9]))
    array([0, 0, 1])
    """
    return (np.asarray(probability) > threshold).astype(np.int64)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-z)), written so that large |z| does not overflow."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    ez = np.exp(z[~positive])
    out[~positive] = ez / (1.0 + ez)
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, ``exp(z_k) / sum_j exp(z_j)``, without overflow.

    >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]])).round(3)
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(probabilities: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Mean cross-entropy; probabilities are clipped away from 0 and 1 to stay finite.

    Binary: ``probabilities`` and ``y`` of shape ``(m,)`` (probability of label 1, labels 0/1).
    Several classes: both ``(m, k)``, probabilities per class and one-hot labels.
    ``weights`` (mean 1) weigh the examples; None counts each once.
    """
    p = np.clip(probabilities, 1e-12, 1 - 1e-12)
    if np.ndim(p) == 2:
        losses = np.sum(y * np.log(p), axis=1)
    else:
        losses = y * np.log(p) + (1 - y) * np.log(1 - p)
    return float(-np.mean(losses if weights is None else weights * losses))


#: Largest training set for which the m x m Gram matrix is used (8 * 4096**2 bytes = 128 MiB).
GRAM_MAX_SAMPLES = 4096


def _choose_form(m: int, n: int, num_iterations: int) -> str:
    """Which of two equivalent gradient-descent computations to run: ``"gram"`` or ``"plain"``.

    Both compute the same iterates (see :func:`_gradient_descent`); they differ only in cost.
    The plain form spends about ``4 m n`` operations per step (``X w`` and ``X^T e``); the Gram
    form spends ``m^2 n`` once to build ``K = X X^T`` (plus ``m n`` at the end to recover ``w``),
    then about ``2 m^2`` per step. The Gram form is chosen when

    - m is clearly smaller than n (``2 m <= n``): a per-step saving of at least 4x, so the choice
      never hinges on how well the BLAS handles two differently shaped products;
    - its total estimated cost is lower (with few iterations, building ``K`` may not pay off);
    - ``K`` stays small (``m <= GRAM_MAX_SAMPLES``): it is held in memory as an m x m matrix.

    For the lab (m = 120 clips, n = 16640 pixels, 2000 steps) the Gram form does about 1/100 of
    the work, and its per-step products are small enough that a busy second core barely slows it.
    """
    if num_iterations == 0 or m > GRAM_MAX_SAMPLES or 2 * m > n:
        return "plain"
    plain_cost = 4.0 * m * n * num_iterations
    gram_cost = float(m) * m * n + m * n + 2.0 * m * m * num_iterations
    return "gram" if gram_cost < plain_cost else "plain"


def _gradient_descent(X: np.ndarray, y: np.ndarray, *, learning_rate: float, num_iterations: int,
                      record_every: int, form: str = "plain",
                      sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, float, list]:
    """Full-batch gradient descent on the cross-entropy from zero weights.

    Parameters
    ----------
    X : np.ndarray, shape (m, n), float64
        Training examples (already standardised if that is wanted).
    y : np.ndarray, float64
        Shape ``(m,)`` of 0/1: the lab's two-class model (sigmoid). Shape ``(m, k)``, one-hot rows:
        ``k`` classes (softmax); weights and bias then have a column per class.
    learning_rate, num_iterations, record_every
        As in :class:`LogisticRegression`.
    form : {"plain", "gram"}
        ``"plain"`` is the lab's update ``w <- w - lr X^T (p - y) / m``. ``"gram"`` relies on
        the fact that, starting from zero, every update adds a combination of the rows of ``X``,
        so ``w = X^T alpha`` throughout and ``X w = K alpha`` with ``K = X X^T``; the update becomes ``alpha <-
        alpha - lr (p - y) / m``, and ``w = X^T alpha`` is formed once at the end. Same iterates,
        same costs (up to rounding), different cost per step: see :func:`_choose_form`.
    sample_weight : np.ndarray, shape (m,), or None
        Example weights with mean 1 (the weighted cost's gradient scales each example's error
        by its weight); None counts every example once.

    Returns
    -------
    coef : np.ndarray, shape (n,) or (n, k)
    intercept : float or np.ndarray of shape (k,)
    costs : list of float
        The cost before every ``record_every``-th step.
    """
    m, n = X.shape
    columns = y.shape[1:]  # () for two classes, (k,) for k classes
    link = softmax if columns else sigmoid
    # The two forms differ only in what is updated (w itself, or alpha with w = X^T alpha) and
    # in how scores and steps are computed from it; the loop is the lab's.
    if form == "gram":
        gram = X @ X.T  # numpy computes a product with its own transpose as one symmetric update
        state = np.zeros((m, *columns))

        def scores(alpha):
            return gram @ alpha

        def step(error):
            return error

        def weights(alpha):
            return X.T @ alpha
    elif form == "plain":
        state = np.zeros((n, *columns))

        def scores(w):
            return X @ w

        def step(error):
            return X.T @ error

        def weights(w):
            return w
    else:
        raise ParameterError(f"form must be 'plain' or 'gram', got {form!r}")
    if columns:
        weigh = None if sample_weight is None else sample_weight[:, np.newaxis]
        b = np.zeros(columns)
    else:
        weigh = sample_weight
        b = 0.0
    costs = []
    for i in range(num_iterations):
        p = link(scores(state) + b)
        if i % record_every == 0:
            costs.append(cross_entropy(p, y, sample_weight))
        error = p - y if weigh is None else (p - y) * weigh
        state -= learning_rate * step(error) / m
        if columns:
            b -= learning_rate * error.sum(axis=0) / m
        else:
            b -= learning_rate * float(error.sum()) / m
    return weights(state), (b if columns else float(b)), costs


@dataclass
class LogisticRegression:
    """Logistic regression by full-batch gradient descent from zero weights (two or more classes).

    Parameters
    ----------
    learning_rate : float
        Gradient-descent step size.
    num_iterations : int
        Number of full-batch steps.
    standardize : bool
        Scale each feature to zero mean and unit variance (statistics from the training set,
        saved with the model). Off for the lab's [0, 1] spectrogram pixels; useful for pooled
        features, whose scales differ.
    record_every : int
        Record the cost every this many iterations (in ``costs_``), as the lab does.

    Attributes
    ----------
    Set by :meth:`fit` (or :meth:`load`); before that, predicting raises
    :class:`~speechmusic.core.errors.NotFittedError`.

    classes_ : np.ndarray
        The classes, sorted, as found in the labels given to :meth:`fit`. Labels that are all 0
        or 1 are the lab's two classes, ``[0, 1]`` (music, speech), even when only one occurs.
    coef_ : np.ndarray
        Shape ``(n_features,)`` for two classes (the weights of the second class's log-odds);
        ``(n_features, n_classes)`` for more (a column per class).
    intercept_ : float or np.ndarray
        A number for two classes; ``(n_classes,)`` for more.
    costs_ : list of float
    mean_, scale_ : np.ndarray or None
        Standardisation statistics.
    n_features_in_ : int
        Number of features seen by :meth:`fit`.

    Notes
    -----
    When there are far fewer examples than features (the lab: 120 clips, 16640 pixels), the
    same iterates are computed through the m x m matrix ``X X^T`` instead of ``X`` itself, about
    100 times less work for the lab's data; results agree to rounding (see ``_choose_form``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
    >>> clf = LogisticRegression(learning_rate=0.5, num_iterations=500).fit(X, y)
    >>> float((clf.predict(X) == y).mean()) > 0.95
    True
    >>> y3 = np.digitize(X[:, 1], [-0.5, 0.5])          # three classes: 0, 1, 2
    >>> clf3 = LogisticRegression(learning_rate=0.5, num_iterations=500).fit(X, y3)
    >>> clf3.classes_.tolist(), clf3.predict_proba(X[:2]).shape
    ([0, 1, 2], (2, 3))
    """

    learning_rate: float = 0.005
    num_iterations: int = 2000
    standardize: bool = False
    record_every: int = 100
    coef_: np.ndarray | None = field(default=None, repr=False)
    intercept_: float | np.ndarray = field(default=0.0, repr=False)
    costs_: list = field(default_factory=list, repr=False)
    mean_: np.ndarray | None = field(default=None, repr=False)
    scale_: np.ndarray | None = field(default=None, repr=False)

    def _validate_params(self) -> None:
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ParameterError(f"learning_rate must be a positive number, got {self.learning_rate}")
        if int(self.num_iterations) != self.num_iterations or self.num_iterations < 0:
            raise ParameterError(f"num_iterations must be a whole number >= 0, got {self.num_iterations}")
        if self.record_every < 1:
            raise ParameterError(f"record_every must be >= 1, got {self.record_every}")

    @staticmethod
    def _check_X(X: np.ndarray, n_features: int | None = None) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ParameterError(f"X must be 2-D (m_samples, n_features), got shape {X.shape}")
        if n_features is not None and X.shape[1] != n_features:
            raise ParameterError(f"X has {X.shape[1]} features, the model was trained on {n_features}")
        if not np.isfinite(X).all():
            raise ParameterError("X contains NaN or infinite values")
        if X.dtype != np.float64:
            # float64 throughout: mixing dtypes would convert the whole matrix on every step.
            X = X.astype(np.float64)
        return X

    def _transform(self, X: np.ndarray) -> np.ndarray:
        if self.mean_ is None:
            return X
        return (X - self.mean_) / self.scale_

    @staticmethod
    def _classes_of(y: np.ndarray) -> np.ndarray:
        """The classes of labels ``y``: ``[0, 1]`` for the lab's 0/1 labels, else the sorted distinct labels."""
        if y.dtype.kind in "biuf" and np.isin(y, (0, 1)).all():
            return np.array([0, 1])
        classes = np.unique(y)
        if classes.size < 2:
            raise ParameterError(f"y must contain at least two classes, got only {classes.tolist()}")
        return classes

    @property
    def multiclass(self) -> bool:
        """True for a model of more than two classes (softmax), False for the lab's two-class model."""
        return self.coef_ is not None and self.coef_.ndim == 2

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> LogisticRegression:
        """Train from zero weights.

        Parameters
        ----------
        X : np.ndarray, shape (m, n)
        y : np.ndarray, shape (m,)
            Labels: 0/1 for the lab's two classes, or any labels (numbers or strings) of two or
            more classes; the classes are learned from them (``classes_``).
        sample_weight : np.ndarray, shape (m,), or None
            Non-negative weight of each example in the cost (and in the standardisation
            statistics); only their ratios matter. None: every example counts once. Used to let
            each recording count once when its windows are the examples.

        Returns
        -------
        self
        """
        self._validate_params()
        X = self._check_X(X)
        y = np.asarray(y).reshape(-1)
        if y.shape[0] != X.shape[0]:
            raise ParameterError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels")
        if X.shape[0] == 0:
            raise ParameterError("cannot fit on zero examples")
        classes = self._classes_of(y)
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
            if weights.shape[0] != X.shape[0]:
                raise ParameterError(f"X has {X.shape[0]} rows but sample_weight has {weights.shape[0]} values")
            if not np.isfinite(weights).all() or np.any(weights < 0) or weights.sum() <= 0:
                raise ParameterError("sample_weight must be finite, non-negative and not all zero")
            weights = weights / weights.mean()
        if self.standardize:
            self.mean_ = np.average(X, axis=0, weights=weights)
            scale = np.sqrt(np.average((X - self.mean_) ** 2, axis=0, weights=weights))
            self.scale_ = np.where(scale > 1e-12, scale, 1.0)
        else:
            self.mean_ = self.scale_ = None
        X = self._transform(X)
        m, n = X.shape
        if classes.size == 2:
            target = (y == classes[1]).astype(np.float64)
        else:
            target = (y[:, np.newaxis] == classes[np.newaxis, :]).astype(np.float64)
        form = _choose_form(m, n, int(self.num_iterations))
        self.coef_, self.intercept_, self.costs_ = _gradient_descent(
            X, target, learning_rate=float(self.learning_rate),
            num_iterations=int(self.num_iterations), record_every=int(self.record_every), form=form,
            sample_weight=weights)
        self._set_fitted_shape(n, classes)
        return self

    def _set_fitted_shape(self, n_features: int, classes=(0, 1)) -> None:
        self.n_features_in_ = int(n_features)
        self.classes_ = np.asarray(classes)

    def _require_fitted(self) -> None:
        if self.coef_ is None:
            raise NotFittedError("this model is not trained yet: call fit() or load a model file")

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Scores: the log-odds of the second class ``(m,)`` for two classes; ``(m, n_classes)`` for more.

        With more than two classes the scores are the softmax's inputs (log-probabilities up to a
        constant per row).
        """
        self._require_fitted()
        X = self._transform(self._check_X(X, self.coef_.shape[0]))
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities ``(m, n_classes)``, a column per class of ``classes_`` (for the lab: music, speech)."""
        scores = self.decision_function(X)
        if self.multiclass:
            return softmax(scores)
        p = sigmoid(scores)
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray, *, threshold: float = DECISION_THRESHOLD) -> np.ndarray:
        """Labels ``(m,)`` from ``classes_``: for two classes the second where its probability exceeds
        ``threshold``; for more, the most probable."""
        proba = self.predict_proba(X)
        if self.multiclass:
            return self.classes_[np.argmax(proba, axis=1)]
        return self.classes_[labels_from_probability(proba[:, 1], threshold=threshold)]

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy on ``(X, y)``."""
        return float(np.mean(self.predict(X) == np.asarray(y).reshape(-1)))

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike, *, overwrite: bool = False, **metadata) -> Path:
        """Save weights and ``metadata`` (JSON-serialisable) to an ``.npz`` file, atomically.

        Raises ``FileExistsError`` when ``path`` exists and ``overwrite`` is False.
        """
        self._require_fitted()
        meta = {
            "format": MULTICLASS_FORMAT if self.multiclass else MODEL_FORMAT,
            "package_version": __version__,
            "learning_rate": self.learning_rate,
            "num_iterations": int(self.num_iterations),
            "standardize": bool(self.standardize),
            "record_every": int(self.record_every),
            "costs": [float(c) for c in self.costs_],
            "classes": self.classes_.tolist(),
            **metadata,
        }
        arrays = {"coef": self.coef_, "intercept": np.asarray(self.intercept_), "meta": np.array(json.dumps(meta))}
        if self.mean_ is not None:
            arrays.update(mean=self.mean_, scale=self.scale_)
        path = Path(path)
        with atomic_path(path, overwrite=overwrite) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> tuple[LogisticRegression, dict]:
        """Load a model saved by :meth:`save`; returns ``(model, metadata)``.

        Raises
        ------
        SpeechMusicError
            The file is missing, not a model file, of an unknown format version, or its weights do
            not fit its classes.
        """
        path = Path(path)
        if not path.is_file():
            raise SpeechMusicError(f"{path}: no such model file (train one with: .venv/bin/speechmusic train --model {path})")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                coef = np.asarray(data["coef"], dtype=np.float64)
                intercept = np.asarray(data["intercept"], dtype=np.float64)
                mean = np.asarray(data["mean"]) if "mean" in data else None
                scale = np.asarray(data["scale"]) if "scale" in data else None
        except (OSError, ValueError, KeyError, EOFError) as error:
            raise SpeechMusicError(f"{path}: not a speechmusic model file ({error})") from None
        fmt = meta.get("format")
        if fmt not in MODEL_FORMATS:
            raise SpeechMusicError(
                f"{path}: model format {fmt!r} is not supported by this version "
                f"(expects {' or '.join(map(str, MODEL_FORMATS))}); retrain it with: .venv/bin/speechmusic train --model MODEL"
            )
        classes = np.asarray(meta.get("classes", [0, 1]))
        multiclass = fmt == MULTICLASS_FORMAT
        expected = ((coef.shape[0], classes.size), (classes.size,)) if multiclass else ((coef.shape[0],), ())
        if (coef.ndim, intercept.shape) != (len(expected[0]), expected[1]) or coef.shape != expected[0] \
                or classes.size < 2 or (not multiclass and classes.size != 2):
            raise SpeechMusicError(
                f"{path}: its weights {coef.shape} and bias {intercept.shape} do not fit its "
                f"{classes.size} classes: the file is damaged or inconsistent"
            )
        model = cls(
            learning_rate=float(meta["learning_rate"]),
            num_iterations=int(meta["num_iterations"]),
            standardize=bool(meta["standardize"]),
            record_every=int(meta.get("record_every", 100)),
        )
        model.coef_ = coef
        model.intercept_ = intercept if multiclass else float(intercept)
        model._set_fitted_shape(coef.shape[0], classes)
        model.mean_, model.scale_ = mean, scale
        model.costs_ = list(meta.get("costs", []))
        return model, meta
