"""``python -m speechmusic``: the command line (see :mod:`speechmusic.cli`)."""

import sys

from .cli import main

sys.exit(main())
