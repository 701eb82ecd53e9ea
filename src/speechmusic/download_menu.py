"""``download_samples.py``: the lab's menu for getting data, and its non-interactive form.

Interactive (a terminal on stdin, no ``--source``)::

    python download_samples.py

shows the menu below and runs the chosen entry. Scripts and tests use::

    python download_samples.py --source synthetic|librispeech|gtzan|musan|pitchshift|quickstart \\
        --data-dir D --train N --test N

with the same options as ``speechmusic download``. Without a terminal and without ``--source``
the menu is printed with an explanation and the exit code is 2: nothing waits for input that can
never come.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Callable, TextIO

from .errors import SpeechMusicError

#: Menu entries: key -> (label shown, source run, or None for the instructions).
MENU = {
    "1": ("Speech from LibriSpeech (real read English, CC BY 4.0; streams part of a 322 MiB archive)", "librispeech"),
    "2": ("Test music: pitch-shifted LibriSpeech speech -- NOT real music, the original lab's fallback; "
          "a model trained on it learns pitch, not music", "pitchshift"),
    "3": ("Quick start: LibriSpeech speech + real music (GTZAN, or MUSAN if GTZAN is unreachable)", "quickstart"),
    "4": ("Instructions for adding real music of your own", None),
    "5": ("Offline: build the synthetic dataset (no download, about a minute)", "synthetic"),
}
DEFAULT_CHOICE = "3"

REAL_MUSIC_INSTRUCTIONS = """\
Adding real music of your own
-----------------------------
1. Collect recordings you may use: your own, or openly licensed music (Free Music Archive,
   Jamendo, Musopen, Wikimedia Commons, ccMixter; check each track's licence). Any format the lab
   reads works: wav, flac, ogg, mp3, aiff.
2. Keep training and test music apart by recording AND by artist or album: clips of one song in
   both splits make the test score meaningless.
3. Convert them into 3-s clips in the dataset layout (sources are only read, never changed):
     speechmusic prepare --from-folder ~/Music/train-songs --label music --split train --data-dir {data_dir}
     speechmusic prepare --from-folder ~/Music/test-songs  --label music --split test  --data-dir {data_dir} \\
         --max-clips-per-file 5 --licence "CC BY 4.0, artist names"
   (add --max-clips-per-file K so one long track does not dominate). Running it twice adds nothing.
4. Check the result: python test_setup.py --data-dir {data_dir}
More sources, sizes and licences: the README, "Getting data"
"""


def menu_text(data_dir) -> str:
    lines = [f"Get data for the speech/music lab (into {data_dir}):", ""]
    for key, (label, _) in MENU.items():
        lines.append(f"  {key}) {label}")
    lines += ["  q) Quit", ""]
    return "\n".join(lines)


NON_INTERACTIVE_HINT = """\
stdin is not a terminal, so the menu cannot ask. Choose a source with --source, for example:
  python download_samples.py --source quickstart --data-dir {data_dir} --train 60 --test 20
  python download_samples.py --source synthetic  --data-dir {data_dir} --train 60 --test 20   (offline)
Sources: synthetic, librispeech, gtzan, musan, pitchshift, quickstart  (python download_samples.py --help)"""


def build_parser() -> argparse.ArgumentParser:
    from .commands.download import EXAMPLES, add_download_arguments

    parser = argparse.ArgumentParser(
        prog="download_samples.py",
        description="Get speech and music clips for the lab: a menu when run in a terminal, or --source.",
        epilog=EXAMPLES.replace("speechmusic download", "python download_samples.py"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_download_arguments(parser, source_required=False)
    return parser


def _ask(prompt: str, input_fn: Callable[[str], str]) -> str | None:
    try:
        return input_fn(prompt).strip().lower()
    except EOFError:
        return None


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None,
         input_fn: Callable[[str], str] = input) -> int:
    """Entry point of ``download_samples.py``; returns the exit code."""
    from .commands.download import run as run_download
    from .dataset import resolve_data_dir

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
        while True:
            choice = _ask(f"Choice [{DEFAULT_CHOICE}]: ", input_fn)
            if choice is None or choice in ("q", "quit", "exit"):
                print("nothing downloaded")
                return 0 if choice is not None else 1
            choice = choice or DEFAULT_CHOICE
            if choice in MENU:
                break
            print(f"please answer one of {', '.join(MENU)} or q")
        label, source = MENU[choice]
        if source is None:
            print(REAL_MUSIC_INSTRUCTIONS.format(data_dir=data_dir))
            return 0
        if source == "pitchshift":
            print("Note: this 'music' is pitch-shifted speech, not music. Use it to see why a model trained "
                  "on it fails on real music; for real music choose 3.")
        args.source = source
        print(f"{label}\n-> {args.train} training and {args.test} test clips per class into {data_dir}")

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
