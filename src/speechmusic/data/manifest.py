"""The dataset manifest ``<data_dir>/manifest.csv``: one owner, read once per operation.

Every clip the package writes into a data folder is listed there (path, split, label, source,
original, offset, licence), so re-runs are recognised, splits keep one recording's clips together
and downloaded clips can be credited. :class:`DatasetManifest` is the only code that reads or writes
the file: an operation (a ``fetch``, a ``prepare``, a synthetic build) loads it once, asks it what
is there, adds records in memory and saves them. Saving takes an exclusive lock
(``<data_dir>/.manifest.lock``) and merges with what another process saved meanwhile; the file is
read again only when it did change since it was loaded (its identity and size are compared: the
file is replaced atomically and only ever grows), so one ingest is one read.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import warnings
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from speechmusic.core.fileio import write_text

MANIFEST_NAME = "manifest.csv"
LOCK_NAME = ".manifest.lock"


@dataclass(frozen=True)
class ManifestRecord:
    """One row of ``manifest.csv``."""

    path: str  # relative to the data folder, with forward slashes
    split: str
    label: str
    source: str  # "user", "synthetic", "librispeech", "gtzan", ...
    original: str  # the file or archive member the clip was cut from
    offset: float  # seconds into the original
    licence: str

    @property
    def identity(self) -> tuple:
        return (self.source, self.original, round(float(self.offset), 3), self.split, self.label)


_FIELDS = tuple(f.name for f in fields(ManifestRecord))
#: What identifies one version of the file: device, inode, modification time and size.
_Stamp = tuple[int, int, int, int]


def _read_manifest_file(path: Path) -> tuple[list[ManifestRecord], _Stamp | None]:
    """The records of ``path`` and the stamp of the version read (``[], None`` when there is no file).

    The one place the file is read. A manifest that cannot be parsed is ignored with a warning
    rather than stopping an ingest.
    """
    try:
        handle = path.open(newline="", encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return [], None
    except OSError as error:  # there but unreadable (permissions, ...): as unparsable
        warnings.warn(f"{path}: unreadable manifest ignored ({error})", RuntimeWarning, stacklevel=3)
        return [], None
    try:
        with handle:
            # stamp of the very version read: the file is replaced by rename, never written in place
            stat = os.fstat(handle.fileno())
            stamp = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
            rows = list(csv.DictReader(handle))
        return [ManifestRecord(**{**{k: r[k] for k in r if k in _FIELDS}, "offset": float(r["offset"])})
                for r in rows], stamp
    except (OSError, KeyError, TypeError, ValueError, csv.Error) as error:
        warnings.warn(f"{path}: unreadable manifest ignored ({error})", RuntimeWarning, stacklevel=3)
        return [], None


def _stamp_of(path: Path) -> _Stamp | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


@contextlib.contextmanager
def _manifest_lock(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<data_dir>/.manifest.lock`` (POSIX; elsewhere no lock)."""
    try:
        import fcntl  # POSIX only: the import is the test for it
    except ImportError:  # Windows: concurrent ingests into one folder are not guarded there
        yield
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class DatasetManifest:
    """What ``<data_dir>/manifest.csv`` lists, loaded once, queried and extended in memory.

    Use :meth:`load`; :meth:`add` records a clip in memory, :meth:`save` writes what was added
    (atomically, under the folder's lock, merged with records another process saved meanwhile).

    Examples
    --------
    >>> manifest = DatasetManifest.load("data")                          # doctest: +SKIP
    >>> manifest.present_counts("librispeech")[("train", "speech")]      # doctest: +SKIP
    60
    """

    def __init__(self, data_dir: str | os.PathLike, records: Iterable[ManifestRecord] = (),
                 *, stamp: _Stamp | None = None):
        self.data_dir = Path(data_dir)
        self._records: list[ManifestRecord] = []
        self._by_identity: dict[tuple, ManifestRecord] = {}
        self._unsaved: list[ManifestRecord] = []
        self._stamp = stamp
        self._replace(list(records))

    @classmethod
    def load(cls, data_dir: str | os.PathLike) -> DatasetManifest:
        """Read ``<data_dir>/manifest.csv`` (an empty manifest when there is none)."""
        records, stamp = _read_manifest_file(Path(data_dir) / MANIFEST_NAME)
        return cls(data_dir, records, stamp=stamp)

    @property
    def path(self) -> Path:
        return self.data_dir / MANIFEST_NAME

    @property
    def records(self) -> list[ManifestRecord]:
        """Every record: those read, those saved since and those added but not saved yet."""
        return list(self._records)

    @property
    def unsaved(self) -> list[ManifestRecord]:
        return list(self._unsaved)

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[ManifestRecord]:
        return iter(list(self._records))

    def _replace(self, records: list[ManifestRecord]) -> None:
        self._records = records
        self._by_identity = {r.identity: r for r in records}

    def find(self, *, split: str, label: str, source: str, original: str, offset: float) -> ManifestRecord | None:
        """The record of that clip, or None."""
        return self._by_identity.get((source, original, round(float(offset), 3), split, label))

    def has(self, *, split: str, label: str, source: str, original: str, offset: float) -> bool:
        """True when that clip is listed and its file is still there."""
        record = self.find(split=split, label=label, source=source, original=original, offset=offset)
        return record is not None and (self.data_dir / record.path).is_file()

    def from_sources(self, sources: Collection[str]) -> list[ManifestRecord]:
        """Records whose ``source`` is one of ``sources``."""
        return [r for r in self._records if r.source in sources]

    def present_counts(self, source: str) -> Counter:
        """(split, label) -> clips of ``source`` listed whose files exist."""
        counts: Counter = Counter()
        for record in self._records:
            if record.source == source and (self.data_dir / record.path).is_file():
                counts[(record.split, record.label)] += 1
        return counts

    def add(self, record: ManifestRecord) -> None:
        """List a clip (in memory until :meth:`save`)."""
        self._records.append(record)
        self._by_identity[record.identity] = record
        self._unsaved.append(record)

    def forget_unsaved(self) -> None:
        """Drop the records added since the last save (their clips were removed)."""
        dropped = set(map(id, self._unsaved))
        self._replace([r for r in self._records if id(r) not in dropped])
        self._unsaved = []

    def save(self) -> None:
        """Write the added records to the file (nothing to do when none were added).

        Under the folder's lock: when the file changed since it was loaded or last saved (another
        writer), it is read again and the new records are added to what is there, so two writers
        on one folder (two terminals, say) keep each other's records.
        """
        if not self._unsaved:
            return
        with _manifest_lock(self.data_dir):
            if _stamp_of(self.path) != self._stamp:
                on_disk, _ = _read_manifest_file(self.path)
            else:
                unsaved = set(map(id, self._unsaved))
                on_disk = [r for r in self._records if id(r) not in unsaved]
            known = {r.path for r in on_disk}
            merged = on_disk + [r for r in self._unsaved if r.path not in known]
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=list(_FIELDS), lineterminator="\n")
            writer.writeheader()
            for record in merged:
                writer.writerow(asdict(record))
            write_text(self.path, buffer.getvalue(), overwrite=True)
            self._stamp = _stamp_of(self.path)
        self._unsaved = []
        self._replace(merged)


def read_manifest(data_dir: str | os.PathLike) -> list[ManifestRecord]:
    """Records of ``<data_dir>/manifest.csv`` (empty when there is none); see :class:`DatasetManifest`."""
    return DatasetManifest.load(data_dir).records


__all__ = ["LOCK_NAME", "MANIFEST_NAME", "DatasetManifest", "ManifestRecord", "read_manifest"]
