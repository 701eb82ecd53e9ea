"""What the tests know about a learner's function besides its results, and the earlier-exercise checks.

:func:`facts_of` says which parameters a function has, which earlier exercises' functions it calls
by name and which of the notebook's data it reads as globals. For a function of the notebook those
come from its code object; the grader's judge, which calls the learner's functions in another
process, hands the tests stand-ins that carry the same facts as plain data (their ``facts``
attribute), read in the learner's process by this same function.

:func:`earlier_exercise_cause` checks the earlier functions a failing function calls with their own
tests, and :func:`blame_earlier` words the result once, however deep the chain: "model calls your
optimize (exercise 6), which calls your propagate (exercise 5), which does not pass propagate_test".
"""

from __future__ import annotations

import contextlib
import dis
import io
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from speechmusic.teaching.public_tests.common import (
    EXERCISE_NUMBERS,
    EXERCISE_TESTS,
    SIGNATURES,
    indent,
    is_number,
)

#: The exercises whose tests run as an earlier-exercise check (model and the bonus are called by nothing).
EARLIER = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict")

#: Numbers the notebook defines at the top level: read inside an exercise function instead of a
#: parameter or a value computed from the parameters, they are the notebook's data, not the test's.
NOTEBOOK_NUMBERS = {"m_train", "m_test", "n_mels", "time_steps", "num_iterations", "learning_rate", "index",
                    "m", "n", "dim"}


@dataclass(frozen=True)
class ArrayShape:
    """A notebook array described by its shape (what the messages about notebook data need of it)."""

    shape: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.shape)


@dataclass
class FunctionFacts:
    """What a learner's function is made of, as far as the diagnoses need it.

    Attributes
    ----------
    name : str
        Its ``__name__``.
    code_key : int or None
        Identifies its code object (frames of a traceback that run this code have the same key).
    positional, parameters : tuple of str
        Its positional parameters; all of them (keyword-only ones included).
    earlier : dict
        The earlier exercises' functions it calls by name, in notebook order: ``{name: function}``.
    data : dict
        The notebook's data it reads as globals: ``{name: ArrayShape or number}``.
    filename : str
        The file its code was compiled from (a notebook cell's, or a module's).
    """

    name: str = ""
    code_key: int | None = None
    positional: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    earlier: dict[str, Callable] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    filename: str = ""


def _global_names(code: types.CodeType) -> list[str]:
    """The global names ``code`` reads (not attributes), in order, nested code (comprehensions...) included."""
    names = []
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and instruction.argval not in names:
            names.append(instruction.argval)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names += [name for name in _global_names(constant) if name not in names]
    return names


def global_data(code: types.CodeType | None, namespace: dict | None) -> dict[str, Any]:
    """The notebook's data (arrays, and the notebook's counts and settings) that ``code`` reads as globals."""
    if code is None or namespace is None:
        return {}
    found: dict[str, Any] = {}
    for name in _global_names(code):
        value = namespace.get(name)
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            found[name] = ArrayShape(tuple(value.shape))
        elif name in NOTEBOOK_NUMBERS and is_number(value):
            found[name] = value
    return found


def parameters_of(code: types.CodeType) -> tuple[str, ...]:
    return tuple(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])


def facts_of(target: Callable) -> FunctionFacts:
    """The :class:`FunctionFacts` of ``target`` (empty for a callable without Python code)."""
    given = getattr(target, "facts", None)
    if isinstance(given, FunctionFacts):  # a stand-in for a function of another process
        return given
    code = getattr(target, "__code__", None)
    namespace = getattr(target, "__globals__", None)
    if not isinstance(code, types.CodeType):
        return FunctionFacts(name=str(getattr(target, "__name__", "")))
    earlier = {}
    if isinstance(namespace, dict):
        used = set(code.co_names)
        for name in SIGNATURES:
            function = namespace.get(name)
            if name in used and callable(function) and function is not target:
                earlier[name] = function
    return FunctionFacts(name=code.co_name, code_key=id(code), positional=tuple(code.co_varnames[: code.co_argcount]),
                         parameters=parameters_of(code), earlier=earlier, data=global_data(code, namespace),
                         filename=code.co_filename)


# --------------------------------------------------------------------------------------------
# Earlier exercises: checked before the learner is sent back to them.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierFailure:
    """An earlier exercise's function that fails its own test: the chain of calls that leads to it
    (outermost first; the last one is broken) and what its test diagnosed (first line, likely cause)."""

    chain: tuple[str, ...]
    said: str


class Blame(str):
    """A likely cause that sends the learner back to an earlier exercise (it knows which: ``earlier``)."""

    earlier: EarlierFailure


#: Exercises whose own tests are running as an earlier-exercise check (learner functions that call
#: each other in a circle must not make the checks call each other without end).
_CHECKING: set[str] = set()
#: True while the grader judges an exercise with the reference implementations of the earlier ones
#: in place of the learner's: a failure is then the exercise's own, never an earlier function's.
_ALONE = [False]


@contextlib.contextmanager
def judged_alone(alone: bool = True) -> Iterator[None]:
    """While active, :func:`earlier_exercise_cause` blames no earlier exercise (see ``_ALONE``)."""
    before = _ALONE[0]
    _ALONE[0] = alone
    try:
        yield
    finally:
        _ALONE[0] = before


def judging_alone() -> bool:
    return _ALONE[0]


def _said(message: str) -> str:
    # Only what the earlier test diagnosed (its first line and its likely cause), not its values.
    first = message.splitlines()[0] if message else ""
    _, found, cause = message.partition("likely cause:")
    return first + ("\n  likely cause:" + cause if found else "")


def failure_of(name: str, function: Callable) -> EarlierFailure | None:
    """How ``function`` fails the first of ``name``'s own tests it fails, or None if it passes them."""
    if name in _CHECKING or name not in EARLIER:
        return None
    _CHECKING.add(name)
    try:
        for test in EXERCISE_TESTS.get(name, ()):
            try:
                with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                    test(function)
            except AssertionError as failure:
                deeper = getattr(failure, "earlier", None)
                if isinstance(deeper, EarlierFailure):  # it fails because of a function it calls in turn
                    return EarlierFailure((name, *deeper.chain), deeper.said)
                return EarlierFailure((name,), _said(str(failure)))
            except Exception as error:  # a crash counts as a failure of that function  # noqa: BLE001
                return EarlierFailure((name,), f"{name}: its test raised {type(error).__name__}: {error}")
        return None
    finally:
        _CHECKING.discard(name)


def blame_earlier(exercise: str, failure: EarlierFailure) -> Blame:
    """The likely cause "``exercise`` calls your X, which does not pass X_test yet", with X's diagnosis."""
    calls = ", which calls your ".join(f"{name} (exercise {EXERCISE_NUMBERS[name]})" for name in failure.chain)
    broken = failure.chain[-1]
    text = Blame(f"{exercise} calls your {calls}, which does not pass {broken}_test yet. Fix {broken} first (run "
                 f"its test cell until it passes), then run this test again. Its test says:\n  "
                 + indent(failure.said, "  "))
    text.earlier = failure
    return text


def earlier_exercise_cause(exercise: str, target: Callable) -> Blame | None:
    """If ``target`` calls an earlier exercise's function that fails its own test, a message saying so."""
    if _ALONE[0]:
        return None
    for name, function in facts_of(target).earlier.items():
        failure = failure_of(name, function)
        if failure is not None:
            return blame_earlier(exercise, failure)
    return None
