"""Shared by every exercise test: constants, the failure type, the registry of tests, reporting helpers."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import traceback
import types
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

GREEN = "\033[92m"
YELLOW = "\033[93m"
RESET = "\033[0m"
PASSED = "All tests passed!"

# Values computed two correct ways agree to ~1e-15 (float32 arithmetic to ~1e-7); after hundreds
# of gradient steps to ~1e-12 (float32: ~1e-6).
RTOL = 1e-5
ATOL = 1e-8

#: The package's folder: frames of its files are the tests' own, hidden from the learner.
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

#: The exercises whose functions later exercises call, in notebook order, with their parameters.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "sigmoid": ("z",),
    "initialize_with_zeros": ("dim",),
    "propagate": ("w", "b", "X", "Y"),
    "optimize": ("w", "b", "X", "Y", "num_iterations", "learning_rate", "print_cost"),
    "predict": ("w", "b", "X"),
    "model": ("X_train", "Y_train", "X_test", "Y_test", "num_iterations", "learning_rate", "print_cost"),
}
EXERCISE_NUMBERS = {"dimensions": 1, "flatten": 2, "sigmoid": 3, "initialize_with_zeros": 4, "propagate": 5,
                    "optimize": 6, "predict": 7, "model": 8}
#: The variables exercises 1 and 2 define (the other exercises define a function of their name).
EXERCISE_VARIABLES = {
    "dimensions": ("m_train", "m_test", "n_mels", "time_steps"),
    "flatten": ("train_set_x_flatten", "test_set_x_flatten"),
}
#: The variables each exercise's template asks the learner to compute (a NameError on one of them
#: means the exercise was not written yet).
TEMPLATE_NAMES = {
    "sigmoid": {"s"},
    "initialize_with_zeros": {"w", "b"},
    "propagate": {"m", "A", "cost", "dw", "db", "grads"},
    "optimize": {"grads", "cost", "dw", "db", "w", "b", "params", "costs"},
    "predict": {"A", "Y_prediction"},
    "model": {"w", "b", "params", "grads", "costs", "Y_prediction_test", "Y_prediction_train", "d"},
    "pool_features": {"band_means", "band_stds", "pooled"},
}


# --------------------------------------------------------------------------------------------
# The failure a learner sees.
# --------------------------------------------------------------------------------------------


class ExerciseFailure(AssertionError):
    """An exercise test failed: the message says what was expected, what came back and the likely cause.

    It is an :class:`AssertionError`, so code that catches those (the grader, pytest) sees it as
    usual. In Jupyter (IPython), the traceback shows the learner's frames only: the cell that called
    the test and, when the learner's function raised, the lines of the learner's code that did, but
    none of the test's internal frames (IPython asks an exception with ``_render_traceback_`` how to
    show itself).
    """

    #: Frames of the learner's code where the exception that caused this failure was raised.
    learner_traceback: types.TracebackType | None = None
    #: When the cause is an earlier exercise's function (see :func:`introspect.blame_earlier`): which one.
    earlier: Any = None

    def _render_traceback_(self) -> list[str]:
        outer = _without_internal_frames(self.__traceback__)
        chain = _join_tracebacks(outer, self.learner_traceback)
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:  # pragma: no cover - only IPython calls this method
            shell = None
        if shell is None:
            return traceback.format_exception(type(self), self, chain)
        return shell.InteractiveTB.structured_traceback(type(self), self, chain)


def _is_internal(frame: types.FrameType) -> bool:
    filename = frame.f_code.co_filename
    return not filename.startswith("<") and os.path.dirname(os.path.abspath(filename)) == PACKAGE_DIR


def traceback_entries(tb: types.TracebackType | None) -> list[tuple[types.FrameType, int, int]]:
    found = []
    while tb is not None:
        found.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    return found


def build_traceback(frames: list[tuple[types.FrameType, int, int]]) -> types.TracebackType | None:
    chain = None
    for frame, lasti, lineno in reversed(frames):
        chain = types.TracebackType(chain, frame, lasti, lineno)
    return chain


def _without_internal_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    return build_traceback([entry for entry in traceback_entries(tb) if not _is_internal(entry[0])])


def _join_tracebacks(outer, inner):
    return build_traceback(traceback_entries(outer) + traceback_entries(inner))


#: Each exercise's tests in the order they run, by exercise name, filled in by :func:`exercise_test` as the
#: exercise modules are imported (the package's ``__init__`` imports them all). The earlier-exercise
#: checks and the grader look tests up here, so no module needs to import the exercise modules.
EXERCISE_TESTS: dict[str, list[Callable]] = {}


def exercise_test(exercise: str) -> Callable[[Callable], Callable]:
    """Register a public test of ``exercise``; its failures carry no frames of this package."""

    def register(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            __tracebackhide__ = True  # noqa: F841 - pytest and IPython hide frames that set it
            try:
                return function(*args, **kwargs)
            except ExerciseFailure as failure:
                # Drop the frames inside this module: what is left starts at the caller's line.
                raise failure.with_traceback(None) from None

        EXERCISE_TESTS.setdefault(exercise, []).append(run)
        return run

    return register


# --------------------------------------------------------------------------------------------
# Reporting helpers.
# --------------------------------------------------------------------------------------------


def report_pass(note: str | None = None) -> None:
    print(f"{GREEN}{PASSED}{RESET}")
    if note:
        print(f"{YELLOW}Note: {note}{RESET}")


def indent(text: str, prefix: str) -> str:
    lines = str(text).splitlines() or [""]
    return lines[0] + "".join("\n" + prefix + line for line in lines[1:])


def show(value: Any) -> str:
    """A short description of a value for a test message: its type, shape and (some) contents."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        if value.ndim == 0 and value.dtype.kind in "biuf":
            return f"{value.item()!r} (a 0-d numpy array)"
        if value.size == 0:
            return f"an empty array of shape {value.shape}"
        with np.printoptions(precision=6, threshold=12, edgeitems=3, suppress=False):
            body = np.array2string(value, separator=", ")
        return f"array of shape {value.shape}, dtype {value.dtype}: {body}"
    if isinstance(value, (bool, np.bool_)):
        return f"{bool(value)} (a bool)"
    if isinstance(value, (int, float, np.integer, np.floating)):
        kind = type(value).__name__ if type(value).__module__ == "builtins" else f"numpy.{type(value).__name__}"
        return f"{value.item() if hasattr(value, 'item') else value!r} ({kind})"
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in value)
        return f"a dict with keys [{keys}]"
    if isinstance(value, (tuple, list)):
        kinds = ", ".join(type(v).__name__ for v in value[:6])
        more = ", ..." if len(value) > 6 else ""
        return f"a {type(value).__name__} of {len(value)} item(s) ({kinds}{more})"
    text = repr(value)
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{text} ({type(value).__name__})"


def fail(exercise: str, problem: str, *, expected: str | None = None, got: str | None = None,
          cause: str | None = None) -> NoReturn:
    lines = [f"{exercise}: {problem}"]
    if expected is not None:
        lines.append("  expected: " + indent(expected, "            "))
    if got is not None:
        lines.append("  got:      " + indent(got, "            "))
    if cause:
        lines.append("  likely cause: " + indent(cause, "    "))
    failure = ExerciseFailure("\n".join(lines))
    failure.earlier = getattr(cause, "earlier", None)  # a cause that blames an earlier exercise says which
    raise failure from None


class Lazy:
    """A cause computed only when needed (checking earlier exercises runs their tests)."""

    def __init__(self, compute: Callable[[], str | None]):
        self._compute = compute
        self._done = False
        self._value = None

    def __call__(self) -> str | None:
        if not self._done:
            try:
                self._value = self._compute()
            except Exception:  # noqa: BLE001 - a search for a better explanation must never break the test
                self._value = None
            self._done = True
        return self._value


def is_number(value) -> bool:
    """A single real number: Python or NumPy int/float, or a 0-d numeric array (not bool)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_float(value) -> bool:
    if isinstance(value, (float, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f"


def all_close(a, b) -> bool:
    try:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))


def quiet_call(target: Callable, *args):
    """The learner's result for ``args``, or None if the call raises (used only to confirm a diagnosis)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            return target(*args)
    except Exception:  # noqa: BLE001
        return None
