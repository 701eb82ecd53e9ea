"""Safe file writing: atomic, and never over an existing file unless asked.

Every file the package creates goes through here, so an interrupted run never leaves a
half-written clip, cache entry, model or report behind.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf


@functools.lru_cache(maxsize=1)
def _new_file_mode() -> int:
    """Permissions an ordinary new file gets under the process umask (mkstemp would give 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _temp_path_beside(path: Path) -> Path:
    """Create an empty temporary file in the folder of ``path`` (same file system -> atomic rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def _publish(tmp: Path, path: Path, overwrite: bool) -> None:
    """Move the finished temporary file into place.

    Without ``overwrite`` the final name is claimed with a hard link, which fails if the name
    exists, so two writers can never clobber each other's file; file systems without hard links
    fall back to an exclusive-create check followed by rename.
    """
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError:
        if path.exists():
            tmp.unlink(missing_ok=True)
            raise FileExistsError(path) from None
        os.replace(tmp, path)
        return
    tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it becomes ``path`` in one step.

    Parameters
    ----------
    path : path-like
        Final location. Its folder is created if needed.
    overwrite : bool
        Replace an existing file. When False (default) an existing file raises
        ``FileExistsError`` and is left untouched. A device or pipe (``/dev/null``, a FIFO) is
        written into directly in either case; a folder raises ``IsADirectoryError``.

    Examples
    --------
    >>> with atomic_path("out/report.txt") as tmp:   # doctest: +SKIP
    ...     tmp.write_text("done")
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a file name")
    if path.exists() and not path.is_file():
        # A device or pipe (/dev/null, /dev/stdout, a FIFO): a rename would replace the device
        # node with a plain file, so write into it directly; atomicity means nothing there, and
        # neither does ``overwrite``: writing into a stream replaces no stored data.
        yield path
        return
    if not overwrite and path.exists():
        raise FileExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path_beside(path)
    try:
        yield tmp
        os.chmod(tmp, _new_file_mode())
        _publish(tmp, path, overwrite)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically. See :func:`atomic_path`."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str, *, overwrite: bool = False) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically. See :func:`atomic_path`."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def write_wav(
    path: str | os.PathLike,
    y: np.ndarray,
    sample_rate: int,
    *,
    subtype: str = "PCM_16",
    overwrite: bool = False,
) -> Path:
    """Write a mono or multi-channel signal as a WAV file, atomically.

    Parameters
    ----------
    path : path-like
        Destination ``.wav`` file.
    y : np.ndarray
        Samples in [-1, 1], shape ``(n,)`` or ``(n, channels)``; values outside are clipped.
    sample_rate : int
        Sample rate in Hz.
    subtype : str
        soundfile subtype, ``"PCM_16"`` by default.
    overwrite : bool
        Replace an existing file (default False: raise ``FileExistsError``).

    Returns
    -------
    pathlib.Path
        The written path.
    """
    y = np.clip(np.asarray(y, dtype=np.float32), -1.0, 1.0)
    buffer = io.BytesIO()
    sf.write(buffer, y, int(sample_rate), subtype=subtype, format="WAV")
    return write_bytes(path, buffer.getvalue(), overwrite=overwrite)


def save_npy(path: str | os.PathLike, array: np.ndarray, *, overwrite: bool = True) -> Path:
    """Save one numpy array atomically (used by the feature cache)."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return write_bytes(path, buffer.getvalue(), overwrite=overwrite)


def unique_path(path: str | os.PathLike) -> Path:
    """Return ``path`` if it is free, else ``stem-2.ext``, ``stem-3.ext``, ... (first free name)."""
    path = Path(path)
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1
