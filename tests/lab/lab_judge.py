"""The exercise tests run by the outside judge on the catalogues: the learner's functions in another process.

:func:`catalogue_agent` starts a process that imports the mistake catalogues and the correct
variants and serves each case's function (or, for exercises 1 and 2, the variables it computes)
through :mod:`speechmusic.teaching.agent`, as a graded notebook's kernel does; this process holds a
:class:`~speechmusic.teaching.judge.Channel` to it. :func:`remote_case` is a case whose function is a
:class:`~speechmusic.teaching.judge.RemoteFunction`: the same public test then runs here, on plain
data, exactly as the grader runs it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from speechmusic.teaching.judge import Channel, RemoteNamespace

HERE = Path(__file__).resolve().parent

#: The catalogues by prefix of their keys (lab_mistakes.CATALOGUE, lab_mistakes_blind.BLIND, lab_variants.VARIANTS).
SOURCES = {"mistake": ("lab_mistakes", "CATALOGUE"), "blind": ("lab_mistakes_blind", "BLIND"),
           "variant": ("lab_variants", "VARIANTS")}


def exercise_of(test_name: str) -> str:
    """``propagate_test`` -> ``propagate``; ``initialize_with_zeros_test_2`` -> ``initialize_with_zeros``."""
    return re.sub(r"_test(_\d)?$", "", test_name)


def key_of(kind: str, case) -> str:
    return f"{kind}:{case!r}"


def namespaces() -> dict[str, dict]:
    """Run in the agent's process: one namespace per case, holding what the notebook would define."""
    import importlib

    from lab_reference import fake_dataset

    served = {}
    for kind, (module_name, attribute) in SOURCES.items():
        for case in getattr(importlib.import_module(module_name), attribute):
            if getattr(case, "variables", False):
                served[key_of(kind, case)] = {"values": tuple(case.function(*fake_dataset()))}
            else:  # as in a notebook: the function's globals are the namespace, with the earlier exercises' functions
                served[key_of(kind, case)] = {**case.function.__globals__, exercise_of(case.test): case.function}
    return served


_AGENT = """
import sys
sys.path.insert(0, {here!r})
import lab_judge
from speechmusic.teaching.agent import serve
serve(sys.argv[1], namespaces=lab_judge.namespaces())
"""


@contextlib.contextmanager
def catalogue_agent(timeout: float = 120.0) -> Iterator[Channel]:
    """A process serving every catalogued case, and the channel to it (closed and stopped afterwards)."""
    folder = tempfile.mkdtemp(prefix="smj-")  # a short path: a Unix socket's name has ~100 bytes at most
    address = os.path.join(folder, "judge.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(1)
    listener.settimeout(timeout)
    process = subprocess.Popen([sys.executable, "-c", _AGENT.format(here=str(HERE)), address], cwd=HERE,
                               stdin=subprocess.DEVNULL)
    channel = None
    try:
        connection, _ = listener.accept()
        channel = Channel(connection, interrupt=lambda: os.kill(process.pid, signal.SIGINT))
        yield channel
    finally:
        if channel is not None:
            channel.close()
        listener.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def remote_case(channel: Channel, kind: str, case):
    """``case`` with its function replaced by the stand-in for the agent's copy (values fetched for 1-2),
    and the namespace it lives in."""
    namespace = RemoteNamespace(channel, key_of(kind, case))
    if getattr(case, "variables", False):
        values = namespace["values"]
        return dataclasses.replace(case, function=lambda train_x, test_x: values), namespace
    return dataclasses.replace(case, function=namespace[exercise_of(case.test)]), namespace


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def comparable(message: str) -> str:
    """A message without the memory addresses a repr shows (they differ from one process to another)."""
    return _ADDRESS.sub(" at 0x...", message)
