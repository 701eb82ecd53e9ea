"""Build the lab's two notebooks from one source: ``python -m speechmusic.lab.build [--check]``.

The source, ``lab/audio_classification_logreg.py``, is a jupytext "percent" script (it opens as a
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
notebook only. The output is deterministic: ``--check`` rebuilds in memory and exits 1 when the
committed notebooks differ.

The script never overwrites a notebook that has outputs (a sign someone worked in it) unless
given ``--force``.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import textwrap
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = Path("lab") / "audio_classification_logreg.py"
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


class BuildError(ValueError):
    """The source does not follow the expected format; the message names the line."""


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
    nbformat.validate(notebook)
    return notebook


def render(source_text: str) -> dict[str, str]:
    """The text of each notebook (``{"student": ..., "solution": ...}``) built from the source text."""
    import nbformat

    cells = parse_percent(source_text)
    return {variant: nbformat.writes(build_notebook(cells, variant)) + "\n" for variant in VARIANTS}


def default_root() -> Path:
    """The repository folder: the one holding the source, above this file (editable install) or the cwd."""
    for candidate in (Path(__file__).resolve().parents[3], Path.cwd()):
        if (candidate / SOURCE).is_file():
            return candidate
    return Path.cwd()


def _has_outputs(path: Path) -> bool:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(cell.get("outputs") or cell.get("execution_count") for cell in notebook.get("cells", []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m speechmusic.lab.build",
        description="Write the student and solution notebooks from lab/audio_classification_logreg.py.",
    )
    parser.add_argument("--root", type=Path, default=None, help="repository folder (default: found automatically)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the committed notebooks differ from a fresh build")
    parser.add_argument("--force", action="store_true", help="overwrite notebooks even if they hold outputs")
    args = parser.parse_args(argv)

    root = args.root if args.root is not None else default_root()
    source = root / SOURCE
    try:
        texts = render(source.read_text(encoding="utf-8"))
    except OSError as error:
        print(f"error: cannot read {source}: {error.strerror or error}", file=sys.stderr)
        return 2
    except BuildError as error:
        print(f"error: {source}: {error}", file=sys.stderr)
        return 2

    stale = []
    for variant, relative in TARGETS.items():
        path = root / relative
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == texts[variant]:
            print(f"{relative}: up to date")
            continue
        if args.check:
            stale.append(relative)
            print(f"{relative}: {'missing' if current is None else 'differs from a fresh build'}")
            continue
        if current is not None and _has_outputs(path) and not args.force:
            print(f"error: {relative} has outputs (someone ran it); not overwriting it. "
                  "Clear its outputs, move it away, or pass --force.", file=sys.stderr)
            return 2
        from ..fileio import write_text

        write_text(path, texts[variant], overwrite=True)
        print(f"{relative}: written")
    if stale:
        print(f"{len(stale)} notebook(s) out of date: run python -m speechmusic.lab.build", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
