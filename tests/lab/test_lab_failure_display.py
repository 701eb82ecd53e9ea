"""A failing exercise test reads cleanly: the teaching message, the learner's own lines, none of the
test's internal frames (issue 13, item 7) -- checked in a real notebook run by a Jupyter kernel."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import numpy as np
import pytest
from conftest import execute_notebook
from lab_reference import REPO

import speechmusic.teaching.public_tests as pt

#: The folder of the tests' modules (a package: common, explain, calls, exercises_*).
PACKAGE = Path(pt.__file__).resolve().parent


ANSI = re.compile(r"\x1b\[[0-9;]*m")
INTERNAL_NAMES = ("_fail", "_call(", "_require_array", "_require_number", "_check_", "in run(", "_explain")


def _wrong_sigmoid(z):
    return 1 / (1 + np.exp(z))


def test_a_failure_is_an_assertion_error_with_the_callers_frames_only():
    with pytest.raises(AssertionError) as caught:
        pt.sigmoid_test(_wrong_sigmoid)
    failure = caught.value
    assert isinstance(failure, pt.ExerciseFailure)
    inside = [frame for frame in traceback.extract_tb(failure.__traceback__) if Path(frame.filename).parent == PACKAGE]
    # Plain Python keeps one frame of the test's entry point (the line that re-raises); no deeper ones.
    assert len(inside) <= 1 and all(frame.name == "run" for frame in inside)
    assert failure.__cause__ is None and failure.__suppress_context__


def test_the_rendering_ipython_asks_for_has_no_internal_frames():
    def propagate(w, b, X, Y):
        A = 1 / (1 + np.exp(-(np.dot(w, X) + b)))  # the learner's line that raises
        return {"dw": A, "db": 0.0}, 0.0

    with pytest.raises(AssertionError) as caught:
        pt.propagate_test(propagate)
    lines = "".join(caught.value._render_traceback_())  # no IPython shell here: standard formatting
    assert str(PACKAGE) not in lines  # no frame from any file of the tests' package
    assert "np.dot(w, X)" in lines  # the learner's own frame is kept
    assert "likely cause:" in lines and "np.dot(w.T, X)" in lines


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    cells = [
        "from public_tests import *\nimport math\nimport numpy as np",
        "def sigmoid(z):\n    s = 1 / (1 + math.exp(-z))\n    return s",
        "sigmoid_test(sigmoid)",  # an exception inside the learner's code
        "def sigmoid(z):\n    return 1 / (1 + np.exp(z))",
        "sigmoid_test(sigmoid)",  # a wrong value
        "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n\nsigmoid_test(sigmoid)",  # right
        "try:\n    sigmoid_test(lambda z: z)\nexcept AssertionError as error:\n    print('caught:', type(error).__name__)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # the kernel imports public_tests.py from the repository
        return execute_notebook(notebook, folder=REPO, timeout=120, allow_errors=True)


def _errors(notebook):
    return {index: output for index, cell in enumerate(notebook.cells) for output in cell.get("outputs", [])
            if output.output_type == "error"}


def test_in_jupyter_an_exception_in_the_learners_code_shows_its_line_and_the_lesson(executed):
    errors = _errors(executed)
    assert set(errors) == {2, 4}, errors
    shown = ANSI.sub("", "\n".join(errors[2].traceback))
    assert errors[2].ename == "ExerciseFailure"
    assert "sigmoid_test(sigmoid)" in shown  # the cell that called the test
    assert "s = 1 / (1 + math.exp(-z))" in shown  # the learner's line that raised
    assert "likely cause: math.exp works on one number only" in shown
    assert "public_tests" not in shown.replace("from public_tests", "")
    assert not [name for name in INTERNAL_NAMES if name in shown], shown


def test_in_jupyter_a_wrong_value_shows_only_the_call_and_the_lesson(executed):
    shown = ANSI.sub("", "\n".join(_errors(executed)[4].traceback))
    assert "sigmoid_test(sigmoid)" in shown
    assert "expected: 0.880797078" in shown and "likely cause: sign error" in shown
    assert ".py" not in shown  # no file of the test's machinery, only notebook cells
    assert not [name for name in INTERNAL_NAMES if name in shown], shown


def test_in_jupyter_passing_and_catching_still_work(executed):
    printed = "".join(o.get("text", "") for cell in executed.cells[5:] for o in cell.get("outputs", [])
                      if o.output_type == "stream")
    assert "All tests passed!" in printed
    assert "caught: ExerciseFailure" in printed
