"""The tests the lab notebook runs after each exercise (``from public_tests import *``).

This file is a thin front door to :mod:`speechmusic.teaching.public_tests`, kept at the top of the
repository under the name the lab has always used. Each test takes your function (or, for
exercises 1 and 2, your variables), prints "All tests passed!" or raises an AssertionError that
says what was expected, what came back, and the likely cause.
"""

import sys as _sys
from pathlib import Path as _Path

try:  # a Python without the lab's packages gets one line saying what to run instead of a traceback
    from speechmusic.teaching.bootstrap import check_lab_python as _check_lab_python
except ModuleNotFoundError:  # this Python has not installed the package: use the one beside this file
    _sys.path.insert(0, str(_Path(__file__).resolve().parent / "src"))
    from speechmusic.teaching.bootstrap import check_lab_python as _check_lab_python
_check_lab_python(_Path(__file__).resolve().parent)

from speechmusic.teaching.public_tests import *  # noqa: F401,F403
from speechmusic.teaching.public_tests import __all__  # noqa: F401
