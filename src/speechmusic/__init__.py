"""speechmusic: tell speech from music with logistic regression built from scratch."""

__version__ = "0.1.0"
