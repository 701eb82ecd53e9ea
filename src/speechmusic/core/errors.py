"""Exception types.

Every error the package raises on purpose derives from :class:`SpeechMusicError`, so the command
line can print it as one readable line and scripts can catch the whole family at once. Every
exception class of the package lives here (the modules that raise them re-export their names, so
``speechmusic.data.sources.download.DownloadError`` and the like keep working). Only the standard
library is used: :mod:`speechmusic.teaching.bootstrap` imports this module on any Python.

The one exception outside the family is :class:`speechmusic.teaching.public_tests.ExerciseFailure`,
an ``AssertionError`` on purpose: it is a failed *test* of a learner's code, shown by Jupyter as one.
"""

__all__ = [
    "SpeechMusicError", "ParameterError", "NotFittedError", "AudioError", "DatasetError", "ModelFileError",
    "DownloadError", "ChecksumError", "NotFoundError", "ArchiveError", "UnsafeArchiveError", "BuildError",
    "LabPythonError",
]


class SpeechMusicError(Exception):
    """Base class of every deliberate error raised by speechmusic."""


class ParameterError(SpeechMusicError, ValueError):
    """An argument has a value the function cannot honour (wrong shape, range or type)."""


class AudioError(SpeechMusicError):
    """An audio file could not be decoded, or decoded to something unusable."""


class DatasetError(SpeechMusicError):
    """The data folder is missing, empty or not in the expected layout.

    The message always says what to run next.
    """


class NotFittedError(SpeechMusicError, AttributeError):
    """An estimator was used before :meth:`fit` (or before its weights were loaded).

    Also an ``AttributeError``, like scikit-learn's: code that probes for fitted attributes
    (``getattr(model, "coef_", None)``-style checks) sees the same thing.
    """


class ModelFileError(SpeechMusicError):
    """A model file cannot be used by this version of the code (the message says why and what to do)."""


class DownloadError(SpeechMusicError):
    """An archive could not be fetched (every mirror failed), or failed its checksum."""


class ChecksumError(DownloadError):
    """A downloaded or cached file does not have the expected checksum."""


class NotFoundError(DownloadError):
    """Every address answered that the file is not there (HTTP 404 or 410): it is gone, not unreachable."""


class UnsafeArchiveError(SpeechMusicError):
    """An archive contains a member that could write outside its folder, a link, a device, or a bomb."""


class ArchiveError(SpeechMusicError):
    """An archive is damaged, truncated or not an archive at all."""


class BuildError(SpeechMusicError, ValueError):
    """The notebook source does not follow the expected format; the message names the line."""


class LabPythonError(SpeechMusicError, ImportError):
    """Raised on import of a lab module by a Python that lacks the lab's packages; its message is the advice."""
