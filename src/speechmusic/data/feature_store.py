"""The feature cache: one memory-mapped file of features per split and feature-parameter key.

Layout, under the data folder::

    .cache/features-v2-<params key>/train.json              index of the split (below)
    .cache/features-v2-<params key>/train-<token>.npy       float32 (rows, n_mels, n_frames)
    .cache/features-v2-<params key>/test.json, test-<token>.npy

``<params key>`` is a hash of every feature parameter, so other settings get their own folder. The
``.npy`` file holds one row per distinct recording (by content), in the order the split lists its
files, and is opened with ``numpy.load(..., mmap_mode="r")``: a warm load reads the rows it needs
straight from the operating system's page cache, without decoding, hashing or unpickling anything.

The index (JSON) names the data file and, for each row, the BLAKE2 digest of the recording's bytes;
for each file (path relative to the split folder) it gives its row and the file's size,
modification and status-change times and inode. Rules:

* a file whose four stamps are unchanged is a hit without being read;
* any other file is read and hashed: a known digest is a hit (a renamed, copied or touched file),
  an unknown one is decoded (an edited or new file). Any write to a file changes its status-change
  time, even when the modification time is set back afterwards; a file changed in the last few
  seconds before it was hashed gets no stamps (coarse file-system clocks could hide a second
  edit), so it is hashed again next time;
* rows are checked when read (values in [0, 1], no NaN); a damaged row is recomputed;
* a damaged index or data file (unreadable, truncated, wrong shape or type, foreign) is ignored
  with a warning naming it, and rebuilt;
* after a change the store is written again: a new data file under a new name, then the index,
  both atomically (temporary file + rename), then the old data file is removed. Readers therefore
  see either the old pair or the new one, never a half-written file, and two loaders writing at
  once leave a consistent store (the last one wins). Renaming files or forgetting removed ones
  only rewrites the small index until a quarter of the rows are dead;
* a cache folder that cannot be written disables the cache with one warning; loading goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

try:  # POSIX: writers of one store take turns (readers never wait)
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock; stray data files are swept by age instead
    fcntl = None

from speechmusic.core.config import FeatureParams
from speechmusic.core.fileio import atomic_path, write_text

#: Bump when the feature computation or the store layout changes in a way the parameters do not capture.
CACHE_VERSION = 2
CACHE_DIR_NAME = ".cache"
#: Files changed less than this long before they are hashed get no stamps (FAT clocks tick in 2 s).
SETTLE_NS = 3_000_000_000
#: The data file is rewritten without its dead rows (removed or edited files) once they are this share.
DEAD_ROW_SHARE = 0.25
#: Data files no index names (left by a loader that lost a race or was killed) are removed after this.
ORPHAN_AGE_S = 3600.0
#: Rows copied per step: bounds the temporary memory of reading and writing the store (~17 MB).
CHUNK_ROWS = 256
#: Threads that copy a large read (at most this many, and one block of rows each at a time).
READ_THREADS = 4
_DIGEST_PATTERN = re.compile(r"[0-9a-f]{32}")


def file_digest(data: bytes) -> str:
    """Content key of a file: BLAKE2b (128 bit) of its bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def store_folder(data_dir: str | os.PathLike, params: FeatureParams) -> Path:
    """``<data_dir>/.cache/features-v<N>-<params key>``: where the stores of these parameters live."""
    return Path(data_dir) / CACHE_DIR_NAME / f"features-v{CACHE_VERSION}-{params.key()}"


class _Damaged(ValueError):
    """A cache file that cannot be trusted (the message says why)."""


class FeatureStore:
    """The consolidated feature cache of one split (see the module notes).

    Parameters
    ----------
    data_dir : path-like
        The dataset folder.
    split : str
        ``"train"`` or ``"test"`` (any name works: it names the files).
    params : FeatureParams
        Feature parameters; they choose the folder.
    """

    def __init__(self, data_dir: str | os.PathLike, split: str, params: FeatureParams):
        self.data_dir = Path(data_dir)
        self.split = split
        self.params = params
        self.root = store_folder(data_dir, params)
        self.index_path = self.root / f"{split}.json"
        self.writable = True
        self._prefix = str(self.data_dir / split) + os.sep
        self._files: dict[str, list] = {}  # key -> [row, stamp or None]
        self._row_digests: list[str] = []
        self._data: np.ndarray | None = None
        self._data_path: Path | None = None
        self._open()

    # ------------------------------------------------------------------------------- reading
    def _warn_damaged(self, path: Path, reason: str) -> None:
        warnings.warn(f"feature cache: {path} is damaged ({reason}); it is rebuilt", RuntimeWarning, stacklevel=4)

    def _open(self) -> None:
        for attempt in range(3):
            try:
                text = self.index_path.read_text(encoding="utf-8")
            except (FileNotFoundError, NotADirectoryError):
                return  # no store yet (or no cache folder): a cold load
            except (OSError, UnicodeDecodeError) as error:
                self._warn_damaged(self.index_path, f"cannot be read: {getattr(error, 'strerror', None) or error}")
                return
            try:
                files, digests, data_name = self._parse_index(text)
            except _Damaged as error:
                self._warn_damaged(self.index_path, str(error))
                return
            data = None
            if digests:
                path = self.root / data_name
                self._data_path = path  # replaced (and so removed) by the next write, even when damaged
                try:
                    data = self._open_data(path, len(digests))
                except _Damaged as error:
                    if str(error) == "missing" and attempt < 2 and self._index_changed(text):
                        continue  # another loader replaced the store between our two reads
                    self._warn_damaged(path, str(error))
                    return
            self._files, self._row_digests, self._data = files, digests, data
            return

    def _index_changed(self, text: str) -> bool:
        try:
            return self.index_path.read_text(encoding="utf-8") != text
        except (OSError, UnicodeDecodeError):
            return False

    def _parse_index(self, text: str) -> tuple[dict, list, str | None]:
        try:
            index = json.loads(text)
        except ValueError:
            raise _Damaged("not JSON") from None
        if not isinstance(index, dict):
            raise _Damaged("not a JSON object")
        if index.get("version") != CACHE_VERSION or index.get("params_key") != self.params.key() \
                or index.get("split") != self.split:
            raise _Damaged("written for another version, split or parameters")
        digests, files, data_name = index.get("digests"), index.get("files"), index.get("data")
        if not isinstance(digests, list) or not all(isinstance(d, str) and _DIGEST_PATTERN.fullmatch(d)
                                                    for d in digests):
            raise _Damaged("bad digest list")
        if digests and not (isinstance(data_name, str)
                            and re.fullmatch(rf"{re.escape(self.split)}-[0-9a-f]{{16}}\.npy", data_name)):
            raise _Damaged("bad data file name")
        if not isinstance(files, dict):
            raise _Damaged("bad file table")
        rows = len(digests)
        for key, entry in files.items():
            if not (isinstance(entry, list) and len(entry) == 2 and type(entry[0]) is int and 0 <= entry[0] < rows
                    and (entry[1] is None or (isinstance(entry[1], list) and len(entry[1]) == 4
                                              and all(type(v) is int for v in entry[1])))):
                raise _Damaged(f"bad entry for {key!r}")
        return files, digests, data_name

    def _open_data(self, path: Path, rows: int) -> np.ndarray:
        try:
            data = np.load(path, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            raise _Damaged("missing") from None
        except (OSError, ValueError, EOFError) as error:
            raise _Damaged(f"unreadable: {error}") from None
        expected = (rows, *self.params.shape)
        if not isinstance(data, np.memmap) or data.dtype != np.dtype("<f4") or data.shape != expected \
                or not data.flags.c_contiguous:
            raise _Damaged(f"holds {getattr(data, 'dtype', '?')} {getattr(data, 'shape', '?')}, "
                           f"expected float32 {expected}")
        try:
            size = os.path.getsize(path)
        except OSError as error:
            raise _Damaged(f"unreadable: {error}") from None
        if size != data.offset + data.nbytes:
            raise _Damaged(f"{size} bytes, expected {data.offset + data.nbytes}")
        return data

    def _key(self, path: str) -> str:
        return path[len(self._prefix):].replace(os.sep, "/") if path.startswith(self._prefix) else os.path.abspath(path)

    def lookup(self, paths: list) -> tuple[np.ndarray, list, list]:
        """Where each file's features are in the store.

        Returns
        -------
        rows : np.ndarray of int
            Row in the store of each file, -1 when it has to be computed.
        digests : list of str or None
            Content digest of each file (None: the file could not be read).
        stamps : list of list or None
            Size, modification time, status-change time and inode of each file, None when it
            changed too recently to be trusted (or could not be read).
        """
        n = len(paths)
        rows = np.full(n, -1, dtype=np.int64)
        digests: list[str | None] = [None] * n
        stamps: list[list | None] = [None] * n
        by_digest: dict[str, int] | None = None
        files, row_digests = self._files, self._row_digests
        now = time.time_ns()
        for i, path in enumerate(paths):
            path = str(path)
            try:
                info = os.stat(path)
            except OSError:
                continue  # the decoder names the problem
            stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
            known = files.get(self._key(path))
            if known is not None and known[1] == stamp:
                rows[i], digests[i], stamps[i] = known[0], row_digests[known[0]], stamp
                continue
            try:
                with open(path, "rb") as handle:
                    digest = file_digest(handle.read())
            except OSError:
                continue
            digests[i] = digest
            stamps[i] = stamp if now - max(info.st_mtime_ns, info.st_ctime_ns) > SETTLE_NS else None
            if by_digest is None:
                by_digest = {d: r for r, d in enumerate(row_digests)}
            rows[i] = by_digest.get(digest, -1)
        return rows, digests, stamps

    def read(self, rows: np.ndarray, out: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
        """Copy store ``rows`` into ``out[at]`` (any float dtype; ``at`` defaults to 0, 1, ...), checking
        every value on the way.

        Returns the positions (into ``rows``) whose stored values are damaged (outside [0, 1] or
        NaN), with a warning naming the data file; their slots in ``out`` are for the caller to
        fill. Runs of consecutive rows are copied without an intermediate array.
        """
        def copy(start: int) -> list[int]:
            block = self._block(rows[start:start + CHUNK_ROWS])
            where = np.arange(start, start + len(block)) if at is None else at[start:start + len(block)]
            if _consecutive(where):
                out[int(where[0]):int(where[0]) + len(block)] = block
            else:
                out[where] = block
            return [start + j for j in _damaged(block)]

        starts = range(0, len(rows), CHUNK_ROWS)
        threads = min(READ_THREADS, os.cpu_count() or 1, len(starts))
        if threads > 1:
            # A large warm load is page faults and memory traffic (the float64 copy of 20,000 clips
            # is 2.5 GB), which numpy does without the interpreter lock: blocks go to threads.
            with ThreadPoolExecutor(threads, thread_name_prefix="speechmusic-read") as pool:
                found = list(pool.map(copy, starts))
        else:
            found = [copy(start) for start in starts]
        bad = [position for block in found for position in block]
        if bad:
            self._warn_damaged(self._data_path, f"{len(bad)} row(s) with values outside [0, 1] or NaN")
        return np.asarray(bad, dtype=np.int64)

    def view(self, rows: np.ndarray) -> np.ndarray | None:
        """Read-only memory-mapped slice of the data file holding ``rows``, when they are consecutive
        and undamaged; else None."""
        if self._data is None or len(rows) == 0 or not _consecutive(rows):
            return None
        for start in range(0, len(rows), CHUNK_ROWS):
            if _damaged(self._block(rows[start:start + CHUNK_ROWS])):
                return None
        first = int(rows[0])
        return self._data[first:first + len(rows)]

    def _block(self, rows: np.ndarray) -> np.ndarray:
        if _consecutive(rows):  # a view: the page cache is read only once, by the caller's copy
            return self._data[int(rows[0]):int(rows[0]) + len(rows)]
        return self._data[rows]

    # ------------------------------------------------------------------------------- writing
    def _disable(self, error: OSError) -> None:
        self.writable = False
        warnings.warn(
            f"feature cache disabled: cannot write to {self.root} ({error.strerror or error}); "
            "features will be recomputed on every load",
            RuntimeWarning,
            stacklevel=4,
        )

    def update(self, paths: list, rows: np.ndarray, digests: list, stamps: list, features: np.ndarray,
               kept: list[int], computed: set[int]) -> None:
        """Bring the store in line with this load.

        Parameters
        ----------
        paths, rows, digests, stamps
            As given to / returned by :meth:`lookup` (``rows`` -1 where features were computed).
        features : np.ndarray
            The load's features, one row per ``kept`` file (any float dtype; values are float32-exact).
        kept : list of int
            Index into ``paths`` of each row of ``features``.
        computed : set of int
            Files (index into ``paths``) whose features were computed by this load.
        """
        if not self.writable:
            return
        # Distinct recordings of this load in file order, and the first row of ``features`` of each.
        first: dict[str, int] = {}
        entries: dict[str, tuple[str, list | None]] = {}
        for j, i in enumerate(kept):
            digest = digests[i]
            if digest is None:
                continue
            first.setdefault(digest, j)
            entries[self._key(str(paths[i]))] = (digest, stamps[i])
        dead = sum(1 for digest in self._row_digests if digest not in first)
        rewrite = (any(digests[i] is not None for i in computed) or (self._data is None and bool(first))
                   or dead > DEAD_ROW_SHARE * len(self._row_digests))
        if not rewrite:
            # Every row is already stored: keep the data file, the file table alone may have changed.
            old_row = {digest: row for row, digest in enumerate(self._row_digests)}
            files = {key: [old_row[digest], stamp] for key, (digest, stamp) in entries.items()}
            if files != self._files:
                try:
                    with self._writing():
                        self._publish(files, self._row_digests, self._data_path.name if self._row_digests else None)
                except OSError as error:
                    self._disable(error)
            return
        order = list(first)
        new_row = {digest: row for row, digest in enumerate(order)}
        files = {key: [new_row[digest], stamp] for key, (digest, stamp) in entries.items()}
        name = f"{self.split}-{secrets.token_hex(8)}.npy" if order else None
        try:
            with self._writing():
                if name is not None:
                    source = np.asarray([first[digest] for digest in order], dtype=np.int64)
                    with atomic_path(self.root / name) as tmp:
                        target = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32,
                                                           shape=(len(source), *self.params.shape))
                        for start in range(0, len(source), CHUNK_ROWS):
                            target[start:start + CHUNK_ROWS] = features[source[start:start + CHUNK_ROWS]]
                        target.flush()
                        del target
                self._publish(files, order, name)
        except OSError as error:
            if name is not None:
                _remove_quietly(self.root / name)
            self._disable(error)

    @contextlib.contextmanager
    def _writing(self):
        """Hold this split's write lock (POSIX), then sweep what no index names."""
        self.root.mkdir(parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover
            yield
            self._sweep(only_older=True)
            return
        with open(self.root / f"{self.split}.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
                self._sweep(only_older=False)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _publish(self, files: dict, digests: list[str], data_name: str | None) -> None:
        """Write the index (atomically) and switch to its data file. Raises OSError."""
        index = {"version": CACHE_VERSION, "params_key": self.params.key(), "split": self.split,
                 "params": self.params.as_dict(), "data": data_name, "rows": len(digests),
                 "digests": digests, "files": files}
        write_text(self.index_path, json.dumps(index, separators=(",", ":")), overwrite=True)
        self._files, self._row_digests = files, digests
        self._data_path = self.root / data_name if data_name is not None else None
        self._data = None
        if data_name is not None:
            try:
                self._data = self._open_data(self._data_path, len(digests))
            except _Damaged:  # pragma: no cover - only if someone replaced it this very moment
                pass

    def _sweep(self, *, only_older: bool) -> None:
        """Remove this split's data files that the index does not name, and temporary files left by
        killed writers. Under the write lock nobody else is writing, so anything unnamed is stale;
        without a lock (Windows) only files untouched for :data:`ORPHAN_AGE_S` are."""
        keep = self._data_path.name if self._data_path else None
        cutoff = time.time() - ORPHAN_AGE_S
        data_name = re.compile(rf"{re.escape(self.split)}-[0-9a-f]{{16}}\.npy")
        temporary = re.compile(rf"\.({re.escape(self.split)}-[0-9a-f]{{16}}\.npy|{re.escape(self.split)}\.json)\..*\.part")
        try:
            candidates = list(self.root.iterdir())
        except OSError:
            return
        for path in candidates:
            if path.name == keep or not (data_name.fullmatch(path.name) or temporary.fullmatch(path.name)):
                continue
            try:
                if not only_older or path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass


def _consecutive(values: np.ndarray) -> bool:
    """True when ``values`` are n, n + 1, n + 2, ..."""
    return len(values) > 0 and int(values[-1]) - int(values[0]) == len(values) - 1 and bool(np.all(np.diff(values) == 1))


#: Bit pattern of float32 1.0: a float32 in [0, 1] read as uint32 is at most this, while negative
#: numbers (sign bit), values above 1, infinities and NaN are all above it.
_ONE_BITS = np.float32(1.0).view(np.uint32)


def _damaged(block: np.ndarray) -> list[int]:
    """Rows of ``block`` with a value outside [0, 1] or NaN (features are in [0, 1]: anything else is damage)."""
    # One pass over the integers (about twice as fast as min and max of the floats); only a block
    # that fails it (or holds -0.0, which is fine) is looked at row by row.
    if block.view(np.uint32).max() <= _ONE_BITS:
        return []
    flat = block.reshape(len(block), -1)
    return np.flatnonzero(~((flat.min(axis=1) >= 0.0) & (flat.max(axis=1) <= 1.0))).tolist()


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass  # already gone (another loader), or not ours to remove: left for the orphan sweep
