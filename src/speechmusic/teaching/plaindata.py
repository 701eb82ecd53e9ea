"""Values between a learner's process and the grader as plain data, and the messages that carry them.

The grader never unpickles anything a submission produced and never receives one of its objects:
what comes back from the learner's process is decoded here into Python's own types (None, bool,
int, float, complex, str, bytes, list, tuple, dict, set), NumPy scalars and NumPy arrays of numbers,
booleans or fixed-width strings, built from raw bytes with a dtype this module checks first. Anything
else (a function, a module, an instance of the learner's own class) arrives as a :class:`Foreign`: the
name of its type and its ``repr`` as text, nothing that can run.

Identity survives the trip where the diagnoses need it: an object met twice in one message is
decoded once (``x is y`` holds on both sides), and an object that is one of the arguments the grader
passed comes back as the grader's own object (``ref``).

A message on a stream socket is an 8-byte big-endian header length, the header (UTF-8 JSON), then the
raw bytes of each array or bytes value the header lists in ``"blobs"``, in order.
"""

from __future__ import annotations

import builtins
import json
import math
import socket
import struct
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from speechmusic.core.errors import SpeechMusicError

#: Largest message accepted (the notebook's flattened arrays are the largest values: ~16 MB each for
#: the lab's 120 training clips, ~130 MB for a thousand).
MAX_MESSAGE_BYTES = 512 << 20
#: Deepest nesting and most items decoded from one message.
MAX_DEPTH = 64
MAX_ITEMS = 1_000_000
#: Array kinds that are decoded from raw bytes: booleans, integers, floats, complex, fixed-width strings.
ARRAY_KINDS = "biufcUS"
#: Longest ``repr`` kept of a foreign object.
MAX_REPR = 300


class ProtocolError(SpeechMusicError):
    """A message that is not what this protocol allows (too large, malformed, an unknown dtype...)."""


class Foreign:
    """Stand-in for an object the learner's process could not send as plain data: its type's name and repr.

    Each type name gets its own subclass (``type(value).__name__`` reads as in the learner's process).
    """

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


_FOREIGN_TYPES: dict[str, type] = {}


def foreign(type_name: str, text: str) -> Foreign:
    name = type_name if type_name.isidentifier() else "object"
    cls = _FOREIGN_TYPES.get(name)
    if cls is None:
        cls = _FOREIGN_TYPES[name] = type(name, (Foreign,), {"__slots__": ()})
    return cls(text)


# ------------------------------------------------------------------------------------ encoding


class Encoder:
    """Turns values into the JSON-ready header form, collecting array bytes in :attr:`blobs`.

    ``refs`` maps ``id(obj)`` to a reference the other side resolves to its own object (the arguments
    the grader passed); ``max_array`` caps the elements of an array sent (larger ones become
    :class:`Foreign` text), for descriptions of frames.
    """

    def __init__(self, refs: Mapping[int, Any] | None = None, max_array: int | None = None):
        self.refs = dict(refs or {})
        self.max_array = max_array
        self.blobs: list[bytes] = []
        self._seen: dict[int, int] = {}
        self._keep: list[Any] = []  # ids stay valid while the objects are alive

    def encode(self, value: Any, depth: int = 0) -> Any:
        if value is None or value is True or value is False:
            return value
        key = id(value)
        if key in self.refs:
            return {"ref": self.refs[key]}
        if key in self._seen:
            return {"same": self._seen[key]}
        number = len(self._seen)
        self._seen[key] = number
        self._keep.append(value)
        body = self._body(value, depth)
        body["id"] = number
        return body

    def plain_array(self, value: np.ndarray) -> dict:
        """``value`` encoded without identity (neither remembered nor a reference): its values as they are now."""
        return self._array(value, 0)

    def _blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    # long: one branch per kind of value, in the order isinstance must test them.
    def _body(self, value: Any, depth: int) -> dict:
        if depth > MAX_DEPTH:
            return {"foreign": type(value).__name__, "text": "(nested too deep)"}
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":
            item = value.item()
            if isinstance(item, complex):
                return {"np": value.dtype.str, "v": [_float_text(item.real), _float_text(item.imag)]}
            return {"np": value.dtype.str, "v": _float_text(item) if isinstance(item, float) else item}
        if isinstance(value, bool):
            return {"bool": bool(value)}
        if isinstance(value, int):
            return {"int": int.__index__(value)}
        if isinstance(value, float):
            return {"float": _float_text(float.__float__(value))}
        if isinstance(value, complex):
            return {"complex": [_float_text(value.real), _float_text(value.imag)]}
        if isinstance(value, str):
            return {"str": str.__str__(value)}
        if isinstance(value, (bytes, bytearray)):
            return {"bytes": self._blob(bytes(value)), "mutable": isinstance(value, bytearray)}
        if isinstance(value, np.ndarray):
            return self._array(value, depth)
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [self.encode(item, depth + 1) for item in list(value)]}
        if isinstance(value, dict):
            return {"dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in list(value.items())]}
        if isinstance(value, (set, frozenset)):
            return {"set": [self.encode(item, depth + 1) for item in list(value)], "frozen": isinstance(value, frozenset)}
        return {"foreign": type(value).__name__, "text": _safe_repr(value)}

    def _array(self, value: np.ndarray, depth: int) -> dict:
        array = np.asarray(value)  # a subclass is sent as the plain array it holds
        shape = [int(n) for n in array.shape]
        if self.max_array is not None and array.size > self.max_array:
            return {"foreign": "ndarray", "text": f"<array of shape {tuple(shape)}, dtype {array.dtype}, not sent>"}
        if array.dtype.kind in ARRAY_KINDS and not array.dtype.fields:
            data = np.ascontiguousarray(array).tobytes()
            return {"array": self._blob(data), "dtype": array.dtype.str, "shape": shape}
        if array.dtype.kind == "O":
            return {"objects": [self.encode(item, depth + 1) for item in array.ravel().tolist()], "shape": shape}
        return {"foreign": "ndarray", "text": _safe_repr(array)}


def _float_text(x: float) -> float | str:
    return x if math.isfinite(x) else repr(x)  # "nan", "inf", "-inf": JSON has no such numbers


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except BaseException:  # noqa: BLE001 - a repr that raises (even SystemExit) still gives a description
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."


# ------------------------------------------------------------------------------------ decoding


class Decoder:
    """Rebuilds values from the header form and the blobs; ``refs`` resolves references to known objects."""

    def __init__(self, blobs: list[bytearray], refs: Callable[[Any], Any] | None = None):
        self.blobs = blobs
        self.refs = refs
        self._seen: dict[int, Any] = {}
        self._items = 0

    def decode(self, data: Any, depth: int = 0) -> Any:
        if data is None or isinstance(data, bool):
            return data
        if not isinstance(data, dict):
            raise ProtocolError(f"expected an encoded value, got {type(data).__name__}")
        self._items += 1
        if depth > MAX_DEPTH + 2 or self._items > MAX_ITEMS:
            raise ProtocolError("the value is nested too deep or holds too many items")
        if "ref" in data:
            if self.refs is None:
                raise ProtocolError("a reference to an argument where none can be")
            return self.refs(data["ref"])
        if "same" in data:
            try:
                return self._seen[data["same"]]
            except (KeyError, TypeError):
                raise ProtocolError("a reference to a value not seen before") from None
        value = self._value(data, depth)
        if "id" in data:
            self._seen[_int(data["id"])] = value
        return value

    # long: one branch per kind of value, mirroring Encoder._body.
    def _value(self, data: dict, depth: int) -> Any:
        if "np" in data:
            dtype = _dtype(data["np"], "biufc")
            raw = data["v"]
            if dtype.kind == "b":
                item: Any = bool(raw)
            elif dtype.kind == "c":
                item = complex(*map(_number, _list(raw)))
            else:
                item = _number(raw)
            return np.array(item, dtype=dtype)[()]
        if "bool" in data:
            return bool(data["bool"])
        if "int" in data:
            return _int(data["int"])
        if "float" in data:
            return float(_number(data["float"]))
        if "complex" in data:
            return complex(*map(_number, data["complex"]))
        if "str" in data:
            return _str(data["str"])
        if "bytes" in data:
            blob = self._blob(data["bytes"])
            return bytearray(blob) if data.get("mutable") else bytes(blob)
        if "array" in data:
            return self._array(data)
        if "objects" in data:
            shape = _shape(data["shape"])
            items = [self.decode(item, depth + 1) for item in _list(data["objects"])]
            array = np.empty(len(items), dtype=object)
            array[:] = items
            if int(np.prod(shape)) != len(items):
                raise ProtocolError("an object array's items do not fill its shape")
            return array.reshape(shape)
        if "list" in data:
            out: list = []
            if "id" in data:
                self._seen[_int(data["id"])] = out  # a list that holds itself
            out.extend(self.decode(item, depth + 1) for item in _list(data["list"]))
            return out
        if "tuple" in data:
            return tuple(self.decode(item, depth + 1) for item in _list(data["tuple"]))
        if "dict" in data:
            result: dict = {}
            if "id" in data:
                self._seen[_int(data["id"])] = result
            for pair in _list(data["dict"]):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ProtocolError("a dict entry is not a key and a value")
                key = self.decode(pair[0], depth + 1)
                try:
                    result[key] = self.decode(pair[1], depth + 1)
                except TypeError:
                    raise ProtocolError("a dict key that cannot be a key") from None
            return result
        if "set" in data:
            items = [self.decode(item, depth + 1) for item in _list(data["set"])]
            try:
                return frozenset(items) if data.get("frozen") else set(items)
            except TypeError:
                raise ProtocolError("a set item that cannot be in a set") from None
        if "foreign" in data:
            return foreign(_str(data["foreign"]), _str(data.get("text", "")))
        raise ProtocolError(f"unknown kind of value: {sorted(data)[:5]}")

    def _blob(self, index: Any) -> bytearray:
        try:
            return self.blobs[_int(index)]
        except IndexError:
            raise ProtocolError("a reference to bytes the message does not hold") from None

    def _array(self, data: dict) -> np.ndarray:
        dtype = _dtype(data["dtype"], ARRAY_KINDS)
        shape = _shape(data["shape"])
        blob = self._blob(data["array"])
        if len(blob) != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise ProtocolError(f"an array's bytes do not match its shape {shape} and dtype {dtype}")
        return np.frombuffer(blob, dtype=dtype).reshape(shape)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"expected an integer, got {type(value).__name__}")
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(f"expected a number, got {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ProtocolError(f"expected a string, got {type(value).__name__}")
    return value


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise ProtocolError(f"expected a list, got {type(value).__name__}")
    return value


def _shape(value: Any) -> tuple[int, ...]:
    shape = tuple(_int(n) for n in _list(value))
    if len(shape) > 32 or any(n < 0 for n in shape):
        raise ProtocolError(f"not an array shape: {shape}")
    return shape


def _dtype(text: Any, kinds: str) -> np.dtype:
    try:
        dtype = np.dtype(_str(text))
    except TypeError:
        raise ProtocolError(f"not a dtype: {text!r}") from None
    if dtype.kind not in kinds or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise ProtocolError(f"a dtype this protocol does not decode: {dtype}")
    return dtype


# ------------------------------------------------------------------------------------ exceptions


class LearnerBaseException(BaseException):
    """Base of the exceptions rebuilt from the learner's process that are not :class:`Exception`\\ s.

    SystemExit, KeyboardInterrupt or a learner's own BaseException are rebuilt under this class, never
    as themselves: they must not stop or interrupt the grader.
    """


_EXCEPTION_TYPES: dict[tuple[str, type], type] = {}


def rebuild_exception(type_name: str, bases: list[str], text: str, attributes: Mapping[str, Any]) -> BaseException:
    """An exception that reads as the learner's (its type's name, ``str()``, ``isinstance`` of its nearest
    built-in class, a NameError's ``name``), built from text."""
    base: type = LearnerBaseException
    for name in bases:
        candidate = getattr(builtins, name, None)
        if isinstance(candidate, type) and issubclass(candidate, Exception):
            base = candidate
            break
    name = type_name if type_name.isidentifier() else "Exception"
    cls = _EXCEPTION_TYPES.get((name, base))
    if cls is None:
        cls = _EXCEPTION_TYPES[(name, base)] = type(name, (base,), {"__str__": lambda self: self.args[0] if self.args else ""})
    error = cls(text)
    for key, value in attributes.items():
        if key in ("name",):
            try:
                setattr(error, key, value)
            except (AttributeError, TypeError):
                pass
    return error


def builtin_bases(error: BaseException) -> list[str]:
    """Names of the built-in exception classes ``error`` is an instance of, most specific first."""
    return [cls.__name__ for cls in type(error).__mro__ if getattr(builtins, cls.__name__, None) is cls]


# ------------------------------------------------------------------------------------ messages


def send_message(sock: socket.socket, header: dict, blobs: list[bytes] = ()) -> None:
    header = dict(header, blobs=[len(b) for b in blobs])
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    sock.sendall(struct.pack(">Q", len(text)) + text)
    for blob in blobs:
        sock.sendall(blob)


def _receive_exactly(sock: socket.socket, size: int) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = sock.recv_into(view[received:], min(size - received, 1 << 22))
        if count == 0:
            raise EOFError("the connection was closed")
        received += count
    return buffer


def receive_message(sock: socket.socket, max_bytes: int = MAX_MESSAGE_BYTES) -> tuple[dict, list[bytearray]]:
    """One message: the header and its blobs. Raises EOFError when the other side closed, ProtocolError
    when the message breaks the protocol or is larger than ``max_bytes``."""
    (length,) = struct.unpack(">Q", bytes(_receive_exactly(sock, 8)))
    if length > max_bytes:
        raise ProtocolError(f"a message header of {length} bytes")
    try:
        header = json.loads(_receive_exactly(sock, length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("a message header that is not JSON") from None
    if not isinstance(header, dict):
        raise ProtocolError("a message header that is not an object")
    sizes = [_int(n) for n in _list(header.pop("blobs", []))]
    if any(n < 0 for n in sizes) or sum(sizes) + length > max_bytes:
        raise ProtocolError(f"a message of {sum(sizes) + length} bytes (at most {max_bytes})")
    return header, [_receive_exactly(sock, n) for n in sizes]
