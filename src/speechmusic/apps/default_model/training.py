"""Training the recipe: models without some sources, out-of-fold scores, calibration data."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from speechmusic.apps.calibration import (
    LabelCalibration,
    PlattCalibration,
    fit_label_calibration,
    fit_platt,
)
from speechmusic.apps.default_model.pool import Pool, RealSet, mix_signal, signal_windows
from speechmusic.apps.default_model.recipe import DEFAULT_RECIPE, Recipe
from speechmusic.apps.evaluation import ClipWindows, fit_vectors
from speechmusic.apps.pipeline import Classifier
from speechmusic.core.errors import DatasetError, ParameterError
from speechmusic.core.feature_kinds import to_vectors
from speechmusic.core.labels import LEARNED_LABELS

#: Score given to a label that a fold's model never saw (its training lacked every example of it):
#: a softmax probability of about e^-30, i.e. none.
UNSEEN_SCORE = -30.0

# --------------------------------------------------------------------------------- training

def fit_pool(pool: Pool, recipe: Recipe, *, exclude: Sequence[str] = ()):
    """The recipe's logistic regression on every example of ``pool`` not made from ``exclude``."""
    keep = pool.without(exclude)
    y = pool.labels[keep]
    if len(np.unique(y)) < 2:
        raise DatasetError("the training examples left hold only one label")
    return fit_vectors(pool.vectors[keep], y, feature_kind=recipe.feature_kind)


def pool_scores(model, vectors: np.ndarray, n_labels: int) -> np.ndarray:
    """A fitted pool model's scores in the pool's columns: log-odds ``(m,)`` for two labels, ``(m, K)`` for more.

    With more labels, a fold whose training lacked some label gives it :data:`UNSEEN_SCORE`.
    """
    z = model.decision_function(vectors)
    if n_labels == 2:
        return z
    classes = model.classes_.astype(np.int64)
    full = np.full((len(vectors), n_labels), UNSEEN_SCORE)
    if model.multiclass:
        full[:, classes] = z
    else:  # the fold saw two of the labels: their log-odds, the second against the first
        full[:, classes[0]] = 0.0
        full[:, classes[1]] = z
    return full


def _test_vectors(windows: ClipWindows, kind: str) -> np.ndarray:
    return to_vectors(windows.features, kind=kind, params=windows.params)


def _empty_scores(n: int, n_labels: int) -> np.ndarray:
    return np.full(n if n_labels == 2 else (n, n_labels), np.nan)


@dataclass
class OutOfFold:
    """Scores of every test window, each from the model that did not see the window's source.

    ``scores`` are log-odds ``(n_windows,)`` for a two-label pool, ``(n_windows, K)`` for more;
    NaN for silent windows and for sources not scored.
    """

    scores: np.ndarray
    windows: ClipWindows
    fold: list[str] = field(default_factory=list)  # per clip: the held-out source that scored it


def out_of_fold_scores(
    pool: Pool,
    recipe: Recipe,
    tests: dict[str, tuple[np.ndarray, ClipWindows]],
    *,
    sources: Sequence[str],
    exclude: Sequence[str] = (),
    progress: Callable | None = None,
) -> dict[str, OutOfFold]:
    """Leave-one-source-out over ``sources``: each one's test windows scored by a model trained without it.

    Parameters
    ----------
    pool : Pool
    recipe : Recipe
    tests : {name: (vectors, windows)}
        Test windows (every condition of the same clips) and their vectors.
    sources : sequence of str
        The sources to hold out in turn.
    exclude : sequence of str
        Sources left out of every model as well (the outer held-out source of a nested run).
    progress : callable or None
        Called with each source once it is done.
    """
    k = len(pool.class_names)
    out = {name: OutOfFold(scores=_empty_scores(len(w.clip_index), k), windows=w, fold=[""] * len(w.clips))
           for name, (_, w) in tests.items()}
    for source in sources:
        model = fit_pool(pool, recipe, exclude=[source, *exclude])
        for name, (vectors, windows) in tests.items():
            clip_source = np.array([c.source for c in windows.clips])
            rows = (clip_source[windows.clip_index] == source) & ~windows.silent
            if rows.any():
                out[name].scores[rows] = pool_scores(model, vectors[rows], k)
            for i in np.flatnonzero(clip_source == source):
                out[name].fold[i] = source
        if progress is not None:
            progress(source)
    return out


def source_folds(real: RealSet, n_folds: int) -> list[list[str]]:
    """The sources dealt into ``n_folds`` groups, each with sources of every label (deterministic).

    Sources are taken in the order of the sha256 of their name: first those with speech only,
    then music only, then each further label only (noise), then those with several labels; and
    dealt in turn, so every fold gets sources of each label whenever there are at least
    ``n_folds`` of it.
    """
    if n_folds < 2:
        raise ParameterError(f"n_folds must be at least 2, got {n_folds}")
    labels: dict[str, set] = {}
    for clip in real.clips:
        labels.setdefault(clip.source, set()).add(clip.label_name)
    groups = [sorted((s for s, ls in labels.items() if ls == {name}), key=_order) for name in LEARNED_LABELS]
    groups.append(sorted((s for s, ls in labels.items() if len(ls) > 1), key=_order))
    folds: list[list[str]] = [[] for _ in range(n_folds)]
    turn = 0
    for group in groups:
        for source in group:
            folds[turn % n_folds].append(source)
            turn += 1
    return [sorted(f) for f in folds]


def _clip_weights(clip_index: np.ndarray) -> np.ndarray:
    """1 / (windows of the same recording): every recording counts once."""
    counts = np.bincount(clip_index)
    return 1.0 / counts[clip_index]


def _order(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


@dataclass
class CalibrationMixes:
    """Held-out speech over music for the calibration: one mix per real speech clip.

    Each speech source is paired with one music source (a fixed matching, :func:`calibration_mixes`);
    a mix of the pair (a, b) is scored by a model trained without *both* a and b, so it is as
    new to that model as a held-out clip is in leave-one-source-out.

    Attributes
    ----------
    vectors : np.ndarray
        ``(n_windows, n_features)`` of the mixes' windows (cut as ``predict`` cuts a file).
    mix_index : np.ndarray
        ``(n_windows,)``: which mix each window belongs to.
    pairs : list of (str, str)
        ``(speech source, music source)`` of each mix.
    items : list of dict
        What each mix is (:func:`plan_mixes` items).
    """

    vectors: np.ndarray
    mix_index: np.ndarray
    pairs: list
    items: list


def calibration_mixes(real: RealSet, recipe: Recipe = DEFAULT_RECIPE) -> CalibrationMixes:
    """One mix per speech clip over music of its speech source's partner, at -5..-20 dB in turn (deterministic).

    Speech sources and music sources are each taken in the order of the sha256 of their name; the
    i-th speech source is paired with the i-th music source (cycling, never with itself). Every
    speech clip of a source is laid over a music clip of its partner, the levels of
    ``recipe.mix_levels_db`` in turn, at a random offset of the music. No mix is made when
    ``recipe.mixes_per_speech_clip`` is 0 (the recipe then does not use the convention).
    """
    kind = recipe.feature_kind
    has: dict[str, set] = {}
    for clip in real.clips:
        has.setdefault(clip.source, set()).add(clip.label_name)
    speech_sources = sorted((s for s, ls in has.items() if "speech" in ls), key=_order)
    music_sources = sorted((s for s, ls in has.items() if "music" in ls), key=_order)
    rng = np.random.default_rng([recipe.seed, 3])
    items, pairs, vectors, index = [], [], [], []
    if recipe.mixes_per_speech_clip > 0 and music_sources:
        turn = 0
        for i, source in enumerate(speech_sources):
            partners = [m for m in music_sources if m != source]
            if not partners:
                continue
            partner = partners[i % len(partners)]
            music = [k for k, c in enumerate(real.clips) if c.source == partner and c.label_name == "music"]
            for k, clip in enumerate(real.clips):
                if clip.source != source or clip.label_name != "speech":
                    continue
                item = {"speech": k, "music": music[int(rng.integers(len(music)))],
                        "level_db": float(recipe.mix_levels_db[turn % len(recipe.mix_levels_db)]),
                        "offset": float(rng.random())}
                turn += 1
                features, silent = signal_windows(mix_signal(real, item), params=real.params)
                if (~silent).any():
                    vectors.append(to_vectors(features[~silent], kind=kind, params=real.params))
                    index.append(np.full(int((~silent).sum()), len(items), dtype=np.int64))
                    items.append(item)
                    pairs.append((source, partner))
    n_features = to_vectors(real.test.features[:1], kind=kind, params=real.params).shape[1]
    return CalibrationMixes(
        vectors=np.concatenate(vectors) if vectors else np.empty((0, n_features)),
        mix_index=np.concatenate(index) if index else np.empty(0, dtype=np.int64), pairs=pairs, items=items)


@dataclass
class CalibrationData:
    """Held-out scores with their labels and weights: what the calibration is fitted on.

    ``scores`` are log-odds ``(n,)`` for two labels, ``(n, K)`` for more; ``labels`` index
    ``class_names``.
    """

    scores: np.ndarray
    labels: np.ndarray
    weights: np.ndarray  # every recording (clip or mix) counts once
    kind: np.ndarray  # "clip" or "mix"
    class_names: tuple[str, ...] = ("music", "speech")

    def fit(self) -> PlattCalibration | LabelCalibration:
        """Platt scaling (two labels) or per-label scaling (more) on every held-out window, each label weighing the same.

        Windows rather than recordings are the unit because windows are what the model scores
        (``segment`` uses them one by one; ``predict`` averages them); the labels are balanced so
        that equal probabilities stay the point of equal odds whatever the share of each label in
        this set (speech over music counts as speech).
        """
        w = np.ones(len(self.labels))
        totals = np.bincount(self.labels, weights=w, minlength=len(self.class_names))
        present = totals > 0
        # Every label brought to the total of the first one present (for two labels: speech to music's).
        w *= (totals[present][0] / np.where(present, totals, 1.0))[self.labels]
        if len(self.class_names) == 2:
            return fit_platt(self.scores, self.labels, sample_weight=w)
        return fit_label_calibration(self.scores, self.labels, sample_weight=w)


def mix_scores(pool: Pool, recipe: Recipe, mixes: CalibrationMixes, *, exclude: Sequence[str] = ()
               ) -> np.ndarray:
    """Scores of every calibration-mix window, each by a model trained without both sources of its mix.

    Mixes made from a source in ``exclude`` are not scored (NaN).
    """
    k = len(pool.class_names)
    out = _empty_scores(len(mixes.mix_index), k)
    excluded = set(exclude)
    for pair in sorted(set(mixes.pairs)):
        if excluded & set(pair):
            continue
        model = fit_pool(pool, recipe, exclude=[*pair, *exclude])
        rows = np.isin(mixes.mix_index, [i for i, p in enumerate(mixes.pairs) if p == pair])
        out[rows] = pool_scores(model, mixes.vectors[rows], k)
    return out


def _finite_rows(scores: np.ndarray) -> np.ndarray:
    return np.isfinite(scores) if scores.ndim == 1 else np.isfinite(scores).all(axis=1)


def calibration_data(clean: OutOfFold, mixes: CalibrationMixes | None, mix_z: np.ndarray | None,
                     class_names: tuple[str, ...]) -> CalibrationData:
    """The real clips' out-of-fold scores and, when given, the held-out mixes', in one set."""
    keep = _finite_rows(clean.scores)
    index = clean.windows.clip_index[keep]
    clip_labels = np.array([class_names.index(c.label_name) for c in clean.windows.clips], dtype=np.int64)
    parts = [(clean.scores[keep], clip_labels[index], _clip_weights(clean.windows.clip_index)[keep], "clip")]
    if mixes is not None and mix_z is not None and _finite_rows(mix_z).any():
        use = _finite_rows(mix_z)
        parts.append((mix_z[use], np.full(int(use.sum()), class_names.index("speech"), dtype=np.int64),
                      _clip_weights(mixes.mix_index)[use], "mix"))
    return CalibrationData(scores=np.concatenate([p[0] for p in parts]),
                           labels=np.concatenate([p[1] for p in parts]).astype(np.int64),
                           weights=np.concatenate([p[2] for p in parts]),
                           kind=np.concatenate([np.full(len(p[0]), p[3]) for p in parts]),
                           class_names=tuple(class_names))


def train_recipe(
    pool: Pool,
    real: RealSet,
    recipe: Recipe = DEFAULT_RECIPE,
    *,
    exclude: Sequence[str] = (),
    mixes: CalibrationMixes | None = None,
    clean: tuple[np.ndarray, ClipWindows] | None = None,
    progress: Callable | None = None,
):
    """The recipe's model and its calibration, trained without ``exclude``.

    The calibration is fitted on held-out real data of every remaining source: the real clips'
    leave-one-source-out scores and the calibration mixes' leave-pair-out scores
    (:func:`calibration_mixes`; computed here when ``mixes`` is None), both without ``exclude``.

    Returns
    -------
    Classifier
        With its calibration (:class:`~speechmusic.apps.calibration.PlattCalibration` for two
        labels, :class:`~speechmusic.apps.calibration.LabelCalibration` for more).
    CalibrationData
        What the calibration was fitted on.
    """
    clean = clean or (_test_vectors(real.test, recipe.feature_kind), real.test)
    mixes = calibration_mixes(real, recipe) if mixes is None else mixes
    remaining = [s for s in real.sources if s not in set(exclude)]
    oof = out_of_fold_scores(pool, recipe, {"clean": clean}, sources=remaining, exclude=exclude,
                             progress=progress)["clean"]
    data = calibration_data(oof, mixes, mix_scores(pool, recipe, mixes, exclude=exclude), pool.class_names)
    model = fit_pool(pool, recipe, exclude=exclude)
    classifier = Classifier(model=model, params=real.params, feature_kind=recipe.feature_kind,
                            class_names=pool.class_names, calibration=data.fit())
    return classifier, data
