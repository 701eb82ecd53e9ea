"""The grading worker: one process per submission, started by :func:`.grading.grade_notebook`.

``python -m speechmusic.teaching.grading_worker --notebook COPY --workdir DIR --report-fd N ...``

1. Starts the submission's Jupyter kernel through :mod:`.sandbox` (limits, namespaces) from a kernel
   spec it writes into its work folder; the kernel talks to this process over Unix sockets in the
   ``x`` (exchange) folder, the only folder of the work folder the kernel can see.
2. Runs the notebook's code cells in order with nbclient: a cell that raises is recorded (``In [n]``,
   its ename and evalue; a cell of the ungraded bonus separately) and execution goes on; at the time
   limit the running cell is interrupted and the rest skipped. Outputs are not kept (only errors):
   a notebook that prints gigabytes costs this process nothing, and a message larger than
   :data:`MAX_KERNEL_MESSAGE` makes Jupyter drop the kernel's connection (the notebook then stops on
   its time limit).
3. Judges the exercises from outside (:mod:`.judge`): one more request makes the kernel run
   :func:`.agent.serve`, which connects back; :func:`.exercise_checks.check_namespace` then checks a
   :class:`~.judge.RemoteNamespace` of the notebook's globals in *this* process.
4. Writes its report, one JSON object, to the pipe ``--report-fd`` (inherited from the grader and
   closed to the kernel), and stops the kernel.

This parser is no user command but the private protocol between :func:`.grading.grade_notebook` and
the process it starts (see there for the arguments); both ends live in the teaching layer.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from speechmusic.core.config import DATA_ENV_VAR
from speechmusic.teaching import EXERCISES
from speechmusic.teaching.grading import CHECK_CELL_GRACE, EXCHANGE_POINTER, SandboxLimits, clean_text, write_json
from speechmusic.teaching.judge import Channel, RemoteNamespace

#: Largest message accepted from the kernel over Jupyter's sockets (the worker keeps no outputs, but
#: a single message is read whole before it is dropped).
MAX_KERNEL_MESSAGE = 64 << 20
#: The kernel spec's name (written into the work folder, found through JUPYTER_PATH).
KERNEL_NAME = "speechmusic-sandbox"
#: The code the kernel runs to hand its namespace to the judge (``{address!r}`` filled in).
AGENT_CELL = "import speechmusic.teaching.agent as _speechmusic_agent\n_speechmusic_agent.serve({address!r}, globals())\n"
#: Bytes of outputs an executed copy keeps (``--executed``); the rest is dropped (the report says so).
MAX_KEPT_OUTPUTS = 32 << 20
#: Seconds allowed to stop the kernel once the report is final (see Report.send_soon).
CLEANUP_GRACE = 10.0
#: Exception names of the notebook's "this bonus cell cannot run yet" stop (see public_tests.require_bonus).
UNGRADED_ERRORS = {"BonusNotDone"}


def _kernel_spec(workdir: Path, exchange: Path, limits: SandboxLimits, cpu: int, hide: list[str],
                 need: list[str]) -> None:
    command = [sys.executable, "-m", "speechmusic.teaching.sandbox", "--exchange", str(exchange),
               "--home", str(workdir / "home"), "--memory", str(limits.memory), "--cpu", str(cpu),
               "--processes", str(limits.processes), "--file-size", str(limits.file_size), "--disk", str(limits.disk)]
    if not limits.namespaces:
        command.append("--no-namespaces")
    command += [part for path in hide for part in ("--hide", path)]
    command += [part for path in need for part in ("--need", path)]
    command += ["--hide-dir", str(workdir.parent)]  # the grader's other work folders
    command += ["--", sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    folder = workdir / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({"argv": command, "display_name": "sandboxed submission",
                                                    "language": "python"}), encoding="utf-8")
    os.environ["JUPYTER_PATH"] = str(workdir / "jupyter")


def _client_class(keep_outputs: bool = False):
    # here, not at the top: only the worker executes notebooks, and nbclient/nbformat are heavy
    from nbclient import NotebookClient
    from nbclient.util import ensure_async, run_sync

    class ErrorsOnlyClient(NotebookClient):
        """Keeps a cell's error outputs only (what a notebook prints or draws is not graded), without a heartbeat.

        With ``keep_outputs`` (``--executed``), the other outputs too, up to :data:`MAX_KEPT_OUTPUTS`
        bytes for the whole notebook. Whether the kernel lives is asked of its process (the manager's);
        Jupyter's heartbeat thread is not started because it cannot be stopped once a submission has
        broken its socket (it waits forever to send its next ping, and stopping the channels waits for it).
        """

        kept_bytes = 0

        def output(self, outs, msg, display_id, cell_index):
            if msg.get("msg_type") != "error":
                if not keep_outputs:
                    return None
                self.kept_bytes += len(json.dumps(msg.get("content", {}), default=str))
                if self.kept_bytes > MAX_KEPT_OUTPUTS:
                    return None
            return super().output(outs, msg, display_id, cell_index)

        async def async_start_new_kernel_client(self):
            self.kc = self.km.client()
            try:
                await ensure_async(self.kc.start_channels(hb=False))
                await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
            except Exception:
                await self._async_cleanup_kernel()
                raise
            self.kc.allow_stdin = False
            return self.kc

        start_new_kernel_client = run_sync(async_start_new_kernel_client)

    return ErrorsOnlyClient


# long: runs in the child process: the kernel's whole life in one place, with the imports only the child needs.
def run(notebook: Path, workdir: Path, timeout: float, check_timeout: float, check_grace: float,
        limits: SandboxLimits, cascade: bool, hide: list[str], need: list[str], report: Report | None = None,
        executed: Path | None = None) -> dict:
    """Execute ``notebook`` in a sandboxed kernel, judge its exercises; the report (a JSON-ready dict).

    ``executed``: also write the executed notebook there (with its outputs, up to :data:`MAX_KEPT_OUTPUTS`).
    """
    # nbformat validates notebooks with jsonschema, which at import builds ~40 parsers for the
    # optional "iri" format checker of rfc3987-syntax when that package is installed (Jupyter's
    # dependencies install it): 1.7 s of CPU in every worker, more than executing a small
    # notebook. The notebook schema uses no "iri" format, so the worker does without the checker.
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat  # heavy; see _client_class
    import zmq
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbclient.util import ensure_async, run_sync

    started = time.monotonic()
    deadline = started + timeout
    progress = workdir / "progress.json"
    outcome: dict[str, Any] = {"status": "completed", "message": "", "errors": [], "ungraded": [], "exercises": None,
                               "judged": "cascade" if cascade else "alone", "sandbox": {}}

    def stop_all(status: str, message: str) -> dict:
        outcome.update(status=status, message=message, exercises={n: {"passed": False, "message": message} for n in EXERCISES})
        return outcome

    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception as error:  # any parse failure of a submitted file is the submission's problem
        return stop_all("failed", f"not a readable notebook: {clean_text(error, 300)}")

    exchange = _exchange_folder(workdir)
    os.chmod(workdir, 0o711)  # the kernel's user may pass through (not list) on its way to the exchange folder
    cpu = int(timeout + len(EXERCISES) * check_timeout + check_grace + 60)
    _kernel_spec(workdir, exchange, limits, cpu, hide, need)
    client = _client_class(keep_outputs=executed is not None)(
        nb, timeout=max(1, int(timeout)), kernel_name=KERNEL_NAME, allow_errors=True, interrupt_on_timeout=False,
        shutdown_kernel="graceful", startup_timeout=max(10, min(120, int(timeout))),
        resources={"metadata": {"path": str(workdir)}},
    )
    client.km = client.create_kernel_manager()
    client.km.connection_file = str(exchange / "kernel.json")
    # Unix sockets in the exchange folder instead of TCP ports: the kernel has no network, and ports
    # picked free could be taken by kernels started side by side. Absolute names: the kernel's working
    # folder is its own; a socket's name may not exceed ~100 bytes.
    client.km.transport, client.km.ip = "ipc", str(exchange / "k")
    client.km.context.setsockopt(zmq.MAXMSGSIZE, MAX_KERNEL_MESSAGE)

    async def interrupting():  # the manager is asynchronous: run its interrupt to completion
        await ensure_async(client.km.interrupt_kernel())

    interrupt = run_sync(interrupting)

    async def living() -> bool:
        return bool(await ensure_async(client.km.is_alive()))

    alive = run_sync(living)
    watchdog = _ExchangeWatchdog(exchange, limits.disk)

    def died() -> dict:
        if watchdog.reason:
            return stop_all("kernel_died", watchdog.reason)
        where = ""
        try:
            cell_number = json.loads(progress.read_text())["cell"]
            where = " while the grader checked the exercises" if cell_number == "checks" else f" while running cell In [{cell_number}]"
        except (OSError, ValueError, KeyError):
            pass
        return stop_all("kernel_died", f"the kernel died{where} (the notebook exited, crashed or ran out of memory); "
                                       "nothing could be checked")

    try:
        with client.setup_kernel():
            try:
                try:
                    watchdog.pid = client.km.provisioner.pid
                    (workdir / "kernel.pid").write_text(f"{watchdog.pid}\n")
                except (AttributeError, OSError):
                    pass
                _close_exchange(exchange)
                watchdog.start()
                interrupted_cell = _execute_cells(client, nb, outcome, timeout, deadline, progress, interrupt,
                                                  CellTimeoutError)
                if executed is not None:
                    _write_executed(nb, executed, client.kept_bytes > MAX_KEPT_OUTPUTS)
                outcome["sandbox"] = _sandbox_report(exchange)
                write_json(progress, {"cell": "checks"})
                outcome["exercises"] = _judge(client, exchange, check_timeout, check_grace, cascade, interrupted_cell,
                                              outcome, interrupt, alive)
            except DeadKernelError:
                died()
            _summarise(outcome)
            if report is not None:
                # Stopping the kernel waits on Jupyter's client, which a kernel that broke its sockets can keep
                # waiting: the report, final now, goes out within CLEANUP_GRACE seconds whatever happens.
                report.send_soon(outcome, CLEANUP_GRACE)
    except DeadKernelError:  # the kernel died while starting
        return died()
    except Exception as error:  # kernel failed to start, zmq trouble, ...
        return stop_all("failed", f"the notebook could not be executed: {type(error).__name__}: {clean_text(error, 300)}")
    finally:
        watchdog.stop()
    return outcome


def _write_executed(nb, path: Path, cut: bool) -> None:
    """The executed notebook, for the instructor to read (written atomically; outputs past the cap dropped)."""
    import nbformat  # heavy; see _client_class

    if cut:
        nb.metadata.setdefault("speechmusic", {})["outputs_cut"] = (
            f"the outputs past the first {MAX_KEPT_OUTPUTS >> 20} MB were not kept")
    tmp = path.with_name(path.name + ".part")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, path)


def _summarise(outcome: dict) -> None:
    if outcome["status"] == "completed" and outcome["errors"] and not outcome["message"]:
        count = len(outcome["errors"])
        outcome["message"] = f"{count} cell{'s' if count > 1 else ''} raised an error"


def _execute_cells(client, nb, outcome: dict, timeout: float, deadline: float, progress: Path, interrupt,
                   cell_timeout_error) -> int | None:
    """Run the code cells in order, recording errors; the In [n] of a cell interrupted at the time limit."""
    counter = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        counter += 1  # the n of In [n] when the notebook runs from the top (empty cells do not count)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            outcome.update(status="timeout", message=f"the time limit ({timeout:g} s) was reached before cell "
                                                     f"In [{counter}]; it and the cells after it were not run")
            return None
        write_json(progress, {"cell": counter})
        client.timeout = max(1, int(math.ceil(remaining)))
        try:
            client.execute_cell(cell, index)
        except cell_timeout_error:
            outcome.update(status="timeout", message=f"cell In [{counter}] was still running when the time "
                                                     f"limit ({timeout:g} s) was reached; it was interrupted and "
                                                     "the cells after it were not run")
            interrupt()
            return counter
        _record_errors(outcome, cell, counter, index)
    return None


class Report:
    """The worker's report, written once to the grader's pipe: at the end, or early if the end does not come."""

    def __init__(self, fd: int):
        self.fd = fd
        self._lock = threading.Lock()
        self._sent = False

    def send(self, report: dict) -> None:
        with self._lock:
            if self._sent:
                return
            self._sent = True
            with os.fdopen(self.fd, "w", encoding="utf-8") as pipe:
                pipe.write(json.dumps(report, default=str))

    def send_soon(self, report: dict, seconds: float) -> None:
        """Unless :meth:`send` is called within ``seconds``, send ``report`` then and end this process."""

        def overdue() -> None:
            self.send(report)
            os._exit(0)

        timer = threading.Timer(seconds, overdue)
        timer.daemon = True
        timer.start()


#: Longest path of a Unix socket (sun_path is 108 bytes on Linux, 104 on macOS), less the kernel's "k-12345".
MAX_SOCKET_FOLDER = 90


def _exchange_folder(workdir: Path) -> Path:
    """The folder of the kernel's sockets: ``<workdir>/x``, or a short one under /tmp when that path is too long
    for a socket's name (its path is then written to ``<workdir>/exchange.path`` for the grader to remove)."""
    exchange = workdir / "x"
    if len(str(exchange)) > MAX_SOCKET_FOLDER and os.path.isdir("/tmp"):
        exchange = Path(tempfile.mkdtemp(prefix="smx-", dir="/tmp"))
        (workdir / EXCHANGE_POINTER).write_text(str(exchange), encoding="utf-8")
    else:
        exchange.mkdir()
    return exchange


def _close_exchange(exchange: Path) -> None:
    """Once the kernel runs, it needs nothing more from the exchange folder but its sockets: when the grader
    is root (the kernel "nobody"), the folder and its files become root's, so the kernel can write nothing
    there (without root, :class:`_ExchangeWatchdog` stops a kernel that fills it)."""
    if os.geteuid() != 0:
        return
    for path in (exchange, *exchange.iterdir()):
        try:
            os.chown(path, 0, 0, follow_symlinks=False)
        except OSError:
            pass
    os.chmod(exchange, 0o755)


class _ExchangeWatchdog:
    """Stops the kernel (kills its sandbox launcher) when the exchange folder holds more than ``limit`` bytes.

    The exchange folder is the one folder on disk the kernel can write (for its sockets): without this,
    a submission could fill the disk there, one file of at most the file-size limit at a time.
    """

    def __init__(self, folder: Path, limit: int, every: float = 0.5):
        self.folder, self.limit, self.every = folder, limit, every
        self.pid: int | None = None
        self.reason = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(self.every):
            try:
                size = sum(entry.stat(follow_symlinks=False).st_size for entry in os.scandir(self.folder))
            except OSError:
                continue
            if size > self.limit and self.pid is not None:
                self.reason = (f"the notebook wrote more than {self.limit >> 20} MB into the grader's exchange folder "
                               "(the one folder on disk it can write): it was stopped; nothing could be checked")
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except OSError:
                    pass
                return


def _record_errors(outcome: dict, cell, counter: int, index: int) -> None:
    tags = set(cell.get("metadata", {}).get("tags", []))
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        ename = str(output.get("ename", ""))
        entry = {"cell": counter, "position": index + 1, "ename": ename, "evalue": clean_text(output.get("evalue", ""), 500)}
        # The bonus is not graded: its cells, and the later cells that stop because it is not done, are listed apart.
        outcome["ungraded" if "bonus" in tags or ename in UNGRADED_ERRORS else "errors"].append(entry)


def _sandbox_report(exchange: Path) -> dict:
    try:
        found = json.loads((exchange / "sandbox.json").read_text(encoding="utf-8"))
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {"namespaces": None, "reason": "the sandbox did not report"}


def _judge(client, exchange: Path, check_timeout: float, check_grace: float, cascade: bool,
           interrupted_cell: int | None, outcome: dict, interrupt, alive) -> dict:
    """Have the kernel serve its namespace; check the exercises here. Their results (plain data)."""
    from speechmusic.teaching.exercise_checks import check_namespace  # imports the public tests (NumPy): only here

    address = exchange / "j"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(address))
    os.chmod(address, 0o666)  # the kernel's user connects (connecting needs write permission on the socket)
    listener.listen(1)
    listener.settimeout(0.25)
    client.kc.execute(AGENT_CELL.format(address=str(address)), store_history=False)
    # A kernel still busy with an interrupted cell gets the grace only; an idle one (importing the agent
    # on a loaded machine can take seconds) the exercises' whole budget, unless it dies meanwhile.
    patience = check_grace if interrupted_cell else check_grace + len(EXERCISES) * check_timeout
    waited_until = time.monotonic() + patience
    connection = None
    try:
        while connection is None and time.monotonic() < waited_until and alive():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
    finally:
        listener.close()
    if connection is None:
        living = alive()
        what = (f"cell In [{interrupted_cell}] did not stop when interrupted" if interrupted_cell else
                f"the kernel did not answer the grader within {patience:g} s" if living else
                "the kernel died before the grader could check the exercises")
        if not living:
            outcome["status"] = "kernel_died"
        outcome["message"] = (outcome["message"] + "; " if outcome["message"] else "") + what
        return {name: {"passed": False, "message": f"not checked: {what}"} for name in EXERCISES}
    connection.settimeout(None)
    channel = Channel(connection, interrupt=interrupt)
    try:
        namespace = RemoteNamespace(channel, local=_grader_data())
        results = check_namespace(namespace, timeout=check_timeout, alone=not cascade)
    finally:
        channel.close()
    if channel.gone:
        outcome["message"] = (outcome["message"] + "; " if outcome["message"] else "") + channel.gone
        for result in results.values():
            if "KernelGone" in result["message"]:
                result["message"] = f"not checked: {channel.gone}"
    return results


def _grader_data() -> dict:
    """The dataset arrays as the grader loads them (``$SPEECHMUSIC_DATA``), when it can: exercises 1 and 2
    are then judged against them rather than against arrays the notebook could have replaced."""
    folder = os.environ.get(DATA_ENV_VAR)
    if not folder or not os.path.isdir(os.path.join(folder, "train")):
        return {}  # no dataset to load: the notebook's own arrays (importing the loader alone costs 0.7 s of CPU)
    from speechmusic.data.dataset import load_dataset  # heavy; only the judge needs it

    try:
        train_x, _, test_x, _, _ = load_dataset(progress=False)
    except Exception:  # noqa: BLE001 - no dataset there (made-up data in the notebook): the notebook's arrays count
        return {}
    return {"train_set_x_orig": train_x, "test_set_x_orig": test_x}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m speechmusic.teaching.grading_worker",
                                     description="internal: grade one notebook (started by speechmusic grade)")
    parser.add_argument("--notebook", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--report-fd", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--check-timeout", type=float, required=True)
    # The grader passes its own CHECK_CELL_GRACE, so the worker's limit and the grader's hard limit agree.
    parser.add_argument("--check-grace", type=float, default=CHECK_CELL_GRACE)
    parser.add_argument("--limits", type=json.loads, default={}, help="SandboxLimits as JSON")
    parser.add_argument("--cascade", action="store_true")
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--need", action="append", default=[])
    parser.add_argument("--executed", type=Path, default=None, help="write the executed notebook here")
    args = parser.parse_args(argv)
    os.set_inheritable(args.report_fd, False)  # the kernel, started below, must never hold the report pipe
    report = Report(args.report_fd)
    report.send(run(args.notebook, args.workdir, args.timeout, args.check_timeout, args.check_grace,
                    SandboxLimits(**args.limits), args.cascade, args.hide, args.need, report, args.executed))
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through grade_notebook in a subprocess
    sys.exit(main())
