"""Fetching archives over HTTP: mirrors, retries with backoff, resume, checksums, a cache.

Two ways to get an archive, both built on ``requests``:

* :func:`download_archive` saves the whole file into the download cache
  (``<data_dir>/.cache/downloads/`` by default). The transfer goes into ``<name>.part``; an
  interrupted transfer is resumed with an HTTP ``Range`` request on the next attempt (or the next
  run), the finished file is checked against its published checksum, and only then renamed to its
  final name. A file that is already in the cache, including one a user put there by hand, is used
  without touching the network.
* :class:`RemoteStream` reads the archive as a forward-only stream, so a ``tar.gz`` can be unpacked
  on the fly with ``tarfile.open(fileobj=..., mode="r|*")`` and the transfer stopped as soon as
  enough clips are extracted. A dropped connection is resumed at the current position (``Range``).
  The checksum is computed on the way; it can only be compared when the stream was read to its end.

Why ``requests`` and not ``pooch``: pooch downloads whole files and restarts them from zero after
a failure; resuming into a ``.part`` file, streaming a tar while stopping early, and reporting
every mirror's failure in one message all need control of the individual HTTP requests.

Every failure is raised as :class:`DownloadError` (a :class:`~speechmusic.core.errors.SpeechMusicError`)
with a message that lists what was tried and how to download the file by hand.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3
from tqdm.auto import tqdm

from speechmusic import __version__
from speechmusic.core.errors import ChecksumError, DownloadError, NotFoundError, ParameterError
from speechmusic.core.fileio import write_text

#: Bytes asked for per read; large enough for throughput, small enough for a smooth progress bar.
CHUNK_BYTES = 1 << 16
#: (connect, read) timeouts in seconds: a server that accepts no connection or stops sending for
#: this long counts as a failed attempt.
DEFAULT_TIMEOUT = (10.0, 60.0)
#: Further attempts per mirror after the first one fails.
DEFAULT_RETRIES = 3
#: Seconds to wait before the first retry; the wait doubles after each further failure.
DEFAULT_BACKOFF = 1.0
#: Where archives are kept, relative to the data folder.
CACHE_SUBDIR = Path(".cache") / "downloads"

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_HTTP_TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
#: Network-level failures worth another attempt (connection refused or reset, timeouts, a
#: transfer cut short). Errors writing the cache file are not in here: retrying cannot fix a full disk.
_NETWORK_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
)

#: Replaced in tests that must not wait.
_sleep = time.sleep





@dataclass(frozen=True)
class ArchiveSpec:
    """A published archive: its file name, where to get it and how to recognise it.

    Parameters
    ----------
    filename : str
        Name in the download cache (the name the publisher uses).
    urls : tuple of str
        Mirrors, tried in order.
    size : int or None
        Size in bytes, when published (shown in messages; a complete download must match it).
    sha256, md5 : str or None
        Published checksums (lower-case hex). sha256 is preferred when both are known.
    homepage : str
        Page that describes the data set and its licence.
    aliases : tuple of str
        Other names a manually downloaded copy may have (for example another site's zip of the
        same files). The published checksum does not apply to them.
    note : str
        Extra advice for a manual download (shown in failure messages).
    """

    filename: str
    urls: tuple[str, ...]
    size: int | None = None
    sha256: str | None = None
    md5: str | None = None
    homepage: str = ""
    aliases: tuple[str, ...] = ()
    note: str = ""

    def with_urls(self, urls: Sequence[str]) -> ArchiveSpec:
        """The same archive fetched from other addresses."""
        return dataclasses.replace(self, urls=tuple(urls))

    def under_mirror(self, base_url: str) -> ArchiveSpec:
        """The same archive fetched from ``<base_url>/<filename>`` only."""
        return self.with_urls([base_url.rstrip("/") + "/" + self.filename])


@dataclass(frozen=True)
class Checksum:
    """An expected digest: ``algorithm`` is a :mod:`hashlib` name, ``hexdigest`` lower-case hex."""

    algorithm: str
    hexdigest: str

    def new(self):
        return hashlib.new(self.algorithm)

    def __str__(self) -> str:
        return f"{self.algorithm} {self.hexdigest}"


def parse_sha256(text: str) -> str:
    """Validate a sha256 given by a user: 64 hex digits (case ignored) -> lower case."""
    text = (text or "").strip()
    if not _HEX64.match(text):
        raise ParameterError(f"--sha256 needs 64 hexadecimal digits, got {text!r}")
    return text.lower()


def expected_checksum(
    spec: ArchiveSpec, *, sha256: str | None = None, verify: bool = True, path: Path | None = None
) -> Checksum | None:
    """The checksum a file must have, or None when it cannot or should not be checked.

    A checksum pinned by the user (``sha256``) wins; else the published sha256, else the
    published md5. With ``verify=False`` nothing is checked. A manually placed file under one of
    the spec's ``aliases`` (``path``) is a different file, so only a pinned checksum applies to it.
    """
    if not verify:
        return None
    if sha256:
        return Checksum("sha256", parse_sha256(sha256))
    if path is not None and path.name != spec.filename:
        return None
    if spec.sha256:
        return Checksum("sha256", spec.sha256)
    if spec.md5:
        return Checksum("md5", spec.md5)
    return None


@dataclass(frozen=True)
class DownloadOptions:
    """How to download: one value passed from :func:`speechmusic.data.sources.fetch` through
    :func:`~speechmusic.data.sources.engine.collect` to the opening of an archive's members.

    Parameters
    ----------
    verify : bool
        False skips every checksum comparison (``--no-verify``).
    cache_dir : path-like or None
        Download cache (None: ``<data_dir>/.cache/downloads``, see :meth:`cache_for`).
    keep_archive : bool
        Download the whole archive into the cache and read it from there, instead of streaming.
    progress : bool
        Progress bars with size and speed.
    timeout : float or (connect, read)
        Seconds before a silent server counts as a failure.
    retries : int
        Attempts per address after the first failure, with exponential backoff.
    backoff : float
        First wait between attempts, in seconds (doubled each time).
    session : requests.Session or None
        Connection pool to use (None: a new one per download).

    Examples
    --------
    >>> DownloadOptions(verify=False).replace(progress=False).verify
    False
    """

    verify: bool = True
    cache_dir: str | os.PathLike | None = None
    keep_archive: bool = False
    progress: bool = True
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    session: requests.Session | None = None

    @classmethod
    def of(cls, options: DownloadOptions | None = None, **loose) -> DownloadOptions:
        """``options`` with the fields named in ``loose`` replaced (the loose keywords the per-source
        ``fetch`` functions accept); an unknown name raises ``TypeError`` like a wrong keyword."""
        base = options if options is not None else cls()
        unknown = sorted(set(loose) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise TypeError(f"unexpected download option(s): {', '.join(unknown)}")
        return dataclasses.replace(base, **loose) if loose else base

    def replace(self, **changes) -> DownloadOptions:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def cache_for(self, data_dir: str | os.PathLike) -> Path:
        """The download cache for ``data_dir``: :attr:`cache_dir`, else ``<data_dir>/.cache/downloads``."""
        return Path(self.cache_dir) if self.cache_dir is not None else default_cache_dir(data_dir)

    def network(self) -> dict:
        """The keyword arguments of :func:`download_archive` and ``RemoteStream`` it sets."""
        return {"progress": self.progress, "timeout": self.timeout, "retries": self.retries,
                "backoff": self.backoff, "session": self.session}


def default_cache_dir(data_dir: str | os.PathLike) -> Path:
    """``<data_dir>/.cache/downloads``: where archives are kept and looked for."""
    return Path(data_dir) / CACHE_SUBDIR


def human_size(n_bytes: int | None) -> str:
    """``337926286`` -> ``'322.3 MiB'`` (binary units, like the progress bar)."""
    if n_bytes is None:
        return "unknown size"
    size = float(n_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n_bytes} B"  # pragma: no cover


def find_cached(spec: ArchiveSpec, cache_dir: str | os.PathLike) -> Path | None:
    """The archive in ``cache_dir`` under its own name or one of its aliases, if present."""
    for name in (spec.filename, *spec.aliases):
        path = Path(cache_dir) / name
        if path.is_file() and path.stat().st_size > 0:
            return path
    return None


def manual_instructions(spec: ArchiveSpec, cache_dir: str | os.PathLike) -> str:
    """How to fetch the archive by hand so that the next run uses it without the network."""
    target = Path(cache_dir) / spec.filename
    lines = [f"To get it by hand, download {spec.filename} ({human_size(spec.size)}) from one of:"]
    lines += [f"  {url}" for url in spec.urls]
    if spec.homepage:
        lines.append(f"  (described at {spec.homepage})")
    lines.append("for example with")
    first = spec.urls[0] if spec.urls else "URL"
    lines.append(f'  curl -L -C - -o "{target}" {first}')
    lines.append(f"and put it at {target}")
    if spec.aliases:
        lines.append(f"(a copy named {' or '.join(spec.aliases)} in the same folder is accepted too)")
    if spec.note:
        lines.append(spec.note)
    lines.append("then run the same command again: a file there is used without the network.")
    if spec.sha256:
        lines.append(f"Its sha256 is {spec.sha256}.")
    elif spec.md5:
        lines.append(f"Its md5 is {spec.md5}.")
    return "\n".join(lines)


def describe_error(error: BaseException) -> str:
    """One line for a network error (requests' messages nest several levels of repr)."""
    text = str(error)
    for marker in ("Connection refused", "Name or service not known", "timed out", "Temporary failure",
                   "No route to host", "Connection reset", "Connection aborted", "IncompleteRead"):
        if marker.lower() in text.lower():
            return f"{type(error).__name__}: {marker}"
    text = text.strip() or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def make_session() -> requests.Session:
    """A session that asks for the bytes as stored (no transfer compression) and names itself."""
    session = requests.Session()
    session.headers["User-Agent"] = f"speechmusic/{__version__} (lab data downloader)"
    # A .tar.gz must arrive byte for byte: transfer compression would change what is hashed.
    session.headers["Accept-Encoding"] = "identity"
    return session


# --- verifying files ----------------------------------------------------------------------------


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp(path: Path) -> dict:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def verify_file(
    path: str | os.PathLike, checksum: Checksum | None, *, what: str | None = None, remember: bool = True
) -> bool:
    """Check a file against ``checksum``; True when it was checked, False when there was none.

    With ``remember`` (for files in the download cache), a successful check is stored in
    ``<file>.verified`` (size, modification time, digest), so a multi-gigabyte archive is hashed
    once, not on every run. Files elsewhere (``--archive``) get nothing written next to them.

    Raises
    ------
    ChecksumError
        The digest differs. The file is left where it is (it may be the user's own download).
    """
    path = Path(path)
    if checksum is None:
        return False
    stamp_file = _stamp_path(path)
    expected = {**_stamp(path), "algorithm": checksum.algorithm, "hexdigest": checksum.hexdigest}
    try:
        if json.loads(stamp_file.read_text()) == expected:
            return True
    except (OSError, ValueError):
        pass
    actual = file_digest(path, checksum.algorithm)
    if actual != checksum.hexdigest:
        raise ChecksumError(
            f"{what or path}: {checksum.algorithm} checksum mismatch\n"
            f"  expected {checksum.hexdigest}\n  got      {actual}\n"
            f"The file is damaged or is not the expected archive. Delete {path} and run again "
            "(or pass the right --sha256, or --no-verify if you trust this file)."
        )
    if not remember:
        return True
    try:
        write_text(stamp_file, json.dumps(expected), overwrite=True)
    except OSError:
        pass  # a read-only cache only costs a re-hash next time
    return True


# --- whole-file download into the cache ---------------------------------------------------------


class _Retry(Exception):
    """This attempt failed in a way another attempt may fix."""


class _GiveUp(Exception):
    """This mirror cannot serve the file (HTTP 404, 403, ...): try the next one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


#: Answers that mean "this address does not have the file" rather than "try again later".
_HTTP_GONE = {404, 410}


class _Unreachable(_Retry):
    """No connection at all (refused, unknown host, connect timeout): one more try, then the next mirror.

    A host that is down rarely comes back within seconds; waiting through every retry on it
    would only delay the next mirror (or the quick start's next music source).
    """


#: Attempts per mirror when the host cannot be reached at all.
UNREACHABLE_ATTEMPTS = 2


def _request_error(error: BaseException) -> _Retry:
    """Classify an exception raised before any response arrived."""
    if isinstance(error, (requests.ConnectionError, requests.exceptions.ConnectTimeout)) and not isinstance(
        error, requests.exceptions.ReadTimeout
    ):
        return _Unreachable(describe_error(error))
    return _Retry(describe_error(error))


def _total_from_content_range(value: str | None) -> int | None:
    match = re.match(r"bytes\s+(\d+|\*)-?(\d*)/(\d+|\*)", value or "")
    if not match or match.group(3) == "*":
        return None
    return int(match.group(3))


def _start_from_content_range(value: str | None) -> int | None:
    match = re.match(r"bytes\s+(\d+)-", value or "")
    return int(match.group(1)) if match else None


def _progress_bar(total: int | None, initial: int, desc: str, enabled: bool):
    return tqdm(
        total=total, initial=initial, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
        disable=not enabled, dynamic_ncols=True, leave=True,
    )


def _transfer_once(
    url: str, part: Path, *, session: requests.Session, timeout, progress: bool, expected_size: int | None
) -> None:
    """One HTTP request that appends to ``part`` (or restarts it). Raises _Retry/_GiveUp."""
    start = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={start}-"} if start else {}
    try:
        response = session.get(url, headers=headers, stream=True, timeout=timeout)
    except _NETWORK_ERRORS as error:
        raise _request_error(error) from None
    with response:
        status = response.status_code
        if status == 416 and start:
            total = _total_from_content_range(response.headers.get("Content-Range"))
            if total == start:
                return  # the .part file already holds the whole file
            part.unlink(missing_ok=True)  # longer than the file: start over
            raise _Retry(f"HTTP 416 for a resume at byte {start}; starting over")
        if status in _HTTP_TRANSIENT:
            raise _Retry(f"HTTP {status} {response.reason}")
        if status == 206 and start:
            if _start_from_content_range(response.headers.get("Content-Range")) != start:
                part.unlink(missing_ok=True)
                raise _Retry("the server resumed at the wrong byte; starting over")
            mode = "ab"
            total = _total_from_content_range(response.headers.get("Content-Range"))
        elif status == 200:
            start, mode = 0, "wb"  # the server ignored the Range header: whole file again
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        else:
            raise _GiveUp(f"HTTP {status} {response.reason}", status)
        # Only the server's own length says when the file is complete; the published size just
        # sizes the progress bar (a --url mirror may serve a different build of the file).
        with open(part, mode) as f, _progress_bar(total or expected_size, start, part.name[: -len(".part")],
                                                   progress) as bar:
            try:
                for chunk in response.raw.stream(CHUNK_BYTES, decode_content=False):
                    f.write(chunk)
                    bar.update(len(chunk))
            except _NETWORK_ERRORS as error:
                raise _Retry(f"transfer interrupted at {human_size(f.tell())}: {describe_error(error)}") from None
        size = part.stat().st_size
        if total is not None and size < total:
            raise _Retry(f"connection closed after {human_size(size)} of {human_size(total)}")


def download_archive(
    spec: ArchiveSpec,
    cache_dir: str | os.PathLike,
    *,
    checksum: Checksum | None,
    progress: bool = True,
    timeout=DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    session: requests.Session | None = None,
) -> Path:
    """Download ``spec`` into ``cache_dir`` (resuming a ``.part`` file) and verify it.

    Parameters
    ----------
    spec : ArchiveSpec
        What to fetch; its mirrors are tried in order.
    cache_dir : path-like
        Folder of the cache (created if needed).
    checksum : Checksum or None
        Expected digest (see :func:`expected_checksum`); None skips the check.
    progress : bool
        Show a progress bar with size and speed.
    timeout : float or (float, float)
        Connect and read timeouts in seconds.
    retries : int
        Further attempts per mirror after a failed one, waiting ``backoff * 2**k`` seconds.
    backoff : float
        First wait in seconds.
    session : requests.Session or None
        Reused connection pool (a new one by default).

    Returns
    -------
    pathlib.Path
        ``cache_dir / spec.filename``.

    Raises
    ------
    DownloadError
        No mirror delivered the file; the message lists each failure and the manual route.
    ChecksumError
        The file arrived but has the wrong digest (the ``.part`` file is deleted).
    """
    if retries < 0:
        raise ParameterError(f"retries must be >= 0, got {retries}")
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    final = cache_dir / spec.filename
    if final.is_file():
        verify_file(final, checksum)
        return final
    part = cache_dir / (spec.filename + ".part")
    session = session or make_session()
    failures: list[str] = []
    gone = 0  # addresses that answered 404/410
    for url in spec.urls:
        for attempt in range(retries + 1):
            if attempt:
                _sleep(backoff * 2 ** (attempt - 1))
            try:
                _transfer_once(url, part, session=session, timeout=timeout, progress=progress,
                               expected_size=spec.size)
            except _Retry as error:
                failures.append(f"{url} (attempt {attempt + 1}): {error}")
                if isinstance(error, _Unreachable) and attempt + 1 >= UNREACHABLE_ATTEMPTS:
                    break
                continue
            except _GiveUp as error:
                failures.append(f"{url}: {error}")
                gone += error.status in _HTTP_GONE
                break
            return _finish(part, final, spec, checksum, url)
    kept = ""
    if part.exists() and part.stat().st_size:
        kept = f"\nThe partial download ({human_size(part.stat().st_size)}) is kept in {part} and resumed next time."
    error_type = NotFoundError if spec.urls and gone == len(spec.urls) else DownloadError
    raise error_type(
        f"could not download {spec.filename}; tried:\n  " + "\n  ".join(failures or ["(no address to try)"])
        + kept + "\n" + manual_instructions(spec, cache_dir)
    )


def _finish(part: Path, final: Path, spec: ArchiveSpec, checksum: Checksum | None, url: str) -> Path:
    size = part.stat().st_size
    published = checksum is not None and checksum.hexdigest in (spec.sha256, spec.md5)
    if published and spec.size is not None and size != spec.size:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"{spec.filename} from {url}: {human_size(size)} ({size} bytes) instead of the published "
            f"{spec.size} bytes; the download was discarded. Try again or use another mirror (--url)."
        )
    try:
        verify_file(part, checksum, what=f"{spec.filename} from {url}")
    except ChecksumError:
        part.unlink(missing_ok=True)
        _stamp_path(part).unlink(missing_ok=True)
        raise
    os.replace(part, final)
    stamp = _stamp_path(part)
    if stamp.exists():  # the stamp describes the same bytes under their final name
        os.replace(stamp, _stamp_path(final))
    return final


# Streaming (RemoteStream, ProgressReader) lives in streaming.py, the network probe in probe.py.
