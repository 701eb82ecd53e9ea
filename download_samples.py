"""Get speech and music clips for the lab.

    python download_samples.py                 # menu (in a terminal)
    python download_samples.py --source quickstart --data-dir data --train 60 --test 20
    python download_samples.py --source synthetic  --data-dir data     # offline

The menu: 1 speech from LibriSpeech, 2 test music (pitch-shifted speech, NOT real music),
3 quick start (LibriSpeech speech + real music), 4 how to add your own music, 5 the offline
synthetic dataset. Everything lives in ``speechmusic.download_menu`` and ``speechmusic.sources``;
sizes and licences are in the README, "Getting data".
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
