"""A learner's notebook is never lost, and a notebook someone worked in is not "stale".

Each test reproduces something observed on a fresh clone (issue 13):

* opening the student notebook in JupyterLab and letting it autosave (it adds
  ``language_info.version``; running cells adds execution counts and outputs) made the drift check
  fail, so the README's test command failed;
* running the build then replaced a notebook holding the learner's exercise code with blanks;
* without ``--root`` the build wrote into the checkout the package was installed from, not into
  the repository it was run in.

The notebooks here are built from the source into ``tmp_path``; the repository's notebooks are never read.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from lab_reference import REPO, build_lab

from speechmusic.commands import build_notebooks
from speechmusic.teaching import build

STUDENT = build.TARGETS["student"]
SOLUTION = build.TARGETS["solution"]


# ----------------------------------------------------------------- what a learner's tools do to a notebook


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _save_like_jupyterlab(path: Path, notebook: dict) -> None:
    """JupyterLab writes JSON with one-space indents, sorted keys and raw UTF-8."""
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def open_and_autosave(path: Path) -> None:
    """Open in JupyterLab, start the kernel, change nothing: the autosave records the kernel's Python version."""
    notebook = _load(path)
    notebook["metadata"]["language_info"]["version"] = "3.11.2"
    _save_like_jupyterlab(path, notebook)


def run_every_cell(path: Path) -> None:
    """Run all cells and save: execution counts, outputs and per-cell execution metadata appear."""
    notebook = _load(path)
    notebook["metadata"]["language_info"]["version"] = "3.11.2"
    count = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        cell["execution_count"] = count
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": [f"output of cell {count}\n"]}]
        cell["metadata"]["execution"] = {"iopub.execute_input": "2024-05-01T10:00:00.000000Z"}
        cell["metadata"]["scrolled"] = True
    _save_like_jupyterlab(path, notebook)


def fill_in_the_exercises(path: Path) -> list[str]:
    """Write code into every exercise cell (no outputs, as in the issue); return the learner's lines."""
    notebook = _load(path)
    written = []
    for number, cell in enumerate(notebook["cells"]):
        if "exercise" not in cell["metadata"].get("tags", []):
            continue
        source = "".join(cell["source"])
        line = f"learner_line_{number} = {number}  # my own code"
        indent = re.search(r"^( *)" + re.escape(build.STARTS), source, re.MULTILINE)[1]
        source = re.sub(rf"({re.escape(build.STARTS)}\n)\n", rf"\1{indent}{line}\n", source)
        cell["source"] = source.splitlines(keepends=True)
        written.append(line)
    assert len(written) == 8
    _save_like_jupyterlab(path, notebook)
    return written


def change_the_source(root: Path) -> None:
    source = root / build.SOURCE
    source.write_text(source.read_text(encoding="utf-8").replace("# # Speech or music?", "# # Speech, or music?"),
                      encoding="utf-8")


# ----------------------------------------------------------------- fixtures


@pytest.fixture
def clone(tmp_path) -> Path:
    """The lab source and its notebooks, as the build writes them in a fresh clone (never the repository's
    own top-level notebook: that one is the learner's)."""
    build_lab(tmp_path)
    return tmp_path


def _check(root: Path, *extra: str) -> int:
    return build_notebooks.main(["--check", "--root", str(root), *extra])


# ----------------------------------------------------------------- the drift check


def test_a_notebook_opened_and_autosaved_in_jupyterlab_is_not_stale(clone, capsys):
    open_and_autosave(clone / STUDENT)
    open_and_autosave(clone / SOLUTION)
    assert _check(clone) == 0, capsys.readouterr()


def test_a_notebook_whose_cells_were_run_is_not_stale(clone, capsys):
    run_every_cell(clone / STUDENT)
    run_every_cell(clone / SOLUTION)
    assert _check(clone) == 0, capsys.readouterr()


def test_a_filled_in_notebook_is_not_stale(clone, capsys):
    fill_in_the_exercises(clone / STUDENT)
    run_every_cell(clone / STUDENT)
    assert _check(clone) == 0, capsys.readouterr()
    assert "your edits" in capsys.readouterr().out


def test_a_real_drift_is_caught_even_in_a_notebook_that_was_opened(clone, capsys):
    open_and_autosave(clone / STUDENT)
    change_the_source(clone)
    assert _check(clone) == 1
    out = capsys.readouterr().out
    assert f"{STUDENT}: differs from a fresh build" in out and f"{SOLUTION}: differs from a fresh build" in out


def test_a_source_edit_without_rebuild_is_caught_on_a_clean_clone(clone, capsys):
    change_the_source(clone)
    assert _check(clone) == 1
    assert _check(clone, "--strict") == 1
    assert ".venv/bin/python -m speechmusic.commands.build_notebooks" in capsys.readouterr().err


def test_strict_check_catches_a_notebook_edited_by_hand(clone, capsys):
    notebook = _load(clone / SOLUTION)
    notebook["cells"][1]["source"] = ["# An edited title\n"]
    _save_like_jupyterlab(clone / SOLUTION, notebook)
    assert _check(clone) == 0  # on a learner's machine: someone's edits, not drift
    assert _check(clone, "--strict") == 1  # in CI the committed notebooks must be exactly the build
    assert f"{SOLUTION}: edited since it was built" in capsys.readouterr().out


# ----------------------------------------------------------------- the build keeps a learner's work


def test_the_build_leaves_a_filled_in_notebook_alone(clone, capsys):
    lines = fill_in_the_exercises(clone / STUDENT)
    worked_on = (clone / STUDENT).read_bytes()
    assert build_notebooks.main(["--root", str(clone)]) == 0
    assert (clone / STUDENT).read_bytes() == worked_on
    assert all(line in worked_on.decode() for line in lines)
    assert "written" not in capsys.readouterr().out


def test_the_build_leaves_an_opened_notebook_alone(clone):
    run_every_cell(clone / SOLUTION)
    before = (clone / SOLUTION).read_bytes()
    assert build_notebooks.main(["--root", str(clone)]) == 0
    assert (clone / SOLUTION).read_bytes() == before  # outputs kept too


def test_after_a_source_change_the_build_refuses_to_replace_a_learners_work(clone, capsys):
    fill_in_the_exercises(clone / STUDENT)
    worked_on = (clone / STUDENT).read_bytes()
    change_the_source(clone)
    assert build_notebooks.main(["--root", str(clone)]) == 2
    out, err = capsys.readouterr()
    assert f"{STUDENT} holds your own edits" in err
    assert "--backup" in err and "rename" in err  # says what to do
    assert (clone / STUDENT).read_bytes() == worked_on
    assert sorted(p.name for p in clone.glob("*.ipynb")) == [STUDENT.name]  # no other file beside it
    assert f"{SOLUTION}: written" in out  # the untouched solution notebook is still updated
    assert _check(clone) == 1


def test_with_backup_the_learners_notebook_is_copied_beside_it_first(clone, capsys):
    fill_in_the_exercises(clone / STUDENT)
    worked_on = (clone / STUDENT).read_bytes()
    change_the_source(clone)
    assert build_notebooks.main(["--root", str(clone), "--backup"]) == 0
    backups = sorted(clone.glob("audio_classification_logreg.backup-*.ipynb"))
    assert len(backups) == 1
    assert re.fullmatch(r"audio_classification_logreg\.backup-\d{8}-\d{6}\.ipynb", backups[0].name)
    assert backups[0].read_bytes() == worked_on
    assert backups[0].name in capsys.readouterr().out
    assert _check(clone) == 0
    assert "Speech, or music?" in (clone / STUDENT).read_text(encoding="utf-8")
    # A second build in the same second keeps both copies: backups are never overwritten.
    fill_in_the_exercises(clone / STUDENT)
    change_the_source_again = (clone / build.SOURCE).read_text(encoding="utf-8").replace("Speech, or music?",
                                                                                          "Speech or music!")
    (clone / build.SOURCE).write_text(change_the_source_again, encoding="utf-8")
    assert build_notebooks.main(["--root", str(clone), "--backup"]) == 0
    assert len(list(clone.glob("audio_classification_logreg.backup-*.ipynb"))) == 2


def test_an_untouched_outdated_notebook_is_rebuilt_even_after_it_was_run(clone, capsys):
    run_every_cell(clone / SOLUTION)
    change_the_source(clone)
    assert build_notebooks.main(["--root", str(clone)]) == 0
    assert _check(clone, "--strict") == 0
    assert f"{SOLUTION}: written" in capsys.readouterr().out


def _strip_digest(path: Path) -> None:
    notebook = _load(path)
    del notebook["metadata"]["speechmusic"][build.DIGEST_KEY]
    _save_like_jupyterlab(path, notebook)


def test_a_notebook_from_an_older_build_with_blank_exercises_is_rebuilt(clone):
    _strip_digest(clone / STUDENT)  # written before the build recorded what it generated
    run_every_cell(clone / STUDENT)
    change_the_source(clone)
    assert build_notebooks.main(["--root", str(clone)]) == 0
    assert "Speech, or music?" in (clone / STUDENT).read_text(encoding="utf-8")


def test_a_notebook_from_an_older_build_with_filled_exercises_is_kept(clone, capsys):
    _strip_digest(clone / STUDENT)
    fill_in_the_exercises(clone / STUDENT)
    worked_on = (clone / STUDENT).read_bytes()
    assert build_notebooks.main(["--root", str(clone)]) == 2
    assert (clone / STUDENT).read_bytes() == worked_on
    assert "holds your own edits" in capsys.readouterr().err


def test_a_file_that_is_not_a_notebook_is_not_replaced(clone, capsys):
    (clone / STUDENT).write_text("{ half a notebook", encoding="utf-8")
    assert build_notebooks.main(["--root", str(clone)]) == 2
    assert (clone / STUDENT).read_text(encoding="utf-8") == "{ half a notebook"
    assert "--backup" in capsys.readouterr().err


# ----------------------------------------------------------------- where the build writes


def test_without_root_the_build_writes_into_the_repository_of_the_current_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "notebook_source").mkdir()
    shutil.copy(REPO / build.SOURCE, tmp_path / build.SOURCE)
    (tmp_path / "notebook_source" / "nested").mkdir()
    def installed():  # when the files were last written (not their contents: the student notebook is the learner's)
        return {relative: (REPO / relative).stat().st_mtime_ns for relative in (STUDENT, SOLUTION)
                if (REPO / relative).exists()}

    before = installed()
    monkeypatch.chdir(tmp_path / "notebook_source" / "nested")  # anywhere inside the repository
    assert build_notebooks.main([]) == 0
    for relative in (STUDENT, SOLUTION):
        assert (tmp_path / relative).is_file()
    assert installed() == before  # the installed checkout: untouched


def test_outside_a_repository_the_build_writes_nothing_and_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert build_notebooks.main([]) == 2
    err = capsys.readouterr().err
    assert "--root" in err and str(build.SOURCE) in err
    assert list(tmp_path.iterdir()) == []
