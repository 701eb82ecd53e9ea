"""The notebook's public tests: the solution and correct variants pass; failures explain themselves.

How often a typical mistake's actual cause is named is measured in ``test_lab_diagnoses.py``.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
from lab_mistakes import CATALOGUE
from lab_reference import REPO, fake_dataset, solution_functions, solution_namespace
from lab_variants import VARIANTS

import speechmusic.teaching.public_tests as pt

GREEN_PASSED = "\033[92mAll tests passed!\033[0m"
SOLUTION = solution_functions()
FUNCTION_TESTS = {
    "sigmoid_test": "sigmoid",
    "initialize_with_zeros_test_1": "initialize_with_zeros",
    "initialize_with_zeros_test_2": "initialize_with_zeros",
    "propagate_test": "propagate",
    "optimize_test": "optimize",
    "predict_test": "predict",
    "model_test": "model",
    "pool_features_test": "pool_features",
}


def _message(test_name: str, function) -> str:
    with pytest.raises(AssertionError) as failure:
        getattr(pt, test_name)(function)
    return str(failure.value)


@pytest.mark.parametrize("test_name", sorted(FUNCTION_TESTS))
def test_the_notebook_solution_passes_with_a_green_message(test_name, capsys):
    getattr(pt, test_name)(SOLUTION[FUNCTION_TESTS[test_name]])
    assert capsys.readouterr().out.strip() == GREEN_PASSED


@pytest.mark.parametrize("case", VARIANTS, ids=repr)
def test_correct_variants_pass(case, capsys):
    getattr(pt, case.test)(case.function)
    assert capsys.readouterr().out.startswith(GREEN_PASSED)


def test_updating_the_callers_w_in_place_passes_with_a_note(capsys):
    case = next(v for v in VARIANTS if v.name == "optimize_in_place_on_the_caller")
    pt.optimize_test(case.function)
    out = capsys.readouterr().out
    assert out.startswith(GREEN_PASSED) and "in place" in out and "w = w - learning_rate * dw" in out


def test_a_value_mismatch_reports_expected_and_got_values():
    case = next(m for m in CATALOGUE if m.name == "propagate_dw_without_m")
    message = _message(case.test, case.function)
    assert "expected: array of shape (3, 1)" in message
    assert "got:      array of shape (3, 1)" in message
    assert "1/m factor is missing" in message
    assert "If sigmoid_test did not pass" not in message  # no blame on an earlier exercise that is fine


def test_an_exception_in_learner_code_names_the_line_and_explains():
    case = next(m for m in CATALOGUE if m.name == "sigmoid_math_exp")
    message = _message(case.test, case.function)
    assert "raised TypeError" in message
    assert "in sigmoid_math_exp(), line" in message and "math.exp(-z)" in message
    assert "use np.exp" in message


def test_passing_the_result_instead_of_the_function_is_explained():
    message = _message("sigmoid_test", 0.5)
    assert "expects your function itself" in message and "sigmoid_test(sigmoid)" in message


def test_learner_prints_do_not_clutter_the_test_output(capsys):
    def chatty_sigmoid(z):
        print("debugging", z)
        return 1 / (1 + np.exp(-z))

    pt.sigmoid_test(chatty_sigmoid)
    assert capsys.readouterr().out.strip() == GREEN_PASSED


# ----------------------------------------------------------------- exercises 1 and 2 (variables)


def test_dimensions_and_flatten_pass_with_the_notebook_solution(capsys):
    train_x, test_x = fake_dataset()
    ns = solution_namespace(train_x, test_x)
    pt.dimensions_test(train_x, test_x, ns["m_train"], ns["m_test"], ns["n_mels"], ns["time_steps"])
    pt.flatten_test(train_x, test_x, ns["train_set_x_flatten"], ns["test_set_x_flatten"])
    assert capsys.readouterr().out.count(GREEN_PASSED) == 2


def test_dimensions_accept_numpy_integers(capsys):
    train_x, test_x = fake_dataset()
    pt.dimensions_test(train_x, test_x, np.int64(5), np.int32(3), np.int64(128), 130)
    assert GREEN_PASSED in capsys.readouterr().out


def test_flatten_with_equal_split_sizes_still_names_the_transpose():
    train_x, test_x = fake_dataset(m_train=4, m_test=4)
    with pytest.raises(AssertionError, match=r"add \.T"):
        pt.flatten_test(train_x, test_x, train_x.reshape(4, -1), test_x.reshape(4, -1).T)


# ----------------------------------------------------------------- explanations and the front door


@pytest.mark.parametrize(
    "error, phrase",
    [
        (NameError("name 'A' is not defined", name="A"), "'A' is used but was never given a value"),
        (TypeError("only length-1 arrays can be converted to Python scalars"), "np.exp / np.log"),
        (TypeError("cannot unpack non-iterable NoneType object"), "without 'return"),
        (TypeError("propagate() got an unexpected keyword argument 'Y'"), "signature"),
        (ValueError("shapes (3,1) and (3,4) not aligned: 1 (dim 1) != 3 (dim 0)"), "np.dot(w.T, X)"),
        (ValueError("operands could not be broadcast together with shapes (3,4) (4,1)"), "matrix product"),
        (ValueError("The truth value of an array with more than one element is ambiguous."), "'if'"),
        (KeyError("dW"), "'dw'"),
        (RecursionError("maximum recursion depth exceeded"), "calls itself"),
        (OverflowError("math range error"), "np.exp"),
        (RuntimeError("something odd"), "exception was raised inside your code"),
    ],
)
def test_explain_exception(error, phrase):
    assert phrase in pt.explain_exception(error)


def test_root_public_tests_re_exports_the_tests(monkeypatch):
    spec = importlib.util.spec_from_file_location("root_public_tests", REPO / "public_tests.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "root_public_tests", module)
    namespace: dict = {}
    exec("from root_public_tests import *", namespace)  # what the notebook's first cells do
    exported = {name for name in namespace if name != "__builtins__"}
    assert exported == set(pt.__all__)
    assert {"sigmoid_test", "initialize_with_zeros_test_1", "initialize_with_zeros_test_2", "propagate_test",
            "optimize_test", "predict_test", "model_test"} <= exported
    assert namespace["propagate_test"] is pt.propagate_test


# ----------------------------------------------------------------- a wrong earlier function is named once


def _with_names(function, **names):
    """``function`` as if defined in a notebook whose globals hold ``names`` (e.g. a broken propagate)."""
    import types

    return types.FunctionType(function.__code__, dict(function.__globals__, **names), function.__name__,
                              function.__defaults__)


def _propagate_without_the_second_cost_term(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A)) / m  # the (1 - Y) * log(1 - A) term is missing
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


def test_optimize_with_a_propagate_missing_a_cost_term_is_sent_back_to_propagate():
    # The gradients are right, so the parameters are; only the recorded costs are wrong, and they are
    # propagate's: the message must send the learner there, not to the recording of the costs.
    optimize = _with_names(SOLUTION["optimize"], propagate=_propagate_without_the_second_cost_term)
    message = _message("optimize_test", optimize)
    assert "costs[0]" in message.splitlines()[0]
    cause = message.partition("likely cause:")[2]
    assert "calls your propagate (exercise 5), which does not pass propagate_test" in cause
    assert "(1 - Y) * log(1 - A) term is missing" in cause
    assert "costs[k] is the cost propagate returned" not in message


def test_a_chain_of_broken_earlier_functions_is_named_in_one_message():
    propagate = _with_names(SOLUTION["propagate"], sigmoid=lambda z: 1 / (1 + np.exp(z)))  # sign error
    optimize = _with_names(SOLUTION["optimize"], propagate=propagate)
    model = _with_names(SOLUTION["model"], optimize=optimize)
    message = _message("model_test", model)
    assert message.count("Its test says") == 1, message
    assert ("model calls your optimize (exercise 6), which calls your propagate (exercise 5), which calls your "
            "sigmoid (exercise 3), which does not pass sigmoid_test yet. Fix sigmoid first") in message
    assert "sign error" in message.partition("Its test says:")[2]
