"""check_namespace: what the grader runs on an executed notebook's globals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lab_mistakes import CATALOGUE
from lab_reference import fake_dataset, solution_namespace

from speechmusic.teaching import EXERCISES
from speechmusic.teaching.exercise_checks import check_namespace


@pytest.fixture(scope="module")
def solved() -> dict:
    train_x, test_x = fake_dataset(m_train=6, m_test=4)
    return solution_namespace(train_x, test_x)


def _assert_well_formed(results: dict) -> None:
    assert list(results) == list(EXERCISES)
    for result in results.values():
        assert set(result) == {"passed", "message"}
        assert type(result["passed"]) is bool and isinstance(result["message"], str) and result["message"]
        assert "\x1b[" not in result["message"]  # no terminal colour codes in the report
    json.loads(json.dumps(results))


def test_the_solution_passes_every_exercise(solved):
    results = check_namespace(solved)
    _assert_well_formed(results)
    assert all(r["passed"] for r in results.values()), results
    assert all(r["message"] == "All tests passed!" for r in results.values())


def test_an_empty_namespace_fails_every_exercise_with_clear_messages():
    results = check_namespace({})
    _assert_well_formed(results)
    assert not any(r["passed"] for r in results.values())
    assert "data-loading cell did not run" in results["dimensions"]["message"]
    assert results["sigmoid"]["message"].startswith("sigmoid not defined: exercise 3 (sigmoid) was not done")
    assert "exercise 8 (model)" in results["model"]["message"]


def test_the_blank_student_functions_fail_every_exercise():
    train_x, test_x = fake_dataset(m_train=6, m_test=4)
    ns = solution_namespace(train_x, test_x, variant="student")
    assert "m_train" not in ns and callable(ns["sigmoid"])  # the stubs exist, the answers do not
    results = check_namespace(ns)
    _assert_well_formed(results)
    assert not any(r["passed"] for r in results.values())
    assert "m_train, m_test, n_mels, time_steps not defined" in results["dimensions"]["message"]
    assert "YOUR CODE STARTS HERE" in results["propagate"]["message"]


def test_missing_data_only_affects_the_variable_exercises(solved):
    ns = {k: v for k, v in solved.items() if k not in ("train_set_x_orig", "test_set_x_orig")}
    results = check_namespace(ns)
    assert not results["dimensions"]["passed"] and not results["flatten"]["passed"]
    assert "train_set_x_orig, test_set_x_orig not defined" in results["flatten"]["message"]
    assert all(results[name]["passed"] for name in EXERCISES[2:])


def test_wrong_variables_fail_with_the_public_tests_explanation(solved):
    ns = dict(solved, m_train=solved["m_test"], train_set_x_flatten=solved["train_set_x_orig"].reshape(6, -1))
    results = check_namespace(ns)
    assert not results["dimensions"]["passed"] and "has the value of m_test" in results["dimensions"]["message"]
    assert not results["flatten"]["passed"] and "add .T" in results["flatten"]["message"]


@pytest.mark.parametrize("exercise, mistake_name, phrase", [
    ("sigmoid", "sigmoid_sign", "sign error"),
    ("initialize_with_zeros", "init_fixed_size", "dim is ignored"),  # caught by the second test only
    ("propagate", "propagate_dw_without_m", "1/m"),
    ("optimize", "optimize_ascent", "gradient ascent"),
    ("predict", "predict_probabilities", "probabilities"),
    ("model", "model_fits_test_set", "trained on the test set"),
])
def test_one_wrong_function_fails_only_its_exercise(solved, exercise, mistake_name, phrase):
    wrong = next(m.function for m in CATALOGUE if m.name == mistake_name)
    results = check_namespace(dict(solved, **{exercise: wrong}))
    assert not results[exercise]["passed"]
    assert phrase in results[exercise]["message"] and "likely cause" in results[exercise]["message"]
    assert all(results[name]["passed"] for name in EXERCISES if name != exercise)


def test_a_name_that_is_not_a_function(solved):
    results = check_namespace(dict(solved, sigmoid=0.5))
    assert not results["sigmoid"]["passed"]
    assert "not a function" in results["sigmoid"]["message"]


def test_an_endless_loop_times_out(solved):
    def predict(w, b, X):
        while True:
            pass

    # The limit applies to every exercise: checking `model` takes 0.2 s on a loaded 2-core
    # machine, so the limit leaves it room (0.3 s failed it when tests ran in parallel).
    results = check_namespace(dict(solved, predict=predict), timeout=1.5)
    assert not results["predict"]["passed"]
    assert "did not finish within 1.5 s" in results["predict"]["message"]
    assert results["model"]["passed"]


def test_learner_code_that_exits_or_raises_base_exceptions_never_escapes(solved):
    class Escape(BaseException):
        pass

    def sigmoid(z):
        raise SystemExit(3)

    def predict(w, b, X):
        raise Escape("not an Exception subclass")

    results = check_namespace(dict(solved, sigmoid=sigmoid, predict=predict))
    assert not results["sigmoid"]["passed"] and "SystemExit" in results["sigmoid"]["message"]
    assert not results["predict"]["passed"] and "Escape" in results["predict"]["message"]
    _assert_well_formed(results)


def test_odd_inputs_never_raise():
    for ns in (None, [], {"sigmoid": None, "train_set_x_orig": "text", "test_set_x_orig": 3, "m_train": 1,
                          "m_test": 1, "n_mels": 1, "time_steps": 1,
                          "train_set_x_flatten": np.zeros(3), "test_set_x_flatten": None}):
        results = check_namespace(ns)
        _assert_well_formed(results)
        assert not any(r["passed"] for r in results.values())


def test_learner_output_is_kept_out_of_the_graders_output(solved, capsys):
    def sigmoid(z):
        print("debug print from the learner")
        return 1 / (1 + np.exp(-z))

    results = check_namespace(dict(solved, sigmoid=sigmoid))
    assert results["sigmoid"]["passed"]
    assert capsys.readouterr().out == ""


def test_a_pass_with_a_note_keeps_the_note(solved):
    from lab_variants import VARIANTS

    in_place = next(v.function for v in VARIANTS if v.name == "optimize_in_place_on_the_caller")
    results = check_namespace(dict(solved, optimize=in_place))
    assert results["optimize"]["passed"]
    assert results["optimize"]["message"].startswith("All tests passed!") and "in place" in results["optimize"]["message"]


def test_an_outer_alarm_timer_is_given_back(solved):
    import signal

    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers on this platform")
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 1000.0)
        check_namespace(solved)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 900.0 < remaining <= 1000.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not fired
