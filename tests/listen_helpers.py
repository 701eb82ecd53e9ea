"""Shared helpers for the ``listen`` tests: a programme, a ``listen`` process fed and watched, a local stream server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

#: A programme with three changes, and its parts: speech (noise) and music (tones) for the tiny model.
PARTS = [("speech", 8.0), ("music", 9.0), ("speech", 8.0), ("music", 7.0)]


def pcm16(y: np.ndarray) -> bytes:
    return (np.clip(y, -1, 1) * 32767).astype("<i2").tobytes()


class Listen:
    """A ``speechmusic listen`` process; its stdout lines are collected with the time they arrived."""

    def __init__(self, *args, stdin: bool = True, env: dict | None = None):
        command = [sys.executable, "-m", "speechmusic", "listen", *map(str, args)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env={**os.environ, **(env or {})})
        self.lines: list[tuple[float, str]] = []
        self.errors: list[tuple[float, str]] = []
        threading.Thread(target=self._collect, args=(self.process.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._collect, args=(self.process.stderr, self.errors), daemon=True).start()

    @staticmethod
    def _collect(stream, into) -> None:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            into.append((time.monotonic(), line))

    def feed(self, data: bytes, *, chunk: int = 8820, pace: float | None = None) -> None:
        """Write ``data`` to stdin (``pace``: seconds to sleep between chunks)."""
        for i in range(0, len(data), chunk):
            self.process.stdin.write(data[i : i + chunk])
            self.process.stdin.flush()
            if pace:
                time.sleep(pace)

    def wait_for_lines(self, n: int, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.lines) < n:
            if time.monotonic() > deadline or self.process.poll() is not None:
                time.sleep(0.2)  # the last lines of a process that has just ended
                if len(self.lines) >= n:
                    break
                raise AssertionError(f"{len(self.lines)} lines of {n}; stderr: {self.stderr()}")
            time.sleep(0.05)
        return [line for _, line in self.lines]

    def stderr(self) -> str:
        return "\n".join(line for _, line in self.errors)

    def changes(self) -> list[tuple[float, str]]:
        """``(seconds, label)`` of each change line."""
        out = []
        for _, line in self.lines:
            parts = line.split()
            h, m, s = parts[0].split(":")
            out.append((int(h) * 3600 + int(m) * 60 + float(s), parts[1]))
        return out

    def close(self, timeout: float = 60.0) -> int:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        return self.process.wait(timeout=timeout)


def read_csv_segments(path: Path) -> list[tuple[float, float, str]]:
    lines = Path(path).read_text().splitlines()
    assert lines[0] == "start,end,label"
    return [(float(a), float(b), c) for a, b, c in (line.split(",") for line in lines[1:])]


class StreamServer:
    """A local HTTP server streaming one file at ``speed`` times real time (a radio stream on 127.0.0.1).

    ``plan`` lists what each connection gets, in order, the last repeating: ``("all",)`` the whole
    file, ``("part", fraction)`` that share of it and then a dropped connection, ``("refuse",)``
    a 503 answer. Connections and their plans are recorded in ``served``.
    """

    def __init__(self, path: Path, *, seconds: float, speed: float = 1.0, plan=(("all",),)):
        self.data = Path(path).read_bytes()
        self.rate = len(self.data) / seconds * speed  # bytes per second
        self.plan = list(plan)
        self.served: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                step = owner.plan[min(len(owner.served), len(owner.plan) - 1)]
                owner.served.append(step[0])
                if step[0] == "refuse":
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                end = len(owner.data) if step[0] == "all" else int(len(owner.data) * step[1])
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg" if str(path).endswith(".mp3") else "audio/ogg")
                if step[0] == "all":
                    self.send_header("Content-Length", str(len(owner.data)))
                self.end_headers()
                chunk, began = 4096, time.monotonic()
                try:
                    for i in range(0, end, chunk):
                        self.wfile.write(owner.data[i : min(i + chunk, end)])
                        self.wfile.flush()
                        delay = began + (i + chunk) / owner.rate - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
                except (BrokenPipeError, ConnectionResetError):
                    return
                if step[0] == "part":  # drop the connection mid-stream
                    self.connection.shutdown(socket.SHUT_RDWR)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{Path(path).name}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def silent_server() -> tuple[socket.socket, str]:
    """A TCP port that accepts connections and never answers (a stream that never answers)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}/live"
