"""Features out: the lab's normalised mel-spectrogram, and its flat and pooled vectors.

The recipe is documented once, in :mod:`speechmusic.core.config`. The spectrogram here is computed for
a whole batch of clips at once (one FFT call over every frame of every clip, float32, one matrix
product with the mel filter bank of :mod:`speechmusic.core.mel`) and matches
``librosa.feature.melspectrogram`` with the same parameters to float32 precision; the test suite
checks that.
"""

from __future__ import annotations

import contextlib
import threading
from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.sparse

from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import ParameterError
from speechmusic.core.mel import hann_window, mel_filter_bank

#: Power below this is treated as zero (as ``librosa.power_to_db``'s ``amin``).
AMIN = 1e-10

#: Clips with samples louder than this are scaled down (by a power of two) before the FFT.
LOUDEST_SAMPLE = 2.0**50


#: Per-thread FFT worker count (unset: every core); see :func:`fft_on_one_core`.
_FFT_THREADS = threading.local()


@contextlib.contextmanager
def fft_on_one_core():
    """Run this thread's spectrogram FFTs on one core: for callers that already run one thread per core."""
    previous = getattr(_FFT_THREADS, "workers", -1)
    _FFT_THREADS.workers = 1
    try:
        yield
    finally:
        _FFT_THREADS.workers = previous


#: Each thread's reusable scratch arrays for :func:`mel_power` (see :func:`_scratch`).
_SCRATCH = threading.local()
#: Largest scratch array (in elements) a thread keeps between calls: the FFT frames of two 3-s clips
#: fit (0.53 M). Bigger requests, such as a whole minute of a recording at once, get fresh arrays.
#: A thread keeps at most five arrays of this size (40 MB); for chunks of two clips, about 5 MB.
SCRATCH_LIMIT = 1 << 21


def _scratch(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A float32 array of ``shape`` for temporary use by this thread; its contents are undefined.

    Why: glibc returns large freed blocks to the system, so every fresh multi-megabyte temporary
    comes back as new zero pages, and those page faults cost more than the FFT itself (a chunk of
    two clips: 650 faults and 2.05 ms per clip with fresh arrays, 13 faults and 0.90 ms with reused
    ones, same values; benchmarks/, benchmark 1). Arrays are kept per thread, so threads never
    share one.
    """
    size = int(np.prod(shape))
    if size > SCRATCH_LIMIT:
        return np.empty(shape, dtype=np.float32)
    arrays = _SCRATCH.__dict__.setdefault("arrays", {})
    array = arrays.get(name)
    if array is None or array.size < size:
        array = arrays[name] = np.empty(max(size, 1), dtype=np.float32)
    return array[:size].reshape(shape)


@lru_cache(maxsize=8)
def _sparse_mel_basis(params: FeatureParams):
    return scipy.sparse.csr_matrix(mel_filter_bank(params))


def mel_power(signals: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Mel power spectrogram of one clip or a batch of clips.

    Parameters
    ----------
    signals : np.ndarray
        Shape ``(n,)`` or ``(m, n)``: mono signals at ``params.sample_rate``.
    params : FeatureParams
        Spectrogram parameters.

    Returns
    -------
    np.ndarray
        float32, shape ``(n_mels, frames)`` or ``(m, n_mels, frames)``; frames are centred
        (the signal is zero-padded by ``n_fft // 2`` on both sides).
    """
    y = np.asarray(signals, dtype=np.float32)
    single = y.ndim == 1
    if single:
        y = y[np.newaxis]
    if y.ndim != 2:
        raise ParameterError(f"signals must be 1-D or 2-D, got shape {np.shape(signals)}")
    pad = params.n_fft // 2
    m, n = y.shape
    padded = _scratch("padded", (m, n + 2 * pad))  # zero-padded at both ends, as np.pad would
    padded[:, :pad] = 0.0
    padded[:, pad + n :] = 0.0
    padded[:, pad : pad + n] = y
    frames = np.lib.stride_tricks.sliding_window_view(padded, params.n_fft, axis=1)[:, :: params.hop_length]
    windowed = np.multiply(frames, hann_window(params.n_fft), out=_scratch("windowed", frames.shape))
    spectrum = scipy.fft.rfft(windowed, axis=-1, workers=getattr(_FFT_THREADS, "workers", -1))
    n_frames, n_bins = spectrum.shape[1:]
    power = np.square(spectrum.real, out=_scratch("power", spectrum.shape))  # (m, frames, bins), float32
    power += np.square(spectrum.imag, out=_scratch("imag", spectrum.shape))
    del spectrum
    # The mel filters are triangles: about 2 % of the basis is non-zero. A sparse product does 60x
    # less arithmetic than a dense one and runs in one thread, whereas a multi-threaded BLAS call
    # can be 100x slower on a busy machine, its threads waiting for a core (benchmarks/).
    by_bin = _scratch("by_bin", (n_bins, m * n_frames))
    np.copyto(by_bin, power.reshape(m * n_frames, n_bins).T)
    mel = _sparse_mel_basis(params) @ by_bin
    mel = np.ascontiguousarray(mel.reshape(params.n_mels, m, n_frames).transpose(1, 0, 2), dtype=np.float32)
    return mel[0] if single else mel


def log_power(mel: np.ndarray) -> np.ndarray:
    """``log10`` of mel power floored at ``AMIN``: what :func:`normalize` scales (float32, same shape).

    Computed once for the spectrogram frames that several overlapping windows share, then
    :func:`normalize_log` per window, it gives the values :func:`normalize` gives per window with a
    third of the ``log10`` work (:mod:`speechmusic.apps.windows`).
    """
    return np.log10(np.maximum(np.asarray(mel, dtype=np.float32), AMIN))


def normalize_log(log_mel: np.ndarray, *, top_db: float = DEFAULT_PARAMS.top_db) -> np.ndarray:
    """:func:`normalize` of mel power given as :func:`log_power`: the same values, float32 in [0, 1].

    Parameters
    ----------
    log_mel : np.ndarray
        ``log_power(mel)``, ``(n_mels, frames)`` or ``(m, n_mels, frames)``.
    top_db : float > 0
        Dynamic range mapped onto [0, 1].

    See Also
    --------
    normalize : the same from mel power.

    Examples
    --------
    >>> mel = np.array([[1.0, 1e-2, 1e-12]], dtype=np.float32)
    >>> normalize_log(log_power(mel), top_db=80.0).tolist()
    [[1.0, 0.75, 0.0]]
    """
    if top_db <= 0:
        raise ParameterError(f"top_db must be positive, got {top_db}")
    log_mel = np.asarray(log_mel, dtype=np.float32)
    ref = log_mel.max(axis=(-2, -1), keepdims=True)
    # The maximum is at the floor only when no bin has more than AMIN: a clip with no energy.
    silent = ref <= np.log10(np.float32(AMIN))
    db = 10.0 * (log_mel - ref)
    scaled = (np.maximum(db, -top_db) + top_db) / top_db
    scaled = np.where(silent, np.float32(0.0), scaled)
    return np.clip(scaled, 0.0, 1.0).astype(np.float32, copy=False)


def normalize(mel: np.ndarray, *, top_db: float = DEFAULT_PARAMS.top_db) -> np.ndarray:
    """Scale mel power to [0, 1]: dB relative to each clip's maximum, an ``top_db`` floor, then linear.

    Parameters
    ----------
    mel : np.ndarray
        Mel power, ``(n_mels, frames)`` or ``(m, n_mels, frames)``.
    top_db : float > 0
        Dynamic range mapped onto [0, 1].

    Returns
    -------
    np.ndarray
        float32 in [0, 1] of the same shape; a clip with no energy gives zeros.

    See Also
    --------
    normalize_log : the same from ``log10`` powers computed once for shared frames.
    """
    return normalize_log(log_power(mel), top_db=top_db)  # which checks top_db


def clip_features(y: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """The lab's features of one clip: normalised mel-spectrogram.

    Parameters
    ----------
    y : np.ndarray
        Mono clip of ``params.n_samples`` samples at ``params.sample_rate``
        (see :func:`speechmusic.core.audio.fit_to_clip`).
    params : FeatureParams
        Feature parameters.

    Returns
    -------
    np.ndarray
        float32 array of shape ``params.shape`` = (128, 130), values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(66150) / 22050
    >>> S = clip_features(np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    >>> S.shape, float(S.max())
    ((128, 130), 1.0)
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size != params.n_samples:
        raise ParameterError(
            f"clip_features expects one mono clip of {params.n_samples} samples, got shape {y.shape}; "
            "use speechmusic.core.audio.fit_to_clip first"
        )
    return batch_features(y[np.newaxis], params=params)[0]


def batch_features(signals: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS, chunk: int = 2) -> np.ndarray:
    """:func:`clip_features` for a batch of clips, computed a chunk at a time.

    Parameters
    ----------
    signals : np.ndarray
        Shape ``(m, params.n_samples)``.
    params : FeatureParams
        Feature parameters.
    chunk : int
        Clips per FFT call (temporary memory about ``chunk`` * 3 MB). Any chunk gives the same
        values; with 2 the temporaries are small enough to be reused from call to call (see
        :func:`_scratch`): 0.90 ms per clip against 1.35 ms with 8 (benchmarks/, benchmark 1).

    Returns
    -------
    np.ndarray
        float32, shape ``(m, n_mels, n_frames)``.
    """
    signals = np.asarray(signals, dtype=np.float32)
    if signals.ndim != 2 or signals.shape[1] != params.n_samples:
        raise ParameterError(f"expected clips of shape (m, {params.n_samples}), got {signals.shape}")
    # Checking first is several times cheaper than nan_to_num's unconditional copy and masks.
    copied = not np.isfinite(signals).all()
    if copied:
        signals = np.nan_to_num(signals, nan=0.0, posinf=0.0, neginf=0.0)
    # Float files may hold any finite value (a broken editor can write 1e20); from ~1e16 the
    # float32 power spectrum overflows to inf, and inf * 0 in the mel product gives NaN. Features
    # are relative to each clip's loudest bin, so dividing such a clip by a power of two (exact)
    # down to LOUDEST_SAMPLE changes nothing else; quieter clips (all real audio) are untouched.
    peak = np.maximum(signals.max(axis=1, initial=0.0), -signals.min(axis=1, initial=0.0))
    too_loud = peak > LOUDEST_SAMPLE
    if too_loud.any():
        if not copied:
            signals = signals.copy()  # never scale the caller's array
        shift = np.ceil(np.log2(peak[too_loud].astype(np.float64) / LOUDEST_SAMPLE))
        signals[too_loud] *= np.exp2(-shift).astype(np.float32)[:, np.newaxis]
    out = np.empty((signals.shape[0], *params.shape), dtype=np.float32)
    for start in range(0, signals.shape[0], chunk):
        part = signals[start : start + chunk]
        out[start : start + len(part)] = normalize(mel_power(part, params=params), top_db=params.top_db)
    return out


def flatten_features(X: np.ndarray) -> np.ndarray:
    """Flatten spectrograms ``(m, n_mels, frames)`` into rows ``(m, n_mels * frames)``.

    This is the lab's representation: every time-frequency bin is one input of the classifier.
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ParameterError(f"expected spectrograms of shape (m, n_mels, frames), got {X.shape}")
    return X.reshape(X.shape[0], -1)


def pooled_features(X: np.ndarray) -> np.ndarray:
    """Summarise each mel band over time: its mean and its standard deviation.

    Parameters
    ----------
    X : np.ndarray
        Spectrograms ``(m, n_mels, frames)`` (or one ``(n_mels, frames)``).

    Returns
    -------
    np.ndarray
        ``(m, 2 * n_mels)``: the band means followed by the band standard deviations. These do not
        depend on *when* something happens in the clip, only on how the spectrum is distributed
        and how much it moves, which is why they generalise across recordings better than the
        flattened spectrogram.

    Notes
    -----
    Silent frames (every band at 0, i.e. at least ``top_db`` below the clip's loudest bin: the
    zero padding of a short file, digital silence around a recording) are left out of both
    statistics; a clip with no other frame gives zeros. Padding is not part of the sound: a 1-s
    file padded to 3 s would otherwise have its band means cut to a third and its spreads
    inflated, and a real recording padded with silence would look unlike any training clip
    (benchmarks/, benchmark 6). Clips without silent frames are pooled over every frame.
    """
    X = np.asarray(X)
    if X.ndim == 2:
        X = X[np.newaxis]
    if X.ndim != 3:
        raise ParameterError(f"expected spectrograms of shape (m, n_mels, frames), got {X.shape}")
    sounding = X.max(axis=1, keepdims=True) > 0  # (m, 1, frames)
    if sounding.all():
        return np.concatenate([X.mean(axis=2), X.std(axis=2)], axis=1)
    count = np.maximum(sounding.sum(axis=2), 1)
    mean = np.where(sounding, X, 0).sum(axis=2) / count
    spread = np.sqrt((np.where(sounding, X - mean[..., np.newaxis], 0) ** 2).sum(axis=2) / count)
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64  # as X.mean would give
    return np.concatenate([mean, spread], axis=1).astype(dtype, copy=False)
