#!/usr/bin/env python
"""Is the lab ready? Prints a checklist and exits with 0 only when everything needed works.

    python test_setup.py                      # data in $SPEECHMUSIC_DATA or ./data
    python test_setup.py --data-dir ~/lab-data
    python test_setup.py --help

Checks: Python and the packages, that audio decodes into (128, 130) features, the data folders
(train/test x music/speech) and their file counts, clip lengths, then the loaded dataset's
shapes and value range. The same checklist as ``speechmusic check``
(``src/speechmusic/setup_check.py``).
"""

import sys
from pathlib import Path


def main() -> int:
    try:
        from speechmusic.setup_check import main as run_checklist
    except ImportError:
        # Not installed yet: use the package from this folder if it is here.
        src = Path(__file__).resolve().parent / "src"
        sys.path.insert(0, str(src))
        try:
            from speechmusic.setup_check import main as run_checklist
        except ImportError as error:
            print("speechmusic lab setup check")
            print(f"  [FAIL] the speechmusic package cannot be imported: {error}")
            print("         install the lab first: pip install -r requirements.txt")
            print("\nNOT READY: 1 problem to fix")
            return 1
    return run_checklist(sys.argv[1:], prog="test_setup.py")


if __name__ == "__main__":
    sys.exit(main())
