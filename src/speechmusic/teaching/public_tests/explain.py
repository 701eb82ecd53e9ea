"""Explaining an exception raised inside the learner's code, in the exercise's terms."""

from __future__ import annotations

import linecache
import os
import re
import traceback
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from speechmusic.teaching.public_tests import reference
from speechmusic.teaching.public_tests.common import (
    PACKAGE_DIR,
    SIGNATURES,
    build_traceback,
    is_int,
    is_number,
    show,
    traceback_entries,
)
from speechmusic.teaching.public_tests.introspect import (
    ArrayShape,
    earlier_exercise_cause,
    facts_of,
    global_data,
    parameters_of,
)

# --------------------------------------------------------------------------------------------
# Running the learner's code: exceptions become explanations.
# --------------------------------------------------------------------------------------------

_REFERENCE_FILE = os.path.abspath(reference.__file__)
_LIBRARY_PARTS = (os.sep + "numpy" + os.sep, os.sep + "scipy" + os.sep, os.sep + "IPython" + os.sep,
                  os.sep + "contextlib.py")


@dataclass
class LearnerFrame:
    """One frame of the learner's code in a traceback, as plain facts.

    ``code_key`` identifies the frame's code object (:attr:`FunctionFacts.code_key` of the function
    that runs it); ``data`` is the notebook's data its code reads as globals; ``function`` is the
    notebook's function of the frame's name when that is the function running (None otherwise: an
    earlier exercise's function is then checked with its own test). The grader's judge rebuilds
    these from the description the learner's process sends.
    """

    name: str
    code_key: int | None
    parameters: tuple[str, ...]
    locals: dict
    data: dict
    function: Callable | None
    lineno: int
    line: str
    #: A reference function the grader put in place of the learner's (see reference.in_place_of_earlier):
    #: its frame counts in the diagnoses (what it was given), but its lines are not the learner's to read.
    reference: bool = False

    def arguments(self) -> dict[str, Any]:
        return {name: self.locals[name] for name in self.parameters if name in self.locals}


def _is_learner_code(filename: str) -> bool:
    path = filename if filename.startswith("<") else os.path.abspath(filename)
    return os.path.dirname(path) != PACKAGE_DIR and not any(part in path for part in _LIBRARY_PARTS)


def _is_reference(filename: str) -> bool:
    return os.path.abspath(filename) == _REFERENCE_FILE


def learner_frames(error: BaseException) -> list[LearnerFrame]:
    """The frames of the learner's code the exception went through (outermost first).

    An exception rebuilt from another process carries them already (``learner_frames`` attribute).
    """
    carried = getattr(error, "learner_frames", None)
    if isinstance(carried, list):
        return carried
    found = []
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        code = frame.f_code
        reference = _is_reference(code.co_filename)
        if not (reference or _is_learner_code(code.co_filename)):
            continue
        line = linecache.getline(code.co_filename, lineno, frame.f_globals).strip()
        own = frame.f_globals.get(code.co_name)
        found.append(LearnerFrame(code.co_name, id(code), parameters_of(code), dict(frame.f_locals),
                                  global_data(code, frame.f_globals),
                                  own if getattr(own, "__code__", None) is code else None, lineno, line, reference))
    return found


def learner_traceback(error: BaseException) -> types.TracebackType | None:
    """The learner's frames of the exception's traceback, for IPython to show (None when it came from another process)."""
    if hasattr(error, "learner_frames"):
        return None
    kept = [entry for entry in traceback_entries(error.__traceback__) if _is_learner_code(entry[0].f_code.co_filename)]
    return build_traceback(kept)


def learner_lines(error: BaseException) -> list[str]:
    """Where in the learner's code the exception happened (innermost last), skipping library code."""
    lines = []
    for frame in learner_frames(error):
        if frame.reference:
            continue
        where = f"in {frame.name}(), line {frame.lineno}"
        lines.append(f"{where}: {frame.line}" if frame.line else where)
    return lines[-2:]


# long: an ordered list of diagnoses, the first that matches wins.
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
class Probe:
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


def product_advice(exercise: str, probe: Probe, text: str, line: str) -> str | None:
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


def broadcast_advice(exercise: str, probe: Probe, text: str) -> str | None:
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


def unfit_reason(parameter: str, value) -> str | None:
    """Why ``value`` cannot be what an exercise function's ``parameter`` expects (None if it can)."""
    if isinstance(value, str):
        return "is a string"
    if parameter in ("w",):
        if not isinstance(value, np.ndarray) or value.ndim != 2 or value.shape[1] != 1:
            return "is not a column (n, 1)"
    elif parameter == "b":
        if not (is_number(value) or (isinstance(value, np.ndarray) and value.size == 1)):
            return "is not a number"
    elif parameter in ("X", "X_train", "X_test"):
        if not isinstance(value, np.ndarray) or value.ndim != 2:
            return "is not a 2-D array (n, m)"
    elif parameter in ("Y", "Y_train", "Y_test"):
        if not isinstance(value, np.ndarray) or value.ndim != 2 or value.shape[0] != 1:
            return "is not a row of labels (1, m)"
    elif parameter in ("num_iterations", "dim"):
        if not is_int(value) or value < (1 if parameter == "dim" else 0):
            return "is not a whole number"
    elif parameter == "learning_rate":
        if not is_number(value):
            return "is not a number"
    elif parameter == "z":
        if not (is_number(value) or (isinstance(value, np.ndarray) and value.dtype.kind in "biuf")):
            return "is not a number or numeric array"
    return None


def label_of(value, caller: LearnerFrame | None, probe: Probe, parameter: str | None = None) -> str:
    """How to refer to ``value`` in a message: the caller's variable name if it has one, else a description."""
    if caller is not None and parameter is not None and caller.locals.get(parameter, LearnerFrame) is value:
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


def call_advice(exercise: str, callee: str) -> str:
    if exercise == "model" and callee == "optimize":
        return ("optimize(w, b, X_train, Y_train, num_iterations=num_iterations, learning_rate=learning_rate, "
                "print_cost=print_cost)")
    if exercise == "model" and callee == "predict":
        return "predict(w, b, X_test) and predict(w, b, X_train)"
    if exercise == "model" and callee == "initialize_with_zeros":
        return "initialize_with_zeros(X_train.shape[0])"
    return f"{callee}({', '.join(SIGNATURES[callee])})"


def dict_unpacking_cause(exercise: str, strings: dict[str, str]) -> str | None:
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


def _parameter_for(name: str, value, parameters: Sequence[str]) -> str | None:
    """What, from the parameters, most likely should replace the notebook variable ``name`` (None if unclear)."""
    lowered = name.lower()
    split = "test" if "test" in lowered else "train" if "train" in lowered else None
    if not isinstance(value, ArrayShape):  # a count or a setting of the notebook
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


def global_data_message(function_name: str, parameters: Sequence[str], data: dict[str, Any]) -> str:
    described = ", ".join(f"{name} ({f'shape {value.shape}' if isinstance(value, ArrayShape) else repr(value)})"
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


def global_data_cause(exercise: str, target: Callable) -> str | None:
    """If the learner's function reads the notebook's data instead of its parameters, a message saying so."""
    facts = facts_of(target)
    if not facts.data:
        return None
    return global_data_message(facts.name or exercise, facts.parameters, facts.data)


def local_cause(exercise: str, target: Callable) -> str | None:
    """A cause that lies outside the arithmetic: the notebook's data read as globals, or an earlier
    exercise's function that fails its own test (checked first, before any computed variant)."""
    return global_data_cause(exercise, target) or earlier_exercise_cause(exercise, target)
