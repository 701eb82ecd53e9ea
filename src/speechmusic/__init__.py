"""speechmusic: tell speech from music with logistic regression built from scratch."""

__version__ = "0.1.0"

#: Layers, lowest first (docs/architecture.md): core, data, apps, teaching, commands; the entry
#: point is speechmusic.cli.
__all__ = ["__version__"]
