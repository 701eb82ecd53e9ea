"""The tests the lab notebook runs after each exercise.

Each ``*_test`` function takes what the learner wrote (a function, or for exercises 1 and 2 the
variables), runs it on small fixed inputs (no dataset, well under a second) and either prints a
green "All tests passed!" or raises :class:`AssertionError` with a message that says what was
expected, what came back, and the likely cause.

How the likely cause is found: besides the right answer, each test computes what the most common
wrong implementations would return on the same inputs (a missing ``1/m``, a sign error, ``b`` left
out, ...). When the learner's value matches one of them, the message names that mistake. An
exception raised inside the learner's code is caught and explained the same way (``math.exp`` on
an array, a matrix product with shapes that do not fit, a variable never assigned, ...).

Correct answers written differently pass: ``@`` or ``np.dot``, ``np.mean`` or ``np.sum / m``,
``scipy.special.expit``, Python or NumPy floats, int or float 0/1 labels, copies or no copies.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import traceback
from typing import Any, Callable, NoReturn, Sequence

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

# Values computed two correct ways agree to ~1e-15; after hundreds of gradient steps to ~1e-12.
RTOL = 1e-5
ATOL = 1e-8


# --------------------------------------------------------------------------------------------
# Reference answers (what the tests compare with) and reporting helpers.
# --------------------------------------------------------------------------------------------


def _ref_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def _ref_propagate(w, b, X, Y):
    m = X.shape[1]
    A = _ref_sigmoid(w.T @ X + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = X @ (A - Y).T / m
    db = float(np.mean(A - Y))
    return {"dw": dw, "db": db}, float(cost)


def _ref_optimize(w, b, X, Y, num_iterations, learning_rate, *, update_w=True, update_b=True,
                  record_after_update=False, gradient_once=False):
    """Batch gradient descent; the keyword switches produce the typical wrong versions."""
    w, b = np.array(w, dtype=float), float(b)
    costs = []
    grads, cost = _ref_propagate(w, b, X, Y)
    for i in range(num_iterations):
        if not gradient_once or i == 0:
            grads, cost = _ref_propagate(w, b, X, Y)
        if update_w:
            w = w - learning_rate * grads["dw"]
        if update_b:
            b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(_ref_propagate(w, b, X, Y)[1] if record_after_update else cost)
    return {"w": w, "b": b}, grads, costs


def _ref_predict(w, b, X):
    return (_ref_sigmoid(w.T @ X + b) > 0.5).astype(float)


def _ref_model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate):
    params, _, costs = _ref_optimize(np.zeros((X_train.shape[0], 1)), 0.0, X_train, Y_train,
                                     num_iterations, learning_rate)
    return {
        "costs": costs,
        "w": params["w"],
        "b": params["b"],
        "Y_prediction_train": _ref_predict(params["w"], params["b"], X_train),
        "Y_prediction_test": _ref_predict(params["w"], params["b"], X_test),
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
    raise AssertionError("\n".join(lines))


# --------------------------------------------------------------------------------------------
# Running the learner's code: exceptions become explanations.
# --------------------------------------------------------------------------------------------

_LIBRARY_PARTS = (os.sep + "numpy" + os.sep, os.sep + "scipy" + os.sep, os.sep + "IPython" + os.sep)


def _learner_lines(error: BaseException) -> list[str]:
    """Where in the learner's code the exception happened (innermost last), skipping library code."""
    here = os.path.abspath(__file__)
    found = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = os.path.abspath(frame.filename) if not frame.filename.startswith("<") else frame.filename
        if path == here or any(part in path for part in _LIBRARY_PARTS):
            continue
        code = (frame.line or "").strip()
        found.append(f"in {frame.name}(), line {frame.lineno}: {code}" if code else f"in {frame.name}(), line {frame.lineno}")
    return found[-2:]


def explain_exception(error: BaseException) -> str:
    """The likely cause of an exception raised inside a learner's function, in words."""
    text = str(error)
    if isinstance(error, NameError):
        name = getattr(error, "name", None) or (re.findall(r"'([^']+)'", text) or ["?"])[0]
        return (
            f"the name {name!r} is used but was never given a value. If it is what this exercise asks "
            "you to compute, write the code between '# YOUR CODE STARTS HERE' and '# YOUR CODE ENDS "
            "HERE' (and keep the variable names the template uses). If it is a function from an "
            "earlier exercise (such as sigmoid or propagate), run the cell that defines it first."
        )
    if isinstance(error, NotImplementedError):
        return "this exercise has not been written yet: replace the placeholder with your code."
    if isinstance(error, RecursionError):
        return ("a function calls itself without end: e.g. sigmoid(z) written as 'return sigmoid(z)'. "
                "Compute the value with NumPy instead.")
    if isinstance(error, TypeError):
        if re.search(r"only (length-1|size-1|0-dimensional|integer scalar)|must be real number|"
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
        if "not subscriptable" in text or "indices must be" in text:
            return ("an index or key is used on the wrong kind of value: grads is a dict "
                    "(grads['dw']), params is a dict (params['w']), arrays use [row, column].")
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


def _call(exercise: str, fn: Callable, args: Sequence = (), kwargs: dict | None = None, *, call: str) -> Any:
    """Call the learner's function, silencing its prints and explaining any exception."""
    if not callable(fn):
        _fail(exercise, "the test expects your function itself", expected=f"the function {exercise}", got=show(fn),
              cause=f"call the test with the function, e.g. {exercise}_test({exercise}), not with its result.")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return fn(*args, **(kwargs or {}))
    except Exception as error:  # learner code may raise anything; each becomes a teaching message
        where = _learner_lines(error)
        lines = [f"{exercise}: calling {call} raised {type(error).__name__}: {error}"]
        lines += [f"  {line}" for line in where]
        lines.append("  likely cause: " + explain_exception(error))
        raise AssertionError("\n".join(lines)) from None


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
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _diagnose(got, mistakes: Sequence[tuple[Any, str]]) -> str | None:
    """The explanation of the first typical mistake whose result equals ``got``."""
    for value, cause in mistakes:
        if _close(got, value):
            return cause
    return None


def _require_array(exercise: str, what: str, got, expected: np.ndarray, *, mistakes=(),
                   shape_causes: dict | None = None, fallback: str) -> None:
    """``got`` must be a numeric array equal to ``expected`` (same shape)."""
    if not isinstance(got, np.ndarray):
        cause = "use NumPy operations (np.zeros, np.dot, ...) so the result is an array."
        if isinstance(got, (list, tuple)):
            cause = "the result is a Python list/tuple; build it with NumPy so it is an array."
        _fail(exercise, f"{what} should be a numpy array", expected=f"array of shape {expected.shape}",
              got=show(got), cause=cause)
    if got.shape != expected.shape:
        cause = (shape_causes or {}).get(got.shape)
        if cause is None and got.size == expected.size:
            cause = f"the right number of values in the wrong shape; the result must have shape {expected.shape}."
        _fail(exercise, f"{what} has the wrong shape", expected=f"shape {expected.shape}", got=show(got),
              cause=cause or fallback)
    if got.dtype.kind not in "biuf":
        _fail(exercise, f"{what} should hold numbers", expected=show(expected), got=show(got), cause=fallback)
    if not _close(got, expected):
        cause = _diagnose(got, mistakes)
        if cause is None and not np.all(np.isfinite(got.astype(float))):
            cause = "the result contains NaN or inf: check for log(0), division by zero or a missing sigmoid."
        _fail(exercise, f"{what} has the right shape but wrong values", expected=show(expected), got=show(got),
              cause=cause or fallback)


def _require_number(exercise: str, what: str, got, expected: float, *, mistakes=(), fallback: str,
                    must_be_float: bool = False) -> None:
    """``got`` must be a single number equal to ``expected``."""
    if not _is_number(got):
        if isinstance(got, np.ndarray) and got.size == 1:
            cause = (f"{what} is an array of shape {got.shape} holding one number; it should be the number "
                     f"itself. A product like np.dot(Y, np.log(A).T) or np.sum(..., keepdims=True) keeps "
                     f"the array shape: use np.sum(...) without keepdims, or np.squeeze(...).")
        elif isinstance(got, np.ndarray):
            cause = (f"{what} should be one number but has {got.size} values: the sum (or mean) over "
                     f"all examples is missing.")
        else:
            cause = fallback
        _fail(exercise, f"{what} should be a single number", expected=f"{expected:.6g} (a float)",
              got=show(got), cause=cause)
    if must_be_float and not _is_float(got):
        _fail(exercise, f"{what} should be a float", expected=f"{float(expected)!r} (a float)", got=show(got),
              cause=f"{what} is an integer; write it as a float (e.g. 0.0 rather than 0).")
    if not _close(got, expected):
        cause = _diagnose(got, mistakes)
        if cause is None and not np.isfinite(float(got)):
            cause = "the result is NaN or inf: check for log(0), division by zero or a missing sigmoid."
        _fail(exercise, f"{what} is wrong", expected=f"{expected:.10g}", got=show(got), cause=cause or fallback)


def _unpack(exercise: str, result, names: Sequence[str], *, hint: str) -> tuple:
    """``result`` must be a tuple (or list) of ``len(names)`` values."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
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
    hints = {
        "m_train": "m_train = train_set_x_orig.shape[0]: the first axis counts the training clips.",
        "m_test": "m_test = test_set_x_orig.shape[0]: the first axis of the *test* array.",
        "n_mels": "n_mels is the second axis, train_set_x_orig.shape[1] (the mel bands, the rows of one spectrogram).",
        "time_steps": "time_steps is the third axis, train_set_x_orig.shape[2] (the frames, the columns of one spectrogram).",
    }
    for name, value in got.items():
        if isinstance(value, (tuple, list)):
            _fail(ex, f"{name} should be one integer", expected=str(expected[name]), got=show(value),
                  cause=f"{name} holds a whole shape; pick one entry of it with [index]. {hints[name]}")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            cause = hints[name]
            if _is_number(value) and float(value) == expected[name]:
                cause = f"{name} counts something, so it should be an int, as .shape gives it."
            _fail(ex, f"{name} should be an integer", expected=str(expected[name]), got=show(value), cause=cause)
    for name, value in got.items():
        if value != expected[name]:
            swapped = {"m_train": "m_test", "m_test": "m_train", "n_mels": "time_steps", "time_steps": "n_mels"}[name]
            cause = hints[name]
            if value == expected[swapped] and expected[swapped] != expected[name]:
                cause = f"{name} and {swapped} look swapped. {hints[name]}"
            _fail(ex, f"{name} is wrong", expected=str(expected[name]), got=show(value), cause=cause)
    _passed()


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
        shape_causes = {orig.shape: "the array was not flattened: reshape it to (n_mels * time_steps, m)."}
        if isinstance(other, np.ndarray) and other.ndim == 3 and other.shape[0] != m:
            for shape in ((n, other.shape[0]), (other.shape[0], n)):
                shape_causes[shape] = f"this looks like the other split: flatten {split}_set_x_orig into {name}."
        shape_causes[(m, n)] = "one *row* per clip; the lab wants one *column* per clip: add .T (transpose)."
        mistakes = [
            (orig.reshape(-1, m) if orig.size % max(m, 1) == 0 else None,
             f"X.reshape(-1, m) has the right shape but mixes values of different clips in each column: "
             f"reshape to (m, -1) first, one row per clip, then transpose: X.reshape(X.shape[0], -1).T."),
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
             "sign error: the formula uses exp(-z). 1 / (1 + np.exp(z)) gives 1 - sigmoid(z)."),
            (1.0 + np.exp(-z),
             "operator precedence: 1/1 + np.exp(-z) is 1 + e^(-z). Put the denominator in parentheses: "
             "1 / (1 + np.exp(-z))."),
            (np.exp(-z), "only e^(-z) is computed; sigmoid is 1 / (1 + e^(-z))."),
            (1.0 / np.exp(-z), "the '1 +' in the denominator is missing: 1 / (1 + np.exp(-z))."),
            (1.0 / (1.0 - np.exp(-z)), "the denominator is 1 + e^(-z), with a plus."),
            (np.exp(z) / (1.0 - np.exp(z)), "the denominator is 1 + e^(z) in this form, with a plus."),
            (np.tanh(z), "tanh is a different function; sigmoid is 1 / (1 + e^(-z))."),
            (1.0 / (1.0 + np.exp(-z)) > 0.5, "the result is thresholded to 0/1; sigmoid returns probabilities."),
            (z, "z is returned unchanged: compute s = 1 / (1 + np.exp(-z))."),
        ]


def sigmoid_test(target: Callable) -> None:
    """Exercise 3: ``sigmoid(z)`` on numbers and on arrays of any shape."""
    ex = "sigmoid"
    fallback = "sigmoid(z) = 1 / (1 + np.exp(-z)), computed with NumPy so it works on arrays."
    for z in (2.0, 0, -1.5):
        got = _call(ex, target, (z,), call=f"sigmoid({z!r})")
        if got is None:
            _fail(ex, f"sigmoid({z!r}) returned None", expected=f"{float(_ref_sigmoid(z)):.8f}", got="None", cause="the function has no 'return s' (or returns nothing).")
        if not _is_number(got) and not (isinstance(got, np.ndarray) and got.size == 1):
            _fail(ex, f"sigmoid({z!r}) should be one number", expected=f"{float(_ref_sigmoid(z)):.8f}",
                  got=show(got), cause=fallback)
        _require_number(ex, f"sigmoid({z!r})", got if _is_number(got) else np.asarray(got).reshape(()),
                        float(_ref_sigmoid(z)),
                        mistakes=_sigmoid_mistakes(z), fallback=fallback)

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
        _require_array(ex, call, got, _ref_sigmoid(z), mistakes=_sigmoid_mistakes(z),
                       shape_causes={(): "a single number came back for an array: use np.exp, which keeps "
                                         "the array's shape, not math.exp or a loop that keeps one value."},
                       fallback=fallback)
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
    _require_array(ex, "w", w, np.zeros((dim, 1)), shape_causes=shape_causes,
                   mistakes=[(np.ones((dim, 1)), "np.ones gives ones; the weights start at zero: np.zeros((dim, 1)).")],
                   fallback="w starts as all zeros, of shape (dim, 1): w = np.zeros((dim, 1)).")
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


def initialize_with_zeros_test_1(target: Callable) -> None:
    """Exercise 4, first test: types and values for a small ``dim``."""
    _check_initialization("initialize_with_zeros", target, 2)
    _passed()


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
            raise error
    _passed()


# --------------------------------------------------------------------------------------------
# Exercise 5: propagate.
# --------------------------------------------------------------------------------------------


def _propagate_mistakes(w, b, X, Y) -> dict[str, list[tuple[Any, str]]]:
    """dw, db and cost as the typical wrong implementations compute them."""
    m, n = X.shape[1], X.shape[0]
    with np.errstate(all="ignore"):
        Z = w.T @ X + b
        A = _ref_sigmoid(Z)
        A0 = _ref_sigmoid(w.T @ X)
        grads, cost = _ref_propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]
        no_m = "the 1/m factor is missing (the result is m times too large): average over the m examples."
        by_n = ("divided by the number of features X.shape[0] instead of the number of examples "
                "m = X.shape[1].")
        no_b = "b is left out of the activation: A = sigmoid(np.dot(w.T, X) + b)."
        no_sig = "the sigmoid is missing: A = sigmoid(np.dot(w.T, X) + b), not just np.dot(w.T, X) + b."
        return {
            "dw": [
                (dw * m, "dw: " + no_m + " dw = (1/m) * np.dot(X, (A - Y).T)."),
                (-dw, "sign error in dw: it is (1/m) X (A - Y)^T, with A - Y (not Y - A)."),
                (dw * m / n, "dw: " + by_n),
                (X @ (A0 - Y).T / m, "dw: " + no_b),
                (X @ (Z - Y).T / m, "dw: " + no_sig),
                (X @ A.T / m, "dw: Y is missing, the gradient uses the error A - Y."),
                (X @ (A - Y).T, "dw: " + no_m),
            ],
            "db": [
                (db * m, "db: " + no_m + " db = (1/m) * np.sum(A - Y)."),
                (-db, "sign error in db: it is (1/m) * sum(A - Y), with A - Y (not Y - A)."),
                (db * m / n, "db: " + by_n),
                (np.mean(A0 - Y), "db: " + no_b),
                (np.mean(Z - Y), "db: " + no_sig),
                (np.mean(A), "db: Y is missing, the gradient uses the error A - Y."),
                (np.mean(dw), "db is the mean of dw; it is (1/m) * np.sum(A - Y)."),
            ],
            "cost": [
                (cost * m, "cost: " + no_m + " (np.sum over the examples needs the 1/m in front; np.mean includes it)."),
                (-cost, "sign error in the cost: J = -(1/m) * sum(Y log A + (1 - Y) log(1 - A)), with the minus."),
                (cost * m / n, "cost: " + by_n),
                (-np.mean(Y * np.log(A)), "cost: the (1 - Y) * log(1 - A) term is missing."),
                (-np.mean((1 - Y) * np.log(1 - A)), "cost: the Y * log(A) term is missing."),
                (-np.mean(Y * np.log10(A) + (1 - Y) * np.log10(1 - A)),
                 "cost: np.log10 is the base-10 logarithm; the cost uses the natural logarithm np.log."),
                (-np.mean(Y * np.log(A0) + (1 - Y) * np.log(1 - A0)), "cost: " + no_b),
                (-np.mean(Y * np.log(1 - A) + (1 - Y) * np.log(A)),
                 "cost: log(A) and log(1 - A) are swapped: Y goes with log(A), (1 - Y) with log(1 - A)."),
                (-np.mean(Y * np.log(A) - (1 - Y) * np.log(1 - A)),
                 "cost: the two terms are added, Y log A + (1 - Y) log(1 - A), then negated."),
            ],
        }


def _check_propagate_call(ex: str, target: Callable, w, b, X, Y) -> None:
    n, m = X.shape
    before = {"w": w.copy(), "X": X.copy(), "Y": Y.copy()}
    call = f"propagate(w, b, X, Y) with w {w.shape}, X {X.shape}, Y {Y.shape}"
    result = _call(ex, target, (w, b, X, Y), call=call)
    grads, cost = _unpack(ex, result, ("grads", "cost"), hint="end the function with 'return grads, cost'.")
    if isinstance(cost, dict) and not isinstance(grads, dict):
        _fail(ex, "grads and cost come back in the wrong order", expected="grads (a dict), cost (a number)",
              got=f"{show(grads)}, then {show(cost)}", cause="return grads, cost (in this order).")
    if not isinstance(grads, dict):
        _fail(ex, "grads should be a dictionary", expected="{'dw': dw, 'db': db}", got=show(grads),
              cause="build it as grads = {'dw': dw, 'db': db}.")
    if set(grads) != {"dw", "db"}:
        _fail(ex, "grads has the wrong keys", expected="keys ['dw', 'db']", got=show(grads),
              cause="the keys are the lower-case strings 'dw' and 'db', and nothing else.")
    _require_unchanged(ex, before, {"w": w, "X": X, "Y": Y})

    (ref_grads, ref_cost), mistakes = _ref_propagate(w, b, X, Y), _propagate_mistakes(w, b, X, Y)
    dw_shapes = {
        (n,): "dw is a flat (n,) array; it must be a column (n, 1) like w. np.dot(X, (A - Y).T) keeps "
              "that shape (A - Y has shape (1, m)).",
        (1, n): "dw is a row (1, n); it must be a column (n, 1) like w: np.dot(X, (A - Y).T), not "
                "np.dot(A - Y, X.T).",
        (n, m): "dw has one value per example: the product over examples is missing. Use the matrix "
                "product np.dot(X, (A - Y).T) instead of the element-wise X * (A - Y).",
        (n, n): "A seems to have shape (n, m) instead of (1, m): w * X multiplies element by element; "
                "use the matrix product np.dot(w.T, X).",
        (m, 1): "dw has one value per example: the gradient is np.dot(X, (A - Y).T), of shape (n, 1).",
    }
    generic = ("dw = (1/m) * np.dot(X, (A - Y).T) with A = sigmoid(np.dot(w.T, X) + b). If sigmoid_test "
               "did not pass, fix sigmoid first: propagate uses it.")
    _require_array(ex, "dw", grads["dw"], ref_grads["dw"], mistakes=mistakes["dw"], shape_causes=dw_shapes,
                   fallback=generic)
    _require_number(ex, "db", grads["db"], ref_grads["db"], mistakes=mistakes["db"],
                    fallback="db = (1/m) * np.sum(A - Y).")
    _require_number(ex, "cost", cost, ref_cost, mistakes=mistakes["cost"],
                    fallback="cost = -(1/m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)).")


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


def optimize_test(target: Callable) -> None:
    """Exercise 6: gradient descent, one cost every 100 iterations."""
    ex = "optimize"
    w, b, X, Y = _optimize_inputs()
    iterations, rate = 250, 0.05
    before = {"X": X.copy(), "Y": Y.copy()}
    w_given = w.copy()
    call = f"optimize(w, b, X, Y, num_iterations={iterations}, learning_rate={rate})"
    result = _call(ex, target, (w, b, X, Y), {"num_iterations": iterations, "learning_rate": rate}, call=call)
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
                  cause=f"return params = {{'w': w, 'b': b}} and grads = {{'dw': dw, 'db': db}}, then costs.")

    ref_params, ref_grads, ref_costs = _ref_optimize(w_given, b, X, Y, iterations, rate)
    variants = [
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
    ]
    fallback = ("each iteration: grads, cost = propagate(w, b, X, Y); w = w - learning_rate * grads['dw']; "
                "b = b - learning_rate * grads['db'].")
    if np.array_equal(np.asarray(params["w"]), w_given) and _is_number(params["b"]) and float(params["b"]) == b:
        _fail(ex, "params are the values passed in: nothing was learned", expected=show(ref_params["w"]),
              got=show(params["w"]),
              cause="the updated w and b are never stored: assign w = w - ..., b = b - ... inside the loop "
                    "and return them in params.")
    w_mistakes = [(v[0]["w"], cause) for v, cause in variants]
    _require_array(ex, "params['w']", params["w"], ref_params["w"], mistakes=w_mistakes,
                   shape_causes={(3,): "w became flat (n,): keep the (n, 1) shapes of w and dw.",
                                 (3, 3): "w became (n, n): dw should have shape (n, 1) -- see propagate."},
                   fallback=fallback)
    b_mistakes = [(v[0]["b"], cause) for v, cause in variants]
    _require_number(ex, "params['b']", params["b"], ref_params["b"], mistakes=b_mistakes, fallback=fallback)

    if not isinstance(costs, (list, tuple, np.ndarray)):
        _fail(ex, "costs should be a list", expected="a list of numbers", got=show(costs), cause="start with costs = [] and append to it.")
    expected_len = len(ref_costs)
    if len(costs) != expected_len:
        cause = "record the cost once every 100 iterations: if i % 100 == 0: costs.append(cost)."
        if len(costs) == iterations:
            cause = "a cost was recorded at every iteration; record it only when i % 100 == 0."
        elif len(costs) == 0:
            cause = "nothing was appended to costs: if i % 100 == 0: costs.append(cost)."
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

    # A second call: float labels, one iteration, print_cost=True must not break anything.
    w1 = np.array([[0.0], [0.0], [0.0]])
    Yf = Y.astype(float)
    result = _call(ex, target, (w1, 0.0, X, Yf), {"num_iterations": 1, "learning_rate": 0.1, "print_cost": True},
                   call="optimize(w, b, X, Y, num_iterations=1, learning_rate=0.1, print_cost=True)")
    params1, _, costs1 = _unpack(ex, result, ("params", "grads", "costs"),
                                 hint="end the function with 'return params, grads, costs'.")
    if not isinstance(params1, dict) or "w" not in params1 or not isinstance(costs1, (list, tuple, np.ndarray)):
        _fail(ex, "with num_iterations=1 the result has the wrong form", expected="params (dict), grads, costs (list)",
              got=show(result),
              cause="return params (a dict with 'w' and 'b'), grads and costs (a list) for any num_iterations.")
    ref1 = _ref_optimize(np.zeros((3, 1)), 0.0, X, Yf, 1, 0.1)
    _require_array(ex, "params['w'] after one iteration", params1["w"], ref1[0]["w"], fallback=fallback)
    if len(costs1) != 1:
        _fail(ex, "one iteration should record one cost (at i = 0)", expected="1 entry", got=f"{len(costs1)} entries",
              cause="record the cost when i % 100 == 0, which includes i = 0.")
    _passed(note)


# --------------------------------------------------------------------------------------------
# Exercise 7: predict.
# --------------------------------------------------------------------------------------------


def _check_predict_call(ex: str, target: Callable, w, b, X) -> None:
    n, m = X.shape
    before = {"w": w.copy(), "X": X.copy()}
    got = _call(ex, target, (w, b, X), call=f"predict(w, b, X) with w {w.shape}, X {X.shape}")
    _require_unchanged(ex, before, {"w": w, "X": X})
    expected = _ref_predict(w, b, X)
    A = _ref_sigmoid(w.T @ X + b)
    shape_causes = {
        (m,): "a flat (m,) array; predictions have shape (1, m), like Y: keep the 2-D shape of A.",
        (m, 1): "a column (m, 1); predictions are a row (1, m), like Y.",
        (n, m): "one row per feature: A = sigmoid(np.dot(w.T, X) + b) has shape (1, m); w * X is element-wise.",
    }
    if isinstance(got, np.ndarray) and got.shape == (1, m) and got.dtype.kind in "biuf":
        values = np.unique(got.astype(float))
        if not np.all(np.isin(values, (0.0, 1.0))):
            cause = "predictions must be labels 0 or 1: convert the probabilities with A > 0.5."
            if _close(got, A):
                cause = "these are the probabilities A; predict returns labels: 1 where A > 0.5, else 0."
            _fail(ex, "predictions should contain only 0 and 1", expected=show(expected), got=show(got), cause=cause)
    mistakes = [
        (1 - expected, "labels are inverted: 1 (speech) where A > 0.5, 0 (music) otherwise."),
        (_ref_predict(w, 0.0, X), "b is left out: A = sigmoid(np.dot(w.T, X) + b)."),
        ((w.T @ X + b > 0.5).astype(float), "the threshold is applied to z = w^T X + b at 0.5; apply it to "
                                            "A = sigmoid(z) (A > 0.5, which is the same as z > 0)."),
        (np.ones((1, m)), "every prediction is 1: the threshold compares A > 0.5, not A > 0."),
        (np.zeros((1, m)), "every prediction is 0: the predictions are never filled in (Y_prediction stays "
                           "zeros) -- set the entries where A > 0.5 to 1."),
    ]
    _require_array(ex, "predictions", got, expected, mistakes=mistakes, shape_causes=shape_causes,
                   fallback="A = sigmoid(np.dot(w.T, X) + b); predictions = 1 where A > 0.5, 0 elsewhere, "
                            "shape (1, m).")


def predict_test(target: Callable) -> None:
    """Exercise 7: ``predict(w, b, X)`` -> (1, m) array of 0/1 labels."""
    ex = "predict"
    w = np.array([[0.3], [-0.8], [0.5]])
    # Clip 6 has w^T x = -0.09, so b = 0.2 decides its label; clip 7 has w^T x + b = 0.4, between the
    # thresholds 0 and 0.5 (a threshold applied to z instead of sigmoid(z) gets it wrong).
    X = np.array([[1.0, -1.0, 2.0, 0.5, -2.0, 0.0, 1.0],
                  [0.2, 1.0, 1.5, -0.5, 0.3, 0.3, 0.0],
                  [0.9, 0.4, -1.0, 1.0, -0.6, 0.3, -0.2]])
    _check_predict_call(ex, target, w, 0.2, X)
    w2 = np.array([[1.2], [-0.4]])
    X2 = np.array([[0.5, -0.3, 0.05], [0.1, 0.6, -1.5]])
    _check_predict_call(ex, target, w2, np.float64(-0.1), X2)
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


MODEL_KEYS = ("costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate", "num_iterations")


def model_test(target: Callable) -> None:
    """Exercise 8: ``model(...)`` trains with the given settings and returns the documented dict."""
    ex = "model"
    X_train, Y_train, X_test, Y_test = _model_inputs()
    iterations, rate = 250, 0.3
    call = f"model(X_train, Y_train, X_test, Y_test, num_iterations={iterations}, learning_rate={rate})"
    d = _call(ex, target, (X_train, Y_train, X_test, Y_test),
              {"num_iterations": iterations, "learning_rate": rate, "print_cost": False}, call=call)
    if not isinstance(d, dict):
        _fail(ex, "model should return a dictionary", expected=f"a dict with keys {list(MODEL_KEYS)}", got=show(d),
              cause="the template builds d = {'costs': costs, ...} and returns d.")
    missing = [k for k in MODEL_KEYS if k not in d]
    if missing:
        _fail(ex, f"the returned dict lacks {missing}", expected=f"keys {list(MODEL_KEYS)}", got=show(d),
              cause="keep the dictionary the template builds at the end of model.")
    if d["learning_rate"] != rate or d["num_iterations"] != iterations:
        _fail(ex, "d['learning_rate'] and d['num_iterations'] should be the values model was called with",
              expected=f"{rate} and {iterations}", got=f"{d['learning_rate']!r} and {d['num_iterations']!r}",
              cause="store the arguments themselves in the dictionary.")

    ref = _ref_model(X_train, Y_train, X_test, Y_test, iterations, rate)
    trained = {
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
    }
    mistakes_for = lambda key: [(v[key], cause) for v, cause in trained.values()]  # noqa: E731
    fallback = ("w, b = initialize_with_zeros(X_train.shape[0]); params, grads, costs = optimize(w, b, X_train, "
                "Y_train, num_iterations, learning_rate, print_cost); then predict with params['w'], params['b'].")
    n = X_train.shape[0]
    if isinstance(d["w"], np.ndarray) and d["w"].shape == (n, 1) and not np.any(d["w"]):
        _fail(ex, "w is still all zeros", expected=show(ref["w"]), got=show(d["w"]),
              cause="use the trained parameters: w = params['w'], b = params['b'] after optimize.")
    _require_array(ex, "d['w']", d["w"], ref["w"], mistakes=mistakes_for("w"), fallback=fallback,
                   shape_causes={(X_train.shape[1], 1): "w has one entry per example: initialize_with_zeros "
                                                         "gets the number of features, X_train.shape[0]."})
    _require_number(ex, "d['b']", d["b"], ref["b"], mistakes=mistakes_for("b"), fallback=fallback)
    costs = d["costs"]
    if not isinstance(costs, (list, tuple, np.ndarray)) or len(costs) != len(ref["costs"]):
        _fail(ex, "d['costs'] should be the list optimize returned", expected=f"{len(ref['costs'])} costs",
              got=show(costs), cause="store the costs returned by optimize.")
    for name, m in (("Y_prediction_train", X_train.shape[1]), ("Y_prediction_test", X_test.shape[1])):
        other = "Y_prediction_test" if name == "Y_prediction_train" else "Y_prediction_train"
        swapped_shape = (1, X_test.shape[1] if name == "Y_prediction_train" else X_train.shape[1])
        _require_array(ex, f"d['{name}']", d[name], ref[name],
                       mistakes=mistakes_for(name) + [(ref[other], f"{name} and {other} are swapped.")],
                       shape_causes={swapped_shape: f"{name} looks like the predictions of the other split: "
                                                    f"{name} = predict(w, b, {'X_train' if 'train' in name else 'X_test'})."},
                       fallback=fallback)
    _passed()


# --------------------------------------------------------------------------------------------
# Bonus: time-pooled features.
# --------------------------------------------------------------------------------------------


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
        (np.concatenate([mean, np.sqrt(X.var(axis=2)) ** 2], axis=1).T,
         "the second half is the variance; take its square root (np.std)."),
    ]
    shape_causes = {
        (2, 6): "one row per clip; the lab wants one column per clip (like train_set_x_flatten): add .T.",
        (3, 2): "only the means (or only the standard deviations): stack both, np.concatenate([mean, std], axis=1).T.",
        (8, 2): "pooled over the mel bands (axis=1) instead of over time (axis=2).",
        (2, 8): "pooled over the mel bands (axis=1) instead of over time (axis=2).",
    }
    _require_array(ex, "pool_features(X)", got, expected, mistakes=[mk for mk in mistakes if mk[0] is not None],
                   shape_causes=shape_causes,
                   fallback="np.concatenate([X.mean(axis=2), X.std(axis=2)], axis=1).T: the means of each band "
                            "over time, then the standard deviations, one column per clip.")
    _passed()
