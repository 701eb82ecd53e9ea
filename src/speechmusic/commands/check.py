"""``speechmusic check``: is the lab ready? (the same checklist as ``python test_setup.py``)."""

from __future__ import annotations

import argparse

from speechmusic.cli import HelpFormatter
from speechmusic.teaching.setup_check import EPILOG, add_arguments, run_from_args


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


def run(args: argparse.Namespace) -> int:
    return run_from_args(args)
