"""One source, two notebooks: the build, its markers and hints, and the committed notebooks' freshness."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from lab_reference import REPO, build_lab

from speechmusic.commands import build_notebooks
from speechmusic.teaching import build
from speechmusic.teaching.build import BuildError, parse_percent, render, render_code

SOURCE_TEXT = (REPO / build.SOURCE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built() -> dict[str, dict]:
    return {variant: json.loads(text) for variant, text in render(SOURCE_TEXT).items()}


def _code_cells(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def _regions(lines: list[str]) -> list[list[str]]:
    regions, current = [], None
    for line in lines:
        if line.strip() == build.BEGIN:
            current = []
        elif line.strip() == build.END:
            regions.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return regions


# ----------------------------------------------------------------- the notebooks the build writes
# The committed notebooks themselves are checked by CI (.ci/run: build_notebooks --check
# --ignore-exercise-code); the tests never read the top-level one, which is the learner's.


@pytest.mark.parametrize("variant", build.VARIANTS)
def test_notebooks_have_no_outputs_and_a_standard_kernel(built, variant):
    notebook = built[variant]
    nbformat.validate(nbformat.from_dict(notebook))
    assert notebook["nbformat"] == 4
    assert notebook["metadata"]["kernelspec"] == {"display_name": "Python 3 (ipykernel)", "language": "python",
                                                  "name": "python3"}
    assert notebook["metadata"]["language_info"]["name"] == "python"
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    ids = [cell["id"] for cell in notebook["cells"]]
    assert len(set(ids)) == len(ids)


def _fill_every_exercise(path, code: str = "answer = 42  # mine") -> None:
    """Write ``code`` into every exercise region, indented, and save as JupyterLab does (run, with outputs)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        for index, line in enumerate(lines):
            if line.strip() == build.STARTS:
                indent = line[: len(line) - len(line.lstrip())]
                lines[index + 1] = indent + code
        cell["source"] = "\n".join(lines)
        cell["execution_count"] = number
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["ran\n"]}]
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def test_the_ci_check_ignores_the_code_between_the_exercise_markers_only(repo_copy, capsys):
    assert build_notebooks.main(["--root", str(repo_copy)]) == 0
    check = ["--check", "--ignore-exercise-code", "--root", str(repo_copy)]
    for relative in build.TARGETS.values():
        _fill_every_exercise(repo_copy / relative)
    assert build_notebooks.main(check) == 0, capsys.readouterr()
    assert "code between the exercise markers not compared" in capsys.readouterr().out
    # Anything else that differs from the source is drift, even in a notebook full of answers.
    student = repo_copy / build.TARGETS["student"]
    notebook = json.loads(student.read_text(encoding="utf-8"))
    notebook["cells"][1]["source"] = "# An edited title\n"
    student.write_text(json.dumps(notebook), encoding="utf-8")
    assert build_notebooks.main(check) == 1
    assert "differs from a fresh build outside the exercise code" in capsys.readouterr().out
    student.unlink()
    assert build_notebooks.main(check) == 1


# ----------------------------------------------------------------- what each variant contains


def test_the_student_notebook_contains_no_solution_code(built):
    student = "\n".join(_code_cells(built["student"]))
    solution_lines = {line.strip() for region in _regions(SOURCE_TEXT.splitlines()) for line in region
                      if line.strip() and not line.strip().startswith("#")}
    assert len(solution_lines) >= 25
    leaked = [line for line in solution_lines if line in {s.strip() for s in student.splitlines()}]
    assert not leaked


def test_each_solution_region_becomes_markers_and_a_line_count(built):
    regions = _regions(SOURCE_TEXT.splitlines())
    counts = [build.count_code_lines(region) for region in regions]
    assert counts[:2] == [4, 2]  # exercise 1: four assignments; exercise 2: two
    assert 6 in counts  # model: six statements, one of them continued over two lines
    for variant in build.VARIANTS:
        text = "\n".join(_code_cells(built[variant]))
        assert text.count(build.STARTS) == text.count(build.ENDS) == len(regions)
        found = [int(n) for n in re.findall(r"# \(≈ (\d+) lines? of code\)", text)]
        assert found == counts
    assert build.BEGIN not in json.dumps(built) and "#:" not in json.dumps(built)


def test_the_solution_notebook_keeps_the_reference_code(built):
    solution = "\n".join(_code_cells(built["solution"]))
    assert "s = 1 / (1 + np.exp(-z))" in solution
    assert "dw = np.dot(X, (A - Y).T) / m" in solution


def test_the_eight_exercises_are_tagged_cells(built):
    for variant in build.VARIANTS:
        tagged = [
            "".join(c["source"]) for c in built[variant]["cells"] if "exercise" in c.get("metadata", {}).get("tags", [])
        ]
        assert len(tagged) == 8
        for name in ("m_train", "train_set_x_flatten", "def sigmoid(z)", "def initialize_with_zeros(dim)",
                     "def propagate(w, b, X, Y)",
                     "def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False)",
                     "def predict(w, b, X)",
                     "def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False)"):
            assert sum(name in cell for cell in tagged) >= 1, name


def test_solution_only_cells_are_left_out_of_the_student_notebook(built):
    assert "Solution notebook" in json.dumps(built["solution"])
    assert "Solution notebook" not in json.dumps(built["student"])
    assert built["solution"]["metadata"]["speechmusic"]["variant"] == "solution"
    assert built["student"]["metadata"]["speechmusic"]["variant"] == "student"


def test_the_notebook_reads_data_through_load_dataset_and_points_to_the_download(built):
    student = json.dumps(built["student"])
    assert "from audio_utils import load_dataset, load_audio_file" in student
    assert "load_dataset()" in student
    assert ".venv/bin/python download_samples.py" in student and "--source synthetic" in student
    assert "from public_tests import *" in student


@pytest.mark.parametrize("variant", build.VARIANTS)
def test_commands_in_the_notebook_are_written_as_run_from_the_repository_with_the_venv(built, variant):
    text = "\n".join("".join(cell["source"]) for cell in built[variant]["cells"])
    commands = re.findall(r"`((?:\.venv/bin/)?(?:python|speechmusic|jupyter|pytest) [^`\n]+)`", text)
    assert len(commands) >= 5
    assert [c for c in commands if not c.startswith(".venv/bin/")] == []


# ----------------------------------------------------------------- the transformation itself


def test_render_code_student_and_solution():
    lines = [
        "def f(z):",
        "    ### BEGIN SOLUTION",
        "    #: s = ...",
        "    # a comment does not count",
        "    s = z + 1",
        "",
        "    s = s * 2",
        "    ### END SOLUTION",
        "    return s",
    ]
    assert render_code(lines, "student") == [
        "def f(z):", "    # (≈ 2 lines of code)", "    # s = ...", "    # YOUR CODE STARTS HERE", "",
        "    # YOUR CODE ENDS HERE", "    return s",
    ]
    assert render_code(lines, "solution") == [
        "def f(z):", "    # (≈ 2 lines of code)", "    # YOUR CODE STARTS HERE", "    # a comment does not count",
        "    s = z + 1", "", "    s = s * 2", "    # YOUR CODE ENDS HERE", "    return s",
    ]


def test_a_statement_over_several_lines_counts_once():
    lines = ["    x = f(1,", "          2)", "    # comment", "", "    y = [", "        3,", "    ]"]
    assert build.count_code_lines(lines) == 2


def test_one_line_hint_is_singular():
    assert render_code(["### BEGIN SOLUTION", "x = 1", "### END SOLUTION"], "student")[0] == "# (≈ 1 line of code)"


@pytest.mark.parametrize("lines, message", [
    (["### BEGIN SOLUTION", "x = 1"], "without ### END"),
    (["x = 1", "### END SOLUTION"], "without ### BEGIN"),
    (["### BEGIN SOLUTION", "### BEGIN SOLUTION", "### END SOLUTION"], "inside another"),
    (["### BEGIN SOLUTION", "#: hint only", "### END SOLUTION"], "holds no code"),
])
def test_unbalanced_or_empty_regions_are_errors(lines, message):
    with pytest.raises(BuildError, match=message):
        render_code(lines, "student")


def test_parse_percent_cells_and_metadata():
    text = "# header comment\n\n# %% [markdown]\n# # Title\n#\n# text\n\n# %% tags=[\"exercise\"] only=\"solution\"\nx = 1\n\n\n"
    cells = parse_percent(text)
    assert [(c.kind, c.lines, c.metadata) for c in cells] == [
        ("markdown", ["# Title", "", "text"], {}),
        ("code", ["x = 1"], {"tags": ["exercise"], "only": "solution"}),
    ]


@pytest.mark.parametrize("text, message", [
    ("x = 1\n# %%\n", "code before the first"),
    ("# %% [markdown]\nnot a comment\n", "must start with '# '"),
    ("# %% [raw]\n", "only \\[markdown\\]"),
    ("# %% tags=[oops\n", "cannot read cell metadata|not JSON"),
])
def test_parse_errors_name_the_line(text, message):
    with pytest.raises(BuildError, match=message):
        parse_percent(text)


def test_a_cell_that_is_not_valid_python_in_one_variant_is_an_error():
    render("# %%\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nprint(x)\n")
    # In the student version the block below would hold only comments: not valid Python.
    bad = "# %%\nif True:\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\nprint(x)\n"
    with pytest.raises(BuildError, match="student version of this cell is not valid Python"):
        render(bad)


def test_the_source_reads_the_same_in_jupytext():
    jupytext = pytest.importorskip("jupytext")
    notebook = jupytext.reads(SOURCE_TEXT, fmt="py:percent")
    ours = parse_percent(SOURCE_TEXT)
    assert [c.cell_type for c in notebook.cells] == [c.kind for c in ours]
    for theirs, mine in zip(notebook.cells, ours):
        assert theirs.source == "\n".join(mine.lines)
        assert theirs.metadata.get("tags") == mine.metadata.get("tags")


# ----------------------------------------------------------------- the command


@pytest.fixture
def repo_copy(tmp_path):
    (tmp_path / "notebook_source").mkdir()
    shutil.copy(REPO / build.SOURCE, tmp_path / build.SOURCE)
    return tmp_path


def test_build_writes_both_notebooks_then_check_passes(repo_copy, capsys):
    assert build_notebooks.main(["--root", str(repo_copy), "--check"]) == 1  # nothing built yet
    assert build_notebooks.main(["--root", str(repo_copy)]) == 0
    for variant, text in render(SOURCE_TEXT).items():
        assert (repo_copy / build.TARGETS[variant]).read_text(encoding="utf-8") == text
    assert build_notebooks.main(["--root", str(repo_copy), "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_fails_when_the_source_changed(repo_copy, capsys):
    assert build_notebooks.main(["--root", str(repo_copy)]) == 0
    source = repo_copy / build.SOURCE
    source.write_text(source.read_text(encoding="utf-8").replace("# # Speech or music?", "# # Speech, or music?"),
                      encoding="utf-8")
    assert build_notebooks.main(["--root", str(repo_copy), "--check"]) == 1
    assert "differs from a fresh build" in capsys.readouterr().out


def test_a_broken_source_is_a_one_line_error(repo_copy, capsys):
    (repo_copy / build.SOURCE).write_text("# %%\n### BEGIN SOLUTION\nx = 1\n", encoding="utf-8")
    assert build_notebooks.main(["--root", str(repo_copy)]) == 2
    assert "without ### END SOLUTION" in capsys.readouterr().err
    assert not (repo_copy / build.TARGETS["student"]).exists()


def test_the_command_runs_as_a_module_and_the_teaching_module_names_it(tmp_path):
    clone = tmp_path / "clone"
    build_lab(clone)
    (tmp_path / "elsewhere").mkdir()
    tmp_path = tmp_path / "elsewhere"
    done = subprocess.run([sys.executable, "-m", "speechmusic.commands.build_notebooks", "--check", "--root", str(clone)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audio_classification_logreg.ipynb: up to date" in done.stdout
    # the build's module is not the command (teaching may not import the command line): it says
    # which command to run instead of silently doing nothing, and writes nothing
    old = subprocess.run([sys.executable, "-m", "speechmusic.teaching.build"], capture_output=True, text=True,
                         cwd=tmp_path)
    assert old.returncode == 2
    assert build.COMMAND in old.stderr and build.COMMAND.endswith("-m speechmusic.commands.build_notebooks")
    assert list(tmp_path.iterdir()) == []


def test_ci_checks_the_committed_notebooks_against_the_source():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert f"{build.COMMAND} --check --ignore-exercise-code" in ci
    # before the tests, which never read the top-level notebook (it is the learner's)
    assert ci.index("--ignore-exercise-code") < ci.index(".venv/bin/python -m pytest")
