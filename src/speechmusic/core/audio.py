"""Audio in: decode any supported file to mono float32 at the lab's rate, and pick the clip window.

Decoding goes through libsndfile (``soundfile``), which reads WAV (8/16/24/32-bit integer and
float), FLAC, Ogg Vorbis/Opus, MP3, AIFF and more at any sample rate and channel count. Formats it
cannot read (``.m4a``, ``.aac``, ``.wma``, ...) are tried once more through librosa's ``audioread``
fallback, which needs ffmpeg or GStreamer on the machine.

Which 3-second window a longer recording contributes (:func:`fit_to_clip`):
the quiet edges are found first (frames more than ``EDGE_SILENCE_DB`` below the loudest frame at
the start and the end of the file), and the window is centred on the middle of what lies between
them, then kept inside the file. So a clip never starts with a second of leading silence, and for
music it avoids fade-ins and fade-outs. Shorter recordings are kept whole and zero-padded at the
end. Recordings longer than ``MAX_DECODE_SECONDS`` are only decoded around their middle, so a
clip of an hour-long file costs as much as a clip of a one-minute file.
"""

from __future__ import annotations

import io
import os
import struct
import warnings
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import AudioError, ParameterError

#: File name endings treated as audio. Anything else in a data folder (README, .DS_Store,
#: manifest.csv) is ignored silently; a file with one of these endings that cannot be decoded is
#: skipped with a warning that names it.
AUDIO_EXTENSIONS = frozenset(
    {
        ".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".aifc",
        ".au", ".snd", ".caf", ".w64", ".rf64", ".m4a", ".aac", ".wma", ".mp4", ".webm",
    }
)

#: Frames this far below the loudest frame count as silence at a recording's edges.
EDGE_SILENCE_DB = 40.0
#: Longer recordings are decoded only around their middle when a single clip is wanted.
MAX_DECODE_SECONDS = 60.0

Source = str | os.PathLike | BinaryIO


def is_audio_path(path: str | os.PathLike) -> bool:
    """True for a visible file whose name ends in one of :data:`AUDIO_EXTENSIONS` (any case).

    Examples
    --------
    >>> is_audio_path("Interview (take 2).MP3"), is_audio_path(".DS_Store"), is_audio_path("a.txt")
    (True, False, False)
    """
    name = Path(path).name
    return not name.startswith(".") and Path(name).suffix.lower() in AUDIO_EXTENSIONS


def find_audio_files(folder: str | os.PathLike) -> list[Path]:
    """Audio files under ``folder`` (sub-folders too), sorted by relative path.

    Hidden files and anything inside hidden folders (``.cache``, ``.git``) are left out, as are
    files whose names do not end in one of :data:`AUDIO_EXTENSIONS`. Links to files count; links
    to folders are not followed; folders that cannot be read are skipped.
    """
    folder = Path(folder)
    found: list[tuple[str, str]] = []  # (path relative to folder, path)

    # os.scandir, not Path.rglob: a warm load of 20,000 files spent most of its time building Path
    # objects for every entry (benchmarks/, benchmark 1).
    def walk(directory: str, prefix: str) -> None:
        try:
            with os.scandir(directory) as entries:
                entries = list(entries)
        except (PermissionError, FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{name}/")
                elif os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS and entry.is_file():
                    found.append((prefix + name, entry.path))
            except OSError:
                continue

    walk(os.fspath(folder), "")
    found.sort()
    return [Path(path) for _, path in found]


def _describe(source: Source, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return getattr(source, "name", "<audio stream>")


def _read_soundfile(source: Source, offset: float, duration: float | None) -> tuple[np.ndarray, int]:
    with sf.SoundFile(source) as f:
        sr = f.samplerate
        start = int(round(max(offset, 0.0) * sr))
        if start:
            if not f.seekable():  # pragma: no cover - libsndfile formats are seekable
                f.read(start, dtype="float32")
            else:
                f.seek(min(start, f.frames))
        frames = -1 if duration is None else int(round(duration * sr))
        data = f.read(frames, dtype="float32", always_2d=True)
    return data, sr


def _pcm16_wav_header(buffer: io.BytesIO) -> tuple[int, int, int] | None:
    """``(channels, rate, frames)`` of an in-memory 16-bit PCM WAV file, or None for any other data.

    Only complete files qualify (the data chunk holds every frame its header announces); the
    buffer is rewound either way.
    """
    try:
        with wave.open(buffer, "rb") as w:
            header = (w.getnchannels(), w.getframerate(), w.getnframes())
            # wave stops reading at the start of the data chunk's samples
            complete = w.getsampwidth() == 2 and len(buffer.getbuffer()) - buffer.tell() >= header[0] * header[2] * 2
    except (wave.Error, EOFError, ValueError, struct.error):
        return None  # not plain PCM (float, extensible, compressed, another format, damaged)
    finally:
        buffer.seek(0)
    return header if complete and header[0] > 0 else None


def _read_pcm16_wav(buffer: io.BytesIO, offset: float, duration: float | None) -> tuple[np.ndarray, int] | None:
    """:func:`_read_soundfile` for an in-memory 16-bit PCM WAV file (the format of every prepared
    dataset), with the standard library's ``wave`` and numpy; None for any other data.

    Why: soundfile reads an in-memory file through Python callbacks and opens it in Python code
    that holds the interpreter lock, so threads decoding side by side took turns (0.5 ms per clip
    of locked time against 0.1 ms here). The values are soundfile's exactly: int16 / 32768 is
    exact in float32 (tests compare the two).
    """
    header = _pcm16_wav_header(buffer)
    if header is None:
        return None
    channels, sr, total = header
    try:
        with wave.open(buffer, "rb") as w:
            start = min(int(round(max(offset, 0.0) * sr)), total)
            w.setpos(start)
            count = total - start if duration is None else min(total - start, int(round(duration * sr)))
            raw = w.readframes(count)
    except (wave.Error, EOFError, ValueError, struct.error):
        return None
    finally:
        buffer.seek(0)
    if len(raw) != count * channels * 2:
        return None  # shorter than its header says: soundfile decides what to make of it
    return _pcm16_frames(np.frombuffer(raw, dtype="<i2"), channels), sr


def _read_fallback(source: Source, offset: float, duration: float | None) -> tuple[np.ndarray, int]:
    """Decode what libsndfile cannot (AAC/M4A, WMA, ...) with audioread, through ffmpeg or GStreamer.

    A path only (audioread opens files by name). audioread hands out 16-bit PCM; the values are
    int16 / 32768, as ``librosa.load``'s fallback gives. Called directly rather than through
    ``librosa.load``: importing librosa's audio module compiles numba code (~2 s per process,
    ~15 s on a fresh install), and every worker of a batch run that met one damaged file paid it.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise AudioError("audioread reads files by name only")
    import audioread  # here: only files libsndfile cannot read need it

    with warnings.catch_warnings():
        # audioread's own WAV reader imports aifc, audioop and sunau, deprecated since Python 3.11
        warnings.simplefilter("ignore", DeprecationWarning)
        stream = audioread.audio_open(os.fspath(source))
    with stream:
        sr, channels = int(stream.samplerate), max(int(stream.channels), 1)
        first = int(round(offset * sr)) * channels
        end = None if duration is None else first + int(round(duration * sr)) * channels
        pieces, position = [], 0  # position: samples (all channels) read so far
        for buffer in stream:
            block = np.frombuffer(buffer, dtype="<i2")
            start, position = position, position + block.size
            if position <= first:
                continue
            pieces.append(block[max(first - start, 0): None if end is None else max(end - start, 0)])
            if end is not None and position >= end:
                break
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype="<i2")
    return _pcm16_frames(samples, channels), sr


def _pcm16_frames(samples: np.ndarray, channels: int) -> np.ndarray:
    """Interleaved 16-bit samples as float32 ``(frames, channels)``, int16 / 32768 (soundfile's
    values exactly); a trailing partial frame is dropped."""
    frames = samples.size // channels
    data = samples[: frames * channels].reshape(frames, channels).astype(np.float32)
    data *= np.float32(1.0 / 32768.0)
    return data


def resample(y: np.ndarray, *, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a mono signal with soxr's high-quality filter (what ``librosa.load`` uses).

    Parameters
    ----------
    y : np.ndarray
        Mono signal.
    orig_sr, target_sr : int
        Input and output rates in Hz.

    Returns
    -------
    np.ndarray
        float32 signal at ``target_sr``.
    """
    if orig_sr <= 0 or target_sr <= 0:
        raise ParameterError(f"sample rates must be positive, got {orig_sr} -> {target_sr}")
    y = np.asarray(y, dtype=np.float32)
    if orig_sr == target_sr or y.size == 0:
        return y
    return soxr.resample(y, orig_sr, target_sr, quality="HQ").astype(np.float32, copy=False)


def _finite(y: np.ndarray, what: str) -> np.ndarray:
    """Replace NaN and infinite samples by 0, saying so: they would poison every feature."""
    bad = ~np.isfinite(y)
    if bad.any():
        warnings.warn(
            f"{what}: {int(bad.sum())} non-finite samples (NaN/inf) replaced with silence",
            RuntimeWarning,
            stacklevel=3,
        )
        y = np.where(bad, np.float32(0.0), y)
    return y


def decode(
    source: Source,
    *,
    sample_rate: int = DEFAULT_PARAMS.sample_rate,
    offset: float = 0.0,
    duration: float | None = None,
    name: str | None = None,
) -> np.ndarray:
    """Decode an audio file to a mono float32 signal at ``sample_rate``.

    Parameters
    ----------
    source : path-like or binary file object
        The recording. It is only read, never modified.
    sample_rate : int
        Output rate in Hz (default 22050).
    offset : float
        Start reading this many seconds into the recording.
    duration : float or None
        Read at most this many seconds (None: to the end).
    name : str or None
        How to call the source in messages (defaults to its path).

    Returns
    -------
    np.ndarray
        1-D float32 array; channels are averaged, non-finite samples replaced by 0 (with a
        ``RuntimeWarning``).

    Raises
    ------
    AudioError
        The file is missing, empty, or no decoder can read it. The message names the file.

    Examples
    --------
    >>> y = decode("speech.flac")            # doctest: +SKIP
    >>> y.dtype, y.ndim                      # doctest: +SKIP
    (dtype('float32'), 1)
    """
    what = _describe(source, name)
    if sample_rate <= 0:
        raise ParameterError(f"sample_rate must be positive, got {sample_rate}")
    if offset < 0 or (duration is not None and duration < 0):
        raise ParameterError(f"offset and duration must be >= 0, got {offset}, {duration}")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise AudioError(f"{what}: no such file")
        if path.stat().st_size == 0:
            raise AudioError(f"{what}: the file is empty (0 bytes)")
    try:
        pcm16 = _read_pcm16_wav(source, offset, duration) if isinstance(source, io.BytesIO) else None
        data, sr = pcm16 if pcm16 is not None else _read_soundfile(source, offset, duration)
    except Exception as first_error:  # libsndfile raises several types for unreadable input
        reason = str(first_error).strip() or type(first_error).__name__
        if reason.startswith("Error opening"):  # libsndfile repeats the object's repr; keep its reason
            reason = reason.rsplit(": ", 1)[-1]
        if hasattr(source, "seek"):
            source.seek(0)
        try:
            data, sr = _read_fallback(source, offset, duration)
        except Exception:
            hint = ""
            suffix = Path(what).suffix.lower()
            if suffix in {".m4a", ".aac", ".wma", ".mp4", ".webm"}:
                hint = f" ({suffix} needs ffmpeg: install it, or convert the file to .wav/.flac)"
            raise AudioError(f"{what}: cannot decode audio: {reason}{hint}") from None
    if sr <= 0:  # a corrupt header: resampling from it is impossible
        raise AudioError(f"{what}: invalid sample rate {sr} Hz in the file header")
    if data.shape[0] == 0 and offset == 0:
        raise AudioError(f"{what}: contains no audio samples")
    y = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    y = _finite(np.ascontiguousarray(y, dtype=np.float32), what)
    return resample(y, orig_sr=sr, target_sr=sample_rate)


def duration_of(path: str | os.PathLike) -> float | None:
    """Length of a recording in seconds from its header, or None when the header does not say."""
    try:
        info = sf.info(str(path))
    except Exception:
        return None
    return info.frames / info.samplerate if info.samplerate else None


def frame_energy_db(y: np.ndarray, *, frame_length: int = 2048, hop_length: int = 512) -> np.ndarray:
    """RMS energy of each frame in dB relative to the loudest frame (loudest = 0 dB).

    A silent signal gives ``-inf`` everywhere.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.size < frame_length:
        y = np.pad(y, (0, frame_length - y.size))
    n_frames = 1 + (y.size - frame_length) // hop_length
    frames = np.lib.stride_tricks.sliding_window_view(y, frame_length)[::hop_length][:n_frames]
    power = np.mean(frames.astype(np.float64) ** 2, axis=1)
    peak = power.max()
    if peak <= 0:
        return np.full(n_frames, -np.inf)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(power / peak)


def active_region(
    y: np.ndarray, *, top_db: float = EDGE_SILENCE_DB, hop_length: int = 512, frame_length: int = 2048
) -> tuple[int, int]:
    """Sample range ``[start, end)`` between the quiet edges of a signal.

    Frames quieter than ``top_db`` below the loudest frame are silence when they are at the
    start or the end. Pauses in the middle are kept. A silent signal gives ``(0, len(y))``.
    """
    n = len(y)
    db = frame_energy_db(y, frame_length=frame_length, hop_length=hop_length)
    loud = np.flatnonzero(db > -top_db)
    if loud.size == 0:
        return 0, n
    start = int(loud[0]) * hop_length
    end = min(n, int(loud[-1]) * hop_length + frame_length)
    return start, max(end, start + 1)


def fit_to_clip(y: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Cut or pad a signal to exactly one clip (``params.n_samples`` samples).

    Parameters
    ----------
    y : np.ndarray
        Mono signal at ``params.sample_rate``.
    params : FeatureParams
        Clip length and rate.

    Returns
    -------
    np.ndarray
        float32 array of ``params.n_samples`` samples: the window centred on the non-silent
        part of ``y`` (see the module notes), or all of ``y`` zero-padded at the end.

    Examples
    --------
    >>> fit_to_clip(np.ones(1000, dtype=np.float32)).shape
    (66150,)
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ParameterError(f"fit_to_clip expects a mono 1-D signal, got shape {y.shape}")
    n = params.n_samples
    if y.size <= n:
        return np.pad(y, (0, n - y.size))
    first = clip_start(y, params=params)
    return y[first : first + n].copy()


def clip_start(y: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> int:
    """First sample of the window :func:`fit_to_clip` takes from a signal longer than one clip.

    The window is centred on the non-silent part of ``y`` (see the module notes) and kept inside
    ``y``; for a signal of one clip or less it is 0.

    Examples
    --------
    >>> y = np.zeros(4 * 66150, dtype=np.float32)
    >>> y[-5000:] = 0.5                          # the only sound, at the very end
    >>> clip_start(y)                            # the window ends where the signal ends
    198450
    """
    y = np.asarray(y, dtype=np.float32)
    n = params.n_samples
    if y.size <= n:
        return 0
    start, end = active_region(y)
    centre = (start + end) // 2
    return int(np.clip(centre - n // 2, 0, y.size - n))


def load_clip(source: Source, *, params: FeatureParams = DEFAULT_PARAMS, name: str | None = None) -> np.ndarray:
    """Decode a recording and return the one clip it contributes to a dataset.

    Parameters
    ----------
    source : path-like or binary file object
        Any supported recording.
    params : FeatureParams
        Target rate and clip length.
    name : str or None
        Name used in error messages.

    Returns
    -------
    np.ndarray
        float32 array of ``params.n_samples`` samples (see :func:`fit_to_clip`).
    """
    offset, duration = 0.0, None
    if isinstance(source, (str, os.PathLike)):
        total = duration_of(source)
        if total is not None and total > MAX_DECODE_SECONDS:
            offset = (total - MAX_DECODE_SECONDS) / 2
            duration = MAX_DECODE_SECONDS
    y = decode(source, sample_rate=params.sample_rate, offset=offset, duration=duration, name=name)
    return _as_clip(y, params)


def _as_clip(y: np.ndarray, params: FeatureParams) -> np.ndarray:
    """:func:`fit_to_clip` of a signal this module just decoded (so it may be returned as it is).

    A recording of exactly one clip (every clip of a prepared dataset) is returned without a copy:
    a fresh copy of each clip costs more in page faults than the decoding does (benchmark 1).
    """
    return y if y.size == params.n_samples else fit_to_clip(y, params=params)


def load_clip_from_bytes(data: bytes, *, name: str, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """:func:`load_clip` on a file already read into memory (the cache hashes the same bytes)."""
    if not data:
        raise AudioError(f"{name}: the file is empty (0 bytes)")
    buffer = io.BytesIO(data)
    header = _pcm16_wav_header(buffer)
    if header is not None:
        total = header[2] / header[1] if header[1] else None
    else:
        try:
            info = sf.info(buffer)
            total = info.frames / info.samplerate if info.samplerate else None
        except Exception:
            total = None
        buffer.seek(0)
    offset, duration = 0.0, None
    if total is not None and total > MAX_DECODE_SECONDS:
        offset, duration = (total - MAX_DECODE_SECONDS) / 2, MAX_DECODE_SECONDS
    if total is None and Path(name).suffix.lower() not in {".wav", ".flac", ".ogg", ".mp3"}:
        # Formats only the audioread fallback reads need a real path, not a memory buffer.
        return load_clip(name, params=params)
    y = decode(buffer, sample_rate=params.sample_rate, offset=offset, duration=duration, name=name)
    return _as_clip(y, params)


def stream(
    path: str | os.PathLike,
    *,
    sample_rate: int = DEFAULT_PARAMS.sample_rate,
    block_duration: float = 60.0,
) -> Iterator[np.ndarray]:
    """Yield a long recording as consecutive mono blocks at ``sample_rate``, in bounded memory.

    Blocks are resampled with a streaming soxr resampler, so joining them gives the same signal
    as resampling the whole file at once (no clicks at block edges).

    Parameters
    ----------
    path : path-like
        The recording (a format libsndfile reads).
    sample_rate : int
        Output rate in Hz.
    block_duration : float
        Length of each input block in seconds (the last one may be shorter).

    Yields
    ------
    np.ndarray
        float32 mono blocks.
    """
    if block_duration <= 0:
        raise ParameterError(f"block_duration must be positive, got {block_duration}")
    what = str(path)
    if not Path(path).is_file():
        raise AudioError(f"{what}: no such file")
    try:
        f = sf.SoundFile(str(path))
    except Exception as error:
        raise AudioError(f"{what}: cannot decode audio: {error}") from None
    with f:
        sr = f.samplerate
        if sr <= 0:
            raise AudioError(f"{what}: invalid sample rate {sr} Hz in the file header")
        block = max(1, int(round(block_duration * sr)))
        resampler = None if sr == sample_rate else soxr.ResampleStream(sr, sample_rate, 1, dtype="float32", quality="HQ")
        while True:
            data = f.read(block, dtype="float32", always_2d=True)
            last = data.shape[0] < block
            y = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
            y = _finite(np.ascontiguousarray(y), what)
            if resampler is not None:
                y = resampler.resample_chunk(y, last=last)
            if y.size:
                yield y.astype(np.float32, copy=False)
            if last:
                break
