"""Turn recordings into dataset clips: ``data/{train,test}/{speech,music}/*.wav`` plus a manifest.

Every clip this package writes (from your own files, a download or the synthetic generator) goes
through :class:`ClipWriter`, which

* writes 3-s mono 16-bit WAV files at the lab's rate, atomically (temp file + rename), never over
  an existing file (a taken name gets a ``-2``, ``-3``, ... suffix);
* records each clip in ``<data_dir>/manifest.csv`` (through :class:`~speechmusic.data.manifest.DatasetManifest`,
  its one owner): where it came from (source, original file, offset in seconds, licence), so
  downloads can be attributed and re-runs recognised;
* skips a clip whose (source, original, offset, split, label) is already in the manifest and whose
  file still exists, so running the same ingest twice adds nothing.

Sources are only ever read.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from speechmusic.core.audio import active_region, decode, find_audio_files, frame_energy_db
from speechmusic.core.config import DEFAULT_PARAMS, SPLITS, FeatureParams
from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.core.fileio import unique_path, write_wav
from speechmusic.core.labels import LEARNED_LABELS
from speechmusic.data.manifest import MANIFEST_NAME, DatasetManifest, ManifestRecord, read_manifest

#: A window whose loudest frame is this far below the recording's loudest frame is silence and is
#: not turned into a clip (a "speech" clip of room tone would teach the model nothing).
SILENT_WINDOW_DB = 50.0
#: A final partial window shorter than this fraction of a clip is dropped rather than padded.
MIN_TAIL_FRACTION = 0.5


def safe_stem(text: str, *, max_length: int = 80) -> str:
    """A file-name stem made of letters, digits, ``-``, ``_`` and ``.`` taken from ``text``.

    Examples
    --------
    >>> safe_stem("Let's Go (live) – take 2.mp3")
    'Let_s_Go_live_take_2'
    """
    stem = Path(text).stem if "." in Path(text).name else text
    stem = re.sub(r"[^\w.-]+", "_", stem, flags=re.ASCII).strip("._-")
    return stem[:max_length] or "clip"


def _check_split_label(split: str, label: str) -> None:
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if label not in LEARNED_LABELS:
        raise ParameterError(f"label must be one of {', '.join(LEARNED_LABELS)}, got {label!r}")


class ClipWriter:
    """Write clips into a dataset folder and keep its manifest.

    Use as a context manager; the manifest is saved (atomically) on exit, also after an error, so
    it lists exactly the clips that were written.

    Parameters
    ----------
    data_dir : path-like
        Dataset root (created if missing).
    params : FeatureParams
        Sample rate and clip length of the written files.

    Examples
    --------
    >>> with ClipWriter("data") as writer:                         # doctest: +SKIP
    ...     writer.save("train", "speech", clip, stem="talk", source="user",
    ...                 original="/home/me/talk.wav", offset=0.0, licence="own recording")
    """

    def __init__(self, data_dir: str | os.PathLike, *, params: FeatureParams = DEFAULT_PARAMS,
                 manifest: DatasetManifest | None = None):
        self.data_dir = Path(data_dir)
        self.params = params
        # the folder's manifest, loaded once: pass the operation's own to share it
        self.manifest = manifest if manifest is not None else DatasetManifest.load(self.data_dir)
        if self.manifest.data_dir.resolve() != self.data_dir.resolve():
            raise ParameterError(f"the manifest of {self.manifest.data_dir} cannot list clips in {self.data_dir}")
        self.written: list[Path] = []
        self.skipped = 0

    @property
    def records(self) -> list[ManifestRecord]:
        """Every clip the folder's manifest lists, with those written and not saved yet."""
        return self.manifest.records

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.flush()

    def flush(self) -> None:
        """Save the manifest now (done automatically on exit).

        Under a lock, this writer's new records are added to what the file holds, so two writers
        on one data folder (two terminals, say) keep each other's records
        (:meth:`DatasetManifest.save <speechmusic.data.manifest.DatasetManifest.save>`).
        """
        self.manifest.save()

    def has(self, *, split: str, label: str, source: str, original: str, offset: float) -> bool:
        """True when that clip was written before and its file is still there."""
        return self.manifest.has(split=split, label=label, source=source, original=original, offset=offset)

    def save(
        self,
        split: str,
        label: str,
        clip: np.ndarray,
        *,
        stem: str,
        source: str,
        original: str,
        offset: float = 0.0,
        licence: str = "",
    ) -> Path | None:
        """Write one clip; return its path, or None when it was already there.

        Parameters
        ----------
        split, label : str
            ``"train"``/``"test"`` and ``"speech"``/``"music"``.
        clip : np.ndarray
            Exactly ``params.n_samples`` mono samples.
        stem : str
            File name stem (made safe; ``.wav`` is added; a taken name gets a number).
        source, original, offset, licence
            Provenance recorded in the manifest.
        """
        _check_split_label(split, label)
        clip = np.asarray(clip, dtype=np.float32)
        if clip.shape != (self.params.n_samples,):
            raise ParameterError(f"a clip must have shape ({self.params.n_samples},), got {clip.shape}")
        if self.has(split=split, label=label, source=source, original=original, offset=offset):
            self.skipped += 1
            return None
        folder = self.data_dir / split / label
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            target = unique_path(folder / f"{safe_stem(stem)}.wav")
            try:
                write_wav(target, clip, self.params.sample_rate)
                break
            except FileExistsError:  # another writer took the name between the check and the link
                continue
        record = ManifestRecord(
            path=target.relative_to(self.data_dir).as_posix(),
            split=split,
            label=label,
            source=source,
            original=original,
            offset=round(float(offset), 3),
            licence=licence,
        )
        self.manifest.add(record)
        self.written.append(target)
        return target


def split_into_clips(
    y: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS, max_clips: int | None = None
) -> list[tuple[float, np.ndarray]]:
    """Cut a recording into consecutive clips.

    Leading and trailing silence is skipped (see :func:`speechmusic.core.audio.active_region`); clips
    follow each other from the first sound; a window that is silent (its loudest frame more than
    ``SILENT_WINDOW_DB`` below the recording's loudest) is left out; a last partial window of at
    least half a clip is zero-padded, a shorter one dropped. A recording shorter than one clip
    gives one zero-padded clip (unless it is silent).

    Parameters
    ----------
    y : np.ndarray
        Mono signal at ``params.sample_rate``.
    params : FeatureParams
        Clip length and rate.
    max_clips : int or None
        Keep at most this many clips (the first ones).

    Returns
    -------
    list of (float, np.ndarray)
        Offset in seconds into ``y`` and the clip (``params.n_samples`` float32 samples).
    """
    if max_clips is not None and max_clips < 1:
        raise ParameterError(f"max_clips must be at least 1, got {max_clips}")
    y = np.asarray(y, dtype=np.float32)
    n = params.n_samples
    # frames of the spectrogram's size and hop (``params.n_fft``, ``params.hop_length``)
    frame, hop = params.n_fft, params.hop_length
    energy = frame_energy_db(y, frame_length=frame, hop_length=hop)
    if not np.isfinite(energy).any():
        return []  # digital silence
    start, end = active_region(y, frame_length=frame, hop_length=hop)
    clips = []
    for first in range(start, end, n):
        window = y[first : first + n]
        if window.size < n:
            if window.size < MIN_TAIL_FRACTION * n and first != start:
                break
            window = np.pad(window, (0, n - window.size))
        # Frame energies relative to the whole recording: a window of only room tone is skipped.
        # Only frames lying wholly inside the window count.
        f0 = -(-first // hop)
        f1 = max(f0 + 1, (first + n - frame) // hop + 1)
        if energy[f0:f1].size and energy[f0:f1].max() < -SILENT_WINDOW_DB:
            continue
        clips.append((first / params.sample_rate, window))
        if max_clips is not None and len(clips) >= max_clips:
            break
    return clips


@dataclass
class IngestReport:
    """What :func:`prepare_from_folder` did."""

    files: int = 0
    clips_written: int = 0
    clips_already_present: int = 0
    failed: list[str] = None  # set by __post_init__

    def __post_init__(self):
        if self.failed is None:
            self.failed = []


def prepare_from_folder(
    source_dir: str | os.PathLike,
    *,
    data_dir: str | os.PathLike,
    label: str,
    split: str,
    max_clips_per_file: int | None = None,
    licence: str = "",
    params: FeatureParams = DEFAULT_PARAMS,
    progress: bool = True,
) -> IngestReport:
    """Convert every recording under ``source_dir`` into clips in the dataset layout.

    Parameters
    ----------
    source_dir : path-like
        Folder searched recursively for audio files (hidden files skipped). Never modified.
    data_dir : path-like
        Dataset root; clips go to ``data_dir/split/label/``.
    label : {"speech", "music"}
    split : {"train", "test"}
    max_clips_per_file : int or None
        At most this many consecutive clips from each recording.
    licence : str
        Recorded in the manifest for every clip.
    params : FeatureParams
        Rate and clip length.
    progress : bool
        Show a progress bar.

    Returns
    -------
    IngestReport
        Counts, and the files that could not be decoded (each also reported as a warning).
    """
    _check_split_label(split, label)
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise ParameterError(f"{source_dir}: no such folder")
    data_dir = Path(data_dir)
    if source_dir.resolve() == data_dir.resolve() or data_dir.resolve() in source_dir.resolve().parents:
        raise ParameterError(f"{source_dir} is inside the data folder {data_dir}; ingest from a folder outside it")
    paths = find_audio_files(source_dir)
    report = IngestReport(files=len(paths))
    with ClipWriter(data_dir, params=params) as writer:
        for path in tqdm(paths, desc=f"{split}/{label}", unit="file", disable=not progress or len(paths) < 2):
            try:
                y = decode(path, sample_rate=params.sample_rate)
            except AudioError as error:
                warnings.warn(f"skipped {error}", RuntimeWarning, stacklevel=2)
                report.failed.append(str(path))
                continue
            original = str(path.resolve())
            for offset, clip in split_into_clips(y, params=params, max_clips=max_clips_per_file):
                stem = f"{safe_stem(path.name)}_{int(round(offset * 1000)):07d}ms"
                saved = writer.save(split, label, clip, stem=stem, source="user", original=original,
                                    offset=offset, licence=licence)
                if saved is None:
                    report.clips_already_present += 1
                else:
                    report.clips_written += 1
                writer.flush()  # keep the manifest in step with the files after every recording
    return report


# the manifest's names live in data/manifest.py; importable from here as before
__all__ = [
    "MANIFEST_NAME",
    "MIN_TAIL_FRACTION",
    "SILENT_WINDOW_DB",
    "ClipWriter",
    "DatasetManifest",
    "IngestReport",
    "ManifestRecord",
    "prepare_from_folder",
    "read_manifest",
    "safe_stem",
    "split_into_clips",
]
