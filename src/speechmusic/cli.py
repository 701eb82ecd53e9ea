"""Command line: ``speechmusic <command> ...`` (also ``python -m speechmusic``).

The entry point only: each command lives in its own module under :mod:`speechmusic.commands` and
exposes ``register(subparsers)``, which adds its parser and sets ``func`` to a ``run(args) -> int``.
Errors the package raises on purpose are printed as one line (``error: ...``) with exit code 2;
``--debug`` shows the full traceback instead (:func:`speechmusic.commands.common.run_guarded`).
Nothing in the package imports this module (``tests/test_layers.py`` checks it).
"""

from __future__ import annotations

import argparse
import sys

from speechmusic import __version__
from speechmusic.commands import (
    build_model,
    check,
    demo,
    download,
    evaluate,
    grade,
    listen,
    predict,
    prepare,
    segment,
    train,
)
from speechmusic.commands.common import HelpFormatter, run_guarded

__all__ = ["main", "build_parser", "COMMANDS"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS = (demo, prepare, download, train, evaluate, predict, segment, listen, grade, check, build_model)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="speechmusic",
        description="Tell speech from music with logistic regression built from scratch.",
        epilog=(
            "Run '.venv/bin/speechmusic COMMAND --help' for a command's options and examples; the full\n"
            "reference is docs/commands.md. Exit status: 0 on success, 2 on an error (one line on stderr,\n"
            "'error: ...'; --debug shows the traceback); predict, grade and check also use 1 (see their help)."
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"speechmusic {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``speechmusic`` console script. Returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_guarded(lambda: args.func(args), debug=args.debug)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
