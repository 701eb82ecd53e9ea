"""Shared by every exercise test: constants, the failure type, reference answers, earlier-exercise checks."""

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
_HERE = os.path.dirname(os.path.abspath(__file__))

#: The exercises whose functions later exercises call, in notebook order, with their parameters.
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "sigmoid": ("z",),
    "initialize_with_zeros": ("dim",),
    "propagate": ("w", "b", "X", "Y"),
    "optimize": ("w", "b", "X", "Y", "num_iterations", "learning_rate", "print_cost"),
    "predict": ("w", "b", "X"),
    "model": ("X_train", "Y_train", "X_test", "Y_test", "num_iterations", "learning_rate", "print_cost"),
}
_NUMBERS = {"dimensions": 1, "flatten": 2, "sigmoid": 3, "initialize_with_zeros": 4, "propagate": 5,
            "optimize": 6, "predict": 7, "model": 8}
#: The variables each exercise's template asks the learner to compute (a NameError on one of them
#: means the exercise was not written yet).
_TEMPLATE_NAMES = {
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
    return not filename.startswith("<") and os.path.dirname(os.path.abspath(filename)) == _HERE


def _frames(tb: types.TracebackType | None) -> list[tuple[types.FrameType, int, int]]:
    found = []
    while tb is not None:
        found.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    return found


def _build_traceback(frames: list[tuple[types.FrameType, int, int]]) -> types.TracebackType | None:
    chain = None
    for frame, lasti, lineno in reversed(frames):
        chain = types.TracebackType(chain, frame, lasti, lineno)
    return chain


def _without_internal_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    return _build_traceback([entry for entry in _frames(tb) if not _is_internal(entry[0])])


def _join_tracebacks(outer, inner):
    return _build_traceback(_frames(outer) + _frames(inner))


def _exercise_test(function: Callable) -> Callable:
    """Make ``function`` a public test: its failures carry no frames of this module."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841 - pytest and IPython hide frames that set it
        try:
            return function(*args, **kwargs)
        except ExerciseFailure as failure:
            # Drop the frames inside this module: what is left starts at the caller's line.
            raise failure.with_traceback(None) from None

    return run


# --------------------------------------------------------------------------------------------
# Reference answers (what the tests compare with) and reporting helpers.
# --------------------------------------------------------------------------------------------


def _ref_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def _ref_propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1.0 / (1.0 + np.exp(-(w.T @ X + b)))
    cost = -(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum() / m
    error = A - Y
    return {"dw": X @ error.T / m, "db": float(error.sum() / m)}, float(cost)


def _ref_optimize(w, b, X, Y, num_iterations, learning_rate, *, update_w=True, update_b=True,
                  record_after_update=False, gradient_once=False, w_with_db=False):
    """Batch gradient descent; the keyword switches produce the typical wrong versions."""
    w, b = np.array(w, dtype=float), float(b)
    costs = []
    grads, cost = _ref_propagate(w, b, X, Y)
    for i in range(num_iterations):
        if not gradient_once or i == 0:
            grads, cost = _ref_propagate(w, b, X, Y)
        if update_w:
            w = w - learning_rate * (grads["db"] if w_with_db else grads["dw"])
        if update_b:
            b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(_ref_propagate(w, b, X, Y)[1] if record_after_update else cost)
    return {"w": w, "b": b}, grads, costs


class _Trajectory:
    """(w, b) after 0, 1, 2, ... gradient steps at a given rate, computed as far as needed."""

    def __init__(self, w, b, X, Y, learning_rate):
        self.X, self.Y, self.rate = X, Y, learning_rate
        self.points = [(np.array(w, dtype=float), float(b))]

    def steps_to(self, learned, longest: int) -> int | None:
        """After how many steps (at most ``longest``) the parameters equal ``learned``."""
        if learned is None:
            return None
        for k in range(longest + 1):
            while len(self.points) <= k:
                w, b = self.points[-1]
                grads, _ = _ref_propagate(w, b, self.X, self.Y)
                self.points.append((w - self.rate * grads["dw"], b - self.rate * grads["db"]))
            w, b = self.points[k]
            if _close(learned[0], w) and _close(learned[1], b):
                return k
        return None


def _ref_predict(w, b, X):
    return (_ref_sigmoid(w.T @ X + b) > 0.5).astype(float)


def _ref_model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate):
    params, grads, costs = _ref_optimize(np.zeros((X_train.shape[0], 1)), 0.0, X_train, Y_train,
                                         num_iterations, learning_rate)
    return {
        "costs": costs,
        "w": params["w"],
        "b": params["b"],
        "Y_prediction_train": _ref_predict(params["w"], params["b"], X_train),
        "Y_prediction_test": _ref_predict(params["w"], params["b"], X_test),
        "grads": grads,
    }


def _ref_pool(X):
    X = np.asarray(X, dtype=float)
    return np.concatenate([X.mean(axis=2), X.std(axis=2)], axis=1).T


def _passed(note: str | None = None) -> None:
    print(f"{GREEN}{PASSED}{RESET}")
    if note:
        print(f"{YELLOW}Note: {note}{RESET}")


def _indent(text: str, prefix: str) -> str:
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


def _fail(exercise: str, problem: str, *, expected: str | None = None, got: str | None = None,
          cause: str | None = None) -> NoReturn:
    lines = [f"{exercise}: {problem}"]
    if expected is not None:
        lines.append("  expected: " + _indent(expected, "            "))
    if got is not None:
        lines.append("  got:      " + _indent(got, "            "))
    if cause:
        lines.append("  likely cause: " + _indent(cause, "    "))
    raise ExerciseFailure("\n".join(lines)) from None


# --------------------------------------------------------------------------------------------
# Earlier exercises: checked before the learner is sent back to them.
# --------------------------------------------------------------------------------------------


def _earlier_tests() -> dict[str, tuple[Callable, ...]]:
    # imported here: the exercise modules import this one
    from speechmusic.teaching.public_tests.exercises_1_4 import (
        initialize_with_zeros_test_1,
        initialize_with_zeros_test_2,
        sigmoid_test,
    )
    from speechmusic.teaching.public_tests.exercises_5_6 import optimize_test, propagate_test
    from speechmusic.teaching.public_tests.exercises_7_8 import predict_test

    return {
        "sigmoid": (sigmoid_test,),
        "initialize_with_zeros": (initialize_with_zeros_test_1, initialize_with_zeros_test_2),
        "propagate": (propagate_test,),
        "optimize": (optimize_test,),
        "predict": (predict_test,),
    }


#: Exercises whose own tests are running as an earlier-exercise check (learner functions that call
#: each other in a circle must not make the checks call each other without end).
_CHECKING: set[str] = set()


def _failure_of(name: str, function: Callable) -> str | None:
    """The message of the first of ``name``'s own tests that ``function`` fails, or None if it passes."""
    if name in _CHECKING:
        return None
    _CHECKING.add(name)
    try:
        for test in _earlier_tests().get(name, ()):
            try:
                with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                    test(function)
            except AssertionError as failure:
                return str(failure)
            except Exception as error:  # a crash counts as a failure of that function  # noqa: BLE001
                return f"{name}: its test raised {type(error).__name__}: {error}"
        return None
    finally:
        _CHECKING.discard(name)


def _called_functions(target: Callable) -> list[tuple[str, Callable]]:
    """The earlier exercises' functions ``target`` calls by name, in notebook order."""
    code = getattr(target, "__code__", None)
    namespace = getattr(target, "__globals__", None)
    if code is None or namespace is None:
        return []
    used = set(code.co_names)
    found = []
    for name in _SIGNATURES:
        function = namespace.get(name)
        if name in used and callable(function) and function is not target:
            found.append((name, function))
    return found


def _blame_earlier(exercise: str, name: str, message: str) -> str:
    # Only what the earlier test diagnosed (its first line and its likely cause), not its values.
    first = message.splitlines()[0] if message else name
    _, found, cause = message.partition("likely cause:")
    said = first + ("\n  likely cause:" + cause if found else "")
    return (f"{exercise} calls your {name} (exercise {_NUMBERS[name]}), which does not pass {name}_test yet. "
            f"Fix {name} first (run its test cell until it passes), then run this test again. "
            f"Its test says:\n  " + _indent(said, "  "))


def _earlier_exercise_cause(exercise: str, target: Callable) -> str | None:
    """If ``target`` calls an earlier exercise's function that fails its own test, a message saying so."""
    for name, function in _called_functions(target):
        message = _failure_of(name, function)
        if message is not None:
            return _blame_earlier(exercise, name, message)
    return None


class _Lazy:
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




def _is_number(value) -> bool:
    """A single real number: Python or NumPy int/float, or a 0-d numeric array (not bool)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def _is_float(value) -> bool:
    if isinstance(value, (float, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f"


def _close(a, b) -> bool:
    try:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))



def _quiet(target: Callable, *args):
    """The learner's result for ``args``, or None if the call raises (used only to confirm a diagnosis)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            return target(*args)
    except Exception:  # noqa: BLE001
        return None
