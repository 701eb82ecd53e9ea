"""The outside judge: grades a notebook from plain data, in the grader's own process.

The submission's code runs in its own process (the notebook's kernel); :mod:`.agent` runs there and
answers requests over a Unix socket. The judge holds a :class:`RemoteNamespace`, a read-only view of
the notebook's globals whose functions are :class:`RemoteFunction` stand-ins: calling one sends the
arguments the *judge* chose to the learner's process and decodes what comes back with
:mod:`.plaindata` (numbers, strings, containers, numeric arrays; never pickle, never an object of the
learner's classes). The exercise checks (:func:`.exercise_checks.check_namespace`, the same tests the
notebook runs) then compare, diagnose and score here, with this process's NumPy: nothing the
learner's process says about "passed" is asked for, let alone believed. A submission that patches
the checks, ``json``, ``open`` or NumPy in its kernel, returns arrays whose ``==`` is always true, or
reads the tests' stack frames changes nothing here: none of those objects or frames exist on this
side.

When a call takes too long, the alarm of the checks interrupts the wait here; :class:`Channel` then
interrupts the learner's process (SIGINT, like Jupyter's interrupt) and waits a few seconds for the
call to give up. A process that does not, or that breaks the protocol, is declared gone: the
remaining requests fail at once with :class:`KernelGone`.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from speechmusic.core.errors import SpeechMusicError
from speechmusic.teaching.plaindata import (
    MAX_MESSAGE_BYTES,
    Decoder,
    Encoder,
    ProtocolError,
    rebuild_exception,
    receive_message,
    send_message,
)
from speechmusic.teaching.public_tests.explain import LearnerFrame
from speechmusic.teaching.public_tests.introspect import ArrayShape, FunctionFacts

#: Seconds to wait, after interrupting a call, for the learner's process to answer again.
INTERRUPT_GRACE = 5.0


class KernelGone(SpeechMusicError):
    """The learner's process stopped answering (or broke the protocol): nothing more can be checked."""


class Channel:
    """Requests to an agent and its replies, one at a time, over a connected stream socket.

    ``interrupt`` is called when a request is abandoned (the judge's time limit, an error here): it
    should interrupt the learner's process so that the pending call ends and the agent answers again.
    """

    def __init__(self, sock: socket.socket, *, interrupt: Callable[[], None] | None = None,
                 grace: float = INTERRUPT_GRACE, max_bytes: int = MAX_MESSAGE_BYTES):
        self.sock = sock
        self.interrupt = interrupt
        self.grace = grace
        self.max_bytes = max_bytes
        self.gone: str | None = None
        self.interrupted = False  # the last request was abandoned and its call interrupted

    def request(self, header: dict, blobs: list[bytes] | None = None) -> tuple[dict, list[bytearray]]:
        if self.gone:
            raise KernelGone(self.gone)
        self.interrupted = False
        sent = False
        try:
            send_message(self.sock, header, blobs or [])
            sent = True
            reply, reply_blobs = receive_message(self.sock, self.max_bytes)
        except (EOFError, OSError, ProtocolError) as problem:
            self.gone = f"the notebook's process stopped answering the grader ({_reason(problem)})"
            raise KernelGone(self.gone) from None
        except BaseException:
            # The wait was cut short (the checks' time limit): stop the call over there, then re-raise.
            self._abandon(sent)
            raise
        if reply.get("ok") is not True:
            if reply.get("interrupted"):
                self.interrupted = True
            raise ProtocolError(str(reply.get("problem") or "the request was refused"))
        return reply, reply_blobs

    def _abandon(self, sent: bool) -> None:
        self.interrupted = True
        if not sent:
            self.gone = "a request to the notebook's process was cut off half-sent"
            return
        if self.interrupt is not None:
            with contextlib.suppress(Exception):
                self.interrupt()
        try:
            self.sock.settimeout(self.grace)
            receive_message(self.sock, self.max_bytes)  # the interrupted call's answer, whatever it says
        except BaseException:  # noqa: BLE001 - no answer within the grace: the process is lost to us
            self.gone = (f"the notebook's code did not stop within {self.grace:g} s when it was interrupted "
                         "(it catches KeyboardInterrupt, or the process hangs)")
        finally:
            with contextlib.suppress(OSError):
                self.sock.settimeout(None)

    def close(self) -> None:
        if not self.gone:
            with contextlib.suppress(OSError):
                send_message(self.sock, {"op": "quit"})
        with contextlib.suppress(OSError):
            self.sock.close()


def _reason(problem: BaseException) -> str:
    if isinstance(problem, EOFError):
        return "the connection closed"
    return f"{type(problem).__name__}: {problem}"


_MISSING = object()


class RemoteFunction:
    """Stand-in for a function of the notebook: calling it calls the learner's function in its process.

    ``facts`` (what the diagnoses know about the function's code) come from the learner's process as
    plain data, fetched when first needed.
    """

    def __init__(self, namespace: RemoteNamespace, name: str, facts: FunctionFacts | None = None):
        self._namespace = namespace
        self._name = name
        self._facts = facts
        self.__name__ = name

    @property
    def facts(self) -> FunctionFacts:
        if self._facts is None:
            found = self._namespace.lookup(self._name)
            self._facts = found.facts if isinstance(found, RemoteFunction) else FunctionFacts(name=self._name)
        return self._facts

    def __call__(self, *args, **kwargs):
        return self._namespace.call(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<function {self._name}>"


class RemoteNamespace(Mapping):
    """The globals of a notebook in another process, read through a :class:`Channel`.

    Values are decoded plain data (cached); functions are :class:`RemoteFunction`\\ s. While
    :meth:`judging` an exercise alone, calls of that exercise's function run with the reference
    functions of the earlier exercises in place of the learner's (in the learner's process).
    ``local`` values are the judge's own and are never asked for.
    """

    def __init__(self, channel: Channel, key: str = "", *, local: Mapping[str, Any] | None = None):
        self.channel = channel
        self.key = key
        # Values the judge holds itself take the place of the notebook's (the dataset arrays, loaded
        # by the grader: exercises 1 and 2 are then judged against data the submission cannot swap).
        self._cache: dict[str, Any] = dict(local or {})
        self._exercise: str | None = None
        self._alone = False

    # ------------------------------------------------------------------ reading names

    def prefetch(self, names) -> None:
        """Look several names up with one request."""
        wanted = [name for name in dict.fromkeys(names) if name not in self._cache]
        if not wanted:
            return
        reply, blobs = self.channel.request({"op": "look", "ns": self.key, "names": wanted})
        decoder = Decoder(blobs)
        found = reply.get("names")
        if not isinstance(found, dict):
            raise ProtocolError("a look-up answer without names")
        for name in wanted:
            entry = found.get(name)
            if not isinstance(entry, dict) or entry.get("missing"):
                self._cache[name] = _MISSING
            elif "function" in entry:
                self._cache[name] = RemoteFunction(self, name, self._facts(entry["function"], decoder))
            else:
                self._cache[name] = decoder.decode(entry.get("value"))

    def lookup(self, name: str) -> Any:
        if name not in self._cache:
            self.prefetch([name])
        return self._cache[name]

    def __getitem__(self, name: str) -> Any:
        value = self.lookup(name)
        if value is _MISSING:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.lookup(name) is not _MISSING

    def __iter__(self) -> Iterator[str]:  # only the names looked up so far: the namespace is not listed
        return iter([name for name, value in self._cache.items() if value is not _MISSING])

    def __len__(self) -> int:
        return sum(value is not _MISSING for value in self._cache.values())

    def _facts(self, data: Any, decoder: Decoder) -> FunctionFacts:
        if not isinstance(data, dict):
            raise ProtocolError("a function's description is not an object")
        described = data.get("data") or {}
        return FunctionFacts(
            name=str(data.get("name") or ""),
            code_key=data.get("code_key") if isinstance(data.get("code_key"), int) else None,
            positional=tuple(map(str, data.get("positional") or ())),
            parameters=tuple(map(str, data.get("parameters") or ())),
            earlier={str(name): RemoteFunction(self, str(name)) for name in data.get("earlier") or ()},
            data=self._data(described, decoder),
            filename=str(data.get("filename") or ""),
        )

    @staticmethod
    def _data(described: Any, decoder: Decoder) -> dict:
        if not isinstance(described, dict):
            raise ProtocolError("a description of notebook data is not an object")
        data = {}
        for name, entry in described.items():
            if isinstance(entry, dict) and "shape" in entry:
                data[str(name)] = ArrayShape(tuple(int(n) for n in entry["shape"]))
            elif isinstance(entry, dict):
                data[str(name)] = decoder.decode(entry.get("value"))
        return data

    # ------------------------------------------------------------------ calling functions

    @contextlib.contextmanager
    def judging(self, exercise: str, alone: bool) -> Iterator[None]:
        """While active, calls of ``exercise``'s function run alone (with reference earlier functions) if asked."""
        before = self._exercise, self._alone
        self._exercise, self._alone = exercise, alone
        try:
            yield
        finally:
            self._exercise, self._alone = before

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        encoder = Encoder()
        header = {"op": "call", "ns": self.key, "name": name, "args": encoder.encode(list(args)),
                  "kwargs": encoder.encode(dict(kwargs)),
                  "alone": self._exercise if self._alone and name == self._exercise else None}
        reply, blobs = self.channel.request(header, encoder.blobs)

        def argument(ref: Any) -> Any:
            if isinstance(ref, int) and 0 <= ref < len(args):
                return args[ref]
            if isinstance(ref, str) and ref in kwargs:
                return kwargs[ref]
            raise ProtocolError(f"a reference to an argument that was not passed: {ref!r}")

        decoder = Decoder(blobs, refs=argument)
        self._copy_back(reply.get("after"), decoder, args, kwargs)
        if "raised" in reply:
            raise self._exception(reply["raised"], decoder)
        return decoder.decode(reply.get("result"))

    @staticmethod
    def _copy_back(after: Any, decoder: Decoder, args: tuple, kwargs: dict) -> None:
        """What the learner's function did to the arrays it was given, done to the judge's own arrays."""
        if not isinstance(after, dict):
            return
        for key, data in after.items():
            original = kwargs.get(key) if not key.isdigit() else (args[int(key)] if int(key) < len(args) else None)
            if not isinstance(original, np.ndarray) or not original.flags.writeable:
                continue
            changed = decoder.decode(data)
            if isinstance(changed, np.ndarray) and changed.shape == original.shape and \
                    not np.array_equal(changed, original, equal_nan=changed.dtype.kind in "fc"):
                with contextlib.suppress(TypeError, ValueError):
                    original[...] = changed

    def _exception(self, raised: Any, decoder: Decoder) -> BaseException:
        if not isinstance(raised, dict):
            raise ProtocolError("an exception's description is not an object")
        name = raised.get("name")
        error = rebuild_exception(str(raised.get("type") or "Exception"), [str(b) for b in raised.get("bases") or ()],
                                  str(raised.get("text") or ""), {"name": name} if isinstance(name, str) else {})
        frames = []
        for frame in raised.get("frames") or ():
            if not isinstance(frame, dict):
                raise ProtocolError("a frame's description is not an object")
            local_values = decoder.decode(frame.get("locals"))
            frames.append(LearnerFrame(
                name=str(frame.get("name") or ""),
                code_key=frame.get("code_key") if isinstance(frame.get("code_key"), int) else None,
                parameters=tuple(map(str, frame.get("parameters") or ())),
                locals=local_values if isinstance(local_values, dict) else {},
                data=self._data(frame.get("data") or {}, decoder),
                function=RemoteFunction(self, str(frame.get("name"))) if frame.get("function") else None,
                lineno=int(frame.get("lineno") or 0),
                line=str(frame.get("line") or ""),
                reference=bool(frame.get("reference")),
            ))
        error.learner_frames = frames  # type: ignore[attr-defined]
        return error
