"""``download_samples.py``: the lab's menu for getting data, and its non-interactive form.

Interactive (a terminal on stdin, no ``--source``)::

    .venv/bin/python download_samples.py

shows the menu below, checks within a few seconds whether the download hosts answer (offline,
it says so and Enter picks the offline synthetic dataset instead of the quick start), and runs
the chosen entry. Scripts and tests use::

    .venv/bin/python download_samples.py --source synthetic|librispeech|gtzan|musan|pitchshift|real-world|quickstart \\
        --data-dir D --train N --test N

with the same options as ``speechmusic download``. Without a terminal and without ``--source``
the menu is printed with an explanation and the exit code is 2: nothing waits for input that can
never come.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import warnings
from dataclasses import dataclass
from typing import Callable, TextIO

from speechmusic.core.errors import SpeechMusicError


@dataclass(frozen=True)
class MenuEntry:
    """One line of the menu: what it offers, the source it runs (None: instructions), what it downloads."""

    label: str
    source: str | None
    size: str


#: Menu entries by key.
MENU = {
    "1": MenuEntry("Speech from LibriSpeech (real read English, CC BY 4.0)", "librispeech",
                   "streams about half of a 322 MiB archive"),
    "2": MenuEntry("Test music: pitch-shifted LibriSpeech speech -- NOT real music, the original lab's fallback; "
                   "a model trained on it learns pitch, not music", "pitchshift",
                   "streams about half of a 331 MiB archive"),
    "3": MenuEntry("Quick start: LibriSpeech speech + real music (GTZAN, or the real-world set's music if GTZAN "
                   "is unreachable)", "quickstart",
                   "1's download + the 283 MiB GTZAN archive, or + up to 54 music files of 29 MiB or more"),
    "4": MenuEntry("Instructions for adding real music of your own", None, "no download"),
    "5": MenuEntry("Offline: build the synthetic dataset", "synthetic", "no download, under a minute"),
    "6": MenuEntry("Real-world set: real speech in 16 languages (telephone, noisy, far-field) and real music of "
                   "many styles from 29 public repositories, openly licensed", "real-world",
                   "up to 113 files, 61 MiB or more"),
}
DEFAULT_CHOICE = "3"
#: What Enter picks when the download hosts did not answer.
OFFLINE_CHOICE = "5"

REAL_MUSIC_INSTRUCTIONS = """\
Adding real music of your own
-----------------------------
1. Collect recordings you may use: your own, or openly licensed music (Free Music Archive,
   Jamendo, Musopen, Wikimedia Commons, ccMixter; check each track's licence). Any format the lab
   reads works: wav, flac, ogg, mp3, aiff.
2. Keep training and test music apart by recording AND by artist or album: clips of one song in
   both splits make the test score meaningless.
3. Convert them into 3-s clips in the dataset layout (sources are only read, never changed):
     .venv/bin/speechmusic prepare --from-folder ~/Music/train-songs --label music --split train --data-dir {data_dir}
     .venv/bin/speechmusic prepare --from-folder ~/Music/test-songs  --label music --split test  --data-dir {data_dir} \\
         --max-clips-per-file 5 --licence "CC BY 4.0, artist names"
   (add --max-clips-per-file K so one long track does not dominate). Running it twice adds nothing.
4. Check the result: .venv/bin/python test_setup.py --data-dir {data_dir}
More sources, sizes and licences: docs/data-sources.md
"""

SYNTHETIC_COMMAND = ".venv/bin/python download_samples.py --source synthetic"


#: Width menu lines are wrapped to.
TEXT_WIDTH = 100


def menu_lines() -> list[str]:
    """The menu entries as printed, wrapped to :data:`TEXT_WIDTH` columns."""
    lines = []
    for key, entry in MENU.items():
        lines += textwrap.wrap(f"{entry.label} [{entry.size}]", width=TEXT_WIDTH, initial_indent=f"  {key}) ",
                               subsequent_indent="     ")
    return lines + ["  q) Quit"]


def menu_text(data_dir) -> str:
    return "\n".join([f"Get data for the speech/music lab (into {data_dir}):", "", *menu_lines(), ""])


NON_INTERACTIVE_HINT = """\
stdin is not a terminal, so the menu cannot ask. Choose a source with --source, for example:
  .venv/bin/python download_samples.py --source quickstart --data-dir {data_dir} --train 60 --test 20
  .venv/bin/python download_samples.py --source synthetic  --data-dir {data_dir} --train 60 --test 20   (offline)
Sources: synthetic, librispeech, gtzan, musan, pitchshift, real-world, quickstart  (.venv/bin/python download_samples.py --help)"""

OFFLINE_NOTICE = """\
You seem to be offline: options 1, 2, 3 and 6 need the internet. Press Enter for 5, the offline
synthetic dataset (the same as: {command})."""


def _help_epilog() -> str:
    from speechmusic.commands.download import EXAMPLES
    from speechmusic.data.sources.download import PROBE_TIMEOUT

    menu = textwrap.wrap(f"menu (without --source, in a terminal; Enter picks {DEFAULT_CHOICE}, or {OFFLINE_CHOICE} "
                         f"when no download host answers within {PROBE_TIMEOUT:g} s):", width=TEXT_WIDTH)
    for key, entry in MENU.items():
        runs = f"--source {entry.source}" if entry.source else "prints instructions, downloads nothing"
        menu += textwrap.wrap(f"{entry.label}. Size: {entry.size}. Runs: {runs}", width=TEXT_WIDTH,
                              initial_indent=f"  {key}) ", subsequent_indent="     ")
    examples = EXAMPLES.replace(".venv/bin/speechmusic download", ".venv/bin/python download_samples.py")
    return "\n".join(menu) + "\n\n" + examples


def build_parser() -> argparse.ArgumentParser:
    from speechmusic.cli import HelpFormatter
    from speechmusic.commands.download import add_download_arguments

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
    from speechmusic.data.sources import source_addresses
    from speechmusic.data.sources.download import probe_network

    probe = probe or probe_network
    return probe(source_addresses("quickstart", url=args.url, mirror=args.mirror))


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None,
         input_fn: Callable[[str], str] = input, probe: Callable | None = None) -> int:
    """Entry point of ``download_samples.py``; returns the exit code.

    ``probe`` (addresses -> :class:`~speechmusic.data.sources.download.ProbeResult`) replaces the network
    check of the interactive menu.
    """
    from speechmusic.commands.download import run as run_download
    from speechmusic.data.dataset import resolve_data_dir

    parser = build_parser()
    args = parser.parse_args(argv)
    stdin = stdin if stdin is not None else sys.stdin
    data_dir = resolve_data_dir(args.data_dir)

    if args.source is None:
        print(menu_text(data_dir))
        interactive = stdin is not None and hasattr(stdin, "isatty") and stdin.isatty()
        if not interactive:
            print(NON_INTERACTIVE_HINT.format(data_dir=data_dir), file=sys.stderr)
            return 2
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

    previous, warnings.showwarning = warnings.showwarning, _show_warning
    try:
        return run_download(args)
    except KeyboardInterrupt:
        print("interrupted: nothing from the interrupted source was kept", file=sys.stderr)
        return 130
    except (SpeechMusicError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        warnings.showwarning = previous


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)
