"""A catalogue of typical wrong answers, written as learners write them.

Each :class:`Mistake` names the public test that must reject it and phrases that the failure
message's explanation must contain (case-insensitive), so that the learner is told the likely
cause, not just "wrong".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from lab_reference import solution_functions

_SOLUTION = solution_functions()
sigmoid = _SOLUTION["sigmoid"]
initialize_with_zeros = _SOLUTION["initialize_with_zeros"]
propagate = _SOLUTION["propagate"]
optimize = _SOLUTION["optimize"]
predict = _SOLUTION["predict"]


@dataclass(frozen=True)
class Mistake:
    test: str  # name of the public test, e.g. "propagate_test"
    name: str
    function: Callable
    phrases: tuple[str, ...]  # each must appear in the message

    def __repr__(self) -> str:  # readable pytest ids
        return f"{self.test}:{self.name}"


CATALOGUE: list[Mistake] = []


def mistake(test: str, *phrases: str):
    def register(function):
        CATALOGUE.append(Mistake(test, function.__name__, function, phrases))
        return function

    return register


# --------------------------------------------------------------------------- sigmoid


@mistake("sigmoid_test", "np.exp", "math")
def sigmoid_math_exp(z):
    return 1 / (1 + math.exp(-z))


@mistake("sigmoid_test", "sign error", "exp(-z)")
def sigmoid_sign(z):
    return 1 / (1 + np.exp(z))


@mistake("sigmoid_test", "precedence", "parentheses")
def sigmoid_precedence(z):
    return 1 / 1 + np.exp(-z)


@mistake("sigmoid_test", "only e^(-z)")
def sigmoid_only_exp(z):
    return np.exp(-z)


@mistake("sigmoid_test", "with a plus")
def sigmoid_minus_in_denominator(z):
    return 1 / (1 - np.exp(-z))


@mistake("sigmoid_test", "tanh")
def sigmoid_tanh(z):
    return np.tanh(z)


@mistake("sigmoid_test", "thresholded")
def sigmoid_thresholded(z):
    return (1 / (1 + np.exp(-z)) > 0.5).astype(float)


@mistake("sigmoid_test", "unchanged")
def sigmoid_identity(z):
    return z


@mistake("sigmoid_test", "in-place")
def sigmoid_in_place(z):
    if isinstance(z, np.ndarray):
        z *= -1
        return 1 / (1 + np.exp(z))
    return 1 / (1 + np.exp(-z))


@mistake("sigmoid_test", "return")
def sigmoid_no_return(z):
    s = 1 / (1 + np.exp(-z))  # noqa: F841 - the forgotten return is the mistake


@mistake("sigmoid_test", "calls itself")
def sigmoid_recursive(z):
    return sigmoid_recursive(z)


@mistake("sigmoid_test", "name 's'", "your code starts here")
def sigmoid_unwritten(z):
    # YOUR CODE STARTS HERE

    # YOUR CODE ENDS HERE
    return s  # noqa: F821 - the blank template


@mistake("sigmoid_test", "one number")
def sigmoid_list_loop(z):
    return [1 / (1 + math.exp(-v)) for v in np.atleast_1d(z)]


# --------------------------------------------------------------------------- initialize_with_zeros


@mistake("initialize_with_zeros_test_1", "double parentheses", "(dim, 1)")
def init_flat(dim):
    return np.zeros(dim), 0.0


@mistake("initialize_with_zeros_test_1", "row vector")
def init_row(dim):
    return np.zeros((1, dim)), 0.0


@mistake("initialize_with_zeros_test_1", "square")
def init_square(dim):
    return np.zeros((dim, dim)), 0.0


@mistake("initialize_with_zeros_test_1", "0.0", "int")
def init_int_b(dim):
    return np.zeros((dim, 1)), 0


@mistake("initialize_with_zeros_test_1", "array of shape (1,)", "0.0")
def init_array_b(dim):
    return np.zeros((dim, 1)), np.zeros(1)


@mistake("initialize_with_zeros_test_1", "floats")
def init_int_w(dim):
    return np.zeros((dim, 1), dtype=int), 0.0


@mistake("initialize_with_zeros_test_1", "wrong order", "return w, b")
def init_swapped(dim):
    return 0.0, np.zeros((dim, 1))


@mistake("initialize_with_zeros_test_1", "return w, b")
def init_only_w(dim):
    return np.zeros((dim, 1))


@mistake("initialize_with_zeros_test_1", "np.ones gives ones", "wrong values")
def init_ones(dim):
    return np.ones((dim, 1)), 0.0


@mistake("initialize_with_zeros_test_1", "numpy array")
def init_list(dim):
    return [[0.0]] * dim, 0.0


@mistake("initialize_with_zeros_test_2", "dim is ignored")
def init_fixed_size(dim):
    return np.zeros((2, 1)), 0.0


# --------------------------------------------------------------------------- propagate


def _forward(w, b, X):
    return sigmoid(np.dot(w.T, X) + b)


def _cost(A, Y, m):
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m


@mistake("propagate_test", "1/m", "dw")
def propagate_dw_without_m(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T), "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "1/m")
def propagate_sum_everywhere(w, b, X, Y):
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": np.dot(X, (A - Y).T), "db": np.sum(A - Y)}, cost


@mistake("propagate_test", "1/m", "db")
def propagate_db_without_m(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y)}, _cost(A, Y, m)


@mistake("propagate_test", "1/m", "cost")
def propagate_cost_without_m(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "sign error", "a - y")
def propagate_gradient_sign(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (Y - A).T) / m, "db": np.sum(Y - A) / m}, _cost(A, Y, m)


@mistake("propagate_test", "sign error in the cost", "minus")
def propagate_cost_sign(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "element-wise", "np.dot")
def propagate_elementwise_dw(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": X * (A - Y).T / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "one value per example", "np.dot(x, (a - y).t)")
def propagate_elementwise_dw_broadcasting(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": X * (A - Y) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "w * x multiplies element by element", "np.dot(w.t, x)")
def propagate_elementwise_activation(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(w * X + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "matrix product", "w.t")
def propagate_w_not_transposed(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w, X) + b)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "row", "np.dot(x, (a - y).t)")
def propagate_dw_row(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(A - Y, X.T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "flat (n,)", "column")
def propagate_dw_flat(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y)[0]) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "b is left out")
def propagate_without_b(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X))
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "sigmoid is missing")
def propagate_without_sigmoid(w, b, X, Y):
    m = X.shape[1]
    A = np.dot(w.T, X) + b
    with np.errstate(all="ignore"):
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "number of examples", "x.shape[1]")
def propagate_m_from_wrong_axis(w, b, X, Y):
    m = X.shape[0]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "array of shape (1, 1)", "keepdims")
def propagate_db_keepdims(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y, axis=1, keepdims=True) / m}, _cost(A, Y, m)


@mistake("propagate_test", "array of shape (1, 1)", "np.squeeze")
def propagate_cost_from_dot(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "one number but has", "sum")
def propagate_cost_per_example(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "(1 - y) * log(1 - a) term is missing")
def propagate_cost_half(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "natural logarithm")
def propagate_log10(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log10(A) + (1 - Y) * np.log10(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "swapped")
def propagate_logs_swapped(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * np.log(1 - A) + (1 - Y) * np.log(A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "np.log", "math")
def propagate_math_log(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    cost = -np.sum(Y * math.log(A) + (1 - Y) * math.log(1 - A)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


@mistake("propagate_test", "y is missing")
def propagate_forgets_labels(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, A.T) / m, "db": np.sum(A) / m}, _cost(A, Y, m)


@mistake("propagate_test", "mean of dw")
def propagate_db_from_dw(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    dw = np.dot(X, (A - Y).T) / m
    return {"dw": dw, "db": np.mean(dw)}, _cost(A, Y, m)


@mistake("propagate_test", "dictionary", "{'dw': dw, 'db': db}")
def propagate_grads_tuple(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return (np.dot(X, (A - Y).T) / m, np.sum(A - Y) / m), _cost(A, Y, m)


@mistake("propagate_test", "wrong keys", "lower-case")
def propagate_capital_keys(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dW": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "wrong order", "return grads, cost")
def propagate_swapped_return(w, b, X, Y):
    m = X.shape[1]
    A = _forward(w, b, X)
    return _cost(A, Y, m), {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}


@mistake("propagate_test", "changed its input x", "in-place")
def propagate_scales_x_in_place(w, b, X, Y):
    X /= 2  # "normalising" the caller's data
    X *= 2
    X += 1e-3
    m = X.shape[1]
    A = _forward(w, b, X)
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, _cost(A, Y, m)


@mistake("propagate_test", "name 'dw'", "your code starts here")
def propagate_unwritten(w, b, X, Y):
    m = X.shape[1]  # noqa: F841
    grads = {"dw": dw, "db": db}  # noqa: F821 - the blank template
    return grads, cost  # noqa: F821


# --------------------------------------------------------------------------- optimize


def _descent(w, b, X, Y, num_iterations, learning_rate, *, sign=-1, every=100, after=False,
             update_w=True, update_b=True, once=False):
    costs = []
    grads, cost = propagate(w, b, X, Y)
    for i in range(num_iterations):
        if not once:
            grads, cost = propagate(w, b, X, Y)
        if update_w:
            w = w + sign * learning_rate * grads["dw"]
        if update_b:
            b = b + sign * learning_rate * grads["db"]
        if i % every == 0:
            costs.append(propagate(w, b, X, Y)[1] if after else cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "gradient ascent", "minus")
def optimize_ascent(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, sign=+1)


@mistake("optimize_test", "learning_rate argument is ignored")
def optimize_fixed_rate(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, 0.009)


@mistake("optimize_test", "num_iterations argument is ignored")
def optimize_fixed_iterations(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, 100, learning_rate)


@mistake("optimize_test", "every iteration", "i % 100 == 0")
def optimize_cost_every_iteration(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, every=1)


@mistake("optimize_test", "after the update")
def optimize_cost_after_update(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, after=True)


@mistake("optimize_test", "w is never updated")
def optimize_w_frozen(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, update_w=False)


@mistake("optimize_test", "b is never updated")
def optimize_b_frozen(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, update_b=False)


@mistake("optimize_test", "nothing was learned", "assign")
def optimize_updates_lost(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w_new = w - learning_rate * grads["dw"]  # noqa: F841 - computed, never used
        b_new = b - learning_rate * grads["db"]  # noqa: F841
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@mistake("optimize_test", "inside the loop")
def optimize_gradient_once(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(w, b, X, Y, num_iterations, learning_rate, once=True)


@mistake("optimize_test", "started from zeros")
def optimize_restarts_from_zeros(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return _descent(np.zeros_like(w), 0.0, X, Y, num_iterations, learning_rate)


@mistake("optimize_test", "nothing was appended")
def optimize_no_costs(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    params, grads, _ = _descent(w, b, X, Y, num_iterations, learning_rate)
    return params, grads, []


@mistake("optimize_test", "return params, grads, costs")
def optimize_two_values(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    params, _, costs = _descent(w, b, X, Y, num_iterations, learning_rate)
    return params, costs


@mistake("optimize_test", "dictionary with keys")
def optimize_capital_keys(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    params, grads, costs = _descent(w, b, X, Y, num_iterations, learning_rate)
    return {"W": params["w"], "b": params["b"]}, grads, costs


@mistake("optimize_test", "parameters differ", "def")
def optimize_renamed_parameter(w, b, X, Y, iterations=100, alpha=0.009, print_cost=False):
    return _descent(w, b, X, Y, iterations, alpha)


@mistake("optimize_test", "name 'grads'", "your code starts here")
def optimize_unwritten(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        # YOUR CODE STARTS HERE

        # YOUR CODE ENDS HERE
        dw = grads["dw"]  # noqa: F821
        db = grads["db"]  # noqa: F821
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


# --------------------------------------------------------------------------- predict


@mistake("predict_test", "probabilities", "a > 0.5")
def predict_probabilities(w, b, X):
    return sigmoid(np.dot(w.T, X) + b)


@mistake("predict_test", "inverted")
def predict_inverted(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b) < 0.5).astype(float)


@mistake("predict_test", "b is left out")
def predict_without_b(w, b, X):
    return (sigmoid(np.dot(w.T, X)) > 0.5).astype(float)


@mistake("predict_test", "threshold is applied to z")
def predict_threshold_on_z(w, b, X):
    return (np.dot(w.T, X) + b > 0.5).astype(float)


@mistake("predict_test", "every prediction is 1", "a > 0.5")
def predict_threshold_zero(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b) > 0).astype(float)


@mistake("predict_test", "never filled")
def predict_loop_forgotten(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    A = sigmoid(np.dot(w.T, X) + b)  # noqa: F841 - computed, never used
    return Y_prediction


@mistake("predict_test", "flat (m,)", "(1, m)")
def predict_flat(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b)[0] > 0.5).astype(float)


@mistake("predict_test", "column (m, 1)")
def predict_column(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b) > 0.5).astype(float).T


@mistake("predict_test", "'if'", "a > 0.5")
def predict_if_on_array(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    if A > 0.5:
        return np.ones_like(A)
    return np.zeros_like(A)


@mistake("predict_test", "element-wise")
def predict_elementwise(w, b, X):
    return (sigmoid(w * X + b) > 0.5).astype(float)


@mistake("predict_test", "name 'y_prediction'", "your code starts here")
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


@mistake("model_test", "optimize runs with its own defaults")
def model_arguments_not_passed(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, optimize_kwargs=False)


@mistake("model_test", "does not pass its arguments on")
def model_hard_coded(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    d = _model(X_train, Y_train, X_test, Y_test, 2000, 0.5)
    d.update(learning_rate=learning_rate, num_iterations=num_iterations)
    return d


@mistake("model_test", "learning_rate is not passed on")
def model_rate_not_passed(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    d = _model(X_train, Y_train, X_test, Y_test, num_iterations, 0.009)
    d.update(learning_rate=learning_rate)
    return d


@mistake("model_test", "trained on the test set")
def model_fits_test_set(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, fit_on_test=True)


@mistake("model_test", "other split")
def model_swapped_predictions(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, swap=True)


@mistake("model_test", "still all zeros", "params['w']")
def model_untrained_parameters(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, keep_zeros=True)


@mistake("model_test", "matrix product", "shapes")
def model_wrong_dimension(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, dim_axis=1)


@mistake("model_test", "values model was called with")
def model_stores_wrong_rate(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, stored_rate=0.5)


@mistake("model_test", "lacks", "costs")
def model_missing_key(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    return _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, drop="costs")


@mistake("model_test", "return")
def model_returns_nothing(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    _model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate)


# --------------------------------------------------------------------------- pool_features (bonus)


@mistake("pool_features_test", "ddof")
def pool_sample_std(X_orig):
    return np.concatenate([X_orig.mean(axis=2), X_orig.std(axis=2, ddof=1)], axis=1).T


@mistake("pool_features_test", "means first")
def pool_wrong_order(X_orig):
    return np.concatenate([X_orig.std(axis=2), X_orig.mean(axis=2)], axis=1).T


@mistake("pool_features_test", "one column per clip")
def pool_rows(X_orig):
    return np.concatenate([X_orig.mean(axis=2), X_orig.std(axis=2)], axis=1)


@mistake("pool_features_test", "only the means")
def pool_means_only(X_orig):
    return X_orig.mean(axis=2).T


@mistake("pool_features_test", "over the mel bands")
def pool_wrong_axis(X_orig):
    return np.concatenate([X_orig.mean(axis=1), X_orig.std(axis=1)], axis=1).T


# --------------------------------------------------------------------------- exercises 1 and 2


def dimension_mistakes(train_x, test_x) -> list[tuple[str, tuple, tuple[str, ...]]]:
    """(name, (m_train, m_test, n_mels, time_steps), phrases) for dimensions_test."""
    m_train, m_test, n_mels, steps = train_x.shape[0], test_x.shape[0], train_x.shape[1], train_x.shape[2]
    return [
        ("train_test_swapped", (m_test, m_train, n_mels, steps), ("swapped", "shape[0]")),
        ("mels_frames_swapped", (m_train, m_test, steps, n_mels), ("swapped", "second axis")),
        ("whole_shape", (train_x.shape, m_test, n_mels, steps), ("whole shape",)),
        ("float_count", (float(m_train), m_test, n_mels, steps), ("int",)),
        ("m_test_from_train", (m_train, m_train, n_mels, steps), ("test",)),
    ]


def flatten_mistakes(train_x, test_x) -> list[tuple[str, tuple, tuple[str, ...]]]:
    """(name, (train_flat, test_flat), phrases) for flatten_test."""
    good_test = test_x.reshape(test_x.shape[0], -1).T
    return [
        ("reshape_minus_one_m", (train_x.reshape(-1, train_x.shape[0]), good_test), ("mixes",)),
        ("rows_not_columns", (train_x.reshape(train_x.shape[0], -1), good_test), (".t",)),
        ("time_first", (train_x.T.reshape(-1, train_x.shape[0]), good_test), ("time-first",)),
        ("not_flattened", (train_x, good_test), ("not flattened",)),
        ("test_into_train", (good_test, good_test), ("other split",)),
    ]



@mistake("initialize_with_zeros_test_1", "all zeros", "np.zeros((dim, 1))")
def init_random(dim):
    return np.random.default_rng(0).standard_normal((dim, 1)) * 0.01, 0.0
