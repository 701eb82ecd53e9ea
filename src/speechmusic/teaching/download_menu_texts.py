"""The lab's menu for getting data: its entries and texts (the menu itself runs in
:mod:`speechmusic.commands.download_menu`, the entry of ``download_samples.py``).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

__all__ = ["MenuEntry", "MENU", "DEFAULT_CHOICE", "OFFLINE_CHOICE", "REAL_MUSIC_INSTRUCTIONS", "SYNTHETIC_COMMAND",
           "TEXT_WIDTH", "NON_INTERACTIVE_HINT", "OFFLINE_NOTICE", "menu_lines", "menu_text"]


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
