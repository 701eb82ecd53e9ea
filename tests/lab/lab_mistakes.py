"""A catalogue of typical wrong answers, written as learners write them, each with its actual cause.

Every :class:`Mistake` names the public test that must reject it and the id of its *actual* cause
(``"optimize.hardcoded_learning_rate"``...). Every :class:`Cause` has a matcher: groups of key phrases
that the "likely cause" part of the failure message must contain (case-insensitive, each group
satisfied by any one of its alternatives), so that wording may change while the diagnosis must not.

:func:`measure` runs the whole catalogue against a public-tests module and reports, per exercise,
the share rejected and the share whose message names the actual cause; ``test_lab_diagnoses.py``
asserts the rates and ``python tests/lab/lab_mistakes.py [--module path/to/public_tests.py]`` prints
them (the ``--module`` option measures another version, e.g. the one on ``main``).

Adding a mistake: write the function as a learner would, decorate it with
``@mistake("<test>_test", "<exercise>.<cause>")``, and add the cause to :data:`CAUSES` if it is new.
Two batches at the end (``heldout=1``, ``heldout=2``) were written after the diagnoses and measured
once before the tests learned them: they estimate how often a new kind of mistake is named
(docs/exercise-tests.md).
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lab_reference import fake_dataset, solution_functions

_SOLUTION = solution_functions()
sigmoid = _SOLUTION["sigmoid"]
initialize_with_zeros = _SOLUTION["initialize_with_zeros"]
propagate = _SOLUTION["propagate"]
optimize = _SOLUTION["optimize"]
predict = _SOLUTION["predict"]


# =========================================================================== causes and their matchers


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


@dataclass(frozen=True)
class Cause:
    id: str
    groups: tuple[tuple[str, ...], ...]  # every group must be present; a group is a set of alternatives

    @property
    def exercise(self) -> str:
        return self.id.split(".", 1)[0]

    def named_in(self, explanation: str) -> bool:
        text = _normalise(explanation)
        return all(any(_normalise(alternative) in text for alternative in group) for group in self.groups)


CAUSES: dict[str, Cause] = {}


def _cause(cause_id: str, *groups: str | tuple[str, ...]) -> None:
    assert cause_id not in CAUSES, cause_id
    CAUSES[cause_id] = Cause(cause_id, tuple((g,) if isinstance(g, str) else tuple(g) for g in groups))


# --- exercise 1: dimensions
_cause("dimensions.train_test_swapped", "swapped", "m_test")
_cause("dimensions.mels_frames_swapped", "swapped", "n_mels", "time_steps")
_cause("dimensions.whole_shape", "whole shape")
_cause("dimensions.float_count", ("should be an int", "be an integer"))
_cause("dimensions.test_count_from_train", "test_set_x_orig.shape[0]")
_cause("dimensions.wrong_axis", ("shape[2]", "third axis"), ("value of n_mels", "shape[1] is n_mels", "that is n_mels"))
_cause("dimensions.from_labels", "train_set_y", "(1, m_train)")
# --- exercise 2: flatten
_cause("flatten.reshape_mixes_clips", "mixes")
_cause("flatten.rows_not_columns", "add .t", "column")
_cause("flatten.time_first", ("time-first", "time first"))
_cause("flatten.not_flattened", "not flattened")
_cause("flatten.other_split", "other split")
_cause("flatten.everything_in_one_vector", ("one long vector", ".flatten()", "ravel"), "clip")
# --- exercise 3: sigmoid
_cause("sigmoid.math_exp_on_array", "math.exp", "np.exp")
_cause("sigmoid.sign_error", "sign", "exp(-z)")
_cause("sigmoid.precedence", "parenthes")
_cause("sigmoid.only_exp", "only e^(-z)")
_cause("sigmoid.minus_in_denominator", "with a plus")
_cause("sigmoid.tanh", "tanh")
_cause("sigmoid.thresholded", "threshold")
_cause("sigmoid.returns_input", "unchanged")
_cause("sigmoid.modifies_input", ("in-place", "in place"))
_cause("sigmoid.no_return", ("returned none", "no 'return", "without 'return"))
_cause("sigmoid.recursive", "calls itself")
_cause("sigmoid.unwritten", "your code starts here")
_cause("sigmoid.loop_returns_list", "list", "np.exp")
_cause("sigmoid.wrong_parameter_name", "parameter", "'z'")
# --- exercise 4: initialize_with_zeros
_cause("initialize.np_zeros_flat", ("double parentheses", "flat array"), "(dim, 1)")
_cause("initialize.row_vector", "row vector")
_cause("initialize.square", "square matrix")
_cause("initialize.int_b", "0.0", "int")
_cause("initialize.array_b", "array of shape", "0.0")
_cause("initialize.int_w", "float", "dtype")
_cause("initialize.return_order", "order", "return w, b")
_cause("initialize.returns_only_w", ("returns one value", "end the function with 'return w, b'"))
_cause("initialize.ones", "np.ones")
_cause("initialize.list", "list", "np.zeros")
_cause("initialize.ignores_dim", ("dim is ignored", "argument dim"))
_cause("initialize.random", ("random", "non-zero"))
_cause("initialize.np_zeros_two_args", "np.zeros((dim, 1))", "data type")
_cause("initialize.np_zeros_brackets", "square brackets", "np.zeros((dim, 1))")
# --- exercise 5: propagate
_NO_M = ("1/m factor is missing", "m times too large")
_cause("propagate.missing_1_over_m", _NO_M)
_cause("propagate.m_from_labels", "y.shape[0] is 1")
_cause("propagate.m_wrong_axis", "x.shape[1]", ("features", "x.shape[0]"))
_cause("propagate.gradient_sign", "sign", "a - y")
_cause("propagate.cost_sign", "sign", "cost")
_cause("propagate.activation_sign", "sign", "a = sigmoid(")
_cause("propagate.elementwise_instead_of_dot", ("element by element", "element-wise"), "np.dot(x, (a - y).t)")
_cause("propagate.elementwise_wx", "w * x", "np.dot(w.t, x)")
_cause("propagate.w_not_transposed", "w.t", ("transpose", "np.dot(w, x)"))
_cause("propagate.A_column", "np.dot(x.t, w)", "(1, m)")
_cause("propagate.dw_operand_order", "order", "np.dot(x, (a - y).t)")
_cause("propagate.dw_flat", "flat", ("(n, 1)", "column"))
_cause("propagate.dw_wrong_axis", "axis=0", "dw")
_cause("propagate.db_wrong_axis", "axis=0", "db")
_cause("propagate.cost_wrong_axis", "axis=0", "cost")
_cause("propagate.b_left_out", "b is left out")
_cause("propagate.bias_outside_sigmoid", ("inside the sigmoid", "after the sigmoid", "outside the sigmoid"))
_cause("propagate.sigmoid_missing", "sigmoid is missing")
_cause("propagate.db_array", "db", "array of shape (1, 1)", "keepdims")
_cause("propagate.cost_array", "array of shape (1, 1)", "np.dot(y, np.log(a).t)")
_cause("propagate.cost_not_summed", ("over all examples is missing", "sum over the examples is missing"))
_cause("propagate.cost_operand_order", "order", "(m, m)")
_cause("propagate.double_average", "twice")
_cause("propagate.cost_term_missing", "term is missing")
_cause("propagate.log10", "natural logarithm")
_cause("propagate.logs_swapped", "swapped")
_cause("propagate.cost_terms_subtracted", "are added")
_cause("propagate.math_log_on_array", "math.log", "np.log")
_cause("propagate.labels_missing", "y is missing")
_cause("propagate.db_from_dw", "mean of dw")
_cause("propagate.grads_not_dict", "dictionary", "{'dw': dw, 'db': db}")
_cause("propagate.grads_wrong_keys", "lower-case")
_cause("propagate.return_order", "order", "return grads, cost")
_cause("propagate.modifies_input", "in-place")
_cause("propagate.unwritten", "your code starts here")
_cause("propagate.broken_sigmoid", "your sigmoid", ("first", "sigmoid_test"))
# --- exercise 6: optimize
_cause("optimize.gradient_ascent", "gradient ascent")
_cause("optimize.hardcoded_learning_rate", ("learning_rate argument is ignored", "learning rate is hard-coded"))
_cause("optimize.hardcoded_iterations", ("num_iterations argument is ignored", "iteration count is hard-coded"))
_cause("optimize.iterations_off_by_one", ("one iteration too many", "one iteration too few", "off by one"))
_cause("optimize.cost_every_iteration", "every iteration")
_cause("optimize.cost_after_update", "after the update")
_cause("optimize.w_not_updated", "w is never updated")
_cause("optimize.b_not_updated", "b is never updated")
_cause("optimize.updates_not_stored", ("nothing was learned", "never stored"))
_cause("optimize.gradient_computed_once", "inside the loop", "propagate")
_cause("optimize.ignores_start", "started from zeros")
_cause("optimize.costs_not_recorded", "nothing was appended")
_cause("optimize.costs_reset_in_loop", "costs = []", ("before the loop", "outside the loop"))
_cause("optimize.returns_two_values", "return params, grads, costs")
_cause("optimize.params_wrong_keys", "params = {'w': w, 'b': b}")
_cause("optimize.renamed_parameters", ("parameters differ", "signature"))
_cause("optimize.unwritten", "your code starts here")
_cause("optimize.wrong_gradient_in_update", "is updated with")
_cause("optimize.update_without_rate", "multiplied by learning_rate")
_cause("optimize.update_divided_by_m", "divided by m")
_cause("optimize.update_transposed", "dw.t")
_cause("optimize.dict_unpacked_as_tuple", "keys", "grads['dw']")
_cause("optimize.propagate_argument_order", "order", "propagate(w, b, x, y)")
# --- exercise 7: predict
_cause("predict.probabilities", "probabilities", "a > 0.5")
_cause("predict.inverted", "inverted")
_cause("predict.b_left_out", "b is left out")
_cause("predict.bias_outside_sigmoid", ("inside the sigmoid", "after the sigmoid", "outside the sigmoid"))
_cause("predict.threshold_on_z", "threshold is applied to z")
_cause("predict.threshold_zero", "every prediction is 1", "a > 0.5")
_cause("predict.never_filled", "never filled")
_cause("predict.flat", "flat (m,)", "(1, m)")
_cause("predict.column", "column", "(1, m)")
_cause("predict.if_on_array", "'if'", "a > 0.5")
_cause("predict.elementwise", ("element by element", "element-wise"))
_cause("predict.loop_wrong_axis", "loop", "a.shape[1]")
_cause("predict.returns_list", "list", "array")
_cause("predict.wrong_parameter_name", "parameter", "'x'")
_cause("predict.unwritten", "your code starts here")
# --- exercise 8: model
_cause("model.optimize_defaults", "its own defaults")
_cause("model.hardcoded_settings", "does not pass its arguments on")
_cause("model.rate_not_passed", "learning_rate is not passed on")
_cause("model.iterations_not_passed", "num_iterations is not passed on")
_cause("model.trained_on_test", "trained on the test set")
_cause("model.predictions_swapped", ("other split", "swapped"))
_cause("model.untrained_parameters", ("still all zeros", "trained parameters"), "params['w']")
_cause("model.initialize_wrong_dim", "number of features", "x_train.shape[0]")
_cause("model.stores_wrong_settings", "values model was called with")
_cause("model.missing_key", "key", "missing")
_cause("model.returns_nothing", "return")
_cause("model.wrong_argument_order", "order", ("optimize(w, b, x_train, y_train", "predict(w, b, x"))
_cause("model.dict_unpacked_as_tuple", "keys", "params['w']")
_cause("model.params_from_grads", "gradients", "params['w']")
_cause("model.broken_optimize", "your optimize", ("first", "optimize_test"))
_cause("model.uses_notebook_globals", "parameters", "x_train")
# --- bonus: pool_features
_cause("pool.ddof", "ddof")
_cause("pool.order", "means first")
_cause("pool.rows", "one column per clip")
_cause("pool.means_only", "only the means")
_cause("pool.wrong_axis", "over the mel bands")
_cause("pool.variance", "variance")


# =========================================================================== the catalogue


@dataclass(frozen=True)
class Mistake:
    test: str  # name of the public test, e.g. "propagate_test"
    name: str
    cause: str  # id in CAUSES
    function: Callable  # the learner's function, or for exercises 1 and 2 (train_x, test_x) -> values
    variables: bool = False  # exercises 1 and 2: ``function`` computes the variables the test receives
    unnamed: str | None = None  # why the tests cannot name this cause (None: they are expected to)
    heldout: int = 0  # 1, 2: written after the diagnoses, in two batches, to check they generalise (see below)

    def __repr__(self) -> str:  # readable pytest ids
        return f"{self.test}:{self.name}"

    def run(self, public_tests) -> None:
        """Run the public test on this mistake (raises what the test raises)."""
        test = getattr(public_tests, self.test)
        if self.variables:
            train_x, test_x = fake_dataset()
            test(train_x, test_x, *self.function(train_x, test_x))
        else:
            test(self.function)


CATALOGUE: list[Mistake] = []


def mistake(test: str, cause: str, *, unnamed: str | None = None, variables: bool = False, heldout: int = 0):
    assert cause in CAUSES, f"unknown cause {cause!r}: add it to CAUSES"

    def register(function):
        CATALOGUE.append(Mistake(test, function.__name__, cause, function, variables, unnamed, heldout))
        return function

    return register


def _with_globals(function: Callable, **names) -> Callable:
    """``function`` as if defined in a notebook where ``names`` (e.g. a broken sigmoid) are the globals."""
    namespace = dict(function.__globals__, **names)
    return types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__)


# --------------------------------------------------------------------------- exercises 1 and 2 (variables)


@mistake("dimensions_test", "dimensions.train_test_swapped", variables=True)
def dims_train_test_swapped(train_x, test_x):
    return test_x.shape[0], train_x.shape[0], train_x.shape[1], train_x.shape[2]


@mistake("dimensions_test", "dimensions.mels_frames_swapped", variables=True)
def dims_mels_frames_swapped(train_x, test_x):
    return train_x.shape[0], test_x.shape[0], train_x.shape[2], train_x.shape[1]


@mistake("dimensions_test", "dimensions.whole_shape", variables=True)
def dims_whole_shape(train_x, test_x):
    return train_x.shape, test_x.shape[0], train_x.shape[1], train_x.shape[2]


@mistake("dimensions_test", "dimensions.float_count", variables=True)
def dims_float_count(train_x, test_x):
    return train_x.shape[0] / 1, test_x.shape[0], train_x.shape[1], train_x.shape[2]


@mistake("dimensions_test", "dimensions.test_count_from_train", variables=True)
def dims_test_count_from_train(train_x, test_x):
    return train_x.shape[0], train_x.shape[0], train_x.shape[1], train_x.shape[2]


@mistake("dimensions_test", "dimensions.wrong_axis", variables=True)
def dims_time_steps_from_axis_1(train_x, test_x):
    return train_x.shape[0], test_x.shape[0], train_x.shape[1], train_x.shape[1]


@mistake("dimensions_test", "dimensions.from_labels", variables=True)
def dims_m_train_from_labels(train_x, test_x):
    train_set_y = np.zeros((1, train_x.shape[0]))
    return train_set_y.shape[0], test_x.shape[0], train_x.shape[1], train_x.shape[2]


@mistake("flatten_test", "flatten.reshape_mixes_clips", variables=True)
def flatten_reshape_minus_one_m(train_x, test_x):
    return train_x.reshape(-1, train_x.shape[0]), test_x.reshape(test_x.shape[0], -1).T


@mistake("flatten_test", "flatten.rows_not_columns", variables=True)
def flatten_rows(train_x, test_x):
    return train_x.reshape(train_x.shape[0], -1), test_x.reshape(test_x.shape[0], -1).T


@mistake("flatten_test", "flatten.time_first", variables=True)
def flatten_time_first(train_x, test_x):
    return train_x.T.reshape(-1, train_x.shape[0]), test_x.reshape(test_x.shape[0], -1).T


@mistake("flatten_test", "flatten.not_flattened", variables=True)
def flatten_nothing(train_x, test_x):
    return train_x, test_x.reshape(test_x.shape[0], -1).T


@mistake("flatten_test", "flatten.other_split", variables=True)
def flatten_test_into_train(train_x, test_x):
    return test_x.reshape(test_x.shape[0], -1).T, test_x.reshape(test_x.shape[0], -1).T


@mistake("flatten_test", "flatten.everything_in_one_vector", variables=True)
def flatten_everything(train_x, test_x):
    return train_x.flatten(), test_x.flatten()


# --------------------------------------------------------------------------- sigmoid


@mistake("sigmoid_test", "sigmoid.math_exp_on_array")
def sigmoid_math_exp(z):
    return 1 / (1 + math.exp(-z))


@mistake("sigmoid_test", "sigmoid.sign_error")
def sigmoid_sign(z):
    return 1 / (1 + np.exp(z))


@mistake("sigmoid_test", "sigmoid.sign_error")
def sigmoid_exp_over_one_plus_exp_negative(z):
    return np.exp(-z) / (1 + np.exp(-z))


@mistake("sigmoid_test", "sigmoid.precedence")
def sigmoid_precedence(z):
    return 1 / 1 + np.exp(-z)


@mistake("sigmoid_test", "sigmoid.only_exp")
def sigmoid_only_exp(z):
    return np.exp(-z)


@mistake("sigmoid_test", "sigmoid.minus_in_denominator")
def sigmoid_minus_in_denominator(z):
    return 1 / (1 - np.exp(-z))


@mistake("sigmoid_test", "sigmoid.tanh")
def sigmoid_tanh(z):
    return np.tanh(z)


@mistake("sigmoid_test", "sigmoid.thresholded")
def sigmoid_thresholded(z):
    return (1 / (1 + np.exp(-z)) > 0.5).astype(float)


@mistake("sigmoid_test", "sigmoid.returns_input")
def sigmoid_identity(z):
    return z


@mistake("sigmoid_test", "sigmoid.modifies_input")
def sigmoid_in_place(z):
    if isinstance(z, np.ndarray):
        z *= -1
        return 1 / (1 + np.exp(z))
    return 1 / (1 + np.exp(-z))


@mistake("sigmoid_test", "sigmoid.no_return")
def sigmoid_no_return(z):
    s = 1 / (1 + np.exp(-z))  # noqa: F841 - the forgotten return is the mistake


@mistake("sigmoid_test", "sigmoid.recursive")
def sigmoid_recursive(z):
    return sigmoid_recursive(z)


@mistake("sigmoid_test", "sigmoid.unwritten")
def sigmoid_unwritten(z):
    # YOUR CODE STARTS HERE

    # YOUR CODE ENDS HERE
    return s  # noqa: F821 - the blank template


@mistake("sigmoid_test", "sigmoid.loop_returns_list")
def sigmoid_list_loop(z):
    return [1 / (1 + math.exp(-v)) for v in np.atleast_1d(z)]


@mistake("sigmoid_test", "sigmoid.wrong_parameter_name")
def sigmoid_uses_x(z):
    return 1 / (1 + np.exp(-x))  # noqa: F821 - the parameter is z


# --------------------------------------------------------------------------- initialize_with_zeros


@mistake("initialize_with_zeros_test_1", "initialize.np_zeros_flat")
def init_flat(dim):
    return np.zeros(dim), 0.0


@mistake("initialize_with_zeros_test_1", "initialize.row_vector")
def init_row(dim):
    return np.zeros((1, dim)), 0.0


@mistake("initialize_with_zeros_test_1", "initialize.square")
def init_square(dim):
    return np.zeros((dim, dim)), 0.0


@mistake("initialize_with_zeros_test_1", "initialize.int_b")
def init_int_b(dim):
    return np.zeros((dim, 1)), 0


@mistake("initialize_with_zeros_test_1", "initialize.array_b")
def init_array_b(dim):
    return np.zeros((dim, 1)), np.zeros(1)


@mistake("initialize_with_zeros_test_1", "initialize.int_w")
def init_int_w(dim):
    return np.zeros((dim, 1), dtype=int), 0.0


@mistake("initialize_with_zeros_test_1", "initialize.return_order")
def init_swapped(dim):
    return 0.0, np.zeros((dim, 1))


@mistake("initialize_with_zeros_test_1", "initialize.returns_only_w")
def init_only_w(dim):
    return np.zeros((dim, 1))


@mistake("initialize_with_zeros_test_1", "initialize.ones")
def init_ones(dim):
    return np.ones((dim, 1)), 0.0


@mistake("initialize_with_zeros_test_1", "initialize.list")
def init_list(dim):
    return [[0.0]] * dim, 0.0


@mistake("initialize_with_zeros_test_2", "initialize.ignores_dim")
def init_fixed_size(dim):
    return np.zeros((2, 1)), 0.0


@mistake("initialize_with_zeros_test_1", "initialize.random")
def init_random(dim):
    return np.random.default_rng(0).standard_normal((dim, 1)) * 0.01, 0.0


@mistake("initialize_with_zeros_test_1", "initialize.np_zeros_two_args")
def init_zeros_two_arguments(dim):
    w = np.zeros(dim, 1)
    b = 0.0
    return w, b


@mistake("initialize_with_zeros_test_1", "initialize.np_zeros_brackets")
def init_zeros_square_brackets(dim):
    w = np.zeros[dim, 1]
    b = 0.0
    return w, b


# --------------------------------------------------------------------------- propagate


def _forward(w, b, X):
    return sigmoid(np.dot(w.T, X) + b)


def _cost(A, Y, m):
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m


@mistake("propagate_test", "propagate.missing_1_over_m")
def propagate_dw_without_m(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T), "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.missing_1_over_m")
def propagate_sum_everywhere(w, b, X, Y):
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": np.dot(X, (A - Y).T), "db": np.sum(A - Y)}, cost


@mistake("propagate_test", "propagate.missing_1_over_m")
def propagate_db_without_m(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y)}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.missing_1_over_m")
def propagate_cost_without_m(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.m_from_labels")
def propagate_m_from_labels(w, b, X, Y):
    m = Y.shape[0]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.m_wrong_axis")
def propagate_m_from_wrong_axis(w, b, X, Y):
    m = X.shape[0]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.m_wrong_axis")
def propagate_m_from_len(w, b, X, Y):
    m = len(X)
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.gradient_sign")
def propagate_gradient_sign(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (Y - A).T) / m, "db": np.sum(Y - A) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.cost_sign")
def propagate_cost_sign(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.activation_sign")
def propagate_activation_sign(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(np.dot(w.T, X) + b))
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.elementwise_instead_of_dot")
def propagate_elementwise_dw(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": X * (A - Y).T / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.elementwise_instead_of_dot")
def propagate_elementwise_dw_broadcasting(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": X * (A - Y) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.elementwise_wx")
def propagate_elementwise_activation(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(w * X + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.w_not_transposed")
def propagate_w_not_transposed(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w, X) + b)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.A_column")
def propagate_activation_as_column(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(X.T, w) + b)
    with np.errstate(all="ignore"):
        cost = _cost(A, Y, m)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.dw_operand_order")
def propagate_dw_row(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(A - Y, X.T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.dw_operand_order")
def propagate_dw_operands_swapped(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    dw = np.dot((A - Y).T, X) / m
    return {"dw": dw, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.dw_flat")
def propagate_dw_flat(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y)[0]) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.dw_flat")
def propagate_dw_sum_without_keepdims(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.sum(X * (A - Y), axis=1) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.dw_wrong_axis")
def propagate_dw_sum_over_features(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.sum(X * (A - Y), axis=0, keepdims=True) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.db_wrong_axis")
def propagate_db_sum_axis_0(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y, axis=0) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.cost_wrong_axis")
def propagate_cost_sum_axis_0(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=0) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.b_left_out")
def propagate_without_b(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X))
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.bias_outside_sigmoid")
def propagate_bias_outside_sigmoid(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X)) + b
    with np.errstate(all="ignore"):
        cost = _cost(A, Y, m)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.sigmoid_missing")
def propagate_without_sigmoid(w, b, X, Y):
    m = X.shape[1]
    A = np.dot(w.T, X) + b
    with np.errstate(all="ignore"):
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.db_array")
def propagate_db_keepdims(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y, axis=1, keepdims=True) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.cost_array")
def propagate_cost_from_dot(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.cost_operand_order")
def propagate_cost_outer_product(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -(np.dot(Y.T, np.log(A)) + np.dot((1 - Y).T, np.log(1 - A))) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.cost_not_summed")
def propagate_cost_per_example(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.double_average")
def propagate_mean_and_m(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.cost_term_missing")
def propagate_cost_half(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.log10")
def propagate_log10(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log10(A) + (1 - Y) * np.log10(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.logs_swapped")
def propagate_logs_swapped(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(1 - A) + (1 - Y) * np.log(A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.cost_terms_subtracted")
def propagate_cost_terms_subtracted(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(A) - (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.math_log_on_array")
def propagate_math_log(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * math.log(A) + (1 - Y) * math.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.labels_missing")
def propagate_forgets_labels(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, A.T) / m, "db": np.sum(A) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.db_from_dw")
def propagate_db_from_dw(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    dw = np.dot(X, (A - Y).T) / m
    return {"dw": dw, "db": np.mean(dw)}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.grads_not_dict")
def propagate_grads_tuple(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return (np.dot(X, (A - Y).T) / m, np.sum(A - Y) / m), _cost(A, Y, m)


@mistake("propagate_test", "propagate.grads_wrong_keys")
def propagate_capital_keys(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dW": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.return_order")
def propagate_swapped_return(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return _cost(A, Y, m), {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}


@mistake("propagate_test", "propagate.modifies_input")
def propagate_scales_x_in_place(w, b, X, Y):
    X /= 2  # "normalising" the caller's data
    X *= 2
    X += 1e-3
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "propagate.unwritten")
def propagate_unwritten(w, b, X, Y):
    m = X.shape[1]  # noqa: F841
    grads = {"dw": dw, "db": db}  # noqa: F821 - the blank template
    return grads, cost  # noqa: F821


def _sigmoid_with_sign_error(z):
    return 1 / (1 + np.exp(z))


def _propagate_as_in_the_lab(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, cost


# A correct propagate that calls the learner's sigmoid, which is wrong: the fix is in exercise 3.
propagate_with_broken_sigmoid = _with_globals(_propagate_as_in_the_lab, sigmoid=_sigmoid_with_sign_error)
propagate_with_broken_sigmoid.__name__ = "propagate_with_broken_sigmoid"
mistake("propagate_test", "propagate.broken_sigmoid")(propagate_with_broken_sigmoid)


# --------------------------------------------------------------------------- optimize


def _descent(w, b, X, Y, num_iterations, learning_rate, *, sign=-1, every=100, after=False,
             update_w=True, update_b=True, once=False, start=0):
    costs = []
    grads, cost = propagate(w, b, X, Y)
    for i in range(start, num_iterations):
        if not once:
            grads, cost = propagate(w, b, X, Y)
        if update_w:
            w = w + sign * learning_rate * grads["dw"]
        if update_b:
            b = b + sign * learning_rate * grads["db"]
        if i % every == 0:
            costs.append(propagate(w, b, X, Y)[1] if after else cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.gradient_ascent")
def optimize_ascent(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, sign=+1)


@mistake("optimize_test", "optimize.hardcoded_learning_rate")
def optimize_fixed_rate(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, 0.009)


@mistake("optimize_test", "optimize.hardcoded_learning_rate")
def optimize_rate_hard_coded(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    learning_rate = 0.01
    return _descent(w, b, X, Y, num_iterations, learning_rate)


@mistake("optimize_test", "optimize.hardcoded_learning_rate")
def optimize_rate_hard_coded_to_the_tests_value(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, 0.05)


@mistake("optimize_test", "optimize.hardcoded_iterations")
def optimize_fixed_iterations(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, 100, learning_rate)


@mistake("optimize_test", "optimize.hardcoded_iterations")
def optimize_iterations_hard_coded_to_the_tests_value(w, b, X, Y, num_iterations=100, learning_rate=0.009,
                                                      print_cost=False):
    return _descent(w, b, X, Y, 250, learning_rate)


@mistake("optimize_test", "optimize.iterations_off_by_one")
def optimize_one_iteration_too_many(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations + 1, learning_rate)


@mistake("optimize_test", "optimize.iterations_off_by_one")
def optimize_loop_starts_at_one(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, start=1)


@mistake("optimize_test", "optimize.cost_every_iteration")
def optimize_cost_every_iteration(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, every=1)


@mistake("optimize_test", "optimize.cost_after_update")
def optimize_cost_after_update(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, after=True)


@mistake("optimize_test", "optimize.w_not_updated")
def optimize_w_frozen(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, update_w=False)


@mistake("optimize_test", "optimize.b_not_updated")
def optimize_b_frozen(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, update_b=False)


@mistake("optimize_test", "optimize.updates_not_stored")
def optimize_updates_lost(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w_new = w - learning_rate * grads["dw"]  # noqa: F841 - computed, never used
        b_new = b - learning_rate * grads["db"]  # noqa: F841
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.gradient_computed_once")
def optimize_gradient_once(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, once=True)


@mistake("optimize_test", "optimize.ignores_start")
def optimize_restarts_from_zeros(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(np.zeros_like(w), 0.0, X, Y, num_iterations, learning_rate)


@mistake("optimize_test", "optimize.costs_not_recorded")
def optimize_no_costs(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    params, grads, _ = _descent(w, b, X, Y, num_iterations, learning_rate)
    return params, grads, []


@mistake("optimize_test", "optimize.costs_reset_in_loop")
def optimize_costs_reset_in_the_loop(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    for i in range(num_iterations):
        costs = []
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.returns_two_values")
def optimize_two_values(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    params, _, costs = _descent(w, b, X, Y, num_iterations, learning_rate)
    return params, costs


@mistake("optimize_test", "optimize.params_wrong_keys")
def optimize_capital_keys(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    params, grads, costs = _descent(w, b, X, Y, num_iterations, learning_rate)
    return {"W": params["w"], "b": params["b"]}, grads, costs


@mistake("optimize_test", "optimize.renamed_parameters")
def optimize_renamed_parameter(w, b, X, Y, iterations=100, alpha=0.009, print_cost=False):
    return _descent(w, b, X, Y, iterations, alpha)


@mistake("optimize_test", "optimize.unwritten")
def optimize_unwritten(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for _i in range(num_iterations):
        # YOUR CODE STARTS HERE

        # YOUR CODE ENDS HERE
        dw = grads["dw"]  # noqa: F821
        db = grads["db"]  # noqa: F821
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


@mistake("optimize_test", "optimize.wrong_gradient_in_update")
def optimize_w_updated_with_db(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * db
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


@mistake("optimize_test", "optimize.wrong_gradient_in_update")
def optimize_b_updated_with_dw(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * dw
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


@mistake("optimize_test", "optimize.update_without_rate")
def optimize_update_without_rate(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, 1.0)


@mistake("optimize_test", "optimize.update_divided_by_m")
def optimize_update_divided_by_m(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    m = X.shape[1]
    return _descent(w, b, X, Y, num_iterations, learning_rate / m)


@mistake("optimize_test", "optimize.update_transposed")
def optimize_update_with_transposed_dw(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw.T
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


@mistake("optimize_test", "optimize.dict_unpacked_as_tuple")
def optimize_grads_unpacked_as_tuple(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw, db = grads
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.dict_unpacked_as_tuple")
def optimize_propagate_unpacked_into_gradients(w, b, X, Y, num_iterations=100, learning_rate=0.009,
                                               print_cost=False):
    costs = []
    for i in range(num_iterations):
        (dw, db), cost = propagate(w, b, X, Y)
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


@mistake("optimize_test", "optimize.propagate_argument_order")
def optimize_propagate_arguments_swapped(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(X, Y, w, b)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.propagate_argument_order")
def optimize_propagate_w_and_b_swapped(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(b, w, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


# --------------------------------------------------------------------------- predict


@mistake("predict_test", "predict.probabilities")
def predict_probabilities(w, b, X):
    return sigmoid(np.dot(w.T, X) + b)


@mistake("predict_test", "predict.inverted")
def predict_inverted(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b) < 0.5).astype(float)


@mistake("predict_test", "predict.b_left_out")
def predict_without_b(w, b, X):
    return (sigmoid(np.dot(w.T, X)) > 0.5).astype(float)


@mistake("predict_test", "predict.bias_outside_sigmoid")
def predict_bias_outside_sigmoid(w, b, X):
    A = sigmoid(np.dot(w.T, X)) + b
    return (A > 0.5).astype(float)


@mistake("predict_test", "predict.threshold_on_z")
def predict_threshold_on_z(w, b, X):
    return (np.dot(w.T, X) + b > 0.5).astype(float)


@mistake("predict_test", "predict.threshold_zero")
def predict_threshold_zero(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b) > 0).astype(float)


@mistake("predict_test", "predict.never_filled")
def predict_loop_forgotten(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    A = sigmoid(np.dot(w.T, X) + b)  # noqa: F841 - computed, never used
    return Y_prediction


@mistake("predict_test", "predict.flat")
def predict_flat(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b)[0] > 0.5).astype(float)


@mistake("predict_test", "predict.column")
def predict_column(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b) > 0.5).astype(float).T


@mistake("predict_test", "predict.column")
def predict_from_x_transposed(w, b, X):
    return (sigmoid(np.dot(X.T, w) + b) > 0.5).astype(float)


@mistake("predict_test", "predict.if_on_array")
def predict_if_on_array(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    if A > 0.5:
        return np.ones_like(A)
    return np.zeros_like(A)


@mistake("predict_test", "predict.elementwise")
def predict_elementwise(w, b, X):
    return (sigmoid(w * X + b) > 0.5).astype(float)


@mistake("predict_test", "predict.loop_wrong_axis")
def predict_loop_over_rows(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    A = sigmoid(np.dot(w.T, X) + b)
    for i in range(A.shape[0]):
        Y_prediction[0, i] = 1 if A[0, i] > 0.5 else 0
    return Y_prediction


@mistake("predict_test", "predict.returns_list")
def predict_list(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    return [1 if a > 0.5 else 0 for a in A[0]]


@mistake("predict_test", "predict.wrong_parameter_name")
def predict_lower_case_x(w, b, X):
    A = sigmoid(np.dot(w.T, x) + b)  # noqa: F821 - the parameter is X
    return (A > 0.5).astype(float)


@mistake("predict_test", "predict.unwritten")
def predict_unwritten(w, b, X):
    # YOUR CODE STARTS HERE

    # YOUR CODE ENDS HERE
    return Y_prediction  # noqa: F821


# --------------------------------------------------------------------------- model


def _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, *, fit_on_test=False, swap=False,
           keep_zeros=False, dim_axis=0, stored_rate=None, optimize_kwargs=True, drop=None):
    w, b = initialize_with_zeros(X_train.shape[dim_axis])
    X_fit, Y_fit = (X_test, Y_test) if fit_on_test else (X_train, Y_train)
    if optimize_kwargs:
        params, grads, costs = optimize(w, b, X_fit, Y_fit, num_iterations=num_iterations, learning_rate=learning_rate)
    else:
        params, grads, costs = optimize(w, b, X_fit, Y_fit)
    if not keep_zeros:
        w, b = params["w"], params["b"]
    test, train = predict(w, b, X_test), predict(w, b, X_train)
    if swap:
        test, train = train, test
    d = {"costs": costs, "Y_prediction_test": test, "Y_prediction_train": train, "w": w, "b": b,
         "learning_rate": learning_rate if stored_rate is None else stored_rate, "num_iterations": num_iterations}
    if drop:
        del d[drop]
    return d


@mistake("model_test", "model.optimize_defaults")
def model_arguments_not_passed(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, optimize_kwargs=False)


@mistake("model_test", "model.hardcoded_settings")
def model_hard_coded(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    d = _model(X_train, Y_train, X_test, Y_test, 2000, 0.005)
    d.update(learning_rate=learning_rate, num_iterations=num_iterations)
    return d


@mistake("model_test", "model.rate_not_passed")
def model_rate_not_passed(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    d = _model(X_train, Y_train, X_test, Y_test, num_iterations, 0.009)
    d.update(learning_rate=learning_rate)
    return d


@mistake("model_test", "model.iterations_not_passed")
def model_iterations_not_passed(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, learning_rate=learning_rate)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.trained_on_test")
def model_fits_test_set(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, fit_on_test=True)


@mistake("model_test", "model.predictions_swapped")
def model_swapped_predictions(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, swap=True)


@mistake("model_test", "model.untrained_parameters")
def model_untrained_parameters(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, keep_zeros=True)


@mistake("model_test", "model.initialize_wrong_dim")
def model_wrong_dimension(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, dim_axis=1)


@mistake("model_test", "model.initialize_wrong_dim")
def model_initialize_with_the_array(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                    print_cost=False):
    w, b = initialize_with_zeros(X_train)
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.stores_wrong_settings")
def model_stores_wrong_rate(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, stored_rate=0.005)


@mistake("model_test", "model.missing_key")
def model_missing_key(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, drop="costs")


@mistake("model_test", "model.returns_nothing")
def model_returns_nothing(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate)


@mistake("model_test", "model.wrong_argument_order")
def model_optimize_settings_swapped(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                    print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, learning_rate, num_iterations, print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.wrong_argument_order")
def model_optimize_data_first(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                              print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(X_train, Y_train, w, b, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.wrong_argument_order")
def model_predict_data_first(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                             print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(X_test, w, b), "Y_prediction_train": predict(X_train, w, b),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.dict_unpacked_as_tuple")
def model_params_unpacked_as_tuple(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                   print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.params_from_grads")
def model_parameters_from_grads(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = grads["dw"], grads["db"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


def _model_as_in_the_lab(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    w = params["w"]
    b = params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


def _model_on_the_notebooks_data(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                 print_cost=False):
    w, b = initialize_with_zeros(train_set_x.shape[0])  # noqa: F821 - a global of the notebook below
    params, grads, costs = optimize(w, b, train_set_x, train_set_y, num_iterations, learning_rate)  # noqa: F821
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


# In the notebook, train_set_x exists: a model that uses it instead of X_train trains on the dataset.
model_uses_the_notebooks_data = _with_globals(
    _model_on_the_notebooks_data, train_set_x=np.random.default_rng(1).random((12, 6)),
    train_set_y=(np.arange(6) % 2).reshape(1, 6))
model_uses_the_notebooks_data.__name__ = "model_uses_the_notebooks_data"
mistake("model_test", "model.uses_notebook_globals")(model_uses_the_notebooks_data)


# A correct model that calls the learner's optimize, which still ascends: the fix is in exercise 6.
model_with_broken_optimize = _with_globals(_model_as_in_the_lab, optimize=optimize_ascent)
model_with_broken_optimize.__name__ = "model_with_broken_optimize"
mistake("model_test", "model.broken_optimize")(model_with_broken_optimize)


# --------------------------------------------------------------------------- pool_features (bonus)


@mistake("pool_features_test", "pool.ddof")
def pool_sample_std(X_orig):
    return np.concatenate([X_orig.mean(axis=2), X_orig.std(axis=2, ddof=1)], axis=1).T


@mistake("pool_features_test", "pool.order")
def pool_wrong_order(X_orig):
    return np.concatenate([X_orig.std(axis=2), X_orig.mean(axis=2)], axis=1).T


@mistake("pool_features_test", "pool.rows")
def pool_rows(X_orig):
    return np.concatenate([X_orig.mean(axis=2), X_orig.std(axis=2)], axis=1)


@mistake("pool_features_test", "pool.means_only")
def pool_means_only(X_orig):
    return X_orig.mean(axis=2).T


@mistake("pool_features_test", "pool.wrong_axis")
def pool_wrong_axis(X_orig):
    return np.concatenate([X_orig.mean(axis=1), X_orig.std(axis=1)], axis=1).T


@mistake("pool_features_test", "pool.variance")
def pool_variance(X_orig):
    return np.concatenate([X_orig.mean(axis=2), X_orig.var(axis=2)], axis=1).T


# =========================================================================== held out
# Written after the diagnoses above were in place, in styles they were not designed for, and first
# measured before any change to the tests (docs/exercise-tests.md reports that first measurement).
# New causes get matchers written before their messages were seen.

_cause("sigmoid.missing_reciprocal", ("denominator alone", "'1 /' is missing"))
_cause("sigmoid.abs_value", ("abs", "negative"))
_cause("initialize.returns_dict", "dictionary", "return w, b")
_cause("propagate.integer_division", ("//", "integer division"))
_cause("propagate.db_axis_1", "db", ("axis=1", "keepdims"))
_cause("propagate.cost_axis_1", "cost", "axis=1")
_cause("propagate.cost_broadcast_transpose", "broadcasts", "y.t")
_cause("propagate.returns_only_grads", "return grads, cost")
_cause("propagate.dw_missing_transpose", "transpose the second")
_cause("optimize.update_before_propagate", ("before", "previous iteration", "first step"), "propagate")
_cause("optimize.update_reshaped", "changes the shape")
_cause("optimize.print_crashes", "print")
_cause("optimize.loop_from_one", "range(num_iterations)", ("i = 0", "from 0", "starts at 0"))
_cause("predict.m_wrong_axis", "x.shape[0] (the features)")
_cause("predict.m_undefined", "not defined", "m = x.shape[1]")
_cause("model.predict_with_initial_parameters", ("initial parameters", "untrained", "before training"), "params['w']")
_cause("model.test_predictions_from_train", "predict(w, b, x_test)")
_cause("model.rate_hardcoded_in_call", "learning_rate", ("not passed on", "hard-coded", "ignored"))
_cause("pool.concatenate_axis", "along the clips")


@mistake("dimensions_test", "dimensions.test_count_from_train", variables=True, heldout=1)
def dims_m_test_from_a_clip(train_x, test_x):
    return len(train_x), len(test_x[0]), train_x.shape[1], train_x.shape[2]


@mistake("flatten_test", "flatten.reshape_mixes_clips", variables=True, heldout=1)
def flatten_reshape_to_n_by_rest(train_x, test_x):
    n = train_x.shape[1] * train_x.shape[2]
    return train_x.reshape(n, -1), test_x.reshape(n, -1)


@mistake("sigmoid_test", "sigmoid.missing_reciprocal", heldout=1)
def sigmoid_denominator_only(z):
    s = 1 + np.exp(-z)
    return s


@mistake("sigmoid_test", "sigmoid.returns_input", heldout=1)
def sigmoid_returns_the_wrong_variable(z):
    s = 1 / (1 + np.exp(-z))  # noqa: F841
    return z


@mistake("sigmoid_test", "sigmoid.abs_value", heldout=1)
def sigmoid_of_absolute_value(z):
    return 1 / (1 + np.exp(-np.abs(z)))


@mistake("initialize_with_zeros_test_1", "initialize.row_vector", heldout=1)
def init_reshaped_to_a_row(dim):
    w = np.zeros(shape=(dim,)).reshape(1, dim)
    b = 0.0
    return w, b


@mistake("initialize_with_zeros_test_1", "initialize.np_zeros_two_args", heldout=1)
def init_zeros_with_a_fill_value(dim):
    w = np.zeros((dim, 1), 0)
    b = 0.0
    return w, b


@mistake("initialize_with_zeros_test_1", "initialize.returns_dict", heldout=1)
def init_returns_a_dict(dim):
    return {"w": np.zeros((dim, 1)), "b": 0.0}


@mistake("propagate_test", "propagate.integer_division", heldout=1)
def propagate_integer_division(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 // m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 // m * np.dot(X, (A - Y).T)
    db = 1 // m * np.sum(A - Y)
    return {"dw": dw, "db": db}, cost


@mistake("propagate_test", "propagate.db_axis_1", heldout=1)
def propagate_db_sum_axis_1(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y, axis=1) / m}, cost


@mistake("propagate_test", "propagate.cost_axis_1", heldout=1)
def propagate_cost_mean_axis_1(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=1)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.bias_outside_sigmoid", heldout=1)
def propagate_bias_added_to_the_probabilities(w, b, X, Y):
    m = X.shape[1]
    Z = np.dot(w.T, X)
    A = sigmoid(Z)
    A = A + b
    with np.errstate(all="ignore"):
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.gradient_sign", heldout=1)
def propagate_db_sign_only(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(Y - A) / m}, cost


@mistake("propagate_test", "propagate.cost_broadcast_transpose", heldout=1)
def propagate_cost_with_transposed_labels(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y.T * np.log(A) + (1 - Y).T * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "propagate.returns_only_grads", heldout=1)
def propagate_returns_only_grads(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    grads = {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}
    return grads


@mistake("propagate_test", "propagate.dw_missing_transpose", heldout=1)
def propagate_dw_without_transpose(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.dot(X, A - Y) / m
    return {"dw": dw, "db": np.sum(A - Y) / m}, cost


@mistake("optimize_test", "optimize.update_before_propagate", heldout=1)
def optimize_updates_with_the_previous_gradient(w, b, X, Y, num_iterations=100, learning_rate=0.009,
                                                print_cost=False):
    costs = []
    dw, db = np.zeros_like(w), 0.0
    for i in range(num_iterations):
        w = w - learning_rate * dw
        b = b - learning_rate * db
        grads, cost = propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.update_reshaped", heldout=1)
def optimize_update_with_a_flattened_gradient(w, b, X, Y, num_iterations=100, learning_rate=0.009,
                                             print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"].reshape(-1)
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.print_crashes", heldout=1)
def optimize_print_concatenates_a_number(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print("Cost after iteration " + str(i) + ": " + cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.loop_from_one", heldout=1)
def optimize_counts_from_one(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(1, num_iterations + 1):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.hardcoded_learning_rate", heldout=1)
def optimize_rate_overwritten_by_a_constant(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    alpha = 0.1
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - alpha * grads["dw"]
        b = b - alpha * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("predict_test", "predict.inverted", heldout=1)
def predict_where_below(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    return np.where(A < 0.5, 1, 0)


@mistake("predict_test", "predict.m_wrong_axis", heldout=1)
def predict_loop_over_features(w, b, X):
    m = X.shape[0]
    Y_prediction = np.zeros((1, X.shape[1]))
    A = sigmoid(np.dot(w.T, X) + b)
    for i in range(m):
        Y_prediction[0, i] = int(A[0, i] > 0.5)
    return Y_prediction


@mistake("predict_test", "predict.m_undefined", heldout=1)
def predict_without_m(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = np.zeros((1, m))  # noqa: F821 - m is never defined
    Y_prediction[A > 0.5] = 1
    return Y_prediction


@mistake("model_test", "model.predict_with_initial_parameters", heldout=1)
def model_predicts_with_the_initial_parameters(X_train, Y_train, X_test, Y_test, num_iterations=2000,
                                               learning_rate=0.005, print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    return {"costs": costs, "Y_prediction_test": Y_prediction_test, "Y_prediction_train": Y_prediction_train,
            "w": params["w"], "b": params["b"], "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.test_predictions_from_train", heldout=1)
def model_predicts_the_training_set_twice(X_train, Y_train, X_test, Y_test, num_iterations=2000,
                                          learning_rate=0.005, print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_train), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.rate_hardcoded_in_call", heldout=1)
def model_rate_written_into_the_call(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                     print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations, learning_rate=0.5)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.untrained_parameters", heldout=1)
def model_stores_the_initial_w(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                               print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    return {"costs": costs, "Y_prediction_test": predict(params["w"], params["b"], X_test),
            "Y_prediction_train": predict(params["w"], params["b"], X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("pool_features_test", "pool.concatenate_axis", heldout=1)
def pool_concatenated_along_clips(X_orig):
    return np.concatenate([X_orig.mean(axis=2), X_orig.std(axis=2)], axis=0)


@mistake("pool_features_test", "pool.rows", heldout=1)
def pool_hstack_without_transpose(X_orig):
    return np.hstack([X_orig.mean(axis=2), X_orig.std(axis=2)])


# --------------------------------------------------------------------------- held out, second batch
# Written after the first batch's fixes, measured once before any further change.

_cause("sigmoid.assumes_array", ("plain number", "single number"))
_cause("initialize.shape_indexed", "np.zeros((dim, 1))", ("index", "square brackets", "[dim][1]"))
_cause("propagate.cost_keepdims", "cost", "keepdims")
_cause("propagate.np_float_removed", "np.float", ("removed", "float("))
_cause("propagate.m_from_size", "x.shape[1]", ("size", "every entry", "n * m"))
_cause("optimize.costs_only_when_printing", "print_cost")
_cause("optimize.stale_grads", "last iteration")
_cause("predict.w_not_transposed", "w.t", ("transpose", "np.dot(w, x)"))
_cause("predict.not_initialized", ("np.zeros((1, m))", "create", "before the loop"))
_cause("model.params_swapped", "swapped", "params['w']")


@mistake("flatten_test", "flatten.reshape_mixes_clips", variables=True, heldout=2)
def flatten_test_split_reshaped_the_other_way(train_x, test_x):
    return train_x.reshape(train_x.shape[0], -1).T, test_x.reshape(-1, test_x.shape[0])


@mistake("sigmoid_test", "sigmoid.precedence", heldout=2)
def sigmoid_precedence_with_math(z):
    return 1 / 1 + math.exp(-z)


@mistake("sigmoid_test", "sigmoid.sign_error", heldout=2)
def sigmoid_power_of_e(z):
    return 1 / (1 + np.power(np.e, z))


@mistake("sigmoid_test", "sigmoid.assumes_array", heldout=2)
def sigmoid_preallocates_with_shape(z):
    s = np.zeros(z.shape)
    s = 1 / (1 + np.exp(-z))
    return s


@mistake("initialize_with_zeros_test_1", "initialize.shape_indexed", heldout=2)
def init_shape_written_as_indexing(dim):
    w = np.zeros([dim][1])
    b = 0.0
    return w, b


@mistake("initialize_with_zeros_test_1", "initialize.np_zeros_flat", heldout=2)
def init_from_a_python_list(dim):
    w = np.array([0.0] * dim)
    b = 0.0
    return w, b


@mistake("propagate_test", "propagate.cost_keepdims", heldout=2)
def propagate_cost_keepdims(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=1, keepdims=True)
    return {"dw": 1 / m * np.dot(X, (A - Y).T), "db": 1 / m * np.sum(A - Y)}, cost


@mistake("propagate_test", "propagate.elementwise_wx", heldout=2)
def propagate_transposed_w_times_x(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(w.T * X + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": 1 / m * np.dot(X, (A - Y).T), "db": 1 / m * np.sum(A - Y)}, cost


@mistake("propagate_test", "propagate.db_axis_1", heldout=2)
def propagate_db_mean_axis_1(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": 1 / m * np.dot(X, (A - Y).T), "db": np.mean(A - Y, axis=1)}, cost


@mistake("propagate_test", "propagate.np_float_removed", heldout=2)
def propagate_with_np_float(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    cost = np.float(cost)  # removed from NumPy (1.24); older tutorials still use it
    return {"dw": 1 / m * np.dot(X, (A - Y).T), "db": 1 / m * np.sum(A - Y)}, cost


@mistake("propagate_test", "propagate.m_from_size", heldout=2)
def propagate_m_from_size(w, b, X, Y):
    m = X.size
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": 1 / m * np.dot(X, (A - Y).T), "db": 1 / m * np.sum(A - Y)}, cost


@mistake("optimize_test", "optimize.costs_only_when_printing", heldout=2)
def optimize_records_costs_only_when_printing(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if print_cost and i % 100 == 0:
            costs.append(cost)
            print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.hardcoded_iterations", heldout=2)
def optimize_iterations_reassigned(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    num_iterations = 100
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "optimize.stale_grads", heldout=2)
def optimize_returns_the_first_gradients(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    first_grads, _ = propagate(w, b, X, Y)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, first_grads, costs


@mistake("predict_test", "predict.flat", heldout=2)
def predict_reshaped_flat(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = np.where(A > 0.5, 1, 0)
    return Y_prediction.reshape(-1)


@mistake("predict_test", "predict.w_not_transposed", heldout=2)
def predict_w_not_transposed(w, b, X):
    A = sigmoid(np.dot(w, X) + b)
    return (A > 0.5).astype(float)


@mistake("predict_test", "predict.not_initialized", heldout=2)
def predict_fills_an_array_never_created(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    for i in range(A.shape[1]):
        Y_prediction[0, i] = 1 if A[0, i] > 0.5 else 0  # noqa: F821 - never created
    return Y_prediction  # noqa: F821


@mistake("model_test", "model.uses_notebook_globals", heldout=2)
def model_trains_on_the_notebooks_variables(X_train, Y_train, X_test, Y_test, num_iterations=2000,
                                            learning_rate=0.005, print_cost=False):
    w, b = initialize_with_zeros(train_set_x.shape[0])  # noqa: F821 - a notebook global, not a parameter
    params, grads, costs = optimize(w, b, train_set_x, train_set_y, num_iterations, learning_rate)  # noqa: F821
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("model_test", "model.params_swapped", heldout=2)
def model_takes_w_and_b_swapped(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    b = params["w"]
    w = params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


@mistake("pool_features_test", "pool.concatenate_axis", heldout=2)
def pool_concatenate_default_axis(X_orig):
    return np.concatenate([X_orig.mean(axis=2), X_orig.std(axis=2)]).T


# --------------------------------------------------------------------------- third round (regression cases)
# After the blind batch (lab_mistakes_blind.py) was measured, the tests learned whole kinds of mistakes:
# a dimension holding another size of the arrays, a count typed in, the notebook's data read inside a
# function, results unpacked in the wrong order, arithmetic on a dictionary, int()/float() of an array,
# loops that fail on a plain number, wrong terms of the cost. These cases are the same kinds written in
# other forms than the blind batch's (they are not held out: written after the diagnoses).

_NOTEBOOK = fake_dataset(m_train=6, m_test=4, seed=7)
_NOTEBOOK_DATA = {"train_set_x": _NOTEBOOK[0].reshape(6, -1).T, "test_set_x": _NOTEBOOK[1].reshape(4, -1).T,
                  "train_set_y": np.array([[0, 1, 1, 0, 1, 0]]), "toy_X": np.array([[1.0, -2.0, 0.5], [2.0, 0.5, -1.5]]),
                  "toy_Y": np.array([[1, 0, 1]]), "m_train": 6}

_cause("dimensions.another_size", "is the number of time frames")
_cause("dimensions.off_by_one", "off by one")
_cause("dimensions.hard_coded", ("hard-coded", "typed in"))
_cause("sigmoid.comprehension_on_a_number", "plain number", ("loop", "no elements"))
_cause("propagate.notebook_data", ("variable of the notebook", "variables of the notebook"), "parameters")
_cause("propagate.cost_second_term", "second term", "np.log(1 - a)")
_cause("optimize.notebook_data", ("variable of the notebook", "variables of the notebook"), "parameters")
_cause("optimize.dict_arithmetic", "dictionary", "grads['db']")
_cause("predict.notebook_data", ("variable of the notebook", "variables of the notebook"), "parameters")
_cause("predict.float_of_array", "float()", ".astype")
_cause("model.unpacked_out_of_order", "in this order", "unpack")


@mistake("dimensions_test", "dimensions.another_size", variables=True)
def dims_m_test_from_one_row(train_x, test_x):
    return train_x.shape[0], len(test_x[0][0]), train_x.shape[1], train_x.shape[2]


@mistake("dimensions_test", "dimensions.off_by_one", variables=True)
def dims_last_index(train_x, test_x):
    return train_x.shape[0] - 1, test_x.shape[0] - 1, train_x.shape[1], train_x.shape[2]


@mistake("dimensions_test", "dimensions.hard_coded", variables=True)
def dims_numbers_from_the_readme(train_x, test_x):
    return 120, test_x.shape[0], 128, 130


@mistake("sigmoid_test", "sigmoid.comprehension_on_a_number")
def sigmoid_array_of_a_comprehension(z):
    return np.array([1 / (1 + np.exp(-value)) for value in z])


def _propagate_with_the_notebooks_m(w, b, X, Y):
    m = m_train  # noqa: F821 - the notebook's training-set size, not X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


propagate_with_the_notebooks_m = mistake("propagate_test", "propagate.notebook_data")(
    _with_globals(_propagate_with_the_notebooks_m, **_NOTEBOOK_DATA))


@mistake("propagate_test", "propagate.cost_second_term")
def propagate_cost_without_one_minus_y(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


def _optimize_on_the_toy_example(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, toy_X, toy_Y)  # noqa: F821 - the notebook's toy example
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


optimize_on_the_toy_example = mistake("optimize_test", "optimize.notebook_data")(
    _with_globals(_optimize_on_the_toy_example, **_NOTEBOOK_DATA))


@mistake("optimize_test", "optimize.dict_arithmetic")
def optimize_b_minus_the_grads(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b -= learning_rate * grads
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def _predict_the_test_set(w, b, X):
    A = sigmoid(np.dot(w.T, test_set_x) + b)  # noqa: F821 - the notebook's test set
    return (A > 0.5).astype(float)


predict_the_test_set = mistake("predict_test", "predict.notebook_data")(
    _with_globals(_predict_the_test_set, **_NOTEBOOK_DATA))


@mistake("predict_test", "predict.float_of_array")
def predict_float_of_the_comparison(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    return float(A > 0.5)


@mistake("model_test", "model.unpacked_out_of_order")
def model_b_w_from_initialize(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                              print_cost=False):
    b, w = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


# =========================================================================== measuring


def explanation(message: str) -> str:
    """The parts of a failure message that diagnose (what the matchers read).

    That is the first line (what is wrong) unless it reports an exception, and the "likely cause".
    The rest quotes the learner's own code, values and exception text, which would let a matcher
    find e.g. "math.exp" in the line that calls it.
    """
    first = str(message).partition("\n")[0]
    head = "" if re.search(r": calling .* raised ", first) else first
    _, found, cause = str(message).partition("likely cause:")
    return head + "\n" + (cause if found else "")


@dataclass
class Outcome:
    mistake: Mistake
    rejected: bool  # the test raised AssertionError
    message: str
    named: bool  # the message names the actual cause (and is not a list of every cause)
    also_named: list[str] = field(default_factory=list)  # other causes of the same exercise it names
    printed: str = ""  # what the test printed (a rejected mistake must not print the green line)


#: A message that names this many causes of its exercise at once names none of them.
SHOTGUN = 3


def measure_one(case: Mistake, public_tests) -> Outcome:
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


def measure(public_tests, catalogue: list[Mistake] = CATALOGUE) -> list[Outcome]:
    return [measure_one(case, public_tests) for case in catalogue]


def summary(outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    """Per test (and "all"): number of mistakes, share rejected, share with the right cause named."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.mistake.test, []).append(outcome)
    groups["all"] = list(outcomes)
    for batch in sorted({o.mistake.heldout for o in outcomes} - {0}):
        groups[f"held out, batch {batch}"] = [o for o in outcomes if o.mistake.heldout == batch]
    return {
        name: {
            "mistakes": len(group),
            "rejected": sum(o.rejected for o in group) / len(group),
            "named": sum(o.named for o in group) / len(group),
        }
        for name, group in groups.items()
    }


def _load_module(path: str):
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("measured_public_tests", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Measure how often the exercise tests name the actual cause.")
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
        print(f"{name:32} {row['mistakes']:8d} {100 * row['rejected']:8.1f}% {100 * row['named']:6.1f}%")
    if args.verbose:
        for outcome in outcomes:
            if not outcome.named:
                print(f"\n--- {outcome.mistake!r} ({outcome.mistake.cause}) rejected={outcome.rejected} "
                      f"also={outcome.also_named}\n{outcome.message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
