"""Streaming an archive over HTTP without saving it: :class:`RemoteStream` (resumes dropped
connections) and :class:`ProgressReader` (a local file with a progress bar)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import requests

from speechmusic.core.errors import ChecksumError, DownloadError, ParameterError
from speechmusic.data.sources import download as _download  # _download._sleep: one place to patch in tests
from speechmusic.data.sources.download import (
    _HTTP_TRANSIENT,
    _NETWORK_ERRORS,
    CHUNK_BYTES,
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    UNREACHABLE_ATTEMPTS,
    ArchiveSpec,
    Checksum,
    _GiveUp,
    _progress_bar,
    _request_error,
    _Retry,
    _start_from_content_range,
    _total_from_content_range,
    _Unreachable,
    describe_error,
    human_size,
    make_session,
    manual_instructions,
)

# --- streaming ----------------------------------------------------------------------------------


class RemoteStream(io.RawIOBase):
    """A forward-only, read-only file over an HTTP download that survives dropped connections.

    Mirrors are tried in order until one answers. When the connection drops or stalls, it
    reconnects (up to ``retries`` times in a row, with backoff) and asks for the rest with a
    ``Range`` header; a server that ignores ``Range`` is read again from the start and the bytes
    already seen are skipped. Every byte passes through ``checksum``'s hash once, so after reading
    to the end :meth:`verify` can compare it.

    Parameters
    ----------
    spec : ArchiveSpec
        The archive and its mirrors.
    checksum : Checksum or None
        Digest to compute on the way.
    progress : bool
        Show a progress bar (bytes read, speed).
    timeout, retries, backoff, session
        As in :func:`download_archive`.
    cache_dir : path-like
        The download cache, named in the instructions for a manual download.

    Raises
    ------
    DownloadError
        (from the constructor) no mirror answered; (from reads) the connection could not be resumed.
    """

    def __init__(
        self,
        spec: ArchiveSpec,
        *,
        checksum: Checksum | None = None,
        progress: bool = True,
        timeout=DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        session: requests.Session | None = None,
        cache_dir: str | os.PathLike = "<data-dir>/.cache/downloads",
    ):
        super().__init__()
        if retries < 0:
            raise ParameterError(f"retries must be >= 0, got {retries}")
        self.spec = spec
        self.checksum = checksum
        self.cache_dir = cache_dir  # named in the manual-download instructions
        self._hash = checksum.new() if checksum else None
        self._session = session or make_session()
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self.position = 0
        self.total: int | None = None
        self.url: str | None = None
        self.at_end = False
        self._response: requests.Response | None = None
        self._connect(initial=True)
        self.bar = _progress_bar(self.total or spec.size, 0, spec.filename, progress)

    # io.RawIOBase protocol
    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.at_end or self.closed:
            return 0
        failures = 0
        while True:
            try:
                data = self._response.raw.read(len(buffer), decode_content=False)
                error = None
            except _NETWORK_ERRORS as exc:
                data, error = b"", exc
            if data:
                n = len(data)
                buffer[:n] = data
                self.position += n
                if self._hash is not None:
                    self._hash.update(data)
                self.bar.update(n)
                return n
            if error is None and (self.total is None or self.position >= self.total):
                self.at_end = True
                return 0
            failures += 1
            reason = describe_error(error) if error else "connection closed early"
            if failures > self._retries:
                raise DownloadError(
                    f"{self.spec.filename}: the transfer from {self.url} broke off at "
                    f"{human_size(self.position)} and could not be resumed ({reason}).\n"
                    + manual_instructions(self.spec, self.cache_dir)
                )
            _download._sleep(self._backoff * 2 ** (failures - 1))
            self._close_response()
            self._connect(initial=False)

    def close(self) -> None:
        if not self.closed:
            self._close_response()
            bar = getattr(self, "bar", None)
            if bar is not None:
                bar.close()
        super().close()

    # checksum
    def verify(self) -> bool:
        """Compare the digest of everything read; True when checked, False without a checksum.

        Raises
        ------
        DownloadError
            The stream was not read to its end (nothing to compare yet).
        ChecksumError
            The digest differs.
        """
        if self._hash is None:
            return False
        if not self.at_end:
            raise DownloadError(f"{self.spec.filename}: cannot verify a stream that was not read to its end")
        actual = self._hash.hexdigest()
        if actual != self.checksum.hexdigest:
            raise ChecksumError(
                f"{self.spec.filename} from {self.url}: {self.checksum.algorithm} checksum mismatch\n"
                f"  expected {self.checksum.hexdigest}\n  got      {actual}\n"
                "The archive is damaged or is not the expected file; nothing was kept."
            )
        return True

    # connections
    def _close_response(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None

    def _connect(self, *, initial: bool) -> None:
        failures: list[str] = []
        urls = list(self.spec.urls)
        if self.url in urls:  # after a drop, the mirror that was working comes first
            urls.remove(self.url)
            urls.insert(0, self.url)
        for url in urls:
            for attempt in range(self._retries + 1 if initial else 1):
                if attempt:
                    _download._sleep(self._backoff * 2 ** (attempt - 1))
                try:
                    self._open(url)
                    self.url = url
                    return
                except _Retry as error:
                    failures.append(f"{url} (attempt {attempt + 1}): {error}")
                    if isinstance(error, _Unreachable) and attempt + 1 >= UNREACHABLE_ATTEMPTS:
                        break
                except _GiveUp as error:
                    failures.append(f"{url}: {error}")
                    break
        raise DownloadError(
            f"could not {'download' if initial else 'resume'} {self.spec.filename}; tried:\n  "
            + "\n  ".join(failures or ["(no address to try)"]) + "\n"
            + manual_instructions(self.spec, self.cache_dir)
        )

    def _open(self, url: str) -> None:
        start = self.position
        headers = {"Range": f"bytes={start}-"} if start else {}
        try:
            response = self._session.get(url, headers=headers, stream=True, timeout=self._timeout)
        except _NETWORK_ERRORS as error:
            raise _request_error(error) from None
        status = response.status_code
        if status in _HTTP_TRANSIENT:
            response.close()
            raise _Retry(f"HTTP {status} {response.reason}")
        if status == 206 and start:
            if _start_from_content_range(response.headers.get("Content-Range")) != start:
                response.close()
                raise _Retry("the server resumed at the wrong byte")
            total = _total_from_content_range(response.headers.get("Content-Range"))
        elif status == 200:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            try:
                _skip(response, start)  # the server ignored Range: drop what was already read
            except _NETWORK_ERRORS as error:
                response.close()
                raise _Retry(describe_error(error)) from None
        else:
            response.close()
            raise _GiveUp(f"HTTP {status} {response.reason}")
        if self.total is None:
            self.total = total  # None for a chunked response: the end is the end of the data
        self._response = response


def _skip(response: requests.Response, n_bytes: int) -> None:
    while n_bytes > 0:
        data = response.raw.read(min(n_bytes, CHUNK_BYTES), decode_content=False)
        if not data:
            raise _Retry("connection closed while skipping to the resume point")
        n_bytes -= len(data)


class ProgressReader(io.RawIOBase):
    """A local file read forward with a progress bar, the counterpart of :class:`RemoteStream`."""

    def __init__(self, path: str | os.PathLike, *, progress: bool = True):
        super().__init__()
        self.path = Path(path)
        self._file = open(self.path, "rb")
        self.total = self.path.stat().st_size
        self.position = 0
        self.bar = _progress_bar(self.total, 0, self.path.name, progress)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._file.readinto(buffer)
        self.position += n
        self.bar.update(n)
        return n

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self.bar.close()
        super().close()
