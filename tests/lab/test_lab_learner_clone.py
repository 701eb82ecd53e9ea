"""A learner's notebook never breaks the README's test command (issue 20).

In a copy of the repository whose top-level notebook holds a learner's answers in every exercise (the
solution's code, properly indented, run and saved as JupyterLab saves), the test modules that deal
with the notebooks and their build run and pass: the tests build what they need from
notebook_source/ and never read the learner's notebook. (Before, four of them failed there.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lab_reference import REPO

from speechmusic.teaching.build import SOURCE, STARTS, TARGETS, render

pytestmark = pytest.mark.slow

#: The tests that build, copy, compare or scan notebooks (the notebook-running modules build theirs the same
#: way, from lab_reference.build_lab): the build's own tests of rendering and parsing touch no notebook file.
MODULES = ["tests/lab/test_lab_learner_work.py", "tests/test_no_conflict_markers.py", "tests/lab/test_lab_build.py",
           "-k", "learner_work or conflict or build_writes or no_outputs or ci_check or check_fails or broken_source"]
SKIP = {".venv", ".git", "data", "__pycache__", ".pytest_cache", "demo_output", "node_modules"}


def _copy_repository(dest: Path) -> None:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, timeout=30, check=True)
        names = [name for name in listed.stdout.decode().split("\0") if name]
    except (OSError, subprocess.SubprocessError):  # not a git checkout: every file but the environment's
        names = [str(p.relative_to(REPO)) for p in REPO.rglob("*")
                 if p.is_file() and not SKIP & set(p.relative_to(REPO).parts)]
    for name in names:
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    # git's view of the copy: the same tracked files (test_no_conflict_markers asks git for them)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=False, capture_output=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=False, capture_output=True)


def _answer_every_exercise(path: Path) -> int:
    """The student notebook with the solution's code in every exercise, run and saved like JupyterLab does."""
    built = {variant: json.loads(text) for variant, text in render((REPO / SOURCE).read_text(encoding="utf-8")).items()}
    solution = {cell["id"]: cell for cell in built["solution"]["cells"]}
    notebook = built["student"]
    answered = 0
    for count, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        if STARTS in "".join(cell["source"]):
            cell["source"] = solution[cell["id"]]["source"]
            answered += 1
        cell["execution_count"] = count
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["done\n"]}]
    notebook["metadata"]["language_info"]["version"] = "3.11.2"
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return answered


def test_a_learners_answers_in_the_top_level_notebook_break_no_test(tmp_path):
    clone = tmp_path / "clone"
    _copy_repository(clone)
    answered = _answer_every_exercise(clone / TARGETS["student"])
    assert answered >= 9  # the eight exercises (one spans two cells' markers) and the bonus
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", *MODULES],
                          cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
    # The README test command's whole collection, in the same copy: every test module imports and every
    # test is collected (a module that read the learner's notebook at import would fail here).
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider"],
                               cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-2000:]
    summary = collected.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ tests collected in [\d.]+s", summary), summary
    assert int(summary.split()[0]) > 2000
