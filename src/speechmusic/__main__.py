"""``python -m speechmusic``: the command line (see :mod:`speechmusic.cli`)."""

import sys

from speechmusic.cli import main

sys.exit(main())
