"""Exercises 5-6: propagate, optimize."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

import numpy as np

from speechmusic.teaching.public_tests import reference
from speechmusic.teaching.public_tests.calls import (
    call_learner,
    require_array,
    require_number,
    require_unchanged,
    unpack,
)
from speechmusic.teaching.public_tests.common import (
    Lazy,
    all_close,
    exercise_test,
    fail,
    is_number,
    report_pass,
    show,
)
from speechmusic.teaching.public_tests.explain import Probe, local_cause

# --------------------------------------------------------------------------------------------
# Exercise 5: propagate.
# --------------------------------------------------------------------------------------------


# long: a table of the typical wrong implementations of propagate, one entry each.
def _propagate_mistakes(w, b, X, Y) -> dict[str, list[tuple[Any, str]]]:
    """dw, db and cost as the typical wrong implementations compute them (any shape)."""
    m, n = X.shape[1], X.shape[0]
    with np.errstate(all="ignore"):
        Z = w.T @ X + b
        A = reference.sigmoid(Z)
        A0 = reference.sigmoid(w.T @ X)
        A_out = A0 + b  # b added after the sigmoid
        A_neg = reference.sigmoid(-Z)  # 1 / (1 + np.exp(z))
        A_col = reference.sigmoid(X.T @ w + b)  # (m, 1): np.dot(X.T, w)
        L = Y * np.log(A) + (1 - Y) * np.log(1 - A)  # per-example log-likelihood, (1, m)
        grads, cost = reference.propagate(w, b, X, Y)
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
    probe = Probe(n=n, m=m, names={"w": w, "b": b, "X": X, "Y": Y})
    result = call_learner(ex, target, (w, b, X, Y), call=call, probe=probe)
    grads, cost = unpack(ex, result, ("grads", "cost"), hint="end the function with 'return grads, cost'.")
    if isinstance(cost, dict) and not isinstance(grads, dict):
        fail(ex, "grads and cost come back in the wrong order", expected="grads (a dict), cost (a number)",
              got=f"{show(grads)}, then {show(cost)}", cause="return grads, cost (in this order).")
    if not isinstance(grads, dict):
        fail(ex, "grads should be a dictionary", expected="{'dw': dw, 'db': db}", got=show(grads),
              cause="grads is a dictionary, not a tuple: build it as grads = {'dw': dw, 'db': db}.")
    if set(grads) != {"dw", "db"}:
        fail(ex, "grads has the wrong keys", expected="keys ['dw', 'db']", got=show(grads),
              cause="the keys are the lower-case strings 'dw' and 'db', and nothing else.")
    require_unchanged(ex, before, {"w": w, "X": X, "Y": Y})

    (ref_grads, ref_cost), mistakes = reference.propagate(w, b, X, Y), _propagate_mistakes(w, b, X, Y)
    earlier = Lazy(lambda: local_cause(ex, target))
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
    require_array(ex, "dw", grads["dw"], ref_grads["dw"], mistakes=mistakes["dw"], shape_causes=dw_shapes,
                   fallback="dw = (1/m) * np.dot(X, (A - Y).T) with A = sigmoid(np.dot(w.T, X) + b).",
                   earlier=earlier)
    require_number(ex, "db", grads["db"], ref_grads["db"], mistakes=mistakes["db"],
                    fallback="db = (1/m) * np.sum(A - Y).", earlier=earlier)
    require_number(ex, "cost", cost, ref_cost, mistakes=mistakes["cost"],
                    fallback="cost = -(1/m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)).", earlier=earlier)


@exercise_test("propagate")
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
    report_pass()


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
        if w_out.shape != np.shape(w) or not is_number(b_out) and np.size(b_out) != 1:
            return None
        return w_out, float(np.squeeze(b_out))
    except Exception:  # noqa: BLE001 - a probe that fails tells nothing
        return None


def _step_rate(target: Callable, w, b, X, Y, rate: float) -> float | None:
    """The rate of the learner's update, measured on a one-step call (None if it is not one plain step)."""
    learned = _learned(target, w, b, X, Y, 1, rate)
    if learned is None:
        return None
    grads, _ = reference.propagate(np.array(w, dtype=float), float(b), X, Y)
    gradient = np.append(grads["dw"].ravel(), grads["db"])
    moved = np.append(np.asarray(w, dtype=float).ravel() - learned[0].ravel(), float(b) - learned[1])
    scale = float(gradient @ moved / (gradient @ gradient))
    return scale if all_close(moved, scale * gradient) else None


def optimize_forensics(target: Callable, w, b, X, Y, iterations: int, rate: float, learned,
                        costs_counted: bool = False, within_model: bool = False) -> str | None:
    """Why the learner's optimize ends somewhere else: steps taken and rate used, from more calls.

    ``within_model``: ``target`` is model seen through optimize's signature (its optimize passes its
    own test), so a wrong count or rate means model does not pass its arguments on.
    """
    longest = max(2 * iterations + 2, 2001)  # 2000: the iteration count of model's default
    path = reference.Trajectory(w, b, X, Y, rate)
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


@exercise_test("optimize")
# long: the checks of one exercise in the order a learner should fix them.
def optimize_test(target: Callable) -> None:
    """Exercise 6: gradient descent, one cost every 100 iterations (checked with several settings)."""
    ex = "optimize"
    w, b, X, Y = _optimize_inputs()
    n, m = X.shape
    iterations, rate = 250, 0.05
    before = {"X": X.copy(), "Y": Y.copy()}
    w_given = w.copy()
    call = f"optimize(w, b, X, Y, num_iterations={iterations}, learning_rate={rate})"
    probe = Probe(n=n, m=m, names={"w": w, "b": b, "X": X, "Y": Y})
    result = call_learner(ex, target, (w, b, X, Y), {"num_iterations": iterations, "learning_rate": rate}, call=call,
                   probe=probe)
    note = None
    if not np.array_equal(w, w_given):
        note = ("optimize changed the w array it was given (w -= ... updates the caller's array in place). "
                "That works here, but writing w = w - learning_rate * dw avoids surprising the caller.")
    require_unchanged(ex, before, {"X": X, "Y": Y})
    params, grads, costs = unpack(ex, result, ("params", "grads", "costs"),
                                   hint="end the function with 'return params, grads, costs'.")
    for name, value, keys in (("params", params, {"w", "b"}), ("grads", grads, {"dw", "db"})):
        if not isinstance(value, dict) or set(value) != keys:
            fail(ex, f"{name} should be a dictionary with keys {sorted(keys)}", expected=f"keys {sorted(keys)}",
                  got=show(value),
                  cause="return params = {'w': w, 'b': b} and grads = {'dw': dw, 'db': db}, then costs.")

    earlier = Lazy(lambda: local_cause(ex, target))
    ref_params, ref_grads, ref_costs = reference.gradient_descent(w_given, b, X, Y, iterations, rate)
    variants = Lazy(lambda: [
        (reference.gradient_descent(w_given, b, X, Y, iterations, -rate),
         "gradient ascent: the update goes against the gradient, w = w - learning_rate * dw (minus, not plus); same for b."),
        (reference.gradient_descent(w_given, b, X, Y, iterations, 0.009),
         "the learning_rate argument is ignored (0.009, the default, was used): use the parameter learning_rate in the update."),
        (reference.gradient_descent(w_given, b, X, Y, 100, rate),
         "the num_iterations argument is ignored (100 iterations were run): loop with for i in range(num_iterations)."),
        (reference.gradient_descent(w_given, b, X, Y, iterations, rate, update_w=False),
         "w is never updated: inside the loop, w = w - learning_rate * dw."),
        (reference.gradient_descent(w_given, b, X, Y, iterations, rate, update_b=False),
         "b is never updated: inside the loop, b = b - learning_rate * db."),
        (reference.gradient_descent(w_given, b, X, Y, iterations, rate, gradient_once=True),
         "the gradients are computed once and reused: call propagate(w, b, X, Y) inside the loop, every iteration."),
        (reference.gradient_descent(np.zeros_like(w_given), 0.0, X, Y, iterations, rate),
         "the w and b passed in are ignored (training started from zeros): start from the arguments."),
        (reference.gradient_descent(w_given, b, X, Y, iterations, rate, w_with_db=True),
         "w is updated with db, the gradient of b: each parameter takes its own gradient, "
         "w = w - learning_rate * dw and b = b - learning_rate * db."),
    ])
    fallback = ("each iteration: grads, cost = propagate(w, b, X, Y); w = w - learning_rate * grads['dw']; "
                "b = b - learning_rate * grads['db'].")
    if np.array_equal(np.asarray(params["w"]), w_given) and is_number(params["b"]) and float(params["b"]) == b:
        fail(ex, "params are the values passed in: nothing was learned", expected=show(ref_params["w"]),
              got=show(params["w"]),
              cause="the updated w and b are never stored: assign w = w - ..., b = b - ... inside the loop "
                    "and return them in params.")
    if isinstance(params["b"], np.ndarray) and params["b"].size > 1:
        fail(ex, "params['b'] should be a single number", expected=f"{ref_params['b']:.6g} (a float)",
              got=show(params["b"]),
              cause=(earlier() or "b has become an array: b is updated with dw (an array) instead of db. Each "
                                  "parameter takes its own gradient: b = b - learning_rate * db."))
    learned = None
    if isinstance(params["w"], np.ndarray) and params["w"].shape == w_given.shape and is_number(params["b"]):
        learned = (params["w"], float(params["b"]))
    costs_counted = isinstance(costs, (list, tuple, np.ndarray)) and len(costs) == len(ref_costs)
    forensics = Lazy(lambda: optimize_forensics(target, w_given, b, X, Y, iterations, rate, learned, costs_counted))
    w_mistakes = lambda: [(v[0]["w"], cause) for v, cause in variants()]  # noqa: E731
    transposed = ("w became (n, n): the update subtracts a row from the column w (e.g. learning_rate * dw.T, "
                  "shape (1, n)), which broadcasts to (n, n). Use dw as propagate returns it: "
                  "w = w - learning_rate * dw.")
    require_array(ex, "params['w']", params["w"], ref_params["w"], mistakes=w_mistakes,
                   shape_causes={(n,): "w became flat (n,): keep the (n, 1) shapes of w and dw.",
                                 (n, n): transposed},
                   fallback=fallback, earlier=earlier, probe_more=forensics)
    b_mistakes = lambda: [(v[0]["b"], cause) for v, cause in variants()]  # noqa: E731
    require_number(ex, "params['b']", params["b"], ref_params["b"], mistakes=b_mistakes, fallback=fallback,
                    earlier=earlier, probe_more=forensics)

    if not isinstance(costs, (list, tuple, np.ndarray)):
        fail(ex, "costs should be a list", expected="a list of numbers", got=show(costs), cause="start with costs = [] and append to it.")
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
        fail(ex, f"costs should have {expected_len} entries for num_iterations={iterations} (i = 0, 100, 200)",
              expected=f"{expected_len} costs: {[round(c, 6) for c in ref_costs]}", got=f"{len(costs)} entries",
              cause=cause)
    after_update = reference.gradient_descent(w_given, b, X, Y, iterations, rate, record_after_update=True)[2]
    for k, (value, ref) in enumerate(zip(costs, ref_costs)):
        cost_mistakes = [(after_update[k], "the recorded cost is the one after the update; append the cost "
                                           "that propagate returned in iteration i.")]
        # earlier: a cost formula that is wrong in propagate (a term missing) leaves the gradients, and so
        # the parameters, right; only the recorded costs show it, and they are propagate's to fix.
        require_number(ex, f"costs[{k}]", value, ref, mistakes=cost_mistakes, earlier=earlier,
                       fallback="costs[k] is the cost propagate returned in iteration i = 100 * k.")

    # grads: those of the last iteration (used for the last update); the ones at the final w, b pass too.
    final_grads = reference.propagate(ref_params["w"], ref_params["b"], X, Y)[0]
    matches_final = all_close(grads["dw"], final_grads["dw"]) and all_close(grads["db"], final_grads["db"])
    if not matches_final:
        require_array(ex, "grads['dw']", grads["dw"], ref_grads["dw"], mistakes=[],
                       fallback="return the grads computed by propagate in the last iteration.")
        require_number(ex, "grads['db']", grads["db"], ref_grads["db"],
                        fallback="return the grads computed by propagate in the last iteration.")

    # A second probe with other settings (float labels, one iteration, another rate, print_cost=True): a
    # rate or an iteration count that only happens to equal the first probe's is not used correctly.
    w1 = np.array([[0.0], [0.0], [0.0]])
    Yf = Y.astype(float)
    result = call_learner(ex, target, (w1, 0.0, X, Yf), {"num_iterations": 1, "learning_rate": 0.1, "print_cost": True},
                   call="optimize(w, b, X, Y, num_iterations=1, learning_rate=0.1, print_cost=True)", probe=probe)
    params1, _, costs1 = unpack(ex, result, ("params", "grads", "costs"),
                                 hint="end the function with 'return params, grads, costs'.")
    if not isinstance(params1, dict) or "w" not in params1 or not isinstance(costs1, (list, tuple, np.ndarray)):
        fail(ex, "with num_iterations=1 the result has the wrong form", expected="params (dict), grads, costs (list)",
              got=show(result),
              cause="return params (a dict with 'w' and 'b'), grads and costs (a list) for any num_iterations.")
    ref1 = reference.gradient_descent(np.zeros((3, 1)), 0.0, X, Yf, 1, 0.1)
    learned1 = None
    if isinstance(params1.get("w"), np.ndarray) and params1["w"].shape == (3, 1) and is_number(params1.get("b")):
        learned1 = (params1["w"], float(params1["b"]))
    require_array(ex, "params['w'] after one iteration with learning_rate=0.1", params1["w"], ref1[0]["w"],
                   fallback=fallback,
                   probe_more=Lazy(lambda: optimize_forensics(target, np.zeros((3, 1)), 0.0, X, Yf, 1, 0.1, learned1)))
    if len(costs1) != 1:
        fail(ex, "one iteration should record one cost (at i = 0)", expected="1 entry", got=f"{len(costs1)} entries",
              cause="record the cost when i % 100 == 0, which includes i = 0.")
    report_pass(note)
