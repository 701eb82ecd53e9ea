"""Verdicts on labelled recordings and the figures computed from them: :class:`ClipScores`.

How a recording is scored is ``predict``'s rule (:func:`speechmusic.apps.pipeline.predict_file`): the
mean of its windows' probabilities, silent windows left out, its label the most probable. The
figures: balanced accuracy (the mean of the recalls of the labels present: the target figure),
accuracy, ranking quality (AUC: speech against the rest for two labels, the mean of each label
against the rest for more), the confusion matrix, and tables by category, language or source.
:mod:`speechmusic.apps.evaluation` makes these scores (leave-one-source-out, synthetic-to-real).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from speechmusic.apps.pipeline import Classifier
from speechmusic.core.labels import LAB_CLASSES, LEARNED_LABELS


@dataclass(frozen=True)
class ClipInfo:
    """One labelled recording of a clip folder.

    Attributes
    ----------
    id : str
        File stem (the manifest's ``id``).
    path : str
        The file.
    label : int
        Index of its label in the ``class_names`` of the :class:`ClipWindows` holding it (for a
        speech/music folder the lab's music 0, speech 1).
    source : str
        Where it comes from (the manifest's ``repo``; the file stem without a manifest).
    category, language : str
        From the manifest (empty without one).
    duration : float
        Seconds of audio decoded.
    label_name : str
        Its label's name ("" : the lab's class of ``label``).
    """

    id: str
    path: str
    label: int
    source: str
    category: str = ""
    language: str = ""
    duration: float = 0.0
    label_name: str = ""

    def __post_init__(self):
        if not self.label_name:
            object.__setattr__(self, "label_name", LAB_CLASSES[self.label])


# ---------------------------------------------------------------------------------------- scores

def clip_probabilities(window_probability: np.ndarray, clip_index: np.ndarray, silent: np.ndarray,
                       n_clips: int) -> np.ndarray:
    """Each recording's probabilities: the mean over its windows, silent windows left out.

    This is ``predict``'s verdict (:func:`speechmusic.apps.pipeline.predict_file`). Window
    probabilities are ``(n_windows,)`` (one label's) or ``(n_windows, K)`` (every label's); the
    result has the same number of columns. A recording whose every window is silent gets NaN
    (``predict`` labels it "silence").

    Examples
    --------
    >>> clip_probabilities(np.array([0.9, 0.7, 0.1, 0.5]), np.array([0, 0, 1, 1]),
    ...                    np.array([False, False, False, True]), 2)
    array([0.8, 0.1])
    """
    window_probability = np.asarray(window_probability, dtype=np.float64)
    keep = ~np.asarray(silent, dtype=bool)
    count = np.bincount(clip_index[keep], minlength=n_clips)
    columns = window_probability.reshape(len(window_probability), -1)
    total = np.stack([np.bincount(clip_index[keep], weights=columns[keep, k], minlength=n_clips)
                      for k in range(columns.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count[:, np.newaxis] > 0, total / np.maximum(count, 1)[:, np.newaxis], np.nan)
    return mean.reshape((n_clips, *window_probability.shape[1:]))


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean of the per-class recalls (classes present in ``y_true``).

    Examples
    --------
    >>> balanced_accuracy(np.array([0, 0, 0, 1]), np.array([0, 0, 0, 0]))
    0.5
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    recalls = [np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]
    return float(np.mean(recalls)) if recalls else float("nan")


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a random positive (1) item outscores a random negative (0) one.

    Ties count half (the Mann-Whitney statistic). NaN when a class is missing.

    Examples
    --------
    >>> roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.4, 0.9]))
    0.75
    """
    y_true = np.asarray(y_true).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    positive, negative = scores[y_true == 1], scores[y_true == 0]
    if positive.size == 0 or negative.size == 0:
        return float("nan")
    from scipy.stats import rankdata  # here: scipy.stats is heavy to import (about a second) and only AUC needs it

    ranks = rankdata(np.concatenate([positive, negative]))
    u = ranks[: positive.size].sum() - positive.size * (positive.size + 1) / 2
    return float(u / (positive.size * negative.size))


def most_probable(probabilities: np.ndarray, class_names) -> np.ndarray:
    """The label name of each row's most probable column ("" for a row of NaN: every window silent).

    Two columns follow :data:`~speechmusic.core.model.DECISION_THRESHOLD` (the second label only above
    0.5), more the largest probability, as :meth:`speechmusic.apps.pipeline.Classifier.predict`.

    Examples
    --------
    >>> most_probable(np.array([[0.5, 0.5], [0.2, 0.8], [np.nan, np.nan]]), ("music", "speech")).tolist()
    ['music', 'speech', '']
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    names = np.asarray(class_names, dtype=object)
    missing = np.isnan(probabilities).any(axis=1)
    index = Classifier.labels_from_probabilities(np.nan_to_num(probabilities))
    return np.where(missing, "", names[index]).astype(object)


@dataclass
class ClipScores:
    """Verdicts on labelled recordings, and the figures computed from them.

    Attributes
    ----------
    clips : list of ClipInfo
        The recordings; each knows its true label's name.
    probabilities : np.ndarray
        ``(n_clips, K)``: each recording's probability of each label of ``class_names`` (NaN rows:
        every window silent, counted as wrong).
    class_names : tuple of str
        The labels of the model that scored them, in its column order.
    fold : list of str
        Which model scored each recording (the held-out source; "all" for a single model).
    window_probabilities : np.ndarray or None
        ``(n_windows, K)`` per window (NaN for silent windows), when known; ``window_clip`` their recording.
    """

    clips: list[ClipInfo]
    probabilities: np.ndarray
    class_names: tuple[str, ...] = LAB_CLASSES
    fold: list[str] = field(default_factory=list)
    window_probabilities: np.ndarray | None = None
    window_clip: np.ndarray | None = None

    @classmethod
    def from_speech_probability(cls, clips: list[ClipInfo], probability: np.ndarray, **kwargs) -> ClipScores:
        """Scores of a two-label (music, speech) model given as each recording's probability of speech."""
        p = np.asarray(probability, dtype=np.float64).reshape(-1)
        window = kwargs.pop("window_probability", None)
        if window is not None:
            window = np.asarray(window, dtype=np.float64)
            kwargs["window_probabilities"] = np.column_stack([1 - window, window])
        return cls(clips=clips, probabilities=np.column_stack([1 - p, p]), class_names=LAB_CLASSES, **kwargs)

    def column(self, label: str) -> np.ndarray:
        """The probability of ``label`` for each recording (NaN where the model lacks the label)."""
        if label not in self.class_names:
            return np.full(len(self.clips), np.nan)
        return self.probabilities[:, self.class_names.index(label)]

    @property
    def probability(self) -> np.ndarray:
        """The probability of speech of each recording."""
        return self.column("speech")

    @property
    def truth(self) -> np.ndarray:
        """Each recording's true label name."""
        return np.array([c.label_name for c in self.clips], dtype=object)

    @property
    def labels(self) -> np.ndarray:
        """Each recording's true label as an index into ``class_names`` (-1 for a label the model lacks)."""
        return np.array([self.class_names.index(n) if n in self.class_names else -1 for n in self.truth],
                        dtype=np.int64)

    @property
    def predicted(self) -> np.ndarray:
        """Each recording's verdict: a label name, "" when every window was silent."""
        return most_probable(self.probabilities, self.class_names)

    @property
    def correct(self) -> np.ndarray:
        return self.predicted == self.truth

    def present_labels(self) -> list[str]:
        """The true labels that occur, in the labels' order."""
        truth = set(self.truth.tolist())
        return [n for n in dict.fromkeys((*LEARNED_LABELS, *self.class_names)) if n in truth]

    def balanced_accuracy(self) -> float:
        """Mean of the recalls of the true labels present."""
        recalls = [self.recall(name) for name in self.present_labels()]
        return float(np.mean(recalls)) if recalls else float("nan")

    def accuracy(self) -> float:
        return float(np.mean(self.correct))

    def auc(self) -> float:
        """Ranking quality: speech against the rest for a two-label model (p of speech), else the mean over
        the model's labels of each label's probability ranking its recordings above the others."""
        truth = self.truth
        known = np.isin(truth, self.class_names)
        names = ["speech"] if len(self.class_names) == 2 and "speech" in self.class_names else list(self.class_names)
        values = [roc_auc((truth[known] == n).astype(int), np.nan_to_num(self.column(n)[known], nan=0.5))
                  for n in names]
        values = [v for v in values if not math.isnan(v)]
        return float(np.mean(values)) if values else float("nan")

    def recall(self, label: str) -> float:
        """Share of recordings of label ``label`` (a name) labelled right."""
        mine = self.truth == label
        return float(np.mean(self.correct[mine])) if mine.any() else float("nan")

    def confusion(self) -> dict:
        """``{true label: {verdict: recordings}}``, verdicts the model's labels plus "silence" (all windows silent)."""
        verdicts = [*self.class_names, "silence"]
        predicted = np.where(self.predicted == "", "silence", self.predicted)
        return {t: {v: int(np.sum((self.truth == t) & (predicted == v))) for v in verdicts}
                for t in self.present_labels()}

    def table(self, by: str = "category") -> list[dict]:
        """Per-group counts: ``[{"label", by, "clips", "right", "accuracy"}]``, sorted by label then size.

        ``by`` is a :class:`ClipInfo` attribute: ``"category"``, ``"language"`` or ``"source"``.
        Language is only meaningful for speech and sung music; it is still reported for every label.
        """
        groups: dict[tuple[str, str], list[bool]] = {}
        for clip, right in zip(self.clips, self.correct):
            groups.setdefault((clip.label_name, getattr(clip, by)), []).append(bool(right))
        rows = [{"label": label, by: value, "clips": len(r), "right": int(sum(r)), "accuracy": float(np.mean(r))}
                for (label, value), r in groups.items()]
        order = {n: i for i, n in enumerate(self.present_labels())}
        return sorted(rows, key=lambda r: (order.get(r["label"], 99), -r["clips"], str(r[by])))

    def wrong(self) -> list[dict]:
        """The recordings labelled wrong: id, label, verdict, category, source, and the probabilities."""
        out = []
        for c, row, verdict, ok in zip(self.clips, self.probabilities, self.predicted, self.correct):
            if ok:
                continue
            out.append({"id": c.id, "label": c.label_name, "predicted": verdict or "silence", "category": c.category,
                        "source": c.source,
                        "probabilities": None if np.isnan(row).any() else
                        {n: round(float(p), 4) for n, p in zip(self.class_names, row)}})
        return out

    def window_balanced_accuracy(self) -> float:
        """Balanced accuracy of the single windows (as ``segment`` sees them; silent windows left out)."""
        if self.window_probabilities is None:
            return float("nan")
        keep = ~np.isnan(self.window_probabilities).any(axis=1)
        truth = self.truth[self.window_clip[keep]]
        predicted = most_probable(self.window_probabilities[keep], self.class_names)
        recalls = [np.mean(predicted[truth == n] == n) for n in self.present_labels() if np.any(truth == n)]
        return float(np.mean(recalls)) if recalls else float("nan")

    def summary(self) -> dict:
        """The headline figures as a JSON-friendly dictionary: overall, then per true label."""
        out = {
            "clips": len(self.clips),
            "balanced_accuracy": self.balanced_accuracy(),
            "accuracy": self.accuracy(),
            "auc": self.auc(),
            "window_balanced_accuracy": self.window_balanced_accuracy(),
        }
        for name in self.present_labels():
            mine = self.truth == name
            out[f"{name}_recall"] = self.recall(name)
            out[f"{name}_right"] = int(self.correct[mine].sum())
            out[f"{name}_clips"] = int(mine.sum())
        return out


def scores_markdown(scores: ClipScores, *, by: str = "category") -> str:
    """A markdown table of :meth:`ClipScores.table` (for reports)."""
    lines = [f"| label | {by} | clips | right | accuracy |", "|---|---|---|---|---|"]
    for row in scores.table(by):
        lines.append(f"| {row['label']} | {row[by] or '–'} | {row['clips']} | {row['right']} | {row['accuracy']:.2f} |")
    return "\n".join(lines)


def confusion_markdown(scores: ClipScores) -> str:
    """The confusion matrix of :meth:`ClipScores.confusion` as a markdown table (rows: true labels)."""
    matrix = scores.confusion()
    verdicts = [*scores.class_names, "silence"]
    lines = ["| true \\ labelled | " + " | ".join(verdicts) + " |", "|---|" + "---|" * len(verdicts)]
    for true, row in matrix.items():
        lines.append(f"| {true} | " + " | ".join(str(row[v]) for v in verdicts) + " |")
    return "\n".join(lines)


def format_summary(scores: ClipScores) -> str:
    """One line: balanced accuracy, accuracy, AUC and per-label counts."""
    s = scores.summary()
    auc = "n/a" if math.isnan(s["auc"]) else f"{s['auc']:.3f}"
    counts = ", ".join(f"{n} {s[n + '_right']}/{s[n + '_clips']}" for n in scores.present_labels())
    return f"balanced accuracy {s['balanced_accuracy']:.3f}, accuracy {s['accuracy']:.3f}, AUC {auc}; {counts}"


__all__ = ["ClipInfo", "ClipScores", "balanced_accuracy", "clip_probabilities", "confusion_markdown", "format_summary",
           "most_probable", "roc_auc", "scores_markdown"]
