"""Build the lab's two notebooks from one source: ``.venv/bin/python -m speechmusic.teaching.build``.

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
current build passes (a learner's notebook is not drift); ``--strict`` makes it fail too, for CI,
where the committed notebooks must be exactly what the build writes.
"""

from __future__ import annotations

import argparse
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
COMMAND = ".venv/bin/python -m speechmusic.teaching.build"

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
    import nbformat

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
    import nbformat

    cells = parse_percent(source_text)
    return {variant: nbformat.writes(build_notebook(cells, variant)) + "\n" for variant in VARIANTS}


def cell_contents(notebook: dict) -> list[list]:
    """What the build decides about each cell: ``[cell type, source, tags]``, in order.

    Everything else (outputs, execution counts, cell ids and other metadata, notebook metadata)
    is left out: Jupyter changes it when a notebook is merely opened, run or saved.
    """
    contents = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
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
    from speechmusic.core.fileio import unique_path

    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return unique_path(path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}"))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _has_outputs(data: bytes) -> bool:
    notebook = json.loads(data.decode("utf-8"))
    return any(cell.get("outputs") or cell.get("execution_count") for cell in notebook.get("cells", []))


def _refusal(relative: Path, state: str) -> str:
    what = ("holds your own edits (exercise code or other changed cells), and the lab source has changed "
            "since it was built" if state == "worked" else "cannot be read as a notebook")
    return (f"error: {relative} {what}; it was left untouched. To get the new notebook and keep yours, either\n"
            f"  rename yours (e.g. mv {relative} {relative.with_name('my_' + relative.name)}) and run this again, or\n"
            f"  run {COMMAND} --backup   (copies it to {relative.stem}.backup-<date>-<time>{relative.suffix} "
            f"beside it, then writes the new one)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND,
        description=("Write the student and solution notebooks from notebook_source/audio_classification_logreg.py, "
                     "in the repository of the current folder. A notebook with someone's edits is never "
                     "replaced: the build refuses, or with --backup keeps a timestamped copy beside it."),
    )
    parser.add_argument("--root", type=Path, default=None,
                        help="repository folder (default: the current folder or the first one above it "
                             "holding notebook_source/audio_classification_logreg.py)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook is missing or was built from another "
                             "version of the source (notebooks with a learner's edits on top of the current "
                             "build pass)")
    parser.add_argument("--strict", action="store_true",
                        help="with --check: also fail when a notebook's cells were edited after the build "
                             "(for CI, where the committed notebooks must be exactly the build's)")
    parser.add_argument("--backup", action="store_true",
                        help="before replacing a notebook that holds someone's edits, copy it to "
                             "<name>.backup-<date>-<time>.ipynb beside it")
    args = parser.parse_args(argv)

    try:
        root = args.root if args.root is not None else find_root()
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    source = root / SOURCE
    try:
        texts = render(source.read_text(encoding="utf-8"))
    except OSError as error:
        print(f"error: cannot read {source}: {error.strerror or error}", file=sys.stderr)
        return 2
    except BuildError as error:
        print(f"error: {source}: {error}", file=sys.stderr)
        return 2

    from speechmusic.core.fileio import write_bytes, write_text

    stale, refused = [], []
    for variant, relative in TARGETS.items():
        path = root / relative
        existing = _read(path)
        state = notebook_state(existing, json.loads(texts[variant]))
        if args.check:
            if state == "current" or (state == "edited" and not args.strict):
                print(f"{relative}: {STATES[state]}")
            else:
                stale.append(relative)
                print(f"{relative}: {'edited since it was built' if state == 'edited' else STATES[state]}")
            continue
        if state == "edited" or (state == "current" and (existing == texts[variant].encode("utf-8")
                                                          or _has_outputs(existing))):
            # Same cells: only Jupyter's bookkeeping or outputs differ, and outputs are kept.
            print(f"{relative}: {STATES[state]}")
            continue
        kept = None
        if state in ("worked", "unreadable"):
            if not args.backup:
                print(_refusal(relative, state), file=sys.stderr)
                refused.append(relative)
                continue  # the other notebook may still be updated
            kept = backup_path(path)
            write_bytes(kept, existing, overwrite=False)
        if _read(path) != existing:  # saved by Jupyter while we were deciding: decide again
            print(f"error: {relative} changed while the build was running; not written. Run it again.",
                  file=sys.stderr)
            refused.append(relative)
            continue
        write_text(path, texts[variant], overwrite=True)
        print(f"{relative}: written" + (f" (your version is kept as {kept.name})" if kept else ""))
    if stale:
        print(f"{len(stale)} notebook(s) out of date: run {COMMAND}", file=sys.stderr)
        return 1
    return 2 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
