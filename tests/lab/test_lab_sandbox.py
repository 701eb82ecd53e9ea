"""The kernel's sandbox on its own: what a command started through it can and cannot do.

A small Python program runs in the sandbox in place of a kernel and writes what it found into the
exchange folder (the one folder it may write that the test can read).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from speechmusic.teaching.grading_worker import _ExchangeWatchdog

PROBE = r"""
import json, os, resource, socket, sys
found = {"uid": os.getuid(), "pid": os.getpid(), "cwd": os.getcwd(), "home": os.environ["HOME"]}
found["processes_seen"] = len([p for p in os.listdir("/proc") if p.isdigit()]) if os.path.isdir("/proc") else None
try:
    found["hidden"] = open(sys.argv[2]).read()
except OSError as error:
    found["hidden"] = f"error {error.errno}"
found["readable"] = open(sys.argv[3]).read()
try:
    open(sys.argv[3], "a").write("more")
    found["wrote_outside"] = True
except OSError:
    found["wrote_outside"] = False
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[4])), timeout=2).close()
    found["network"] = True
except OSError:
    found["network"] = False
try:
    open("big", "wb").write(b"x" * (2 << 20))
    found["big_file"] = True
except OSError:
    found["big_file"] = False
found["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)
found["address_space"] = resource.getrlimit(resource.RLIMIT_AS)
with open(os.path.join(sys.argv[1], "found.json"), "w") as f:
    json.dump(found, f)
"""


def _run_sandboxed(tmp_path: Path, *extra: str) -> tuple[dict, dict]:
    base = tmp_path / "case"
    exchange, home = base / "x", base / "home"
    exchange.mkdir(parents=True)
    home.mkdir()
    for folder in (tmp_path, base, exchange):
        folder.chmod(0o755)
    hidden = tmp_path / "other-submission.ipynb"
    hidden.write_text("another learner's work")
    readable = tmp_path / "lab-file.txt"
    readable.write_text("the lab's")
    readable.chmod(0o666)
    import socket

    server = socket.create_server(("127.0.0.1", 0))
    try:
        command = [sys.executable, "-m", "speechmusic.teaching.sandbox", "--exchange", str(exchange), "--home", str(home),
                   "--memory", str(2 << 30), "--file-size", str(1 << 20), "--processes", "32", "--disk", str(16 << 20),
                   "--hide", str(hidden), "--need", str(tmp_path), *extra, "--",
                   sys.executable, "-c", PROBE, str(exchange), str(hidden), str(readable), str(server.getsockname()[1])]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    return (json.loads((exchange / "found.json").read_text()), json.loads((exchange / "sandbox.json").read_text()))


def test_without_namespaces_the_limits_and_an_own_home_remain(tmp_path):
    found, report = _run_sandboxed(tmp_path, "--no-namespaces")
    assert report["namespaces"] is False and report["reason"] == "turned off"
    assert found["home"] == str(tmp_path / "case" / "home" / "home") and found["cwd"] == str(tmp_path / "case" / "home" / "work")
    assert found["big_file"] is False  # --file-size
    assert found["address_space"][0] == 2 << 30 and found["address_space"][1] == 2 << 30  # hard limit too


def test_with_namespaces_the_kernel_is_alone_offline_and_read_only(tmp_path):
    found, report = _run_sandboxed(tmp_path)
    if not report["namespaces"]:
        pytest.skip(f"no namespaces on this system: {report.get('reason')}")
    assert report["network"] is False and found["network"] is False
    assert found["pid"] == 1 and found["processes_seen"] == 1  # only its own processes
    assert found["uid"] == 1000 and found["home"] == "/tmp/home"
    assert found["hidden"] in ("", "error 2")  # the other submission reads as nothing
    assert found["readable"] == "the lab's" and found["wrote_outside"] is False  # read-only
    assert found["big_file"] is False
    if report["uid_outside"] != 0:
        assert found["nproc"] == [32, 32]
    assert (tmp_path / "lab-file.txt").read_text() == "the lab's"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs processes to stop")
def test_a_kernel_that_fills_the_exchange_folder_is_stopped(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    watchdog = _ExchangeWatchdog(tmp_path, limit=1 << 20, every=0.05)
    watchdog.pid = sleeper.pid
    watchdog.start()
    try:
        (tmp_path / "small").write_bytes(b"x" * 1000)
        time.sleep(0.3)
        assert sleeper.poll() is None and watchdog.reason == ""  # under the limit: left alone
        (tmp_path / "fill").write_bytes(b"x" * (2 << 20))
        assert sleeper.wait(timeout=10) != 0
        assert "more than 1 MB" in watchdog.reason
    finally:
        watchdog.stop()
        if sleeper.poll() is None:
            sleeper.kill()


def test_a_system_that_refuses_the_file_system_gets_the_limits_only_way(tmp_path):
    """When a mount is refused after the namespaces were made (some containers, security modules), the
    kernel still starts, without namespaces, and the report says why."""
    exchange, home = tmp_path / "x", tmp_path / "home"
    exchange.mkdir()
    home.mkdir()
    script = ("import sys\n"
              "from speechmusic.teaching import sandbox\n"
              "def refused(*args, **kwargs):\n"
              "    raise PermissionError(1, 'Operation not permitted')\n"
              "sandbox._build_file_system = refused\n"
              "sys.exit(sandbox.main(sys.argv[1:]))\n")
    probe = f"import os; open({str(exchange / 'ran')!r}, 'w').write(str(os.getpid()))"
    done = subprocess.run([sys.executable, "-c", script, "--exchange", str(exchange), "--home", str(home), "--",
                           sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads((exchange / "sandbox.json").read_text())
    assert (exchange / "ran").read_text() != "1"  # it ran, as an ordinary process (not PID 1 of a namespace)
    if report["namespaces"] is False and "not available" in report["reason"] and "file system" not in report["reason"]:
        pytest.skip(f"no namespaces on this system at all: {report['reason']}")
    assert report["namespaces"] is False and report["network"] is True
    assert "the sandbox's file system could not be made" in report["reason"] and "not permitted" in report["reason"]
