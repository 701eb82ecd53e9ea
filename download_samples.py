"""Get speech and music clips for the lab.

    .venv/bin/python download_samples.py                 # menu (in a terminal)
    .venv/bin/python download_samples.py --source quickstart --data-dir data --train 60 --test 20
    .venv/bin/python download_samples.py --source synthetic  --data-dir data     # offline
    .venv/bin/python download_samples.py --help          # every option, its default, the menu

The menu: 1 speech from LibriSpeech, 2 test music (pitch-shifted speech, NOT real music),
3 quick start (LibriSpeech speech + real music: GTZAN, or the real-world set's music), 4 how to
add your own music, 5 the offline synthetic dataset, 6 the real-world set (real speech and music
from 29 public repositories). Offline, the menu says so within a few seconds and Enter picks 5.
Everything lives in ``speechmusic.download_menu`` and ``speechmusic.sources``; sizes and licences
are in docs/data-sources.md.
"""

import sys
from pathlib import Path

try:
    from speechmusic.download_menu import main
except ModuleNotFoundError as error:  # a fresh clone without `pip install -e .`
    if error.name != "speechmusic":
        raise
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    from speechmusic.download_menu import main

if __name__ == "__main__":
    sys.exit(main())
