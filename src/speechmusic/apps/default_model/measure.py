"""Measuring the recipe leave-one-source-out, and its calibration nested."""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from speechmusic.apps.augment import TEST_CONDITIONS
from speechmusic.apps.calibration import (
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
    _test_vectors,
    calibration_data,
    calibration_mixes,
    mix_log_odds,
    out_of_fold_log_odds,
)
from speechmusic.apps.evaluation import ClipScores, ClipWindows, clip_probabilities
from speechmusic.core.model import sigmoid

# --------------------------------------------------------------------------------- measurement

def scores_from_log_odds(log_odds: np.ndarray, windows: ClipWindows, *,
                         calibration: PlattCalibration | None = None, fold: list[str] | None = None) -> ClipScores:
    """:class:`ClipScores` (``predict``'s verdicts) from window log-odds, optionally calibrated."""
    z = np.asarray(log_odds, dtype=np.float64)
    p = calibration.probability(z) if calibration is not None else sigmoid(np.nan_to_num(z))
    p = np.where(np.isfinite(z) & ~windows.silent, p, np.nan)
    usable = np.isfinite(p)
    probability = clip_probabilities(np.nan_to_num(p, nan=0.5), windows.clip_index, ~usable, len(windows.clips))
    return ClipScores(clips=list(windows.clips), probability=probability, fold=fold or [],
                      window_probability=p, window_clip=windows.clip_index)


def calibration_summary(scores: ClipScores) -> dict:
    """Expected calibration error, log loss, Brier score and reliability tables, window and clip level."""
    labels = scores.labels
    keep = np.isfinite(scores.window_probability)
    window_p = scores.window_probability[keep]
    window_y = labels[scores.window_clip[keep]]
    clip_keep = np.isfinite(scores.probability)
    result = {}
    for level, p, y in (("window", window_p, window_y), ("clip", scores.probability[clip_keep], labels[clip_keep])):
        result[level] = {
            "n": int(p.size),
            "ece": expected_calibration_error(p, y),
            "log_loss": log_loss(p, y),
            "brier": brier_score(p, y),
            "reliability": reliability_table(p, y),
        }
    return result


def _mix_scores(log_odds: np.ndarray, mixes: CalibrationMixes, real: RealSet, *,
                calibration: PlattCalibration | None = None) -> ClipScores:
    """ClipScores of the calibration mixes (each a "speech" recording named after its parts)."""
    clips = [dataclasses.replace(real.clips[item["speech"]],
                                 id=f"{real.clips[item['speech']].id} over {real.clips[item['music']].id}",
                                 category=f"speech over music {item['level_db']:g} dB")
             for item in mixes.items]
    windows = ClipWindows(features=np.empty((len(mixes.mix_index), 0, 0)), clip_index=mixes.mix_index,
                          silent=np.zeros(len(mixes.mix_index), dtype=bool), clips=clips, params=real.params)
    return scores_from_log_odds(log_odds, windows, calibration=calibration)


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
    oof = out_of_fold_log_odds(pool, recipe, tests, sources=sources)
    mix_z = mix_log_odds(pool, recipe, mixes)
    log(f"leave-one-source-out: {len(sources)} folds, and {len(set(mixes.pairs))} pairs held out for the "
        f"speech-over-music mixes, in {time.perf_counter() - started:.0f} s")
    scored = {c: scores_from_log_odds(oof[c].log_odds, oof[c].windows, fold=oof[c].fold) for c in conditions}
    if mixes.items:
        scored[MIX_CONDITION] = _mix_scores(mix_z, mixes, real)
    result = {"sources": len(sources), "clips": len(real.clips), "mixes": len(mixes.items), "conditions": {}}
    for name, scores in scored.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the mixes have no music: its recall is NaN
            summary = scores.summary()
        result["conditions"][name] = {
            "summary": summary, "category": scores.table("category"),
            "language": scores.table("language"), "wrong": scores.wrong(),
        }
    if not nested_calibration:
        return result

    # For each held-out source, the calibration is fitted exactly as the shipped one is, on the
    # other sources only (inner leave-one-source-out, inner pairs), then applied to that source's
    # out-of-fold log-odds; for each held-out pair of the mixes likewise without the pair.
    started = time.perf_counter()
    clean = tests["clean"]
    calibrated = {c: np.full_like(oof[c].log_odds, np.nan) for c in conditions}
    slopes = []

    def inner_calibration(excluded: list[str]) -> PlattCalibration:
        inner = out_of_fold_log_odds(pool, recipe, {"clean": clean},
                                     sources=[s for s in sources if s not in excluded], exclude=excluded)["clean"]
        calibration = calibration_data(inner, mixes, mix_log_odds(pool, recipe, mixes, exclude=excluded)).fit()
        slopes.append((calibration.a, calibration.b))
        return calibration

    for outer in sources:
        calibration = inner_calibration([outer])
        for c in conditions:
            windows = oof[c].windows
            clip_source = np.array([clip.source for clip in windows.clips])
            rows = clip_source[windows.clip_index] == outer
            calibrated[c][rows] = calibration.log_odds(oof[c].log_odds[rows])
    calibrated_mix = np.full_like(mix_z, np.nan)
    for pair in sorted(set(mixes.pairs)):
        calibration = inner_calibration(list(pair))
        rows = np.isin(mixes.mix_index, [i for i, p in enumerate(mixes.pairs) if p == pair])
        calibrated_mix[rows] = calibration.log_odds(mix_z[rows])
    log(f"nested calibration: {len(sources) + len(set(mixes.pairs))} calibrations in "
        f"{time.perf_counter() - started:.0f} s")
    slopes = np.array(slopes)
    nested = {"a_range": [float(slopes[:, 0].min()), float(slopes[:, 0].max())],
              "b_range": [float(slopes[:, 1].min()), float(slopes[:, 1].max())], "conditions": {}}
    identity = PlattCalibration(1.0, 0.0)  # the log-odds are already calibrated
    pairs_of_scores = {c: (scored[c], scores_from_log_odds(calibrated[c], oof[c].windows, calibration=identity))
                       for c in conditions}
    if mixes.items:
        pairs_of_scores[MIX_CONDITION] = (scored[MIX_CONDITION],
                                          _mix_scores(calibrated_mix, mixes, real, calibration=identity))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mixes have no music: its recall is NaN
        for c, (before, after) in pairs_of_scores.items():
            nested["conditions"][c] = {
                "before": calibration_summary(before), "after": calibration_summary(after),
                "balanced_accuracy_before": before.balanced_accuracy(),
                "balanced_accuracy_after": after.balanced_accuracy(),
                "speech_recall_before": before.recall(1), "speech_recall_after": after.recall(1),
                "wrong_after": after.wrong(),
            }
            if c != MIX_CONDITION:
                nested["conditions"][c]["category_after"] = after.table("category")
    result["calibration_nested"] = nested
    return result
