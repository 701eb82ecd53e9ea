"""The model shipped with speechmusic: its recipe, its rebuild, and its measurement.

``speechmusic predict FILE`` and ``speechmusic segment FILE`` use, when no ``--model`` is given,
the model file shipped inside the package (``speechmusic/models/default.npz``). This module is
how that file is made and measured; ``speechmusic build-model`` runs it:

1. **Data.** The real-world set (a folder laid out like ``../shared/real-world``: 204 clips, 62
   speech, 102 music and 40 that are neither (the noise label), from 37 public repositories; or
   the same built from the originals by
   :func:`speechmusic.data.sources.real_world_folder.build_real_world_folder`) and the synthetic set
   (:mod:`speechmusic.data.synth`, seed, size, preset and labels in :class:`Recipe`). The model
   learns every label the data has (:func:`speechmusic.core.labels.model_classes`).
2. **Augmentation** (:mod:`speechmusic.apps.augment`), built from the real clips only and always
   deterministically: each speech clip laid over music clips of *other* sources at -5, -10, -15
   and -20 dB, labelled speech (speech over a music bed is speech, as broadcast segmenters label
   it); optionally noisy and telephone copies (:class:`Recipe` says which are used).
3. **Training**: the project's logistic regression on ``dynamics`` features of 3-s windows
   (``speechmusic train``'s settings for the kind), every window of every part of the pool.
4. **Calibration**: Platt scaling (two labels) or per-label scaling (more;
   :mod:`speechmusic.apps.calibration`) fitted on held-out scores:
   the real clips scored leave-one-source-out (each source's windows by a model trained without
   that source) and calibration mixes of speech over music scored leave-pair-out (each by a model
   trained without both of its sources), so the two numbers describe the model's confidence on
   recordings it has never heard (:func:`train_recipe`, :class:`CalibrationData`).

Every training example remembers which sources it was made from (a mix: two), so a model that
must not have heard a source is trained without everything made from it (:meth:`Pool.without`):
the measurements below hold out a source's clips *and* the mixes and copies made from them.

Measurement (:func:`measure`): leave-one-source-out (29 folds) of the whole recipe on the real
clips as they are and on degraded copies (pink noise at 10 dB SNR, telephone, the middle second),
per category and language, and the calibration mixes leave-pair-out; and the calibration measured
*nested*: for each held-out source (or pair) the calibration itself is fitted exactly as above on
the other sources only, then judged on the held-out recordings (reliability tables and expected
calibration error, window and clip level, before and after).
"""

from speechmusic.apps.default_model.build import (
    BuildResult,
    attribution_path,
    build_default_model,
    check_against_list,
    data_fingerprint,
)
from speechmusic.apps.default_model.measure import calibration_summary, measure, scores_from_model_scores
from speechmusic.apps.default_model.pool import (
    Pool,
    RealSet,
    build_pool,
    condition_windows,
    load_real_set,
    mix_signal,
    plan_mixes,
    signal_windows,
)
from speechmusic.apps.default_model.recipe import (
    ATTRIBUTION_SUFFIX,
    DEFAULT_MODEL_NAME,
    DEFAULT_RECIPE,
    MIX_CONDITION,
    Recipe,
)
from speechmusic.apps.default_model.report import CONDITION_NOTES, measurements_markdown
from speechmusic.apps.default_model.training import (
    CalibrationData,
    CalibrationMixes,
    OutOfFold,
    calibration_data,
    calibration_mixes,
    fit_pool,
    mix_scores,
    out_of_fold_scores,
    pool_scores,
    source_folds,
    train_recipe,
)

__all__ = [
    "ATTRIBUTION_SUFFIX",
    "DEFAULT_MODEL_NAME",
    "DEFAULT_RECIPE",
    "MIX_CONDITION",
    "Recipe",
    "Pool",
    "RealSet",
    "build_pool",
    "condition_windows",
    "load_real_set",
    "mix_signal",
    "plan_mixes",
    "signal_windows",
    "CalibrationData",
    "CalibrationMixes",
    "OutOfFold",
    "calibration_data",
    "calibration_mixes",
    "fit_pool",
    "mix_scores",
    "pool_scores",
    "out_of_fold_scores",
    "source_folds",
    "train_recipe",
    "calibration_summary",
    "measure",
    "scores_from_model_scores",
    "CONDITION_NOTES",
    "measurements_markdown",
    "BuildResult",
    "attribution_path",
    "build_default_model",
    "check_against_list",
    "data_fingerprint",
]
