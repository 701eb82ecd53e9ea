"""Grade submitted lab notebooks: run each in its own process with a time limit, then check it.

For every notebook (:func:`grade_notebook`):

1. The submission is copied into a fresh temporary folder; only the copy is executed, so the
   submitted file is never modified, and files the notebook writes land in that folder.
2. A worker process (``python -m speechmusic.teaching.grading --worker ...``, in its own process group)
   executes the copy with nbclient. The Jupyter kernel is a further subprocess whose working
   directory is the temporary folder and whose ``PYTHONPATH`` starts with the lab folder (the
   repository root, where ``audio_utils.py`` and ``public_tests.py`` live), so the notebook's
   imports work; ``SPEECHMUSIC_DATA`` points at the data folder and matplotlib draws off-screen.
3. Cells run in order. A cell that raises is recorded and execution goes on (a learner's mistake
   in one exercise must not cost the others). When the time limit is reached, the running cell is
   interrupted and the remaining cells are skipped.
4. A final cell, appended by the grader, runs the exercise checks
   (:func:`speechmusic.teaching.checks.check_namespace`) on the notebook's global variables and
   writes the result as JSON to a file in the temporary folder.
5. If the kernel dies (``os._exit``, a crash, running out of memory) or stops responding, the
   worker reports it; if the worker itself overruns its hard deadline, the grader kills its
   process group and the kernel's, and still writes a report.

A report (:class:`NotebookGrade`) always comes back, whatever the notebook does: per-exercise
pass/fail with the checks' message, ``score`` = passed / 8, the execution ``status`` and the cells
that raised. The blank student notebook scores 0; the solution notebook scores 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from speechmusic.core.config import DATA_ENV_VAR
from speechmusic.core.errors import ParameterError, SpeechMusicError
from speechmusic.teaching import EXERCISES

#: Seconds a notebook's cells may take altogether (kernel start included).
DEFAULT_TIMEOUT = 600.0
#: Seconds the checks of one exercise may take (they take milliseconds unless code loops forever).
DEFAULT_CHECK_TIMEOUT = 30.0
#: Extra seconds for the check cell beyond the exercises' own limits (importing the checks).
CHECK_CELL_GRACE = 10.0
#: Extra seconds before the grader kills a worker that has not reported (kernel start, shutdown).
HARD_KILL_GRACE = 60.0
#: The function that checks a notebook's namespace, as "module:function".
DEFAULT_CHECKER = "speechmusic.teaching.checks:check_namespace"
#: Files the lab folder must contain for notebooks' imports to work.
LAB_FILES = ("audio_utils.py", "public_tests.py")

#: Execution status of a graded notebook.
STATUSES = {
    "completed": "every cell ran",
    "timeout": "the time limit was reached; the remaining cells were skipped",
    "kernel_died": "the kernel died; the exercises could not be checked",
    "failed": "the notebook could not be executed",
}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def exercise_names() -> tuple[str, ...]:
    """The eight graded exercises, in notebook order."""
    return tuple(EXERCISES)


@dataclass
class NotebookGrade:
    """The grader's report on one notebook.

    Attributes
    ----------
    notebook : str
        Path of the submission (as given).
    status : str
        One of :data:`STATUSES`.
    message : str
        What happened, in a sentence (empty when every cell ran without error).
    exercises : dict
        ``{exercise: {"passed": bool, "message": str}}`` for every exercise, in notebook order.
    errors : list of dict
        Cells that raised: ``{"cell": n (1-based index among all cells), "ename", "evalue"}``.
    seconds : float
        Wall-clock time spent on this notebook.
    """

    notebook: str
    status: str
    message: str = ""
    exercises: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(bool(e.get("passed")) for e in self.exercises.values())

    @property
    def total(self) -> int:
        return len(self.exercises)

    @property
    def score(self) -> float:
        """Fraction of exercises passed, 0 to 1."""
        return self.passed / self.total if self.total else 0.0

    def as_dict(self) -> dict:
        """JSON-ready report (see docs/commands.md, ``grade --json``)."""
        return {
            "notebook": self.notebook,
            "score": round(self.score, 4),
            "passed": self.passed,
            "total": self.total,
            "status": self.status,
            "message": self.message,
            "exercises": self.exercises,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
        }


def _all_failed(reason: str) -> dict:
    return {name: {"passed": False, "message": reason} for name in exercise_names()}


def find_lab_dir(lab_dir: str | os.PathLike | None = None) -> Path:
    """The folder holding ``audio_utils.py`` and ``public_tests.py`` (the repository root).

    Parameters
    ----------
    lab_dir : path-like or None
        Explicit folder; None looks next to the installed package (``src/speechmusic`` ->
        repository root), then in the current directory.

    Raises
    ------
    SpeechMusicError
        No such folder found (the message says to pass ``--lab-dir``).
    """
    if lab_dir is not None:
        folder = Path(lab_dir).expanduser()
        missing = [name for name in LAB_FILES if not (folder / name).is_file()]
        if missing:
            raise SpeechMusicError(f"{folder} is not the lab folder: {', '.join(missing)} missing")
        return folder.resolve()
    package = Path(__file__).resolve().parent  # src/speechmusic/teaching
    for candidate in (package.parents[2], Path.cwd()):
        if all((candidate / name).is_file() for name in LAB_FILES):
            return candidate.resolve()
    raise SpeechMusicError(
        "cannot find the lab folder (with audio_utils.py and public_tests.py) next to the speechmusic "
        "package or in the current folder: pass --lab-dir PATH_TO_THE_REPOSITORY"
    )


def default_data_dir(data_dir: str | os.PathLike | None, lab_dir: Path) -> Path | None:
    """The data folder notebooks should load: ``data_dir`` if given, else ``$SPEECHMUSIC_DATA`` if
    set (None: keep it), else ``<lab_dir>/data`` when it exists (where learners keep their data;
    the notebook's own ``./data`` would point into the temporary folder)."""
    if data_dir is not None:
        return Path(data_dir)
    if os.environ.get(DATA_ENV_VAR):
        return None
    candidate = lab_dir / "data"
    return candidate if candidate.is_dir() else None


def _kernel_env(lab_dir: Path, data_dir: Path | None) -> dict:
    env = dict(os.environ)
    paths = [str(lab_dir)]
    src = lab_dir / "src"
    if (src / "speechmusic").is_dir():
        paths.append(str(src))
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    if data_dir is not None:
        env[DATA_ENV_VAR] = str(Path(data_dir).expanduser().resolve())
    env["MPLBACKEND"] = "Agg"  # figures render off-screen; no display is needed or opened
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # keep the lab folder clean
    env.setdefault("TQDM_DISABLE", "1")
    return env


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_kernel(pid: int, marker: str) -> bool:
    """True when process ``pid`` is the kernel we started (its command line names our connection file).

    Guards against killing an unrelated process that reused the pid.
    """
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        if cmdline.exists():
            return marker in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        out = subprocess.run(["ps", "-p", str(pid), "-o", "args="], capture_output=True, text=True, timeout=5)
        return marker in out.stdout
    except (OSError, subprocess.SubprocessError):
        return False


def _kill_group(pid: int) -> None:
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
            return
        except (ProcessLookupError, PermissionError, OSError):
            continue


def _exited(pid: int) -> bool:
    """True when ``pid`` is gone or a zombie (killed, waiting to be reaped by whoever adopted it)."""
    if not _process_alive(pid):
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _kill_kernel(workdir: Path, *, wait: float = 2.0) -> None:
    """Kill the kernel a worker started (and its process group) if it is still running.

    Waits up to ``wait`` seconds for the killed processes to exit: the kernel is not our child
    (the worker started it), so there is nothing to ``waitpid`` on, and SIGKILL is delivered
    asynchronously; without the wait, a caller that returns at once could still see the kernel.
    """
    killed = []
    info = workdir / "kernel.pid"
    try:
        pid = int(info.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pid = None
    if pid is not None and _process_alive(pid) and _is_our_kernel(pid, str(workdir)):
        _kill_group(pid)
        killed.append(pid)
    # A kernel started just before the worker was stopped may not have written its pid yet:
    # where /proc exists, also stop every process whose command line names this workdir.
    for cmdline in Path("/proc").glob("[0-9]*/cmdline") if Path("/proc/self").exists() else ():
        try:
            if str(workdir) in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                _kill_group(int(cmdline.parent.name))
                killed.append(int(cmdline.parent.name))
        except (OSError, ValueError):
            continue
    deadline = time.monotonic() + wait
    while killed and time.monotonic() < deadline:
        killed = [pid for pid in killed if not _exited(pid)]
        if killed:
            time.sleep(0.02)


# long: one child process's life (start, time limits, collect, clean up) in one try/finally.
def grade_notebook(
    notebook: str | os.PathLike,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    check_timeout: float = DEFAULT_CHECK_TIMEOUT,
    data_dir: str | os.PathLike | None = None,
    lab_dir: str | os.PathLike | None = None,
    checker: str = DEFAULT_CHECKER,
    python: str | None = None,
    cancel: threading.Event | None = None,
) -> NotebookGrade:
    """Execute one notebook in its own process with a time limit, then check its exercises.

    Parameters
    ----------
    notebook : path-like
        The submission (``.ipynb``). It is only read.
    timeout : float
        Seconds allowed for executing the notebook's cells (kernel start included).
    check_timeout : float
        Seconds allowed for the checks of each exercise.
    data_dir : path-like or None
        Dataset folder the notebook loads (sets ``SPEECHMUSIC_DATA`` for the kernel). None: the
        grader's ``$SPEECHMUSIC_DATA`` if set, else ``<lab_dir>/data`` if it exists.
    lab_dir : path-like or None
        Folder with ``audio_utils.py`` and ``public_tests.py`` (see :func:`find_lab_dir`).
    checker : str
        ``"module:function"`` called on the notebook's globals (default: the lab's checks).
    python : str or None
        Interpreter for the worker and the kernel (default: this one).
    cancel : threading.Event or None
        When set (from another thread), the worker and its kernel are stopped at once.

    Returns
    -------
    NotebookGrade
        Always; problems with the notebook are part of the report, never an exception.
    """
    started = time.monotonic()
    if not (timeout > 0 and check_timeout > 0):
        raise ParameterError("timeout and check_timeout must be positive")
    lab = find_lab_dir(lab_dir)
    path = Path(notebook)
    name = str(notebook)

    def report(status: str, message: str, exercises=None, errors=None) -> NotebookGrade:
        return NotebookGrade(notebook=name, status=status, message=message,
                             exercises=exercises or _all_failed(message), errors=errors or [],
                             seconds=time.monotonic() - started)

    if not path.is_file():
        return report("failed", f"{path}: no such file")
    with tempfile.TemporaryDirectory(prefix="speechmusic-grade-") as tmp:
        workdir = Path(tmp)
        copy = workdir / "submission.ipynb"
        try:
            shutil.copyfile(path, copy)
        except OSError as error:
            return report("failed", f"{path}: cannot read the file ({error.strerror or error})")
        result_file = workdir / "result.json"
        progress_file = workdir / "progress.json"
        command = [
            python or sys.executable, "-m", "speechmusic.teaching.grading", "--worker",
            "--notebook", str(copy), "--workdir", str(workdir), "--result", str(result_file),
            "--timeout", repr(float(timeout)), "--check-timeout", repr(float(check_timeout)),
            "--checker", checker, "--check-grace", repr(float(CHECK_CELL_GRACE)),
        ]
        n_exercises = len(exercise_names())
        hard_limit = timeout + n_exercises * check_timeout + CHECK_CELL_GRACE + HARD_KILL_GRACE
        env = _kernel_env(lab, default_data_dir(data_dir, lab))
        worker = subprocess.Popen(
            command, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + hard_limit
        output = None
        try:
            while output is None:
                # Wait in short slices, so a cancel request (Ctrl-C in the grader) is seen promptly.
                try:
                    output, _ = worker.communicate(timeout=0.5)
                except subprocess.TimeoutExpired:
                    if cancel is not None and cancel.is_set():
                        raise KeyboardInterrupt from None
                    if time.monotonic() < deadline:
                        continue
                    raise
        except subprocess.TimeoutExpired:
            _kill_group(worker.pid)
            _kill_kernel(workdir)
            output, _ = worker.communicate()
            where = ""
            try:
                cell = json.loads(progress_file.read_text()).get("cell")
                where = f" while running cell {cell}" if cell else ""
            except (OSError, ValueError):
                pass
            return report("timeout", f"the notebook did not finish within {hard_limit:.0f} s{where} and did not respond "
                                     "to an interrupt: it was stopped; nothing could be checked")
        finally:
            # Also on Ctrl-C: the worker and the kernel are in their own sessions, which a
            # terminal's interrupt does not reach, so stop them here.
            if worker.poll() is None:
                _kill_group(worker.pid)
                worker.wait()
            _kill_kernel(workdir)
        try:
            data = json.loads(result_file.read_text())
        except (OSError, ValueError):
            tail = _ANSI.sub("", (output or b"").decode(errors="replace")).strip().splitlines()[-5:]
            detail = (": " + " | ".join(tail)) if tail else ""
            return report("failed", f"the grading worker stopped without a report (exit code {worker.returncode}){detail}")
    exercises = data.get("exercises") or _all_failed(data.get("message") or "not checked")
    # Every exercise appears, in notebook order, even if a checker left one out.
    ordered = {name: exercises.get(name, {"passed": False, "message": "not checked"}) for name in exercise_names()}
    ordered.update({k: v for k, v in exercises.items() if k not in ordered})
    return NotebookGrade(
        notebook=name, status=data.get("status", "failed"), message=data.get("message", ""),
        exercises=ordered, errors=data.get("errors", []), seconds=time.monotonic() - started,
    )


def grade_notebooks(notebooks, *, jobs: int = 1, progress: bool = False, **options) -> list[NotebookGrade]:
    """:func:`grade_notebook` for several notebooks, ``jobs`` at a time; reports in the given order."""
    notebooks = list(notebooks)
    if jobs < 1:
        raise ParameterError(f"jobs must be >= 1, got {jobs}")
    find_lab_dir(options.get("lab_dir"))  # fail once, early, rather than per notebook
    results: list[NotebookGrade | None] = [None] * len(notebooks)
    cancel = threading.Event()
    with tqdm(total=len(notebooks), desc="grading", unit="notebook", disable=not progress, leave=False) as bar:
        # Threads only wait on worker processes; each notebook runs in its own process.
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(grade_notebook, nb, cancel=cancel, **options): i for i, nb in enumerate(notebooks)}
            try:
                for future in futures:
                    results[futures[future]] = future.result()
                    bar.update(1)
            except KeyboardInterrupt:
                # Ctrl-C reaches only this thread: tell the others to stop their workers and kernels.
                cancel.set()
                for future in futures:
                    future.cancel()
                raise
    return results  # every slot is filled once all futures are done


# ------------------------------------------------------------------------------- worker process

# code run inside the graded notebook's kernel (its imports are the kernel's, not this module's)
_CHECK_CELL = """\
def __speechmusic_grade__():
    import builtins, importlib, json, os
    result_path = {result!r}
    try:
        module_name, function_name = {checker!r}.split(":")
        check = getattr(importlib.import_module(module_name), function_name)
        result = {{"ok": True, "exercises": check(builtins.globals(), timeout={check_timeout!r})}}
    except BaseException as error:
        result = {{"ok": False, "error": type(error).__name__ + ": " + str(error)}}
    text = json.dumps(result, default=str)
    with builtins.open(result_path + ".part", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(result_path + ".part", result_path)
__speechmusic_grade__()
del __speechmusic_grade__
"""


def _clean(text: str, limit: int = 2000) -> str:
    text = _ANSI.sub("", str(text)).strip()
    return text if len(text) <= limit else text[: limit - 15] + " ... (cut)"


def _write_json(path: Path, value: dict) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(value, default=str), encoding="utf-8")
    os.replace(tmp, path)


# long: runs in the child process: the kernel's whole life in one place, with the imports only the child needs.
def _worker(notebook: Path, workdir: Path, result: Path, timeout: float, check_timeout: float, checker: str,
            check_grace: float = CHECK_CELL_GRACE) -> int:
    """Execute ``notebook`` and write the result JSON; run inside the worker process."""
    # nbformat validates notebooks with jsonschema, which at import builds ~40 parsers for the
    # optional "iri" format checker of rfc3987-syntax when that package is installed (Jupyter's
    # dependencies install it): 1.7 s of CPU in every worker, more than executing a small
    # notebook. The notebook schema uses no "iri" format, so the worker does without the checker.
    sys.modules.setdefault("rfc3987_syntax", None)
    # here, not at the top: only the worker executes notebooks, and nbclient/nbformat are heavy
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbclient.util import ensure_async, run_sync

    started = time.monotonic()
    deadline = started + timeout
    progress = workdir / "progress.json"
    outcome = {"status": "completed", "message": "", "errors": [], "exercises": None}

    def finish() -> int:
        _write_json(result, outcome)
        return 0

    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception as error:  # any parse failure of a submitted file is the submission's problem
        outcome.update(status="failed", message=f"not a readable notebook: {_clean(error, 300)}")
        return finish()

    client = NotebookClient(
        nb, timeout=max(1, int(timeout)), kernel_name="python3", allow_errors=True,
        interrupt_on_timeout=False, shutdown_kernel="immediate", startup_timeout=max(10, min(120, int(timeout))),
        resources={"metadata": {"path": str(workdir)}},
    )
    client.km = client.create_kernel_manager()
    client.km.connection_file = str(workdir / "kernel-connection.json")
    if os.name == "posix":
        # Unix sockets in the work folder instead of TCP ports: a kernel's ports are picked free
        # and bound a moment later, so kernels started side by side (--jobs, other programs) could
        # take each other's and never answer ("Kernel didn't respond in 120 seconds", seen once in
        # the test suite). A relative name: the worker and the kernel both run in the work folder,
        # and a socket's path may not exceed ~100 bytes.
        client.km.transport, client.km.ip = "ipc", "kernel"
    interrupted_cell = None
    check_file = workdir / "checks.json"
    try:
        with client.setup_kernel():
            try:
                pid = client.km.provisioner.pid  # nbclient sets km once the kernel runs
                (workdir / "kernel.pid").write_text(f"{pid}\n")
            except (AttributeError, OSError):
                pass
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    outcome.update(status="timeout", message=f"the time limit ({timeout:g} s) was reached before cell {index + 1}; "
                                                             "it and the cells after it were not run")
                    break
                _write_json(progress, {"cell": index + 1})
                client.timeout = max(1, int(math.ceil(remaining)))
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    interrupted_cell = index + 1
                    outcome.update(status="timeout", message=f"cell {index + 1} was still running when the time limit "
                                                             f"({timeout:g} s) was reached; it was interrupted and the "
                                                             "cells after it were not run")
                    # The manager is asynchronous: run its interrupt to completion.
                    async def interrupt():
                        await ensure_async(client.km.interrupt_kernel())

                    run_sync(interrupt)()
                    break
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        outcome["errors"].append({
                            "cell": index + 1,
                            "ename": output.get("ename", ""),
                            "evalue": _clean(output.get("evalue", ""), 500),
                        })
            check_cell = nbformat.v4.new_code_cell(_CHECK_CELL.format(result=str(check_file), checker=checker,
                                                                     check_timeout=float(check_timeout)))
            nb.cells.append(check_cell)
            _write_json(progress, {"cell": "checks"})
            client.timeout = max(5, int(len(exercise_names()) * check_timeout + check_grace))
            try:
                client.execute_cell(check_cell, len(nb.cells) - 1)
            except CellTimeoutError:
                what = f"cell {interrupted_cell} did not stop when interrupted" if interrupted_cell else "the checks did not finish"
                outcome["message"] = (outcome["message"] + "; " if outcome["message"] else "") + what
                outcome["exercises"] = {n: {"passed": False, "message": f"not checked: {what}"} for n in exercise_names()}
                return finish()
    except DeadKernelError:
        where = ""
        try:
            where = f" while running cell {json.loads(progress.read_text())['cell']}"
        except (OSError, ValueError, KeyError):
            pass
        message = (f"the kernel died{where} (the notebook exited, crashed or ran out of memory); "
                   "nothing could be checked")
        outcome.update(status="kernel_died", message=message,
                       exercises={n: {"passed": False, "message": message} for n in exercise_names()})
        return finish()
    except Exception as error:  # kernel failed to start, zmq trouble, ...
        message = f"the notebook could not be executed: {type(error).__name__}: {_clean(error, 300)}"
        outcome.update(status="failed", message=message,
                       exercises={n: {"passed": False, "message": message} for n in exercise_names()})
        return finish()

    try:
        checked = json.loads(check_file.read_text())
    except (OSError, ValueError):
        checked = {"ok": False, "error": "the check cell wrote no result"}
    if checked.get("ok"):
        outcome["exercises"] = {
            str(k): {"passed": bool(v.get("passed")), "message": str(v.get("message", ""))}
            for k, v in dict(checked["exercises"]).items()
        }
    else:
        reason = f"the checks could not run: {checked.get('error')}"
        outcome["exercises"] = {n: {"passed": False, "message": reason} for n in exercise_names()}
        outcome["message"] = (outcome["message"] + "; " if outcome["message"] else "") + reason
    if outcome["status"] == "completed" and outcome["errors"] and not outcome["message"]:
        count = len(outcome["errors"])
        outcome["message"] = f"{count} cell{'s' if count > 1 else ''} raised an error"
    return finish()


# This parser stays here, not in commands/: it is no user command but the private protocol between
# grade_notebook and the worker process it starts (the argv is built in grade_notebook above, in this
# module). Moving it up would make this teaching module start a commands/ module by name, an upward
# dependency the layer test cannot see; keeping both ends of the protocol in one module keeps it in step.
def _worker_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m speechmusic.teaching.grading", description="internal: grade one notebook")
    parser.add_argument("--worker", action="store_true", required=True)
    parser.add_argument("--notebook", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--check-timeout", type=float, required=True)
    parser.add_argument("--checker", default=DEFAULT_CHECKER)
    # The grader passes its own CHECK_CELL_GRACE, so the worker's limit and the grader's hard limit agree.
    parser.add_argument("--check-grace", type=float, default=CHECK_CELL_GRACE)
    args = parser.parse_args(argv)
    return _worker(args.notebook, args.workdir, args.result, args.timeout, args.check_timeout, args.checker,
                   args.check_grace)


if __name__ == "__main__":  # pragma: no cover - exercised through grade_notebook in a subprocess
    sys.exit(_worker_main())
