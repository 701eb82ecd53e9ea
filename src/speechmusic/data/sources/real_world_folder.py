"""A folder laid out like the shared copy of the real-world set (``speechmusic build-model --real-world``)."""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf

from speechmusic.core.audio import AUDIO_EXTENSIONS
from speechmusic.core.errors import ParameterError
from speechmusic.core.fileio import write_bytes, write_text
from speechmusic.core.labels import LEARNED_LABELS
from speechmusic.data.sources.download import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    NotFoundError,
    default_cache_dir,
    human_size,
)
from speechmusic.data.sources.real_world import _Downloads, _first_line, cut_clip
from speechmusic.data.sources.real_world_clips import (
    CACHE_SUBFOLDER,
    DEFAULT_BASE_URL,
    FIELDS,
    FOLDER_ATTRIBUTION_NAME,
    FOLDER_FIELDS,
    Entry,
    attribution_markdown,
    load_manifest,
)

# --- a folder like the shared copy ------------------------------------------------------------


@dataclass
class FolderReport:
    """What :func:`build_real_world_folder` did."""

    folder: Path
    written: list = field(default_factory=list)  # ids of new clip files
    present: list = field(default_factory=list)  # ids whose file was already there (kept as it was)
    missing: list = field(default_factory=list)  # ids whose original is gone (only with allow_missing)
    bytes_downloaded: int = 0  # size of the originals used (from the network or the cache)

    def summary(self) -> str:
        lines = [f"real-world folder {self.folder}: {len(self.written)} clips written, "
                 f"{len(self.present)} already there",
                 f"  originals: {human_size(self.bytes_downloaded)} (downloaded or from the cache)"]
        if self.missing:
            lines.append(f"  {len(self.missing)} clips left out, their original is gone: {', '.join(self.missing)}")
        return "\n".join(lines)


def _existing_clip(folder: Path, entry: Entry) -> Path | None:
    for path in sorted((folder / entry.label).glob(f"{entry.id}.*")):
        if path.is_file() and path.suffix.lower() in AUDIO_EXTENSIONS:
            return path
    return None


def _codec_name(info) -> str:
    """ffprobe-style codec name of a file, as the shared copy's manifest uses."""
    if info.format == "OGG":
        return info.subtype.lower()  # vorbis, opus
    if info.format == "MP3":
        return "mp3"
    if info.format == "FLAC":
        return "flac"
    return {"PCM_U8": "pcm_u8", "PCM_S8": "pcm_s8", "PCM_16": "pcm_s16le", "PCM_24": "pcm_s24le",
            "PCM_32": "pcm_s32le", "FLOAT": "pcm_f32le", "DOUBLE": "pcm_f64le"}.get(info.subtype, info.subtype.lower())


def _folder_row(entry: Entry, path: Path) -> dict:
    row = {name: getattr(entry, name) for name in FIELDS}
    row["start_s"] = f"{entry.start_s:g}"
    try:
        info = sf.info(str(path))
    except Exception as error:  # a file that was there already and cannot be read: kept, described as listed
        warnings.warn(f"{path}: cannot read it ({error}); kept as it is, listed with the manifest's duration",
                      RuntimeWarning, stacklevel=3)
        row.update(duration_s=f"{entry.duration_s:.3f}", sample_rate="", channels="", codec="")
        return row
    row.update(duration_s=f"{info.frames / info.samplerate:.3f}", sample_rate=info.samplerate,
               channels=info.channels, codec=_codec_name(info))
    return row


def _manifest_text(rows: Iterable[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FOLDER_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def _check_folder_manifest(path: Path, entries: Sequence[Entry]) -> None:
    """Refuse to replace a manifest.csv that lists clips this run would not list the same way."""
    if not path.is_file():
        return
    try:
        with path.open(newline="", encoding="utf-8") as f:
            old = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ParameterError(f"{path} exists and cannot be read ({error}); choose a new folder") from None
    mine = {e.id: e for e in entries}
    for row in old:
        entry = mine.get(row.get("id", ""))
        same = entry is not None and all(row.get(k) == getattr(entry, k)
                                         for k in ("label", "repo", "commit", "path", "source_sha256"))
        if not same or _number(row.get("start_s")) != entry.start_s:
            raise ParameterError(
                f"{path} lists clips this folder would not hold (first: {row.get('id')!r}); it is not a folder made "
                "by build_real_world_folder from this list. Choose a new folder; nothing was changed."
            )


def _number(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


# long: one all-or-nothing transaction: download, cut, check and write the manifest, then commit.
def build_real_world_folder(
    out_dir: str | os.PathLike,
    *,
    manifest: str | os.PathLike | None = None,
    labels: Sequence[str] = LEARNED_LABELS,
    base_url: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    verify: bool = True,
    allow_missing: bool = False,
    progress: bool = True,
    timeout=DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    session=None,
    log: Callable[[str], None] | None = None,
) -> FolderReport:
    """Download the real-world set's originals and build a folder laid out like its shared copy.

    The folder gets ``manifest.csv`` (one row per clip: :data:`FOLDER_FIELDS`), ``speech/<id>.<ext>``,
    ``music/<id>.<ext>`` and ``neither/<id>.<ext>`` (one file per clip, in the folder of the list's
    label, cut as the module notes describe) and
    ``ATTRIBUTION.md``, the credits that must travel with the clips. It can stand in for
    ``../shared/real-world`` wherever that is read: clips that were whole files in the original are
    byte-identical to the shared copy, WAV and FLAC cuts sample-identical; Ogg and MP3 cuts are
    lossless FLAC of the decoded stretch.

    All originals are fetched (and verified) before anything is written; the clips are then written
    one by one, each atomically, never over an existing file: a clip file already in the folder
    (``<label>/<id>.*``) is kept as it is, so running again only adds what is missing and needs no
    network when nothing is. If writing fails, the files this run wrote are removed again.

    Parameters
    ----------
    out_dir : path-like
        The folder (created if needed). A ``manifest.csv`` already there must be one this function
        wrote from the same list.
    manifest : path-like or None
        A list in the packaged format instead of the packaged one.
    labels : sequence of str
        Labels to include (``noise`` is the list's ``neither``).
    base_url : str or None
        Serves the originals as ``<base_url>/<repo>/<commit>/<path>`` (default raw.githubusercontent.com).
    cache_dir : path-like or None
        Where the originals are kept (default ``<out_dir>/.cache/downloads``; they go to its
        ``real-world/``). A cache shared with the lab's data folder avoids downloading twice.
    verify : bool
        False skips the sha256 checks (the result may then differ from the shared copy).
    allow_missing : bool
        When the server says an original is gone (HTTP 404/410): False (default) fails, listing every
        missing one, before anything is written; True leaves those clips out (``report.missing``).
    progress : bool
        Progress bar.
    timeout, retries, backoff, session
        Network behaviour (see :func:`speechmusic.data.sources.download.download_archive`).
    log : callable or None
        Receives the summary line.

    Returns
    -------
    FolderReport

    Raises
    ------
    ChecksumError, NotFoundError, DownloadError, AudioError, ParameterError
        The folder is as before (downloads stay in the cache).

    Examples
    --------
    >>> report = build_real_world_folder("real-world")           # doctest: +SKIP
    >>> print(report.summary())                                  # doctest: +SKIP
    """
    labels = tuple(labels)
    if not labels or set(labels) - set(LEARNED_LABELS):
        raise ParameterError(f"labels must be among {', '.join(LEARNED_LABELS)}, got {', '.join(labels) or 'none'}")
    entries = [e for e in load_manifest(manifest) if e.label_name in labels]
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"{folder} exists and is not a folder")
    cache = (Path(cache_dir) if cache_dir is not None else default_cache_dir(folder)) / CACHE_SUBFOLDER
    _check_folder_manifest(folder / "manifest.csv", entries)
    report = FolderReport(folder=folder)
    existing = {e.id: _existing_clip(folder, e) for e in entries}
    todo = [e for e in entries if existing[e.id] is None]
    report.present = [e.id for e in entries if existing[e.id] is not None]

    downloads = _Downloads(cache, base_url=base_url or DEFAULT_BASE_URL, verify=verify, progress=progress,
                           total=len({e.source_sha256 for e in todo}), timeout=timeout, retries=retries,
                           backoff=backoff, session=session)
    originals: dict[str, Path] = {}
    gone: list[str] = []
    try:
        for entry in todo:
            try:
                originals[entry.id] = downloads.get(entry)
            except NotFoundError as error:
                gone.append(f"{entry.id}: {_first_line(error)}")
                report.missing.append(entry.id)
    finally:
        downloads.close()
    report.bytes_downloaded = downloads.bytes
    if gone and not allow_missing:
        raise NotFoundError(
            f"{len(gone)} of the real-world originals are gone from their address, so {folder} was not changed:\n  "
            + "\n  ".join(gone)
            + "\nPass allow_missing=True to build the folder without them (it then differs from the shared copy)."
        )
    cuts = {}
    for entry in todo:
        if entry.id in originals:
            cuts[entry.id] = cut_clip(originals[entry.id], entry)

    rows_by_id = {}
    written: list[Path] = []
    try:
        for entry in entries:
            if entry.id in cuts:
                data, suffix = cuts[entry.id]
                path = folder / entry.label / f"{entry.id}{suffix}"
                write_bytes(path, data)
                written.append(path)
                report.written.append(entry.id)
            else:
                path = existing[entry.id]
            if path is not None:
                rows_by_id[entry.id] = _folder_row(entry, path)
        rows = [rows_by_id[e.id] for e in entries if e.id in rows_by_id]
        write_text(folder / "manifest.csv", _manifest_text(rows), overwrite=True)
        kept = [e for e in entries if e.id in rows_by_id]
        write_text(folder / FOLDER_ATTRIBUTION_NAME, attribution_markdown(
            kept, title="Attribution: the real-world speech and music clips",
            intro=("Every audio file in this folder is a clip listed in `manifest.csv`, cut from the public "
                   "file credited below. Keep this file with the clips whenever you copy or share them; do not "
                   "commit the audio to a repository.")), overwrite=True)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if log is not None:
        log(report.summary())
    return report
