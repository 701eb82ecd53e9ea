"""The applications layer: what the commands do with a trained model.

Imports :mod:`speechmusic.core` and :mod:`speechmusic.data` only (``tests/test_layers.py`` checks it).

- :mod:`~speechmusic.apps.pipeline` — training, saving and loading a classifier with its settings;
- :mod:`~speechmusic.apps.windows` — sliding-window probabilities over long recordings;
- :mod:`~speechmusic.apps.segmentation` — speech/music segments of long recordings;
- :mod:`~speechmusic.apps.batch` — segmenting many recordings in one resumable run (``segment --out-dir``);
- :mod:`~speechmusic.apps.batch_report` — that run's browsable HTML report;
- :mod:`~speechmusic.apps.evaluation` — scores, leave-one-source-out, condition reports;
- :mod:`~speechmusic.apps.calibration` — probability calibration of a trained model;
- :mod:`~speechmusic.apps.augment` — training-time augmentation;
- :mod:`~speechmusic.apps.default_model` — the recipe of the shipped default model;
- :mod:`~speechmusic.apps.plots` — figures (matplotlib).
"""

__all__ = ["pipeline", "windows", "segmentation", "evaluation", "calibration", "augment", "default_model", "plots", "batch",
           "batch_report"]
