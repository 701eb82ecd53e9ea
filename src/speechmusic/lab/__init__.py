"""The lab notebook's machinery: the teaching tests, the instructor's checks and the notebook build.

- :mod:`speechmusic.lab.public_tests` — the tests the notebook runs after each exercise
  (``from public_tests import *`` at the repository root re-exports them);
- :mod:`speechmusic.lab.checks` — :func:`~speechmusic.lab.checks.check_namespace`, which the
  grader runs on the globals of an executed notebook;
- :mod:`speechmusic.lab.build` — ``.venv/bin/python -m speechmusic.lab.build [--check]`` writes the student
  and solution notebooks from ``lab/audio_classification_logreg.py``.
"""

#: The eight graded exercises, in notebook order.
EXERCISES: tuple[str, ...] = (
    "dimensions",
    "flatten",
    "sigmoid",
    "initialize_with_zeros",
    "propagate",
    "optimize",
    "predict",
    "model",
)
