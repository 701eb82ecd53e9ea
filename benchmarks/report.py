"""Benchmark results as data, and their markdown table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Target:
    """A stated goal and what was measured against it."""

    what: str
    goal: str
    measured: str
    met: bool | None  # None: nothing to meet (information only) or skipped


@dataclass
class Section:
    """One benchmark's results: a table, the targets it checks, and notes."""

    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    #: Further tables after the main one: (caption, headers, rows).
    extra_tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)


def timed(function: Callable, repeats: int = 1) -> tuple[float, object]:
    """Best (smallest) wall time of ``repeats`` calls in seconds, and the last call's result.

    The minimum is the least disturbed estimate of what the code itself costs: other programs
    can only ever add time.
    """
    best, last = interleaved({"only": function}, repeats)
    return best["only"], last["only"]


def interleaved(functions: dict[str, Callable], rounds: int) -> tuple[dict[str, float], dict[str, object]]:
    """Best time of each function over ``rounds`` rounds that call them in turn.

    Alternating the contenders exposes them to the same background load, so their ratio stays
    meaningful on a machine that is not idle.
    """
    best: dict[str, float] = {}
    last: dict[str, object] = {}
    for _ in range(max(1, rounds)):
        for name, function in functions.items():
            began = time.perf_counter()
            last[name] = function()
            elapsed = time.perf_counter() - began
            best[name] = min(best.get(name, elapsed), elapsed)
    return best, last


def seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms"


def ratio(value: float) -> str:
    return f"{value:.1f}×" if value < 100 else f"{value:.0f}×"


def mib(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} MiB"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    escape = lambda cell: str(cell).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(escape(h) for h in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    return lines


def _met(flag: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "–"}[flag]


def to_markdown(*, date: str, command: str, machine: dict[str, str], sections: list[Section]) -> str:
    """The whole report: machine, a summary of the targets, then one part per benchmark."""
    lines = ["# speechmusic benchmark results", "", f"Date: {date}  ", f"Command: `{command}`", "", "## Machine", ""]
    lines += _table(["", ""], [[k, v] for k, v in machine.items()])
    targets = [(s.title, t) for s in sections for t in s.targets]
    if targets:
        lines += ["", "## Targets", ""]
        lines += _table(["Benchmark", "Measure", "Target", "Measured", "Met"],
                        [[title, t.what, t.goal, t.measured, _met(t.met)] for title, t in targets])
    for section in sections:
        lines += ["", f"## {section.title}", ""]
        if section.skipped:
            lines.append(f"Skipped: {section.skipped}")
            continue
        if section.rows:
            lines += _table(section.headers, section.rows)
        for caption, headers, rows in section.extra_tables:
            lines += ["", caption, ""] + _table(headers, rows)
        if section.notes:
            lines.append("")
            lines += [f"- {note}" for note in section.notes]
    return "\n".join(lines) + "\n"
