"""How the sound moves: the families of the ``dynamics`` and ``prosody`` feature kinds.

Everything here is computed from the lab's normalised mel-spectrogram X (values in [0, 1], i.e. dB
above a floor 80 dB under the window's loudest bin, divided by 80; :mod:`speechmusic.core.features`),
so it costs no second pass over the samples. Frames that are entirely silent (every band at 0: zero
padding, digital silence) are left out, so padding a short recording with silence changes none of
these statistics. Each family takes a batch ``(m, n_mels, frames)`` and returns ``(m, k)`` float64;
which families make up a kind was chosen by leave-one-source-out measurement on real recordings
(docs/features.md). The kinds themselves (which families, their lengths, their training settings)
are registered in :mod:`speechmusic.core.feature_kinds`.

``dynamics`` (42 values) tells speech from instrumental music: how the spectral envelope moves,
spectral flux, onsets, harmonic continuity. ``prosody`` adds what a singer does and a speaker does
not, and what noise does not do at all: the pitch track read from the harmonics in the low mel
bands (voicing, how long a pitch is held, how it moves: :func:`pitch_statistics`) and the
modulation spectrum of the band envelopes (the 2-8 Hz syllable rhythm of speech against the slow
phrasing of music and the flat modulation of steady noise: :func:`modulation_statistics`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft
from scipy.ndimage import uniform_filter1d

from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import ParameterError
from speechmusic.core.features import clip_features  # noqa: F401 (the examples below use it)
from speechmusic.core.mel import mel_band_edges

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
    return _dynamics_of_frames(analysis_frames(X, params=params), params)


def _dynamics_of_frames(X: np.ndarray, params: FeatureParams) -> np.ndarray:
    """The four families of :func:`dynamics_features` on frames already through :func:`analysis_frames`."""
    flux, valid = spectral_flux(X)  # shared by two families
    return np.concatenate([
        cepstral_dynamics(X),
        _flux_statistics(flux, valid),
        _onset_statistics(flux, valid, frame_rate=params.sample_rate / params.hop_length),
        harmonic_continuity(X, n_bands=harmonic_bands(params)),
    ], axis=1)




# ------------------------------------------------------------------------------------------------
# What a singer does and a speaker does not: the pitch track and the modulation spectrum.

#: Pitch candidates of :func:`pitch_track`: quarter semitones from 70 to 500 Hz (speaking and
#: singing voices, most melody instruments' fundamentals).
PITCH_RANGE_HZ = (70.0, 500.0)
PITCH_STEPS_PER_SEMITONE = 4
#: The pitch is the lowest candidate scoring at least this share of the best score: a sound whose
#: harmonics all fit a pitch also fits twice or three times that pitch (every second or third
#: harmonic), nearly as well; the lowest is the fundamental.
LOWEST_PITCH_SHARE = 0.85
#: A frame is voiced (a harmonic sound with a pitch) when its sieve score reaches this: a ripple
#: of about 3 dB across the harmonics of the low bands. Chosen on the shared real clips: speech
#: frames between syllables and noise fall below, vowels and notes above.
VOICING_THRESHOLD = 0.04
#: Pitch moves between consecutive voiced frames (semitones) counted as "held" and as "gliding slowly".
HELD_SEMITONES, SLOW_SEMITONES = 0.3, 1.0
#: A held pitch runs on while it moves less than this per frame (semitones), and counts as a note
#: from this many frames (6 x 23 ms = 140 ms, longer than most syllables' steady part).
NOTE_STEP_SEMITONES, NOTE_FRAMES = 0.6, 6
#: Modulation frequencies (Hz) of the band envelopes: phrasing, syllable rate, fast flutter.
MODULATION_BANDS = ((0.5, 2.0), (2.0, 8.0), (8.0, 20.0))
#: The mel axis is cut into this many equal groups for the modulation spectrum (plus the whole).
MODULATION_GROUPS = 8


@lru_cache(maxsize=8)
def _pitch_sieve(params: FeatureParams) -> tuple[np.ndarray, np.ndarray]:
    """``(candidates in Hz, sieve (n_candidates, n_bands))`` for the harmonic region's bands.

    Each candidate's row rewards the bands at its harmonics and penalises the bands halfway
    between them (and an octave below its fundamental, so that a pitch an octave too low does not
    win with every other harmonic): a harmonic sound of that pitch gives a large positive score.
    Below 1 kHz the mel bands are linear and narrower than the harmonics' spacing (26 Hz apart at
    the lab's parameters), which is why the ripple of the low bands shows the pitch.
    """
    n_bands = harmonic_bands(params)
    centres = mel_band_edges(params)[1:1 + n_bands]
    spacing = float(np.median(np.diff(centres)))
    low, high = PITCH_RANGE_HZ
    steps = int(round(12 * np.log2(high / low) * PITCH_STEPS_PER_SEMITONE))
    candidates = low * 2 ** (np.arange(steps + 1) / (12 * PITCH_STEPS_PER_SEMITONE))

    def near(frequency: float) -> np.ndarray:
        return np.maximum(0.0, 1.0 - np.abs(centres - frequency) / spacing)

    sieve = np.zeros((candidates.size, n_bands))
    for i, f0 in enumerate(candidates):
        sieve[i] -= 0.5 * near(f0 / 2)
        for h in range(1, int(centres[-1] // f0) + 2):
            sieve[i] += near(h * f0) - 0.5 * near((h + 0.5) * f0)
        sieve[i] /= max(np.abs(sieve[i]).sum(), 1e-9)
    return candidates, sieve.astype(np.float32)


def pitch_track(X: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> tuple[np.ndarray, np.ndarray]:
    """Pitch and voicing strength of every frame, read from the harmonics in the low mel bands.

    The ripple of the harmonic region (the bands below :data:`HARMONIC_REGION_HZ` minus their
    moving average, as in :func:`harmonic_continuity`) is matched against a harmonic sieve for
    every candidate pitch of :data:`PITCH_RANGE_HZ` in quarter semitones; the best candidate is the
    frame's voicing strength; its pitch is the lowest candidate within :data:`LOWEST_PITCH_SHARE`
    of that score (so that a pitch two or three times the fundamental, which fits every second or
    third harmonic, does not win).

    Parameters
    ----------
    X : np.ndarray
        Spectrograms ``(m, n_mels, frames)`` computed with ``params``.
    params : FeatureParams

    Returns
    -------
    f0 : np.ndarray
        ``(m, frames)`` pitch in Hz (meaningful where ``strength`` reaches :data:`VOICING_THRESHOLD`).
    strength : np.ndarray
        ``(m, frames)`` voicing strength (0 for silent frames).

    Examples
    --------
    >>> t = np.arange(66150) / 22050
    >>> voice = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 12)).astype(np.float32)
    >>> f0, strength = pitch_track(clip_features(voice))
    >>> semitones_off = 12 * np.log2(np.median(f0) / 220)   # the candidates are quarter semitones apart
    >>> bool(abs(semitones_off) <= 0.25), bool(np.median(strength) > VOICING_THRESHOLD)
    (True, True)
    """
    X = _as_batch(X)
    candidates, sieve = _pitch_sieve(params)
    m, _, frames = X.shape
    n_bands = sieve.shape[1]
    low = X[:, :n_bands].astype(np.float32)
    ripple = low - uniform_filter1d(low, size=HARMONIC_SMOOTHING_BANDS, axis=1, mode="nearest")
    # One matrix product for every frame of every window: (candidates, bands) x (bands, m * frames).
    score = sieve @ np.ascontiguousarray(ripple.transpose(1, 0, 2)).reshape(n_bands, m * frames)
    strength = score.max(axis=0)
    lowest = np.argmax(score >= LOWEST_PITCH_SHARE * strength, axis=0)
    # The first candidate over the share sits on the low flank of its peak: take the peak itself,
    # the best candidate within a semitone above it.
    near = np.minimum(lowest + np.arange(PITCH_STEPS_PER_SEMITONE + 1)[:, np.newaxis], candidates.size - 1)
    peak = np.take_along_axis(near, np.argmax(np.take_along_axis(score, near, axis=0), axis=0)[np.newaxis], axis=0)[0]
    f0 = candidates[peak].reshape(m, frames)
    return f0, np.where(_sounding(X), strength.reshape(m, frames).astype(np.float64), 0.0)


def _runs(flags: np.ndarray, *, long: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row of booleans: longest run, mean run length, and the frames in runs of at least ``long``."""
    m, n = flags.shape
    edges = np.diff(np.pad(flags, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    starts, ends = np.nonzero(edges == 1), np.nonzero(edges == -1)
    rows, lengths = starts[0], (ends[1] - starts[1]).astype(np.float64)
    longest = np.zeros(m)
    np.maximum.at(longest, rows, lengths)
    count = np.bincount(rows, minlength=m)
    total = np.bincount(rows, weights=lengths, minlength=m)
    in_long = np.bincount(rows, weights=lengths * (lengths >= long), minlength=m)
    return longest, total / np.maximum(count, 1), in_long


def pitch_statistics(X: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """How the pitch behaves over a window: voicing, held notes, glides (:func:`pitch_track`).

    A singer holds each note's pitch for hundreds of milliseconds and voices most of the time; a
    speaker's pitch glides through every syllable and stops at every consonant; noise has no
    pitch at all, and a test tone one that never moves.

    Returns
    -------
    np.ndarray
        ``(m, 9)``: share of the sounding frames that are voiced; mean voicing strength; median
        pitch move between consecutive voiced frames (semitones, 3 when there are none); share of
        those moves below :data:`HELD_SEMITONES` and below :data:`SLOW_SEMITONES`; the longest held
        pitch and the share of frames in held notes of at least :data:`NOTE_FRAMES` (a pitch
        moving less than :data:`NOTE_STEP_SEMITONES` per frame), both per frame of the window; the
        mean and the longest voiced stretch (frames; the longest per frame of the window).
    """
    X = _as_batch(X)
    frames = X.shape[2]
    sounding = _sounding(X)
    f0, strength = pitch_track(X, params=params)
    voiced = (strength >= VOICING_THRESHOLD) & sounding
    voiced_share = voiced.sum(axis=1) / np.maximum(sounding.sum(axis=1), 1)
    mean_strength, _ = _masked_mean_std(strength, sounding)
    move = np.abs(np.diff(12 * np.log2(f0), axis=1))
    both = voiced[:, 1:] & voiced[:, :-1]
    pairs = np.maximum(both.sum(axis=1), 1)
    median_move = np.where(both.any(axis=1), _masked_quantiles(move, both, (0.5,))[:, 0], 3.0)
    held = (both & (move < HELD_SEMITONES)).sum(axis=1) / pairs
    slow = (both & (move < SLOW_SEMITONES)).sum(axis=1) / pairs
    longest_note, _, in_notes = _runs(both & (move < NOTE_STEP_SEMITONES), long=NOTE_FRAMES)
    longest_voiced, mean_voiced, _ = _runs(voiced, long=1)
    return np.column_stack([voiced_share, mean_strength, median_move, held, slow, longest_note / frames,
                            in_notes / frames, mean_voiced, longest_voiced / frames])


def modulation_statistics(X: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """The modulation spectrum of the band envelopes: which rhythms the loudness moves at.

    Speech's envelope moves at the syllable rate (2-8 Hz, about 4 syllables a second) in every
    band; music moves with its notes and phrases (often slower, or at the beat, in some bands
    only); steady noise hardly moves. The mel axis is cut into :data:`MODULATION_GROUPS` equal
    groups; each group's envelope (its mean normalised level per frame, centred, silent frames at
    0) and the whole spectrum's are Fourier transformed over the window (Hann-tapered).

    Returns
    -------
    np.ndarray
        ``(m, 4 * (MODULATION_GROUPS + 1))``: for each group and then the whole, the share of the
        0.5-20 Hz modulation energy in each band of :data:`MODULATION_BANDS`, then the envelope's
        standard deviation (its depth), in that order for the three bands and the depth.
    """
    X = _as_batch(X)
    m, n_mels, frames = X.shape
    frame_rate = params.sample_rate / params.hop_length
    sounding = _sounding(X)
    width = n_mels // MODULATION_GROUPS
    groups = X[:, : MODULATION_GROUPS * width].astype(np.float64).reshape(m, MODULATION_GROUPS, width, frames).mean(axis=2)
    envelope = np.concatenate([groups, X.mean(axis=1, keepdims=True, dtype=np.float64)], axis=1)
    mask = np.broadcast_to(sounding[:, np.newaxis, :], envelope.shape)
    mean, depth = _masked_mean_std(envelope, mask)
    centred = np.where(mask, envelope - mean[..., np.newaxis], 0.0)
    size = scipy.fft.next_fast_len(max(256, frames))  # 0.17 Hz apart at the lab's frame rate, or finer
    power = np.abs(scipy.fft.rfft(centred * np.hanning(frames), n=size, axis=2)) ** 2
    frequencies = np.fft.rfftfreq(size, 1 / frame_rate)
    within = (frequencies >= MODULATION_BANDS[0][0]) & (frequencies < MODULATION_BANDS[-1][1])
    total = power[..., within].sum(axis=-1) + 1e-12
    shares = [power[..., (frequencies >= lo) & (frequencies < hi)].sum(axis=-1) / total for lo, hi in MODULATION_BANDS]
    return np.concatenate(shares + [depth], axis=1)


def prosody_length() -> int:
    """Length of a ``prosody`` feature vector (87): :func:`dynamics_length` plus 9 pitch and 36 modulation values."""
    return dynamics_length() + 9 + 4 * (MODULATION_GROUPS + 1)


def prosody_features(X: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """The ``prosody`` feature kind: :func:`dynamics_features`, then :func:`pitch_statistics` and
    :func:`modulation_statistics` (87 values), frames partly made of zeros left out as there.

    Examples
    --------
    >>> t = np.arange(66150) / 22050
    >>> prosody_features(clip_features(np.sin(2 * np.pi * 440 * t).astype(np.float32))).shape
    (1, 87)
    """
    X = _as_batch(X)
    if X.shape[1] != params.n_mels:
        raise ParameterError(f"spectrograms have {X.shape[1]} bands, params say {params.n_mels}")
    frames = analysis_frames(X, params=params)
    return np.concatenate([
        _dynamics_of_frames(frames, params),
        pitch_statistics(frames, params=params),
        modulation_statistics(frames, params=params),
    ], axis=1)
