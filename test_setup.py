#!/usr/bin/env python
"""Is the lab ready? Prints a checklist and exits with 0 only when everything needed works.

    .venv/bin/python test_setup.py                      # data in $SPEECHMUSIC_DATA or ./data
    .venv/bin/python test_setup.py --data-dir ~/lab-data
    .venv/bin/python test_setup.py --help

Checks: Python and the packages, that audio decodes into (128, 130) features, the data folders
(train/test x music/speech) and their file counts, clip lengths, then the loaded dataset's
shapes and value range. The same checklist as ``speechmusic check``
(``src/speechmusic/commands/check.py``, checklist in ``src/speechmusic/teaching/setup_checklist.py``).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    try:
        from speechmusic.teaching.bootstrap import check_lab_python, running_in_lab_venv
    except ImportError:
        # Not installed in this Python: use the package from this folder.
        sys.path.insert(0, str(HERE / "src"))
        from speechmusic.teaching.bootstrap import check_lab_python, running_in_lab_venv
    # A Python without the lab's packages (the system python3 in a new shell) gets one line saying
    # which command to run instead; the lab's own venv, if it is broken, gets the whole checklist.
    if not running_in_lab_venv(HERE):
        check_lab_python(HERE, script=Path(__file__).name)
    from speechmusic.commands.check import main as run_checklist

    return run_checklist(sys.argv[1:], prog="test_setup.py")


if __name__ == "__main__":
    sys.exit(main())
