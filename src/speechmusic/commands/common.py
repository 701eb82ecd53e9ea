"""What every command shares: the help formatter, the warning/error wrapper, argument helpers.

One home for the command line's conventions: :class:`HelpFormatter` (every parser),
:func:`run_guarded` (one line ``error: ...`` and exit code 2 for the errors the package raises on
purpose, 130 on Ctrl-C, warnings as ``warning: ...`` lines) and small argument and output helpers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from speechmusic.core.errors import ParameterError, SpeechMusicError
from speechmusic.core.labels import DEFAULT_SILENCE_DB, LABEL_NAMES


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the examples in descriptions as written and shows meaningful defaults.

    Options whose default is None, False or empty, or whose help already names the default, are
    shown without a "(default: ...)" suffix; numbers are shown as written (600, not 600.0).
    """

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if default is None or default is False or default == "" or default is argparse.SUPPRESS or "default" in text or (
            default is True and action.const is False  # a --no-X switch
        ):
            return text
        if isinstance(default, float):
            return f"{text} (default: {default:g})"
        return super()._get_help_string(action)


def show_warning(message, category, filename, lineno, file=None, line=None):
    """``warnings.showwarning`` for the command line: one ``warning: ...`` line on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def run_guarded(run: Callable[[], int | None], *, debug: bool = False,
                interrupted: str = "interrupted") -> int:
    """Run a command and turn what it raises into an exit code.

    Warnings print as one ``warning: ...`` line (unless ``debug``); an error the package raises on
    purpose (:class:`~speechmusic.core.errors.SpeechMusicError`) or an ``OSError`` (disk full,
    permissions, a file that exists ...) prints one ``error: ...`` line and gives 2 (``debug``
    re-raises it for the traceback); Ctrl-C prints ``interrupted`` and gives 130.
    """
    previous = warnings.showwarning
    if not debug:
        warnings.showwarning = show_warning
    try:
        return int(run() or 0)
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        return 130
    except (SpeechMusicError, OSError) as error:
        if debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        warnings.showwarning = previous


def add_data_dir(parser, *, help_text: str = "dataset folder (default: $SPEECHMUSIC_DATA or ./data)") -> None:
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DATA_DIR", help=help_text)


def add_model(parser, *, required: bool = True, help_text: str = "model file written by 'speechmusic train'") -> None:
    parser.add_argument("--model", type=Path, required=required, metavar="MODEL", help=help_text)


#: Help of --model for the commands that fall back on the shipped model.
DEFAULT_MODEL_HELP = (
    "model file written by 'speechmusic train' (default: the speechmusic default model shipped with the "
    "package: speech, music and noise from prosody features, trained on 204 real clips from 37 public sources "
    "and the synthetic set, speech over music counted as speech, calibrated probabilities; see docs/model-card.md)"
)


def add_model_or_default(parser) -> None:
    """--model, optional: without it the command uses the model shipped with speechmusic."""
    add_model(parser, required=False, help_text=DEFAULT_MODEL_HELP)


def add_silence_floor(parser) -> None:
    """--silence-db: the energy floor below which sound is labelled silence."""
    parser.add_argument("--silence-db", type=silence_floor, default=DEFAULT_SILENCE_DB, metavar="DBFS",
                        help=f"energy floor in dB relative to full scale (RMS; default {DEFAULT_SILENCE_DB:g}): quieter "
                             "stretches are silence; 'off' (the same as --silence-db=-inf) keeps the silence label "
                             "for digital silence only")


def silence_floor(text: str) -> float:
    """An argparse ``type`` for --silence-db: a number, ``-inf`` or ``off`` (-inf).

    ``off`` exists because argparse takes a separate ``-inf`` for an option, not a value.
    """
    return -math.inf if text.strip().lower() == "off" else finite_float(text)


def label_seconds(text: str) -> tuple[str, float]:
    """An argparse ``type`` for --min-duration: ``LABEL=SECONDS``, a label of the tools and seconds >= 0."""
    label, sep, seconds = text.partition("=")
    label = label.strip().lower()
    if not sep or label not in LABEL_NAMES:
        raise argparse.ArgumentTypeError(f"expected LABEL=SECONDS with LABEL one of {', '.join(LABEL_NAMES)}, got {text!r}")
    return label, non_negative_float(seconds)


def finite_float(text: str) -> float:
    """An argparse ``type``: a number (``-inf`` allowed, NaN and ``+inf`` not)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if math.isnan(value) or value == math.inf:
        raise argparse.ArgumentTypeError(f"must be a number or -inf, got {text}")
    return value


def _number_parser(kind: type, minimum: float, inclusive: bool):
    """An argparse ``type`` accepting finite numbers of ``kind`` above (or at) ``minimum``."""
    noun = "a number" if kind is float else "a whole number"
    relation = ">=" if inclusive else ">"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not math.isfinite(value) or value < minimum or (value == minimum and not inclusive):
            raise argparse.ArgumentTypeError(f"must be {noun} {relation} {minimum:g}, got {text}")
        return value

    return parse


#: argparse types: a finite number > 0, a number >= 0, a whole number >= 1, a whole number >= 0.
positive_float = _number_parser(float, 0, inclusive=False)
non_negative_float = _number_parser(float, 0, inclusive=True)
positive_int = _number_parser(int, 1, inclusive=True)
non_negative_int = _number_parser(int, 0, inclusive=True)


def expand_folders(paths: Iterable[Path], *, find: Callable[[Path], list[Path]], what: str,
                   unique: bool = False) -> list[Path]:
    """The inputs named on a command line, each folder replaced by the files it stands for.

    Globs are not expanded here: the shell has already done it. Paths that are not folders,
    including ones that do not exist, are kept as given so that the command reports each one
    the way it reports any input it cannot read, and still processes the others.

    Parameters
    ----------
    paths : iterable of path-like
        Files and folders in the order given.
    find : callable
        ``folder -> list of Path``: the inputs a folder stands for, in the order to process them
        (:func:`speechmusic.core.audio.find_audio_files` for recordings).
    what : str
        What ``find`` looks for, for the error message: ``"audio files"``, ``".ipynb files"``.
    unique : bool
        Keep a file named twice (by itself and inside a named folder, say, or under two spellings of
        its path) only where it first appears; by default repeats are kept, for the command to decide.

    Returns
    -------
    list of Path
        The paths in the order given, each folder's files in the folder's place.

    Raises
    ------
    ParameterError
        When a folder holds none of the files sought (most likely the wrong folder was named).

    Examples
    --------
    >>> from speechmusic.core.audio import find_audio_files
    >>> expand_folders([Path("talk.wav"), Path("recordings")], find=find_audio_files,
    ...                what="audio files")                      # doctest: +SKIP
    [PosixPath('talk.wav'), PosixPath('recordings/a.flac'), PosixPath('recordings/b/c.mp3')]
    """
    expanded: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = find(path)
            if not found:
                raise ParameterError(f"{path}: no {what} in this folder")
            expanded.extend(found)
        else:
            expanded.append(path)
    if not unique:
        return expanded
    seen: set[Path] = set()
    first_times = []
    for path in expanded:
        key = path.resolve() if path.exists() else path  # the same file under two spellings counts once
        if key not in seen:
            seen.add(key)
            first_times.append(path)
    return first_times


def is_stream(path: Path) -> bool:
    """True for an existing output target that is not a regular file: ``/dev/null``, ``/dev/stdout``, a pipe.

    Such targets are written into directly. Atomic writing (temporary file + rename) would
    *replace* them with a regular file, which for ``/dev/null`` breaks the whole machine.
    """
    path = Path(path)
    return path.exists() and not path.is_file() and not path.is_dir()


def refuse_existing(path: Path | None, overwrite: bool, what: str = "file") -> None:
    """Fail early (before any work) when an output file exists and --overwrite was not given.

    Folders are refused as outputs; devices and pipes (``/dev/stdout``) are accepted as they are.
    """
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise SpeechMusicError(f"{path} is a folder: give a file name for the {what}")
    if is_stream(path):
        return
    if not overwrite and path.exists():
        raise SpeechMusicError(f"{path} already exists: choose another name or add --overwrite to replace the {what}")


def write_stdout(text: str) -> None:
    """Write ``text`` on stdout; a reader that stops early (``... | head``) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def print_json(value) -> None:
    """Print one JSON document on stdout (the only thing on stdout in --json mode)."""
    write_stdout(json.dumps(value, indent=2, allow_nan=False) + "\n")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: ``1 segment``, ``3 segments``, ``0 clips``.

    Examples
    --------
    >>> counted(1, "segment"), counted(2, "segment"), counted(0, "clip"), counted(1, "was", "were")
    ('1 segment', '2 segments', '0 clips', '1 was')
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def show_progress(quiet: bool) -> bool:
    """Progress bars go to stderr; they are shown unless --quiet."""
    return not quiet
