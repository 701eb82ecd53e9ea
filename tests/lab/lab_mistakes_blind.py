"""A blind, held-out batch of 50 learner mistakes (issue 13, item 8).

Written *before* reading the diagnoses of ``speechmusic.teaching.public_tests`` or the entries of
``lab_mistakes.py``: only the lab's exercises (as a learner sees them) and the names of the test
functions were known. Each mistake is what a learner of the classic logistic-regression lab
typically writes; its cause is stated in one plain sentence (``CAUSE_SENTENCES``) and turned into
a matcher (key phrases a message naming that cause must contain) before any message was seen.
It was measured once against the diagnoses as they stood (docs/exercise-tests.md reports that
out-of-sample figure); since then it is also a regression check (``test_lab_diagnoses.py``), so
its rate today is no longer an out-of-sample estimate.

The format follows ``lab_mistakes.py``: a :class:`~lab_mistakes.Mistake` per wrong answer, a
:class:`~lab_mistakes.Cause` per actual cause, the same counting rules (a rejection is an
AssertionError; a cause is named when its matcher finds its phrases in the explanation part of the
message; a message naming :data:`~lab_mistakes.SHOTGUN` or more causes of its exercise names none).
``python tests/lab/lab_mistakes_blind.py [-v]`` prints the rates.
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
from lab_mistakes import SHOTGUN, Cause, Mistake, Outcome, _with_globals, explanation, summary
from lab_reference import fake_dataset, solution_functions

_SOLUTION = solution_functions()
sigmoid = _SOLUTION["sigmoid"]
initialize_with_zeros = _SOLUTION["initialize_with_zeros"]
propagate = _SOLUTION["propagate"]
optimize = _SOLUTION["optimize"]
predict = _SOLUTION["predict"]

#: The notebook's own variables at the time the exercise tests run (section 2 defines them before
#: exercise 3), for mistakes that use them instead of the function's parameters.
_TRAIN_ORIG, _TEST_ORIG = fake_dataset(m_train=6, m_test=4, seed=3)
NOTEBOOK_GLOBALS = {
    "train_set_x": _TRAIN_ORIG.reshape(_TRAIN_ORIG.shape[0], -1).T,
    "test_set_x": _TEST_ORIG.reshape(_TEST_ORIG.shape[0], -1).T,
    "train_set_y": np.array([[1, 0, 1, 1, 0, 0]]),
    "test_set_y": np.array([[0, 1, 1, 0]]),
}


# =========================================================================== causes, in plain words

#: The actual cause of each mistake, as one sentence (written first); the matchers below follow them.
CAUSE_SENTENCES: dict[str, str] = {
    # exercise 1
    "dimensions.len_of_one_clip": "len(train_set_x_orig[0]) is the length of one clip, i.e. its number of mel bands, "
                                  "not the number of clips.",
    "dimensions.time_steps_axis_1": "time_steps was read from axis 1 (the mel bands); the time frames are axis 2.",
    "dimensions.size_counts_every_number": ".size counts every number in the array, not the clips (axis 0).",
    "dimensions.counts_hard_coded": "the clip counts were typed in as numbers instead of being read from the "
                                    "arrays' shapes.",
    # exercise 2
    "flatten.reshape_straight_to_n_by_m": "reshaping straight to (n_mels * time_steps, m) without moving the clip "
                                          "axis last mixes numbers of different clips in each column.",
    "flatten.test_not_transposed": "the test set's flatten forgets .T, so it has one row per clip instead of one "
                                   "column.",
    "flatten.flatten_method": ".flatten() turns all clips into a single 1-D vector instead of a (n, m) matrix.",
    "flatten.test_reshaped_with_m_train": "the test set is reshaped with the training set's clip count "
                                          "(train_set_x_orig.shape[0]) instead of its own.",
    # exercise 3
    "sigmoid.math_exp": "math.exp only accepts a single number; np.exp works on arrays.",
    "sigmoid.exp_minus_z_numerator": "e^(-z) / (1 + e^(-z)) is sigmoid(-z) = 1 - sigmoid(z): the numerator should be 1.",
    "sigmoid.loop_over_len": "a loop over len(z) only works for 1-D arrays: a single number has no length; "
                             "np.exp handles any shape at once.",
    "sigmoid.floor_division": "// is floor (integer) division, which rounds every result down to 0 or 1.",
    "sigmoid.mutates_input": "z *= -1 changes the caller's array in place.",
    # exercise 4
    "initialize.zeros_two_arguments": "np.zeros takes the shape as one tuple; its second argument is the dtype.",
    "initialize.row_vector": "w is a row (1, dim) instead of a column (dim, 1).",
    "initialize.integer_b": "b is the integer 0 instead of the float 0.0.",
    "initialize.array_b": "b is a NumPy array (np.zeros(1)) instead of a plain float.",
    "initialize.global_size": "w's size comes from the notebook's train_set_x instead of the parameter dim.",
    # exercise 5
    "propagate.cost_without_m": "the cost is summed but not divided by m (m times too large).",
    "propagate.error_not_transposed_in_dw": "A - Y is a (1, m) row and must be transposed for X (A - Y)^T.",
    "propagate.w_not_transposed": "w (n, 1) must be transposed: the forward pass is w.T X, not w X.",
    "propagate.cost_is_a_1x1_array": "a cost computed with np.dot of two rows is a 1x1 array, not a number.",
    "propagate.db_without_m": "db is summed but not divided by m.",
    "propagate.bias_outside_sigmoid": "b is added after the sigmoid instead of inside it.",
    "propagate.cost_sum_axis_0": "np.sum(..., axis=0) leaves one loss per clip instead of the single number J.",
    "propagate.dw_flat_without_keepdims": "summing over axis 1 without keepdims gives a 1-D dw of shape (n,) "
                                          "instead of the column (n, 1).",
    "propagate.one_minus_log": "the second term uses 1 - log(A) instead of log(1 - A).",
    "propagate.error_sign": "the error is written Y - A instead of A - Y, so both gradients have the wrong sign.",
    "propagate.global_training_data": "the forward pass uses the notebook's train_set_x instead of the parameter X.",
    "propagate.integer_division": "1 // m is integer division, which is 0, so the cost and gradients are zero.",
    # exercise 6
    "optimize.gradient_ascent": "the update adds the gradient (ascent) instead of subtracting it.",
    "optimize.b_updated_with_dw": "b's update uses dw instead of db.",
    "optimize.propagate_unpacked_in_wrong_order": "propagate returns (grads, cost); they were unpacked as "
                                                  "(cost, grads).",
    "optimize.hard_coded_rate": "the step uses a fixed number instead of the learning_rate parameter.",
    "optimize.undefined_rate_name": "the update uses a name (lr) that is not defined; the parameter is learning_rate.",
    "optimize.global_training_data": "propagate is called on the notebook's train_set_x, train_set_y instead of "
                                     "the X, Y parameters.",
    "optimize.update_with_grads_dict": "the update multiplies the grads dictionary instead of dw.",
    # exercise 7
    "predict.w_not_transposed": "w (n, 1) must be transposed: w.T X, not w X.",
    "predict.loop_over_rows": "the loop runs over A.shape[0] (one row) instead of the m columns, so only the first "
                              "clip gets a label.",
    "predict.where_values_swapped": "np.where's two values are swapped, so speech gets 0 and music 1.",
    "predict.int_of_array": "int() converts a single number only; .astype converts the whole array.",
    "predict.if_on_array": "an if on a whole array is ambiguous; the comparison must be done element-wise.",
    "predict.elementwise_product": "* multiplies element by element (broadcasting) instead of the matrix product "
                                   "w.T X.",
    # exercise 8
    "model.dim_from_clip_count": "initialize_with_zeros is given the number of clips (X_train.shape[1]) instead of "
                                 "the number of features (X_train.shape[0]).",
    "model.settings_not_passed": "num_iterations and learning_rate are not passed to optimize, which uses its own "
                                 "defaults.",
    "model.test_predicted_on_train": "Y_prediction_test is computed on X_train instead of X_test.",
    "model.predicts_with_initial_parameters": "the predictions use the initial zero w, b instead of the trained "
                                              "params.",
    "model.optimize_positional_order": "optimize's settings are passed by position in the wrong order, so "
                                       "learning_rate lands in num_iterations.",
    "model.predicts_notebook_globals": "the predictions use the notebook's train_set_x / test_set_x instead of the "
                                       "X_train / X_test parameters.",
    "model.params_unpacked_as_tuple": "unpacking the params dict gives its keys ('w', 'b'), not the trained values.",
}


# =========================================================================== matchers (from the sentences)

CAUSES: dict[str, Cause] = {}


def _cause(cause_id: str, *groups: str | tuple[str, ...]) -> None:
    assert cause_id in CAUSE_SENTENCES and cause_id not in CAUSES, cause_id
    CAUSES[cause_id] = Cause(cause_id, tuple((g,) if isinstance(g, str) else tuple(g) for g in groups))


_DIVIDED_BY_M = ("1/m", "1 / m", "/ m", "/m", "divide", "divided", "m times", "average", "mean")
_MISSING = ("missing", "forgot", "m times", "not divided", "without", "too large")
_GLOBAL_DATA = ("global", "notebook", "outside the function", "outside your function")
_W_TRANSPOSE = ("w.t", "wᵀ", "w^t", "transpose w", "transposing w", "w transposed", "w is not transposed",
                "w must be transposed", "w needs to be transposed")

_cause("dimensions.len_of_one_clip", "m_train", ("n_mels", "mel bands", "one clip", "single clip", "first clip",
                                                 "rows of"))
_cause("dimensions.time_steps_axis_1", "time_steps", ("shape[2]", "axis 2", "third axis", "last axis", "shape[1]",
                                                      "axis 1", "second axis", "mel bands", "n_mels"))
_cause("dimensions.size_counts_every_number", "m_train", (".size", "every number", "all the numbers",
                                                          "number of elements", "elements", "every value",
                                                          "all values", "n_mels * time_steps", "total"))
_cause("dimensions.counts_hard_coded", ("m_train", "m_test"),
       ("hard-coded", "hard coded", "hardcoded", "typed", "a number you wrote", "fixed number", "constant",
        "not computed from", "does not come from", "doesn't come from", "instead of reading", "read it from the",
        "literal"))

_cause("flatten.reshape_straight_to_n_by_m", ("mix", "different clips", "several clips", "other clips",
                                              "scrambl"))
_cause("flatten.test_not_transposed", ("test_set_x_flatten", "test set"),
       (".t", "transpos", "one row per clip", "rows instead of columns", "row per clip"))
_cause("flatten.flatten_method", ("1-d", "one-dimensional", "1d", "one long vector", "a single vector",
                                  ".flatten()", "flatten()", "ravel", "one axis", "only one dimension", "ndim"))
_cause("flatten.test_reshaped_with_m_train", ("test_set_x_flatten", "test set", "test clips"),
       ("m_train", "train_set_x_orig.shape[0]", "training clips", "training set", "train_set_x_orig"))

_cause("sigmoid.math_exp", "math.exp", ("np.exp", "numpy", "single number", "array", "one number"))
_cause("sigmoid.exp_minus_z_numerator", ("numerator", "e^(-z) /", "np.exp(-z) /", "exp(-z) /", "on top"))
_cause("sigmoid.loop_over_len", ("loop", "len(", "for "), ("number", "scalar", "2-d", "any shape", "vectoris",
                                                          "vectoriz", "single value", "unsized"))
_cause("sigmoid.floor_division", ("//", "floor division", "integer division", "rounds down", "rounded down"))
_cause("sigmoid.mutates_input", ("in place", "in-place", "modif", "changed its argument", "changes the array",
                                 "changes z", "mutat", "overwr"))

_cause("initialize.zeros_two_arguments", ("tuple", "dtype", "data type", "second argument"))
_cause("initialize.row_vector", ("row", "swapped", "reversed", "transpos", "order"))
_cause("initialize.integer_b", ("int", "integer"), ("float", "0.0"))
_cause("initialize.array_b", ("array", "ndarray", "np.zeros(1)"), ("float", "0.0", "a number", "scalar"))
_cause("initialize.global_size", "dim", ("ignor", "not dim", "instead of dim", "global", "notebook", "train_set_x",
                                         "other variable", "does not use", "doesn't use", "fixed size", "always",
                                         "independent of dim", "whatever dim"))

_cause("propagate.cost_without_m", "cost", _DIVIDED_BY_M, _MISSING)
_cause("propagate.error_not_transposed_in_dw", ("transpos", "ᵀ"), ("a - y", "a-y", "a − y", "error",
                                                                                "dz"))
_cause("propagate.w_not_transposed", _W_TRANSPOSE, ("transpos", "not aligned", "column", "(n, 1)"))
_cause("propagate.cost_is_a_1x1_array", "cost", ("(1, 1)", "1x1", "1×1", "1 by 1", "array"),
       ("float", "number", "squeeze", "scalar", ".item", "np.sum"))
_cause("propagate.db_without_m", "db", _DIVIDED_BY_M, _MISSING)
_cause("propagate.bias_outside_sigmoid", ("outside", "after the sigmoid", "inside", "to the probabilities",
                                          "after sigmoid", "sigmoid(w.t x) + b", "added to a"))
_cause("propagate.cost_sum_axis_0", "cost", "axis", ("per clip", "per example", "one cost per", "each clip", "each example",
                                             "array", "every clip", "not a number", "single number"))
_cause("propagate.dw_flat_without_keepdims", "dw", ("keepdims", "1-d", "(n,)", "one-dimensional", "flat", "1d"))
_cause("propagate.one_minus_log", ("1 - np.log", "1 - log", "1 − log", "1-np.log", "1-log"))
_cause("propagate.error_sign", ("sign", "y - a", "y-a", "opposite", "negat", "reversed", "flipped"))
_cause("propagate.global_training_data", _GLOBAL_DATA + ("train_set_x", "instead of x", "not x", "parameter x",
                                                         "argument x", "the x passed", "not the x"))
_cause("propagate.integer_division", ("//", "integer division", "floor division", "rounds down"))

_cause("optimize.gradient_ascent", ("ascent", "uphill", "adds", "added", "plus", "sign", "subtract", "w + ",
                                    "+ learning_rate", "+=", "opposite direction", "wrong direction", "increases"))
_cause("optimize.b_updated_with_dw", "db", ("instead of db", "dw for b", "b with dw", "uses dw", "* dw", "with dw",
                                            "wrong gradient", "db for w", "swapped"))
_cause("optimize.propagate_unpacked_in_wrong_order", ("order", "swapped", "grads, cost", "first"),
       ("propagate", "return", "unpack"))
_cause("optimize.hard_coded_rate", "learning_rate", ("hard-coded", "hard coded", "hardcoded", "fixed", "constant",
                                                     "ignor", "typed", "number instead", "instead of learning_rate",
                                                     "doesn't use", "does not use", "not use", "literal"))
_cause("optimize.undefined_rate_name", "learning_rate", ("not defined", "undefined", "no variable", "isn't defined",
                                                         "is called", "parameter's name", "name of the parameter",
                                                         "spelled"))
_cause("optimize.global_training_data", _GLOBAL_DATA + ("train_set_x", "train_set_y", "not the x", "instead of x",
                                                        "the x and y it was given", "the x and y passed"))
_cause("optimize.update_with_grads_dict", ("dict", "dictionary"), "dw")

_cause("predict.w_not_transposed", _W_TRANSPOSE, ("transpos", "not aligned", "column", "(n, 1)"))
_cause("predict.loop_over_rows", ("loop", "range", "shape[0]", "first clip", "first column", "first example"),
       ("shape[1]", "column", "m clips", "every clip", "all clips", "only the first", "each clip", "rows"))
_cause("predict.where_values_swapped", ("invert", "swapped", "reversed", "opposite", "flipped", "the wrong way",
                                        "upside"))
_cause("predict.int_of_array", ("int(", "int()"), ("astype", "whole array", "array", "single number", "one number"))
_cause("predict.if_on_array", ("if ", "`if`", "an if", "if-statement", "if statement", "'if'", "truth value"),
       ("array", "every element", "each element", "element-wise", "elementwise", "ambiguous", "whole array",
        "vectoris", "astype", "np.where"))
_cause("predict.elementwise_product", ("element-wise", "elementwise", "element by element", "broadcast", "`*`", " * "),
       ("np.dot", "matrix product", "@", "matmul"))

_cause("model.dim_from_clip_count", ("initialize_with_zeros", "dim", "initialis", "initializ"),
       ("shape[1]", "number of clips", "number of examples", "m_train", "clips instead", "examples instead",
        "columns", "number of features", "rows of x_train", "shape[0]"))
_cause("model.settings_not_passed", ("pass", "forward", "hand on", "hands on", "default"),
       ("num_iterations", "learning_rate", "settings"))
_cause("model.test_predicted_on_train", "y_prediction_test", ("x_train", "training set", "training data",
                                                              "training clips", "x_test", "test set"))
_cause("model.predicts_with_initial_parameters", ("params", "trained", "learned", "optimize"),
       ("initial w", "initial parameters", "initial values", "all zeros", "still zero", "untrained",
        "before training", "starting values", "starting parameters"))
_cause("model.optimize_positional_order", ("order", "swapped", "position", "keyword"),
       ("learning_rate", "num_iterations"))
_cause("model.predicts_notebook_globals", _GLOBAL_DATA + ("train_set_x", "test_set_x", "instead of x_test",
                                                          "instead of x_train"))
_cause("model.params_unpacked_as_tuple", ("dict", "dictionary", "keys", "params[\"w\"]", "params['w']"),
       ("unpack", "keys", "\"w\"", "'w'", "string", "w, b = params"))

assert set(CAUSES) == set(CAUSE_SENTENCES)


# =========================================================================== the batch

BLIND: list[Mistake] = []


def mistake(test: str, cause: str, *, variables: bool = False, notebook_globals: bool = False):
    """Register a learner's function; ``notebook_globals``: it reads the notebook's data variables."""
    assert cause in CAUSES, cause

    def register(function):
        target = _with_globals(function, **NOTEBOOK_GLOBALS) if notebook_globals else function
        BLIND.append(Mistake(test, function.__name__, cause, target, variables, None, 3))
        return function

    return register


# --------------------------------------------------------------------------- exercise 1: dimensions


@mistake("dimensions_test", "dimensions.len_of_one_clip", variables=True)
def blind_dims_len_of_first_clip(train_set_x_orig, test_set_x_orig):
    m_train = len(train_set_x_orig[0])
    m_test = len(test_set_x_orig[0])
    n_mels = train_set_x_orig.shape[1]
    time_steps = train_set_x_orig.shape[2]
    return m_train, m_test, n_mels, time_steps


@mistake("dimensions_test", "dimensions.time_steps_axis_1", variables=True)
def blind_dims_time_steps_copy_pasted(train_set_x_orig, test_set_x_orig):
    m_train = train_set_x_orig.shape[0]
    m_test = test_set_x_orig.shape[0]
    n_mels = train_set_x_orig.shape[1]
    time_steps = train_set_x_orig.shape[1]
    return m_train, m_test, n_mels, time_steps


@mistake("dimensions_test", "dimensions.size_counts_every_number", variables=True)
def blind_dims_size(train_set_x_orig, test_set_x_orig):
    m_train = train_set_x_orig.size
    m_test = test_set_x_orig.size
    n_mels = train_set_x_orig.shape[1]
    time_steps = train_set_x_orig.shape[2]
    return m_train, m_test, n_mels, time_steps


@mistake("dimensions_test", "dimensions.counts_hard_coded", variables=True)
def blind_dims_typed_in(train_set_x_orig, test_set_x_orig):
    m_train = 160  # what the loading cell printed on the learner's machine
    m_test = 40
    n_mels = 128
    time_steps = 130
    return m_train, m_test, n_mels, time_steps


# --------------------------------------------------------------------------- exercise 2: flatten


@mistake("flatten_test", "flatten.reshape_straight_to_n_by_m", variables=True)
def blind_flatten_reshape_to_n_by_m(train_set_x_orig, test_set_x_orig):
    m_train, n_mels, time_steps = train_set_x_orig.shape
    m_test = test_set_x_orig.shape[0]
    train_set_x_flatten = train_set_x_orig.reshape(n_mels * time_steps, m_train)
    test_set_x_flatten = test_set_x_orig.reshape(n_mels * time_steps, m_test)
    return train_set_x_flatten, test_set_x_flatten


@mistake("flatten_test", "flatten.test_not_transposed", variables=True)
def blind_flatten_test_without_T(train_set_x_orig, test_set_x_orig):
    train_set_x_flatten = train_set_x_orig.reshape(train_set_x_orig.shape[0], -1).T
    test_set_x_flatten = test_set_x_orig.reshape(test_set_x_orig.shape[0], -1)
    return train_set_x_flatten, test_set_x_flatten


@mistake("flatten_test", "flatten.flatten_method", variables=True)
def blind_flatten_method(train_set_x_orig, test_set_x_orig):
    train_set_x_flatten = train_set_x_orig.flatten()
    test_set_x_flatten = test_set_x_orig.flatten()
    return train_set_x_flatten, test_set_x_flatten


@mistake("flatten_test", "flatten.test_reshaped_with_m_train", variables=True)
def blind_flatten_test_with_train_count(train_set_x_orig, test_set_x_orig):
    train_set_x_flatten = train_set_x_orig.reshape(train_set_x_orig.shape[0], -1).T
    test_set_x_flatten = test_set_x_orig.reshape(train_set_x_orig.shape[0], -1).T
    return train_set_x_flatten, test_set_x_flatten


# --------------------------------------------------------------------------- exercise 3: sigmoid


@mistake("sigmoid_test", "sigmoid.math_exp")
def blind_sigmoid_math_exp(z):
    s = 1 / (1 + math.exp(-z))
    return s


@mistake("sigmoid_test", "sigmoid.exp_minus_z_numerator")
def blind_sigmoid_exp_over(z):
    s = np.exp(-z) / (1 + np.exp(-z))
    return s


@mistake("sigmoid_test", "sigmoid.loop_over_len")
def blind_sigmoid_loop(z):
    s = np.zeros(len(z))
    for i in range(len(z)):
        s[i] = 1 / (1 + np.exp(-z[i]))
    return s


@mistake("sigmoid_test", "sigmoid.floor_division")
def blind_sigmoid_floor_division(z):
    s = 1 // (1 + np.exp(-z))
    return s


@mistake("sigmoid_test", "sigmoid.mutates_input")
def blind_sigmoid_negates_in_place(z):
    z *= -1
    s = 1 / (1 + np.exp(z))
    return s


# --------------------------------------------------------------------------- exercise 4: initialize_with_zeros


@mistake("initialize_with_zeros_test_1", "initialize.zeros_two_arguments")
def blind_init_zeros_dim_comma_one(dim):
    w = np.zeros(dim, 1)
    b = 0.0
    return w, b


@mistake("initialize_with_zeros_test_1", "initialize.row_vector")
def blind_init_row(dim):
    w = np.zeros((1, dim))
    b = 0.0
    return w, b


@mistake("initialize_with_zeros_test_1", "initialize.integer_b")
def blind_init_b_int(dim):
    w = np.zeros((dim, 1))
    b = 0
    return w, b


@mistake("initialize_with_zeros_test_1", "initialize.array_b")
def blind_init_b_zeros_array(dim):
    w = np.zeros((dim, 1))
    b = np.zeros(1)
    return w, b


@mistake("initialize_with_zeros_test_1", "initialize.global_size", notebook_globals=True)
def blind_init_size_from_the_data(dim):
    w = np.zeros((train_set_x.shape[0], 1))  # noqa: F821 (the notebook's variable)
    b = 0.0
    return w, b


# --------------------------------------------------------------------------- exercise 5: propagate


@mistake("propagate_test", "propagate.cost_without_m")
def blind_propagate_cost_sum_only(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.error_not_transposed_in_dw")
def blind_propagate_dw_no_T(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y)) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.w_not_transposed")
def blind_propagate_w_X(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.cost_is_a_1x1_array")
def blind_propagate_cost_by_dot(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * (np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T))
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.db_without_m")
def blind_propagate_db_sum_only(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y)
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.bias_outside_sigmoid")
def blind_propagate_b_after_sigmoid(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X)) + b
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.cost_sum_axis_0")
def blind_propagate_cost_axis_0(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=0) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.dw_flat_without_keepdims")
def blind_propagate_dw_sum_axis_1(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.sum(X * (A - Y), axis=1) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.one_minus_log")
def blind_propagate_one_minus_log(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * (1 - np.log(A))) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.error_sign")
def blind_propagate_y_minus_a(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (Y - A).T) / m
    db = np.sum(Y - A) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.global_training_data", notebook_globals=True)
def blind_propagate_uses_train_set_x(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, train_set_x) + b)  # noqa: F821 (the notebook's variable)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": db}
    return grads, cost


@mistake("propagate_test", "propagate.integer_division")
def blind_propagate_floor_division(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -(1 // m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = (1 // m) * np.dot(X, (A - Y).T)
    db = (1 // m) * np.sum(A - Y)
    grads = {"dw": dw, "db": db}
    return grads, cost


# --------------------------------------------------------------------------- exercise 6: optimize


@mistake("optimize_test", "optimize.gradient_ascent")
def blind_optimize_plus(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w + learning_rate * dw
        b = b + learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


@mistake("optimize_test", "optimize.b_updated_with_dw")
def blind_optimize_b_with_dw(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * dw
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


@mistake("optimize_test", "optimize.propagate_unpacked_in_wrong_order")
def blind_optimize_cost_grads(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        cost, grads = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


@mistake("optimize_test", "optimize.hard_coded_rate")
def blind_optimize_rate_0_01(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - 0.01 * dw
        b = b - 0.01 * db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


@mistake("optimize_test", "optimize.undefined_rate_name")
def blind_optimize_lr(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - lr * dw  # noqa: F821 (the learner's undefined name)
        b = b - lr * db  # noqa: F821
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


@mistake("optimize_test", "optimize.global_training_data", notebook_globals=True)
def blind_optimize_on_train_set(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, train_set_x, train_set_y)  # noqa: F821 (the notebook's variables)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


@mistake("optimize_test", "optimize.update_with_grads_dict")
def blind_optimize_times_grads(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * grads
        b = b - learning_rate * grads
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs


# --------------------------------------------------------------------------- exercise 7: predict


@mistake("predict_test", "predict.w_not_transposed")
def blind_predict_w_X(w, b, X):
    A = sigmoid(np.dot(w, X) + b)
    Y_prediction = (A > 0.5).astype(float)
    return Y_prediction


@mistake("predict_test", "predict.loop_over_rows")
def blind_predict_loop_shape_0(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = np.zeros((1, X.shape[1]))
    for i in range(A.shape[0]):
        if A[0, i] > 0.5:
            Y_prediction[0, i] = 1
        else:
            Y_prediction[0, i] = 0
    return Y_prediction


@mistake("predict_test", "predict.where_values_swapped")
def blind_predict_where_0_1(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = np.where(A > 0.5, 0, 1)
    return Y_prediction


@mistake("predict_test", "predict.int_of_array")
def blind_predict_int(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = int(A > 0.5)
    return Y_prediction


@mistake("predict_test", "predict.if_on_array")
def blind_predict_if(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    if A > 0.5:
        Y_prediction = 1
    else:
        Y_prediction = 0
    return Y_prediction


@mistake("predict_test", "predict.elementwise_product")
def blind_predict_star(w, b, X):
    A = sigmoid(w.T * X + b)
    Y_prediction = (A > 0.5).astype(float)
    return Y_prediction


# --------------------------------------------------------------------------- exercise 8: model


def _model_dict(costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations):
    return {"costs": costs, "Y_prediction_test": Y_prediction_test, "Y_prediction_train": Y_prediction_train,
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.dim_from_clip_count")
def blind_model_dim_shape_1(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                            print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[1])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    return _model_dict(costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations)


@mistake("model_test", "model.settings_not_passed")
def blind_model_optimize_defaults(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                  print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    return _model_dict(costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations)


@mistake("model_test", "model.test_predicted_on_train")
def blind_model_test_on_train(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                              print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_train)
    Y_prediction_train = predict(w, b, X_train)
    return _model_dict(costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations)


@mistake("model_test", "model.predicts_with_initial_parameters")
def blind_model_params_ignored(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                               print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    return _model_dict(costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations)


@mistake("model_test", "model.optimize_positional_order")
def blind_model_positional_settings(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                    print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, learning_rate, num_iterations, print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    return _model_dict(costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations)


@mistake("model_test", "model.predicts_notebook_globals", notebook_globals=True)
def blind_model_predicts_notebook_sets(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                       print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, test_set_x)  # noqa: F821 (the notebook's variables)
    Y_prediction_train = predict(w, b, train_set_x)  # noqa: F821
    return _model_dict(costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations)


@mistake("model_test", "model.params_unpacked_as_tuple")
def blind_model_w_b_from_params(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    w, b = params
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    return _model_dict(costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations)


assert len(BLIND) == 50, len(BLIND)


# =========================================================================== measuring (lab_mistakes' rules)


def measure_one(case: Mistake, public_tests) -> Outcome:
    """As :func:`lab_mistakes.measure_one`, with this batch's causes (the shotgun rule counts them)."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
            case.run(public_tests)
    except AssertionError as failure:
        message = str(failure)
    except Exception as error:  # a crash of the test itself: not a clean rejection
        return Outcome(case, False, f"the test crashed: {type(error).__name__}: {error}", False, printed=out.getvalue())
    else:
        return Outcome(case, False, "", False, printed=out.getvalue())
    text = explanation(message)
    exercise = CAUSES[case.cause].exercise
    others = [c.id for c in CAUSES.values() if c.exercise == exercise and c.id != case.cause and c.named_in(text)]
    named = CAUSES[case.cause].named_in(text) and len(others) + 1 < SHOTGUN
    return Outcome(case, True, message, named, others, out.getvalue())


def measure(public_tests, catalogue: list[Mistake] = BLIND) -> list[Outcome]:
    return [measure_one(case, public_tests) for case in catalogue]


def main(argv: list[str] | None = None) -> int:
    import argparse

    from lab_mistakes import _load_module

    parser = argparse.ArgumentParser(description="Measure the blind batch against a public-tests module.")
    parser.add_argument("--module", help="a public_tests.py file to measure (default: speechmusic.teaching.public_tests)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mistake whose cause is not named")
    args = parser.parse_args(argv)
    if args.module:
        module = _load_module(args.module)
    else:
        import speechmusic.teaching.public_tests as module
    outcomes = measure(module)
    print(f"{'test':32} {'mistakes':>8} {'rejected':>9} {'named':>7}")
    for name, row in summary(outcomes).items():
        if name.startswith("held out"):
            continue
        print(f"{name:32} {row['mistakes']:8d} {100 * row['rejected']:8.1f}% {100 * row['named']:6.1f}%")
    if args.verbose:
        for outcome in outcomes:
            if not outcome.named:
                print(f"\n--- {outcome.mistake!r} ({outcome.mistake.cause}) rejected={outcome.rejected} "
                      f"also={outcome.also_named}\n  cause: {CAUSE_SENTENCES[outcome.mistake.cause]}\n"
                      f"{outcome.message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
