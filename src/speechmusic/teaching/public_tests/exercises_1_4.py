"""Exercises 1-4: dimensions, flatten, sigmoid, initialize_with_zeros."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from speechmusic.teaching.public_tests import reference
from speechmusic.teaching.public_tests.calls import call_learner, require_array, require_number, unpack
from speechmusic.teaching.public_tests.common import (
    ATOL,
    RTOL,
    Lazy,
    all_close,
    exercise_test,
    fail,
    is_float,
    is_number,
    quiet_call,
    report_pass,
    show,
)
from speechmusic.teaching.public_tests.explain import global_data_cause, is_int

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
    if not is_int(value):
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


@exercise_test("dimensions")
def dimensions_test(train_set_x_orig, test_set_x_orig, m_train, m_test, n_mels, time_steps) -> None:
    """Exercise 1: ``m_train``, ``m_test``, ``n_mels``, ``time_steps`` from the dataset arrays.

    Call it as ``dimensions_test(train_set_x_orig, test_set_x_orig, m_train, m_test, n_mels, time_steps)``.
    """
    ex = "dimensions"
    for name, array in (("train_set_x_orig", train_set_x_orig), ("test_set_x_orig", test_set_x_orig)):
        if not isinstance(array, np.ndarray) or array.ndim != 3:
            fail(ex, f"{name} should be the (m, n_mels, time_steps) array from load_dataset()",
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
            fail(ex, f"{name} should be one integer", expected=str(expected[name]), got=show(value),
                  cause=f"{name} holds a whole shape; pick one entry of it with [index]. {hints[name]}")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            cause = hints[name]
            if is_number(value) and float(value) == expected[name]:
                cause = f"{name} counts something, so it should be an int, as .shape gives it."
            fail(ex, f"{name} should be an integer", expected=str(expected[name]), got=show(value), cause=cause)
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
            fail(ex, f"{name} is wrong", expected=str(expected[name]), got=show(value), cause=cause)
    report_pass()


@exercise_test("flatten")
def flatten_test(train_set_x_orig, test_set_x_orig, train_set_x_flatten, test_set_x_flatten) -> None:
    """Exercise 2: one column per clip, ``X.reshape(X.shape[0], -1).T``.

    Call it as ``flatten_test(train_set_x_orig, test_set_x_orig, train_set_x_flatten, test_set_x_flatten)``.
    """
    ex = "flatten"
    for split, orig, flat in (("train", train_set_x_orig, train_set_x_flatten),
                              ("test", test_set_x_orig, test_set_x_flatten)):
        name = f"{split}_set_x_flatten"
        if not isinstance(orig, np.ndarray) or orig.ndim != 3:
            fail(ex, f"{split}_set_x_orig should be the (m, n_mels, time_steps) array from load_dataset()",
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
        require_array(ex, name, flat, expected, mistakes=[mk for mk in mistakes if mk[0] is not None],
                       shape_causes=shape_causes,
                       fallback=f"{name} = {split}_set_x_orig.reshape({split}_set_x_orig.shape[0], -1).T")
    report_pass()


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
        theirs = quiet_call(target, _SIGMOID_CHECK.copy())
        for (value, cause), (value_there, _) in zip(_sigmoid_mistakes(z), _sigmoid_mistakes(_SIGMOID_CHECK)):
            if theirs is None or all_close(theirs, value_there):
                yield value, cause
    return confirmed


def _sigmoid_where_wrong(target: Callable) -> str | None:
    """Right on one side of 0 only: something changes the sign of z."""
    theirs = quiet_call(target, _SIGMOID_CHECK.copy())
    if not isinstance(theirs, np.ndarray) or theirs.shape != _SIGMOID_CHECK.shape:
        return None
    right = np.isclose(theirs.astype(float), reference.sigmoid(_SIGMOID_CHECK), rtol=RTOL, atol=ATOL)
    negative = _SIGMOID_CHECK < 0
    if np.all(right[~negative]) and not np.any(right[negative]):
        side, other = "z >= 0", "negative z"
    elif np.all(right[negative]) and not np.any(right[~negative]):
        side, other = "negative z", "positive z"
    else:
        return None
    return (f"sigmoid is right for {side} but wrong for {other}: something changes the sign of z (np.abs, "
            f"a square, a max with 0, ...). Compute 1 / (1 + np.exp(-z)) on z as it is.")


@exercise_test("sigmoid")
def sigmoid_test(target: Callable) -> None:
    """Exercise 3: ``sigmoid(z)`` on numbers and on arrays of any shape."""
    ex = "sigmoid"
    fallback = "sigmoid(z) = 1 / (1 + np.exp(-z)), computed with NumPy so it works on arrays."
    where = Lazy(lambda: _sigmoid_where_wrong(target))
    for z in (2.0, 0, -1.5):
        got = call_learner(ex, target, (z,), call=f"sigmoid({z!r})")
        if got is None:
            fail(ex, f"sigmoid({z!r}) returned None", expected=f"{float(reference.sigmoid(z)):.8f}", got="None", cause="the function has no 'return s' (or returns nothing).")
        if isinstance(got, list):
            fail(ex, f"sigmoid({z!r}) should be a number", expected=f"{float(reference.sigmoid(z)):.8f}", got=show(got),
                  cause="the result is a Python list: a loop or list comprehension (often with math.exp) builds a "
                        "list. Use np.exp on z directly: s = 1 / (1 + np.exp(-z)) works on numbers and whole "
                        "arrays alike.")
        if not is_number(got) and not (isinstance(got, np.ndarray) and got.size == 1):
            fail(ex, f"sigmoid({z!r}) should be one number", expected=f"{float(reference.sigmoid(z)):.8f}",
                  got=show(got), cause=fallback)
        require_number(ex, f"sigmoid({z!r})", got if is_number(got) else np.asarray(got).reshape(()),
                        float(reference.sigmoid(z)), mistakes=_sigmoid_confirmed(target, z), fallback=fallback,
                        probe_more=where)

    inputs = [
        np.array([-1.0, 0.0, 2.0]),
        np.array([[-3, 1, 4, 0]]),  # ints, and the (1, m) shape sigmoid gets in propagate
        np.array([[0.5, -0.25], [10.0, -10.0], [30.0, -30.0]]),
    ]
    for z in inputs:
        call = f"sigmoid(np.array({z.tolist()}))"
        original = z.copy()
        got = call_learner(ex, target, (z,), call=call)
        if not np.array_equal(z, original):
            fail(ex, "sigmoid changed the array passed to it", expected=f"z unchanged: {show(original)}",
                  got=f"z after the call: {show(z)}",
                  cause="an in-place operation such as z *= -1 or z[...] = ... modifies the caller's array. "
                        "Compute a new array: s = 1 / (1 + np.exp(-z)).")
        require_array(ex, call, got, reference.sigmoid(z), mistakes=_sigmoid_confirmed(target, z),
                       shape_causes={(): "a single number came back for an array: use np.exp, which keeps "
                                         "the array's shape, not math.exp or a loop that keeps one value."},
                       fallback=fallback, probe_more=where)
    report_pass()


# --------------------------------------------------------------------------------------------
# Exercise 4: initialize_with_zeros.
# --------------------------------------------------------------------------------------------


def _check_initialization(ex: str, target: Callable, dim: int) -> tuple[np.ndarray, Any]:
    result = call_learner(ex, target, (dim,), call=f"initialize_with_zeros({dim})")
    w, b = unpack(ex, result, ("w", "b"), hint="end the function with 'return w, b'.")
    if is_number(w) and isinstance(b, np.ndarray):
        fail(ex, "w and b come back in the wrong order", expected="w (an array), b (a number)",
              got=f"{show(w)}, then {show(b)}", cause="return w, b (in this order).")
    shape_causes = {
        (dim,): f"np.zeros(dim) makes a flat array of shape ({dim},). w is a column vector: "
                f"np.zeros((dim, 1)) -- note the shape is one tuple, hence the double parentheses.",
        (1, dim): "np.zeros((1, dim)) is a row vector; w is a column vector of shape (dim, 1).",
        (dim, dim): "np.zeros((dim, dim)) is a square matrix; w has shape (dim, 1).",
    }
    fallback = "w starts as all zeros, of shape (dim, 1): w = np.zeros((dim, 1))."
    local = Lazy(lambda: global_data_cause(ex, target))
    ignores_dim = Lazy(lambda: _dim_ignored(target, w))
    if isinstance(w, np.ndarray) and w.shape == (dim, 1) and w.dtype.kind in "biuf" and np.any(w != 0) \
            and np.any(w != 1) and len(np.unique(w)) > 1:
        fallback = ("w holds different non-zero values (random numbers?): logistic regression starts from "
                    "zeros, w = np.zeros((dim, 1)).")
    require_array(ex, "w", w, np.zeros((dim, 1)), shape_causes=shape_causes,
                   mistakes=[(np.ones((dim, 1)), "np.ones gives ones; the weights start at zero: np.zeros((dim, 1)).")],
                   fallback=fallback, earlier=local, probe_more=ignores_dim)
    if w.dtype.kind != "f":
        fail(ex, "w should hold floats", expected="dtype float64", got=f"dtype {w.dtype}",
              cause="np.zeros((dim, 1)) gives floats; a dtype=int argument makes gradient updates round to integers.")
    if not is_number(b):
        cause = "b is a single number: b = 0.0."
        if isinstance(b, np.ndarray):
            cause = f"b is an array of shape {b.shape}; it should be the plain number 0.0 (b = 0.0)."
        fail(ex, "b should be a single number", expected="0.0 (a float)", got=show(b), cause=cause)
    if not is_float(b):
        fail(ex, "b should be a float", expected="0.0 (a float)", got=show(b),
              cause="b = 0 is an int; write b = 0.0 so that b is a float like the values it will take.")
    if float(b) != 0.0:
        fail(ex, "b should be zero", expected="0.0", got=show(b), cause="b = 0.0.")
    return w, b


def _dim_ignored(target: Callable, w) -> str | None:
    """w has the same shape for other values of dim: the argument is not used."""
    shapes = []
    for dim in (3, 7):
        result = quiet_call(target, dim)
        if not isinstance(result, tuple) or len(result) != 2:
            return None
        shapes.append(np.shape(result[0]))
    if shapes[0] == shapes[1] == np.shape(w):
        return (f"the argument dim is ignored: w has shape {np.shape(w)} whatever dim is (3, then 7). Use it: "
                f"w = np.zeros((dim, 1)).")
    return None


@exercise_test("initialize_with_zeros")
def initialize_with_zeros_test_1(target: Callable) -> None:
    """Exercise 4, first test: types and values for a small ``dim``."""
    _check_initialization("initialize_with_zeros", target, 2)
    report_pass()


@exercise_test("initialize_with_zeros")
def initialize_with_zeros_test_2(target: Callable) -> None:
    """Exercise 4, second test: the shape follows ``dim`` (including the lab's 16640)."""
    ex = "initialize_with_zeros"
    for dim in (1, 5, 16640):
        try:
            w, _ = _check_initialization(ex, target, dim)
        except AssertionError as error:
            first = call_learner(ex, target, (3,), call="initialize_with_zeros(3)")
            again = call_learner(ex, target, (7,), call="initialize_with_zeros(7)")
            same = (isinstance(first, tuple) and isinstance(again, tuple) and len(first) == len(again) == 2
                    and np.shape(first[0]) == np.shape(again[0]))
            if same:
                fail(ex, f"w has the same shape {np.shape(first[0])} whatever dim is",
                      expected=f"shape ({dim}, 1) for dim={dim}", got=show(first[0]),
                      cause="the argument dim is ignored: use it, w = np.zeros((dim, 1)).")
            raise error from None
    report_pass()
