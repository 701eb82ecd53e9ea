"""Reading archive members safely, without extracting anything to disk.

Sources never unpack an archive into a folder: each member the source wants is read into memory
(bounded in size), decoded, and only the resulting clips are written (by
:class:`~speechmusic.data.ingest.ClipWriter`). So nothing an archive names can land outside the data
folder. A member that could do harm if the archive *were* unpacked is still treated as a sign of
a tampered or wrong file, and the whole run stops with :class:`UnsafeArchiveError` before any clip
is kept:

* absolute names (``/etc/passwd``, ``C:\\...``), names with a ``..`` part, NUL bytes;
* symbolic and hard links (data sets of audio files have no reason to contain them);
* device files, FIFOs and other special members;
* for tar files, whatever :func:`tarfile.data_filter` rejects (Python 3.12+, 3.11.4+, 3.8.17+);
* for zip files, entries whose Unix mode says symlink or special file (zip-slip is the name rule);
* archive bombs: more than ``max_members`` members, one member larger than ``max_member_bytes``,
  more than ``max_total_bytes`` in all, or (zip) a compression ratio beyond ``max_ratio``.

Damaged or truncated archives raise :class:`ArchiveError`.
"""

from __future__ import annotations

import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from speechmusic.core.errors import ArchiveError, UnsafeArchiveError


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds that stop archive bombs.

    Parameters
    ----------
    max_members : int
        Members (files and folders) in the whole archive.
    max_member_bytes : int
        Size of one member (it is read into memory).
    max_total_bytes : int
        Sum of the sizes of all members (decompressed).
    max_ratio : float
        Largest decompressed/compressed size ratio of a zip member bigger than 1 MiB.
    """

    max_members: int = 250_000
    max_member_bytes: int = 512 * 2**20
    max_total_bytes: int = 64 * 2**30
    max_ratio: float = 200.0


DEFAULT_LIMITS = ArchiveLimits()


@dataclass
class Member:
    """A regular file in an archive. Call :meth:`read` before moving to the next member."""

    name: str  # normalised: forward slashes, no leading "./"
    size: int
    _reader: Callable[[], bytes]

    def read(self) -> bytes:
        return self._reader()


_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_member_name(name: str) -> str:
    """Normalise an archive member name, or raise :class:`UnsafeArchiveError` if it escapes.

    Examples
    --------
    >>> safe_member_name("./LibriSpeech/dev-clean/84/121123/84-121123-0000.flac")
    'LibriSpeech/dev-clean/84/121123/84-121123-0000.flac'
    >>> safe_member_name("../../etc/passwd")
    Traceback (most recent call last):
    ...
    speechmusic.core.errors.UnsafeArchiveError: archive member '../../etc/passwd' points outside the archive (a '..' part); refusing the archive
    """
    if "\x00" in name:
        raise UnsafeArchiveError(f"archive member {name!r} has a NUL byte in its name; refusing the archive")
    posix = name.replace("\\", "/")  # some zip tools write Windows separators
    if posix.startswith("/") or _DRIVE.match(posix):
        raise UnsafeArchiveError(f"archive member {name!r} has an absolute path; refusing the archive")
    parts = [p for p in PurePosixPath(posix).parts if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"archive member {name!r} points outside the archive (a '..' part); refusing the archive")
    return "/".join(parts)


def _check_totals(count: int, total: int, limits: ArchiveLimits, what: str) -> None:
    if count > limits.max_members:
        raise UnsafeArchiveError(f"{what}: more than {limits.max_members} members; refusing a possible archive bomb")
    if total > limits.max_total_bytes:
        raise UnsafeArchiveError(
            f"{what}: members add up to more than {limits.max_total_bytes} bytes; refusing a possible archive bomb"
        )


def iter_tar(
    fileobj: BinaryIO, *, limits: ArchiveLimits = DEFAULT_LIMITS, filter_root: str | os.PathLike | None = None,
    what: str = "archive",
) -> Iterator[Member]:
    """Yield the regular files of a tar stream (plain, gz, bz2 or xz), checking every member.

    The tar is read strictly forward (``mode="r|*"``), so ``fileobj`` may be a network stream
    and iteration may stop at any time.

    Parameters
    ----------
    fileobj : binary file object
        The archive bytes.
    limits : ArchiveLimits
        Bomb bounds.
    filter_root : path-like or None
        Folder the archive would be unpacked into, for :func:`tarfile.data_filter`'s checks.
    what : str
        Name of the archive in messages.
    """
    try:
        tar = tarfile.open(fileobj=fileobj, mode="r|*")
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise ArchiveError(f"{what} is not a readable tar archive ({error})") from None
    data_filter = getattr(tarfile, "data_filter", None)
    root = str(filter_root) if filter_root is not None else os.path.abspath("speechmusic-archive-check")
    count = total = 0
    with tar:
        while True:
            try:
                member = tar.next()
            except (tarfile.TarError, EOFError, zlib.error) as error:
                raise ArchiveError(f"{what} is damaged or truncated ({error})") from None
            if member is None:
                return
            count += 1
            name = safe_member_name(member.name)
            if member.issym() or member.islnk():
                raise UnsafeArchiveError(
                    f"{what}: member {member.name!r} is a {'symbolic' if member.issym() else 'hard'} link to "
                    f"{member.linkname!r}; audio archives have no links, refusing the archive"
                )
            if member.ischr() or member.isblk() or member.isfifo():
                raise UnsafeArchiveError(f"{what}: member {member.name!r} is a device or FIFO; refusing the archive")
            if not (member.isfile() or member.isdir()):
                raise UnsafeArchiveError(f"{what}: member {member.name!r} is a special file; refusing the archive")
            if data_filter is not None:
                try:
                    data_filter(member, root)
                except tarfile.FilterError as error:
                    raise UnsafeArchiveError(f"{what}: {error}; refusing the archive") from None
            if member.isdir():
                _check_totals(count, total, limits, what)
                continue
            if member.size > limits.max_member_bytes:
                raise UnsafeArchiveError(
                    f"{what}: member {member.name!r} is {member.size} bytes, more than the limit of "
                    f"{limits.max_member_bytes}; refusing a possible archive bomb"
                )
            total += member.size
            _check_totals(count, total, limits, what)
            yield Member(name, member.size, lambda m=member: _read_tar_member(tar, m, what))


def _read_tar_member(tar: tarfile.TarFile, member: tarfile.TarInfo, what: str) -> bytes:
    try:
        f = tar.extractfile(member)
        data = f.read() if f is not None else b""
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ArchiveError(f"{what} is damaged or truncated: cannot read {member.name!r} ({error})") from None
    if len(data) != member.size:
        raise ArchiveError(f"{what}: {member.name!r} is truncated ({len(data)} of {member.size} bytes)")
    return data


def iter_zip(path: str | os.PathLike, *, limits: ArchiveLimits = DEFAULT_LIMITS, what: str | None = None) -> Iterator[Member]:
    """Yield the regular files of a zip file, checking names, types and sizes first.

    Every entry is checked before the first one is yielded (the central directory is at hand),
    so a hostile entry anywhere stops the run before any clip is made.
    """
    what = what or Path(path).name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"{what} is not a readable zip archive ({error})") from None
    with zf:
        infos = zf.infolist()
        total = sum(info.file_size for info in infos)
        _check_totals(len(infos), total, limits, what)
        files = []
        for info in infos:
            name = safe_member_name(info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeArchiveError(f"{what}: entry {info.filename!r} is a symbolic link; refusing the archive")
            # Only entries made on Unix carry a file type; permission bits alone mean "a file".
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise UnsafeArchiveError(f"{what}: entry {info.filename!r} is a special file; refusing the archive")
            if info.is_dir():
                continue
            if info.file_size > limits.max_member_bytes:
                raise UnsafeArchiveError(
                    f"{what}: entry {info.filename!r} is {info.file_size} bytes, more than the limit of "
                    f"{limits.max_member_bytes}; refusing a possible archive bomb"
                )
            if info.file_size > 2**20 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise UnsafeArchiveError(
                    f"{what}: entry {info.filename!r} expands {info.file_size / max(info.compress_size, 1):.0f}-fold; "
                    "refusing a possible archive bomb"
                )
            files.append((name, info))
        for name, info in files:
            yield Member(name, info.file_size, lambda i=info: _read_zip_member(zf, i, limits, what))


def _read_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits, what: str) -> bytes:
    try:
        with zf.open(info) as f:
            # Never trust the declared size alone: read at most one byte more than allowed.
            data = f.read(min(info.file_size, limits.max_member_bytes) + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError) as error:
        raise ArchiveError(f"{what}: cannot read {info.filename!r} ({error})") from None
    if len(data) > info.file_size:
        raise UnsafeArchiveError(f"{what}: entry {info.filename!r} is larger than it declares; refusing the archive")
    return data


def is_zip(path: str | os.PathLike) -> bool:
    """True for a zip file (by its signature, not its name)."""
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False
