"""Measuring the recipe leave-one-source-out, and its calibration nested."""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from speechmusic.apps.augment import TEST_CONDITIONS
from speechmusic.apps.calibration import (
    LabelCalibration,
    PlattCalibration,
    brier_score,
    expected_calibration_error,
    log_loss,
    reliability_table,
)
from speechmusic.apps.default_model.pool import Pool, RealSet, condition_windows
from speechmusic.apps.default_model.recipe import DEFAULT_RECIPE, MIX_CONDITION, Recipe
from speechmusic.apps.default_model.training import (
    CalibrationMixes,
    _finite_rows,
    _test_vectors,
    calibration_data,
    calibration_mixes,
    mix_scores,
    out_of_fold_scores,
)
from speechmusic.apps.evaluation import ClipScores, ClipWindows, clip_probabilities
from speechmusic.core.model import sigmoid, softmax

# --------------------------------------------------------------------------------- measurement

def probabilities_from_scores(scores: np.ndarray, calibration: PlattCalibration | LabelCalibration | None = None
                              ) -> np.ndarray:
    """``(n, K)`` probabilities from log-odds ``(n,)`` (two labels) or scores ``(n, K)``, optionally calibrated."""
    z = np.nan_to_num(np.asarray(scores, dtype=np.float64))
    if calibration is not None:
        return calibration.probabilities(z)
    if z.ndim == 2:
        return softmax(z)
    p = sigmoid(z)
    return np.column_stack([1 - p, p])


def scores_from_model_scores(scores: np.ndarray, windows: ClipWindows, class_names: tuple[str, ...], *,
                             calibration: PlattCalibration | LabelCalibration | None = None,
                             fold: list[str] | None = None) -> ClipScores:
    """:class:`ClipScores` (``predict``'s verdicts) from window scores, optionally calibrated."""
    z = np.asarray(scores, dtype=np.float64)
    usable = _finite_rows(z) & ~windows.silent
    p = np.where(usable[:, np.newaxis], probabilities_from_scores(z, calibration), np.nan)
    probabilities = clip_probabilities(np.nan_to_num(p, nan=0.5), windows.clip_index, ~usable, len(windows.clips))
    return ClipScores(clips=list(windows.clips), probabilities=probabilities, class_names=tuple(class_names),
                      fold=fold or [], window_probabilities=p, window_clip=windows.clip_index)


def measured_labels(scores: ClipScores) -> list[str]:
    """The labels whose probabilities the calibration measures: speech for a two-label model, else every label."""
    if len(scores.class_names) == 2 and "speech" in scores.class_names:
        return ["speech"]
    return list(scores.class_names)


def calibration_summary(scores: ClipScores) -> dict:
    """Expected calibration error, log loss, Brier score and reliability tables, window and clip level.

    Each label is measured one against the rest (for a two-label model: speech); ``ece``, ``log_loss``
    and ``brier`` are the means over those labels, ``reliability`` a table per label.
    """
    truth = scores.truth
    keep = ~np.isnan(scores.window_probabilities).any(axis=1)
    clip_keep = ~np.isnan(scores.probabilities).any(axis=1)
    levels = {"window": (scores.window_probabilities[keep], truth[scores.window_clip[keep]]),
              "clip": (scores.probabilities[clip_keep], truth[clip_keep])}
    result = {}
    for level, (p, t) in levels.items():
        per_label = {}
        for name in measured_labels(scores):
            column, y = p[:, scores.class_names.index(name)], (t == name).astype(int)
            per_label[name] = {"ece": expected_calibration_error(column, y), "log_loss": log_loss(column, y),
                               "brier": brier_score(column, y), "reliability": reliability_table(column, y)}
        result[level] = {
            "n": int(len(t)),
            **{key: float(np.mean([v[key] for v in per_label.values()])) for key in ("ece", "log_loss", "brier")},
            "reliability": {name: v["reliability"] for name, v in per_label.items()},
        }
    return result


def _mix_scores(scores: np.ndarray, mixes: CalibrationMixes, real: RealSet, class_names: tuple[str, ...], *,
                calibration: PlattCalibration | LabelCalibration | None = None) -> ClipScores:
    """ClipScores of the calibration mixes (each a "speech" recording named after its parts)."""
    clips = [dataclasses.replace(real.clips[item["speech"]],
                                 id=f"{real.clips[item['speech']].id} over {real.clips[item['music']].id}",
                                 category=f"speech over music {item['level_db']:g} dB")
             for item in mixes.items]
    windows = ClipWindows(features=np.empty((len(mixes.mix_index), 0, 0)), clip_index=mixes.mix_index,
                          silent=np.zeros(len(mixes.mix_index), dtype=bool), clips=clips, params=real.params,
                          class_names=class_names)
    return scores_from_model_scores(scores, windows, class_names, calibration=calibration)


# long: the conditions and folds share the fitted models of each fold; one loop keeps every model trained once.
def measure(
    pool: Pool,
    real: RealSet,
    recipe: Recipe = DEFAULT_RECIPE,
    *,
    conditions: Sequence[str] = TEST_CONDITIONS,
    mixes: CalibrationMixes | None = None,
    nested_calibration: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Leave-one-source-out measurement of the whole recipe (see the module notes).

    Returns
    -------
    dict
        JSON-ready: ``conditions`` (per test condition, and ``"speech over music"`` for the
        calibration mixes scored leave-pair-out: summary, per category, per language, the
        misclassified recordings) with the model's own probabilities; with ``nested_calibration``
        also ``calibration_nested``: the same scored with a calibration fitted without the
        held-out source (or pair), its balanced accuracy and reliability before and after.
    """
    log = log or (lambda text: None)
    kind = recipe.feature_kind
    mixes = calibration_mixes(real, recipe) if mixes is None else mixes
    tests = {}
    for condition in conditions:
        windows = condition_windows(real, condition)
        tests[condition] = (_test_vectors(windows, kind), windows)
    if "clean" not in tests:
        tests["clean"] = (_test_vectors(real.test, kind), real.test)
    sources = real.sources
    started = time.perf_counter()
    names = pool.class_names
    oof = out_of_fold_scores(pool, recipe, tests, sources=sources)
    mix_z = mix_scores(pool, recipe, mixes)
    log(f"leave-one-source-out: {len(sources)} folds, and {len(set(mixes.pairs))} pairs held out for the "
        f"speech-over-music mixes, in {time.perf_counter() - started:.0f} s")
    scored = {c: scores_from_model_scores(oof[c].scores, oof[c].windows, names, fold=oof[c].fold) for c in conditions}
    if mixes.items:
        scored[MIX_CONDITION] = _mix_scores(mix_z, mixes, real, names)
    result = {"sources": len(sources), "clips": len(real.clips), "mixes": len(mixes.items), "labels": list(names),
              "conditions": {}}
    for name, scores in scored.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the mixes have no music: its recall is NaN
            summary = scores.summary()
        result["conditions"][name] = {
            "summary": summary, "category": scores.table("category"),
            "language": scores.table("language"), "wrong": scores.wrong(), "confusion": scores.confusion(),
        }
    if not nested_calibration:
        return result

    # For each held-out source, the calibration is fitted exactly as the shipped one is, on the
    # other sources only (inner leave-one-source-out, inner pairs), then applied to that source's
    # out-of-fold log-odds; for each held-out pair of the mixes likewise without the pair.
    started = time.perf_counter()
    clean = tests["clean"]
    calibrated = {c: np.full_like(oof[c].scores, np.nan) for c in conditions}
    slopes, offsets = [], []

    def inner_calibration(excluded: list[str]) -> PlattCalibration | LabelCalibration:
        inner = out_of_fold_scores(pool, recipe, {"clean": clean},
                                   sources=[s for s in sources if s not in excluded], exclude=excluded)["clean"]
        calibration = calibration_data(inner, mixes, mix_scores(pool, recipe, mixes, exclude=excluded), names).fit()
        slopes.extend(np.atleast_1d(calibration.a).tolist())
        offsets.extend(np.atleast_1d(calibration.b).tolist())
        return calibration

    for outer in sources:
        calibration = inner_calibration([outer])
        for c in conditions:
            windows = oof[c].windows
            clip_source = np.array([clip.source for clip in windows.clips])
            rows = clip_source[windows.clip_index] == outer
            calibrated[c][rows] = calibration.scores(oof[c].scores[rows])
    calibrated_mix = np.full_like(mix_z, np.nan)
    for pair in sorted(set(mixes.pairs)):
        calibration = inner_calibration(list(pair))
        rows = np.isin(mixes.mix_index, [i for i, p in enumerate(mixes.pairs) if p == pair])
        calibrated_mix[rows] = calibration.scores(mix_z[rows])
    log(f"nested calibration: {len(sources) + len(set(mixes.pairs))} calibrations in "
        f"{time.perf_counter() - started:.0f} s")
    nested = {"a_range": [float(min(slopes)), float(max(slopes))],
              "b_range": [float(min(offsets)), float(max(offsets))], "conditions": {}}
    # The calibrated scores are turned into probabilities as they are (no further calibration).
    pairs_of_scores = {c: (scored[c], scores_from_model_scores(calibrated[c], oof[c].windows, names))
                       for c in conditions}
    if mixes.items:
        pairs_of_scores[MIX_CONDITION] = (scored[MIX_CONDITION], _mix_scores(calibrated_mix, mixes, real, names))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mixes have no music: its recall is NaN
        for c, (before, after) in pairs_of_scores.items():
            nested["conditions"][c] = {
                "before": calibration_summary(before), "after": calibration_summary(after),
                "balanced_accuracy_before": before.balanced_accuracy(),
                "balanced_accuracy_after": after.balanced_accuracy(),
                "speech_recall_before": before.recall("speech"), "speech_recall_after": after.recall("speech"),
                "wrong_after": after.wrong(), "confusion_after": after.confusion(),
            }
            if c != MIX_CONDITION:
                nested["conditions"][c]["category_after"] = after.table("category")
    result["calibration_nested"] = nested
    return result
