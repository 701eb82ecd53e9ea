"""The command-line layer: one module per command of ``speechmusic`` (see :mod:`speechmusic.cli`).

Each command module has ``register(subparsers)`` (its parser, with
:class:`~speechmusic.commands.common.HelpFormatter`) and ``run(args) -> int``. :mod:`.common` holds
what they share, including :func:`~speechmusic.commands.common.run_guarded` (one ``error: ...``
line, exit code 2). :mod:`.check` and :mod:`.download_menu` are also the entries of the seed
scripts ``test_setup.py`` and ``download_samples.py``. Nothing below this layer imports it.
"""

__all__ = [
    "common", "demo", "prepare", "download", "train", "evaluate", "predict", "segment", "segment_batch", "grade", "check",
    "build_model", "download_menu",
]
