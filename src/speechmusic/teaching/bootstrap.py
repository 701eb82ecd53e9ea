"""Is this Python the lab's? One clear line instead of a traceback when it lacks the packages.

The seed scripts (``download_samples.py``, ``test_setup.py``) and the modules the notebook imports
(``audio_utils.py``, ``public_tests.py``) call :func:`check_lab_python` before importing anything
else. Run with a Python that lacks the lab's packages (the system ``python3`` in a new shell, a
Jupyter started outside the venv), they say in one line which command to use instead, e.g.::

    speechmusic: this Python (/usr/bin/python3) lacks the lab's packages (no module 'soundfile');
    run it with the lab's venv: .venv/bin/python download_samples.py

(one line on the terminal). Only the standard library is used here, so this module imports on any
Python 3.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import sys
from pathlib import Path

from speechmusic.core.errors import LabPythonError

#: Import names of the package's runtime dependencies (``[project].dependencies`` in pyproject.toml;
#: a test keeps the two lists equal).
RUNTIME_MODULES = ("numpy", "scipy", "librosa", "soundfile", "soxr", "matplotlib", "tqdm", "joblib", "requests",
                   "threadpoolctl", "audioread")

#: Where the README's quick start puts the lab's virtual environment, relative to the repository.
VENV = ".venv"
INSTALL = f"python3 -m venv {VENV} && {VENV}/bin/pip install -r requirements.txt"



def first_missing(modules=RUNTIME_MODULES) -> str | None:
    """The first of ``modules`` this Python cannot import (found without importing anything), or None."""
    for name in modules:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):
            return name
    return None


def _venv_python(repository: Path) -> Path:
    return repository / VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def running_in_lab_venv(repository: Path) -> bool:
    """True when this interpreter belongs to ``repository/.venv``."""
    try:
        return Path(sys.prefix).resolve() == (Path(repository) / VENV).resolve()
    except OSError:
        return False


def advice(missing: str, repository: str | os.PathLike, *, script: str | None = None, argv=()) -> str:
    """The one line that says what to run instead; ``script`` None means a module being imported.

    Parameters
    ----------
    missing : str
        The module this Python lacks.
    repository : path-like
        The lab's folder (where ``.venv`` and ``requirements.txt`` are).
    script : str or None
        The script that was run (``"download_samples.py"``), or None for an import.
    argv : sequence of str
        The script's arguments, repeated in the suggested command.
    """
    repository = Path(repository).resolve()
    here = Path.cwd().resolve() if Path.cwd().exists() else None
    cd = "" if here == repository else f"cd {shlex.quote(str(repository))} && "
    command = shlex.join([f"{VENV}/bin/python", script, *argv]) if script else None
    head = "speechmusic: "
    if running_in_lab_venv(repository):
        return (f"{head}the lab's venv ({repository / VENV}) lacks a package (no module {missing!r}); "
                f"install them: {cd}{VENV}/bin/pip install -r requirements.txt")
    head += f"this Python ({sys.executable}) lacks the lab's packages (no module {missing!r})"
    if script is None:
        imported = "the notebook" if "ipykernel" in sys.modules else "your script"
        how = (f"start Jupyter from the lab's venv: {cd}{VENV}/bin/jupyter lab" if imported == "the notebook"
               else f"run your script with {cd}{VENV}/bin/python")
        head += f", which {imported} needs; {how}"
        if not _venv_python(repository).exists():
            head += f" (install first: {cd}{INSTALL})"
        return head
    if _venv_python(repository).exists():
        return f"{head}; run it with the lab's venv: {cd}{command}"
    return f"{head}; install them first: {cd}{INSTALL}; then run: {command}"


def check_lab_python(repository: str | os.PathLike, *, script: str | None = None, modules=RUNTIME_MODULES) -> None:
    """Stop with the advice of :func:`advice` when this Python lacks one of ``modules``.

    For a script (``script`` given): print the line on stderr and exit with status 1 (no
    traceback). For an import: raise :class:`LabPythonError`, whose message is the line; run as a
    plain program, it is printed as that one line, without a traceback.
    """
    missing = first_missing(modules)
    if missing is None:
        return
    line = advice(missing, repository, script=script, argv=sys.argv[1:] if script else ())
    if script is not None:
        print(line, file=sys.stderr)
        raise SystemExit(1)
    _print_only_the_line_if_uncaught()
    raise LabPythonError(line)


def _print_only_the_line_if_uncaught() -> None:
    """If the LabPythonError reaches the top of a plain Python program, print its message alone.

    Any other exception is passed on to the hook that was there before. (IPython and Jupyter use
    their own display; there the error shows with its message and a short traceback.)
    """
    previous = sys.excepthook
    if getattr(previous, "_speechmusic_lab_python", False):
        return

    def hook(kind, value, traceback):
        if isinstance(value, LabPythonError):
            print(value, file=sys.stderr)
        else:
            previous(kind, value, traceback)

    hook._speechmusic_lab_python = True  # type: ignore[attr-defined]  # a marker on the function object
    sys.excepthook = hook
