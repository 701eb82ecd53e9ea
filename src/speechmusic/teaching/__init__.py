"""The teaching layer: the lab notebook's tests and build, grading, the setup check, the download menu.

Imports :mod:`speechmusic.core`, :mod:`speechmusic.data` and :mod:`speechmusic.apps`, never
:mod:`speechmusic.commands` (``tests/test_layers.py`` checks it). This ``__init__`` and
:mod:`~speechmusic.teaching.bootstrap` use only the standard library: the seed scripts import them on
any Python to say which command to run instead.

- :mod:`speechmusic.teaching.public_tests` — the tests the notebook runs after each exercise
  (``from public_tests import *`` at the repository root re-exports them);
- :mod:`speechmusic.teaching.checks` — :func:`~speechmusic.teaching.checks.check_namespace`, which the
  grader runs on the globals of an executed notebook;
- :mod:`speechmusic.teaching.build` — the build of the student and solution notebooks from
  ``notebook_source/audio_classification_logreg.py`` (its command:
  ``.venv/bin/python -m speechmusic.commands.build_notebooks [--check]``);
- :mod:`speechmusic.teaching.grading` — grading submitted notebooks (``speechmusic grade``);
- :mod:`speechmusic.teaching.setup_check` — the checklist of ``test_setup.py`` / ``speechmusic check``;
- :mod:`speechmusic.teaching.download_menu` — the menu of ``download_samples.py`` (its texts);
- :mod:`speechmusic.teaching.bootstrap` — "is this the lab's Python?" for the seed scripts.
"""

__all__ = ["EXERCISES", "public_tests", "checks", "build", "grading", "setup_check", "download_menu", "bootstrap"]

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
