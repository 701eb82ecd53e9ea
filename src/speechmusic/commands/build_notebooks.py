"""``.venv/bin/python -m speechmusic.commands.build_notebooks``: write the lab's two notebooks.

The command line of the notebook build (options, messages, the writing loop); the build itself
(parsing ``notebook_source/audio_classification_logreg.py``, rendering, judging an existing
notebook) is :mod:`speechmusic.teaching.build`, where the rules are described.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from speechmusic.commands.common import HelpFormatter
from speechmusic.core.errors import BuildError
from speechmusic.core.fileio import write_bytes, write_text
from speechmusic.teaching.build import (
    COMMAND,
    SOURCE,
    STATES,
    TARGETS,
    backup_path,
    find_root,
    has_outputs,
    in_sync_but_exercises,
    notebook_state,
    read_notebook_bytes,
    render,
)

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=COMMAND,
        description=(f"Write the student and solution notebooks from {SOURCE.as_posix()}, in the repository "
                     "of the current folder. A notebook with someone's edits is never replaced: the build "
                     "refuses, or with --backup keeps a timestamped copy beside it."),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--root", type=Path, default=None,
                        help="repository folder (default: the current folder or the first one above it "
                             f"holding {SOURCE.as_posix()})")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook is missing or was built from another "
                             "version of the source (notebooks with a learner's edits on top of the current "
                             "build pass)")
    parser.add_argument("--strict", action="store_true",
                        help="with --check: also fail when a notebook's cells were edited after the build "
                             "(for CI, where the committed notebooks must be exactly the build's)")
    parser.add_argument("--ignore-exercise-code", action="store_true",
                        help="with --check: compare every cell with a fresh build except the code between the "
                             "exercise markers (what CI runs: a learner's answers never fail it, any other "
                             "difference from the source does)")
    parser.add_argument("--backup", action="store_true",
                        help="before replacing a notebook that holds someone's edits, copy it to "
                             "<name>.backup-<date>-<time>.ipynb beside it")
    return parser


def _refusal(relative: Path, state: str) -> str:
    what = ("holds your own edits (exercise code or other changed cells), and the lab source has changed "
            "since it was built" if state == "worked" else "cannot be read as a notebook")
    return (f"error: {relative} {what}; it was left untouched. To get the new notebook and keep yours, either\n"
            f"  rename yours (e.g. mv {relative} {relative.with_name('my_' + relative.name)}) and run this again, or\n"
            f"  run {COMMAND} --backup   (copies it to {relative.stem}.backup-<date>-<time>{relative.suffix} "
            f"beside it, then writes the new one)")


def main(argv: list[str] | None = None) -> int:
    """Build (or with ``--check`` compare) both notebooks; returns the exit code (0, 1 stale, 2 refused/error)."""
    args = build_parser().parse_args(argv)
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

    stale, refused = [], []
    for variant, relative in TARGETS.items():
        path = root / relative
        existing = read_notebook_bytes(path)
        state = notebook_state(existing, json.loads(texts[variant]))
        if args.check and args.ignore_exercise_code:
            if in_sync_but_exercises(existing, json.loads(texts[variant])):
                print(f"{relative}: up to date (the code between the exercise markers not compared)")
            else:
                stale.append(relative)
                print(f"{relative}: {STATES['missing'] if existing is None else 'differs from a fresh build outside the exercise code'}")
            continue
        if args.check:
            if state == "current" or (state == "edited" and not args.strict):
                print(f"{relative}: {STATES[state]}")
            else:
                stale.append(relative)
                print(f"{relative}: {'edited since it was built' if state == 'edited' else STATES[state]}")
            continue
        if state == "edited" or (state == "current" and (existing == texts[variant].encode("utf-8")
                                                          or has_outputs(existing))):
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
        if read_notebook_bytes(path) != existing:  # saved by Jupyter while we were deciding: decide again
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
