"""Check the eight exercises of an executed notebook: what the instructor's grader runs.

:func:`check_namespace` runs the same tests the learner sees (:mod:`.public_tests`) on the functions
and variables of a namespace, and never raises. ``speechmusic grade`` hands it a
:class:`~speechmusic.teaching.judge.RemoteNamespace`, the executed notebook's globals seen from the
grader's process (the learner's functions called in theirs, every comparison made here); the tests
hand it plain dicts.

With ``alone=True`` each exercise is judged on its own: the reference functions of the exercises it
builds on replace the learner's while it is checked (optimize with the reference propagate, model
with the reference initialize_with_zeros, optimize and predict), so one mistake costs one exercise,
and the message of an exercise that passes only thanks to a reference says so.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from speechmusic.teaching import EXERCISES
from speechmusic.teaching import public_tests as pt
from speechmusic.teaching.public_tests.common import EXERCISE_NUMBERS, EXERCISE_TESTS, EXERCISE_VARIABLES
from speechmusic.teaching.public_tests.introspect import facts_of, judged_alone
from speechmusic.teaching.public_tests.reference import earlier_than, in_place_of_earlier

#: Seconds one exercise's checks may take before they count as failed (the tests themselves
#: take milliseconds; this only catches endless loops).
DEFAULT_TIMEOUT = 30.0
#: Longest message kept per exercise.
MAX_MESSAGE = 4000

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: What each exercise needs from the notebook, and how to describe a missing name.
_DATA_NAMES = ("train_set_x_orig", "test_set_x_orig")
_NUMBERS = {name: i + 1 for i, name in enumerate(EXERCISES)}
#: The speechmusic package's folder: a "solution" whose code lives there is the lab's own reference.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that learner code's ``except Exception`` cannot swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the block after ``seconds`` (POSIX main thread only; elsewhere no limit)."""
    usable = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:  # someone else's timer was running: give it back what is left of it
            remaining = max(outer_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, remaining, outer_interval)


def _clean(text: str) -> str:
    text = _ANSI.sub("", str(text)).strip()
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 20].rstrip() + "\n... (message cut)"
    return text


def _missing(exercise: str, names: list[str], *, data: bool = False) -> str:
    listed = ", ".join(names)
    if data:
        return (f"{listed} not defined: the notebook's data-loading cell did not run (or failed), so "
                f"exercise {_NUMBERS[exercise]} ({exercise}) cannot be checked.")
    return (f"{listed} not defined: exercise {_NUMBERS[exercise]} ({exercise}) was not done, or its cell "
            "did not run (an error in an earlier cell stops the cells after it).")


def _run(test: Callable[[], Any], timeout: float | None) -> tuple[bool, str]:
    """Run one test call; (passed, message) whatever happens inside."""
    out = io.StringIO()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                with _time_limit(timeout):
                    test()
    except AssertionError as failure:
        return False, _clean(failure) or "the test failed without a message"
    except _Timeout:
        return False, (f"the checks did not finish within {timeout:g} s: the code probably loops forever "
                       "(e.g. a while loop whose condition never changes).")
    except (Exception, SystemExit) as error:  # learner code reached in an unforeseen way
        return False, _clean(f"the checks raised {type(error).__name__}: {error}")
    return True, _clean(out.getvalue()) or pt.PASSED


def check_namespace(ns: Mapping, *, timeout: float | None = DEFAULT_TIMEOUT, alone: bool = False) -> dict[str, dict]:
    """Check each exercise against the functions and variables of an executed notebook.

    Parameters
    ----------
    ns : mapping
        The notebook's global namespace after execution (its ``globals()``, or a
        :class:`~speechmusic.teaching.judge.RemoteNamespace`).
    timeout : float or None
        Seconds allowed per exercise (enforced with ``SIGALRM`` in the main thread on POSIX;
        None: no limit).
    alone : bool
        Judge each exercise with the reference functions of the earlier exercises in place of the
        learner's (see the module's docstring); False: with the learner's own, as the notebook's
        tests do.

    Returns
    -------
    dict
        ``{exercise: {"passed": bool, "message": str}}`` for the eight exercises in notebook order
        (``"dimensions"``, ``"flatten"``, ``"sigmoid"``, ``"initialize_with_zeros"``,
        ``"propagate"``, ``"optimize"``, ``"predict"``, ``"model"``). The message is the test's
        explanation on failure and "All tests passed!" (plus any note) on success. Plain Python
        types only, so the result can be passed to :func:`json.dumps`. Never raises (except
        ``KeyboardInterrupt``).

    Examples
    --------
    >>> results = check_namespace({})
    >>> results["sigmoid"]["passed"], results["sigmoid"]["message"][:30]
    (False, 'sigmoid not defined: exercise ')
    """
    if not isinstance(ns, Mapping):
        ns = {}
    results: dict[str, dict] = {}
    for exercise in EXERCISES:
        try:
            with _judging(ns, exercise, alone), judged_alone(alone):
                passed, message = _check_one(exercise, ns, timeout)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # the promise is to never raise
            passed, message = False, _clean(f"the checks raised {type(error).__name__}: {error}")
        results[exercise] = {"passed": bool(passed), "message": str(message)}
    if alone:
        _say_which_references_helped(ns, results)
    return results


@contextlib.contextmanager
def _judging(ns: Mapping, exercise: str, alone: bool) -> Iterator[None]:
    """Reference earlier functions in place of the learner's while ``exercise`` is checked (if ``alone``)."""
    judging = getattr(ns, "judging", None)
    if judging is not None:  # a namespace in another process substitutes there
        with judging(exercise, alone):
            yield
    elif alone and isinstance(ns, dict):
        with in_place_of_earlier(exercise, ns, getattr(ns.get(exercise), "__globals__", None)):
            yield
    else:
        yield


def _say_which_references_helped(ns: Mapping, results: dict[str, dict]) -> None:
    """Add to each exercise's message the earlier functions it calls that were replaced and are wrong."""
    for exercise in EXERCISES:
        try:
            function = ns.get(exercise)
            called = list(facts_of(function).earlier) if callable(function) else []
        except Exception:  # noqa: BLE001 - a note must never cost a verdict
            continue
        wrong = [name for name in called if name in earlier_than(exercise) and not results[name]["passed"]]
        if not wrong:
            continue
        yours = " and ".join(f"{name} (exercise {EXERCISE_NUMBERS[name]})" for name in wrong)
        references = " and ".join(f"the reference {name}" for name in wrong)
        if results[exercise]["passed"]:
            note = (f"{exercise} passes with {references} in place of yours; your {yours} "
                    f"{'is' if len(wrong) == 1 else 'are'} wrong and counted there, not here.")
        else:
            note = f"{exercise} was judged with {references} in place of yours, so this failure is {exercise}'s own."
        results[exercise]["message"] = _clean(results[exercise]["message"] + "\n" + note)


def _check_one(exercise: str, ns: dict, timeout: float | None) -> tuple[bool, str]:
    if exercise in EXERCISE_VARIABLES:
        missing_data = [name for name in _DATA_NAMES if name not in ns]
        if missing_data:
            return False, _missing(exercise, missing_data, data=True)
        needed = EXERCISE_VARIABLES[exercise]
        missing = [name for name in needed if name not in ns]
        if missing:
            return False, _missing(exercise, missing)
        data = [ns[name] for name in _DATA_NAMES]
        values = [ns[name] for name in needed]
        test = pt.dimensions_test if exercise == "dimensions" else pt.flatten_test
        return _run(lambda: test(*data, *values), timeout)

    function = ns.get(exercise)
    if function is None:
        return False, _missing(exercise, [exercise])
    if not callable(function):
        return False, (f"{exercise} is {pt.show(function)}, not a function: a variable named {exercise!r} "
                       f"replaced the function of exercise {_NUMBERS[exercise]}.")
    origin = facts_of(function).filename
    if origin and os.path.abspath(origin).startswith(_PACKAGE + os.sep):
        return False, (f"{exercise} is the lab's own code ({os.path.relpath(origin, os.path.dirname(_PACKAGE))}), "
                       f"not a function written in the notebook: exercise {_NUMBERS[exercise]} is not graded.")
    messages = []
    for test in EXERCISE_TESTS[exercise]:
        passed, message = _run(lambda: test(function), timeout)  # noqa: B023 (called within this iteration)
        if not passed:
            return False, message
        messages.append(message)
    return True, "\n".join(dict.fromkeys(messages))
