"""Calibrated probabilities: Platt scaling, and how to tell whether probabilities mean what they say.

A classifier is *calibrated* when, of all the windows it gives ``p(speech) = 0.8``, about 80 % are
speech. Logistic regression trained to convergence on one kind of data is often over-confident on
another: its log-odds are right in sign but too large. **Platt scaling** fixes that with two
numbers fitted on held-out data, a new probability ``sigmoid(a * z + b)`` from the model's log-odds
``z``: ``a < 1`` tempers over-confidence, ``b`` moves the balance point. Being monotonic, it never
changes which of two windows is more speech-like; with ``b`` near 0 it hardly changes a label.

The held-out data matter more than the method: the two numbers must come from predictions the model
made on recordings it was *not* trained on (out-of-fold predictions of leave-one-source-out), or
they learn the model's confidence on its own training data, which is higher than anywhere else.
Platt's targets (``(n+ + 1) / (n+ + 2)`` and ``1 / (n- + 2)`` instead of 1 and 0) keep the fit
finite when the held-out predictions are perfectly separated, as they nearly are here.

With more than two labels (the tools' speech, music and noise) the model gives a score per label,
and **per-label scaling** (:class:`LabelCalibration`, "vector scaling") is Platt's generalisation:
``p = softmax(a * z + b)`` with a slope ``a_k`` and an offset ``b_k`` for each label, fitted the same
way (held-out scores, smoothed targets ``(n_k + 1) / (n_k + K)`` for an example's own label and
``1 / (n_k + K)`` for each other one). Each label's confidence is tempered on its own: a model
can be over-confident about speech and under-confident about noise at once.

Measuring it: :func:`reliability_table` sorts predictions into probability bins and compares
each bin's mean prediction with the share of speech in it; the **expected calibration error**
(:func:`expected_calibration_error`) is the mean gap, weighted by how many predictions each bin
holds (0 = perfectly calibrated). With several labels, each label is measured one against the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speechmusic.core.errors import ParameterError
from speechmusic.core.model import sigmoid, softmax

#: Calibration methods this version applies (stored in model files as ``calibration.method``):
#: "platt" for two-class models, "vector" (:class:`LabelCalibration`) for models of more labels.
METHODS = ("platt", "vector")
#: Bins of :func:`reliability_table` (equal width over [0, 1]).
DEFAULT_BINS = 10


@dataclass(frozen=True)
class PlattCalibration:
    """``p = sigmoid(a * z + b)`` from a model's log-odds ``z``.

    Examples
    --------
    >>> c = PlattCalibration(a=0.5, b=0.0)
    >>> c.probability(np.array([-4.0, 0.0, 4.0])).round(3)
    array([0.119, 0.5  , 0.881])
    """

    a: float
    b: float

    def log_odds(self, z: np.ndarray) -> np.ndarray:
        """Calibrated log-odds ``a * z + b``."""
        return self.a * np.asarray(z, dtype=np.float64) + self.b

    def scores(self, z: np.ndarray) -> np.ndarray:
        """The same as :meth:`log_odds` (what :class:`LabelCalibration` calls its calibrated scores)."""
        return self.log_odds(z)

    def probability(self, z: np.ndarray) -> np.ndarray:
        """Calibrated probability of label 1 from log-odds ``z``."""
        return sigmoid(self.log_odds(z))

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """``(m, 2)``: the calibrated probabilities of label 0 and label 1 from log-odds ``(m,)``."""
        p = self.probability(scores)
        return np.column_stack([1 - p, p])

    def as_dict(self) -> dict:
        """What a model file stores (JSON): ``{"method": "platt", "a": ..., "b": ...}``."""
        return {"method": "platt", "a": float(self.a), "b": float(self.b)}

    @classmethod
    def from_dict(cls, record: dict) -> PlattCalibration:
        """Read :meth:`as_dict` back (refuses other methods and non-finite or non-positive slopes)."""
        if not isinstance(record, dict) or record.get("method") not in METHODS:
            method = record.get("method") if isinstance(record, dict) else record
            raise ParameterError(f"unknown calibration method {method!r}; this version applies {', '.join(METHODS)}")
        try:
            a, b = float(record["a"]), float(record["b"])
        except (KeyError, TypeError, ValueError):
            raise ParameterError("calibration needs numbers 'a' and 'b'") from None
        if not (np.isfinite(a) and np.isfinite(b) and a > 0):
            raise ParameterError(f"calibration slope must be a positive number and offset finite, got a={a}, b={b}")
        return cls(a=a, b=b)


@dataclass(frozen=True)
class LabelCalibration:
    """``p = softmax(a * z + b)`` from a model's per-label scores ``z`` (a slope and an offset per label).

    Attributes
    ----------
    a, b : tuple of float
        Slope (> 0) and offset of each label, in the model's column order.

    Examples
    --------
    >>> c = LabelCalibration(a=(0.5, 0.5, 0.5), b=(0.0, 0.0, 0.0))
    >>> c.probabilities(np.array([[4.0, 0.0, 0.0]])).round(3)
    array([[0.787, 0.107, 0.107]])
    """

    a: tuple
    b: tuple

    def scores(self, z: np.ndarray) -> np.ndarray:
        """Calibrated scores ``a * z + b``, ``(m, K)``."""
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 2 or z.shape[1] != len(self.a):
            raise ParameterError(f"expected scores of shape (m, {len(self.a)}), got {z.shape}")
        return z * np.asarray(self.a) + np.asarray(self.b)

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        """Calibrated probabilities ``(m, K)`` from scores ``(m, K)``."""
        return softmax(self.scores(z))

    def as_dict(self) -> dict:
        """What a model file stores (JSON): ``{"method": "vector", "a": [...], "b": [...]}``."""
        return {"method": "vector", "a": [float(v) for v in self.a], "b": [float(v) for v in self.b]}

    @classmethod
    def from_dict(cls, record: dict) -> LabelCalibration:
        """Read :meth:`as_dict` back (refuses non-finite values, non-positive slopes, unequal lengths)."""
        try:
            a = tuple(float(v) for v in record["a"])
            b = tuple(float(v) for v in record["b"])
        except (KeyError, TypeError, ValueError):
            raise ParameterError("per-label calibration needs lists of numbers 'a' and 'b'") from None
        if len(a) != len(b) or len(a) < 2:
            raise ParameterError(f"per-label calibration needs one slope and one offset per label, got {len(a)} and {len(b)}")
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and min(a) > 0):
            raise ParameterError("per-label calibration slopes must be positive numbers and offsets finite")
        return cls(a=a, b=b)


def calibration_from_dict(record) -> PlattCalibration | LabelCalibration:
    """The calibration a model file's ``calibration`` record describes (by its ``method``).

    Raises
    ------
    ParameterError
        An unknown method, or numbers the method cannot use.
    """
    method = record.get("method") if isinstance(record, dict) else record
    if method == "vector":
        return LabelCalibration.from_dict(record)
    return PlattCalibration.from_dict(record)


def fit_label_calibration(
    scores: np.ndarray,
    labels: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    smooth_targets: bool = True,
) -> LabelCalibration:
    """Fit per-label scaling (:class:`LabelCalibration`) to held-out scores and their true labels.

    Parameters
    ----------
    scores : np.ndarray
        The model's scores on held-out examples, ``(m, K)``.
    labels : np.ndarray
        Their true labels as column indices ``0 .. K-1``, ``(m,)``; every label must occur.
    sample_weight : np.ndarray or None
        Non-negative weight of each example; None counts each once.
    smooth_targets : bool
        Fit to smoothed targets (the example's own label ``(n_k + 1) / (n_k + K)``, every other
        label ``1 / (n_k + K)``, with ``n_k`` the weighted count of the example's label), which keep
        the fit finite on separable data, as Platt's targets do for two classes.

    Returns
    -------
    LabelCalibration

    Raises
    ------
    ParameterError
        Mismatched shapes, labels out of range, a label with no held-out example, non-finite
        values, or a fit with a slope that is not positive (the scores rank that label the wrong way).

    Examples
    --------
    Scores twice too confident for every label: the fitted slopes are about one half.

    >>> rng = np.random.default_rng(0)
    >>> true = rng.normal(0, 2, (20000, 3))
    >>> p = np.exp(true) / np.exp(true).sum(axis=1, keepdims=True)
    >>> y = (rng.random(20000)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    >>> c = fit_label_calibration(2 * true, y)
    >>> np.round(c.a, 1).tolist()
    [0.5, 0.5, 0.5]
    """
    # here: scipy.optimize is only needed when a model is built, not when one is used
    from scipy.optimize import minimize

    z = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).reshape(-1)
    if z.ndim != 2 or z.shape[0] != y.size or z.shape[1] < 2:
        raise ParameterError(f"expected scores (m, K >= 2) and m labels, got {z.shape} and {y.size}")
    k = z.shape[1]
    if not np.isfinite(z).all() or not np.isin(y, np.arange(k)).all():
        raise ParameterError(f"scores must be finite and labels column indices 0..{k - 1}")
    w = np.ones(y.size) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape != y.shape or not np.isfinite(w).all() or np.any(w < 0):
        raise ParameterError("sample_weight must be finite, non-negative and one per example")
    counts = np.bincount(y, weights=w, minlength=k)
    if np.any(counts <= 0):
        raise ParameterError("calibration needs held-out examples of every label")
    onehot = np.eye(k)[y]
    if smooth_targets:
        n = counts[y][:, np.newaxis]
        target = (onehot * n + 1.0) / (n + k)
    else:
        target = onehot
    total = w.sum()

    def loss(params):
        a, b = params[:k], params[k:]
        s = z * a + b
        log_p = s - np.logaddexp.reduce(s, axis=1, keepdims=True)
        error = (np.exp(log_p) - target) * w[:, np.newaxis] / total
        value = -float(np.sum(w[:, np.newaxis] * target * log_p)) / total
        return value, np.concatenate([(error * z).sum(axis=0), error.sum(axis=0)])

    start = np.concatenate([np.ones(k), np.zeros(k)])
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500, "gtol": 1e-10})
    a, b = result.x[:k], result.x[k:] - result.x[k:].mean()  # offsets matter only up to a common shift
    if not np.all(a > 0):
        worst = int(np.argmin(a))
        raise ParameterError(f"the held-out scores rank label {worst} the wrong way round (fitted slope {a[worst]:.3g}); "
                             "calibration cannot repair the model")
    return LabelCalibration(a=tuple(float(v) for v in a), b=tuple(float(v) for v in b))


def fit_platt(
    log_odds: np.ndarray,
    labels: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    smooth_targets: bool = True,
    max_iterations: int = 100,
    tolerance: float = 1e-10,
) -> PlattCalibration:
    """Fit Platt scaling to held-out log-odds and their true labels (Newton's method, exact).

    Parameters
    ----------
    log_odds : np.ndarray
        The model's log-odds of label 1 on held-out examples, ``(m,)``.
    labels : np.ndarray
        Their true labels, 0 or 1, ``(m,)``; both must occur.
    sample_weight : np.ndarray or None
        Non-negative weight of each example (e.g. ``1 / windows of its recording`` so that every
        recording counts once); None counts each once. Platt's targets use the weighted counts.
    smooth_targets : bool
        Fit to Platt's targets ``(n+ + 1) / (n+ + 2)`` and ``1 / (n- + 2)`` (True) or to the labels
        themselves (False; the fit may then run off to a huge slope on separable data).
    max_iterations, tolerance
        Newton steps at most, and the step size (in a and b) below which the fit has converged.

    Returns
    -------
    PlattCalibration

    Raises
    ------
    ParameterError
        Mismatched lengths, labels other than 0/1, a missing class, non-finite values, or a fit
        whose slope is not positive (the held-out log-odds rank the classes the wrong way round:
        calibration cannot repair that).

    Examples
    --------
    An over-confident model: log-odds 3 times too large. Platt scaling finds the factor.

    >>> rng = np.random.default_rng(0)
    >>> true_log_odds = rng.normal(0, 2, 20000)
    >>> y = (rng.random(20000) < 1 / (1 + np.exp(-true_log_odds))).astype(int)
    >>> c = fit_platt(3 * true_log_odds, y)
    >>> round(c.a, 2), abs(c.b) < 0.05
    (0.33, True)
    """
    z = np.asarray(log_odds, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if z.shape != y.shape:
        raise ParameterError(f"{z.size} log-odds but {y.size} labels")
    if not np.isin(y, (0, 1)).all() or not np.isfinite(z).all():
        raise ParameterError("labels must be 0 or 1 and log-odds finite")
    w = np.ones_like(z) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape != z.shape or not np.isfinite(w).all() or np.any(w < 0):
        raise ParameterError("sample_weight must be finite, non-negative and one per example")
    positives, negatives = float(w[y == 1].sum()), float(w[y == 0].sum())
    if positives <= 0 or negatives <= 0:
        raise ParameterError("calibration needs held-out examples of both classes")
    if smooth_targets:
        target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    else:
        target = y.astype(np.float64)
    # Newton's method on the weighted cross-entropy of sigmoid(a z + b) against the targets.
    # Starting from the identity (a=1, b=0) and halving steps that do not lower the loss keeps
    # it monotonic even for extreme log-odds.
    design = np.column_stack([z, np.ones_like(z)])

    def loss(params):
        s = design @ params
        # log(1 + e^s) - t s, written stably
        return float(np.sum(w * (np.logaddexp(0.0, s) - target * s)))

    params = np.array([1.0, 0.0])
    current = loss(params)
    for _ in range(max_iterations):
        p = sigmoid(design @ params)
        gradient = design.T @ (w * (p - target))
        hessian = (design * (w * p * (1 - p))[:, None]).T @ design + 1e-12 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while scale > 1e-6:
            candidate = params - scale * step
            value = loss(candidate)
            if value <= current:
                break
            scale /= 2
        else:
            break
        params, current = candidate, value
        if np.max(np.abs(scale * step)) < tolerance:
            break
    a, b = float(params[0]), float(params[1])
    if not a > 0:
        raise ParameterError(f"the held-out log-odds rank the classes the wrong way round (fitted slope {a:.3g}); "
                             "calibration cannot repair the model")
    return PlattCalibration(a=a, b=b)


def reliability_table(
    probability: np.ndarray,
    labels: np.ndarray,
    *,
    n_bins: int = DEFAULT_BINS,
    sample_weight: np.ndarray | None = None,
) -> list[dict]:
    """Predictions grouped into equal-width probability bins: how many, mean prediction, share of label 1.

    Returns
    -------
    list of dict
        One per non-empty bin, in order: ``low``, ``high`` (bin edges), ``count`` (predictions),
        ``weight`` (their total weight), ``mean_probability``, ``observed`` (weighted share of
        label 1). A calibrated model has ``observed`` close to ``mean_probability`` in every bin.

    Examples
    --------
    >>> rows = reliability_table(np.array([0.05, 0.15, 0.9, 0.95]), np.array([0, 0, 1, 0]), n_bins=2)
    >>> [(r["low"], r["count"], round(r["mean_probability"], 3), r["observed"]) for r in rows]
    [(0.0, 2, 0.1, 0.0), (0.5, 2, 0.925, 0.5)]
    """
    p = np.asarray(probability, dtype=np.float64).reshape(-1)
    y = np.asarray(labels, dtype=np.float64).reshape(-1)
    w = np.ones_like(p) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if not (p.shape == y.shape == w.shape):
        raise ParameterError("probability, labels and weights must have one value per prediction")
    if n_bins < 1:
        raise ParameterError(f"n_bins must be >= 1, got {n_bins}")
    keep = np.isfinite(p)
    p, y, w = p[keep], y[keep], w[keep]
    index = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    rows = []
    for k in range(n_bins):
        inside = index == k
        total = float(w[inside].sum())
        if not inside.any() or total <= 0:
            continue
        rows.append({
            "low": k / n_bins, "high": (k + 1) / n_bins, "count": int(inside.sum()), "weight": total,
            "mean_probability": float(np.sum(w[inside] * p[inside]) / total),
            "observed": float(np.sum(w[inside] * y[inside]) / total),
        })
    return rows


def expected_calibration_error(
    probability: np.ndarray,
    labels: np.ndarray,
    *,
    n_bins: int = DEFAULT_BINS,
    sample_weight: np.ndarray | None = None,
) -> float:
    """Mean gap between predicted probability and observed share, over bins weighted by their size.

    Examples
    --------
    >>> expected_calibration_error(np.array([0.9, 0.9, 0.9, 0.9, 0.1]), np.array([1, 1, 0, 0, 0]))
    0.34
    """
    rows = reliability_table(probability, labels, n_bins=n_bins, sample_weight=sample_weight)
    total = sum(r["weight"] for r in rows)
    if total <= 0:
        return float("nan")
    return round(float(sum(r["weight"] * abs(r["mean_probability"] - r["observed"]) for r in rows) / total), 12)


def log_loss(probability: np.ndarray, labels: np.ndarray, *, sample_weight: np.ndarray | None = None) -> float:
    """Mean cross-entropy of the predictions (natural log; probabilities kept within [1e-12, 1 - 1e-12]).

    Examples
    --------
    >>> round(log_loss(np.array([0.8, 0.2]), np.array([1, 0])), 4)
    0.2231
    """
    p = np.clip(np.asarray(probability, dtype=np.float64).reshape(-1), 1e-12, 1 - 1e-12)
    y = np.asarray(labels, dtype=np.float64).reshape(-1)
    w = np.ones_like(p) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    return float(-np.sum(w * (y * np.log(p) + (1 - y) * np.log(1 - p))) / w.sum())


def brier_score(probability: np.ndarray, labels: np.ndarray, *, sample_weight: np.ndarray | None = None) -> float:
    """Mean squared difference between probability and label (0 is perfect, 0.25 a constant 0.5).

    Examples
    --------
    >>> round(brier_score(np.array([0.8, 0.2]), np.array([1, 0])), 4)
    0.04
    """
    p = np.asarray(probability, dtype=np.float64).reshape(-1)
    y = np.asarray(labels, dtype=np.float64).reshape(-1)
    w = np.ones_like(p) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    return float(np.sum(w * (p - y) ** 2) / w.sum())
