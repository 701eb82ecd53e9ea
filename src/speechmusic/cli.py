"""Command line: ``speechmusic <command> ...`` (also ``python -m speechmusic``).

Each command lives in its own module under :mod:`speechmusic.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a ``run(args) -> int``.
Errors the package raises on purpose are printed as one line (``error: ...``) with exit code 2;
``--debug`` shows the full traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from speechmusic import __version__
from speechmusic.core.errors import SpeechMusicError

#: Command modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "demo",
    "prepare",
    "download",
    "train",
    "evaluate",
    "predict",
    "segment",
    "grade",
    "check",
    "build_model",
)


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the examples in descriptions as written and shows meaningful defaults.

    Options whose default is None, False or empty, or whose help already names the default, are
    shown without a "(default: ...)" suffix; numbers are shown as written (600, not 600.0).
    """

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if default is None or default is False or default == "" or default is argparse.SUPPRESS or "default" in text or (
            default is True and action.const is False  # a --no-X switch
        ):
            return text
        if isinstance(default, float):
            return f"{text} (default: {default:g})"
        return super()._get_help_string(action)


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
    for name in COMMAND_MODULES:
        importlib.import_module(f".commands.{name}", __package__).register(subparsers)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``speechmusic`` console script. Returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not args.debug:
        warnings.showwarning = _show_warning
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (SpeechMusicError, OSError) as error:  # OSError: disk full, permissions, a file that exists ...
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
