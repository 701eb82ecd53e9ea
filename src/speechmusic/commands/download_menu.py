"""``download_samples.py``: the lab's menu for getting data, and its non-interactive form.

Interactive (a terminal on stdin, no ``--source``)::

    .venv/bin/python download_samples.py

shows the menu (:mod:`speechmusic.teaching.download_menu_texts`), checks within a few seconds whether
the download hosts answer (offline, it says so and Enter picks the offline synthetic dataset
instead of the quick start), and runs the chosen entry. Scripts and tests use::

    .venv/bin/python download_samples.py --source synthetic|librispeech|gtzan|musan|pitchshift|real-world|quickstart \\
        --data-dir D --train N --test N

with the same options as ``speechmusic download``. Without a terminal and without ``--source``
nothing waits for input that can never come: one explanation (with the sources to pass as
``--source``) goes to stderr, the menu is not printed, and the exit code is 2.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from typing import TextIO

from speechmusic.commands.common import HelpFormatter, run_guarded
from speechmusic.commands.download import EXAMPLES, add_download_arguments
from speechmusic.commands.download import run as run_download
from speechmusic.data.dataset import resolve_data_dir
from speechmusic.data.sources import source_addresses
from speechmusic.data.sources.probe import PROBE_TIMEOUT, probe_network
from speechmusic.teaching.download_menu_texts import (
    DEFAULT_CHOICE,
    MENU,
    NON_INTERACTIVE_HINT,
    OFFLINE_CHOICE,
    OFFLINE_NOTICE,
    REAL_MUSIC_INSTRUCTIONS,
    SYNTHETIC_COMMAND,
    TEXT_WIDTH,
    menu_text,
)

__all__ = ["main", "build_parser", "check_network"]


def _help_epilog() -> str:
    menu = textwrap.wrap(f"menu (without --source, in a terminal; Enter picks {DEFAULT_CHOICE}, or {OFFLINE_CHOICE} "
                         f"when no download host answers within {PROBE_TIMEOUT:g} s):", width=TEXT_WIDTH)
    for key, entry in MENU.items():
        runs = f"--source {entry.source}" if entry.source else "prints instructions, downloads nothing"
        menu += textwrap.wrap(f"{entry.label}. Size: {entry.size}. Runs: {runs}", width=TEXT_WIDTH,
                              initial_indent=f"  {key}) ", subsequent_indent="     ")
    examples = EXAMPLES.replace(".venv/bin/speechmusic download", ".venv/bin/python download_samples.py")
    return "\n".join(menu) + "\n\n" + examples


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="download_samples.py",
        description="Get speech and music clips for the lab into DATA_DIR/{train,test}/{speech,music}/:\n"
                    "a menu when run in a terminal without --source, else the source named by --source.",
        epilog=_help_epilog(),
        formatter_class=HelpFormatter,
    )
    add_download_arguments(parser, source_required=False)
    return parser


def _ask(prompt: str, input_fn: Callable[[str], str]) -> str | None:
    try:
        return input_fn(prompt).strip().lower()
    except EOFError:
        return None


def check_network(args: argparse.Namespace, probe: Callable | None = None):
    """Ask the hosts the online entries would use whether they answer (see :func:`probe_network`)."""
    probe = probe or probe_network
    return probe(source_addresses("quickstart", url=args.url, mirror=args.mirror))


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None,
         input_fn: Callable[[str], str] = input, probe: Callable | None = None) -> int:
    """Entry point of ``download_samples.py``; returns the exit code.

    ``probe`` (addresses -> :class:`~speechmusic.data.sources.probe.ProbeResult`) replaces the network
    check of the interactive menu.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    stdin = stdin if stdin is not None else sys.stdin
    data_dir = resolve_data_dir(args.data_dir)

    if args.source is None:
        interactive = stdin is not None and hasattr(stdin, "isatty") and stdin.isatty()
        if not interactive:  # the hint lists the sources; a menu that cannot be answered is not printed
            print(NON_INTERACTIVE_HINT.format(data_dir=data_dir), file=sys.stderr)
            return 2
        print(menu_text(data_dir))
        print("Checking the network ...", end=" ", flush=True)
        network = check_network(args, probe)
        print(network.describe() + ".")
        default = DEFAULT_CHOICE
        if not network.reachable:
            print(OFFLINE_NOTICE.format(command=SYNTHETIC_COMMAND))
            default = OFFLINE_CHOICE
        while True:
            choice = _ask(f"Choice [{default}]: ", input_fn)
            if choice is None or choice in ("q", "quit", "exit"):
                print("nothing downloaded")
                return 0 if choice is not None else 1
            choice = choice or default
            if choice not in MENU:
                print(f"please answer one of {', '.join(MENU)} or q")
                continue
            online = MENU[choice].source not in (None, "synthetic")
            if online and not network.reachable:
                answer = _ask("The download hosts did not answer a moment ago. Try anyway (files already in the "
                              "download cache need no network)? [y/N] ", input_fn)
                if answer not in ("y", "yes"):
                    print(f"Not downloading. Choose {OFFLINE_CHOICE} for the offline synthetic dataset, or q.")
                    continue
            break
        entry = MENU[choice]
        if entry.source is None:
            print(REAL_MUSIC_INSTRUCTIONS.format(data_dir=data_dir))
            return 0
        if entry.source == "pitchshift":
            print("Note: this 'music' is pitch-shifted speech, not music. Use it to see why a model trained "
                  "on it fails on real music; for real music choose 3.")
        if entry.source == "synthetic":  # address options were given for the online entries
            args.url = args.mirror = args.archive = args.sha256 = None
        args.source = entry.source
        print(f"{entry.label}\n-> {args.train} training and {args.test} test clips per class into {data_dir}")

    return run_guarded(lambda: run_download(args),
                       interrupted="interrupted: nothing from the interrupted source was kept")
