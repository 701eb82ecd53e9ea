"""Exercises 7-8 and the extension: predict, model, pool_features."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from speechmusic.teaching.public_tests import reference
from speechmusic.teaching.public_tests.calls import call_learner, require_array, require_number, require_unchanged
from speechmusic.teaching.public_tests.common import (
    Lazy,
    all_close,
    exercise_test,
    fail,
    is_number,
    quiet_call,
    report_pass,
    show,
)
from speechmusic.teaching.public_tests.exercises_5_6 import optimize_forensics
from speechmusic.teaching.public_tests.explain import Probe, local_cause

# --------------------------------------------------------------------------------------------
# Exercise 7: predict.
# --------------------------------------------------------------------------------------------


def _predict_mistakes(w, b, X) -> list[tuple[np.ndarray, str]]:
    """The labels the typical wrong versions of predict give on these inputs, with their causes."""
    n, m = X.shape
    expected = reference.predict(w, b, X)
    first_only = np.zeros((1, m))
    first_only[0, 0] = expected[0, 0]
    first_n = np.zeros((1, m))
    first_n[0, : min(n, m)] = expected[0, : min(n, m)]
    return [
        (1 - expected, "labels are inverted: 1 (speech) where A > 0.5, 0 (music) otherwise."),
        (reference.predict(w, 0.0, X), "b is left out: A = sigmoid(np.dot(w.T, X) + b)."),
        ((reference.sigmoid(w.T @ X) + b > 0.5).astype(float),
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
        ((reference.sigmoid(w * X + b) > 0.5).astype(float),
         "one row per feature: w * X multiplies element by element; A = sigmoid(np.dot(w.T, X) + b) has shape (1, m)."),
    ]





def _check_predict_call(ex: str, target: Callable, w, b, X, other: tuple) -> None:
    n, m = X.shape
    before = {"w": w.copy(), "X": X.copy()}
    probe = Probe(n=n, m=m, names={"w": w, "b": b, "X": X})
    got = call_learner(ex, target, (w, b, X), call=f"predict(w, b, X) with w {w.shape}, X {X.shape}", probe=probe)
    require_unchanged(ex, before, {"w": w, "X": X})
    expected = reference.predict(w, b, X)
    A = reference.sigmoid(w.T @ X + b)
    earlier = Lazy(lambda: local_cause(ex, target))
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
            if all_close(got, A):
                cause = "these are the probabilities A; predict returns labels: 1 where A > 0.5, else 0."
            fail(ex, "predictions should contain only 0 and 1", expected=show(expected), got=show(got),
                  cause=earlier() or cause)

    def confirmed():
        # Labels are 0/1: two wrong versions can agree on one set of clips by chance. A typical mistake
        # is named only if the learner's predict also agrees with it on the other probe's clips.
        theirs = quiet_call(target, *other)
        for (value, cause), (value_there, _) in zip(_predict_mistakes(w, b, X), _predict_mistakes(*other)):
            if theirs is None or all_close(theirs, value_there):
                yield value, cause

    require_array(ex, "predictions", got, expected, mistakes=confirmed, shape_causes=shape_causes,
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


@exercise_test("predict")
def predict_test(target: Callable) -> None:
    """Exercise 7: ``predict(w, b, X)`` -> (1, m) array of 0/1 labels."""
    ex = "predict"
    first, second = _predict_inputs()
    _check_predict_call(ex, target, *first, other=second)
    _check_predict_call(ex, target, *second, other=first)
    report_pass()


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


@exercise_test("model")
# long: the checks of one exercise in the order a learner should fix them.
def model_test(target: Callable) -> None:
    """Exercise 8: ``model(...)`` trains with the given settings and returns the documented dict."""
    ex = "model"
    X_train, Y_train, X_test, Y_test = _model_inputs()
    iterations, rate = 250, 0.3
    call = f"model(X_train, Y_train, X_test, Y_test, num_iterations={iterations}, learning_rate={rate})"
    probe = Probe(n=X_train.shape[0], m=X_train.shape[1],
                   names={"X_train": X_train, "Y_train": Y_train, "X_test": X_test, "Y_test": Y_test,
                          "num_iterations": iterations, "learning_rate": rate})
    before = {"X_train": X_train.copy(), "Y_train": Y_train.copy(), "X_test": X_test.copy(), "Y_test": Y_test.copy()}
    d = call_learner(ex, target, (X_train, Y_train, X_test, Y_test),
                     {"num_iterations": iterations, "learning_rate": rate, "print_cost": False}, call=call, probe=probe)
    # The reference below is computed from these arrays: they must be what was passed in.
    require_unchanged(ex, before, {"X_train": X_train, "Y_train": Y_train, "X_test": X_test, "Y_test": Y_test})
    if not isinstance(d, dict):
        fail(ex, "model should return a dictionary", expected=f"a dict with keys {list(MODEL_KEYS)}", got=show(d),
              cause="the template builds d = {'costs': costs, ...} and returns d.")
    missing = [k for k in MODEL_KEYS if k not in d]
    if missing:
        fail(ex, f"the returned dict lacks {missing}", expected=f"keys {list(MODEL_KEYS)}", got=show(d),
              cause=f"keep every key of the dictionary the template builds at the end of model: "
                    f"{', '.join(map(repr, missing))} is missing.")
    if d["learning_rate"] != rate or d["num_iterations"] != iterations:
        fail(ex, "d['learning_rate'] and d['num_iterations'] should be the values model was called with",
              expected=f"{rate} and {iterations}", got=f"{d['learning_rate']!r} and {d['num_iterations']!r}",
              cause="store the arguments themselves in the dictionary.")

    earlier = Lazy(lambda: local_cause(ex, target))
    ref = reference.trained_model(X_train, Y_train, X_test, Y_test, iterations, rate)
    trained = Lazy(lambda: {
        "defaults": (reference.trained_model(X_train, Y_train, X_test, Y_test, **reference.MODEL_DEFAULTS),
                     "model does not pass its arguments on: call optimize(w, b, X_train, Y_train, "
                     "num_iterations=num_iterations, learning_rate=learning_rate, print_cost=print_cost)."),
        "optimize_defaults": (reference.trained_model(X_train, Y_train, X_test, Y_test, 100, 0.009),
                              "optimize runs with its own defaults (100 iterations, rate 0.009): pass "
                              "num_iterations and learning_rate on to optimize."),
        "rate_only": (reference.trained_model(X_train, Y_train, X_test, Y_test, iterations, 0.009),
                      "learning_rate is not passed on to optimize."),
        "iterations_only": (reference.trained_model(X_train, Y_train, X_test, Y_test, 100, rate),
                            "num_iterations is not passed on to optimize."),
        "on_test": (reference.trained_model(X_test, Y_test, X_train, Y_train, iterations, rate),
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
    if isinstance(d["w"], np.ndarray) and d["w"].shape == (X_train.shape[0], 1) and is_number(d["b"]):
        learned = (d["w"], float(d["b"]))
    settings = Lazy(lambda: optimize_forensics(as_optimize, np.zeros((X_train.shape[0], 1)), 0.0, X_train, Y_train,
                                                 iterations, rate, learned, within_model=True))
    fallback = ("w, b = initialize_with_zeros(X_train.shape[0]); params, grads, costs = optimize(w, b, X_train, "
                "Y_train, num_iterations, learning_rate, print_cost); then predict with params['w'], params['b'].")
    n = X_train.shape[0]
    if is_number(d["w"]) and isinstance(d["b"], np.ndarray) and d["b"].shape == (n, 1):
        fail(ex, "d['w'] is a number and d['b'] an array", expected=f"w: {show(ref['w'])}, b: {ref['b']:.6g}",
              got=f"w: {show(d['w'])}, b: {show(d['b'])}",
              cause="w and b are swapped: w = params['w'] (the array), b = params['b'] (the number).")
    if isinstance(d["w"], np.ndarray) and d["w"].shape == (n, 1) and not np.any(d["w"]):
        fail(ex, "w is still all zeros", expected=show(ref["w"]), got=show(d["w"]),
              cause=earlier() or "use the trained parameters: w = params['w'], b = params['b'] after optimize.")
    require_array(ex, "d['w']", d["w"], ref["w"], mistakes=mistakes_for("w", (ref["grads"]["dw"], from_grads)),
                   fallback=fallback, earlier=earlier, probe_more=settings,
                   shape_causes={(X_train.shape[1], 1): "w has one entry per example: initialize_with_zeros "
                                                         "gets the number of features, X_train.shape[0].",
                                 **{(k, 1): f"w has {k} weights but X_train has {n} features: model trained on "
                                            f"other data than its parameters (a notebook variable such as "
                                            f"train_set_x?). Use model's own parameters, X_train and Y_train."
                                    for k in _other_sizes(d["w"], n, X_train.shape[1])}})
    require_number(ex, "d['b']", d["b"], ref["b"], mistakes=mistakes_for("b", (ref["grads"]["db"], from_grads)),
                    fallback=fallback, earlier=earlier, probe_more=settings)
    costs = d["costs"]
    if not isinstance(costs, (list, tuple, np.ndarray)) or len(costs) != len(ref["costs"]):
        fail(ex, "d['costs'] should be the list optimize returned", expected=f"{len(ref['costs'])} costs",
              got=show(costs), cause=earlier() or "store the costs returned by optimize.")
    for name, m in (("Y_prediction_train", X_train.shape[1]), ("Y_prediction_test", X_test.shape[1])):
        other = "Y_prediction_test" if name == "Y_prediction_train" else "Y_prediction_train"
        swapped_shape = (1, X_test.shape[1] if name == "Y_prediction_train" else X_train.shape[1])
        split = "X_train" if "train" in name else "X_test"
        if all_close(d[other], ref[name]):
            mixed = f"{name} and {other} are swapped."
        else:
            mixed = (f"{name} is predicted on the other split's data as well: {name} = predict(w, b, {split}).")
        untrained = (f"{name} are all 0, the labels of the initial parameters (w all zeros, b = 0: every "
                     f"probability is 0.5): the predictions are made before training. Predict with the trained "
                     f"parameters, params['w'] and params['b'].")
        require_array(ex, f"d['{name}']", d[name], ref[name],
                       mistakes=mistakes_for(name, (ref[other], mixed), (np.zeros((1, m)), untrained)),
                       shape_causes={swapped_shape: f"{name} looks like the predictions of the other split: "
                                                    f"{name} = predict(w, b, {'X_train' if 'train' in name else 'X_test'})."},
                       fallback=fallback, earlier=earlier)
    report_pass()


# --------------------------------------------------------------------------------------------
# Bonus: time-pooled features.
# --------------------------------------------------------------------------------------------


@exercise_test("pool_features")
def pool_features_test(target: Callable) -> None:
    """Bonus exercise: ``pool_features(X_orig)`` -> (2 * n_mels, m), band means then band stds."""
    ex = "pool_features"
    X = np.array([
        [[0.0, 0.5, 1.0, 0.5], [0.2, 0.2, 0.2, 0.2], [0.9, 0.1, 0.4, 0.6]],
        [[1.0, 1.0, 0.0, 0.0], [0.3, 0.6, 0.9, 0.3], [0.0, 0.0, 0.0, 0.8]],
    ])  # 2 clips, 3 mel bands, 4 frames
    original = X.copy()
    got = call_learner(ex, target, (X,), call="pool_features(X) with X of shape (2, 3, 4)")
    if not np.array_equal(X, original):
        fail(ex, "pool_features changed the array passed to it", expected=f"X unchanged: {show(original)}",
              got=f"X after the call: {show(X)}", cause="compute new arrays; do not modify X.")
    expected = reference.pool_features(X)
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
    require_array(ex, "pool_features(X)", got, expected, mistakes=mistakes,
                   shape_causes=shape_causes,
                   fallback="np.concatenate([X.mean(axis=2), X.std(axis=2)], axis=1).T: the means of each band "
                            "over time, then the standard deviations, one column per clip.")
    report_pass()
