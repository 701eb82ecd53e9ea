"""Features out: the lab's normalised mel-spectrogram, and vectors for the classifier.

The recipe is documented once, in :mod:`speechmusic.config`. The spectrogram here is computed for
a whole batch of clips at once (one FFT call over every frame of every clip, float32, one matrix
product with the mel filter bank) and matches ``librosa.feature.melspectrogram`` with the same
parameters to float32 precision; the test suite checks that.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.signal

from .config import DEFAULT_PARAMS, FeatureParams
from .errors import ParameterError

#: Power below this is treated as zero (as ``librosa.power_to_db``'s ``amin``).
AMIN = 1e-10

#: Feature vectors the classifier can use.
FEATURE_KINDS = ("flat", "pooled")
#: Clips with samples louder than this are scaled down (by a power of two) before the FFT.
LOUDEST_SAMPLE = 2.0**50


@lru_cache(maxsize=8)
def _mel_basis(params: FeatureParams) -> np.ndarray:
    import librosa

    basis = librosa.filters.mel(
        sr=params.sample_rate, n_fft=params.n_fft, n_mels=params.n_mels, fmin=params.fmin, fmax=params.fmax
    )
    return np.ascontiguousarray(basis, dtype=np.float32)


@lru_cache(maxsize=8)
def _sparse_mel_basis(params: FeatureParams):
    import scipy.sparse

    return scipy.sparse.csr_matrix(_mel_basis(params))


@lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    return scipy.signal.get_window("hann", n_fft, fftbins=True).astype(np.float32)


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
    y = np.pad(y, ((0, 0), (pad, pad)))
    frames = np.lib.stride_tricks.sliding_window_view(y, params.n_fft, axis=1)[:, :: params.hop_length]
    spectrum = scipy.fft.rfft(frames * _window(params.n_fft), axis=-1, workers=-1)
    power = spectrum.real**2 + spectrum.imag**2  # (m, frames, bins), float32
    # The mel filters are triangles: about 2 % of the basis is non-zero. A sparse product does 60x
    # less arithmetic than a dense one and runs in one thread, whereas a multi-threaded BLAS call
    # can be 100x slower on a busy machine, its threads waiting for a core (benchmarks/).
    m, n_frames, n_bins = power.shape
    mel = _sparse_mel_basis(params) @ np.ascontiguousarray(power.reshape(m * n_frames, n_bins).T)
    mel = np.ascontiguousarray(mel.reshape(params.n_mels, m, n_frames).transpose(1, 0, 2), dtype=np.float32)
    return mel[0] if single else mel


def normalize(mel: np.ndarray, *, top_db: float = DEFAULT_PARAMS.top_db) -> np.ndarray:
    """Scale mel power to [0, 1]: dB relative to each clip's maximum, an ``top_db`` floor, then linear.

    Parameters
    ----------
    mel : np.ndarray
        Mel power, ``(n_mels, frames)`` or ``(m, n_mels, frames)``.
    top_db : float
        Dynamic range mapped onto [0, 1].

    Returns
    -------
    np.ndarray
        float32 in [0, 1] of the same shape; a clip with no energy gives zeros.
    """
    if top_db <= 0:
        raise ParameterError(f"top_db must be positive, got {top_db}")
    mel = np.asarray(mel, dtype=np.float32)
    ref = mel.max(axis=(-2, -1), keepdims=True)
    silent = ref <= AMIN
    with np.errstate(divide="ignore", invalid="ignore"):
        db = 10.0 * (np.log10(np.maximum(mel, AMIN)) - np.log10(np.maximum(ref, AMIN)))
    scaled = (np.maximum(db, -top_db) + top_db) / top_db
    scaled = np.where(silent, np.float32(0.0), scaled)
    return np.clip(scaled, 0.0, 1.0).astype(np.float32, copy=False)


def clip_features(y: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """The lab's features of one clip: normalised mel-spectrogram.

    Parameters
    ----------
    y : np.ndarray
        Mono clip of ``params.n_samples`` samples at ``params.sample_rate``
        (see :func:`speechmusic.audio.fit_to_clip`).
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
            "use speechmusic.audio.fit_to_clip first"
        )
    return batch_features(y[np.newaxis], params=params)[0]


def batch_features(signals: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS, chunk: int = 8) -> np.ndarray:
    """:func:`clip_features` for a batch of clips, computed a chunk at a time.

    Parameters
    ----------
    signals : np.ndarray
        Shape ``(m, params.n_samples)``.
    params : FeatureParams
        Feature parameters.
    chunk : int
        Clips per FFT call (bounds the temporary memory to about ``chunk`` * 4 MB). Small chunks
        keep the temporaries in the CPU caches: 8 is about 30 % faster than 32 and gives the same
        values (benchmarks/, benchmark 1).

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


def to_vectors(X: np.ndarray, *, kind: str = "flat") -> np.ndarray:
    """Turn spectrograms into classifier inputs of the given ``kind`` ("flat" or "pooled")."""
    if kind == "flat":
        return flatten_features(X)
    if kind == "pooled":
        return pooled_features(X)
    raise ParameterError(f"unknown feature kind {kind!r}; choose one of {', '.join(FEATURE_KINDS)}")
