"""Build the lab's two notebooks from one source: ``.venv/bin/python -m speechmusic.commands.build_notebooks``.

This module is the build (parsing the source, rendering, deciding what a notebook's state is); the
command's options, messages and writing loop are in :mod:`speechmusic.commands.build_notebooks`.

The source, ``notebook_source/audio_classification_logreg.py``, is a jupytext "percent" script (it opens as a
notebook in Jupyter with jupytext, and runs as the full solution). Cells start with ``# %%``
(code) or ``# %% [markdown]`` (text, every line commented), optionally followed by metadata such
as ``tags=["exercise"]``. Inside code cells, the reference solution of an exercise sits between
two marker lines::

    ### BEGIN SOLUTION
    #: s = ...                      <- hint lines, shown to the learner only
    s = 1 / (1 + np.exp(-z))
    ### END SOLUTION

The build writes

* the **student** notebook ``audio_classification_logreg.ipynb`` (repository root): each region
  becomes ``# (≈ N lines of code)``, the hints, ``# YOUR CODE STARTS HERE``, an empty line and
  ``# YOUR CODE ENDS HERE``, where N counts the solution's statements (logical lines of code);
* the **solution** notebook ``solutions/audio_classification_logreg.ipynb``: the same markers
  around the solution code.

Both have no outputs and a standard ``python3`` kernel, so they open in Jupyter Notebook,
JupyterLab and VS Code. A cell with ``only="solution"`` (or ``"student"``) appears in one
notebook only. The output is deterministic.

**Where it writes.** Into the repository the command is run in: the current folder or the first
folder above it that holds the source (or ``--root``). Never into the folder the package happens
to be installed from.

**What is compared.** Only what the build decides: each cell's type, source and tags. Outputs,
execution counts, ``language_info.version`` and the other metadata Jupyter adds when a notebook is
opened, run or saved are ignored. Each notebook also records, in its metadata
(``speechmusic.cells_sha256``), a digest of the cells the build generated; Jupyter keeps that
metadata when it saves, so the build can tell a notebook it wrote (possibly from an older source)
from one somebody edited since.

**A learner's work is never lost.** A notebook whose cells were edited since the build wrote it
(a learner's exercise code, a path typed in section 6, ...) is left exactly as it is:

* if it was generated from the current source, it is up to date: nothing to do;
* otherwise the build refuses (exit code 2) and says what to do: rename the notebook and run
  again, or pass ``--backup``, which first copies it to
  ``audio_classification_logreg.backup-YYYYmmdd-HHMMSS.ipynb`` beside it (never over an existing
  file), then writes the fresh one.

A notebook from a build older than the digest counts as edited when any of its exercise regions
(between ``# YOUR CODE STARTS HERE`` and ``# YOUR CODE ENDS HERE``) holds anything but what the
build generates there (blanks in the student notebook, the reference code in the solution).

**The drift check** (``--check``) writes nothing and exits 1 when a notebook is missing or was
generated from another version of the source. A notebook holding someone's edits on top of the
current build passes (a learner's notebook is not drift); ``--strict`` makes it fail too.
``--ignore-exercise-code`` (what CI runs, ``.ci/run``) compares every cell with a fresh build except
the code between the exercise markers: a learner's answers never fail it, any other difference does.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import textwrap
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from speechmusic.core.errors import BuildError
from speechmusic.core.fileio import unique_path

SOURCE = Path("notebook_source") / "audio_classification_logreg.py"
TARGETS = {
    "student": Path("audio_classification_logreg.ipynb"),
    "solution": Path("solutions") / "audio_classification_logreg.ipynb",
}
VARIANTS = tuple(TARGETS)

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = "#:"
STARTS = "# YOUR CODE STARTS HERE"
ENDS = "# YOUR CODE ENDS HERE"
#: Key, in each notebook's ``metadata["speechmusic"]``, of the digest of the cells the build generated.
DIGEST_KEY = "cells_sha256"
#: How to run the build, as messages and docs write it (from the repository folder, with its venv).
COMMAND = ".venv/bin/python -m speechmusic.commands.build_notebooks"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}

_HEADER = re.compile(r"^# %%(?P<rest>.*)$")
_METADATA = re.compile(r'\s*(?P<key>[A-Za-z_][\w-]*)=(?P<value>"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+)')



@dataclass
class SourceCell:
    """One cell of the source: its kind, text, metadata and first line number (1-based)."""

    kind: str  # "code" or "markdown"
    lines: list[str]
    metadata: dict = field(default_factory=dict)
    line: int = 0


def _parse_metadata(text: str, line: int) -> tuple[str, dict]:
    text = text.strip()
    kind = "code"
    if text.startswith("[markdown]"):
        kind, text = "markdown", text[len("[markdown]"):]
    elif text.startswith("["):
        raise BuildError(f"line {line}: only [markdown] cells are supported, got {text!r}")
    metadata = {}
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _METADATA.match(text, position)
        if not match:
            raise BuildError(f"line {line}: cannot read cell metadata {text[position:]!r} (expected key=JSON)")
        try:
            metadata[match["key"]] = json.loads(match["value"])
        except json.JSONDecodeError as error:
            raise BuildError(f"line {line}: metadata {match['key']} is not JSON: {error}") from None
        position = match.end()
    return kind, metadata


def parse_percent(text: str) -> list[SourceCell]:
    """Cells of a percent-format script (the header before the first ``# %%`` is skipped).

    Raises
    ------
    BuildError
        Text before the first cell that is not a comment, a markdown line that is not a comment,
        or unreadable metadata.
    """
    cells: list[SourceCell] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            kind, metadata = _parse_metadata(header["rest"], number)
            cells.append(SourceCell(kind, [], metadata, number))
            continue
        if not cells:
            if raw.strip() and not raw.startswith("#"):
                raise BuildError(f"line {number}: code before the first '# %%' cell marker")
            continue
        cells[-1].lines.append(raw)
    for cell in cells:
        while cell.lines and not cell.lines[-1].strip():
            cell.lines.pop()
        while cell.lines and not cell.lines[0].strip():
            cell.lines.pop(0)
        if cell.kind == "markdown":
            text_lines = []
            for offset, raw in enumerate(cell.lines, start=1):
                if raw == "#":
                    text_lines.append("")
                elif raw.startswith("# "):
                    text_lines.append(raw[2:])
                else:
                    raise BuildError(f"line {cell.line + offset}: markdown lines must start with '# ' (got {raw!r})")
            cell.lines = text_lines
    return cells


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def count_code_lines(lines: list[str]) -> int:
    """Logical lines of code (a statement continued over several lines counts once).

    Blank lines and comments do not count. Falls back to counting physical code lines when the
    region cannot be tokenised on its own.
    """
    source = textwrap.dedent("\n".join(lines)) + "\n"
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return sum(_is_code(line) for line in lines)
    return sum(1 for token in tokens if token.type == tokenize.NEWLINE)


def count_hint(n: int) -> str:
    """The hint line text: ``(≈ 1 line of code)``, ``(≈ 3 lines of code)``."""
    return f"(≈ {n} line{'s' if n != 1 else ''} of code)"


def render_code(lines: list[str], variant: str, *, first_line: int = 0) -> list[str]:
    """One code cell for ``variant`` ("student" or "solution"): solution regions replaced or marked."""
    out: list[str] = []
    region: list[str] | None = None
    indent = ""
    begin_line = 0
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if stripped == BEGIN:
            if region is not None:
                raise BuildError(f"line {first_line + offset}: {BEGIN} inside another solution region")
            region, indent, begin_line = [], line[: len(line) - len(line.lstrip())], first_line + offset
            continue
        if stripped == END:
            if region is None:
                raise BuildError(f"line {first_line + offset}: {END} without {BEGIN}")
            hints = [r.strip()[len(HINT):].strip() for r in region if r.strip().startswith(HINT)]
            code = [r for r in region if not r.strip().startswith(HINT)]
            n = count_code_lines(code)
            if n == 0:
                raise BuildError(f"line {begin_line}: solution region holds no code")
            out.append(f"{indent}# {count_hint(n)}")
            if variant == "student":
                out.extend(f"{indent}# {hint}" if hint else f"{indent}#" for hint in hints)
                out.extend([f"{indent}{STARTS}", "", f"{indent}{ENDS}"])
            else:
                out.extend([f"{indent}{STARTS}", *code, f"{indent}{ENDS}"])
            region = None
            continue
        if region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise BuildError(f"line {begin_line}: {BEGIN} without {END}")
    return out


def build_notebook(cells: list[SourceCell], variant: str) -> dict:
    """The notebook (as an nbformat node) of one variant, without outputs."""
    import nbformat  # here, as in render: nbformat loads jsonschema (heavy); only rendering needs it

    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": dict(LANGUAGE_INFO),
        "speechmusic": {"generated_from": SOURCE.as_posix(), "variant": variant},
    }
    for index, cell in enumerate(cells):
        metadata = dict(cell.metadata)
        only = metadata.pop("only", None)
        if only is not None and only not in VARIANTS:
            raise BuildError(f"line {cell.line}: only= must be one of {VARIANTS}, got {only!r}")
        if only is not None and only != variant:
            continue
        cell_id = f"cell-{index:03d}"
        if cell.kind == "markdown":
            if any(line.strip() in (BEGIN, END) for line in cell.lines):
                raise BuildError(f"line {cell.line}: solution markers are only allowed in code cells")
            new = nbformat.v4.new_markdown_cell("\n".join(cell.lines), id=cell_id, metadata=metadata)
        else:
            source = "\n".join(render_code(cell.lines, variant, first_line=cell.line + 1))
            try:
                compile(source, f"<{variant} cell {index} (source line {cell.line})>", "exec")
            except SyntaxError as error:
                raise BuildError(f"line {cell.line}: the {variant} version of this cell is not valid Python: {error}") from None
            new = nbformat.v4.new_code_cell(source, id=cell_id, metadata=metadata)
        notebook.cells.append(new)
    notebook.metadata["speechmusic"][DIGEST_KEY] = cells_digest(notebook)
    nbformat.validate(notebook)
    return notebook


def render(source_text: str) -> dict[str, str]:
    """The text of each notebook (``{"student": ..., "solution": ...}``) built from the source text."""
    import nbformat  # heavy, see build_notebook

    cells = parse_percent(source_text)
    return {variant: nbformat.writes(build_notebook(cells, variant)) + "\n" for variant in VARIANTS}


def _without_exercise_code(source: str) -> str:
    """``source`` with the lines between each ``# YOUR CODE STARTS HERE`` and ``# YOUR CODE ENDS HERE`` removed."""
    kept, inside = [], False
    for line in source.splitlines():
        if line.strip() == STARTS:
            inside = True
        elif line.strip() == ENDS:
            inside = False
        elif inside:
            continue
        kept.append(line)
    return "\n".join(kept)


def cell_contents(notebook: dict, *, exercise_code: bool = True) -> list[list]:
    """What the build decides about each cell: ``[cell type, source, tags]``, in order.

    Everything else (outputs, execution counts, cell ids and other metadata, notebook metadata)
    is left out: Jupyter changes it when a notebook is merely opened, run or saved. With
    ``exercise_code=False`` the code between the exercise markers is left out too (a learner's).
    """
    contents = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if not exercise_code and cell.get("cell_type") == "code":
            source = _without_exercise_code(source)
        metadata = cell.get("metadata") or {}
        contents.append([cell.get("cell_type"), source, list(metadata.get("tags", []))])
    return contents


def cells_digest(notebook: dict) -> str:
    """SHA-256 of :func:`cell_contents` (what the build records in each notebook it writes)."""
    text = json.dumps(cell_contents(notebook), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recorded_digest(notebook: dict) -> str | None:
    """The digest the build recorded when it wrote ``notebook`` (None for older builds)."""
    metadata = notebook.get("metadata") or {}
    value = (metadata.get("speechmusic") or {}).get(DIGEST_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else None


def exercise_regions(notebook: dict) -> list[list[str]]:
    """The code between each ``# YOUR CODE STARTS HERE`` and ``# YOUR CODE ENDS HERE`` (blank lines dropped)."""
    regions: list[list[str]] = []
    for kind, source, _ in cell_contents(notebook):
        if kind != "code":
            continue
        current = None
        for line in source.splitlines():
            if line.strip() == STARTS:
                current = []
            elif line.strip() == ENDS and current is not None:
                regions.append(current)
                current = None
            elif current is not None and line.strip():
                current.append(line.rstrip())
    return regions


#: What :func:`notebook_state` can say about a notebook on disk, compared with a fresh build.
STATES = {
    "missing": "does not exist",
    "current": "up to date",
    "edited": "up to date; it holds your edits, left untouched",
    "outdated": "differs from a fresh build",
    "worked": "holds your own edits and differs from a fresh build",
    "unreadable": "is not a notebook the build can read",
}


def notebook_state(existing: bytes | None, fresh: dict) -> str:
    """Compare a notebook file's bytes with the freshly built ``fresh`` notebook; one of :data:`STATES`.

    ``current``: same cells. ``edited``: cells changed since the build wrote it from the current
    source (someone's work; nothing to update). ``outdated``: untouched since a build from another
    version of the source (safe to replace). ``worked``: edited *and* from another version (never
    replaced without a backup). ``unreadable``: not JSON or not a notebook (never replaced either).
    """
    if existing is None:
        return "missing"
    try:
        notebook = json.loads(existing.decode("utf-8"))
        contents = cell_contents(notebook)
    except (UnicodeDecodeError, ValueError, AttributeError, TypeError):
        return "unreadable"
    if contents == cell_contents(fresh):
        return "current"
    recorded = recorded_digest(notebook)
    if recorded is not None:
        if recorded == recorded_digest(fresh):
            return "edited"
        return "outdated" if recorded == cells_digest(notebook) else "worked"
    # Written before builds recorded a digest: judge by the exercise regions alone.
    return "outdated" if exercise_regions(notebook) == exercise_regions(fresh) else "worked"


def in_sync_but_exercises(existing: bytes | None, fresh: dict) -> bool:
    """True when a notebook file has the fresh build's cells, whatever code is between the exercise markers.

    What CI checks of the committed notebooks (``--check --ignore-exercise-code``): a learner's
    answers, outputs and Jupyter's metadata never make it fail; any other difference from the
    source does.
    """
    if existing is None:
        return False
    try:
        notebook = json.loads(existing.decode("utf-8"))
        return cell_contents(notebook, exercise_code=False) == cell_contents(fresh, exercise_code=False)
    except (UnicodeDecodeError, ValueError, AttributeError, TypeError):
        return False


def find_root(start: Path | None = None) -> Path:
    """The repository to build in: ``start`` (default: the current folder) or the first folder above it with the source.

    Raises
    ------
    BuildError
        No such folder (the message says to run in the repository or pass ``--root``).
    """
    start = Path.cwd() if start is None else Path(start)
    for folder in (start, *start.parents):
        if (folder / SOURCE).is_file():
            return folder
    raise BuildError(f"{SOURCE.as_posix()} is not in {start} or any folder above it: run this command in the "
                     f"repository folder (cd into your clone of speechmusic), or pass --root FOLDER")


def backup_path(path: Path, now: float | None = None) -> Path:
    """A free name beside ``path`` for a copy of it: ``<stem>.backup-YYYYmmdd-HHMMSS[-N].ipynb``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return unique_path(path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}"))


def read_notebook_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when there is none."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def has_outputs(data: bytes) -> bool:
    """True when a notebook holds outputs or execution counts (someone ran it)."""
    notebook = json.loads(data.decode("utf-8"))
    return any(cell.get("outputs") or cell.get("execution_count") for cell in notebook.get("cells", []))


if __name__ == "__main__":
    # The command's parser and entry point live in the command-line layer, which this teaching
    # module may not import (tests/test_layers.py): say where it is instead of silently doing nothing.
    print(f"error: the notebook build is run as {COMMAND}", file=sys.stderr)
    sys.exit(2)
