"""The tests the lab notebook runs after each exercise.

Each ``*_test`` function takes what the learner wrote (a function, or for exercises 1 and 2 the
variables), runs it on small fixed inputs (no dataset, well under a second) and either prints a
green "All tests passed!" or raises :class:`ExerciseFailure` (an :class:`AssertionError`) with a
message that says what was expected, what came back, and the likely cause. In Jupyter the failure
shows that message under the learner's own cell, without the test's internal frames.

How the likely cause is found (docs/exercise-tests.md has the details and the measured rate):

- **Computed wrong variants.** Besides the right answer, each test computes what the common wrong
  implementations return on the same inputs (a missing ``1/m``, a sign error, ``b`` added after the
  sigmoid, a sum over the wrong axis, ...). When the learner's value equals one of them, the message
  names that mistake instead of restating the formula.
- **Earlier exercises first.** When a function that calls an earlier exercise's function (``propagate``
  calls ``sigmoid``, ``model`` calls ``optimize``...) gives a wrong result, the earlier function is
  checked with its own test; only if it fails is the learner sent back to it. Otherwise the error is
  local and is explained as such.
- **The notebook's data first.** A function that reads the notebook's variables (``train_set_x``,
  ``toy_X``, ``m_train``...) instead of its parameters is told so before anything else, whatever
  the symptom: the test passes other data than the notebook.
- **Exceptions read in context.** An exception raised inside the learner's code is explained with
  what it usually means in this exercise: the arguments each function received (a call with its
  arguments in the wrong order, a dictionary unpacked like a tuple), the names of the operands whose
  shapes do not fit, ``np.zeros(dim, 1)``, ``math.exp`` or ``int()`` on an array, a function's results
  unpacked in the wrong order, arithmetic on a whole dictionary, a loop over a plain number, a
  misspelt parameter...
- **Second probes.** Mistakes one call cannot reveal (an iteration count off by one, a hard-coded
  learning rate or iteration count, a step scaled wrongly) are found by calling the function again
  with other settings and working out how many steps it took and with which rate.

Correct answers written differently pass: ``@``, ``np.dot`` or ``np.matmul``, ``np.mean`` or
``np.sum / m``, ``scipy.special.expit``, ``>= 0.5``, in-place updates, Python or NumPy floats,
float32 arithmetic, int or float 0/1 labels, copies or no copies.
"""

from __future__ import annotations

import contextlib
import dis
import functools
import io
import linecache
import os
import re
import traceback
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

__all__ = [
    "dimensions_test",
    "flatten_test",
    "sigmoid_test",
    "initialize_with_zeros_test_1",
    "initialize_with_zeros_test_2",
    "propagate_test",
    "optimize_test",
    "predict_test",
    "model_test",
    "pool_features_test",
]

GREEN = "\033[92m"
YELLOW = "\033[93m"
RESET = "\033[0m"
PASSED = "All tests passed!"

# Values computed two correct ways agree to ~1e-15 (float32 arithmetic to ~1e-7); after hundreds
# of gradient steps to ~1e-12 (float32: ~1e-6).
RTOL = 1e-5
ATOL = 1e-8

_HERE = os.path.abspath(__file__)

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
    return not filename.startswith("<") and os.path.abspath(filename) == _HERE


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


# --------------------------------------------------------------------------------------------
# Running the learner's code: exceptions become explanations.
# --------------------------------------------------------------------------------------------

_LIBRARY_PARTS = (os.sep + "numpy" + os.sep, os.sep + "scipy" + os.sep, os.sep + "IPython" + os.sep,
                  os.sep + "contextlib.py")


@dataclass
class _Frame:
    """One frame of the learner's code in a traceback."""

    name: str
    code: types.CodeType
    locals: dict
    globals: dict
    lineno: int
    line: str

    def arguments(self) -> dict[str, Any]:
        names = self.code.co_varnames[: self.code.co_argcount + self.code.co_kwonlyargcount]
        return {name: self.locals[name] for name in names if name in self.locals}


def _learner_frames(error: BaseException) -> list[_Frame]:
    """The frames of the learner's code the exception went through (outermost first)."""
    found = []
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        path = filename if filename.startswith("<") else os.path.abspath(filename)
        if path == _HERE or any(part in path for part in _LIBRARY_PARTS):
            continue
        line = linecache.getline(filename, lineno, frame.f_globals).strip()
        found.append(_Frame(frame.f_code.co_name, frame.f_code, dict(frame.f_locals), frame.f_globals, lineno, line))
    return found


def _learner_traceback(error: BaseException) -> types.TracebackType | None:
    kept = []
    for frame, lasti, lineno in _frames(error.__traceback__):
        filename = frame.f_code.co_filename
        path = filename if filename.startswith("<") else os.path.abspath(filename)
        if path != _HERE and not any(part in path for part in _LIBRARY_PARTS):
            kept.append((frame, lasti, lineno))
    return _build_traceback(kept)


def _learner_lines(error: BaseException) -> list[str]:
    """Where in the learner's code the exception happened (innermost last), skipping library code."""
    lines = []
    for frame in _learner_frames(error):
        where = f"in {frame.name}(), line {frame.lineno}"
        lines.append(f"{where}: {frame.line}" if frame.line else where)
    return lines[-2:]


def explain_exception(error: BaseException) -> str:
    """The likely cause of an exception raised inside a learner's function, in words (any exercise)."""
    text = str(error)
    if isinstance(error, NameError):
        name = getattr(error, "name", None) or (re.findall(r"'([^']+)'", text) or ["?"])[0]
        return (
            f"the name {name!r} is used but was never given a value. If it is what this exercise asks "
            "you to compute, write the code between '# YOUR CODE STARTS HERE' and '# YOUR CODE ENDS "
            "HERE' (and keep the variable names the template uses). If it is a function from an "
            "earlier exercise, run the cell that defines it first."
        )
    if isinstance(error, NotImplementedError):
        return "this exercise has not been written yet: replace the placeholder with your code."
    if isinstance(error, RecursionError):
        return ("a function calls itself without end: e.g. sigmoid(z) written as 'return sigmoid(z)'. "
                "Compute the value with NumPy instead.")
    if isinstance(error, TypeError):
        if re.search(r"interpret .* as a data type", text):
            return ("np.zeros (np.ones, np.empty) takes the shape as ONE tuple: np.zeros((a, b)). Written "
                    "np.zeros(a, b), the second number is read as the data type (dtype).")
        if "integer scalar arrays" in text or "cannot be interpreted as an integer" in text:
            return ("a whole number (a size, an index, a number of iterations) was expected but the value "
                    "is an array or a float: e.g. np.zeros((X, 1)) with the array X instead of X.shape[0], "
                    "or range() of a float.")
        if re.search(r"only (length-1|size-1|0-dimensional)|must be real number|"
                     r"cannot convert the series|can't convert", text):
            return ("a function that needs one number (math.exp, math.log, float(), int(), ...) was given an "
                    "array. The math functions work on one number at a time; use np.exp / np.log, which work "
                    "element by element on whole arrays (and on single numbers too). To turn a one-element "
                    "array into a number, use np.squeeze(...) or .item().")
        if "NoneType" in text:
            return ("a value is None: a function ends without 'return ...' (in this exercise or one it "
                    "calls), so Python returns None.")
        if re.search(r"unexpected keyword argument|positional argument|required keyword", text):
            return ("the function's parameters differ from the exercise's signature. Keep the 'def' line "
                    "exactly as given (same parameter names, order and defaults): the tests and the "
                    "grader call it that way.")
        if "not callable" in text:
            return ("something that is not a function is called: a variable may hide a function of the "
                    "same name (for example a variable called 'sigmoid' or 'propagate').")
        if re.search(r"'(builtin_function_or_method|function|method)' object is not subscriptable", text):
            return ("a function is used with square brackets, e.g. np.zeros[...]: call functions with "
                    "round brackets (parentheses), e.g. np.zeros((dim, 1)).")
        if "not subscriptable" in text or "indices must be" in text:
            return ("an index or key is used on the wrong kind of value: grads is a dict "
                    "(grads['dw']), params is a dict (params['w']), arrays use [row, column].")
        if "can't multiply sequence" in text or re.search(r"unsupported operand.*'str'", text):
            return ("arithmetic on a string: a dictionary unpacked like a tuple (dw, db = grads) gives its "
                    "keys, the strings 'dw' and 'db', not its values: use grads['dw'].")
        return "a value has a type the operation cannot use; print the types of the values on that line."
    if isinstance(error, ValueError):
        if "not aligned" in text or "mismatch in its core dimension" in text or "matmul" in text:
            return ("a matrix product got shapes that do not fit: (a, b) times (c, d) needs b == c. With "
                    "w of shape (n, 1) and X of shape (n, m), write np.dot(w.T, X) (or w.T @ X); for the "
                    "gradient, np.dot(X, (A - Y).T).")
        if "broadcast" in text:
            return ("an element-wise operation (*, +, -) got arrays whose shapes do not match. Often '*' "
                    "is used where a matrix product is needed (np.dot or @), or an (n,) array is mixed "
                    "with an (n, 1) one.")
        if "truth value" in text:
            return ("an 'if' or 'and/or' was used on a whole array. To compare every element, use the "
                    "array expression itself, e.g. (A > 0.5).astype(float) or np.where(A > 0.5, 1, 0).")
        if "reshape" in text:
            return "a reshape asked for a shape with a different number of elements than the array has."
        if "too many values to unpack" in text or "not enough values to unpack" in text:
            return ("the number of names on the left of '=' differs from the number of values returned: "
                    "propagate returns grads, cost; optimize returns params, grads, costs.")
        return "a value has the wrong shape or content for the operation on that line; print its shape."
    if isinstance(error, KeyError):
        return (f"a dictionary has no key {text}. The names are fixed: grads = {{'dw': ..., 'db': ...}}, "
                "params = {'w': ..., 'b': ...}, and model returns the keys listed in the exercise.")
    if isinstance(error, IndexError):
        return ("an index is out of range: arrays here are 2-D, e.g. X.shape[1] is the number of examples "
                "only if X has shape (n, m). Check the shapes you pass around.")
    if isinstance(error, AttributeError):
        return ("a value is not the kind of object expected (e.g. '.shape' or '.T' on a number or list): "
                "check what each function returns.")
    if isinstance(error, OverflowError):
        return "math.exp overflowed on a large number; np.exp handles large values (giving inf, not an error)."
    if isinstance(error, ZeroDivisionError):
        return "a division by zero: check how m (the number of examples, X.shape[1]) is computed."
    if isinstance(error, AssertionError):
        return "an assert in your own code failed."
    return "an exception was raised inside your code; the line above shows where."


@dataclass
class _Probe:
    """What a test passed to the learner's function, for naming values in explanations."""

    n: int | None = None  # number of features (rows of X)
    m: int | None = None  # number of examples (columns of X)
    names: dict[str, Any] = field(default_factory=dict)  # the test's own arrays, by the names the lab uses

    def shape_names(self) -> dict[tuple, str]:
        """The expressions of this exercise that have each shape (for naming operands in an error)."""
        n, m = self.n, self.m
        if n is None or m is None or n == m or 1 in (n, m):
            return {}
        return {(n, 1): "w", (1, n): "w.T", (n, m): "X", (m, n): "X.T", (1, m): "A - Y (or A, Y)",
                (m, 1): "(A - Y).T", (m, m): "an (m, m) array", (n, n): "an (n, n) array"}


def _shapes_in(text: str) -> list[tuple[int, ...]]:
    return [tuple(int(v) for v in re.findall(r"\d+", group)) for group in re.findall(r"\(([\d,\s]*)\)", text)]


def _product_advice(exercise: str, probe: _Probe, text: str, line: str) -> str | None:
    """A matrix-product error with the operands named from their shapes."""
    names = probe.shape_names()
    if not names:
        return None
    shapes = _shapes_in(text.split("not aligned")[0]) if "not aligned" in text else []
    n, m = probe.n, probe.m
    pair = tuple(shapes[:2]) if len(shapes) >= 2 else None
    table = ", ".join(f"{names[s]} {s}" for s in ((n, 1), (n, m), (1, m)))
    if pair == ((n, 1), (n, m)):
        return (f"np.dot(w, X) multiplies w {(n, 1)} by X {(n, m)}: the inner sizes (1 and {n}) differ. "
                f"Transpose w: z = np.dot(w.T, X), shape (1, m).")
    if pair in (((m, 1), (n, m)), ((1, m), (n, m)), ((m, 1), (m, n))):
        return (f"the operands of the gradient's product are in the wrong order: it got {names[pair[0]]} "
                f"{pair[0]} first and {names[pair[1]]} {pair[1]} second. dw = np.dot(X, (A - Y).T): "
                f"X {(n, m)} times (A - Y).T {(m, 1)} gives the ({n}, 1) column of w.")
    if pair in (((n, m), (1, m)), ((n, m), (n, m))):
        return (f"np.dot(X, A - Y) multiplies X {(n, m)} by a {pair[1]} array: transpose the second "
                f"operand, dw = np.dot(X, (A - Y).T).")
    if pair == ((1, m), (1, m)):
        return ("np.dot of two (1, m) rows does not fit: in the cost, np.dot(Y, np.log(A).T) (transpose "
                "the second), or the element-wise Y * np.log(A) summed with np.sum.")
    if pair and pair[0] in names and pair[1] in names:
        return (f"the product got {names[pair[0]]} {pair[0]} and {names[pair[1]]} {pair[1]}, whose inner sizes "
                f"differ. The shapes here: {table}; the products that fit are np.dot(w.T, X) (shape (1, m)) "
                f"and np.dot(X, (A - Y).T) (shape (n, 1)).")
    return (f"a matrix product got shapes that do not fit: (a, b) times (c, d) needs b == c. The shapes here: "
            f"{table}; the products that fit are np.dot(w.T, X) (shape (1, m)) and np.dot(X, (A - Y).T) "
            f"(shape (n, 1)).")


def _broadcast_advice(exercise: str, probe: _Probe, text: str) -> str | None:
    names = probe.shape_names()
    shapes = _shapes_in(text)
    if not names or len(shapes) < 2:
        return None
    n, m = probe.n, probe.m
    pair = (shapes[0], shapes[1])
    if set(pair) == {(n, m), (m, 1)}:
        return (f"X * (A - Y).T multiplies element by element a {(n, m)} array by a {(m, 1)} one: the "
                f"gradient needs the matrix product dw = np.dot(X, (A - Y).T), which also sums over the examples.")
    if set(pair) == {(n, m), (1, n)}:
        return (f"w.T * X multiplies element by element (like w * X), and a {(1, n)} row does not fit a {(n, m)} "
                f"array: z is the matrix product np.dot(w.T, X), shape (1, m).")
    if all(s in names for s in pair):
        return (f"an element-wise operation (*, +, -) got {names[pair[0]]} {pair[0]} and {names[pair[1]]} "
                f"{pair[1]}, which do not fit: a matrix product (np.dot) may be needed, or one operand has the "
                f"wrong orientation.")
    return None


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _unfit(parameter: str, value) -> str | None:
    """Why ``value`` cannot be what an exercise function's ``parameter`` expects (None if it can)."""
    if isinstance(value, str):
        return "is a string"
    if parameter in ("w",):
        if not isinstance(value, np.ndarray) or value.ndim != 2 or value.shape[1] != 1:
            return "is not a column (n, 1)"
    elif parameter == "b":
        if not (_is_number(value) or (isinstance(value, np.ndarray) and value.size == 1)):
            return "is not a number"
    elif parameter in ("X", "X_train", "X_test"):
        if not isinstance(value, np.ndarray) or value.ndim != 2:
            return "is not a 2-D array (n, m)"
    elif parameter in ("Y", "Y_train", "Y_test"):
        if not isinstance(value, np.ndarray) or value.ndim != 2 or value.shape[0] != 1:
            return "is not a row of labels (1, m)"
    elif parameter in ("num_iterations", "dim"):
        if not _is_int(value) or value < (1 if parameter == "dim" else 0):
            return "is not a whole number"
    elif parameter == "learning_rate":
        if not _is_number(value):
            return "is not a number"
    elif parameter == "z":
        if not (_is_number(value) or (isinstance(value, np.ndarray) and value.dtype.kind in "biuf")):
            return "is not a number or numeric array"
    return None


def _label(value, caller: _Frame | None, probe: _Probe, parameter: str | None = None) -> str:
    """How to refer to ``value`` in a message: the caller's variable name if it has one, else a description."""
    if caller is not None and parameter is not None and caller.locals.get(parameter, _Frame) is value:
        return parameter  # passed under its own name (small numbers are shared objects: check this first)
    pools = [caller.locals if caller is not None else {}, probe.names]
    for pool in pools:
        for name, candidate in pool.items():
            if candidate is value and not name.startswith("_"):
                return name
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, str):
        return repr(value)
    return show(value)


def _call_advice(exercise: str, callee: str) -> str:
    if exercise == "model" and callee == "optimize":
        return ("optimize(w, b, X_train, Y_train, num_iterations=num_iterations, learning_rate=learning_rate, "
                "print_cost=print_cost)")
    if exercise == "model" and callee == "predict":
        return "predict(w, b, X_test) and predict(w, b, X_train)"
    if exercise == "model" and callee == "initialize_with_zeros":
        return "initialize_with_zeros(X_train.shape[0])"
    return f"{callee}({', '.join(_SIGNATURES[callee])})"


def _dict_unpacking(exercise: str, strings: dict[str, str]) -> str | None:
    """Locals holding the strings 'dw', 'db', 'w' or 'b': a dictionary was unpacked like a tuple."""
    values = set(strings.values())
    if values & {"dw", "db"}:
        return ("grads is a dictionary: unpacking it like a tuple (dw, db = grads, or (dw, db), cost = "
                "propagate(...)) gives its keys, the strings 'dw' and 'db', not the gradients. Take the values: "
                "dw = grads['dw'], db = grads['db'].")
    if values & {"w", "b"}:
        return ("params is a dictionary: unpacking it like a tuple (w, b = params) gives its keys, the strings "
                "'w' and 'b', not the parameters. Take the values: w = params['w'], b = params['b'].")
    return None


#: Numbers the notebook defines at the top level: read inside an exercise function instead of a
#: parameter or a value computed from the parameters, they are the notebook's data, not the test's.
_NOTEBOOK_NUMBERS = {"m_train", "m_test", "n_mels", "time_steps", "num_iterations", "learning_rate", "index",
                     "m", "n", "dim"}


def _global_names(code: types.CodeType) -> list[str]:
    """The global names ``code`` reads (not attributes), in order, nested code (comprehensions...) included."""
    names = []
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and instruction.argval not in names:
            names.append(instruction.argval)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names += [name for name in _global_names(constant) if name not in names]
    return names


def _global_data(code: types.CodeType | None, namespace: dict | None) -> dict[str, Any]:
    """The notebook's data (arrays, and the notebook's counts and settings) that ``code`` reads as globals."""
    if code is None or namespace is None:
        return {}
    found = {}
    for name in _global_names(code):
        value = namespace.get(name)
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" or \
                name in _NOTEBOOK_NUMBERS and _is_number(value):
            found[name] = value
    return found


def _parameter_for(name: str, value, parameters: Sequence[str]) -> str | None:
    """What, from the parameters, most likely should replace the notebook variable ``name`` (None if unclear)."""
    lowered = name.lower()
    split = "test" if "test" in lowered else "train" if "train" in lowered else None
    if not isinstance(value, np.ndarray):  # a count or a setting of the notebook
        if name in parameters:
            return name
        axis = 1 if lowered == "m" or lowered.startswith("m_") else 0 if lowered in ("n", "n_x") else None
        data = next((p for p in ([f"X_{split}"] if split else []) + ["X", "X_train"] if p in parameters), None)
        return f"{data}.shape[{axis}]" if axis is not None and data else None
    labels = value.ndim == 2 and value.shape[0] == 1
    letter = "Y" if labels or lowered.endswith("y") else "X"
    for candidate in ([f"{letter}_{split}"] if split else []) + [letter, f"{letter}_train"]:
        if candidate in parameters:
            return candidate
    if "dim" in parameters:
        return "dim"
    return None


def _global_data_message(function_name: str, parameters: Sequence[str], data: dict[str, Any]) -> str:
    described = ", ".join(f"{name} ({f'shape {value.shape}' if isinstance(value, np.ndarray) else repr(value)})"
                          for name, value in data.items())
    one = len(data) == 1
    swaps = [f"{parameter} for {name}" for name, value in data.items()
             if (parameter := _parameter_for(name, value, parameters)) is not None]
    advice = f" Use {', '.join(swaps)}." if swaps else ""
    if swaps and "dim" in parameters:
        advice = " The size of w is the parameter dim: np.zeros((dim, 1))."
    listed = "" if swaps else f" ({', '.join(parameters)})"
    return (f"{function_name} reads {described}, {'a variable' if one else 'variables'} of the notebook, instead of "
            f"its own parameters{listed}. The test (like the grader, and like model later) calls {function_name} "
            f"with other data: everything inside the function must come from its parameters.{advice}")


def _global_data_cause(exercise: str, target: Callable) -> str | None:
    """If the learner's function reads the notebook's data instead of its parameters, a message saying so."""
    code = getattr(target, "__code__", None)
    data = _global_data(code, getattr(target, "__globals__", None))
    if not data:
        return None
    parameters = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    return _global_data_message(getattr(target, "__name__", exercise), parameters, data)


def _local_cause(exercise: str, target: Callable) -> str | None:
    """A cause that lies outside the arithmetic: the notebook's data read as globals, or an earlier
    exercise's function that fails its own test (checked first, before any computed variant)."""
    return _global_data_cause(exercise, target) or _earlier_exercise_cause(exercise, target)


#: What each exercise function returns, in order, and the kind of value each is (see _kind_of).
_RETURNS = {
    "propagate": (("grads", "gradients"), ("cost", "number")),
    "optimize": (("params", "parameters"), ("grads", "gradients"), ("costs", "list")),
    "initialize_with_zeros": (("w", "array"), ("b", "number")),
}
_KIND_WORDS = {"gradients": "the gradients (the dict with 'dw' and 'db')",
               "parameters": "the parameters (the dict with 'w' and 'b')",
               "number": "a single number", "list": "the list of costs", "array": "the array w"}


def _kind_of(value) -> str | None:
    if isinstance(value, dict):
        return {frozenset({"dw", "db"}): "gradients", frozenset({"w", "b"}): "parameters"}.get(frozenset(value))
    if isinstance(value, (list, tuple)):
        return "list"
    if _is_number(value):
        return "number"
    if isinstance(value, np.ndarray):
        return "array"
    return None


def _unpacked_out_of_order(local_values: dict[str, Any], arguments: Sequence[str] = ()) -> str | None:
    """Locals named like a function's results but holding each other's values: unpacked in the wrong order.

    ``arguments``: the frame's parameters, which hold what the caller passed, not unpacked results.
    """
    for function, returned in _RETURNS.items():
        wanted = dict(returned)
        if not all(name in local_values and name not in arguments for name in wanted):
            continue
        kinds = {name: _kind_of(local_values[name]) for name in wanted}
        wrong = [name for name in wanted if kinds[name] != wanted[name]]
        if len(wrong) < 2 or sorted(str(kinds[name]) for name in wrong) != sorted(wanted[name] for name in wrong):
            continue
        order = ", ".join(wanted)
        holds = "; ".join(f"{name} holds {_KIND_WORDS[kinds[name]]}" for name in wrong)
        return (f"{function} returns {order}, in this order, and its results were unpacked in another order: "
                f"{holds}. Unpack them in the order they are returned: {order} = {function}(...).")
    return None


def _argument_problem(exercise: str, callee: _Frame, caller: _Frame | None, probe: _Probe) -> str | None:
    """What is wrong with the arguments the learner's code passed to an earlier exercise's function."""
    parameters = _SIGNATURES[callee.name]
    received = callee.arguments()
    values = {p: received[p] for p in parameters if p in received}
    strings = {p: v for p, v in values.items() if isinstance(v, str)}
    unpacked = _dict_unpacking(exercise, strings)
    if unpacked:
        return f"{exercise} passes {callee.name} the string(s) {', '.join(map(repr, strings.values()))}: " + unpacked
    unfit = {p: reason for p, v in values.items() if (reason := _unfit(p, v)) is not None}
    who = caller.name if caller is not None and caller.name in _SIGNATURES else exercise
    if unfit:
        labels = {p: _label(v, caller, probe, p) for p, v in values.items()}
        movable = any(_unfit(p, values[q]) is None for p in unfit for q in values if q != p)
        misplaced = [f"{labels[p]} as {p}" for p in values
                     if p in unfit and labels[p] != p or (labels[p] in parameters and labels[p] != p)]
        if exercise == "model" and callee.name == "initialize_with_zeros":
            return (f"initialize_with_zeros receives {labels.get('dim', 'an array')} as dim: it takes the number of "
                    f"features, an integer: initialize_with_zeros(X_train.shape[0]), not an array.")
        if movable and len(misplaced) >= 2:
            order = f"{callee.name}({', '.join(parameters)})"
            advice = _call_advice(exercise, callee.name)
            return (f"{who} calls {callee.name} with its arguments in the wrong order: {callee.name} received "
                    f"{', '.join(misplaced)}. The order is {order}" + (f"; call it as {advice}." if advice != order else "."))
        if exercise == "optimize" and callee.name == "propagate" and isinstance(values.get("b"), np.ndarray) \
                and "b" in unfit and labels["b"] == "b":
            return (f"b has become an array of shape {values['b'].shape} (it must stay one number): b is updated "
                    f"with dw, an array, instead of db. Update each parameter with its own gradient: "
                    f"b = b - learning_rate * db.")
        details = "; ".join(f"{p} {reason} (it is {show(values[p]) if labels[p] == p else labels[p]})"
                            for p, reason in unfit.items())
        return (f"{who} calls {callee.name} with a wrong argument: {details}. The call is "
                f"{_call_advice(exercise, callee.name)}.")
    w, X, Y = values.get("w"), values.get("X"), values.get("Y")
    if isinstance(w, np.ndarray) and isinstance(X, np.ndarray) and w.shape[0] != X.shape[0]:
        hint = ""
        if exercise == "model" and w.shape[0] not in (probe.n, probe.m):
            hint = (f" w has {w.shape[0]} weights, neither the number of features of X_train ({probe.n}) nor its "
                    f"number of examples: model trained w on other data than its parameters (a notebook variable "
                    f"such as train_set_x?). Use model's own parameters, X_train and Y_train.")
        elif exercise == "model":
            hint = (" initialize_with_zeros takes the number of features, the rows of X_train: "
                    "initialize_with_zeros(X_train.shape[0]).")
        return (f"{callee.name} receives w of shape {w.shape} with X of shape {X.shape}: w needs one weight per "
                f"feature (row of X), shape ({X.shape[0]}, 1).{hint}")
    if isinstance(Y, np.ndarray) and isinstance(X, np.ndarray) and Y.shape[1] != X.shape[1]:
        return (f"{callee.name} receives X with {X.shape[1]} examples but Y with {Y.shape[1]} labels: pass the "
                f"labels of the same examples (X_train with Y_train).")
    return None


def _name_error_advice(exercise: str, target: Callable, error: NameError) -> str | None:
    name = getattr(error, "name", None) or (re.findall(r"'([^']+)'", str(error)) or [None])[0]
    code = getattr(target, "__code__", None)
    if name is None or code is None:
        return None
    parameters = code.co_varnames[: code.co_argcount]
    listed = ", ".join(repr(p) for p in parameters)
    derived = {"m": "m = X.shape[1], the number of examples", "n": "n = X.shape[0], the number of features"}
    if name in derived and name not in parameters and exercise in ("propagate", "optimize", "predict"):
        return (f"{name} is used but not defined inside {exercise}: compute it from the parameters, "
                f"{derived[name]}.")
    if name in _TEMPLATE_NAMES.get(exercise, ()):
        return None  # the general explanation (write the code between the markers) fits
    if name in _SIGNATURES:
        return (f"{name} is not defined: it is the function of exercise {_NUMBERS[name]}. Run the cell that "
                f"defines it (and its test) before this one.")
    same_letters = [p for p in parameters if p.lower() == name.lower()]
    if same_letters:
        return (f"the name {name!r} is not defined: the parameter is {same_letters[0]!r} (Python names are "
                f"case-sensitive). {exercise}'s parameters are {listed}.")
    return (f"the name {name!r} is not defined inside {exercise}: use the function's parameters, {listed} "
            f"(a name that only exists elsewhere in the notebook is not what the test passes in).")


def _one_number_function(line: str) -> str:
    """Why a function that takes one number failed on an array, naming the function used on ``line``."""
    found = re.search(r"\b(math\.\w+|int|float|round|bool|complex)\s*\(", line or "")
    function = found.group(1) if found else "math.exp"
    if function.startswith("math."):
        replacement = "np." + function.split(".", 1)[1]
        return (f"{function} works on one number only, and the test passes an array: use {replacement}, "
                f"which works element by element on whole arrays (and on single numbers too).")
    return (f"{function}() converts one number only, and here it is given a whole array: convert every element "
            f"at once with the array's .astype method, e.g. (A > 0.5).astype(float).")


def _dict_arithmetic(frame: _Frame) -> str | None:
    """Arithmetic on a whole dictionary (grads, params) named on the failing line."""
    assigned = re.match(r"\s*(\w+)\s*[-+*/]?=", frame.line or "")
    for name, value in frame.locals.items():
        if isinstance(value, dict) and re.search(rf"\b{re.escape(name)}\b(?!\s*\[)", frame.line or ""):
            keys = list(value)
            # the entry that goes with the variable being computed: db for b, dw for w
            fitting = [k for k in keys if assigned and str(k).lstrip("d") == assigned.group(1)] or keys
            entry = f"{name}[{fitting[0]!r}]" if fitting else f"{name}[...]"
            return (f"{name} is a dictionary holding {', '.join(map(repr, keys))}: arithmetic needs one of its "
                    f"entries, here {entry}, not the whole dictionary ({frame.line}).")
    return None


def _explain_call_failure(exercise: str, target: Callable, error: Exception, probe: _Probe) -> str:
    """The likely cause of an exception raised inside the learner's function, in this exercise's terms."""
    frames = _learner_frames(error)
    own_code = getattr(target, "__code__", None)
    # 0. The learner's code reads the notebook's data instead of its parameters: whatever the
    #    exception says, that is what to fix first.
    for frame in frames:
        data = _global_data(frame.code, frame.globals)
        if data:
            parameters = frame.code.co_varnames[: frame.code.co_argcount + frame.code.co_kwonlyargcount]
            return _global_data_message(frame.name, parameters, data)
    # ... or unpacked a function's results in the wrong order (the error shows up later, elsewhere).
    for frame in frames:
        out_of_order = _unpacked_out_of_order(frame.locals, tuple(frame.arguments()))
        if out_of_order:
            return out_of_order
    # 1. An earlier exercise's function, called by the learner's code, raised: with what arguments?
    for index, frame in enumerate(frames):
        if frame.code is own_code or frame.name not in _SIGNATURES or frame.name == exercise or index == 0:
            continue
        caller = frames[index - 1]
        problem = _argument_problem(exercise, frame, caller, probe)
        if problem:
            return problem
        function = caller.globals.get(frame.name)
        if getattr(function, "__code__", None) is frame.code:
            message = _failure_of(frame.name, function)
            if message is not None:
                return _blame_earlier(exercise, frame.name, message)
        break
    innermost = frames[-1] if frames else None
    text = str(error)
    # 2. In the learner's own code: what this exception usually means here.
    if innermost is not None:
        strings = {k: v for k, v in innermost.locals.items() if isinstance(v, str)}
        unpacked = _dict_unpacking(exercise, strings)
        if unpacked:
            return unpacked
    if isinstance(error, NameError):
        advice = _name_error_advice(exercise, target, error)
        if advice:
            return advice
    line = innermost.line if innermost is not None else ""
    if isinstance(error, AttributeError):
        removed = re.search(r"module 'numpy' has no attribute '(float|int|bool|object|complex|str)'", text)
        if removed:
            alias = removed.group(1)
            return (f"np.{alias} was removed from NumPy (1.24): it only meant the built-in {alias}. Use {alias}(...) "
                    f"or np.{alias}64 where a NumPy type is wanted (older tutorials still use np.{alias}).")
        plain = re.search(r"'(float|int)' object has no attribute '(\w+)'", text)
        if plain:
            where = ("sigmoid is also called with a plain number, e.g. sigmoid(2.0)" if exercise == "sigmoid" else
                     "this value is a plain number here")
            return (f"{where}, and a single number has no .{plain.group(2)}: write code that works for numbers and "
                    f"arrays alike (np.exp, np.zeros_like, ... accept both), without .{plain.group(2)}.")
    if isinstance(error, IndexError) and exercise == "initialize_with_zeros" and "zeros" in line:
        return ("the shape given to np.zeros is built with an index, e.g. [dim][1] picks item 1 of a one-item "
                "list. The shape is one tuple: np.zeros((dim, 1)).")
    if isinstance(error, NameError):
        name = getattr(error, "name", None)
        if name and re.match(rf"\s*{re.escape(name)}\s*\[.*\]\s*=", line or ""):
            return (f"{name} is filled in before it is created: create the array first, e.g. "
                    f"{name} = np.zeros((1, m)) with m = X.shape[1], then set its entries.")
    if isinstance(error, TypeError):
        if re.search(r"interpret .* as a data type", text) and "zeros" in line:
            shape = "(dim, 1)" if exercise == "initialize_with_zeros" else "(a, b)"
            return (f"np.zeros takes the shape as ONE tuple, np.zeros({shape}): written with two arguments, "
                    f"np.zeros(dim, 1), the 1 is read as the data type (dtype), hence the error.")
        if re.search(r"'(builtin_function_or_method|function)' object is not subscriptable", text):
            example = "np.zeros((dim, 1))" if exercise == "initialize_with_zeros" else "np.dot(w.T, X)"
            return (f"a function is used with square brackets ({line or 'np.zeros[...]'}): functions are called "
                    f"with round brackets, e.g. {example}.")
        if re.search(r"only (length-1|size-1|0-dimensional)", text):
            return _one_number_function(line)
        dict_operand = re.search(r"unsupported operand type.*'dict'|'dict' object (is not callable|cannot be)", text)
        if dict_operand and innermost is not None:
            advice = _dict_arithmetic(innermost)
            if advice:
                return advice
        plain = re.search(r"'(float|int|numpy\.float64|numpy\.int64)' object (is not iterable|is not subscriptable)|"
                          r"object of type '(float|int|numpy\.float64)' has no len\(\)|len\(\) of unsized object", text)
        if plain and exercise == "sigmoid":
            return ("sigmoid is also called with a plain number, e.g. sigmoid(2.0), which has no len() and no "
                    "elements to loop over or index: a loop over the elements (for i in range(len(z)) ...) only "
                    "works for arrays. Write it without a loop: NumPy's operations (np.exp, +, /) work on a single "
                    "number and on arrays of any shape at once.")
        if plain:
            return (f"a plain number is used like an array on this line ({line}): a number has no len() and cannot "
                    f"be indexed or looped over. Check what the variable holds (print its type): a function's "
                    f"result taken apart the wrong way, or a sum that already reduced an array to one number?")
    if isinstance(error, IndexError) and "scalar variable" in text and innermost is not None:
        numbers = [name for name, value in innermost.locals.items() if _is_number(value) and re.search(
            rf"\b{re.escape(name)}\s*\[", line or "")]
        if numbers:
            return (f"{numbers[0]} is a single number here, so it cannot be indexed ({line}): check what was "
                    f"assigned to {numbers[0]} (a function's results unpacked in the wrong order?).")
    if isinstance(error, ValueError):
        if "not aligned" in text or "core dimension" in text:
            advice = _product_advice(exercise, probe, text, line)
            if advice:
                return advice
        if "broadcast" in text:
            if exercise == "optimize" and re.match(r"\s*[wb]\s*(=|-=)", line or ""):
                return (f"the update changes the shape of a parameter ({line}): w is (n, 1) like dw, and b is a "
                        f"number like db. Update with the gradients as propagate returns them, "
                        f"w = w - learning_rate * dw and b = b - learning_rate * db (no reshape, no .T).")
            advice = _broadcast_advice(exercise, probe, text)
            if advice:
                return advice
    return explain_exception(error)


def _call(exercise: str, fn: Callable, args: Sequence = (), kwargs: dict | None = None, *, call: str,
          probe: _Probe | None = None) -> Any:
    """Call the learner's function, silencing its prints and explaining any exception."""
    if not callable(fn):
        _fail(exercise, "the test expects your function itself", expected=f"the function {exercise}", got=show(fn),
              cause=f"call the test with the function, e.g. {exercise}_test({exercise}), not with its result.")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return fn(*args, **(kwargs or {}))
    except Exception as error:  # learner code may raise anything; each becomes a teaching message
        try:
            cause = _explain_call_failure(exercise, fn, error, probe or _Probe())
        except Exception:  # noqa: BLE001 - the explanation must never hide the learner's error
            cause = explain_exception(error)
        lines = [f"{exercise}: calling {call} raised {type(error).__name__}: {error}"]
        lines += [f"  {line}" for line in _learner_lines(error)]
        lines.append("  likely cause: " + _indent(cause, "    "))
        failure = ExerciseFailure("\n".join(lines))
        failure.learner_traceback = _learner_traceback(error)
        raise failure from None


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


def _diagnose(got, mistakes) -> str | None:
    """The explanation of the first typical mistake whose result equals ``got`` (same shape, same values).

    ``mistakes``: (value, cause) pairs, or a function returning them (computed only when needed).
    """
    for value, cause in (mistakes() if callable(mistakes) else mistakes):
        if value is not None and _close(got, value):
            return cause
    return None


def _require_array(exercise: str, what: str, got, expected: np.ndarray, *, mistakes=(),
                   shape_causes: dict | None = None, fallback: str, earlier: _Lazy | None = None,
                   probe_more: _Lazy | None = None) -> None:
    """``got`` must be a numeric array equal to ``expected`` (same shape).

    ``mistakes`` are (value, cause) pairs of typical wrong answers, of any shape; ``earlier`` says
    whether an earlier exercise's function is to blame (checked before any other explanation);
    ``probe_more`` looks for the cause with more calls (checked when no typical mistake matches).
    """
    if not isinstance(got, np.ndarray):
        cause = "use NumPy operations (np.zeros, np.dot, ...) so the result is an array."
        if isinstance(got, (list, tuple)):
            cause = ("the result is a Python list: build it with NumPy so it is an array (e.g. (A > 0.5)."
                     "astype(float), or np.zeros then fill it), not a list or a list comprehension.")
        _fail(exercise, f"{what} should be a numpy array", expected=f"array of shape {expected.shape}",
              got=show(got), cause=cause)
    if got.shape != expected.shape:
        cause = ((earlier and earlier()) or _diagnose(got, mistakes) or (shape_causes or {}).get(got.shape)
                 or (probe_more and probe_more()))
        if cause is None and got.size == expected.size:
            cause = f"the right number of values in the wrong shape; the result must have shape {expected.shape}."
        _fail(exercise, f"{what} has the wrong shape", expected=f"shape {expected.shape}", got=show(got),
              cause=cause or fallback)
    if got.dtype.kind not in "biuf":
        _fail(exercise, f"{what} should hold numbers", expected=show(expected), got=show(got), cause=fallback)
    if not _close(got, expected):
        cause = (earlier and earlier()) or _diagnose(got, mistakes) or (probe_more and probe_more())
        if cause is None and not np.all(np.isfinite(got.astype(float))):
            cause = "the result contains NaN or inf: check for log(0), division by zero or a missing sigmoid."
        _fail(exercise, f"{what} has the right shape but wrong values", expected=show(expected), got=show(got),
              cause=cause or fallback)


def _require_number(exercise: str, what: str, got, expected: float, *, mistakes=(), fallback: str,
                    must_be_float: bool = False, earlier: _Lazy | None = None,
                    probe_more: _Lazy | None = None) -> None:
    """``got`` must be a single number equal to ``expected``."""
    if not _is_number(got):
        cause = (earlier and earlier()) or _diagnose(got, mistakes)
        if cause is not None:
            pass
        elif isinstance(got, np.ndarray) and got.size == 1:
            if got.shape == (1,):
                how = ("np.sum(..., axis=1) or np.mean(..., axis=1) on a (1, m) array leaves an array of shape "
                       "(1,): sum or average over everything, without axis, or wrap the result in np.squeeze(...)")
            elif what == "cost":
                how = ("a product like np.dot(Y, np.log(A).T), or np.sum(..., keepdims=True), gives a (1, 1) array: "
                       "wrap it in np.squeeze(...), or use the element-wise Y * np.log(A) and np.sum without keepdims")
            else:
                how = ("np.sum(..., keepdims=True) (or axis=1 with keepdims) keeps the array shape: drop keepdims, "
                       "or use np.squeeze(...)")
            cause = f"{what} is an array of shape {got.shape} holding one number; it should be the number itself: {how}."
        elif isinstance(got, np.ndarray):
            cause = (f"{what} should be one number but has {got.size} values: the sum (or mean) over all "
                     f"examples is missing.")
        else:
            cause = fallback
        _fail(exercise, f"{what} should be a single number", expected=f"{expected:.6g} (a float)",
              got=show(got), cause=cause)
    if must_be_float and not _is_float(got):
        _fail(exercise, f"{what} should be a float", expected=f"{float(expected)!r} (a float)", got=show(got),
              cause=f"{what} is an integer; write it as a float (e.g. 0.0 rather than 0).")
    if not _close(got, expected):
        cause = (earlier and earlier()) or _diagnose(got, mistakes) or (probe_more and probe_more())
        if cause is None and not np.isfinite(float(got)):
            cause = "the result is NaN or inf: check for log(0), division by zero or a missing sigmoid."
        _fail(exercise, f"{what} is wrong", expected=f"{expected:.10g}", got=show(got), cause=cause or fallback)


def _unpack(exercise: str, result, names: Sequence[str], *, hint: str) -> tuple:
    """``result`` must be a tuple (or list) of ``len(names)`` values."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        if isinstance(result, dict):
            hint = f"the function returns a dictionary; return the {len(names)} values themselves: return {', '.join(names)}."
        elif not isinstance(result, (tuple, list)) and result is not None:
            hint = f"the function returns one value, not {len(names)}: return {', '.join(names)}."
        _fail(exercise, f"the function should return {len(names)} values: {', '.join(names)}",
              expected=f"a tuple ({', '.join(names)})", got=show(result), cause=hint)
    return tuple(result)


def _require_unchanged(exercise: str, before: dict, after: dict) -> None:
    for name, original in before.items():
        if not np.array_equal(np.asarray(after[name]), np.asarray(original)):
            _fail(exercise, f"the function changed its input {name} (the caller's array)",
                  expected=f"{name} unchanged: {show(np.asarray(original))}",
                  got=f"{name} after the call: {show(np.asarray(after[name]))}",
                  cause=(f"an in-place operation such as {name} -= ... or {name}[...] = ... modifies the "
                         f"array that was passed in. Write {name} = {name} - ... to make a new array."))


# --------------------------------------------------------------------------------------------
# Exercises 1 and 2: variables.
# --------------------------------------------------------------------------------------------


_DIMENSION_HINTS = {
    "m_train": "m_train = train_set_x_orig.shape[0]: the first axis counts the training clips.",
    "m_test": "m_test = test_set_x_orig.shape[0]: the first axis of the *test* array.",
    "n_mels": "n_mels is the second axis, train_set_x_orig.shape[1] (the mel bands, the rows of one spectrogram).",
    "time_steps": "time_steps is the third axis, train_set_x_orig.shape[2] (the frames, the columns of one spectrogram).",
}


def _dimension_confusion(name: str, value, right: int, train: np.ndarray, test: np.ndarray) -> str | None:
    """What the wrong ``value`` of a dimension actually counts (another size of the arrays), or that it
    counts nothing in them (a number typed in)."""
    if not _is_int(value):
        return None
    sizes = [
        (train.shape[0], "the number of training clips, train_set_x_orig.shape[0] (also len(train_set_x_orig))"),
        (test.shape[0], "the number of test clips, test_set_x_orig.shape[0] (also len(test_set_x_orig))"),
        (train.shape[1], "the number of mel bands, train_set_x_orig.shape[1]: len(train_set_x_orig[0]) is the "
                         "length of one clip, which counts its rows (the mel bands), not the clips"),
        (train.shape[2], "the number of time frames, train_set_x_orig.shape[2] (also the length of one row of a "
                         "clip, len(train_set_x_orig[0][0]))"),
        (train.shape[1] * train.shape[2], "the number of values in one clip, n_mels * time_steps "
                                          "(train_set_x_orig[0].size)"),
        (train.size, "train_set_x_orig.size, the count of every number in the array (all the values of all "
                     "the clips), not of the clips"),
        (test.size, "test_set_x_orig.size, the count of every number in the array (all the values of all the "
                    "clips), not of the clips"),
        (train.ndim, "the number of axes of the array, len(train_set_x_orig.shape) (or .ndim)"),
    ]
    for size, description in sizes:
        if value == size != right:
            return f"{name} = {value} is {description}. {_DIMENSION_HINTS[name]}"
    if abs(value - right) == 1:
        return (f"{name} is one {'more' if value > right else 'less'} than the size of its axis: off by one "
                f"(the last index of an axis is its size - 1; the count is the size itself). {_DIMENSION_HINTS[name]}")
    shapes = f"{train.shape} and {test.shape}"
    return (f"{name} = {value} matches no size of the arrays (their shapes are {shapes}): a number typed in "
            f"(hard-coded, e.g. copied from a printout) does not follow the data. Read it from the array's shape: "
            f"{_DIMENSION_HINTS[name]}")


@_exercise_test
def dimensions_test(train_set_x_orig, test_set_x_orig, m_train, m_test, n_mels, time_steps) -> None:
    """Exercise 1: ``m_train``, ``m_test``, ``n_mels``, ``time_steps`` from the dataset arrays.

    Call it as ``dimensions_test(train_set_x_orig, test_set_x_orig, m_train, m_test, n_mels, time_steps)``.
    """
    ex = "dimensions"
    for name, array in (("train_set_x_orig", train_set_x_orig), ("test_set_x_orig", test_set_x_orig)):
        if not isinstance(array, np.ndarray) or array.ndim != 3:
            _fail(ex, f"{name} should be the (m, n_mels, time_steps) array from load_dataset()",
                  expected="a 3-D numpy array", got=show(array), cause="run the data-loading cell again: the dataset array was replaced.")
    expected = {
        "m_train": train_set_x_orig.shape[0],
        "m_test": test_set_x_orig.shape[0],
        "n_mels": train_set_x_orig.shape[1],
        "time_steps": train_set_x_orig.shape[2],
    }
    got = {"m_train": m_train, "m_test": m_test, "n_mels": n_mels, "time_steps": time_steps}
    hints = _DIMENSION_HINTS
    for name, value in got.items():
        if isinstance(value, (tuple, list)):
            _fail(ex, f"{name} should be one integer", expected=str(expected[name]), got=show(value),
                  cause=f"{name} holds a whole shape; pick one entry of it with [index]. {hints[name]}")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            cause = hints[name]
            if _is_number(value) and float(value) == expected[name]:
                cause = f"{name} counts something, so it should be an int, as .shape gives it."
            _fail(ex, f"{name} should be an integer", expected=str(expected[name]), got=show(value), cause=cause)
    partner = {"m_train": "m_test", "m_test": "m_train", "n_mels": "time_steps", "time_steps": "n_mels"}
    for name, value in got.items():
        if value != expected[name]:
            other = partner[name]
            cause = hints[name]
            if value == expected[other] and expected[other] != expected[name]:
                if got[other] == expected[name]:
                    cause = f"{name} and {other} look swapped. {hints[name]}"
                else:
                    cause = f"{name} has the value of {other} ({expected[other]}). {hints[name]}"
            elif value == 1 and name in ("m_train", "m_test"):
                split = name[2:]
                cause = (f"1 is the size of the first axis of the labels {split}_set_y, whose shape is (1, m_{split}). "
                         f"{hints[name]}")
            else:
                cause = _dimension_confusion(name, value, expected[name], train_set_x_orig, test_set_x_orig) or cause
            _fail(ex, f"{name} is wrong", expected=str(expected[name]), got=show(value), cause=cause)
    _passed()


@_exercise_test
def flatten_test(train_set_x_orig, test_set_x_orig, train_set_x_flatten, test_set_x_flatten) -> None:
    """Exercise 2: one column per clip, ``X.reshape(X.shape[0], -1).T``.

    Call it as ``flatten_test(train_set_x_orig, test_set_x_orig, train_set_x_flatten, test_set_x_flatten)``.
    """
    ex = "flatten"
    for split, orig, flat in (("train", train_set_x_orig, train_set_x_flatten),
                              ("test", test_set_x_orig, test_set_x_flatten)):
        name = f"{split}_set_x_flatten"
        if not isinstance(orig, np.ndarray) or orig.ndim != 3:
            _fail(ex, f"{split}_set_x_orig should be the (m, n_mels, time_steps) array from load_dataset()",
                  expected="a 3-D numpy array", got=show(orig), cause="run the data-loading cell again: the dataset array was replaced.")
        m, n = orig.shape[0], orig.shape[1] * orig.shape[2]
        expected = orig.reshape(m, -1).T
        other = test_set_x_orig if split == "train" else train_set_x_orig
        shape_causes = {
            orig.shape: "the array was not flattened: reshape it to (n_mels * time_steps, m).",
            (m * n,): (f"all clips were flattened into one long vector (X.flatten() or X.ravel() joins every clip): "
                       f"keep one column per clip, {split}_set_x_orig.reshape({split}_set_x_orig.shape[0], -1).T."),
        }
        if isinstance(other, np.ndarray) and other.ndim == 3 and other.shape[0] != m:
            for shape in ((n, other.shape[0]), (other.shape[0], n)):
                shape_causes[shape] = f"this looks like the other split: flatten {split}_set_x_orig into {name}."
        if isinstance(other, np.ndarray) and other.ndim == 3 and other.shape[0] not in (m, 0) \
                and orig.size % other.shape[0] == 0:
            other_split = "test" if split == "train" else "train"
            count = other.shape[0]
            clips = {"train": "training clips", "test": "test clips"}[other_split]
            borrowed = (f"{name} is built with the number of {clips} ({count}, {other_split}_set_x_orig.shape[0]) "
                        f"instead of its own: {split}_set_x_orig.reshape({split}_set_x_orig.shape[0], -1).T (a line "
                        f"copied from the {other_split} set keeps the {other_split} set's count).")
            shape_causes.setdefault((orig.size // count, count), borrowed)
            shape_causes.setdefault((count, orig.size // count), borrowed)
        shape_causes[(m, n)] = "one *row* per clip; the lab wants one *column* per clip: add .T (transpose)."
        mistakes = [
            (orig.reshape(-1, m) if orig.size % max(m, 1) == 0 else None,
             "X.reshape(-1, m) has the right shape but mixes values of different clips in each column: "
             "reshape to (m, -1) first, one row per clip, then transpose: X.reshape(X.shape[0], -1).T."),
            (orig.T.reshape(-1, m),
             "each column is one clip, but read time-first (X.T.reshape(-1, m)). The lab flattens each "
             "spectrogram row by row, X.reshape(X.shape[0], -1).T, so that the learned weights can be "
             "reshaped back into a (n_mels, time_steps) picture later."),
        ]
        _require_array(ex, name, flat, expected, mistakes=[mk for mk in mistakes if mk[0] is not None],
                       shape_causes=shape_causes,
                       fallback=f"{name} = {split}_set_x_orig.reshape({split}_set_x_orig.shape[0], -1).T")
    _passed()


# --------------------------------------------------------------------------------------------
# Exercise 3: sigmoid.
# --------------------------------------------------------------------------------------------


def _sigmoid_mistakes(z) -> list[tuple[Any, str]]:
    z = np.asarray(z, dtype=float)
    with np.errstate(all="ignore"):
        return [
            (1.0 / (1.0 + np.exp(z)),
             "sign error: the result is 1 - sigmoid(z); the formula is 1 / (1 + np.exp(-z)). Both 1 / (1 + np.exp(z)) "
             "and np.exp(-z) / (1 + np.exp(-z)) (e^(-z) in the numerator, which should be 1) give 1 - sigmoid(z)."),
            (1.0 + np.exp(-z),
             "the result is 1 + e^(-z), the denominator alone: the '1 /' is missing, or applies to the wrong part "
             "(operator precedence: 1/1 + np.exp(-z) divides 1 by 1 first). Put the denominator in parentheses: "
             "1 / (1 + np.exp(-z))."),
            (np.exp(-z), "only e^(-z) is computed; sigmoid is 1 / (1 + e^(-z))."),
            (1.0 / np.exp(-z), "the '1 +' in the denominator is missing: 1 / (1 + np.exp(-z))."),
            (1.0 / (1.0 - np.exp(-z)), "the denominator is 1 + e^(-z), with a plus."),
            (np.exp(z) / (1.0 - np.exp(z)), "the denominator is 1 + e^(z) in this form, with a plus."),
            (np.tanh(z), "tanh is a different function; sigmoid is 1 / (1 + e^(-z))."),
            (1.0 / (1.0 + np.exp(-z)) > 0.5, "the result is thresholded to 0/1; sigmoid returns probabilities."),
            (z, "z is returned unchanged: compute s = 1 / (1 + np.exp(-z))."),
            (1.0 // (1.0 + np.exp(-z)),
             "every value is rounded down (to 0): // is floor division, which keeps only the whole part of "
             "1 / (1 + e^(-z)). Divide with /: s = 1 / (1 + np.exp(-z))."),
        ]


_SIGMOID_CHECK = np.array([-4.0, -2.0, -0.5, 0.5, 2.0, 4.0])


def _sigmoid_confirmed(target: Callable, z) -> Callable:
    """The typical mistakes that match at ``z`` *and* on a wider range of values (one value can mislead)."""

    def confirmed():
        theirs = _quiet(target, _SIGMOID_CHECK.copy())
        for (value, cause), (value_there, _) in zip(_sigmoid_mistakes(z), _sigmoid_mistakes(_SIGMOID_CHECK)):
            if theirs is None or _close(theirs, value_there):
                yield value, cause
    return confirmed


def _sigmoid_where_wrong(target: Callable) -> str | None:
    """Right on one side of 0 only: something changes the sign of z."""
    theirs = _quiet(target, _SIGMOID_CHECK.copy())
    if not isinstance(theirs, np.ndarray) or theirs.shape != _SIGMOID_CHECK.shape:
        return None
    right = np.isclose(theirs.astype(float), _ref_sigmoid(_SIGMOID_CHECK), rtol=RTOL, atol=ATOL)
    negative = _SIGMOID_CHECK < 0
    if np.all(right[~negative]) and not np.any(right[negative]):
        side, other = "z >= 0", "negative z"
    elif np.all(right[negative]) and not np.any(right[~negative]):
        side, other = "negative z", "positive z"
    else:
        return None
    return (f"sigmoid is right for {side} but wrong for {other}: something changes the sign of z (np.abs, "
            f"a square, a max with 0, ...). Compute 1 / (1 + np.exp(-z)) on z as it is.")


@_exercise_test
def sigmoid_test(target: Callable) -> None:
    """Exercise 3: ``sigmoid(z)`` on numbers and on arrays of any shape."""
    ex = "sigmoid"
    fallback = "sigmoid(z) = 1 / (1 + np.exp(-z)), computed with NumPy so it works on arrays."
    where = _Lazy(lambda: _sigmoid_where_wrong(target))
    for z in (2.0, 0, -1.5):
        got = _call(ex, target, (z,), call=f"sigmoid({z!r})")
        if got is None:
            _fail(ex, f"sigmoid({z!r}) returned None", expected=f"{float(_ref_sigmoid(z)):.8f}", got="None", cause="the function has no 'return s' (or returns nothing).")
        if isinstance(got, list):
            _fail(ex, f"sigmoid({z!r}) should be a number", expected=f"{float(_ref_sigmoid(z)):.8f}", got=show(got),
                  cause="the result is a Python list: a loop or list comprehension (often with math.exp) builds a "
                        "list. Use np.exp on z directly: s = 1 / (1 + np.exp(-z)) works on numbers and whole "
                        "arrays alike.")
        if not _is_number(got) and not (isinstance(got, np.ndarray) and got.size == 1):
            _fail(ex, f"sigmoid({z!r}) should be one number", expected=f"{float(_ref_sigmoid(z)):.8f}",
                  got=show(got), cause=fallback)
        _require_number(ex, f"sigmoid({z!r})", got if _is_number(got) else np.asarray(got).reshape(()),
                        float(_ref_sigmoid(z)), mistakes=_sigmoid_confirmed(target, z), fallback=fallback,
                        probe_more=where)

    inputs = [
        np.array([-1.0, 0.0, 2.0]),
        np.array([[-3, 1, 4, 0]]),  # ints, and the (1, m) shape sigmoid gets in propagate
        np.array([[0.5, -0.25], [10.0, -10.0], [30.0, -30.0]]),
    ]
    for z in inputs:
        call = f"sigmoid(np.array({z.tolist()}))"
        original = z.copy()
        got = _call(ex, target, (z,), call=call)
        if not np.array_equal(z, original):
            _fail(ex, "sigmoid changed the array passed to it", expected=f"z unchanged: {show(original)}",
                  got=f"z after the call: {show(z)}",
                  cause="an in-place operation such as z *= -1 or z[...] = ... modifies the caller's array. "
                        "Compute a new array: s = 1 / (1 + np.exp(-z)).")
        _require_array(ex, call, got, _ref_sigmoid(z), mistakes=_sigmoid_confirmed(target, z),
                       shape_causes={(): "a single number came back for an array: use np.exp, which keeps "
                                         "the array's shape, not math.exp or a loop that keeps one value."},
                       fallback=fallback, probe_more=where)
    _passed()


# --------------------------------------------------------------------------------------------
# Exercise 4: initialize_with_zeros.
# --------------------------------------------------------------------------------------------


def _check_initialization(ex: str, target: Callable, dim: int) -> tuple[np.ndarray, Any]:
    result = _call(ex, target, (dim,), call=f"initialize_with_zeros({dim})")
    w, b = _unpack(ex, result, ("w", "b"), hint="end the function with 'return w, b'.")
    if _is_number(w) and isinstance(b, np.ndarray):
        _fail(ex, "w and b come back in the wrong order", expected="w (an array), b (a number)",
              got=f"{show(w)}, then {show(b)}", cause="return w, b (in this order).")
    shape_causes = {
        (dim,): f"np.zeros(dim) makes a flat array of shape ({dim},). w is a column vector: "
                f"np.zeros((dim, 1)) -- note the shape is one tuple, hence the double parentheses.",
        (1, dim): "np.zeros((1, dim)) is a row vector; w is a column vector of shape (dim, 1).",
        (dim, dim): "np.zeros((dim, dim)) is a square matrix; w has shape (dim, 1).",
    }
    fallback = "w starts as all zeros, of shape (dim, 1): w = np.zeros((dim, 1))."
    local = _Lazy(lambda: _global_data_cause(ex, target))
    ignores_dim = _Lazy(lambda: _dim_ignored(target, w))
    if isinstance(w, np.ndarray) and w.shape == (dim, 1) and w.dtype.kind in "biuf" and np.any(w != 0) \
            and np.any(w != 1) and len(np.unique(w)) > 1:
        fallback = ("w holds different non-zero values (random numbers?): logistic regression starts from "
                    "zeros, w = np.zeros((dim, 1)).")
    _require_array(ex, "w", w, np.zeros((dim, 1)), shape_causes=shape_causes,
                   mistakes=[(np.ones((dim, 1)), "np.ones gives ones; the weights start at zero: np.zeros((dim, 1)).")],
                   fallback=fallback, earlier=local, probe_more=ignores_dim)
    if w.dtype.kind != "f":
        _fail(ex, "w should hold floats", expected="dtype float64", got=f"dtype {w.dtype}",
              cause="np.zeros((dim, 1)) gives floats; a dtype=int argument makes gradient updates round to integers.")
    if not _is_number(b):
        cause = "b is a single number: b = 0.0."
        if isinstance(b, np.ndarray):
            cause = f"b is an array of shape {b.shape}; it should be the plain number 0.0 (b = 0.0)."
        _fail(ex, "b should be a single number", expected="0.0 (a float)", got=show(b), cause=cause)
    if not _is_float(b):
        _fail(ex, "b should be a float", expected="0.0 (a float)", got=show(b),
              cause="b = 0 is an int; write b = 0.0 so that b is a float like the values it will take.")
    if float(b) != 0.0:
        _fail(ex, "b should be zero", expected="0.0", got=show(b), cause="b = 0.0.")
    return w, b


def _dim_ignored(target: Callable, w) -> str | None:
    """w has the same shape for other values of dim: the argument is not used."""
    shapes = []
    for dim in (3, 7):
        result = _quiet(target, dim)
        if not isinstance(result, tuple) or len(result) != 2:
            return None
        shapes.append(np.shape(result[0]))
    if shapes[0] == shapes[1] == np.shape(w):
        return (f"the argument dim is ignored: w has shape {np.shape(w)} whatever dim is (3, then 7). Use it: "
                f"w = np.zeros((dim, 1)).")
    return None


@_exercise_test
def initialize_with_zeros_test_1(target: Callable) -> None:
    """Exercise 4, first test: types and values for a small ``dim``."""
    _check_initialization("initialize_with_zeros", target, 2)
    _passed()


@_exercise_test
def initialize_with_zeros_test_2(target: Callable) -> None:
    """Exercise 4, second test: the shape follows ``dim`` (including the lab's 16640)."""
    ex = "initialize_with_zeros"
    for dim in (1, 5, 16640):
        try:
            w, _ = _check_initialization(ex, target, dim)
        except AssertionError as error:
            first = _call(ex, target, (3,), call="initialize_with_zeros(3)")
            again = _call(ex, target, (7,), call="initialize_with_zeros(7)")
            same = (isinstance(first, tuple) and isinstance(again, tuple) and len(first) == len(again) == 2
                    and np.shape(first[0]) == np.shape(again[0]))
            if same:
                _fail(ex, f"w has the same shape {np.shape(first[0])} whatever dim is",
                      expected=f"shape ({dim}, 1) for dim={dim}", got=show(first[0]),
                      cause="the argument dim is ignored: use it, w = np.zeros((dim, 1)).")
            raise error from None
    _passed()


# --------------------------------------------------------------------------------------------
# Exercise 5: propagate.
# --------------------------------------------------------------------------------------------


def _propagate_mistakes(w, b, X, Y) -> dict[str, list[tuple[Any, str]]]:
    """dw, db and cost as the typical wrong implementations compute them (any shape)."""
    m, n = X.shape[1], X.shape[0]
    with np.errstate(all="ignore"):
        Z = w.T @ X + b
        A = _ref_sigmoid(Z)
        A0 = _ref_sigmoid(w.T @ X)
        A_out = A0 + b  # b added after the sigmoid
        A_neg = _ref_sigmoid(-Z)  # 1 / (1 + np.exp(z))
        A_col = _ref_sigmoid(X.T @ w + b)  # (m, 1): np.dot(X.T, w)
        L = Y * np.log(A) + (1 - Y) * np.log(1 - A)  # per-example log-likelihood, (1, m)
        grads, cost = _ref_propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]

        def cost_of(probabilities):
            return -np.mean(Y * np.log(probabilities) + (1 - Y) * np.log(1 - probabilities))

        no_m = ("the 1/m factor is missing (the result is m times too large), or m is wrong: "
                "m = X.shape[1], the number of examples (Y.shape[0] is 1).")
        by_n = ("divided by the number of features X.shape[0] instead of the number of examples "
                "m = X.shape[1].")
        by_size = ("divided by X.size, the number of every entry of X (n * m), instead of the number of examples "
                   "m = X.shape[1].")
        no_b = "b is left out of the activation: A = sigmoid(np.dot(w.T, X) + b)."
        outside = ("b is added after the sigmoid: A = sigmoid(np.dot(w.T, X)) + b shifts the probabilities. b "
                   "belongs inside the sigmoid, with the weighted sum: A = sigmoid(np.dot(w.T, X) + b).")
        no_sig = "the sigmoid is missing: A = sigmoid(np.dot(w.T, X) + b), not just np.dot(w.T, X) + b."
        neg = ("the probabilities have a sign error: A = sigmoid(np.dot(w.T, X) + b) is 1 / (1 + np.exp(-z)); "
               "1 / (1 + np.exp(z)) gives 1 - A.")
        col = ("A is a column (m, 1): np.dot(X.T, w) gives one row per example, and A - Y then broadcasts to an "
               "(m, m) array. A must be a row (1, m), like Y: A = sigmoid(np.dot(w.T, X) + b).")
        twice = "divided by m twice: np.mean already divides by m, so drop the extra / m (or use np.sum)."
        return {
            "dw": [
                (dw * m, "dw: " + no_m + " dw = (1/m) * np.dot(X, (A - Y).T)."),
                (-dw, "sign error in dw: it is (1/m) X (A - Y)^T, with A - Y (not Y - A)."),
                (dw * m / n, "dw: " + by_n),
                (dw / n, "dw: " + by_size),
                (X @ (A0 - Y).T / m, "dw: " + no_b),
                (X @ (A_out - Y).T / m, "dw: " + outside),
                (X @ (A_neg - Y).T / m, "dw: " + neg),
                (X @ (Z - Y).T / m, "dw: " + no_sig),
                (X @ A.T / m, "dw: Y is missing, the gradient uses the error A - Y."),
                (dw / m, "dw: " + twice),
                (np.zeros_like(dw), "dw is all zeros: 1 // m is integer division, which gives 0 for m > 1. Divide "
                                    "with /: dw = np.dot(X, (A - Y).T) / m (or (1 / m) * ...)."),
                (X @ (A_col - Y).T / m, "dw: " + col),
                (X * (A - Y) / m, "dw has one value per example: X * (A - Y) multiplies element by element. The "
                                  "gradient is the matrix product np.dot(X, (A - Y).T), which also sums over the "
                                  "examples."),
                (np.sum(X * (A - Y), axis=0, keepdims=True) / m,
                 "dw: np.sum(..., axis=0) adds up the features of each example; the gradient adds up over the "
                 "examples (axis=1, keepdims=True), or simply dw = np.dot(X, (A - Y).T) / m, shape (n, 1)."),
                (np.sum(X * (A - Y), axis=0) / m,
                 "dw: np.sum(..., axis=0) adds up the features of each example; the gradient adds up over the "
                 "examples (axis=1, keepdims=True), or simply dw = np.dot(X, (A - Y).T) / m, shape (n, 1)."),
            ],
            "db": [
                (db * m, "db: " + no_m + " db = (1/m) * np.sum(A - Y)."),
                (-db, "sign error in db: it is (1/m) * sum(A - Y), with A - Y (not Y - A)."),
                (db * m / n, "db: " + by_n),
                (db / n, "db: " + by_size),
                (np.mean(A0 - Y), "db: " + no_b),
                (np.mean(A_out - Y), "db: " + outside),
                (np.mean(A_neg - Y), "db: " + neg),
                (np.mean(Z - Y), "db: " + no_sig),
                (np.mean(A), "db: Y is missing, the gradient uses the error A - Y."),
                (np.mean(dw), "db is the mean of dw; it is (1/m) * np.sum(A - Y)."),
                (db / m, "db: " + twice),
                (0.0, "db is 0: 1 // m is integer division, which gives 0 for m > 1. Divide with /: "
                      "db = np.sum(A - Y) / m."),
                ((A - Y)[0] / m, "db: np.sum(A - Y, axis=0) sums each column of the (1, m) array on its own, one "
                                 "value per example: sum over everything, db = np.sum(A - Y) / m."),
                ((A - Y)[0], "db: np.mean(A - Y, axis=0) averages each column of the (1, m) array on its own, one "
                             "value per example: db = np.mean(A - Y) (no axis)."),
            ],
            "cost": [
                (cost * m, "cost: " + no_m + " (np.sum over the examples needs the 1/m in front; np.mean includes it)."),
                (-cost, "sign error in the cost: J = -(1/m) * sum(Y log A + (1 - Y) log(1 - A)), with the minus."),
                (cost * m / n, "cost: " + by_n),
                (cost / n, "cost: " + by_size),
                (-np.mean(Y * np.log(A)), "cost: the (1 - Y) * log(1 - A) term is missing."),
                (-np.mean((1 - Y) * np.log(1 - A)), "cost: the Y * log(A) term is missing."),
                (-np.mean(Y * np.log10(A) + (1 - Y) * np.log10(1 - A)),
                 "cost: np.log10 is the base-10 logarithm; the cost uses the natural logarithm np.log."),
                (cost_of(A0), "cost: " + no_b),
                (-np.mean(Y * np.log(1 - A) + (1 - Y) * np.log(A)),
                 "cost: log(A) and log(1 - A) are swapped: Y goes with log(A), (1 - Y) with log(1 - A)."),
                (cost_of(A_out), "cost: " + outside),
                (-np.mean(Y * np.log(A) - (1 - Y) * np.log(1 - A)),
                 "cost: the two terms are added, Y log A + (1 - Y) log(1 - A), then negated."),
                (-np.mean(Y * np.log(A) + (1 - Y) * (1 - np.log(A))),
                 "cost: the second term is written with 1 - np.log(A); it is the log of 1 - A: "
                 "(1 - Y) * np.log(1 - A)."),
                (-np.mean(Y * np.log(A) + np.log(1 - A)),
                 "cost: the (1 - Y) factor of the second term is left out: (1 - Y) * np.log(1 - A)."),
                (-np.mean(Y * np.log(A) + (1 - Y) * np.log(A)),
                 "cost: the second term uses np.log(A) again; it is the log of 1 - A: (1 - Y) * np.log(1 - A)."),
                (0.0, "cost is 0: 1 // m is integer division, which gives 0 for m > 1. Divide with /: "
                      "cost = -np.sum(...) / m (or (1 / m) * ...)."),
                (cost / m, "cost: " + twice),
                (-np.sum(Y.T * np.log(A) + (1 - Y).T * np.log(1 - A)) / m,
                 "cost: Y.T * np.log(A) broadcasts a column (m, 1) against a row (1, m) into an (m, m) array, so "
                 "every label meets every probability. Y and A are both (1, m): multiply them as they are, "
                 "Y * np.log(A) + (1 - Y) * np.log(1 - A)."),
                (-L[0] / m, "cost: np.sum(..., axis=0) sums each column of the (1, m) array on its own, one value "
                            "per example: sum over everything, np.sum(...) without axis (or axis=1, then np.squeeze)."),
                (-L[0], "cost: np.mean(..., axis=0) averages each column of the (1, m) array on its own, one value "
                        "per example: take the mean over everything, np.mean(...) without axis."),
                (-(Y.T @ np.log(A) + (1 - Y).T @ np.log(1 - A)) / m,
                 "cost: np.dot(Y.T, np.log(A)) is an (m, m) outer product, the operands are in the wrong order: "
                 "np.dot(Y, np.log(A).T) gives the (1, 1) sum (then np.squeeze), or use Y * np.log(A) with np.sum."),
            ],
        }


def _check_propagate_call(ex: str, target: Callable, w, b, X, Y) -> None:
    n, m = X.shape
    before = {"w": w.copy(), "X": X.copy(), "Y": Y.copy()}
    call = f"propagate(w, b, X, Y) with w {w.shape}, X {X.shape}, Y {Y.shape}"
    probe = _Probe(n=n, m=m, names={"w": w, "b": b, "X": X, "Y": Y})
    result = _call(ex, target, (w, b, X, Y), call=call, probe=probe)
    grads, cost = _unpack(ex, result, ("grads", "cost"), hint="end the function with 'return grads, cost'.")
    if isinstance(cost, dict) and not isinstance(grads, dict):
        _fail(ex, "grads and cost come back in the wrong order", expected="grads (a dict), cost (a number)",
              got=f"{show(grads)}, then {show(cost)}", cause="return grads, cost (in this order).")
    if not isinstance(grads, dict):
        _fail(ex, "grads should be a dictionary", expected="{'dw': dw, 'db': db}", got=show(grads),
              cause="grads is a dictionary, not a tuple: build it as grads = {'dw': dw, 'db': db}.")
    if set(grads) != {"dw", "db"}:
        _fail(ex, "grads has the wrong keys", expected="keys ['dw', 'db']", got=show(grads),
              cause="the keys are the lower-case strings 'dw' and 'db', and nothing else.")
    _require_unchanged(ex, before, {"w": w, "X": X, "Y": Y})

    (ref_grads, ref_cost), mistakes = _ref_propagate(w, b, X, Y), _propagate_mistakes(w, b, X, Y)
    earlier = _Lazy(lambda: _local_cause(ex, target))
    dw_shapes = {
        (n,): "dw is a flat (n,) array; it must be a column (n, 1) like w. np.sum(..., axis=1) drops that axis "
              "(add keepdims=True); np.dot(X, (A - Y).T) keeps the column shape.",
        (1, n): "dw is a row (1, n): the operands of the product are in the wrong order. It must be a column "
                "(n, 1) like w: np.dot(X, (A - Y).T), not np.dot(A - Y, X.T).",
        (n, m): "dw has one value per example: the product over examples is missing. Use the matrix "
                "product np.dot(X, (A - Y).T) instead of the element-wise X * (A - Y).",
        (n, n): "A seems to have shape (n, m) instead of (1, m): w * X multiplies element by element; "
                "use the matrix product np.dot(w.T, X).",
        (m, 1): "dw has one value per example: the gradient is np.dot(X, (A - Y).T), of shape (n, 1).",
    }
    _require_array(ex, "dw", grads["dw"], ref_grads["dw"], mistakes=mistakes["dw"], shape_causes=dw_shapes,
                   fallback="dw = (1/m) * np.dot(X, (A - Y).T) with A = sigmoid(np.dot(w.T, X) + b).",
                   earlier=earlier)
    _require_number(ex, "db", grads["db"], ref_grads["db"], mistakes=mistakes["db"],
                    fallback="db = (1/m) * np.sum(A - Y).", earlier=earlier)
    _require_number(ex, "cost", cost, ref_cost, mistakes=mistakes["cost"],
                    fallback="cost = -(1/m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)).", earlier=earlier)


@_exercise_test
def propagate_test(target: Callable) -> None:
    """Exercise 5: ``propagate(w, b, X, Y)`` -> ``({"dw": (n, 1), "db": float}, cost)``."""
    ex = "propagate"
    w = np.array([[0.5], [-1.0], [0.25]])
    X = np.array([[1.0, -2.0, 0.5, 3.0], [0.5, 1.0, -1.5, 2.0], [-1.0, 0.0, 2.0, 1.0]])
    _check_propagate_call(ex, target, w, 0.5, X, np.array([[1, 0, 1, 0]]))  # int labels, Python float b
    w2 = np.array([[0.1], [-0.3]])
    X2 = np.array([[0.2, 0.9, 0.4, 0.1, 0.7], [0.8, 0.3, 0.5, 0.6, 0.0]])
    Y2 = np.array([[1.0, 0.0, 0.0, 1.0, 1.0]])  # float labels, NumPy float b, a different m
    _check_propagate_call(ex, target, w2, np.float64(-0.2), X2, Y2)
    _passed()


# --------------------------------------------------------------------------------------------
# Exercise 6: optimize.
# --------------------------------------------------------------------------------------------


def _optimize_inputs():
    w = np.array([[0.1], [-0.2], [0.3]])
    X = np.array([[1.0, -0.5, 2.0, 0.0, 1.5], [0.5, 1.0, -1.0, 2.0, 0.0], [-1.0, 0.5, 0.0, 1.0, 1.0]])
    Y = np.array([[1, 0, 1, 0, 1]])
    return w, 0.5, X, Y


def _learned(target: Callable, w, b, X, Y, iterations: int, rate: float):
    """(w, b) the learner's optimize returns for these settings, or None if anything goes wrong."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            params = target(np.array(w, dtype=float), b, X, Y, num_iterations=iterations, learning_rate=rate)[0]
        w_out, b_out = np.asarray(params["w"], dtype=float), params["b"]
        if w_out.shape != np.shape(w) or not _is_number(b_out) and np.size(b_out) != 1:
            return None
        return w_out, float(np.squeeze(b_out))
    except Exception:  # noqa: BLE001 - a probe that fails tells nothing
        return None


def _step_rate(target: Callable, w, b, X, Y, rate: float) -> float | None:
    """The rate of the learner's update, measured on a one-step call (None if it is not one plain step)."""
    learned = _learned(target, w, b, X, Y, 1, rate)
    if learned is None:
        return None
    grads, _ = _ref_propagate(np.array(w, dtype=float), float(b), X, Y)
    gradient = np.append(grads["dw"].ravel(), grads["db"])
    moved = np.append(np.asarray(w, dtype=float).ravel() - learned[0].ravel(), float(b) - learned[1])
    scale = float(gradient @ moved / (gradient @ gradient))
    return scale if _close(moved, scale * gradient) else None


def _optimize_forensics(target: Callable, w, b, X, Y, iterations: int, rate: float, learned,
                        costs_counted: bool = False, within_model: bool = False) -> str | None:
    """Why the learner's optimize ends somewhere else: steps taken and rate used, from more calls.

    ``within_model``: ``target`` is model seen through optimize's signature (its optimize passes its
    own test), so a wrong count or rate means model does not pass its arguments on.
    """
    longest = max(2 * iterations + 2, 2001)  # 2000: the iteration count of model's default
    path = _Trajectory(w, b, X, Y, rate)
    steps = path.steps_to(learned, longest)
    if steps is not None and steps != iterations:
        other = 1 if iterations != 1 else 3
        other_steps = path.steps_to(_learned(target, w, b, X, Y, other, rate), longest)
        if other_steps == steps and within_model:
            return (f"num_iterations is not passed on to optimize: training took {steps} gradient steps whatever "
                    f"num_iterations was ({iterations}, then {other}). Call optimize(w, b, X_train, Y_train, "
                    f"num_iterations=num_iterations, learning_rate=learning_rate, print_cost=print_cost).")
        if other_steps == steps:
            return (f"the num_iterations argument is ignored: optimize took {steps} gradient steps whatever "
                    f"num_iterations was ({iterations}, then {other}): loop with for i in range(num_iterations), "
                    f"without a fixed number.")
        if within_model:
            return None
        if steps == iterations - 1 and costs_counted:
            return ("the first update does nothing: w and b are updated before propagate computes the gradient "
                    "of the current iteration (the gradient used first is a starting value such as zeros), so "
                    "only num_iterations - 1 steps count. In each iteration, first grads, cost = propagate(w, b, "
                    "X, Y), then the update.")
        if other_steps is not None and steps - iterations == other_steps - other and abs(steps - iterations) == 1:
            more = steps > iterations
            how = ("range(num_iterations + 1) or a test with <=" if more else
                   "range(1, num_iterations), which skips i = 0")
            return (f"off by one: optimize took {steps} gradient steps for num_iterations={iterations}, one "
                    f"iteration too {'many' if more else 'few'} (a loop such as {how}). for i in "
                    f"range(num_iterations) runs exactly num_iterations steps, i = 0, 1, ..., num_iterations - 1.")
        return (f"optimize took {steps} gradient steps for num_iterations={iterations}: loop exactly "
                f"num_iterations times, for i in range(num_iterations).")
    first, second = 0.1, 0.2
    used = [_step_rate(target, w, b, X, Y, r) for r in (first, second)]
    if None in used:
        return None
    if within_model:
        if np.isclose(used[0], used[1], rtol=1e-6):
            return (f"learning_rate is not passed on to optimize: training used rate {used[0]:.6g} whatever "
                    f"learning_rate was ({first}, then {second}). Call optimize(w, b, X_train, Y_train, "
                    f"num_iterations=num_iterations, learning_rate=learning_rate, print_cost=print_cost).")
        return None
    if np.isclose(used[0], used[1], rtol=1e-6):
        if np.isclose(used[0], 1.0, rtol=1e-6):
            return ("the step is not multiplied by learning_rate: w = w - dw moves by the whole gradient. "
                    "w = w - learning_rate * dw, b = b - learning_rate * db.")
        default = " (the default of learning_rate)" if np.isclose(used[0], 0.009) else ""
        return (f"the learning_rate argument is ignored: every call stepped with rate {used[0]:.6g}{default} "
                f"whatever learning_rate was ({first}, then {second}) -- a fixed (hard-coded) value. Use the "
                f"parameter learning_rate in the update, and do not assign it inside the function.")
    ratios = [used[0] / first, used[1] / second]
    if not np.isclose(ratios[0], ratios[1], rtol=1e-6) or np.isclose(ratios[0], 1.0, rtol=1e-6):
        return None
    m = X.shape[1]
    if np.isclose(ratios[0], -1.0):
        return "gradient ascent: the update goes against the gradient, w = w - learning_rate * dw (minus, not plus)."
    if np.isclose(ratios[0], 1 / m):
        return ("the step is divided by m: dw and db already hold the 1/m average (propagate computes it), so "
                "the update is just w = w - learning_rate * dw.")
    if np.isclose(ratios[0], m):
        return "the step is multiplied by m: the update is w = w - learning_rate * dw, with dw from propagate."
    return (f"every step is {ratios[0]:.4g} times learning_rate * dw: the update is w = w - learning_rate * dw "
            f"and b = b - learning_rate * db, nothing more.")


@_exercise_test
def optimize_test(target: Callable) -> None:
    """Exercise 6: gradient descent, one cost every 100 iterations (checked with several settings)."""
    ex = "optimize"
    w, b, X, Y = _optimize_inputs()
    n, m = X.shape
    iterations, rate = 250, 0.05
    before = {"X": X.copy(), "Y": Y.copy()}
    w_given = w.copy()
    call = f"optimize(w, b, X, Y, num_iterations={iterations}, learning_rate={rate})"
    probe = _Probe(n=n, m=m, names={"w": w, "b": b, "X": X, "Y": Y})
    result = _call(ex, target, (w, b, X, Y), {"num_iterations": iterations, "learning_rate": rate}, call=call,
                   probe=probe)
    note = None
    if not np.array_equal(w, w_given):
        note = ("optimize changed the w array it was given (w -= ... updates the caller's array in place). "
                "That works here, but writing w = w - learning_rate * dw avoids surprising the caller.")
    _require_unchanged(ex, before, {"X": X, "Y": Y})
    params, grads, costs = _unpack(ex, result, ("params", "grads", "costs"),
                                   hint="end the function with 'return params, grads, costs'.")
    for name, value, keys in (("params", params, {"w", "b"}), ("grads", grads, {"dw", "db"})):
        if not isinstance(value, dict) or set(value) != keys:
            _fail(ex, f"{name} should be a dictionary with keys {sorted(keys)}", expected=f"keys {sorted(keys)}",
                  got=show(value),
                  cause="return params = {'w': w, 'b': b} and grads = {'dw': dw, 'db': db}, then costs.")

    earlier = _Lazy(lambda: _local_cause(ex, target))
    ref_params, ref_grads, ref_costs = _ref_optimize(w_given, b, X, Y, iterations, rate)
    variants = _Lazy(lambda: [
        (_ref_optimize(w_given, b, X, Y, iterations, -rate),
         "gradient ascent: the update goes against the gradient, w = w - learning_rate * dw (minus, not plus); same for b."),
        (_ref_optimize(w_given, b, X, Y, iterations, 0.009),
         "the learning_rate argument is ignored (0.009, the default, was used): use the parameter learning_rate in the update."),
        (_ref_optimize(w_given, b, X, Y, 100, rate),
         "the num_iterations argument is ignored (100 iterations were run): loop with for i in range(num_iterations)."),
        (_ref_optimize(w_given, b, X, Y, iterations, rate, update_w=False),
         "w is never updated: inside the loop, w = w - learning_rate * dw."),
        (_ref_optimize(w_given, b, X, Y, iterations, rate, update_b=False),
         "b is never updated: inside the loop, b = b - learning_rate * db."),
        (_ref_optimize(w_given, b, X, Y, iterations, rate, gradient_once=True),
         "the gradients are computed once and reused: call propagate(w, b, X, Y) inside the loop, every iteration."),
        (_ref_optimize(np.zeros_like(w_given), 0.0, X, Y, iterations, rate),
         "the w and b passed in are ignored (training started from zeros): start from the arguments."),
        (_ref_optimize(w_given, b, X, Y, iterations, rate, w_with_db=True),
         "w is updated with db, the gradient of b: each parameter takes its own gradient, "
         "w = w - learning_rate * dw and b = b - learning_rate * db."),
    ])
    fallback = ("each iteration: grads, cost = propagate(w, b, X, Y); w = w - learning_rate * grads['dw']; "
                "b = b - learning_rate * grads['db'].")
    if np.array_equal(np.asarray(params["w"]), w_given) and _is_number(params["b"]) and float(params["b"]) == b:
        _fail(ex, "params are the values passed in: nothing was learned", expected=show(ref_params["w"]),
              got=show(params["w"]),
              cause="the updated w and b are never stored: assign w = w - ..., b = b - ... inside the loop "
                    "and return them in params.")
    if isinstance(params["b"], np.ndarray) and params["b"].size > 1:
        _fail(ex, "params['b'] should be a single number", expected=f"{ref_params['b']:.6g} (a float)",
              got=show(params["b"]),
              cause=(earlier() or "b has become an array: b is updated with dw (an array) instead of db. Each "
                                  "parameter takes its own gradient: b = b - learning_rate * db."))
    learned = None
    if isinstance(params["w"], np.ndarray) and params["w"].shape == w_given.shape and _is_number(params["b"]):
        learned = (params["w"], float(params["b"]))
    costs_counted = isinstance(costs, (list, tuple, np.ndarray)) and len(costs) == len(ref_costs)
    forensics = _Lazy(lambda: _optimize_forensics(target, w_given, b, X, Y, iterations, rate, learned, costs_counted))
    w_mistakes = lambda: [(v[0]["w"], cause) for v, cause in variants()]  # noqa: E731
    transposed = ("w became (n, n): the update subtracts a row from the column w (e.g. learning_rate * dw.T, "
                  "shape (1, n)), which broadcasts to (n, n). Use dw as propagate returns it: "
                  "w = w - learning_rate * dw.")
    _require_array(ex, "params['w']", params["w"], ref_params["w"], mistakes=w_mistakes,
                   shape_causes={(n,): "w became flat (n,): keep the (n, 1) shapes of w and dw.",
                                 (n, n): transposed},
                   fallback=fallback, earlier=earlier, probe_more=forensics)
    b_mistakes = lambda: [(v[0]["b"], cause) for v, cause in variants()]  # noqa: E731
    _require_number(ex, "params['b']", params["b"], ref_params["b"], mistakes=b_mistakes, fallback=fallback,
                    earlier=earlier, probe_more=forensics)

    if not isinstance(costs, (list, tuple, np.ndarray)):
        _fail(ex, "costs should be a list", expected="a list of numbers", got=show(costs), cause="start with costs = [] and append to it.")
    expected_len = len(ref_costs)
    if len(costs) != expected_len:
        cause = "record the cost once every 100 iterations: if i % 100 == 0: costs.append(cost)."
        if len(costs) == iterations:
            cause = "a cost was recorded at every iteration; record it only when i % 100 == 0."
        elif len(costs) == expected_len - 1:
            cause = ("one cost is missing, the one of i = 0: the loop counts from 1 (e.g. range(1, num_iterations "
                     "+ 1)), so i % 100 == 0 first happens at i = 100. Count from 0: for i in range(num_iterations).")
        elif len(costs) == 0:
            cause = "nothing was appended to costs: if i % 100 == 0: costs.append(cost)."
            # A list emptied at every iteration ends empty unless the last i is a multiple of 100.
            try:
                with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                    short = target(w_given.copy(), b, X, Y, num_iterations=101, learning_rate=rate)[2]
            except Exception:  # noqa: BLE001 - the probe only refines the explanation
                short = None
            try:
                with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                    printing = target(w_given.copy(), b, X, Y, num_iterations=iterations, learning_rate=rate,
                                      print_cost=True)[2]
            except Exception:  # noqa: BLE001
                printing = None
            if isinstance(printing, (list, tuple, np.ndarray)) and len(printing) == expected_len:
                cause = ("costs are recorded only when print_cost is True: append the cost every 100 iterations "
                         "whatever print_cost is; print_cost only decides whether it is also printed.")
            elif isinstance(short, (list, tuple, np.ndarray)) and len(short) == 1:
                cause = ("costs = [] is inside the loop, so the list is emptied at every iteration (with 101 "
                         "iterations only the cost of i = 100 is left). Create costs = [] once, before the loop.")
        _fail(ex, f"costs should have {expected_len} entries for num_iterations={iterations} (i = 0, 100, 200)",
              expected=f"{expected_len} costs: {[round(c, 6) for c in ref_costs]}", got=f"{len(costs)} entries",
              cause=cause)
    after_update = _ref_optimize(w_given, b, X, Y, iterations, rate, record_after_update=True)[2]
    for k, (value, ref) in enumerate(zip(costs, ref_costs)):
        cost_mistakes = [(after_update[k], "the recorded cost is the one after the update; append the cost "
                                           "that propagate returned in iteration i.")]
        _require_number(ex, f"costs[{k}]", value, ref, mistakes=cost_mistakes,
                        fallback="costs[k] is the cost propagate returned in iteration i = 100 * k.")

    # grads: those of the last iteration (used for the last update); the ones at the final w, b pass too.
    final_grads = _ref_propagate(ref_params["w"], ref_params["b"], X, Y)[0]
    matches_final = _close(grads["dw"], final_grads["dw"]) and _close(grads["db"], final_grads["db"])
    if not matches_final:
        _require_array(ex, "grads['dw']", grads["dw"], ref_grads["dw"], mistakes=[],
                       fallback="return the grads computed by propagate in the last iteration.")
        _require_number(ex, "grads['db']", grads["db"], ref_grads["db"],
                        fallback="return the grads computed by propagate in the last iteration.")

    # A second probe with other settings (float labels, one iteration, another rate, print_cost=True): a
    # rate or an iteration count that only happens to equal the first probe's is not used correctly.
    w1 = np.array([[0.0], [0.0], [0.0]])
    Yf = Y.astype(float)
    result = _call(ex, target, (w1, 0.0, X, Yf), {"num_iterations": 1, "learning_rate": 0.1, "print_cost": True},
                   call="optimize(w, b, X, Y, num_iterations=1, learning_rate=0.1, print_cost=True)", probe=probe)
    params1, _, costs1 = _unpack(ex, result, ("params", "grads", "costs"),
                                 hint="end the function with 'return params, grads, costs'.")
    if not isinstance(params1, dict) or "w" not in params1 or not isinstance(costs1, (list, tuple, np.ndarray)):
        _fail(ex, "with num_iterations=1 the result has the wrong form", expected="params (dict), grads, costs (list)",
              got=show(result),
              cause="return params (a dict with 'w' and 'b'), grads and costs (a list) for any num_iterations.")
    ref1 = _ref_optimize(np.zeros((3, 1)), 0.0, X, Yf, 1, 0.1)
    learned1 = None
    if isinstance(params1.get("w"), np.ndarray) and params1["w"].shape == (3, 1) and _is_number(params1.get("b")):
        learned1 = (params1["w"], float(params1["b"]))
    _require_array(ex, "params['w'] after one iteration with learning_rate=0.1", params1["w"], ref1[0]["w"],
                   fallback=fallback,
                   probe_more=_Lazy(lambda: _optimize_forensics(target, np.zeros((3, 1)), 0.0, X, Yf, 1, 0.1, learned1)))
    if len(costs1) != 1:
        _fail(ex, "one iteration should record one cost (at i = 0)", expected="1 entry", got=f"{len(costs1)} entries",
              cause="record the cost when i % 100 == 0, which includes i = 0.")
    _passed(note)


# --------------------------------------------------------------------------------------------
# Exercise 7: predict.
# --------------------------------------------------------------------------------------------


def _predict_mistakes(w, b, X) -> list[tuple[np.ndarray, str]]:
    """The labels the typical wrong versions of predict give on these inputs, with their causes."""
    n, m = X.shape
    expected = _ref_predict(w, b, X)
    first_only = np.zeros((1, m))
    first_only[0, 0] = expected[0, 0]
    first_n = np.zeros((1, m))
    first_n[0, : min(n, m)] = expected[0, : min(n, m)]
    return [
        (1 - expected, "labels are inverted: 1 (speech) where A > 0.5, 0 (music) otherwise."),
        (_ref_predict(w, 0.0, X), "b is left out: A = sigmoid(np.dot(w.T, X) + b)."),
        ((_ref_sigmoid(w.T @ X) + b > 0.5).astype(float),
         "b is added after the sigmoid: sigmoid(np.dot(w.T, X)) + b. b belongs inside the sigmoid, with the "
         "weighted sum: A = sigmoid(np.dot(w.T, X) + b)."),
        ((w.T @ X + b > 0.5).astype(float), "the threshold is applied to z = w^T X + b at 0.5; apply it to "
                                            "A = sigmoid(z) (A > 0.5, which is the same as z > 0)."),
        (np.ones((1, m)), "every prediction is 1: the threshold compares A > 0.5, not A > 0."),
        (np.zeros((1, m)), "every prediction is 0: the predictions are never filled in (Y_prediction stays "
                           "zeros) -- set the entries where A > 0.5 to 1."),
        (first_only, "only the first prediction is filled in: the loop runs over A.shape[0], which is 1; loop "
                     "over the examples, range(A.shape[1]), or use (A > 0.5).astype(float) without a loop."),
        (first_n, f"only the first {n} predictions are filled in, one per feature: the loop runs over "
                  f"X.shape[0] (the features). Loop over the m examples, range(X.shape[1]), or use "
                  f"(A > 0.5).astype(float) without a loop."),
        ((_ref_sigmoid(w * X + b) > 0.5).astype(float),
         "one row per feature: w * X multiplies element by element; A = sigmoid(np.dot(w.T, X) + b) has shape (1, m)."),
    ]


def _quiet(target: Callable, *args):
    """The learner's result for ``args``, or None if the call raises (used only to confirm a diagnosis)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            return target(*args)
    except Exception:  # noqa: BLE001
        return None


def _check_predict_call(ex: str, target: Callable, w, b, X, other: tuple) -> None:
    n, m = X.shape
    before = {"w": w.copy(), "X": X.copy()}
    probe = _Probe(n=n, m=m, names={"w": w, "b": b, "X": X})
    got = _call(ex, target, (w, b, X), call=f"predict(w, b, X) with w {w.shape}, X {X.shape}", probe=probe)
    _require_unchanged(ex, before, {"w": w, "X": X})
    expected = _ref_predict(w, b, X)
    A = _ref_sigmoid(w.T @ X + b)
    earlier = _Lazy(lambda: _local_cause(ex, target))
    shape_causes = {
        (m,): "a flat (m,) array; predictions have shape (1, m), like Y: keep the 2-D shape of A.",
        (m, 1): "a column (m, 1); predictions are a row (1, m), like Y: A = sigmoid(np.dot(w.T, X) + b) (not "
                "np.dot(X.T, w)), and no transpose at the end.",
        (n, m): "one row per feature: A = sigmoid(np.dot(w.T, X) + b) has shape (1, m); w * X is element-wise.",
    }
    if isinstance(got, np.ndarray) and got.shape == (1, m) and got.dtype.kind in "biuf":
        values = np.unique(got.astype(float))
        if not np.all(np.isin(values, (0.0, 1.0))):
            cause = "predictions must be labels 0 or 1: convert the probabilities with A > 0.5."
            if _close(got, A):
                cause = "these are the probabilities A; predict returns labels: 1 where A > 0.5, else 0."
            _fail(ex, "predictions should contain only 0 and 1", expected=show(expected), got=show(got),
                  cause=earlier() or cause)

    def confirmed():
        # Labels are 0/1: two wrong versions can agree on one set of clips by chance. A typical mistake
        # is named only if the learner's predict also agrees with it on the other probe's clips.
        theirs = _quiet(target, *other)
        for (value, cause), (value_there, _) in zip(_predict_mistakes(w, b, X), _predict_mistakes(*other)):
            if theirs is None or _close(theirs, value_there):
                yield value, cause

    _require_array(ex, "predictions", got, expected, mistakes=confirmed, shape_causes=shape_causes,
                   fallback="A = sigmoid(np.dot(w.T, X) + b); predictions = 1 where A > 0.5, 0 elsewhere, "
                            "shape (1, m).", earlier=earlier)


def _predict_inputs():
    w = np.array([[0.3], [-0.8], [0.5]])
    # Labels 1, 1, 1, 1, 0, 0, 0, 0 (a loop that fills only the first few is visible). Clip 3 has
    # w^T x = -0.09, so b = 0.2 decides its label; clip 4 has w^T x + b = 0.4, between the thresholds
    # 0 and 0.5 (a threshold applied to z instead of sigmoid(z) gets it wrong); clip 8 has w^T x = -0.4:
    # label 0, but 1 if b is added after the sigmoid (sigmoid(-0.4) + 0.2 = 0.6).
    X = np.array([[1.0, 0.5, 0.0, 1.0, -1.0, 2.0, -2.0, 0.0],
                  [0.2, -0.5, 0.3, 0.0, 1.0, 1.5, 0.3, 0.5],
                  [0.9, 1.0, 0.3, -0.2, 0.4, -1.0, -0.6, 0.0]])
    # The second probe: w^T x takes values spread around every threshold a typical mistake uses (with
    # b = -0.1: 0.1 for the right answer, 0 without b, 0.405 with b after the sigmoid, 0.6 for z > 0.5).
    w2 = np.array([[1.0], [-0.5]])
    t = np.array([-1.0, -0.6, -0.3, -0.15, -0.05, 0.02, 0.08, 0.15, 0.3, 0.45, 0.7, 1.2])
    s = np.array([0.2, -0.4, 0.6, 0.0, -0.8, 0.3, 0.5, -0.1, 0.9, -0.3, 0.1, 0.4])
    X2 = np.vstack([t + 0.5 * s, s])  # w2^T x = t
    return (w, 0.2, X), (w2, np.float64(-0.1), X2)


@_exercise_test
def predict_test(target: Callable) -> None:
    """Exercise 7: ``predict(w, b, X)`` -> (1, m) array of 0/1 labels."""
    ex = "predict"
    first, second = _predict_inputs()
    _check_predict_call(ex, target, *first, other=second)
    _check_predict_call(ex, target, *second, other=first)
    _passed()


# --------------------------------------------------------------------------------------------
# Exercise 8: model.
# --------------------------------------------------------------------------------------------


def _model_inputs():
    X_train = np.array([[0.9, 0.8, 0.7, 0.2, 0.1, 0.3, 0.85, 0.15],
                        [0.1, 0.3, 0.2, 0.9, 0.8, 0.7, 0.25, 0.6],
                        [0.5, 0.4, 0.6, 0.5, 0.4, 0.6, 0.55, 0.45],
                        [0.2, 0.1, 0.3, 0.3, 0.2, 0.1, 0.15, 0.25]])
    Y_train = np.array([[1, 1, 1, 0, 0, 0, 1, 0]])
    X_test = np.array([[0.75, 0.2, 0.4], [0.2, 0.85, 0.6], [0.5, 0.5, 0.5], [0.2, 0.2, 0.2]])
    Y_test = np.array([[1, 0, 0]])
    return X_train, Y_train, X_test, Y_test


def _other_sizes(w, *known: int) -> list[int]:
    """The number of rows of ``w`` if it is a column of another size than ``known`` (else nothing)."""
    if isinstance(w, np.ndarray) and w.ndim == 2 and w.shape[1] == 1 and w.shape[0] not in known:
        return [w.shape[0]]
    return []


MODEL_KEYS = ("costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate", "num_iterations")


@_exercise_test
def model_test(target: Callable) -> None:
    """Exercise 8: ``model(...)`` trains with the given settings and returns the documented dict."""
    ex = "model"
    X_train, Y_train, X_test, Y_test = _model_inputs()
    iterations, rate = 250, 0.3
    call = f"model(X_train, Y_train, X_test, Y_test, num_iterations={iterations}, learning_rate={rate})"
    probe = _Probe(n=X_train.shape[0], m=X_train.shape[1],
                   names={"X_train": X_train, "Y_train": Y_train, "X_test": X_test, "Y_test": Y_test,
                          "num_iterations": iterations, "learning_rate": rate})
    d = _call(ex, target, (X_train, Y_train, X_test, Y_test),
              {"num_iterations": iterations, "learning_rate": rate, "print_cost": False}, call=call, probe=probe)
    if not isinstance(d, dict):
        _fail(ex, "model should return a dictionary", expected=f"a dict with keys {list(MODEL_KEYS)}", got=show(d),
              cause="the template builds d = {'costs': costs, ...} and returns d.")
    missing = [k for k in MODEL_KEYS if k not in d]
    if missing:
        _fail(ex, f"the returned dict lacks {missing}", expected=f"keys {list(MODEL_KEYS)}", got=show(d),
              cause=f"keep every key of the dictionary the template builds at the end of model: "
                    f"{', '.join(map(repr, missing))} is missing.")
    if d["learning_rate"] != rate or d["num_iterations"] != iterations:
        _fail(ex, "d['learning_rate'] and d['num_iterations'] should be the values model was called with",
              expected=f"{rate} and {iterations}", got=f"{d['learning_rate']!r} and {d['num_iterations']!r}",
              cause="store the arguments themselves in the dictionary.")

    earlier = _Lazy(lambda: _local_cause(ex, target))
    ref = _ref_model(X_train, Y_train, X_test, Y_test, iterations, rate)
    trained = _Lazy(lambda: {
        "defaults": (_ref_model(X_train, Y_train, X_test, Y_test, 2000, 0.5),
                     "model does not pass its arguments on: call optimize(w, b, X_train, Y_train, "
                     "num_iterations=num_iterations, learning_rate=learning_rate, print_cost=print_cost)."),
        "optimize_defaults": (_ref_model(X_train, Y_train, X_test, Y_test, 100, 0.009),
                              "optimize runs with its own defaults (100 iterations, rate 0.009): pass "
                              "num_iterations and learning_rate on to optimize."),
        "rate_only": (_ref_model(X_train, Y_train, X_test, Y_test, iterations, 0.009),
                      "learning_rate is not passed on to optimize."),
        "iterations_only": (_ref_model(X_train, Y_train, X_test, Y_test, 100, rate),
                            "num_iterations is not passed on to optimize."),
        "on_test": (_ref_model(X_test, Y_test, X_train, Y_train, iterations, rate),
                    "the model was trained on the test set: optimize gets X_train and Y_train."),
    })

    def mistakes_for(key, *first):
        def in_order():  # the cheap ones first; the trained variants only if they are needed
            yield from first
            for values, cause in trained().values():
                yield values[key], cause
        return in_order

    from_grads = ("w and b were taken from grads, the gradients of the last step: the trained parameters are "
                  "w = params['w'] and b = params['b'].")

    def as_optimize(w, b, X, Y, num_iterations, learning_rate, print_cost=False):
        # model seen as optimize from zeros on the training set, for the second probes of optimize's forensics
        trained_d = target(X_train, Y_train, X_test, Y_test, num_iterations=num_iterations,
                           learning_rate=learning_rate, print_cost=False)
        return {"w": trained_d["w"], "b": trained_d["b"]}, None, None

    learned = None
    if isinstance(d["w"], np.ndarray) and d["w"].shape == (X_train.shape[0], 1) and _is_number(d["b"]):
        learned = (d["w"], float(d["b"]))
    settings = _Lazy(lambda: _optimize_forensics(as_optimize, np.zeros((X_train.shape[0], 1)), 0.0, X_train, Y_train,
                                                 iterations, rate, learned, within_model=True))
    fallback = ("w, b = initialize_with_zeros(X_train.shape[0]); params, grads, costs = optimize(w, b, X_train, "
                "Y_train, num_iterations, learning_rate, print_cost); then predict with params['w'], params['b'].")
    n = X_train.shape[0]
    if _is_number(d["w"]) and isinstance(d["b"], np.ndarray) and d["b"].shape == (n, 1):
        _fail(ex, "d['w'] is a number and d['b'] an array", expected=f"w: {show(ref['w'])}, b: {ref['b']:.6g}",
              got=f"w: {show(d['w'])}, b: {show(d['b'])}",
              cause="w and b are swapped: w = params['w'] (the array), b = params['b'] (the number).")
    if isinstance(d["w"], np.ndarray) and d["w"].shape == (n, 1) and not np.any(d["w"]):
        _fail(ex, "w is still all zeros", expected=show(ref["w"]), got=show(d["w"]),
              cause=earlier() or "use the trained parameters: w = params['w'], b = params['b'] after optimize.")
    _require_array(ex, "d['w']", d["w"], ref["w"], mistakes=mistakes_for("w", (ref["grads"]["dw"], from_grads)),
                   fallback=fallback, earlier=earlier, probe_more=settings,
                   shape_causes={(X_train.shape[1], 1): "w has one entry per example: initialize_with_zeros "
                                                         "gets the number of features, X_train.shape[0].",
                                 **{(k, 1): f"w has {k} weights but X_train has {n} features: model trained on "
                                            f"other data than its parameters (a notebook variable such as "
                                            f"train_set_x?). Use model's own parameters, X_train and Y_train."
                                    for k in _other_sizes(d["w"], n, X_train.shape[1])}})
    _require_number(ex, "d['b']", d["b"], ref["b"], mistakes=mistakes_for("b", (ref["grads"]["db"], from_grads)),
                    fallback=fallback, earlier=earlier, probe_more=settings)
    costs = d["costs"]
    if not isinstance(costs, (list, tuple, np.ndarray)) or len(costs) != len(ref["costs"]):
        _fail(ex, "d['costs'] should be the list optimize returned", expected=f"{len(ref['costs'])} costs",
              got=show(costs), cause=earlier() or "store the costs returned by optimize.")
    for name, m in (("Y_prediction_train", X_train.shape[1]), ("Y_prediction_test", X_test.shape[1])):
        other = "Y_prediction_test" if name == "Y_prediction_train" else "Y_prediction_train"
        swapped_shape = (1, X_test.shape[1] if name == "Y_prediction_train" else X_train.shape[1])
        split = "X_train" if "train" in name else "X_test"
        if _close(d[other], ref[name]):
            mixed = f"{name} and {other} are swapped."
        else:
            mixed = (f"{name} is predicted on the other split's data as well: {name} = predict(w, b, {split}).")
        untrained = (f"{name} are all 0, the labels of the initial parameters (w all zeros, b = 0: every "
                     f"probability is 0.5): the predictions are made before training. Predict with the trained "
                     f"parameters, params['w'] and params['b'].")
        _require_array(ex, f"d['{name}']", d[name], ref[name],
                       mistakes=mistakes_for(name, (ref[other], mixed), (np.zeros((1, m)), untrained)),
                       shape_causes={swapped_shape: f"{name} looks like the predictions of the other split: "
                                                    f"{name} = predict(w, b, {'X_train' if 'train' in name else 'X_test'})."},
                       fallback=fallback, earlier=earlier)
    _passed()


# --------------------------------------------------------------------------------------------
# Bonus: time-pooled features.
# --------------------------------------------------------------------------------------------


@_exercise_test
def pool_features_test(target: Callable) -> None:
    """Bonus exercise: ``pool_features(X_orig)`` -> (2 * n_mels, m), band means then band stds."""
    ex = "pool_features"
    X = np.array([
        [[0.0, 0.5, 1.0, 0.5], [0.2, 0.2, 0.2, 0.2], [0.9, 0.1, 0.4, 0.6]],
        [[1.0, 1.0, 0.0, 0.0], [0.3, 0.6, 0.9, 0.3], [0.0, 0.0, 0.0, 0.8]],
    ])  # 2 clips, 3 mel bands, 4 frames
    original = X.copy()
    got = _call(ex, target, (X,), call="pool_features(X) with X of shape (2, 3, 4)")
    if not np.array_equal(X, original):
        _fail(ex, "pool_features changed the array passed to it", expected=f"X unchanged: {show(original)}",
              got=f"X after the call: {show(X)}", cause="compute new arrays; do not modify X.")
    expected = _ref_pool(X)
    mean, std = X.mean(axis=2), X.std(axis=2)
    mistakes = [
        (np.concatenate([mean, X.std(axis=2, ddof=1)], axis=1).T,
         "the standard deviation uses ddof=1; use np.std(..., axis=2) with its default ddof=0."),
        (np.concatenate([std, mean], axis=1).T, "the order is the means first, then the standard deviations."),
        (np.concatenate([mean, X.var(axis=2)], axis=1).T,
         "the second half is the variance; take its square root (np.std)."),
    ]
    shape_causes = {
        (2, 6): "one row per clip; the lab wants one column per clip (like train_set_x_flatten): add .T.",
        (3, 2): "only the means (or only the standard deviations): stack both, np.concatenate([mean, std], axis=1).T.",
        (8, 2): "pooled over the mel bands (axis=1) instead of over time (axis=2).",
        (2, 8): "pooled over the mel bands (axis=1) instead of over time (axis=2).",
        (4, 3): "the means and standard deviations are stacked along the clips (axis=0): concatenate them per "
                "clip, np.concatenate([mean, std], axis=1), then .T for one column per clip.",
        (3, 4): "the means and standard deviations are stacked along the clips (np.concatenate's default axis=0) "
                "before the transpose: concatenate them per clip, np.concatenate([mean, std], axis=1).T.",
    }
    _require_array(ex, "pool_features(X)", got, expected, mistakes=mistakes,
                   shape_causes=shape_causes,
                   fallback="np.concatenate([X.mean(axis=2), X.std(axis=2)], axis=1).T: the means of each band "
                            "over time, then the standard deviations, one column per clip.")
    _passed()
