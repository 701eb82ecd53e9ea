"""``speechmusic check`` and ``test_setup.py``: is the lab ready? (the checklist is
:mod:`speechmusic.teaching.setup_checklist`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from speechmusic.commands.common import HelpFormatter, counted
from speechmusic.core.config import DATA_ENV_VAR
from speechmusic.teaching.setup_checklist import FAIL, WARN, run_checks

__all__ = ["register", "run", "main", "build_parser", "add_arguments", "EPILOG"]


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check that the lab is ready (same checklist as test_setup.py)",
        description=(
            "Check that the lab is ready: Python and packages, audio decoding, the data folders and\n"
            "their file counts and clip lengths, then the loaded arrays' shapes and value range."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def main(argv: list[str] | None = None, *, prog: str = "speechmusic check") -> int:
    """Command-line entry shared by ``test_setup.py`` and ``speechmusic check``; returns the exit code."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except BrokenPipeError:  # a reader that stops early (`... | head`) is not an error of the lab
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


EPILOG = f"""\
examples:
  .venv/bin/python test_setup.py
  .venv/bin/python test_setup.py --data-dir ~/lab-data
  .venv/bin/speechmusic check --no-features          # skip loading the dataset (faster)
  .venv/bin/speechmusic check --json

Exit code 0 when the lab is ready (no FAIL line), 1 otherwise. The data folder defaults to
${DATA_ENV_VAR}, else ./data.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DATA_DIR",
                        help=f"dataset folder (default: ${DATA_ENV_VAR} or ./data)")
    parser.add_argument("--no-features", action="store_true", help="do not load the dataset (skip shape and value checks)")
    parser.add_argument("--json", action="store_true", help="print the checklist as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Check that the lab is ready: packages, audio decoding, data folders, clip lengths, shapes, values.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter  # test_setup.py's help as it was,
    )
    add_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the checklist as the command line asked; print it; return 0 when ready, else 1."""
    echo = None if args.json else print
    if echo:
        print("speechmusic lab setup check")
    results = run_checks(args.data_dir, load_features=not args.no_features, echo=echo, progress=not args.quiet and not args.json)
    failures = [r for r in results if r.status == FAIL]
    warnings_ = [r for r in results if r.status == WARN]
    if args.json:
        json.dump({"ready": not failures, "checks": [asdict(r) for r in results]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif failures:
        print(f"\nNOT READY: {counted(len(failures), 'problem')} to fix "
              f"(see the FAIL lines above)" + (f", {counted(len(warnings_), 'warning')}" if warnings_ else ""))
    else:
        print("\nREADY: the lab is set up" + (f" ({counted(len(warnings_), 'warning')} above)" if warnings_ else "")
              + ". Open the notebook: .venv/bin/jupyter lab audio_classification_logreg.ipynb")
    return 1 if failures else 0
