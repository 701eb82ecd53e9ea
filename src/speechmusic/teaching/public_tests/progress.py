"""Stops for cells that cannot run yet: an exercise not written, or the ungraded bonus not done.

A cell that uses an exercise's answer before the exercise is written would stop on a bare
``NameError``; these stop it with a sentence that says which exercise to do (in Jupyter, the sentence
alone, without a traceback). The grader lists the bonus's stops apart, as ungraded.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Mapping

import numpy as np

from speechmusic.teaching.build import ENDS, STARTS
from speechmusic.teaching.public_tests.common import EXERCISE_NUMBERS, EXERCISE_TESTS, EXERCISE_VARIABLES, RESET, YELLOW


class _Stop(Exception):
    """An exception Jupyter shows as its message only (IPython asks ``_render_traceback_``)."""

    def _render_traceback_(self) -> list[str]:
        return [f"{YELLOW}{self}{RESET}"]


class ExerciseNotDone(_Stop):
    """The cell uses an exercise's variables before the exercise is written."""


class BonusNotDone(_Stop):
    """The cell needs the ungraded bonus (pool_features), which is not done yet."""


def require_exercise(number: int, namespace: Mapping) -> None:
    """Stop with a clear sentence unless exercise ``number`` (1 or 2) has defined its variables in ``namespace``.

    Call it as ``require_exercise(1, globals())`` after the exercise's code.
    """
    exercise = next(name for name, n in EXERCISE_NUMBERS.items() if n == number)
    missing = [name for name in EXERCISE_VARIABLES[exercise] if name not in namespace]
    if not missing:
        return
    names = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
    raise ExerciseNotDone(
        f"exercise {number} is not done yet: {names} {'is' if len(missing) == 1 else 'are'} not defined. Write "
        f"{'it' if len(missing) == 1 else 'them'} between '{STARTS}' and '{ENDS}' in this cell, then run it again."
    ) from None


def require_bonus(pool_features: Callable) -> None:
    """Stop with a clear sentence unless the bonus's ``pool_features`` passes its test (the cells after it use it)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            for test in EXERCISE_TESTS["pool_features"]:
                test(pool_features)
        return
    except Exception:  # noqa: BLE001 - any failure of the bonus means: not done yet
        pass
    raise BonusNotDone(
        "the bonus is not done yet: this cell uses pool_features (section 5.6), which does not pass "
        "pool_features_test. The bonus is not graded; finish it to run this cell, or go on to section 6."
    ) from None
