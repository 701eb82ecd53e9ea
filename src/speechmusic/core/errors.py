"""Exception types.

Every error the package raises on purpose derives from :class:`SpeechMusicError`, so the command
line can print it as one readable line and scripts can catch the whole family at once.
"""


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
