"""Calling the learner's function and checking what comes back (arrays, numbers, unpacking)."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from speechmusic.teaching.public_tests.common import (
    EXERCISE_NUMBERS,
    SIGNATURES,
    TEMPLATE_NAMES,
    ExerciseFailure,
    Lazy,
    all_close,
    fail,
    indent,
    is_float,
    is_number,
    show,
)
from speechmusic.teaching.public_tests.explain import (
    LearnerFrame,
    Probe,
    broadcast_advice,
    call_advice,
    dict_unpacking_cause,
    explain_exception,
    global_data_message,
    label_of,
    learner_frames,
    learner_lines,
    learner_traceback,
    product_advice,
    unfit_reason,
)
from speechmusic.teaching.public_tests.introspect import blame_earlier, facts_of, failure_of, judging_alone

#: What each exercise function returns, in order, and the kind of value each is (see _kind_of).
_RETURNS = {
    "propagate": (("grads", "gradients"), ("cost", "number")),
    "optimize": (("params", "parameters"), ("grads", "gradients"), ("costs", "list")),
    "initialize_with_zeros": (("w", "array"), ("b", "number")),
}
_KIND_WORDS = {"gradients": "the gradients (the dict with 'dw' and 'db')",
               "parameters": "the parameters (the dict with 'w' and 'b')",
               "number": "a single number", "list": "the list of costs", "array": "the array w"}


def _kind_of(value) -> str | None:
    if isinstance(value, dict):
        return {frozenset({"dw", "db"}): "gradients", frozenset({"w", "b"}): "parameters"}.get(frozenset(value))
    if isinstance(value, (list, tuple)):
        return "list"
    if is_number(value):
        return "number"
    if isinstance(value, np.ndarray):
        return "array"
    return None


def _unpacked_out_of_order(local_values: dict[str, Any], arguments: Sequence[str] = ()) -> str | None:
    """Locals named like a function's results but holding each other's values: unpacked in the wrong order.

    ``arguments``: the frame's parameters, which hold what the caller passed, not unpacked results.
    """
    for function, returned in _RETURNS.items():
        wanted = dict(returned)
        if not all(name in local_values and name not in arguments for name in wanted):
            continue
        kinds = {name: _kind_of(local_values[name]) for name in wanted}
        wrong = [name for name in wanted if kinds[name] != wanted[name]]
        if len(wrong) < 2 or sorted(str(kinds[name]) for name in wrong) != sorted(wanted[name] for name in wrong):
            continue
        order = ", ".join(wanted)
        holds = "; ".join(f"{name} holds {_KIND_WORDS[kinds[name]]}" for name in wrong)
        return (f"{function} returns {order}, in this order, and its results were unpacked in another order: "
                f"{holds}. Unpack them in the order they are returned: {order} = {function}(...).")
    return None


def _argument_problem(exercise: str, callee: LearnerFrame, caller: LearnerFrame | None, probe: Probe) -> str | None:
    """What is wrong with the arguments the learner's code passed to an earlier exercise's function."""
    parameters = SIGNATURES[callee.name]
    received = callee.arguments()
    values = {p: received[p] for p in parameters if p in received}
    strings = {p: v for p, v in values.items() if isinstance(v, str)}
    unpacked = dict_unpacking_cause(exercise, strings)
    if unpacked:
        return f"{exercise} passes {callee.name} the string(s) {', '.join(map(repr, strings.values()))}: " + unpacked
    unfit = {p: reason for p, v in values.items() if (reason := unfit_reason(p, v)) is not None}
    who = caller.name if caller is not None and caller.name in SIGNATURES else exercise
    if unfit:
        labels = {p: label_of(v, caller, probe, p) for p, v in values.items()}
        movable = any(unfit_reason(p, values[q]) is None for p in unfit for q in values if q != p)
        misplaced = [f"{labels[p]} as {p}" for p in values
                     if p in unfit and labels[p] != p or (labels[p] in parameters and labels[p] != p)]
        if exercise == "model" and callee.name == "initialize_with_zeros":
            return (f"initialize_with_zeros receives {labels.get('dim', 'an array')} as dim: it takes the number of "
                    f"features, an integer: initialize_with_zeros(X_train.shape[0]), not an array.")
        if movable and len(misplaced) >= 2:
            order = f"{callee.name}({', '.join(parameters)})"
            advice = call_advice(exercise, callee.name)
            return (f"{who} calls {callee.name} with its arguments in the wrong order: {callee.name} received "
                    f"{', '.join(misplaced)}. The order is {order}" + (f"; call it as {advice}." if advice != order else "."))
        if exercise == "optimize" and callee.name == "propagate" and isinstance(values.get("b"), np.ndarray) \
                and "b" in unfit and labels["b"] == "b":
            return (f"b has become an array of shape {values['b'].shape} (it must stay one number): b is updated "
                    f"with dw, an array, instead of db. Update each parameter with its own gradient: "
                    f"b = b - learning_rate * db.")
        details = "; ".join(f"{p} {reason} (it is {show(values[p]) if labels[p] == p else labels[p]})"
                            for p, reason in unfit.items())
        return (f"{who} calls {callee.name} with a wrong argument: {details}. The call is "
                f"{call_advice(exercise, callee.name)}.")
    w, X, Y = values.get("w"), values.get("X"), values.get("Y")
    if isinstance(w, np.ndarray) and isinstance(X, np.ndarray) and w.shape[0] != X.shape[0]:
        hint = ""
        if exercise == "model" and w.shape[0] not in (probe.n, probe.m):
            hint = (f" w has {w.shape[0]} weights, neither the number of features of X_train ({probe.n}) nor its "
                    f"number of examples: model trained w on other data than its parameters (a notebook variable "
                    f"such as train_set_x?). Use model's own parameters, X_train and Y_train.")
        elif exercise == "model":
            hint = (" initialize_with_zeros takes the number of features, the rows of X_train: "
                    "initialize_with_zeros(X_train.shape[0]).")
        return (f"{callee.name} receives w of shape {w.shape} with X of shape {X.shape}: w needs one weight per "
                f"feature (row of X), shape ({X.shape[0]}, 1).{hint}")
    if isinstance(Y, np.ndarray) and isinstance(X, np.ndarray) and Y.shape[1] != X.shape[1]:
        return (f"{callee.name} receives X with {X.shape[1]} examples but Y with {Y.shape[1]} labels: pass the "
                f"labels of the same examples (X_train with Y_train).")
    return None


def _name_error_advice(exercise: str, target: Callable, error: NameError) -> str | None:
    name = getattr(error, "name", None) or (re.findall(r"'([^']+)'", str(error)) or [None])[0]
    facts = facts_of(target)
    if name is None or facts.code_key is None:
        return None
    parameters = facts.positional
    listed = ", ".join(repr(p) for p in parameters)
    derived = {"m": "m = X.shape[1], the number of examples", "n": "n = X.shape[0], the number of features"}
    if name in derived and name not in parameters and exercise in ("propagate", "optimize", "predict"):
        return (f"{name} is used but not defined inside {exercise}: compute it from the parameters, "
                f"{derived[name]}.")
    if name in TEMPLATE_NAMES.get(exercise, ()):
        return None  # the general explanation (write the code between the markers) fits
    if name in SIGNATURES:
        return (f"{name} is not defined: it is the function of exercise {EXERCISE_NUMBERS[name]}. Run the cell that "
                f"defines it (and its test) before this one.")
    same_letters = [p for p in parameters if p.lower() == name.lower()]
    if same_letters:
        return (f"the name {name!r} is not defined: the parameter is {same_letters[0]!r} (Python names are "
                f"case-sensitive). {exercise}'s parameters are {listed}.")
    return (f"the name {name!r} is not defined inside {exercise}: use the function's parameters, {listed} "
            f"(a name that only exists elsewhere in the notebook is not what the test passes in).")


def _one_number_function(line: str) -> str:
    """Why a function that takes one number failed on an array, naming the function used on ``line``."""
    found = re.search(r"\b(math\.\w+|int|float|round|bool|complex)\s*\(", line or "")
    function = found.group(1) if found else "math.exp"
    if function.startswith("math."):
        replacement = "np." + function.split(".", 1)[1]
        return (f"{function} works on one number only, and the test passes an array: use {replacement}, "
                f"which works element by element on whole arrays (and on single numbers too).")
    return (f"{function}() converts one number only, and here it is given a whole array: convert every element "
            f"at once with the array's .astype method, e.g. (A > 0.5).astype(float).")


def _dict_arithmetic(frame: LearnerFrame) -> str | None:
    """Arithmetic on a whole dictionary (grads, params) named on the failing line."""
    assigned = re.match(r"\s*(\w+)\s*[-+*/]?=", frame.line or "")
    for name, value in frame.locals.items():
        if isinstance(value, dict) and re.search(rf"\b{re.escape(name)}\b(?!\s*\[)", frame.line or ""):
            keys = list(value)
            # the entry that goes with the variable being computed: db for b, dw for w
            fitting = [k for k in keys if assigned and str(k).lstrip("d") == assigned.group(1)] or keys
            entry = f"{name}[{fitting[0]!r}]" if fitting else f"{name}[...]"
            return (f"{name} is a dictionary holding {', '.join(map(repr, keys))}: arithmetic needs one of its "
                    f"entries, here {entry}, not the whole dictionary ({frame.line}).")
    return None


# long: an ordered list of diagnoses, the first that matches wins: the order is the teaching.
def _explain_call_failure(exercise: str, target: Callable, error: Exception, probe: Probe) -> str:
    """The likely cause of an exception raised inside the learner's function, in this exercise's terms."""
    frames = learner_frames(error)
    own_code = facts_of(target).code_key
    # 0. The learner's code reads the notebook's data instead of its parameters: whatever the
    #    exception says, that is what to fix first.
    for frame in frames:
        if frame.data:
            return global_data_message(frame.name, frame.parameters, frame.data)
    # ... or unpacked a function's results in the wrong order (the error shows up later, elsewhere).
    for frame in frames:
        out_of_order = _unpacked_out_of_order(frame.locals, tuple(frame.arguments()))
        if out_of_order:
            return out_of_order
    # 1. An earlier exercise's function, called by the learner's code, raised: with what arguments?
    for index, frame in enumerate(frames):
        if frame.code_key == own_code or frame.name not in SIGNATURES or frame.name == exercise or index == 0:
            continue
        caller = frames[index - 1]
        problem = _argument_problem(exercise, frame, caller, probe)
        if problem:
            return problem
        if frame.function is not None and not judging_alone():
            failure = failure_of(frame.name, frame.function)
            if failure is not None:
                return blame_earlier(exercise, failure)
        break
    innermost = frames[-1] if frames else None
    text = str(error)
    # 2. In the learner's own code: what this exception usually means here.
    if innermost is not None:
        strings = {k: v for k, v in innermost.locals.items() if isinstance(v, str)}
        unpacked = dict_unpacking_cause(exercise, strings)
        if unpacked:
            return unpacked
    if isinstance(error, NameError):
        advice = _name_error_advice(exercise, target, error)
        if advice:
            return advice
    line = innermost.line if innermost is not None else ""
    if isinstance(error, AttributeError):
        removed = re.search(r"module 'numpy' has no attribute '(float|int|bool|object|complex|str)'", text)
        if removed:
            alias = removed.group(1)
            return (f"np.{alias} was removed from NumPy (1.24): it only meant the built-in {alias}. Use {alias}(...) "
                    f"or np.{alias}64 where a NumPy type is wanted (older tutorials still use np.{alias}).")
        plain = re.search(r"'(float|int)' object has no attribute '(\w+)'", text)
        if plain:
            where = ("sigmoid is also called with a plain number, e.g. sigmoid(2.0)" if exercise == "sigmoid" else
                     "this value is a plain number here")
            return (f"{where}, and a single number has no .{plain.group(2)}: write code that works for numbers and "
                    f"arrays alike (np.exp, np.zeros_like, ... accept both), without .{plain.group(2)}.")
    if isinstance(error, IndexError) and exercise == "initialize_with_zeros" and "zeros" in line:
        return ("the shape given to np.zeros is built with an index, e.g. [dim][1] picks item 1 of a one-item "
                "list. The shape is one tuple: np.zeros((dim, 1)).")
    if isinstance(error, NameError):
        name = getattr(error, "name", None)
        if name and re.match(rf"\s*{re.escape(name)}\s*\[.*\]\s*=", line or ""):
            return (f"{name} is filled in before it is created: create the array first, e.g. "
                    f"{name} = np.zeros((1, m)) with m = X.shape[1], then set its entries.")
    if isinstance(error, TypeError):
        if re.search(r"interpret .* as a data type", text) and "zeros" in line:
            shape = "(dim, 1)" if exercise == "initialize_with_zeros" else "(a, b)"
            return (f"np.zeros takes the shape as ONE tuple, np.zeros({shape}): written with two arguments, "
                    f"np.zeros(dim, 1), the 1 is read as the data type (dtype), hence the error.")
        if re.search(r"'(builtin_function_or_method|function)' object is not subscriptable", text):
            example = "np.zeros((dim, 1))" if exercise == "initialize_with_zeros" else "np.dot(w.T, X)"
            return (f"a function is used with square brackets ({line or 'np.zeros[...]'}): functions are called "
                    f"with round brackets, e.g. {example}.")
        if re.search(r"only (length-1|size-1|0-dimensional)", text):
            return _one_number_function(line)
        dict_operand = re.search(r"unsupported operand type.*'dict'|'dict' object (is not callable|cannot be)", text)
        if dict_operand and innermost is not None:
            advice = _dict_arithmetic(innermost)
            if advice:
                return advice
        plain = re.search(r"'(float|int|numpy\.float64|numpy\.int64)' object (is not iterable|is not subscriptable)|"
                          r"object of type '(float|int|numpy\.float64)' has no len\(\)|len\(\) of unsized object", text)
        if plain and exercise == "sigmoid":
            return ("sigmoid is also called with a plain number, e.g. sigmoid(2.0), which has no len() and no "
                    "elements to loop over or index: a loop over the elements (for i in range(len(z)) ...) only "
                    "works for arrays. Write it without a loop: NumPy's operations (np.exp, +, /) work on a single "
                    "number and on arrays of any shape at once.")
        if plain:
            return (f"a plain number is used like an array on this line ({line}): a number has no len() and cannot "
                    f"be indexed or looped over. Check what the variable holds (print its type): a function's "
                    f"result taken apart the wrong way, or a sum that already reduced an array to one number?")
    if isinstance(error, IndexError) and "scalar variable" in text and innermost is not None:
        numbers = [name for name, value in innermost.locals.items() if is_number(value) and re.search(
            rf"\b{re.escape(name)}\s*\[", line or "")]
        if numbers:
            return (f"{numbers[0]} is a single number here, so it cannot be indexed ({line}): check what was "
                    f"assigned to {numbers[0]} (a function's results unpacked in the wrong order?).")
    if isinstance(error, ValueError):
        if "not aligned" in text or "core dimension" in text:
            advice = product_advice(exercise, probe, text, line)
            if advice:
                return advice
        if "broadcast" in text:
            if exercise == "optimize" and re.match(r"\s*[wb]\s*(=|-=)", line or ""):
                return (f"the update changes the shape of a parameter ({line}): w is (n, 1) like dw, and b is a "
                        f"number like db. Update with the gradients as propagate returns them, "
                        f"w = w - learning_rate * dw and b = b - learning_rate * db (no reshape, no .T).")
            advice = broadcast_advice(exercise, probe, text)
            if advice:
                return advice
    return explain_exception(error)


def call_learner(exercise: str, fn: Callable, args: Sequence = (), kwargs: dict | None = None, *, call: str,
          probe: Probe | None = None) -> Any:
    """Call the learner's function, silencing its prints and explaining any exception."""
    if not callable(fn):
        fail(exercise, "the test expects your function itself", expected=f"the function {exercise}", got=show(fn),
              cause=f"call the test with the function, e.g. {exercise}_test({exercise}), not with its result.")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return fn(*args, **(kwargs or {}))
    except Exception as error:  # learner code may raise anything; each becomes a teaching message
        try:
            cause = _explain_call_failure(exercise, fn, error, probe or Probe())
        except Exception:  # noqa: BLE001 - the explanation must never hide the learner's error
            cause = explain_exception(error)
        lines = [f"{exercise}: calling {call} raised {type(error).__name__}: {error}"]
        lines += [f"  {line}" for line in learner_lines(error)]
        lines.append("  likely cause: " + indent(cause, "    "))
        failure = ExerciseFailure("\n".join(lines))
        failure.learner_traceback = learner_traceback(error)
        raise failure from None





def _diagnose(got, mistakes) -> str | None:
    """The explanation of the first typical mistake whose result equals ``got`` (same shape, same values).

    ``mistakes``: (value, cause) pairs, or a function returning them (computed only when needed).
    """
    for value, cause in (mistakes() if callable(mistakes) else mistakes):
        if value is not None and all_close(got, value):
            return cause
    return None


def require_array(exercise: str, what: str, got, expected: np.ndarray, *, mistakes=(),
                   shape_causes: dict | None = None, fallback: str, earlier: Lazy | None = None,
                   probe_more: Lazy | None = None) -> None:
    """``got`` must be a numeric array equal to ``expected`` (same shape).

    ``mistakes`` are (value, cause) pairs of typical wrong answers, of any shape; ``earlier`` says
    whether an earlier exercise's function is to blame (checked before any other explanation);
    ``probe_more`` looks for the cause with more calls (checked when no typical mistake matches).
    """
    if not isinstance(got, np.ndarray):
        cause = "use NumPy operations (np.zeros, np.dot, ...) so the result is an array."
        if isinstance(got, (list, tuple)):
            cause = ("the result is a Python list: build it with NumPy so it is an array (e.g. (A > 0.5)."
                     "astype(float), or np.zeros then fill it), not a list or a list comprehension.")
        fail(exercise, f"{what} should be a numpy array", expected=f"array of shape {expected.shape}",
              got=show(got), cause=cause)
    if got.shape != expected.shape:
        cause = ((earlier and earlier()) or _diagnose(got, mistakes) or (shape_causes or {}).get(got.shape)
                 or (probe_more and probe_more()))
        if cause is None and got.size == expected.size:
            cause = f"the right number of values in the wrong shape; the result must have shape {expected.shape}."
        fail(exercise, f"{what} has the wrong shape", expected=f"shape {expected.shape}", got=show(got),
              cause=cause or fallback)
    if got.dtype.kind not in "biuf":
        fail(exercise, f"{what} should hold numbers", expected=show(expected), got=show(got), cause=fallback)
    if not all_close(got, expected):
        cause = (earlier and earlier()) or _diagnose(got, mistakes) or (probe_more and probe_more())
        if cause is None and not np.all(np.isfinite(got.astype(float))):
            cause = "the result contains NaN or inf: check for log(0), division by zero or a missing sigmoid."
        fail(exercise, f"{what} has the right shape but wrong values", expected=show(expected), got=show(got),
              cause=cause or fallback)


def require_number(exercise: str, what: str, got, expected: float, *, mistakes=(), fallback: str,
                    must_be_float: bool = False, earlier: Lazy | None = None,
                    probe_more: Lazy | None = None) -> None:
    """``got`` must be a single number equal to ``expected``."""
    if not is_number(got):
        cause = (earlier and earlier()) or _diagnose(got, mistakes)
        if cause is not None:
            pass
        elif isinstance(got, np.ndarray) and got.size == 1:
            if got.shape == (1,):
                how = ("np.sum(..., axis=1) or np.mean(..., axis=1) on a (1, m) array leaves an array of shape "
                       "(1,): sum or average over everything, without axis, or wrap the result in np.squeeze(...)")
            elif what == "cost":
                how = ("a product like np.dot(Y, np.log(A).T), or np.sum(..., keepdims=True), gives a (1, 1) array: "
                       "wrap it in np.squeeze(...), or use the element-wise Y * np.log(A) and np.sum without keepdims")
            else:
                how = ("np.sum(..., keepdims=True) (or axis=1 with keepdims) keeps the array shape: drop keepdims, "
                       "or use np.squeeze(...)")
            cause = f"{what} is an array of shape {got.shape} holding one number; it should be the number itself: {how}."
        elif isinstance(got, np.ndarray):
            cause = (f"{what} should be one number but has {got.size} values: the sum (or mean) over all "
                     f"examples is missing.")
        else:
            cause = fallback
        fail(exercise, f"{what} should be a single number", expected=f"{expected:.6g} (a float)",
              got=show(got), cause=cause)
    if must_be_float and not is_float(got):
        fail(exercise, f"{what} should be a float", expected=f"{float(expected)!r} (a float)", got=show(got),
              cause=f"{what} is an integer; write it as a float (e.g. 0.0 rather than 0).")
    if not all_close(got, expected):
        cause = (earlier and earlier()) or _diagnose(got, mistakes) or (probe_more and probe_more())
        if cause is None and not np.isfinite(float(got)):
            cause = "the result is NaN or inf: check for log(0), division by zero or a missing sigmoid."
        fail(exercise, f"{what} is wrong", expected=f"{expected:.10g}", got=show(got), cause=cause or fallback)


def unpack(exercise: str, result, names: Sequence[str], *, hint: str) -> tuple:
    """``result`` must be a tuple (or list) of ``len(names)`` values."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        if isinstance(result, dict):
            hint = f"the function returns a dictionary; return the {len(names)} values themselves: return {', '.join(names)}."
        elif not isinstance(result, (tuple, list)) and result is not None:
            hint = f"the function returns one value, not {len(names)}: return {', '.join(names)}."
        fail(exercise, f"the function should return {len(names)} values: {', '.join(names)}",
              expected=f"a tuple ({', '.join(names)})", got=show(result), cause=hint)
    return tuple(result)


def require_unchanged(exercise: str, before: dict, after: dict) -> None:
    for name, original in before.items():
        if not np.array_equal(np.asarray(after[name]), np.asarray(original)):
            fail(exercise, f"the function changed its input {name} (the caller's array)",
                  expected=f"{name} unchanged: {show(np.asarray(original))}",
                  got=f"{name} after the call: {show(np.asarray(after[name]))}",
                  cause=(f"an in-place operation such as {name} -= ... or {name}[...] = ... modifies the "
                         f"array that was passed in. Write {name} = {name} - ... to make a new array."))
