"""One module per command of the ``speechmusic`` command line (see :mod:`speechmusic.cli`)."""
