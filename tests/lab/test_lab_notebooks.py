"""Run both notebooks for real (nbclient, a fresh kernel) on the synthetic dataset.

One execution per notebook, shared by all assertions (the machine is small). The kernel finds the
data through ``SPEECHMUSIC_DATA``, as a learner's would, and starts in the notebook's own folder
(the solution notebook in ``solutions/``). The notebooks are built from the source into a folder laid
out like a clone: the repository's top-level notebook is the learner's and is never run here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from conftest import copy_dataset, execute_notebook
from lab_reference import build_lab

from speechmusic.teaching import EXERCISES

pytestmark = pytest.mark.slow

nbclient = pytest.importorskip("nbclient")

CHECK_CELL = (
    "import json as _json\n"
    "from speechmusic.teaching.exercise_checks import check_namespace as _check_namespace\n"
    "print('CHECKS ' + _json.dumps(_check_namespace(globals())))\n"
)
ACCURACY_LINE = re.compile(r"^test accuracy: (\d+\.\d) %$", re.MULTILINE)
POOLED_ACCURACY_LINE = re.compile(r"^pooled model test accuracy: (\d+\.\d) %$", re.MULTILINE)


@pytest.fixture(scope="module")
def lab_data(tmp_path_factory, synthetic_dataset) -> Path:
    # The session's synthetic set (seed 0, 60 + 20 per class: what make_lab_dataset generates),
    # made once per test run and shared with the other tests that need it.
    return copy_dataset(synthetic_dataset, tmp_path_factory.mktemp("lab") / "data")


@pytest.fixture(scope="module")
def lab_notebooks(tmp_path_factory) -> dict[str, Path]:
    """Both notebooks built from the source in a folder laid out like a clone (never the learner's own)."""
    return build_lab(tmp_path_factory.mktemp("clone"))


def _execute(path: Path, data_dir: Path, *, allow_errors: bool) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPEECHMUSIC_DATA", str(data_dir))
        return execute_notebook(notebook, folder=path.parent, allow_errors=allow_errors)


@pytest.fixture(scope="module")
def solution_run(lab_data, lab_notebooks) -> nbformat.NotebookNode:
    return _execute(lab_notebooks["solution"], lab_data, allow_errors=False)


@pytest.fixture(scope="module")
def student_run(lab_data, lab_notebooks) -> nbformat.NotebookNode:
    return _execute(lab_notebooks["student"], lab_data, allow_errors=True)


def _outputs(notebook):
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                yield index, cell, output


def _stdout(notebook, *, with_checks: bool = False) -> str:
    """Everything the notebook printed (without the line of the appended check cell, unless asked)."""
    text = "".join(o.get("text", "") for _, _, o in _outputs(notebook) if o.output_type == "stream")
    if with_checks:
        return text
    return "\n".join(line for line in text.splitlines() if not line.startswith("CHECKS "))


def _checks(notebook) -> dict:
    line = next(line for line in _stdout(notebook, with_checks=True).splitlines() if line.startswith("CHECKS "))
    return json.loads(line[len("CHECKS "):])


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


def test_solution_namespace_passes_the_graders_checks(solution_run):
    results = _checks(solution_run)
    assert list(results) == list(EXERCISES)
    assert all(result["passed"] for result in results.values()), results


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


def test_blank_student_notebook_scores_zero_in_the_graders_checks(student_run):
    results = _checks(student_run)
    assert list(results) == list(EXERCISES)
    assert not any(result["passed"] for result in results.values())


def test_the_cells_after_an_empty_bonus_say_it_is_not_done_yet(student_run):
    stops = [(cell, output) for _, cell, output in _outputs(student_run)
             if "require_bonus(pool_features)" in cell.source and output.output_type == "error"]
    assert len(stops) == 3  # not a bare NameError in each (issue 20)
    for cell, output in stops:
        assert "bonus" in cell.metadata.get("tags", [])  # the grader lists them as ungraded
        assert output.ename == "BonusNotDone" and output.evalue.startswith("the bonus is not done yet")
