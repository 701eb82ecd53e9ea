"""The grader's agent in the learner's process: it calls the learner's functions when asked and answers in plain data.

``speechmusic grade`` runs each submission's cells in a Jupyter kernel, then runs one more cell there::

    import speechmusic.teaching.agent; speechmusic.teaching.agent.serve(ADDRESS, globals())

:func:`serve` connects to the judge's Unix socket and answers its requests until told to stop:

``look``
    For each name: missing, a function (its :class:`~.public_tests.introspect.FunctionFacts`:
    parameters, the earlier exercises it calls, the notebook data it reads), or a value.
``call``
    Call a function of the namespace with the arguments given (optionally with the reference
    functions of the earlier exercises in place of the learner's, :func:`.reference.in_place_of_earlier`),
    and send back its result, the arrays it was given as they are after the call (so an in-place
    change shows), or the exception it raised with the learner's frames described as plain data.

Everything in this module runs inside the submission's process, which the submission controls: it
may replace this module, and whatever it sends is only ever *data* to the judge, which decides
nothing on what this side says (see :mod:`speechmusic.teaching.judge`).
"""

from __future__ import annotations

import contextlib
import linecache
import socket
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from speechmusic.teaching.plaindata import (
    Decoder,
    Encoder,
    ProtocolError,
    builtin_bases,
    receive_message,
    send_message,
)
from speechmusic.teaching.public_tests.explain import learner_frames
from speechmusic.teaching.public_tests.introspect import ArrayShape, FunctionFacts, facts_of
from speechmusic.teaching.public_tests.reference import in_place_of_earlier

#: Largest array described in a frame's local variables (the tests pass small arrays; a notebook's
#: dataset held in a local is described by its shape only).
MAX_FRAME_ARRAY = 1_000_000


class _Sink:
    """Stands for stdout and stderr during a call: what the learner's code prints is not graded, so it is dropped."""

    def write(self, text: Any) -> int:
        return len(str(text))

    def flush(self) -> None:
        pass


def describe_facts(facts: FunctionFacts, encoder: Encoder) -> dict:
    data = {name: ({"shape": list(value.shape)} if isinstance(value, ArrayShape) else {"value": encoder.encode(value)})
            for name, value in facts.data.items()}
    return {"name": facts.name, "code_key": facts.code_key, "positional": list(facts.positional),
            "parameters": list(facts.parameters), "earlier": list(facts.earlier), "data": data,
            "filename": facts.filename}


def describe_error(error: BaseException, encoder: Encoder) -> dict:
    """The exception as plain data: its type, ``str()``, built-in bases and the learner's frames."""
    try:
        text = str(error)
    except BaseException:  # noqa: BLE001 - a learner's exception whose __str__ fails still gets described
        text = f"<{type(error).__name__}>"
    frames = []
    for frame in learner_frames(error):
        frames.append({
            "name": frame.name, "code_key": frame.code_key, "parameters": list(frame.parameters),
            "locals": encoder.encode(frame.locals),
            "data": describe_facts(FunctionFacts(data=frame.data), encoder)["data"],
            "function": frame.function is not None, "lineno": frame.lineno, "line": frame.line,
            "reference": frame.reference,
        })
    name = getattr(error, "name", None)
    return {"type": type(error).__name__, "bases": builtin_bases(error), "text": text, "frames": frames,
            "name": name if isinstance(name, str) else None}


class Agent:
    """Answers the judge's requests about ``namespaces`` (``{key: the globals of a notebook}``)."""

    def __init__(self, namespaces: Mapping[str, dict]):
        self.namespaces = namespaces

    def handle(self, header: dict, blobs: list) -> tuple[dict, list[bytes]]:
        op = header.get("op")
        namespace = self.namespaces.get(str(header.get("ns", "")), {})
        if op == "look":
            return self._look(namespace, header.get("names") or [])
        if op == "call":
            return self._call(namespace, header, blobs)
        return {"ok": False, "problem": f"unknown request {op!r}"}, []

    def _look(self, namespace: dict, names: list) -> tuple[dict, list[bytes]]:
        encoder = Encoder()
        found = {}
        for name in map(str, names):
            if name not in namespace:
                found[name] = {"missing": True}
                continue
            value = namespace[name]
            if callable(value):
                found[name] = {"function": describe_facts(facts_of(value), encoder)}
            else:
                found[name] = {"value": encoder.encode(value)}
        return {"ok": True, "names": found}, encoder.blobs

    def _call(self, namespace: dict, header: dict, blobs: list) -> tuple[dict, list[bytes]]:
        function = namespace.get(str(header.get("name")))
        if not callable(function):
            return {"ok": False, "problem": f"{header.get('name')!r} is not a function of the notebook"}, []
        decoder = Decoder(blobs)
        args = list(decoder.decode(header.get("args", {"list": []})))
        kwargs = dict(decoder.decode(header.get("kwargs", {"dict": []})))
        refs: dict[int, Any] = {id(value): index for index, value in enumerate(args)}
        refs.update({id(value): key for key, value in kwargs.items()})
        alone = header.get("alone")
        substitute: Callable = (lambda: in_place_of_earlier(str(alone), namespace, getattr(function, "__globals__", None))) \
            if alone else contextlib.nullcontext
        sink = _Sink()
        encoder = Encoder(refs)
        try:
            with substitute(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                result = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - whatever the learner's code raises is described, never re-raised
            error.__traceback__ = error.__traceback__.tb_next if error.__traceback__ else None  # not this frame
            errors = Encoder(refs, max_array=MAX_FRAME_ARRAY)
            reply = {"ok": True, "raised": describe_error(error, errors)}
            return self._with_arguments(reply, errors, args, kwargs), errors.blobs
        reply = {"ok": True, "result": encoder.encode(result)}
        return self._with_arguments(reply, encoder, args, kwargs), encoder.blobs

    @staticmethod
    def _with_arguments(reply: dict, encoder: Encoder, args: list, kwargs: dict) -> dict:
        """The array arguments as they are after the call: the judge copies them into its own (in-place changes)."""
        after = {str(key): encoder.plain_array(value) for key, value in [*enumerate(args), *kwargs.items()]
                 if isinstance(value, np.ndarray)}
        reply["after"] = after
        return reply


def serve(address: str, namespace: dict | None = None, *, namespaces: Mapping[str, dict] | None = None) -> None:
    """Connect to the judge at ``address`` (a Unix socket) and answer its requests until it says ``quit``.

    ``namespace`` is the notebook's ``globals()``; the tests serve many at once, ``namespaces={key: ...}``
    (a request names its namespace with ``"ns"``).
    """
    agent = Agent(dict(namespaces) if namespaces is not None else {"": namespace if namespace is not None else {}})
    linecache.checkcache()
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(address)
    with connection:
        while True:
            try:
                header, blobs = receive_message(connection)
            except KeyboardInterrupt:  # an interrupt meant for a call that had already ended
                continue
            except (EOFError, ConnectionError, ProtocolError):
                return
            if header.get("op") == "quit":
                return
            try:
                reply, reply_blobs = agent.handle(header, blobs)
            except KeyboardInterrupt:
                reply, reply_blobs = {"ok": False, "interrupted": True}, []
            except Exception as problem:  # noqa: BLE001 - a value that cannot be described (RecursionError...): say so, go on
                reply, reply_blobs = {"ok": False, "problem": f"{type(problem).__name__}: {problem}"[:500]}, []
            try:
                send_message(connection, reply, reply_blobs)
            except KeyboardInterrupt:  # the judge gave up waiting: it knows the stream is broken
                return


if __name__ == "__main__":  # pragma: no cover - a namespace-less agent is of no use; say what this is
    print("the grader runs this module inside a notebook's kernel; it is not a command", file=sys.stderr)
    sys.exit(2)
