"""Correct answers written differently from the reference: every one must pass the public tests."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from lab_reference import solution_functions
from scipy.special import expit

_SOLUTION = solution_functions()
sigmoid = _SOLUTION["sigmoid"]
initialize_with_zeros = _SOLUTION["initialize_with_zeros"]
propagate = _SOLUTION["propagate"]
optimize = _SOLUTION["optimize"]
predict = _SOLUTION["predict"]


@dataclass(frozen=True)
class Variant:
    test: str
    name: str
    function: Callable

    def __repr__(self) -> str:
        return f"{self.test}:{self.name}"


VARIANTS: list[Variant] = []


def variant(*tests: str):
    def register(function):
        for test in tests:
            VARIANTS.append(Variant(test, function.__name__, function))
        return function

    return register


# --------------------------------------------------------------------------- sigmoid


@variant("sigmoid_test")
def sigmoid_expit(z):
    return expit(z)


@variant("sigmoid_test")
def sigmoid_divide(z):
    return np.divide(1.0, 1.0 + np.exp(-np.asarray(z)))


@variant("sigmoid_test")
def sigmoid_tanh_identity(z):
    return 0.5 * (1 + np.tanh(z / 2))


@variant("sigmoid_test")
def sigmoid_stable(z):
    return np.exp(-np.logaddexp(0, -z))


@variant("sigmoid_test")
def sigmoid_math_e_power(z):
    return 1 / (1 + math.e ** -z)


@variant("sigmoid_test")
def sigmoid_exp_over_one_plus_exp(z):
    return np.exp(z) / (1 + np.exp(z))


@variant("sigmoid_test")
def sigmoid_reciprocal(z):
    return np.reciprocal(1.0 + np.exp(np.negative(z)))


@variant("sigmoid_test")
def sigmoid_float32(z):
    return (1 / (1 + np.exp(-np.asarray(z, dtype=np.float32)))).astype(np.float32)


# --------------------------------------------------------------------------- initialize_with_zeros


@variant("initialize_with_zeros_test_1", "initialize_with_zeros_test_2")
def init_numpy_float(dim):
    return np.zeros((dim, 1)), np.float64(0)


@variant("initialize_with_zeros_test_1", "initialize_with_zeros_test_2")
def init_reshape_list_shape(dim):
    return np.zeros(dim).reshape(dim, 1), float(0)


@variant("initialize_with_zeros_test_1", "initialize_with_zeros_test_2")
def init_list_shape_float32_b(dim):
    return np.zeros([dim, 1], dtype=np.float64), np.float32(0.0)


@variant("initialize_with_zeros_test_1", "initialize_with_zeros_test_2")
def init_float32_w(dim):
    w = np.zeros(shape=(dim, 1), dtype=np.float32)
    b = 0.
    return w, b


# --------------------------------------------------------------------------- propagate


@variant("propagate_test")
def propagate_matmul_mean(w, b, X, Y):
    A = expit(w.T @ X + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": X @ (A - Y).T / X.shape[1], "db": np.mean(A - Y)}, cost


@variant("propagate_test")
def propagate_python_floats(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = float(np.squeeze(-(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)) / m))
    dw = (1 / m) * np.dot(A - Y, X.T).T
    db = float((1 / m) * np.sum(A - Y))
    return {"dw": dw, "db": db}, cost


@variant("propagate_test")
def propagate_elementwise_sum(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.sum(w * X, axis=0, keepdims=True) + b)
    cost = np.squeeze(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    dw = np.sum(X * (A - Y), axis=1, keepdims=True) / m
    return {"db": np.sum(A - Y) / m, "dw": dw}, cost


@variant("propagate_test")
def propagate_loop_over_examples(w, b, X, Y):
    n, m = X.shape
    dw, db, cost = np.zeros((n, 1)), 0.0, 0.0
    for i in range(m):
        x = X[:, i : i + 1]
        a = 1 / (1 + math.exp(-((w.T @ x)[0, 0] + b)))
        y = float(Y[0, i])
        cost -= y * math.log(a) + (1 - y) * math.log(1 - a)
        dw += x * (a - y)
        db += a - y
    return {"dw": dw / m, "db": db / m}, cost / m


@variant("propagate_test")
def propagate_np_matmul_and_log1p(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.matmul(w.T, X) + b)
    cost = np.sum(np.multiply(Y, np.log(A)) + np.multiply(1 - Y, np.log1p(-A))) / -m
    dw = np.matmul(X, np.transpose(A - Y)) / m
    db = np.mean(A - Y)
    return {"dw": dw, "db": db}, np.squeeze(cost)


@variant("propagate_test")
def propagate_float32(w, b, X, Y):
    X, Y, w = X.astype(np.float32), Y.astype(np.float32), w.astype(np.float32)
    m = X.shape[1]
    A = sigmoid(w.T @ X + np.float32(b))
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost


@variant("propagate_test")
def propagate_keepdims_then_squeeze(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = np.squeeze(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=1, keepdims=True) / m)
    dw = np.sum(X * (A - Y), axis=1, keepdims=True) / m
    db = np.squeeze(np.sum(A - Y, axis=1, keepdims=True)) / m
    return {"dw": dw, "db": float(db)}, float(cost)


# --------------------------------------------------------------------------- optimize


@variant("optimize_test")
def optimize_deepcopy(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    w, b = copy.deepcopy(w), copy.deepcopy(b)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print("cost", i, cost)
    return {"w": w, "b": b}, grads, costs


@variant("optimize_test")
def optimize_in_place_on_a_copy(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    w = w.copy()
    costs = []
    i = 0
    while i < num_iterations:
        grads, cost = propagate(w, b, X, Y)
        if i % 100 == 0:
            costs.append(float(cost))
        w -= learning_rate * grads["dw"]
        b -= learning_rate * grads["db"]
        i += 1
    return {"w": w, "b": b}, grads, costs


@variant("optimize_test")
def optimize_in_place_on_the_caller(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """Passes, with a printed note: the caller's w is updated in place."""
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w -= learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@variant("optimize_test")
def optimize_returns_final_gradients(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w, b = w - learning_rate * grads["dw"], b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    final_grads, _ = propagate(w, b, X, Y)
    return {"w": w, "b": b}, final_grads, np.array(costs)


@variant("optimize_test")
def optimize_gradients_from_values(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw, db = grads.values()  # in the order propagate built the dictionary: dw, then db
        w, b = w - learning_rate * dw, b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


@variant("optimize_test")
def optimize_float32(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    w, X = w.astype(np.float32), X.astype(np.float32)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - np.float32(learning_rate) * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


@variant("optimize_test")
def optimize_keyword_call_and_in_place_b(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    w = np.copy(w)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(X=X, Y=Y, w=w, b=b)
        w -= learning_rate * grads["dw"]
        b -= learning_rate * grads["db"]
        if not i % 100:
            costs.append(cost)
    return dict(w=w, b=b), grads, costs


# --------------------------------------------------------------------------- predict


@variant("predict_test")
def predict_loop(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    w = w.reshape(X.shape[0], 1)
    A = sigmoid(np.dot(w.T, X) + b)
    for i in range(A.shape[1]):
        Y_prediction[0, i] = 1 if A[0, i] > 0.5 else 0
    return Y_prediction


@variant("predict_test")
def predict_where_int(w, b, X):
    return np.where(expit(w.T @ X + b) > 0.5, 1, 0)


@variant("predict_test")
def predict_sign_of_z(w, b, X):
    return (np.dot(w.T, X) + b > 0).astype(int)


@variant("predict_test")
def predict_round(w, b, X):
    return np.round(sigmoid(np.dot(w.T, X) + b))


@variant("predict_test")
def predict_booleans(w, b, X):
    return sigmoid(np.dot(w.T, X) + b) > 0.5


@variant("predict_test")
def predict_greater_or_equal(w, b, X):
    A = sigmoid(np.matmul(w.T, X) + b)
    return (A >= 0.5) * 1.0


@variant("predict_test")
def predict_where_float(w, b, X):
    A = sigmoid(w.T @ X + b)
    return np.where(A > 0.5, 1.0, 0.0)


@variant("predict_test")
def predict_loop_over_columns(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    A = sigmoid(np.dot(w.T, X) + b)
    for i in range(m):
        if A[0, i] > 0.5:
            Y_prediction[0, i] = 1
    return Y_prediction


# --------------------------------------------------------------------------- model


@variant("model_test")
def model_positional(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    return {"costs": costs, "Y_prediction_test": predict(params["w"], params["b"], X_test),
            "Y_prediction_train": predict(params["w"], params["b"], X_train), "w": params["w"], "b": params["b"],
            "learning_rate": learning_rate, "num_iterations": num_iterations, "extra": "kept"}


@variant("model_test")
def model_keywords_in_another_order(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
                                    print_cost=False):
    w, b = initialize_with_zeros(dim=X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, print_cost=print_cost, learning_rate=learning_rate,
                                    num_iterations=num_iterations)
    w, b = params["w"], params["b"]
    d = {"costs": costs, "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}
    d["Y_prediction_train"] = predict(w, b, X_train)
    d["Y_prediction_test"] = predict(w, b, X_test)
    return d


# --------------------------------------------------------------------------- pool_features


@variant("pool_features_test")
def pool_vstack(X_orig):
    return np.vstack([np.mean(X_orig, axis=2).T, np.std(X_orig, axis=2).T])


@variant("pool_features_test")
def pool_sqrt_variance(X_orig):
    means = X_orig.mean(axis=-1)
    return np.concatenate([means.T, np.sqrt(((X_orig - means[..., None]) ** 2).mean(axis=-1)).T], axis=0)
