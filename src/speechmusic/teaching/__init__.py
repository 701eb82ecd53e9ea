"""The teaching layer: the lab notebook's tests and build, grading, the setup checklist, the download menu's texts.

Imports :mod:`speechmusic.core`, :mod:`speechmusic.data` and :mod:`speechmusic.apps`, never
:mod:`speechmusic.commands` (``tests/test_layers.py`` checks it). This ``__init__`` and
:mod:`~speechmusic.teaching.bootstrap` use only the standard library: the seed scripts import them on
any Python to say which command to run instead.

- :mod:`speechmusic.teaching.public_tests` — the tests the notebook runs after each exercise
  (``from public_tests import *`` at the repository root re-exports them);
- :mod:`speechmusic.teaching.exercise_checks` — :func:`~speechmusic.teaching.exercise_checks.check_namespace`:
  the eight exercises checked on a notebook's namespace (what the grader's judge runs);
- :mod:`speechmusic.teaching.build` — the build of the student and solution notebooks from
  ``notebook_source/audio_classification_logreg.py`` (its command:
  ``.venv/bin/python -m speechmusic.commands.build_notebooks [--check]``);
- :mod:`speechmusic.teaching.grading` — grading submitted notebooks (``speechmusic grade``), with
  :mod:`~speechmusic.teaching.grading_worker` (one process per notebook), :mod:`~speechmusic.teaching.sandbox`
  (the kernel's limits and namespaces), :mod:`~speechmusic.teaching.agent` (in the kernel: answers in
  plain data), :mod:`~speechmusic.teaching.judge` (outside: decides) and :mod:`~speechmusic.teaching.plaindata`;
- :mod:`speechmusic.teaching.setup_checklist` — the checklist of ``test_setup.py`` / ``speechmusic check``
  (the command itself: :mod:`speechmusic.commands.check`);
- :mod:`speechmusic.teaching.download_menu_texts` — the entries and texts of ``download_samples.py``'s menu
  (the menu itself: :mod:`speechmusic.commands.download_menu`);
- :mod:`speechmusic.teaching.bootstrap` — "is this the lab's Python?" for the seed scripts.
"""

__all__ = ["EXERCISES", "public_tests", "exercise_checks", "build", "grading", "setup_checklist", "download_menu_texts",
           "bootstrap"]

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
