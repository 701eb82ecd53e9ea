"""The real-world set: 124 speech and music clips cut from files in 29 public GitHub repositories.

The package ships only the *list* (``real_world.csv``, package data): for every clip its id,
label, category, language, recording, the public file it is cut from (``repo``, pinned ``commit``,
``path``, ``source_sha256`` of the whole file), the stretch (``start_s``, ``duration_s``, at most
20 s) and its licence and attribution. No audio is in the repository. This module downloads each
original from ``https://raw.githubusercontent.com/<repo>/<commit>/<path>`` (path URL-encoded;
another base address serves mirrors and tests), checks its sha256, cuts the stretch and writes it.

Speech: 16 languages, read, conversational and spontaneous, 8-kHz call-centre, noisy, far-field,
over background music. Music: electronic, chiptune, game soundtracks, orchestral, piano,
Carnatic, tabla, drums, solo strings and wind, jazz-funk, a cappella. Licences: public domain,
CC0, CC BY, CC BY-SA, or the repository's MIT, BSD-2-Clause or Apache-2.0 licence (per clip in the
list; :func:`licence_family` groups them).

Two products:

* :func:`fetch` -- a lab data source (``download_samples.py --source real-world``, menu 6, and
  the music of the quick start when GTZAN cannot be reached): 3-s clips at 22050 Hz in
  ``data/{train,test}/{speech,music}``, through the same staging and clip writer as every other
  source, plus ``data/ATTRIBUTION-real-world.md``.
* :func:`build_real_world_folder` -- a folder laid out like the shared copy of the set
  (``manifest.csv``, ``speech/<id>.<ext>``, ``music/<id>.<ext>``, one file per clip), for
  training and measuring on whole clips.

Downloads go through :func:`speechmusic.data.sources.download.download_archive`: one request session,
retries with backoff, resume of ``.part`` files, a cache (``<cache>/real-world/<sha256
prefix>-<file name>``; a file put there by hand is used without the network) and the sha256 check.
A file whose checksum differs is refused and stops the run (nothing is written). A file the
server says is gone (HTTP 404/410) is skipped with a warning by :func:`fetch` (the other clips
still come; the summary lists what is missing) and stops :func:`build_real_world_folder` unless
``allow_missing=True`` (a rebuild must not silently change its data). Any other failure
(no network, a broken transfer) stops either before anything is written; the files already
downloaded stay in the cache, so running again resumes.

Cutting: an original of at most ``duration_s`` that the stretch starts at 0 is kept byte for byte
(its own format). Otherwise the stretch ``start_s .. start_s + duration_s`` is written losslessly at
the original's rate and channel count: PCM and float WAV/FLAC originals in their own format and
sample type (sample-exact), Ogg Vorbis and MP3 originals decoded and written as 16-bit FLAC
(decoding the whole file and cutting sample-exactly, where the shared copy cut Ogg and MP3 at
codec packets, so such clips may start a few tens of milliseconds apart from it).

Train/test split (lab source): by *source*, never by clip: every clip of a repository owner goes
to the same split (owner rather than repository because some owners reuse voices across their
repositories: Picovoice's test voices, AWS's call-centre agents). Owners are taken in the order of
the sha256 of their name and put into test while that keeps each class's test audio within
:data:`TEST_FRACTION` of its total duration, so the split is deterministic, needs no random state
and gives test several sources per class.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm.auto import tqdm

from speechmusic.core.audio import AUDIO_EXTENSIONS, clip_start, decode
from speechmusic.core.config import DEFAULT_PARAMS, SPLITS, FeatureParams
from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.core.fileio import write_text
from speechmusic.core.labels import LEARNED_LABELS
from speechmusic.data.ingest import ClipWriter, split_into_clips
from speechmusic.data.manifest import DatasetManifest
from speechmusic.data.sources.download import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    ArchiveSpec,
    DownloadError,
    NotFoundError,
    default_cache_dir,
    download_archive,
    expected_checksum,
    human_size,
    make_session,
)
from speechmusic.data.sources.engine import FetchReport, _check_counts, commit_staged, staging_folder
from speechmusic.data.sources.real_world_clips import (
    ATTRIBUTION_NAME,
    CACHE_SUBFOLDER,
    DEFAULT_BASE_URL,
    FIELDS,
    FOLDER_ATTRIBUTION_NAME,
    FOLDER_FIELDS,
    MANIFEST_RESOURCE,
    SOURCE_NAME,
    TEST_FRACTION,
    WHOLE_FILE_TOLERANCE,
    Entry,
    assign_splits,
    attribution_markdown,
    licence_family,
    load_manifest,
)

# --- downloading and cutting ------------------------------------------------------------------


def original_spec(entry: Entry, base_url: str = DEFAULT_BASE_URL) -> ArchiveSpec:
    """The download of one original, for :func:`speechmusic.data.sources.download.download_archive`."""
    return ArchiveSpec(
        filename=entry.cache_name,
        urls=(entry.url(base_url),),
        sha256=entry.source_sha256,
        homepage=entry.page,
        note=f"(this is the original of the real-world clip {entry.id}, from the repository {entry.repo})",
    )


def download_original(entry: Entry, cache_dir: str | os.PathLike, *, base_url: str = DEFAULT_BASE_URL,
                      verify: bool = True, progress: bool = False, timeout=DEFAULT_TIMEOUT,
                      retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF, session=None) -> Path:
    """The original of ``entry`` in ``cache_dir``: downloaded (resumed, verified) unless already there.

    Raises
    ------
    ChecksumError
        The file's sha256 differs from ``entry.source_sha256`` (the download is discarded).
    NotFoundError
        The server says the file is not there (HTTP 404/410).
    DownloadError
        Any other failure (the message lists what was tried and how to fetch the file by hand).
    """
    spec = original_spec(entry, base_url)
    checksum = expected_checksum(spec, verify=verify)
    try:
        return download_archive(spec, cache_dir, checksum=checksum, progress=progress, timeout=timeout,
                                retries=retries, backoff=backoff, session=session)
    except DownloadError as error:
        error.args = (f"real-world clip {entry.id} ({entry.repo}: {entry.path}): {error}",)
        raise


def _lossless_read_dtype(subtype: str) -> str | None:
    """The dtype that reads a sample type back exactly, or None for lossy codecs."""
    if subtype.startswith("PCM_"):
        return "int32"  # every PCM width fits; libsndfile scales back exactly on writing
    return {"FLOAT": "float32", "DOUBLE": "float64"}.get(subtype)


def cut_clip(original: str | os.PathLike, entry: Entry) -> tuple[bytes, str]:
    """The clip of ``entry`` cut from its (verified) original, as file bytes and an extension.

    See the module notes: the original itself when it is the whole clip, else the stretch written
    losslessly at the original's rate and channel count.

    Raises
    ------
    AudioError
        The original cannot be decoded, or is shorter than where the clip starts.
    """
    original = Path(original)
    what = f"{entry.id} ({original.name})"
    try:
        info = sf.info(str(original))
    except Exception as error:  # libsndfile raises several types
        raise AudioError(f"{what}: cannot decode audio: {error}") from None
    rate = info.samplerate
    suffix = Path(entry.path).suffix.lower()
    if entry.start_s == 0 and info.frames <= (entry.duration_s + WHOLE_FILE_TOLERANCE) * rate and suffix in AUDIO_EXTENSIONS:
        return original.read_bytes(), suffix
    first = int(round(entry.start_s * rate))
    length = int(round(entry.duration_s * rate))
    if first >= info.frames:
        raise AudioError(f"{what}: the original lasts {info.frames / rate:.3f} s, the clip starts at {entry.start_s:g} s")
    dtype = _lossless_read_dtype(info.subtype)
    try:
        with sf.SoundFile(str(original)) as f:
            f.seek(first)
            data = f.read(length, dtype=dtype or "float32", always_2d=True)
    except Exception as error:
        raise AudioError(f"{what}: cannot decode audio: {error}") from None
    if data.shape[0] == 0:
        raise AudioError(f"{what}: no samples between {entry.start_s:g} and {entry.end_s:g} s")
    buffer = io.BytesIO()
    if dtype is None:  # Ogg Vorbis, MP3, ...: decoded, so any lossless format keeps what was decoded
        data = np.clip(data, -1.0, 1.0)
        sf.write(buffer, data, rate, format="FLAC", subtype="PCM_16")
        return buffer.getvalue(), ".flac"
    container, subtype = ("FLAC" if info.format == "FLAC" else "WAV"), info.subtype
    if not sf.check_format(container, subtype):  # a sample type WAV cannot hold (8-bit signed AIFF, ...)
        container, subtype = "FLAC", "PCM_24"
    sf.write(buffer, data, rate, format=container, subtype=subtype)
    return buffer.getvalue(), "." + container.lower()


class _Downloads:
    """Fetches originals once each (several clips may share one), with one session and one progress bar."""

    def __init__(self, cache_dir: Path, *, base_url: str, verify: bool, progress: bool, total: int,
                 timeout, retries: int, backoff: float, session):
        self.cache_dir = cache_dir
        self.options = dict(base_url=base_url, verify=verify, timeout=timeout, retries=retries, backoff=backoff,
                            session=session or make_session())
        self.paths: dict[str, Path] = {}
        self.bar = tqdm(total=total, desc="real-world originals", unit="file", disable=not progress,
                        dynamic_ncols=True, leave=True)
        self.bytes = 0

    def get(self, entry: Entry) -> Path:
        key = entry.source_sha256
        if key not in self.paths:
            try:
                path = download_original(entry, self.cache_dir, progress=False, **self.options)
            finally:
                self.bar.update(1)
            self.paths[key] = path
            self.bytes += path.stat().st_size
            self.bar.set_postfix_str(human_size(self.bytes), refresh=True)
        return self.paths[key]

    def close(self) -> None:
        self.bar.close()


# --- the lab data source ----------------------------------------------------------------------


def _interleaved(entries: Sequence[Entry]) -> list[Entry]:
    """Entries in an order that visits every group before a group's second clip (so few clips still
    come from many sources); deterministic (groups by the sha256 of their name, clips as listed)."""
    by_group: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_group[entry.group].append(entry)
    groups = sorted(by_group, key=lambda g: hashlib.sha256(g.encode("utf-8")).hexdigest())
    ordered = []
    for rank in range(max((len(v) for v in by_group.values()), default=0)):
        ordered += [by_group[g][rank] for g in groups if rank < len(by_group[g])]
    return ordered


def lab_windows(y: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> list[tuple[float, np.ndarray]]:
    """The lab's clips from one real-world clip: consecutive full windows from its first sound.

    Windows follow :func:`speechmusic.data.ingest.split_into_clips` (silent windows left out); one that
    would need zero padding is not used. A clip whose sound is shorter than one window still gives
    one: the window :func:`speechmusic.core.audio.fit_to_clip` takes (centred on the sound, no padding).

    Returns
    -------
    list of (float, np.ndarray)
        Offset in seconds into ``y`` and ``params.n_samples`` float32 samples.
    """
    n = params.n_samples
    if y.size < n or not np.any(y):
        return []
    windows = [(offset, clip) for offset, clip in split_into_clips(y, params=params)
               if int(round(offset * params.sample_rate)) + n <= y.size]
    if not windows:
        first = clip_start(y, params=params)
        windows = [(first / params.sample_rate, np.asarray(y[first:first + n], dtype=np.float32))]
    return windows


def clip_licence(entry: Entry) -> str:
    """The licence column of the data manifest for a clip cut from ``entry``."""
    return f"{entry.licence}; {entry.attribution}; real-world clip {entry.id}, {entry.page}"


def fetch(
    data_dir: str | os.PathLike,
    *,
    n_train: int = 60,
    n_test: int = 20,
    labels: Sequence[str] = ("music", "speech"),
    manifest: str | os.PathLike | None = None,
    base_url: str | None = None,
    verify: bool = True,
    cache_dir: str | os.PathLike | None = None,
    clips_per_group: int | None = None,
    progress: bool = True,
    timeout=DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    session=None,
    params: FeatureParams = DEFAULT_PARAMS,
    dataset_manifest: DatasetManifest | None = None,
) -> FetchReport:
    """Add ``n_train`` + ``n_test`` 3-s clips per class from the real-world set to ``data_dir``.

    Clips are spread over the set's recordings (every source's first clip before any source's
    second; at most ``clips_per_group`` windows per recording, by default just enough for the
    counts asked), split by source (:func:`assign_splits`), written through the same staging and
    clip writer as the other sources, and credited in ``data_dir/ATTRIBUTION-real-world.md``.
    Originals are downloaded only for the recordings used.

    Parameters
    ----------
    data_dir : path-like
        Dataset root.
    n_train, n_test : int
        Clips per class wanted in each split (clips this source already added count). The set
        holds about 155 train and 44 test 3-s clips of speech, 247 and 77 of music (counted on
        the shared copy's clips).
    labels : sequence of str
        Labels to take (the quick start takes ``("music",)``; ``"noise"`` takes the clips the set
        calls neither, into ``noise/`` folders).
    manifest : path-like or None
        A list in the packaged format instead of the packaged one.
    base_url : str or None
        Serves the originals as ``<base_url>/<repo>/<commit>/<path>`` (default raw.githubusercontent.com).
    verify : bool
        False skips the sha256 checks.
    cache_dir : path-like or None
        Download cache (default ``<data_dir>/.cache/downloads``; originals go to its ``real-world/``).
    clips_per_group : int or None
        At most this many 3-s clips per recording.
    progress : bool
        Progress bar (originals fetched, bytes).
    timeout, retries, backoff, session
        Network behaviour (see :func:`speechmusic.data.sources.download.download_archive`).
    params : FeatureParams
        Clip length and rate.
    dataset_manifest : DatasetManifest or None
        ``data_dir``'s manifest when the caller has loaded it already; None: read here.

    Returns
    -------
    FetchReport
        ``missing`` lists the clips whose original the server says is gone (skipped).

    Raises
    ------
    ChecksumError, DownloadError
        Nothing was added to ``data_dir``; downloaded originals stay in the cache.
    """
    _check_counts(n_train, n_test)
    labels = tuple(labels)
    unknown = set(labels) - set(LEARNED_LABELS)
    if unknown or not labels:
        raise ParameterError(f"labels must be among {', '.join(LEARNED_LABELS)}, got {', '.join(labels) or 'none'}")
    if clips_per_group is not None and clips_per_group < 1:
        raise ParameterError(f"clips_per_group must be at least 1, got {clips_per_group}")
    entries = load_manifest(manifest)
    data_dir = Path(data_dir)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir(data_dir)
    wanted = {(split, label): n for split, n in zip(SPLITS, (n_train, n_test)) for label in labels if n > 0}
    report = FetchReport(source=SOURCE_NAME, wanted=wanted, group_noun="recording",
                         exhausted="the real-world set has no more",
                         licence=f"per clip (open licences and repository licences), credited in {data_dir / ATTRIBUTION_NAME}")
    if dataset_manifest is None:
        dataset_manifest = DatasetManifest.load(data_dir)  # read once for the whole fetch
    present = dataset_manifest.present_counts(SOURCE_NAME)
    if all(present[key] >= n for key, n in wanted.items()):
        for key in wanted:
            report.present[key] = min(present[key], wanted[key])
        write_attribution(data_dir, entries, manifest=dataset_manifest)
        return report

    splits = assign_splits(entries)
    queues = {key: _interleaved([e for e in entries if (splits[e.group], e.label_name) == key]) for key in wanted}
    used = {e.id: e for queue in queues.values() for e in queue}
    downloads = _Downloads(cache / CACHE_SUBFOLDER, base_url=base_url or DEFAULT_BASE_URL, verify=verify,
                           progress=progress, total=len({e.source_sha256 for e in used.values()}), timeout=timeout,
                           retries=retries, backoff=backoff, session=session)
    report.origin = base_url or DEFAULT_BASE_URL
    final = ClipWriter(data_dir, params=params, manifest=dataset_manifest)  # consulted: which clips are there
    try:
        with staging_folder(data_dir, SOURCE_NAME) as staging_dir:
            staged = ClipWriter(staging_dir, params=params)
            for key, queue in queues.items():
                _take(key, queue, wanted[key], clips_per_group, downloads, staged, final, report, params)
            if report.missing:
                example = used[report.missing[0]].url(report.origin)
                if not downloads.paths:
                    raise NotFoundError(
                        f"none of the real-world originals needed could be found under {report.origin}: "
                        f"{len(report.missing)} answered HTTP 404/410 (for example {example}); nothing was added"
                    )
                warnings.warn(
                    f"{len(report.missing)} real-world originals are gone from their address (HTTP 404/410, for "
                    f"example {example}); their clips were skipped: {', '.join(report.missing)}",
                    RuntimeWarning, stacklevel=2)
            staged.flush()
            commit_staged(staged, data_dir, params, report, manifest=dataset_manifest)
    finally:
        downloads.close()
    report.bytes_read = downloads.bytes
    if downloads.paths:
        report.checksum = "sha256 verified for every original" if verify else "not verified (--no-verify)"
    write_attribution(data_dir, entries, manifest=dataset_manifest)
    return report


def _take(key, queue: Sequence[Entry], n_wanted: int, clips_per_group, downloads: _Downloads, staged: ClipWriter,
          final: ClipWriter, report: FetchReport, params: FeatureParams) -> None:
    """Select and stage the clips of one (split, label) from its queue of recordings."""
    split, label = key
    per_recording = clips_per_group or max(1, math.ceil(n_wanted / max(1, len(queue))))
    if clips_per_group is not None:
        report.clips_per_group = clips_per_group
    taken = 0
    skipped: set[str] = set()
    rounds = 1 if clips_per_group is not None else max(1, math.ceil(n_wanted / per_recording))
    for round_ in range(rounds):
        progress_in_round = False
        for entry in queue:
            if taken >= n_wanted:
                return
            if entry.id in skipped:
                continue
            try:
                original = downloads.get(entry) if round_ == 0 else downloads.paths[entry.source_sha256]
            except NotFoundError:
                report.missing.append(entry.id)  # reported once, after the walk
                skipped.add(entry.id)
                continue
            try:
                y = decode(original, sample_rate=params.sample_rate, offset=entry.start_s,
                           duration=entry.duration_s, name=f"{entry.id} ({original.name})")
            except AudioError as error:
                warnings.warn(f"skipped {error}", RuntimeWarning, stacklevel=3)
                report.failed.append(entry.id)
                skipped.add(entry.id)
                continue
            windows = lab_windows(y, params=params)
            if len(windows) <= (round_ + 1) * per_recording:
                skipped.add(entry.id)  # nothing left for a later round
            windows = windows[round_ * per_recording:(round_ + 1) * per_recording]
            for offset, clip in windows[: n_wanted - taken]:
                progress_in_round = True
                taken += 1
                report.groups[split].add(entry.group)
                at = round(entry.start_s + offset, 3)
                if final.has(split=split, label=label, source=SOURCE_NAME, original=entry.original, offset=at):
                    report.present[key] += 1
                    continue
                staged.save(split, label, clip, stem=f"realworld-{entry.id}_{int(round(at * 1000)):07d}ms",
                            source=SOURCE_NAME, original=entry.original, offset=at, licence=clip_licence(entry))
        if not progress_in_round:
            return


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def entries_in_data(data_dir: str | os.PathLike, entries: Sequence[Entry], *,
                    manifest: DatasetManifest | None = None) -> dict[str, Counter]:
    """id -> clips per split that ``data_dir`` holds from each real-world entry (files that exist).

    ``manifest``: ``data_dir``'s, already loaded (read from ``data_dir`` when None).
    """
    by_original: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_original[entry.original].append(entry)
    found: dict[str, Counter] = defaultdict(Counter)
    manifest = manifest if manifest is not None else DatasetManifest.load(data_dir)
    for record in manifest.from_sources({SOURCE_NAME}):
        if not (Path(data_dir) / record.path).is_file():
            continue
        for entry in by_original.get(record.original, ()):
            if entry.start_s - 1e-3 <= record.offset < entry.end_s:
                found[entry.id][record.split] += 1
                break
    return dict(found)


def write_attribution(data_dir: str | os.PathLike, entries: Sequence[Entry] | None = None, *,
                      manifest: DatasetManifest | None = None) -> Path | None:
    """(Re)write ``data_dir/ATTRIBUTION-real-world.md`` for the real-world clips the data holds.

    Returns the file, or None when the data holds no real-world clip (nothing is written then).
    ``manifest``: ``data_dir``'s, already loaded (read from ``data_dir`` when None).
    """
    entries = entries if entries is not None else load_manifest()
    used = entries_in_data(data_dir, entries, manifest=manifest)
    if not used:
        return None
    notes = {eid: ", ".join(f"{n} clip{'s' if n != 1 else ''} in {split}" for split, n in sorted(c.items()))
             for eid, c in used.items()}
    text = attribution_markdown(
        [e for e in entries if e.id in used],
        title="Attribution: clips from the real-world set",
        intro=(f"The `{SOURCE_NAME}` clips in this folder (file names starting with `realworld-`; "
               "`manifest.csv` gives each one's original address, offset and licence) are 3-s excerpts "
               "of the recordings listed here, resampled to 22050 Hz mono. Keep this file with them; do not "
               "commit the audio to a repository."),
        clips=notes,
    )
    return write_text(Path(data_dir) / ATTRIBUTION_NAME, text, overwrite=True)


# The list of clips lives in real_world_clips.py (its public names are re-exported here); the
# shared-copy folder builder in real_world_folder.py.
__all__ = [
    "ATTRIBUTION_NAME",
    "CACHE_SUBFOLDER",
    "DEFAULT_BASE_URL",
    "Entry",
    "FIELDS",
    "FOLDER_ATTRIBUTION_NAME",
    "FOLDER_FIELDS",
    "MANIFEST_RESOURCE",
    "SOURCE_NAME",
    "TEST_FRACTION",
    "WHOLE_FILE_TOLERANCE",
    "assign_splits",
    "attribution_markdown",
    "licence_family",
    "load_manifest",
    "clip_licence",
    "cut_clip",
    "download_original",
    "entries_in_data",
    "fetch",
    "lab_windows",
    "original_spec",
    "write_attribution",
]
