"""Sliding-window features over recordings of any length, in bounded memory.

``predict`` and ``segment`` classify a long recording window by window: 3-s windows (the model's
clip length) every ``hop`` seconds. Two things make this cheap:

* **Streaming.** The recording is read in blocks (:func:`speechmusic.core.audio.stream`), and only the
  samples that a window still to come needs are kept, so memory does not grow with the file.
* **Shared spectrogram frames.** Overlapping windows have most of their spectrogram frames in
  common. The hop is rounded to a whole number of spectrogram frames (``hop_length`` = 512
  samples, 23 ms), so that every frame of a window that does not touch the window's zero padding
  is exactly a frame of the recording's own spectrogram; those are computed once per batch of
  windows, and only the few frames at each window's edges (2 + 2 with the lab's parameters) are
  computed per window. The result equals :func:`speechmusic.core.features.batch_features` applied to
  each window (the tests check it), at about a third of the cost for a 1-s hop.

Window placement: windows start at 0, hop, 2*hop, ... while they fit in the recording. If the last
one ends before the recording does, one more window is aligned with the recording's end, so every
sample is covered. A recording shorter than one window gives a single window, zero-padded at the
end, exactly as the dataset treats a short file (:func:`speechmusic.core.audio.fit_to_clip`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechmusic.core.audio import decode, duration_of, stream
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.core.features import batch_features, log_power, mel_power, normalize_log

#: Windows whose features are computed together (bounds temporary memory to ~100 MB).
DEFAULT_BATCH = 64
#: Seconds of audio decoded per block.
DEFAULT_BLOCK_SECONDS = 30.0


@dataclass
class WindowBatch:
    """Consecutive windows of a recording and their features.

    Attributes
    ----------
    starts : np.ndarray
        int64 sample index (at the feature sample rate) where each window starts.
    features : np.ndarray
        float32 ``(k, n_mels, n_frames)``, as :func:`speechmusic.core.features.batch_features`.
    levels : np.ndarray or None
        float64 ``(k,)``: each window's level, the RMS of its samples in dB relative to full scale
        (:func:`level_db`; ``-inf`` for digital silence; a short recording's zero padding not
        counted). The spectrograms are relative to each window's loudest bin, so the level is the
        only thing that says how loud a window is (silence is decided from it).
    """

    starts: np.ndarray
    features: np.ndarray
    levels: np.ndarray | None = None


def level_db(power: np.ndarray | float) -> np.ndarray:
    """Level in dB relative to full scale from a mean square (``-inf`` for 0): ``10 log10(power)``.

    A full-scale square wave is 0 dBFS, a full-scale sine -3 dBFS.

    Examples
    --------
    >>> level_db(np.array([1.0, 0.01, 0.0])).tolist()
    [0.0, -20.0, -inf]
    """
    power = np.asarray(power, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(power)


def hop_in_samples(hop: float, params: FeatureParams = DEFAULT_PARAMS, *, align: bool = True) -> int:
    """Hop of ``hop`` seconds in samples, by default rounded to whole spectrogram frames (at least one).

    Aligned hops let overlapping windows share their spectrogram frames (see the module notes);
    ``align=False`` rounds to the nearest sample instead.

    Examples
    --------
    >>> hop_in_samples(1.0)          # 43 frames of 512 samples = 0.9985 s at 22050 Hz
    22016
    >>> hop_in_samples(3.0, align=False)
    66150
    """
    if not (isinstance(hop, (int, float)) and math.isfinite(hop) and hop > 0):
        raise ParameterError(f"hop must be a positive number of seconds, got {hop}")
    if not align:
        return max(1, int(round(hop * params.sample_rate)))
    frames = max(1, int(round(hop * params.sample_rate / params.hop_length)))
    return frames * params.hop_length


def open_blocks(
    path: str | os.PathLike,
    *,
    sample_rate: int = DEFAULT_PARAMS.sample_rate,
    block_duration: float = DEFAULT_BLOCK_SECONDS,
) -> tuple[Iterator[np.ndarray], float | None]:
    """Blocks of a recording at ``sample_rate`` and its duration in seconds (None if unknown).

    Files libsndfile reads (wav, flac, ogg, mp3, aiff, ...) are streamed in bounded memory. Other
    formats are decoded whole through the fallback decoder (see :func:`speechmusic.core.audio.decode`).

    Raises
    ------
    AudioError
        Missing, empty or undecodable file (the message names it).
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes)")
    duration = duration_of(path)
    if duration is not None:
        return stream(path, sample_rate=sample_rate, block_duration=block_duration), duration
    y = decode(path, sample_rate=sample_rate)
    return iter([y]), y.size / sample_rate


def _window_features_shared(
    signal: np.ndarray, offsets: np.ndarray, params: FeatureParams
) -> np.ndarray:
    """Features of windows ``signal[o : o + n_samples]`` for offsets that are multiples of ``hop_length``.

    Interior frames come from one spectrogram of the covered stretch; edge frames (those whose FFT
    span reaches into a window's zero padding) are computed per window. See the module notes.
    """
    W, L, pad = params.n_samples, params.hop_length, params.n_fft // 2
    j_lo = -(-pad // L)  # first frame whose FFT span starts inside the window
    j_hi = (W - params.n_fft + pad) // L  # last frame whose FFT span ends inside the window
    if j_hi < j_lo:  # windows too short to share anything
        return batch_features(np.stack([signal[o : o + W] for o in offsets]), params=params)
    # Interior frames and the per-window edge frames go to log10 once each (the costly step of
    # normalising); each window is then scaled to its own maximum (normalize_log).
    first = int(offsets[0])
    shared = log_power(mel_power(signal[first : int(offsets[-1]) + W], params=params))
    head_len = (j_lo - 1) * L + params.n_fft - pad
    heads = mel_power(np.stack([signal[o : o + head_len] for o in offsets]), params=params)[:, :, :j_lo]
    tail_start = (j_hi + 1 - j_lo) * L
    tails = mel_power(np.stack([signal[o + tail_start : o + W] for o in offsets]), params=params)[:, :, j_lo:]
    logs = np.empty((len(offsets), params.n_mels, params.n_frames), dtype=np.float32)
    logs[:, :, :j_lo] = log_power(heads)
    logs[:, :, j_hi + 1 :] = log_power(tails)
    for row, offset in enumerate(offsets):
        g = (int(offset) - first) // L
        logs[row, :, j_lo : j_hi + 1] = shared[:, g + j_lo : g + j_hi + 1]
    return normalize_log(logs, top_db=params.top_db)


def window_features(
    signal: np.ndarray, offsets: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS
) -> np.ndarray:
    """Features of the windows of ``signal`` starting at ``offsets`` (samples).

    Equal to ``batch_features(np.stack([signal[o:o + n] for o in offsets]))``; faster when the
    offsets are multiples of ``params.hop_length`` and the windows overlap.

    Parameters
    ----------
    signal : np.ndarray
        Mono float32 signal at ``params.sample_rate``.
    offsets : array of int
        Window starts in samples, increasing; every window must fit inside ``signal``.
    params : FeatureParams
        Feature parameters; the window length is ``params.n_samples``.

    Returns
    -------
    np.ndarray
        float32 ``(len(offsets), n_mels, n_frames)``.
    """
    signal = np.asarray(signal, dtype=np.float32)
    offsets = np.asarray(offsets, dtype=np.int64).reshape(-1)
    W = params.n_samples
    if offsets.size == 0:
        return np.empty((0, *params.shape), dtype=np.float32)
    if offsets.min() < 0 or offsets.max() + W > signal.size:
        raise ParameterError("every window must lie inside the signal")
    aligned = np.all(offsets % params.hop_length == 0)
    steps = np.diff(offsets)
    overlapping = offsets.size > 1 and np.all(steps > 0) and np.all(steps < W)
    if aligned and overlapping:
        return _window_features_shared(signal, offsets, params)
    return batch_features(np.stack([signal[o : o + W] for o in offsets]), params=params)


def _window_sums_of_squares(signal: np.ndarray, offsets: np.ndarray, length: int) -> np.ndarray:
    """Sum of squares of ``signal[o : o + length]`` for each offset, in float64.

    The windows' edges cut the stretch they cover into pieces; each piece is summed once
    (``np.add.reduceat``) and a window adds up its pieces: one pass over the samples however much
    the windows overlap. float64, since a window's sum is the difference of two running sums, and a
    quiet window after a loud one must keep its few significant digits.
    """
    edges = np.unique(np.concatenate([offsets, offsets + length]))
    squares = np.square(signal[edges[0] : edges[-1]], dtype=np.float64)
    pieces = np.add.reduceat(squares, edges[:-1] - edges[0])
    running = np.concatenate([[0.0], np.cumsum(pieces)])
    ends = np.searchsorted(edges, offsets + length)
    return (running[ends] - running[np.searchsorted(edges, offsets)]).clip(min=0.0)


class WindowCutter:
    """Cut windows from a recording pushed block by block: what :class:`SlidingWindows` iterates over.

    ``push(block)`` returns the window batches that the samples so far complete; ``finish()``
    returns the last ones (the window aligned with the recording's end, or the zero-padded window
    of a recording shorter than one window). Batches hold up to ``batch_size`` windows; with
    ``eager`` every complete window is returned as soon as its last sample arrives (a live
    stream), otherwise windows wait until ``batch_size`` of them are complete (fewer, larger
    batches: faster on a file). The windows and their features are the same either way.

    Parameters
    ----------
    params, hop_samples, batch_size
        As :class:`SlidingWindows`.
    eager : bool
        Return windows as soon as they are complete instead of in full batches.

    Attributes
    ----------
    n_samples : int
        Samples pushed so far.
    """

    def __init__(
        self,
        *,
        params: FeatureParams = DEFAULT_PARAMS,
        hop_samples: int,
        batch_size: int = DEFAULT_BATCH,
        eager: bool = False,
    ):
        if hop_samples < 1:
            raise ParameterError(f"hop_samples must be >= 1, got {hop_samples}")
        if batch_size < 1:
            raise ParameterError(f"batch_size must be >= 1, got {batch_size}")
        self.params = params
        self.hop_samples = int(hop_samples)
        self.batch_size = int(batch_size)
        self.eager = bool(eager)
        self.n_samples = 0
        self._buffer = np.empty(0, dtype=np.float32)
        self._buffer_start = 0  # sample index of _buffer[0]
        self._next_start = 0  # start of the next window on the hop grid
        self._last_end = 0  # end of the last window produced
        self._finished = False

    def _take(self, count: int) -> WindowBatch:
        H, W = self.hop_samples, self.params.n_samples
        starts = self._next_start + H * np.arange(count, dtype=np.int64)
        offsets = starts - self._buffer_start
        features = window_features(self._buffer, offsets, params=self.params)
        levels = level_db(_window_sums_of_squares(self._buffer, offsets, W) / W)
        self._next_start = int(starts[-1]) + H
        self._last_end = int(starts[-1]) + W
        return WindowBatch(starts=starts, features=features, levels=levels)

    def _single(self, clip: np.ndarray, start: int, sounding: int) -> WindowBatch:
        """One window of ``clip`` (zero-padded after ``sounding`` samples: the padding is not part of its level)."""
        power = float(np.dot(clip[:sounding].astype(np.float64), clip[:sounding])) / max(sounding, 1)
        return WindowBatch(starts=np.array([start], dtype=np.int64),
                           features=batch_features(clip[np.newaxis], params=self.params),
                           levels=np.atleast_1d(level_db(power)))

    def _ready(self) -> int:
        W, H = self.params.n_samples, self.hop_samples
        end = self._buffer_start + self._buffer.size
        return 0 if end < self._next_start + W else (end - W - self._next_start) // H + 1

    def push(self, block: np.ndarray) -> list[WindowBatch]:
        """Add consecutive samples; return the batches of windows they complete (maybe none)."""
        if self._finished:
            raise ParameterError("push() after finish()")
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if block.size == 0:
            return []
        self._buffer = np.concatenate([self._buffer, block]) if self._buffer.size else block
        self.n_samples += block.size
        out = []
        while self._ready() >= (1 if self.eager else self.batch_size):
            out.append(self._take(min(self._ready(), self.batch_size)))
        # Keep what the next grid window needs, and the last W samples for an end-aligned window.
        W = self.params.n_samples
        keep_from = max(self._buffer_start, min(self._next_start, self._buffer_start + self._buffer.size - W))
        if keep_from > self._buffer_start:
            self._buffer = self._buffer[keep_from - self._buffer_start :].copy()
            self._buffer_start = keep_from
        return out

    def finish(self) -> list[WindowBatch]:
        """The recording has ended: return the remaining windows (see the module notes for the last one)."""
        if self._finished:
            return []
        self._finished = True
        out = []
        remaining = self._ready()
        while remaining > 0:
            count = min(remaining, self.batch_size)
            out.append(self._take(count))
            remaining -= count
        total, W = self.n_samples, self.params.n_samples
        buffer, buffer_start = self._buffer, self._buffer_start
        if total == 0:
            return out
        if total < W:
            clip = np.pad(buffer[: total - buffer_start], (0, W - (total - buffer_start)))
            out.append(self._single(clip, 0, total))
        elif self._last_end < total:
            start = total - W
            out.append(self._single(buffer[start - buffer_start : start - buffer_start + W], start, W))
        return out


class SlidingWindows:
    """Iterate over the window features of a recording given as blocks of samples.

    Parameters
    ----------
    blocks : iterable of np.ndarray
        Consecutive mono float32 blocks at ``params.sample_rate`` (e.g. from :func:`open_blocks`).
    params : FeatureParams
        Feature parameters; the window is ``params.duration`` seconds long.
    hop_samples : int
        Distance between window starts (see :func:`hop_in_samples`).
    batch_size : int
        Windows per :class:`WindowBatch`.

    Attributes
    ----------
    n_samples : int
        Length of the recording in samples, known once iteration has finished.

    See Also
    --------
    WindowCutter : the same windows from blocks pushed one at a time (a live stream).

    Examples
    --------
    >>> blocks, _ = open_blocks("talk.flac")                               # doctest: +SKIP
    >>> windows = SlidingWindows(blocks, hop_samples=hop_in_samples(1.0))  # doctest: +SKIP
    >>> for batch in windows:                                              # doctest: +SKIP
    ...     print(batch.starts / 22050, batch.features.shape)
    """

    def __init__(
        self,
        blocks: Iterable[np.ndarray],
        *,
        params: FeatureParams = DEFAULT_PARAMS,
        hop_samples: int,
        batch_size: int = DEFAULT_BATCH,
    ):
        # Checks the arguments now, as before the cutter existed.
        WindowCutter(params=params, hop_samples=hop_samples, batch_size=batch_size)
        self.blocks = blocks
        self.params = params
        self.hop_samples = int(hop_samples)
        self.batch_size = int(batch_size)
        self.n_samples: int | None = None

    def __iter__(self) -> Iterator[WindowBatch]:
        cutter = WindowCutter(params=self.params, hop_samples=self.hop_samples, batch_size=self.batch_size)
        for block in self.blocks:
            yield from cutter.push(block)
        self.n_samples = cutter.n_samples
        yield from cutter.finish()
