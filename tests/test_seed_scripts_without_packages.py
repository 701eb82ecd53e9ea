"""The seed scripts and lab modules run by a Python without the lab's packages: one line, no traceback.

The Python without packages is this interpreter started with ``-I -S`` (no site-packages, no
environment, no script folder on ``sys.path``), as the system ``python3`` of a new shell would be.
The lab is a copy of the repository's top-level files in ``tmp_path`` (its ``src`` a link to the
real one), so whether it has a ``.venv`` can be chosen per test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

SCRIPTS = ("download_samples.py", "test_setup.py")
LAB_FILES = (*SCRIPTS, "audio_utils.py", "public_tests.py", "requirements.txt")
BARE = [sys.executable, "-I", "-S"]


@pytest.fixture
def lab(tmp_path) -> Path:
    folder = tmp_path / "my lab"  # a space in the path: the advice must quote it
    folder.mkdir()
    for name in LAB_FILES:
        shutil.copy2(REPO_ROOT / name, folder / name)
    (folder / "src").symlink_to(REPO_ROOT / "src", target_is_directory=True)
    return folder


def bare_python(*args, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*BARE, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_the_bare_python_really_lacks_the_packages(lab):
    result = bare_python("-c", "import numpy", cwd=lab)
    assert result.returncode != 0 and "No module named 'numpy'" in result.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_script_says_in_one_line_how_to_install_and_run_it(lab, script):
    result = bare_python(str(lab / script), "--data-dir", "my data", cwd=lab)
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    line = result.stderr.strip()
    assert line.startswith(f"speechmusic: this Python ({sys.executable}) lacks the lab's packages (no module 'numpy')")
    assert line.endswith("; install them first: python3 -m venv .venv && .venv/bin/pip install -r requirements.txt; "
                         f"then run: .venv/bin/python {script} --data-dir 'my data'")


@pytest.mark.parametrize("script", SCRIPTS)
def test_with_a_venv_beside_it_the_script_names_the_venv_command(lab, script, tmp_path):
    (lab / ".venv" / "bin").mkdir(parents=True)
    (lab / ".venv" / "bin" / "python").write_text("")  # only its presence matters here
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = bare_python(str(lab / script), cwd=elsewhere)  # run from another folder
    assert result.returncode == 1 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.strip().endswith(
        f"(no module 'numpy'); run it with the lab's venv: cd '{lab}' && .venv/bin/python {script}")


def test_the_labs_own_broken_venv_is_told_to_install_the_requirements(lab):
    """A venv without pip or packages at LAB/.venv: the scripts run inside it say to install into it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(lab / ".venv")], check=True, timeout=120)
    venv_python = lab / ".venv" / "bin" / "python"
    result = subprocess.run([str(venv_python), "-I", str(lab / "download_samples.py")], cwd=lab,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"speechmusic: the lab's venv ({lab / '.venv'}) lacks a package (no module 'numpy')")
    assert result.stderr.strip().endswith("install them: .venv/bin/pip install -r requirements.txt")
    # test_setup.py in the lab's own venv runs the whole checklist: it names every missing package.
    result = subprocess.run([str(venv_python), "-I", str(lab / "test_setup.py"), "--no-features"], cwd=lab,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "[FAIL] numpy: not installed" in result.stdout and "[FAIL] soundfile: not installed" in result.stdout
    assert "NOT READY" in result.stdout


@pytest.mark.parametrize("module", ["audio_utils", "public_tests"])
def test_importing_a_lab_module_gives_one_line_and_no_traceback(lab, module):
    result = bare_python("-c", f"import sys; sys.path.insert(0, '.'); import {module}", cwd=lab)
    assert result.returncode == 1 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"speechmusic: this Python ({sys.executable}) lacks the lab's packages")
    assert "which your script needs; run your script with .venv/bin/python (install first: python3 -m venv" in result.stderr


def test_in_a_notebook_the_import_error_says_to_start_jupyter_from_the_venv(lab):
    code = (
        "import sys, types; sys.path.insert(0, '.')\n"
        "sys.modules['ipykernel'] = types.ModuleType('ipykernel')  # as inside a Jupyter kernel\n"
        "try:\n"
        "    from audio_utils import load_dataset\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, '|', error)\n"
    )
    result = bare_python("-c", code, cwd=lab)
    assert result.returncode == 0 and result.stderr == ""
    kind, message = result.stdout.strip().split(" | ")
    assert kind == "LabPythonError"  # an ImportError: `except ImportError` in a learner's cell catches it
    assert "which the notebook needs; start Jupyter from the lab's venv: .venv/bin/jupyter lab" in message


def test_runtime_modules_are_the_packages_dependencies():
    tomllib = pytest.importorskip("tomllib")
    from speechmusic.teaching.bootstrap import RUNTIME_MODULES

    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower().replace("-", "_") for d in dependencies}
    assert set(RUNTIME_MODULES) == names


def test_in_the_lab_environment_nothing_is_reported(tmp_path):
    from speechmusic.teaching.bootstrap import check_lab_python, first_missing

    assert first_missing() is None
    check_lab_python(tmp_path, script="download_samples.py")  # returns: every package is here
