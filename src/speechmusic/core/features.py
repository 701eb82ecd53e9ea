"""Features out: the lab's normalised mel-spectrogram, and vectors for the classifier.

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
from scipy.ndimage import uniform_filter1d

from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import ParameterError
from speechmusic.core.mel import hann_window, mel_band_edges, mel_filter_bank

#: Power below this is treated as zero (as ``librosa.power_to_db``'s ``amin``).
AMIN = 1e-10

#: Feature vectors the classifier can use.
FEATURE_KINDS = ("flat", "pooled", "dynamics")
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


# ------------------------------------------------------------------------------------------------
# How the sound moves: the "dynamics" feature kind.
#
# Everything below is computed from the lab's normalised mel-spectrogram X (values in [0, 1], i.e.
# dB above a floor 80 dB under the window's loudest bin, divided by 80), so it costs no second pass
# over the samples. Frames that are entirely silent (every band at 0: zero padding, digital
# silence) are left out, as in pooled_features, so padding a short recording with silence changes
# none of these statistics. Each function takes a batch ``(m, n_mels, frames)`` and returns
# ``(m, k)`` float64; which families make up the kind was chosen by leave-one-source-out
# measurement on real recordings (docs/features.md).

#: Cepstral coefficients (DCT of the log-mel frame) whose movement is described.
N_CEPSTRA = 13
#: Spectral-flux quantiles reported.
FLUX_QUANTILES = (0.1, 0.5, 0.9)
#: Mean flux below this (a mean rise of 0.08 dB per band and frame) counts as no change at all
#: when the flux's variation (spread / mean) is formed, so that a steady sound, whose flux is
#: rounding noise, does not get a large, meaningless variation.
FLUX_FLOOR = 1e-3
#: Frame lags (in spectrogram frames, 23 ms each at the lab's parameters) at which the harmonic
#: pattern's persistence is measured: one frame, about 90 ms and about 190 ms.
HARMONIC_LAGS = (1, 4, 8)
#: Upper edge of the harmonic region: mel bands centred below it are narrower than the spacing
#: of a voice's or an instrument's harmonics, so harmonics show as ripples across bands.
HARMONIC_REGION_HZ = 1000.0
#: Width (in bands) of the moving average that separates the ripples from the spectral envelope.
HARMONIC_SMOOTHING_BANDS = 5
#: Range of beat periods (seconds) searched in the onset envelope's autocorrelation (40-240 bpm).
BEAT_PERIODS = (0.25, 1.5)


def _as_batch(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim == 2:
        X = X[np.newaxis]
    if X.ndim != 3:
        raise ParameterError(f"expected spectrograms of shape (m, n_mels, frames), got {X.shape}")
    return X


def _sounding(X: np.ndarray) -> np.ndarray:
    """``(m, frames)``: True for frames with at least one band above the floor (not digital silence)."""
    return X.max(axis=1) > 0


def _masked_mean_std(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of ``values (..., t)`` over the entries where ``mask (..., t)``; 0 if none."""
    count = np.maximum(mask.sum(axis=-1), 1)
    mean = np.where(mask, values, 0.0).sum(axis=-1) / count
    spread = np.sqrt(np.where(mask, (values - mean[..., np.newaxis]) ** 2, 0.0).sum(axis=-1) / count)
    return mean, spread


def _masked_quantiles(values: np.ndarray, mask: np.ndarray, quantiles) -> np.ndarray:
    """Quantiles of each row of ``values (m, t)`` over its masked entries, ``(m, len(quantiles))``; 0 if none.

    The same values as ``np.quantile`` (linear interpolation) of each row's kept entries, for
    every row at once: masked-out entries sort last, and each row reads its own positions.
    """
    ordered = np.sort(np.where(mask, values, np.inf), axis=1)
    count = mask.sum(axis=1)
    position = np.asarray(quantiles, dtype=np.float64)[np.newaxis, :] * np.maximum(count - 1, 0)[:, np.newaxis]
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, np.maximum(count - 1, 0)[:, np.newaxis])
    below = np.take_along_axis(ordered, low, axis=1)
    above = np.take_along_axis(ordered, high, axis=1)
    with np.errstate(invalid="ignore"):  # rows with nothing kept read inf - inf; they are set to 0
        out = below + (position - low) * (above - below)
    return np.where(count[:, np.newaxis] > 0, out, 0.0)


@lru_cache(maxsize=8)
def _dct_basis(n_mels: int, n_coefficients: int) -> np.ndarray:
    """Rows of the orthonormal DCT-II over ``n_mels`` bands (``scipy.fft.dct(..., norm="ortho")``)."""
    return np.ascontiguousarray(scipy.fft.dct(np.eye(n_mels), type=2, norm="ortho", axis=0)[:n_coefficients])


def cepstral_dynamics(X: np.ndarray, *, n_coefficients: int = N_CEPSTRA) -> np.ndarray:
    """How the spectral envelope moves: spread and frame-to-frame change of the first cepstral coefficients.

    The cepstral coefficients of a frame are the DCT of its normalised log-mel column (MFCCs of
    the lab's spectrogram): coefficient 0 follows the loudness, the next ones the coarse shape
    of the spectrum (vowel formants, brightness). Speech moves them all the time, syllable by
    syllable; music holds them over notes and chords.

    Parameters
    ----------
    X : np.ndarray
        Spectrograms ``(m, n_mels, frames)`` (or one ``(n_mels, frames)``), values in [0, 1].
    n_coefficients : int
        Coefficients described (0 .. n_coefficients - 1).

    Returns
    -------
    np.ndarray
        ``(m, 2 * n_coefficients)``: the standard deviation of each coefficient over the sounding
        frames, then the root-mean-square of its change between consecutive sounding frames
        (the "delta"). Coefficient *means* are left out on purpose: they describe the recording
        channel (microphone, telephone band) as much as the sound, and lowered leave-one-source-out
        accuracy on band-limited copies (docs/features.md).

    Examples
    --------
    >>> steady = np.full((128, 130), 0.5, dtype=np.float32)
    >>> bool(np.abs(cepstral_dynamics(steady)).max() < 1e-5)   # a sound that does not move
    True
    """
    X = _as_batch(X)
    if not 1 <= n_coefficients <= X.shape[1]:
        raise ParameterError(f"n_coefficients must be between 1 and {X.shape[1]}, got {n_coefficients}")
    sounding = _sounding(X)
    basis = _dct_basis(X.shape[1], n_coefficients).astype(np.float32)
    cepstra = np.matmul(basis, X.astype(np.float32, copy=False)).astype(np.float64)  # (m, k, frames)
    _, spread = _masked_mean_std(cepstra, sounding[:, np.newaxis, :])
    both = (sounding[:, 1:] & sounding[:, :-1])[:, np.newaxis, :]
    change = np.diff(cepstra, axis=2)
    delta = np.sqrt(np.where(both, change**2, 0.0).sum(axis=2) / np.maximum(both.sum(axis=2), 1))
    return np.concatenate([spread, delta], axis=1)


def spectral_flux(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Onset strength between consecutive frames: the mean rise over the bands (falls count 0).

    Returns
    -------
    flux : np.ndarray
        ``(m, frames - 1)``: for frames t-1 -> t, the mean over bands of ``max(X[t] - X[t-1], 0)``.
    valid : np.ndarray
        ``(m, frames - 1)`` bool: both frames sound (pairs that touch digital silence are not a
        change of the sound).
    """
    X = _as_batch(X)
    sounding = _sounding(X)
    rise = np.diff(X.astype(np.float32, copy=False), axis=2)
    flux = np.maximum(rise, 0.0).mean(axis=1, dtype=np.float64)
    return flux, sounding[:, 1:] & sounding[:, :-1]


def flux_statistics(X: np.ndarray) -> np.ndarray:
    """Statistics of the spectral flux (:func:`spectral_flux`) over a window.

    Speech alternates bursts of change (syllable onsets, consonants) with short steady vowels;
    music changes at note onsets and holds in between, or changes little (pads, drones).

    Returns
    -------
    np.ndarray
        ``(m, 6)``: mean, standard deviation, 10th, 50th and 90th percentile, and the coefficient
        of variation (standard deviation / mean, the mean floored at :data:`FLUX_FLOOR`) of the flux.

    Examples
    --------
    >>> steady = np.full((128, 130), 0.5, dtype=np.float32)
    >>> float(np.abs(flux_statistics(steady)).max())
    0.0
    """
    return _flux_statistics(*spectral_flux(X))


def _flux_statistics(flux: np.ndarray, valid: np.ndarray) -> np.ndarray:
    mean, spread = _masked_mean_std(flux, valid)
    quantiles = _masked_quantiles(flux, valid, FLUX_QUANTILES)
    variation = spread / np.maximum(mean, FLUX_FLOOR)
    return np.column_stack([mean, spread, quantiles, variation])


def onset_statistics(X: np.ndarray, *, frame_rate: float = DEFAULT_PARAMS.sample_rate / DEFAULT_PARAMS.hop_length) -> np.ndarray:
    """Onset rate and beat regularity from the spectral-flux envelope.

    Parameters
    ----------
    X : np.ndarray
        Spectrograms ``(m, n_mels, frames)``.
    frame_rate : float
        Spectrogram frames per second (``sample_rate / hop_length``).

    Returns
    -------
    np.ndarray
        ``(m, 2)``: onsets per second of sounding audio (local maxima of the flux above its mean
        plus half its standard deviation), and the highest normalised autocorrelation of the flux
        envelope at beat periods of 0.25-1.5 s (:data:`BEAT_PERIODS`; a steady pulse gives a
        high value, the irregular rhythm of syllables a low one).
    """
    return _onset_statistics(*spectral_flux(X), frame_rate=frame_rate)


def _onset_statistics(flux: np.ndarray, valid: np.ndarray, *, frame_rate: float) -> np.ndarray:
    flux = np.where(valid, flux, 0.0)
    mean, spread = _masked_mean_std(flux, valid)
    inner = flux[:, 1:-1]
    # A peak needs both neighbours inside the sound: at the edge of digital silence there is no
    # "before" or "after" to compare with (so padding adds no onset).
    peaks = ((inner > flux[:, :-2]) & (inner >= flux[:, 2:]) & (inner > (mean + 0.5 * spread)[:, np.newaxis])
             & valid[:, 1:-1] & valid[:, :-2] & valid[:, 2:])
    seconds = np.maximum(valid.sum(axis=1), 1) / frame_rate
    rate = peaks.sum(axis=1) / seconds
    # Autocorrelation of the centred envelope (silent pairs at 0 add nothing), through the FFT.
    centred = np.where(valid, flux - mean[:, np.newaxis], 0.0)
    n = flux.shape[1]
    size = scipy.fft.next_fast_len(2 * n)
    power = np.abs(scipy.fft.rfft(centred, n=size, axis=1)) ** 2
    autocorrelation = scipy.fft.irfft(power, n=size, axis=1)[:, :n]
    autocorrelation /= np.maximum(autocorrelation[:, :1], 1e-12)
    low = max(1, int(round(BEAT_PERIODS[0] * frame_rate)))
    high = min(n, int(round(BEAT_PERIODS[1] * frame_rate)) + 1)
    beat = autocorrelation[:, low:high].max(axis=1) if high > low else np.zeros(len(flux))
    return np.column_stack([rate, beat])


def harmonic_continuity(X: np.ndarray, *, n_bands: int) -> np.ndarray:
    """How long a harmonic pattern persists: voicing and pitch continuity from the low mel bands.

    In the lowest ``n_bands`` bands (below about 1 kHz at the lab's parameters the bands are
    about 26 Hz wide, narrower than the spacing of a voice's or an instrument's harmonics), a
    harmonic sound shows as ripples across bands. The ripples are what is left after subtracting
    a moving average over :data:`HARMONIC_SMOOTHING_BANDS` bands (the spectral envelope). A held
    note keeps its ripple pattern for hundreds of milliseconds; a voice's pitch glides and its
    voicing stops at every consonant, so its pattern decorrelates within a syllable. Broadband
    noise has a weak, random pattern; mixing noise in therefore weakens the ripples rather than
    faking them, which is why this family holds up in noise.

    Parameters
    ----------
    X : np.ndarray
        Spectrograms ``(m, n_mels, frames)``.
    n_bands : int
        Bands of the harmonic region (see :func:`harmonic_bands`).

    Returns
    -------
    np.ndarray
        ``(m, 2 * len(HARMONIC_LAGS) + 2)``: for each lag of :data:`HARMONIC_LAGS`, the mean and
        standard deviation over frame pairs of the cosine similarity of the ripple patterns
        ``lag`` frames apart; then the mean and standard deviation of the ripple strength
        (mean positive ripple per frame).
    """
    X = _as_batch(X)
    if not HARMONIC_SMOOTHING_BANDS <= n_bands <= X.shape[1]:
        raise ParameterError(f"n_bands must be between {HARMONIC_SMOOTHING_BANDS} and {X.shape[1]}, got {n_bands}")
    sounding = _sounding(X)
    low = X[:, :n_bands].astype(np.float32)
    ripple = low - uniform_filter1d(low, size=HARMONIC_SMOOTHING_BANDS, axis=1, mode="nearest")
    unit = ripple / np.maximum(np.sqrt(np.einsum("mbt,mbt->mt", ripple, ripple))[:, np.newaxis], 1e-6)
    features = []
    frames = X.shape[2]
    for lag in HARMONIC_LAGS:
        if lag < frames:
            similarity = np.einsum("mbt,mbt->mt", unit[:, :, lag:], unit[:, :, :-lag]).astype(np.float64)
            mean, spread = _masked_mean_std(similarity, sounding[:, lag:] & sounding[:, :-lag])
        else:  # a window too short for this lag
            mean = spread = np.zeros(X.shape[0])
        features += [mean, spread]
    strength = np.maximum(ripple, 0.0).mean(axis=1, dtype=np.float64)
    strength_mean, strength_spread = _masked_mean_std(strength, sounding)
    return np.column_stack(features + [strength_mean, strength_spread])


def harmonic_bands(params: FeatureParams = DEFAULT_PARAMS) -> int:
    """Number of mel bands centred below :data:`HARMONIC_REGION_HZ` (38 for the lab's parameters).

    Examples
    --------
    >>> harmonic_bands()
    38
    """
    centres = mel_band_edges(params)[1:-1]
    return int(np.clip(np.sum(centres < HARMONIC_REGION_HZ), HARMONIC_SMOOTHING_BANDS, params.n_mels))


def analysis_frames(X: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Window spectrograms with the frames that are partly made of zeros set to silence.

    Spectrogram frames are centred, and each spans ``n_fft`` samples: the first and last
    ``ceil(n_fft / 2 / hop_length)`` frames of a window (2 at the lab's parameters) are computed
    partly from the zero padding beyond the window, and the ``ceil(n_fft / hop_length) - 1``
    frames (3) on either side of a silent frame (a file's zero padding, an edited gap) partly
    from its zeros. Such frames show the sound
    fading in or out where it does not: an artefact whose weight would depend on the window's
    length (``segment --window``) and on how a file was padded. They are set to 0 here, so that
    the dynamics families, which leave silent frames out, ignore them; a window whose every
    sounding frame is such an edge frame (a very short sound) is kept as it is.

    Parameters
    ----------
    X : np.ndarray
        Spectrograms ``(m, n_mels, frames)`` computed with ``params``.
    params : FeatureParams
        Their parameters (``n_fft`` and ``hop_length`` set the edge width).

    Returns
    -------
    np.ndarray
        Same shape and dtype as ``X`` (``X`` itself is never modified).
    """
    X = _as_batch(X)
    # The first `window_edge` frames' spans start before the window (frame k is centred on sample
    # k * hop_length); a frame's span overlaps those of the `silence_edge` frames either side of it,
    # so within that distance of an all-silent frame it holds some of the same zeros.
    window_edge = -(-(params.n_fft // 2) // params.hop_length)
    silence_edge = max(-(-params.n_fft // params.hop_length) - 1, 0)
    sounding = _sounding(X)
    frames = X.shape[2]
    padded = np.pad(sounding, ((0, 0), (silence_edge, silence_edge)), constant_values=True)
    keep = sounding.copy()
    for offset in range(2 * silence_edge + 1):
        keep &= padded[:, offset : offset + frames]
    keep[:, :window_edge] = False
    keep[:, frames - window_edge :] = False
    empty = ~keep.any(axis=1)
    keep[empty] = sounding[empty]
    if keep.all():
        return X
    return np.where(keep[:, np.newaxis, :], X, X.dtype.type(0))


def dynamics_length() -> int:
    """Length of a ``dynamics`` feature vector (42): see :func:`dynamics_features`."""
    return 2 * N_CEPSTRA + len(FLUX_QUANTILES) + 3 + 2 + 2 * len(HARMONIC_LAGS) + 2


def dynamics_features(X: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """The ``dynamics`` feature kind: how the sound moves over a window (42 values).

    Four families, each computed from the normalised mel-spectrogram, silent frames and frames
    partly made of zeros (window edges, next to digital silence: :func:`analysis_frames`) left out:

    1. :func:`cepstral_dynamics` (26): spread and change of 13 cepstral coefficients;
    2. :func:`flux_statistics` (6): spectral flux mean, spread, quantiles, variation;
    3. :func:`onset_statistics` (2): onset rate and beat regularity;
    4. :func:`harmonic_continuity` (8): persistence and strength of the harmonic pattern.

    Candidates that did not improve the leave-one-source-out measurements (modulation energy
    per band group, the share of low-energy frames, spectral shape, the band means and spreads
    of ``pooled``) are not included; docs/features.md has the table.

    Parameters
    ----------
    X : np.ndarray
        Spectrograms ``(m, n_mels, frames)`` (or one ``(n_mels, frames)``) computed with ``params``.
    params : FeatureParams
        Their parameters (frame rate for onset rate and beat periods, band frequencies for the
        harmonic region).

    Returns
    -------
    np.ndarray
        float64 ``(m, 42)``. The statistics do not depend on the window's length, so they exist
        for windows of any duration.

    Examples
    --------
    >>> t = np.arange(66150) / 22050
    >>> S = clip_features(np.sin(2 * np.pi * 440 * t).astype(np.float32))
    >>> dynamics_features(S).shape
    (1, 42)
    """
    X = _as_batch(X)
    if X.shape[1] != params.n_mels:
        raise ParameterError(f"spectrograms have {X.shape[1]} bands, params say {params.n_mels}")
    X = analysis_frames(X, params=params)
    flux, valid = spectral_flux(X)  # shared by two families
    return np.concatenate([
        cepstral_dynamics(X),
        _flux_statistics(flux, valid),
        _onset_statistics(flux, valid, frame_rate=params.sample_rate / params.hop_length),
        harmonic_continuity(X, n_bands=harmonic_bands(params)),
    ], axis=1)


def to_vectors(X: np.ndarray, *, kind: str = "flat", params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Turn spectrograms into classifier inputs of the given ``kind`` (one of :data:`FEATURE_KINDS`).

    ``params`` are the spectrograms' parameters (used by ``"dynamics"``).
    """
    if kind == "flat":
        return flatten_features(X)
    if kind == "pooled":
        return pooled_features(X)
    if kind == "dynamics":
        return dynamics_features(X, params=params)
    raise ParameterError(f"unknown feature kind {kind!r}; choose one of {', '.join(FEATURE_KINDS)}")
