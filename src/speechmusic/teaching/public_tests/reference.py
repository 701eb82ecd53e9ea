"""The reference answers: what the tests compare a learner's results with.

The functions with an exercise's name have that exercise's signature and return what the solution
notebook's function returns, so the grader can also put them in place of a learner's earlier
functions when it judges one exercise on its own (:data:`SUBSTITUTES`: optimize is then graded with
this propagate, model with this initialize_with_zeros, optimize and predict). The others are the
tests' own helpers: :func:`gradient_descent` with switches that produce the typical wrong
versions, :func:`trained_model` (model's results plus the last gradients), :class:`Trajectory`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np

from speechmusic.teaching import EXERCISES
from speechmusic.teaching.public_tests.common import all_close

#: model()'s defaults in the notebook (``num_iterations=2000, learning_rate=0.005``): the rate section
#: 4.2 of the notebook arrives at for the lab's data; a larger one (0.05, 0.5) diverges there.
MODEL_DEFAULTS = {"num_iterations": 2000, "learning_rate": 0.005}
#: optimize()'s defaults in the notebook.
OPTIMIZE_DEFAULTS = {"num_iterations": 100, "learning_rate": 0.009}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def initialize_with_zeros(dim):
    return np.zeros((dim, 1)), 0.0


def propagate(w, b, X, Y):
    # np.dot, and db and the cost as NumPy floats, as in the solution: put in place of a learner's
    # propagate, this one must make their later functions behave as the solution's would, even on odd
    # inputs (np.dot accepts a number for w where @ does not).
    m = X.shape[1]
    A = 1.0 / (1.0 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum() / m
    error = A - Y
    return {"dw": np.dot(X, error.T) / m, "db": error.sum() / m}, cost


def gradient_descent(w, b, X, Y, num_iterations, learning_rate, *, update_w=True, update_b=True,
                     record_after_update=False, gradient_once=False, w_with_db=False):
    """Batch gradient descent, one cost every 100 iterations; the switches produce the typical wrong versions."""
    w, b = np.array(w, dtype=float), float(b)
    costs = []
    grads, cost = propagate(w, b, X, Y)
    for i in range(num_iterations):
        if not gradient_once or i == 0:
            grads, cost = propagate(w, b, X, Y)
        if update_w:
            w = w - learning_rate * (grads["db"] if w_with_db else grads["dw"])
        if update_b:
            b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(propagate(w, b, X, Y)[1] if record_after_update else cost)
    return {"w": w, "b": b}, grads, costs


def optimize(w, b, X, Y, num_iterations=OPTIMIZE_DEFAULTS["num_iterations"],
             learning_rate=OPTIMIZE_DEFAULTS["learning_rate"], print_cost=False):
    params, grads, costs = gradient_descent(w, b, X, Y, num_iterations, learning_rate)
    if print_cost:
        for k, cost in enumerate(costs):
            print(f"Cost after iteration {100 * k}: {cost:f}")
    return params, grads, costs


class Trajectory:
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
                grads, _ = propagate(w, b, self.X, self.Y)
                self.points.append((w - self.rate * grads["dw"], b - self.rate * grads["db"]))
            w, b = self.points[k]
            if all_close(learned[0], w) and all_close(learned[1], b):
                return k
        return None


def predict(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b) > 0.5).astype(float)


def trained_model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate) -> dict:
    """What model returns for these settings, plus ``"grads"`` (the last gradients, for diagnoses)."""
    params, grads, costs = gradient_descent(np.zeros((X_train.shape[0], 1)), 0.0, X_train, Y_train,
                                            num_iterations, learning_rate)
    return {
        "costs": costs,
        "w": params["w"],
        "b": params["b"],
        "Y_prediction_train": predict(params["w"], params["b"], X_train),
        "Y_prediction_test": predict(params["w"], params["b"], X_test),
        "grads": grads,
    }


def model(X_train, Y_train, X_test, Y_test, num_iterations=MODEL_DEFAULTS["num_iterations"],
          learning_rate=MODEL_DEFAULTS["learning_rate"], print_cost=False):
    d = trained_model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate)
    if print_cost:
        for k, cost in enumerate(d["costs"]):
            print(f"Cost after iteration {100 * k}: {cost:f}")
    del d["grads"]
    return dict(d, learning_rate=learning_rate, num_iterations=num_iterations)


def pool_features(X_orig):
    X = np.asarray(X_orig, dtype=float)
    return np.concatenate([X.mean(axis=2), X.std(axis=2)], axis=1).T


#: The reference function of each exercise that later exercises call, by the exercise's name.
SUBSTITUTES: dict[str, Callable] = {
    "sigmoid": sigmoid,
    "initialize_with_zeros": initialize_with_zeros,
    "propagate": propagate,
    "optimize": optimize,
    "predict": predict,
}


def earlier_than(exercise: str) -> tuple[str, ...]:
    """The exercises with a reference function that come before ``exercise`` in the notebook."""
    position = EXERCISES.index(exercise) if exercise in EXERCISES else len(EXERCISES)
    return tuple(name for name in SUBSTITUTES if EXERCISES.index(name) < position)


@contextlib.contextmanager
def in_place_of_earlier(exercise: str, *namespaces: dict) -> Iterator[None]:
    """For the duration, the reference functions of the exercises before ``exercise`` replace the
    learner's in each namespace (the notebook's globals, where the learner's functions look them up).

    Judged this way, an exercise's result depends on its own code only: optimize is graded with the
    reference propagate, model with the reference initialize_with_zeros, optimize and predict.
    """
    saved = []
    for namespace in {id(ns): ns for ns in namespaces if isinstance(ns, dict)}.values():
        for name in earlier_than(exercise):
            saved.append((namespace, name, name in namespace, namespace.get(name)))
            namespace[name] = SUBSTITUTES[name]
    try:
        yield
    finally:
        for namespace, name, existed, value in reversed(saved):
            if existed:
                namespace[name] = value
            else:
                namespace.pop(name, None)
