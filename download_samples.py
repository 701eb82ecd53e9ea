"""Get speech and music clips for the lab.

    .venv/bin/python download_samples.py                 # menu (in a terminal)
    .venv/bin/python download_samples.py --source quickstart --data-dir data --train 60 --test 20
    .venv/bin/python download_samples.py --source synthetic  --data-dir data     # offline
    .venv/bin/python download_samples.py --help          # every option, its default, the menu

The menu: 1 speech from LibriSpeech, 2 test music (pitch-shifted speech, NOT real music),
3 quick start (LibriSpeech speech + real music: GTZAN, or the real-world set's music), 4 how to
add your own music, 5 the offline synthetic dataset, 6 the real-world set (real speech and music
from 29 public repositories). Offline, the menu says so within a few seconds and Enter picks 5.
Everything lives in ``speechmusic.commands.download_menu`` (the menu), ``speechmusic.teaching.download_menu_texts`` (its texts) and ``speechmusic.data.sources``; sizes and licences
are in docs/data-sources.md.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

try:
    from speechmusic.teaching.bootstrap import check_lab_python
except ModuleNotFoundError:  # this Python has not installed the package: use the one beside this file
    sys.path.insert(0, str(HERE / "src"))
    from speechmusic.teaching.bootstrap import check_lab_python

if __name__ == "__main__":
    # A Python without the lab's packages (the system python3 in a new shell) gets one line saying
    # which command to run instead, not a traceback.
    check_lab_python(HERE, script=Path(__file__).name)
    from speechmusic.commands.download_menu import main

    sys.exit(main())
