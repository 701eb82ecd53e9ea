"""Run both notebooks for real, through the grader, on the synthetic dataset.

One grading of the two notebooks (a batch, two at a time), shared by all assertions (the machine is
small): each runs in a sandboxed kernel and is judged from outside, as ``speechmusic grade`` does; the
grader writes each notebook as it ran (``executed_dir``, the command's ``--executed``), whose outputs
the tests read, and a report, whose scores and errors they check. The kernel finds the data through
``SPEECHMUSIC_DATA``, as a learner's does. The notebooks are built from the source into a folder laid
out like a clone: the repository's top-level notebook is the learner's and is never run here. (A
notebook run in its own folder, as Jupyter runs it, is tests/lab/test_lab_original_style.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from conftest import copy_dataset
from lab_reference import build_lab

from speechmusic.teaching import EXERCISES
from speechmusic.teaching.grading import executed_names, grade_notebooks

pytestmark = pytest.mark.slow

nbclient = pytest.importorskip("nbclient")

ACCURACY_LINE = re.compile(r"^test accuracy: (\d+\.\d) %$", re.MULTILINE)
POOLED_ACCURACY_LINE = re.compile(r"^pooled model test accuracy: (\d+\.\d) %$", re.MULTILINE)


@pytest.fixture(scope="module")
def lab_data(tmp_path_factory, synthetic_dataset) -> Path:
    # The session's synthetic set (seed 0, 60 + 20 per class: what make_lab_dataset generates),
    # made once per test run and shared with the other tests that need it.
    return copy_dataset(synthetic_dataset, tmp_path_factory.mktemp("lab") / "data")


@pytest.fixture(scope="module")
def graded(tmp_path_factory, lab_data) -> dict:
    """Both notebooks built from the source (never the learner's own), graded once: the reports and the executed copies."""
    built = build_lab(tmp_path_factory.mktemp("clone"))
    notebooks = [built["student"], built["solution"]]
    executed = tmp_path_factory.mktemp("executed")
    reports = grade_notebooks(notebooks, jobs=2, data_dir=lab_data, timeout=600, executed_dir=executed)
    runs = [nbformat.read(str(path), as_version=4) for path in executed_names(notebooks, executed)]
    return {"student": (reports[0], runs[0]), "solution": (reports[1], runs[1])}


@pytest.fixture(scope="module")
def solution_run(graded) -> nbformat.NotebookNode:
    return graded["solution"][1]


@pytest.fixture(scope="module")
def student_run(graded) -> nbformat.NotebookNode:
    return graded["student"][1]


def _outputs(notebook):
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                yield index, cell, output


def _stdout(notebook) -> str:
    """Everything the notebook printed."""
    return "".join(o.get("text", "") for _, _, o in _outputs(notebook) if o.output_type == "stream")


# ----------------------------------------------------------------- the solution notebook


def test_solution_runs_without_errors_and_every_exercise_test_passes(solution_run):
    assert not [o for _, _, o in _outputs(solution_run) if o.output_type == "error"]
    test_calls = sum(
        len(re.findall(r"^\w+_test(?:_\d)?\(", cell.source, re.MULTILINE))
        for cell in solution_run.cells if cell.cell_type == "code"
    )
    assert test_calls == 10  # eight exercises (two tests for initialize_with_zeros) and the bonus
    assert _stdout(solution_run).count("All tests passed!") == test_calls


def test_solution_draws_figures_and_audio_players(solution_run):
    images = [o for _, _, o in _outputs(solution_run) if "image/png" in o.get("data", {})]
    players = [o for _, _, o in _outputs(solution_run) if "<audio" in o.get("data", {}).get("text/html", "")]
    assert len(images) >= 10
    assert len(players) >= 4  # two examples, one chosen clip, your own audio, the long recording, mistakes


def _one_percentage(pattern: re.Pattern, text: str) -> float:
    found = pattern.findall(text)
    assert len(found) == 1, f"the notebook must print exactly one line matching {pattern.pattern!r}, found {found}"
    return float(found[0])


def test_solution_flat_model_reaches_75_percent_on_the_synthetic_test_split(solution_run):
    assert _one_percentage(ACCURACY_LINE, _stdout(solution_run)) >= 75.0


def test_solution_pooled_standardised_model_reaches_90_percent_on_the_synthetic_test_split(solution_run):
    assert _one_percentage(POOLED_ACCURACY_LINE, _stdout(solution_run)) >= 90.0


def test_standardisation_is_what_lifts_the_pooled_model(solution_run):
    out = _stdout(solution_run)
    raw, standardised = (re.search(rf"^{name} pooled features: +learning rate [\d.e-]+, final cost ([\d.]+), "
                                   rf"train [\d.]+ %, test ([\d.]+) %$", out, re.MULTILINE)
                         for name in ("raw", "standardised"))
    assert raw and standardised, out
    assert float(standardised[1]) < float(raw[1])  # the same 2000 steps get further
    assert float(standardised[2]) > float(raw[2])


def test_section_6_compares_both_models_on_one_recording_and_rolls_it_in_time(solution_run):
    out = _stdout(solution_run)
    assert re.search(r'^ *flat \(section 4\): "(speech|music)"  \(P\(speech\) = [\d.]+\)$', out, re.MULTILINE)
    assert re.search(r'^ *pooled, standardised \(5\.7\): "(speech|music)"  \(P\(speech\) = [\d.]+\)$', out,
                     re.MULTILINE)
    pooled = re.search(r"^pooled model: P\(speech\) from ([\d.]+) to ([\d.]+)$", out, re.MULTILINE)
    assert pooled and pooled[1] == pooled[2]  # pooled features do not depend on when a sound happens


def test_the_grader_gives_the_solution_full_marks(graded):
    report, _ = graded["solution"]
    assert report.status == "completed" and report.errors == [] and report.ungraded == [], report.message
    assert list(report.exercises) == list(EXERCISES)
    assert report.score == 1.0, {name: result["message"][:200] for name, result in report.exercises.items()}


# ----------------------------------------------------------------- the student notebook


def test_student_notebook_runs_its_setup_then_fails_first_at_exercise_1(student_run):
    errors = [(index, cell, output) for index, cell, output in _outputs(student_run) if output.output_type == "error"]
    assert errors
    first_index, first_cell, first_error = errors[0]
    assert "exercise" in first_cell.metadata.get("tags", [])
    assert "# YOUR CODE STARTS HERE" in first_cell.source and "m_train" in first_cell.source
    # Not a bare NameError (issue 20): the cell says which exercise to write, and where.
    assert first_error.ename == "ExerciseNotDone"
    assert first_error.evalue.startswith("exercise 1 is not done yet: m_train, m_test, n_mels and time_steps are "
                                         "not defined") and "# YOUR CODE STARTS HERE" in first_error.evalue
    setup = [cell for cell in student_run.cells[:first_index] if cell.cell_type == "code"]
    assert len(setup) >= 5  # paths, imports, loading, listening, one example
    assert all(cell.execution_count is not None for cell in setup)


def test_blank_student_functions_fail_their_tests_with_explanations(student_run):
    messages = [o.evalue for _, _, o in _outputs(student_run) if o.output_type == "error" and o.ename == "ExerciseFailure"]
    assert any(m.startswith("sigmoid: calling sigmoid(2.0) raised NameError") for m in messages)
    assert any("propagate" in m and "YOUR CODE STARTS HERE" in m for m in messages)


def test_the_grader_gives_the_blank_student_notebook_zero_and_lists_the_bonus_apart(graded):
    report, _ = graded["student"]
    assert report.status == "completed" and report.score == 0.0 and list(report.exercises) == list(EXERCISES)
    assert report.errors[0]["ename"] == "ExerciseNotDone"  # exercise 1 says what to do
    # The bonus's test cell and the three cells after it that need the bonus: ungraded, not failures.
    assert [error["ename"] for error in report.ungraded] == ["ExerciseFailure"] + ["BonusNotDone"] * 3
    assert not {error["cell"] for error in report.ungraded} & {error["cell"] for error in report.errors}
    assert all(error["cell"] > 20 for error in report.ungraded)  # In [n], numbered as Jupyter does


def test_the_cells_after_an_empty_bonus_say_it_is_not_done_yet(student_run):
    stops = [(cell, output) for _, cell, output in _outputs(student_run)
             if "require_bonus(pool_features)" in cell.source and output.output_type == "error"]
    assert len(stops) == 3  # not a bare NameError in each (issue 20)
    for cell, output in stops:
        assert "bonus" in cell.metadata.get("tags", [])  # the grader lists them as ungraded
        assert output.ename == "BonusNotDone" and output.evalue.startswith("the bonus is not done yet")
