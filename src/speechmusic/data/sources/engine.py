"""Turning a published archive into dataset clips: selection, speaker/track splits, staging.

Every archive source (LibriSpeech, GTZAN, MUSAN, the pitch-shift fallback) is described by an
:class:`ArchiveSource` and run by :func:`collect`, which

1. counts the clips of that source already in ``manifest.csv``; when there are enough, it stops
   without touching the network (so a second identical run is instant and adds nothing);
2. opens the archive: a copy in the download cache if there is one (verified), else a full
   download into the cache when asked (``keep_archive``, a pinned ``sha256``, or a source that
   cannot be streamed), else a stream that stops as soon as enough clips were made;
3. walks the members in archive order; each usable member belongs to a *group* (a speaker, a
   track) that goes wholly to train or to test, never both: groups already in the manifest keep
   their split, a new group goes to the split that is least filled, relative to what was asked;
   at most ``clips_per_group`` clips come from one group so that clips spread over many of them;
4. decodes each chosen member, cuts it into 3-s clips starting at its first sound (leading
   silence skipped; a clip that would need zero padding is not used), and writes them into a
   *staging* folder ``<data_dir>/.cache/staging/<source>-<pid>-<id>/``;
5. only when everything succeeded (archive read, checksum matched when it could be checked), moves
   the staged clips into ``data_dir/{train,test}/{speech,music}/`` through
   :class:`~speechmusic.data.ingest.ClipWriter` (atomic, unique names, manifest with source, original
   member, offset and licence). On any failure the staging folder is removed and ``data/`` is as
   before.

Which clips are chosen depends only on the archive, the counts asked for and the manifest, so
running the same command twice adds nothing, and asking for more later only adds the difference.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import sys
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from speechmusic.core.audio import decode
from speechmusic.core.config import DEFAULT_PARAMS, SPLITS, FeatureParams
from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.data.ingest import ClipWriter, split_into_clips
from speechmusic.data.manifest import DatasetManifest
from speechmusic.data.sources.archive import DEFAULT_LIMITS, ArchiveLimits, Member, is_zip, iter_tar, iter_zip
from speechmusic.data.sources.download import (
    ArchiveSpec,
    DownloadOptions,
    download_archive,
    expected_checksum,
    find_cached,
    human_size,
    parse_sha256,
    verify_file,
)
from speechmusic.data.sources.streaming import ProgressReader, RemoteStream

STAGING_SUBDIR = Path(".cache") / "staging"
#: A staging folder left by a run that died is removed by a later run after this many seconds
#: (sooner on POSIX systems, as soon as its process is gone).
STALE_STAGING_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Item:
    """What an archive member is, for a source.

    Attributes
    ----------
    label : str
        ``"speech"`` or ``"music"``.
    group : str
        Speaker or track: all clips of a group go to the same split.
    original : str
        Canonical member path recorded in the manifest (independent of how the archive was packed).
    stem : str
        Start of the clip file names.
    """

    label: str
    group: str
    original: str
    stem: str


@dataclass(frozen=True)
class ArchiveSource:
    """An archive-based source of clips (see the module notes for how it is run).

    Attributes
    ----------
    name : str
        Value of the manifest's ``source`` column.
    title : str
        Human name for messages.
    licence : str
        Licence and attribution recorded for every clip.
    archive : ArchiveSpec
        The published archive and its mirrors.
    classify : callable
        ``member name -> Item | None`` (None: not a usable recording).
    labels : tuple of str
        Classes this source can provide.
    spread : int
        Groups per class to spread clips over when ``clips_per_group`` is not given:
        ``clips_per_group = ceil((n_train + n_test) / spread)``.
    clips_per_member : int or None
        At most this many clips from one member (None: limited by the group only).
    group_sources : tuple of str
        Other manifest sources whose groups share this source's train/test assignment (the
        pitch-shift fallback and LibriSpeech speech share speakers).
    transform : callable or None
        ``(clip, item, sample_rate) -> clip`` applied before writing (the pitch shift).
    is_metadata : callable or None
        ``member name -> bool``: small members to keep (per-track licence lists, annotations).
    licence_for : callable or None
        ``(original, metadata {member name: bytes}) -> str | None``: the licence of one recording
        when the metadata read so far names it (else the source's ``licence`` is recorded).
    limits : ArchiveLimits
        Bomb bounds for this archive.
    streamable : bool
        Whether the archive can be read while it downloads (tar); zip files cannot.
    """

    name: str
    title: str
    licence: str
    archive: ArchiveSpec
    classify: Callable[[str], Item | None]
    labels: tuple[str, ...]
    spread: int
    clips_per_member: int | None = None
    group_sources: tuple[str, ...] = ()
    transform: Callable[[np.ndarray, Item, int], np.ndarray] | None = None
    limits: ArchiveLimits = DEFAULT_LIMITS
    streamable: bool = True
    is_metadata: Callable[[str], bool] | None = None
    licence_for: Callable[[str, dict], str | None] | None = None


#: Metadata members (licence lists, annotations) larger than this are ignored.
MAX_METADATA_BYTES = 4 * 2**20


@dataclass
class FetchReport:
    """What a source run did."""

    source: str
    wanted: dict = field(default_factory=dict)  # (split, label) -> clips asked for
    written: Counter = field(default_factory=Counter)  # (split, label) -> new clips
    present: Counter = field(default_factory=Counter)  # (split, label) -> clips that were already there
    groups: dict = field(default_factory=lambda: {s: set() for s in SPLITS})  # split -> groups used
    origin: str = ""  # URL or file the archive was read from ("" when nothing was needed)
    bytes_read: int = 0
    checksum: str = ""  # what was verified, or why not
    failed: list = field(default_factory=list)  # members that could not be decoded
    missing: list = field(default_factory=list)  # files the server says are gone (HTTP 404/410)
    licence: str = ""
    clips_per_group: int | None = None  # the cap that was applied
    group_noun: str = "speaker/track"  # what clips_per_group limits, in messages
    exhausted: str = "the archive has no more"  # why a shortfall happened, in messages

    @property
    def total_written(self) -> int:
        return sum(self.written.values())

    def shortfall(self) -> dict:
        """(split, label) -> clips missing from what was asked (only where some are missing)."""
        return {
            key: n - self.written[key] - self.present[key]
            for key, n in self.wanted.items()
            if self.written[key] + self.present[key] < n
        }

    def summary(self) -> str:
        lines = [f"{self.source}:"]
        for (split, label), n in sorted(self.wanted.items()):
            lines.append(
                f"  {split}/{label}: {self.written[(split, label)]} new, {self.present[(split, label)]} already there"
                f" (asked for {n})"
            )
        if self.origin:
            lines.append(f"  read {human_size(self.bytes_read)} from {self.origin}")
        if self.checksum:
            lines.append(f"  checksum: {self.checksum}")
        if self.failed:
            lines.append(f"  {len(self.failed)} recordings could not be decoded and were skipped")
        if self.missing:
            shown = ", ".join(self.missing[:10]) + (f" and {len(self.missing) - 10} more" if len(self.missing) > 10 else "")
            lines.append(f"  {len(self.missing)} files are gone from their address (HTTP 404/410) and were skipped: {shown}")
        cap = (f" with at most {self.clips_per_group} per {self.group_noun} (--clips-per-group)"
               if self.clips_per_group else "")
        for (split, label), missing in sorted(self.shortfall().items()):
            lines.append(f"  warning: {missing} fewer {split}/{label} clips than asked: {self.exhausted}{cap}")
        if self.licence:
            lines.append(f"  licence: {self.licence}")
        return "\n".join(lines)


def _check_counts(n_train: int, n_test: int) -> None:
    for name, n in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ParameterError(f"{name} must be a non-negative integer, got {n!r}")


def _groups_in_manifest(manifest: DatasetManifest, source: ArchiveSource) -> dict[str, str]:
    """group -> split for every group this source (or a sharing one) already has clips from."""
    assignment: dict[str, str] = {}
    for record in manifest.from_sources({source.name, *source.group_sources}):
        item = source.classify(record.original)
        if item is not None:
            assignment.setdefault(item.group, record.split)
    return assignment


def present_counts(data_dir: Path, source_name: str, *, manifest: DatasetManifest | None = None) -> Counter:
    """(split, label) -> clips of source ``source_name`` listed in the manifest whose files exist.

    ``manifest``: the data folder's, already loaded (read from ``data_dir`` when None).
    """
    return (manifest if manifest is not None else DatasetManifest.load(data_dir)).present_counts(source_name)


def _remove_stale_staging(data_dir: Path) -> None:
    root = data_dir / STAGING_SUBDIR
    if not root.is_dir():
        return
    now = time.time()
    for folder in root.iterdir():
        parts = folder.name.rsplit("-", 2)
        if not folder.is_dir() or len(parts) != 3 or not parts[1].isdigit():
            continue  # not a folder this module made
        stale = now - folder.stat().st_mtime > STALE_STAGING_SECONDS
        if not stale and os.name == "posix":
            try:
                os.kill(int(parts[1]), 0)  # signal 0 only asks whether the process exists
            except ProcessLookupError:
                stale = True
            except OSError:
                pass
        if stale:
            shutil.rmtree(folder, ignore_errors=True)


class _Selection:
    """Which split each group goes to, and how many clips each (split, label) and group has."""

    def __init__(self, wanted: dict, assignment: dict[str, str], per_group: int):
        self.wanted = wanted
        self.assignment = dict(assignment)
        self.per_group = per_group
        self.selected: Counter = Counter()
        self.per_group_taken: Counter = Counter()

    def done(self) -> bool:
        return all(self.selected[key] >= n for key, n in self.wanted.items())

    def label_done(self, label: str) -> bool:
        return all(self.selected[(s, label)] >= self.wanted.get((s, label), 0) for s in SPLITS)

    def split_for(self, item: Item) -> str | None:
        """The group's split (assigning a new group to the least-filled split), or None to skip it."""
        split = self.assignment.get(item.group)
        if split is None:
            open_splits = [s for s in SPLITS if self.selected[(s, item.label)] < self.wanted.get((s, item.label), 0)]
            if not open_splits:
                return None
            # Least filled relative to what was asked; ties go to the split that wants more.
            split = min(
                open_splits,
                key=lambda s: (self.selected[(s, item.label)] / self.wanted[(s, item.label)], -self.wanted[(s, item.label)]),
            )
            self.assignment[item.group] = split
        if self.selected[(split, item.label)] >= self.wanted.get((split, item.label), 0):
            return None
        if self.per_group_taken[item.group] >= self.per_group:
            return None
        return split

    def room(self, split: str, item: Item) -> int:
        return min(
            self.wanted[(split, item.label)] - self.selected[(split, item.label)],
            self.per_group - self.per_group_taken[item.group],
        )

    def take(self, split: str, item: Item) -> None:
        self.selected[(split, item.label)] += 1
        self.per_group_taken[item.group] += 1


def collect(
    source: ArchiveSource,
    data_dir: str | os.PathLike,
    *,
    n_train: int,
    n_test: int,
    labels: Sequence[str] | None = None,
    urls: Sequence[str] | None = None,
    archive_path: str | os.PathLike | None = None,
    sha256: str | None = None,
    clips_per_group: int | None = None,
    params: FeatureParams = DEFAULT_PARAMS,
    download: DownloadOptions | None = None,
    dataset_manifest: DatasetManifest | None = None,
    **download_options,
) -> FetchReport:
    """Add ``n_train`` + ``n_test`` clips of each of ``labels`` from ``source`` to ``data_dir``.

    Parameters
    ----------
    source : ArchiveSource
        The source (see :mod:`speechmusic.data.sources`).
    data_dir : path-like
        Dataset root.
    n_train, n_test : int
        Clips per class wanted from this source in each split (clips already there count).
    labels : sequence of str or None
        Classes to take (default: all the source has).
    urls : sequence of str or None
        Addresses to fetch the archive from instead of the official mirrors.
    archive_path : path-like or None
        Use this local copy of the archive instead of downloading.
    sha256 : str or None
        Pin the archive's sha256 (implies a full download into the cache, since a checksum can
        only be compared over the whole file).
    clips_per_group : int or None
        At most this many clips per speaker or track (default from the source's ``spread``).
    params : FeatureParams
        Clip length and rate.
    download : DownloadOptions or None
        How to download (verify, cache, keep the archive, progress, timeout, retries, backoff,
        session); None: the defaults. With ``keep_archive`` the whole archive goes into the cache
        and is read from there (later runs need no network); without, it is streamed and the
        download stops early.
    dataset_manifest : DatasetManifest or None
        ``data_dir``'s manifest when the caller has loaded it already (a fetch of several sources
        reads it once); None: read here.
    **download_options
        Fields of :class:`~speechmusic.data.sources.download.DownloadOptions` given one by one
        (``verify=False``, ``progress=False`` ...); they replace those of ``download``.

    Returns
    -------
    FetchReport

    Raises
    ------
    DownloadError, ChecksumError, UnsafeArchiveError, ArchiveError
        Nothing was added to ``data_dir`` (staged clips are discarded).
    """
    _check_counts(n_train, n_test)
    if sha256:
        sha256 = parse_sha256(sha256)  # a typo is reported before anything is fetched
    labels = tuple(labels) if labels is not None else source.labels
    unknown = set(labels) - set(source.labels)
    if unknown:
        raise ParameterError(f"{source.title} provides {', '.join(source.labels)}, not {', '.join(sorted(unknown))}")
    if clips_per_group is not None and clips_per_group < 1:
        raise ParameterError(f"clips_per_group must be at least 1, got {clips_per_group}")
    download = DownloadOptions.of(download, **download_options)
    data_dir = Path(data_dir)
    cache_dir = download.cache_for(data_dir)
    wanted = {(split, label): n for split, n in zip(SPLITS, (n_train, n_test)) for label in labels if n > 0}
    report = FetchReport(source=source.name, wanted=wanted, licence=source.licence)
    if dataset_manifest is None:
        dataset_manifest = DatasetManifest.load(data_dir)  # read once for the whole collect
    present = dataset_manifest.present_counts(source.name)
    if all(present[key] >= n for key, n in wanted.items()):
        for key in wanted:
            report.present[key] = min(present[key], wanted[key])
        return report

    spec = source.archive.with_urls(urls) if urls else source.archive
    per_group = clips_per_group or max(1, math.ceil((n_train + n_test) / source.spread))
    report.clips_per_group = per_group
    selection = _Selection(wanted, _groups_in_manifest(dataset_manifest, source), per_group)
    final = ClipWriter(data_dir, params=params, manifest=dataset_manifest)  # consulted: what is already there

    with staging_folder(data_dir, source.name) as staging_dir:
        staged = ClipWriter(staging_dir, params=params)
        with ExitStack() as stack:
            members, reader, finish = _open_members(
                source, spec, stack, cache_dir=cache_dir, archive_path=archive_path, sha256=sha256,
                download=download, staging_dir=staging_dir,
            )
            report.origin = str(getattr(reader, "url", None) or getattr(reader, "path", ""))
            metadata: dict[str, bytes] = {}
            stopped_early = _walk(members, source, selection, staged, final, report, params, reader, metadata)
            report.checksum = finish(stopped_early)
            report.bytes_read = reader.position
        staged.flush()
        licence_for = None
        if source.licence_for is not None:
            licence_for = lambda original: source.licence_for(original, metadata)  # noqa: E731
        commit_staged(staged, data_dir, params, report, licence_for=licence_for, manifest=dataset_manifest)
    return report


@contextmanager
def staging_folder(data_dir: str | os.PathLike, name: str) -> Iterator[Path]:
    """A fresh folder ``<data_dir>/.cache/staging/<name>-<pid>-<id>/``, removed on exit whatever happens.

    Clips are written there first and moved into the dataset by :func:`commit_staged` only when
    a source's whole run succeeded. Folders left behind by runs that died are removed first.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(data_dir)
    staging_dir = data_dir / STAGING_SUBDIR / f"{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging_dir.mkdir(parents=True)
    try:
        yield staging_dir
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
        _remove_empty(staging_dir.parent)


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _open_members(
    source: ArchiveSource, spec: ArchiveSpec, stack: ExitStack, *, cache_dir: Path, archive_path, sha256,
    download: DownloadOptions, staging_dir,
):
    """Open the archive the cheapest safe way; returns (members, reader, finish(stopped_early) -> str)."""
    local = Path(archive_path) if archive_path is not None else find_cached(spec, cache_dir)
    if archive_path is not None and not local.is_file():
        raise ParameterError(f"{local}: no such archive file")
    if local is None and (download.keep_archive or sha256 or not source.streamable):
        checksum = expected_checksum(spec, sha256=sha256, verify=download.verify)
        local = download_archive(spec, cache_dir, checksum=checksum, **download.network())
    if local is not None:
        checksum = expected_checksum(spec, sha256=sha256, verify=download.verify, path=local)
        in_cache = local.resolve().parent == Path(cache_dir).resolve()
        checked = verify_file(local, checksum, remember=in_cache)
        note = _checksum_note(checksum, checked, download.verify, local=True)
        if is_zip(local):
            reader = stack.enter_context(ProgressReader(local, progress=False))
            reader.position = local.stat().st_size
            members = iter_zip(local, limits=source.limits, what=local.name)
        else:
            reader = stack.enter_context(ProgressReader(local, progress=download.progress))
            members = iter_tar(reader, limits=source.limits, filter_root=staging_dir, what=local.name)
        return members, reader, lambda stopped_early: note

    checksum = expected_checksum(spec, sha256=sha256, verify=download.verify)
    stream = stack.enter_context(RemoteStream(spec, checksum=checksum, cache_dir=cache_dir, **download.network()))
    members = iter_tar(stream, limits=source.limits, filter_root=staging_dir, what=spec.filename)

    def finish(stopped_early: bool) -> str:
        if stopped_early and not stream.at_end:
            if checksum is None:
                return _checksum_note(None, False, download.verify, local=False)
            return (f"not compared: only {human_size(stream.position)} of {human_size(stream.total)} were needed "
                    "(tar and gzip integrity checks passed; --keep-archive downloads and verifies the whole file)")
        while stream.read(1 << 16):  # the rest after the end-of-archive marker (padding, gzip trailer)
            pass
        checked = stream.verify()  # raises ChecksumError: nothing is committed
        return _checksum_note(checksum, checked, download.verify, local=False)

    return members, stream, finish


def _checksum_note(checksum, checked: bool, verify: bool, *, local: bool) -> str:
    if checked:
        return f"{checksum.algorithm} verified"
    if not verify:
        return "not verified (--no-verify)"
    return "not verified: no published checksum for this file (pass --sha256 to pin one)"


def _walk(members: Iterator[Member], source, selection: _Selection, staged: ClipWriter, final: ClipWriter,
          report: FetchReport, params: FeatureParams, reader, metadata: dict) -> bool:
    """Make clips from the members until enough are selected. True when it stopped before the end."""
    seen: set[str] = set()
    n_samples = params.n_samples
    bar = getattr(reader, "bar", None)
    if selection.done():
        return True
    for member in members:
        if source.is_metadata is not None and source.is_metadata(member.name):
            if member.size <= MAX_METADATA_BYTES:
                metadata[member.name] = member.read()
            continue
        item = source.classify(member.name)
        if item is None or item.label not in {label for (_, label) in selection.wanted} or item.original in seen:
            continue
        if selection.label_done(item.label):
            continue
        split = selection.split_for(item)
        if split is None:
            continue
        seen.add(item.original)
        data = member.read()
        try:
            y = decode(io.BytesIO(data), sample_rate=params.sample_rate, name=item.original)
        except AudioError as error:
            warnings.warn(f"skipped {error}", RuntimeWarning, stacklevel=2)
            report.failed.append(item.original)
            continue
        del data
        limit = min(selection.room(split, item), source.clips_per_member or sys.maxsize)
        for offset, clip in split_into_clips(y, params=params):
            if limit <= 0:
                break
            first = int(round(offset * params.sample_rate))
            if first + n_samples > y.size:
                continue  # would need zero padding: not a full 3 s of the recording
            selection.take(split, item)
            report.groups[split].add(item.group)
            limit -= 1
            if final.has(split=split, label=item.label, source=source.name, original=item.original, offset=offset):
                report.present[(split, item.label)] += 1
                continue
            if source.transform is not None:
                clip = source.transform(clip, item, params.sample_rate)
            staged.save(split, item.label, clip, stem=f"{item.stem}_{int(round(offset * 1000)):07d}ms",
                        source=source.name, original=item.original, offset=offset, licence=source.licence)
        if bar is not None:
            bar.set_postfix_str(f"{sum(selection.selected.values())}/{sum(selection.wanted.values())} clips",
                                refresh=False)
        if selection.done():
            return True  # stop here: the rest of the archive is not needed
    return False


def commit_staged(staged: ClipWriter, data_dir: Path, params: FeatureParams, report: FetchReport, *,
                  licence_for: Callable[[str], str | None] | None = None,
                  manifest: DatasetManifest | None = None) -> None:
    """Move staged clips into the dataset; on any error remove what this step wrote.

    Clips already in the dataset (same source, original, offset, split and label) are counted in
    ``report.present`` and not written again; new ones in ``report.written``. ``manifest`` is the
    data folder's, already loaded (read from ``data_dir`` when None).
    """
    final = ClipWriter(data_dir, params=params, manifest=manifest)
    try:
        for record in staged.records:
            clip, _ = sf.read(str(staged.data_dir / record.path), dtype="float32")
            licence = (licence_for(record.original) if licence_for else None) or record.licence
            saved = final.save(record.split, record.label, clip, stem=Path(record.path).stem,
                               source=record.source, original=record.original, offset=record.offset,
                               licence=licence)
            key = (record.split, record.label)
            if saved is None:
                report.present[key] += 1
            else:
                report.written[key] += 1
        final.flush()
    except BaseException:
        for path in final.written:
            path.unlink(missing_ok=True)
        final.manifest.forget_unsaved()
        raise
