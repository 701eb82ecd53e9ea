"""Grade submitted lab notebooks: each runs in its own sandboxed process, and is judged from outside.

For every notebook (:func:`grade_notebook`):

1. The submission is copied into a fresh temporary folder; only the copy is executed, so the
   submitted file is never modified.
2. A worker process (:mod:`.grading_worker`, in its own process group) starts the notebook's Jupyter
   kernel in a sandbox (:mod:`.sandbox`): memory, CPU-time, process and file-size limits, its own
   home and working folder; on Linux also its own user, PID, mount, network and IPC namespaces (no
   network, a read-only view of the machine, the batch's other submissions unreadable). The
   kernel's ``PYTHONPATH`` starts with the lab folder (the repository root, where
   ``audio_utils.py`` and ``public_tests.py`` live); ``SPEECHMUSIC_DATA`` points at the data folder and
   matplotlib draws off-screen.
3. Cells run in order. A cell that raises is recorded (as Jupyter numbers it, ``In [n]``: the n-th
   non-empty code cell) and execution goes on (a learner's mistake in one exercise must not cost the
   others). When the time limit is reached, the running cell is interrupted and the rest skipped.
4. The worker judges the exercises from outside the kernel (:mod:`.judge`): the kernel only answers
   calls of its functions with plain data; every comparison, diagnosis and score is computed in the
   worker, by default with the reference functions of the earlier exercises in place of the learner's
   (one mistake costs one exercise; ``cascade=True`` judges with the learner's own throughout).
5. If the kernel dies (``os._exit``, a crash, running out of memory) or stops responding, the
   worker reports it; if the worker itself overruns its hard deadline, the grader kills its
   process group and the kernel's, and still writes a report.

A report (:class:`NotebookGrade`) always comes back, whatever the notebook does: per-exercise
pass/fail with the checks' message, ``score`` = passed / 8, the execution ``status``, the cells
that raised (the ungraded bonus's apart) and how far the sandbox could isolate it. The blank student
notebook scores 0; the solution notebook scores 1. :func:`write_gradebook` writes a batch as CSV.
"""

from __future__ import annotations

import csv
import io
import json
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
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from speechmusic.core.config import DATA_ENV_VAR
from speechmusic.core.errors import ParameterError, SpeechMusicError
from speechmusic.core.fileio import write_text
from speechmusic.teaching import EXERCISES

#: Seconds a notebook's cells may take altogether (kernel start included).
DEFAULT_TIMEOUT = 600.0
#: Seconds the checks of one exercise may take (they take milliseconds unless code loops forever).
DEFAULT_CHECK_TIMEOUT = 30.0
#: Extra seconds for the judge beyond the exercises' own limits (the kernel starting to serve it).
CHECK_CELL_GRACE = 10.0
#: Extra seconds before the grader kills a worker that has not reported (kernel start, shutdown).
HARD_KILL_GRACE = 60.0
#: The file, in a work folder, naming the kernel's exchange folder when the worker had to put it elsewhere.
EXCHANGE_POINTER = "exchange.path"
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


@dataclass(frozen=True)
class SandboxLimits:
    """What a submission's kernel may use (see :mod:`.sandbox`).

    Attributes
    ----------
    memory : int
        Address space of the kernel process, bytes (``RLIMIT_AS``; NumPy, matplotlib and the lab's
        dataset need well under 2 GiB). Default 4 GiB.
    processes : int
        Processes and threads it may have (``RLIMIT_NPROC``, counted in its own user namespace, so
        only where namespaces work). Default 256.
    file_size : int
        Largest file it may write, bytes. Default 256 MiB.
    disk : int
        Size of its own ``/tmp`` (home and working folder; memory-backed), bytes. Default 512 MiB.
    namespaces : bool
        Use Linux namespaces where the system allows them (False: limits only).
    """

    memory: int = 4 << 30
    processes: int = 256
    file_size: int = 256 << 20
    disk: int = 512 << 20
    namespaces: bool = True


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
        Cells that raised: ``{"cell": n, "position": k, "ename", "evalue"}``, where ``n`` is the number
        Jupyter shows as ``In [n]`` when the notebook runs from the top (the n-th non-empty code cell)
        and ``k`` the cell's 1-based position among all the notebook's cells (markdown included).
    ungraded : list of dict
        The same for the cells of the ungraded bonus (and the later cells that stop because it is not
        done): listed, never counted as failures.
    seconds : float
        Wall-clock time spent on this notebook.
    judged : str
        ``"alone"`` (each exercise with the reference functions of the earlier ones) or ``"cascade"``.
    sandbox : dict
        What the sandbox could do (``namespaces``, ``network``, ``reason`` when it could not).
    """

    notebook: str
    status: str
    message: str = ""
    exercises: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    seconds: float = 0.0
    ungraded: list = field(default_factory=list)
    judged: str = "alone"
    sandbox: dict = field(default_factory=dict)

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

    def first_failure(self) -> str:
        """The first line of the first failing exercise's message (empty when all pass)."""
        for name, result in self.exercises.items():
            if not result.get("passed"):
                lines = str(result.get("message", "")).strip().splitlines()
                if not lines:
                    return name
                return lines[0] if lines[0].startswith(f"{name}:") else f"{name}: {lines[0]}"
        return ""

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
            "ungraded": self.ungraded,
            "seconds": round(self.seconds, 2),
            "judged": self.judged,
            "sandbox": self.sandbox,
        }


#: The gradebook's columns (:func:`write_gradebook`).
GRADEBOOK_COLUMNS = ("file", "score", *EXERCISES, "status", "seconds", "first_failure")


def gradebook_csv(grades: list[NotebookGrade]) -> str:
    """The gradebook as CSV text: one row per submission, the eight exercises as ``pass``/``fail``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GRADEBOOK_COLUMNS)
    for grade in grades:
        marks = ["pass" if grade.exercises.get(name, {}).get("passed") else "fail" for name in EXERCISES]
        writer.writerow([grade.notebook, f"{grade.score:.4f}", *marks, grade.status, f"{grade.seconds:.1f}",
                         grade.first_failure()])
    return buffer.getvalue()


def write_gradebook(grades: list[NotebookGrade], path: str | os.PathLike) -> Path:
    """Write :func:`gradebook_csv` to ``path`` atomically (a temporary file renamed; an existing file replaced)."""
    return write_text(path, gradebook_csv(grades), overwrite=True)


def clean_text(text: object, limit: int = 2000) -> str:
    """``text`` without terminal colour codes, cut to ``limit`` characters."""
    text = _ANSI.sub("", str(text)).strip()
    return text if len(text) <= limit else text[: limit - 15] + " ... (cut)"


def write_json(path: Path, value: dict) -> None:
    """Write ``value`` as JSON atomically (a temporary file renamed)."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(value, default=str), encoding="utf-8")
    os.replace(tmp, path)


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


def _kernel_env(lab_dir: Path, data_dir: Path | None, *, figures: bool = False) -> dict:
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
    # Figures render off-screen (no display is needed or opened): drawn for nothing, unless an executed
    # copy is kept, where they are outputs as in Jupyter (its inline backend: PNGs in the notebook).
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline" if figures else "Agg"
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


def _elsewhere(workdir: Path) -> Path | None:
    """The exchange folder the worker made outside ``workdir`` (a short path for sockets), if any."""
    try:
        return Path((workdir / EXCHANGE_POINTER).read_text(encoding="utf-8").strip())
    except OSError:
        return None


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
    # where /proc exists, also stop every process whose command line names this workdir (or the
    # exchange folder the kernel's own command line names).
    markers = [str(workdir)] + [str(folder) for folder in [_elsewhere(workdir)] if folder is not None]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline") if Path("/proc/self").exists() else ():
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if any(marker in text for marker in markers):
                _kill_group(int(cmdline.parent.name))
                killed.append(int(cmdline.parent.name))
        except (OSError, ValueError):
            continue
    deadline = time.monotonic() + wait
    while killed and time.monotonic() < deadline:
        killed = [pid for pid in killed if not _exited(pid)]
        if killed:
            time.sleep(0.02)


def _read_all(fd: int, into: list[bytes]) -> None:
    with os.fdopen(fd, "rb") as pipe:
        into.append(pipe.read())


def _worker_command(python: str | None, copy: Path, workdir: Path, report_fd: int, timeout: float,
                    check_timeout: float, limits: SandboxLimits, cascade: bool, hide, need,
                    executed: Path | None) -> list[str]:
    command = [
        python or sys.executable, "-m", "speechmusic.teaching.grading_worker",
        "--notebook", str(copy), "--workdir", str(workdir), "--report-fd", str(report_fd),
        "--timeout", repr(float(timeout)), "--check-timeout", repr(float(check_timeout)),
        "--check-grace", repr(float(CHECK_CELL_GRACE)), "--limits", json.dumps(asdict(limits)),
    ]
    if cascade:
        command.append("--cascade")
    if executed is not None:
        command += ["--executed", str(executed.resolve())]
    command += [part for path in hide for part in ("--hide", str(Path(path).resolve()))]
    command += [part for path in need if path is not None for part in ("--need", str(Path(path).resolve()))]
    return command


# long: one child process's life (start, time limits, collect, clean up) in one try/finally.
def grade_notebook(
    notebook: str | os.PathLike,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    check_timeout: float = DEFAULT_CHECK_TIMEOUT,
    data_dir: str | os.PathLike | None = None,
    lab_dir: str | os.PathLike | None = None,
    python: str | None = None,
    cancel: threading.Event | None = None,
    limits: SandboxLimits | None = None,
    cascade: bool = False,
    hide=(),
    warm: bool = True,
    executed: str | os.PathLike | None = None,
) -> NotebookGrade:
    """Execute one notebook in its own sandboxed process with a time limit, then judge its exercises from outside.

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
    python : str or None
        Interpreter for the worker and the kernel (default: this one).
    cancel : threading.Event or None
        When set (from another thread), the worker and its kernel are stopped at once.
    limits : SandboxLimits or None
        What the kernel may use (default: :class:`SandboxLimits`'s defaults).
    cascade : bool
        Judge every exercise with the learner's own earlier functions, as the notebook's tests do
        (default: each exercise alone, with the reference earlier functions).
    hide : iterable of path-like
        Files the kernel must not be able to read (the other submissions of the batch).
    warm : bool
        Compute the data folder's feature cache first (:func:`warm_feature_cache`; a batch does it once).
    executed : path-like or None
        Also write the executed notebook there, with its outputs (the first 32 MB of them), for
        reading what the submission printed and drew; replaced if it exists.

    Returns
    -------
    NotebookGrade
        Always; problems with the notebook are part of the report, never an exception.
    """
    started = time.monotonic()
    if not (timeout > 0 and check_timeout > 0):
        raise ParameterError("timeout and check_timeout must be positive")
    limits = limits or SandboxLimits()
    lab = find_lab_dir(lab_dir)
    path = Path(notebook)
    name = str(notebook)

    def report(status: str, message: str, exercises=None, errors=None) -> NotebookGrade:
        return NotebookGrade(notebook=name, status=status, message=message,
                             exercises=exercises or _all_failed(message), errors=errors or [],
                             seconds=time.monotonic() - started, judged="cascade" if cascade else "alone")

    if not path.is_file():
        return report("failed", f"{path}: no such file")
    with tempfile.TemporaryDirectory(prefix="speechmusic-grade-") as tmp:
        workdir = Path(tmp)
        copy = workdir / "submission.ipynb"
        try:
            shutil.copyfile(path, copy)
        except OSError as error:
            return report("failed", f"{path}: cannot read the file ({error.strerror or error})")
        progress_file = workdir / "progress.json"
        data = default_data_dir(data_dir, lab)
        if warm:
            warm_feature_cache(data)
        env = _kernel_env(lab, data, figures=executed is not None)
        report_read, report_write = os.pipe()
        command = _worker_command(python, copy, workdir, report_write, timeout, check_timeout, limits, cascade,
                                  [h for h in hide if Path(h).resolve() != path.resolve()], [lab, data],
                                  Path(executed) if executed is not None else None)
        hard_limit = timeout + len(exercise_names()) * check_timeout + CHECK_CELL_GRACE + HARD_KILL_GRACE
        log = workdir / "worker.log"
        received: list[bytes] = []
        with open(log, "wb") as log_file:
            worker = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                      stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(report_write,))
        os.close(report_write)
        # The report is read as it comes (it may not fit a pipe's buffer while the worker waits to exit).
        reader = threading.Thread(target=_read_all, args=(report_read, received), daemon=True)
        reader.start()
        deadline = time.monotonic() + hard_limit
        try:
            while worker.poll() is None:
                # Wait in short slices, so a cancel request (Ctrl-C in the grader) is seen promptly.
                if cancel is not None and cancel.is_set():
                    raise KeyboardInterrupt
                if time.monotonic() >= deadline:
                    _kill_group(worker.pid)
                    _kill_kernel(workdir)
                    worker.wait()
                    where = ""
                    try:
                        cell = json.loads(progress_file.read_text()).get("cell")
                        where = f" while running cell In [{cell}]" if isinstance(cell, int) else \
                            " while the grader checked the exercises" if cell else ""
                    except (OSError, ValueError):
                        pass
                    return report("timeout", f"the notebook did not finish within {hard_limit:.0f} s{where} and did not "
                                             "respond to an interrupt: it was stopped; nothing could be checked")
                time.sleep(0.05)
        finally:
            # Also on Ctrl-C: the worker and the kernel are in their own sessions, which a
            # terminal's interrupt does not reach, so stop them here.
            if worker.poll() is None:
                _kill_group(worker.pid)
                worker.wait()
            _kill_kernel(workdir)
            reader.join(timeout=5)
            elsewhere = _elsewhere(workdir)
            if elsewhere is not None and elsewhere.name.startswith("smx-"):
                shutil.rmtree(elsewhere, ignore_errors=True)
        try:
            found = json.loads(received[0].decode("utf-8")) if received else None
        except (UnicodeDecodeError, ValueError):
            found = None
        if not isinstance(found, dict):
            try:
                tail = _ANSI.sub("", log.read_text(errors="replace")).strip().splitlines()[-5:]
            except OSError:
                tail = []
            detail = (": " + " | ".join(tail)) if tail else ""
            return report("failed", f"the grading worker stopped without a report (exit code {worker.returncode}){detail}")
    exercises = found.get("exercises") or _all_failed(found.get("message") or "not checked")
    # Every exercise appears, in notebook order, even if a checker left one out.
    ordered = {name: exercises.get(name, {"passed": False, "message": "not checked"}) for name in exercise_names()}
    ordered.update({k: v for k, v in exercises.items() if k not in ordered})
    return NotebookGrade(
        notebook=name, status=found.get("status", "failed"), message=found.get("message", ""),
        exercises=ordered, errors=found.get("errors", []), ungraded=found.get("ungraded", []),
        seconds=time.monotonic() - started, judged=found.get("judged", "alone"), sandbox=found.get("sandbox", {}),
    )


def warm_feature_cache(data_dir: Path | None) -> None:
    """Compute the dataset's feature cache once, here, before any notebook runs.

    The kernels see the data folder read-only (:mod:`.sandbox`), so none of them can write the cache,
    and each would otherwise compute every clip's features itself; the judges load the same arrays.
    A folder that is not a dataset is left to the notebooks (they report it).
    """
    data_dir = data_dir if data_dir is not None else (Path(os.environ[DATA_ENV_VAR]) if os.environ.get(DATA_ENV_VAR) else None)
    if data_dir is None or not (Path(data_dir) / "train").is_dir():
        return
    from speechmusic.data.dataset import load_dataset  # heavy (NumPy, audio decoding); only grading with data needs it

    try:
        load_dataset(data_dir, progress=False)
    except Exception:  # noqa: BLE001 - not a dataset, a broken file...: the notebooks say what is wrong
        pass


def executed_names(notebooks, folder: str | os.PathLike) -> list[Path]:
    """Where the executed copies of ``notebooks`` go in ``folder``: each one's file name, numbered when two share it."""
    folder = Path(folder)
    names: list[Path] = []
    for index, notebook in enumerate(map(Path, notebooks), start=1):
        name = folder / notebook.name
        if name in names:
            name = folder / f"{notebook.stem}-{index}{notebook.suffix}"
        names.append(name)
    return names


def grade_notebooks(notebooks, *, jobs: int = 1, progress: bool = False, executed_dir: str | os.PathLike | None = None,
                    **options) -> list[NotebookGrade]:
    """:func:`grade_notebook` for several notebooks, ``jobs`` at a time; reports in the given order.

    ``executed_dir``: write each notebook's executed copy there (see :func:`executed_names`).
    """
    notebooks = list(notebooks)
    executed = executed_names(notebooks, executed_dir) if executed_dir is not None else [None] * len(notebooks)
    if executed_dir is not None:
        Path(executed_dir).mkdir(parents=True, exist_ok=True)
    if jobs < 1:
        raise ParameterError(f"jobs must be >= 1, got {jobs}")
    lab = find_lab_dir(options.get("lab_dir"))  # fail once, early, rather than per notebook
    options.setdefault("hide", notebooks)  # no kernel reads another submission of the batch
    warm_feature_cache(default_data_dir(options.get("data_dir"), lab))
    options["warm"] = False
    results: list[NotebookGrade | None] = [None] * len(notebooks)
    cancel = threading.Event()
    with tqdm(total=len(notebooks), desc="grading", unit="notebook", disable=not progress, leave=False) as bar:
        # Threads only wait on worker processes; each notebook runs in its own process.
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(grade_notebook, nb, cancel=cancel, executed=executed[i], **options): i
                       for i, nb in enumerate(notebooks)}
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


