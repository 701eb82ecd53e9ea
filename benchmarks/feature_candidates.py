"""Feature families that were measured for the ``dynamics`` kind but not kept (benchmark 7).

The kept families live in :mod:`speechmusic.core.features` (``cepstral_dynamics``, ``flux_statistics``,
``onset_statistics``, ``harmonic_continuity``). The candidates here were measured the same way,
by leave-one-source-out on ``../shared/real-world`` (benchmark 7, docs/features.md), and left out
because adding them did not help. They stay here so that the table can be reproduced.

Every function takes normalised mel-spectrograms ``(m, n_mels, frames)`` and returns ``(m, k)``;
silent frames (every band at 0) are left out, as in the kept families.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.core.dynamics import N_CEPSTRA, _dct_basis, _masked_mean_std, _sounding
from speechmusic.core.features import pooled_features

FRAME_RATE = DEFAULT_PARAMS.sample_rate / DEFAULT_PARAMS.hop_length
#: Modulation-frequency bands (Hz): slow, syllable rate, fast.
MODULATION_BANDS = ((0.5, 2.0), (2.0, 8.0), (8.0, 20.0))
MODULATION_GROUPS = 8


def modulation_energy(X: np.ndarray, *, n_groups: int = MODULATION_GROUPS) -> np.ndarray:
    """Share of the temporal-envelope energy in each modulation band, per band group, plus the envelope depth.

    Band groups: ``n_groups`` equal slices of the mel axis and the whole spectrum. The envelope of
    a group (its mean normalised level per frame, centred, silent frames at 0) is Fourier
    transformed over the window; for each band of :data:`MODULATION_BANDS` the share of the
    0.5-20 Hz energy is reported, then the envelope's standard deviation.
    Returns ``(m, (n_groups + 1) * 4)``.
    """
    X = np.asarray(X, dtype=np.float64)
    m, n_mels, frames = X.shape
    sounding = _sounding(X)
    groups = X[:, : n_groups * (n_mels // n_groups)].reshape(m, n_groups, n_mels // n_groups, frames).mean(axis=2)
    envelope = np.concatenate([groups, X.mean(axis=1, keepdims=True)], axis=1)
    mask = np.broadcast_to(sounding[:, np.newaxis, :], envelope.shape)
    mean, depth = _masked_mean_std(envelope, mask)
    centred = np.where(mask, envelope - mean[..., np.newaxis], 0.0)
    size = 256
    power = np.abs(scipy.fft.rfft(centred * np.hanning(frames), n=size, axis=2)) ** 2
    freqs = np.fft.rfftfreq(size, 1 / FRAME_RATE)
    total = power[..., (freqs >= MODULATION_BANDS[0][0]) & (freqs < MODULATION_BANDS[-1][1])].sum(-1) + 1e-12
    shares = [power[..., (freqs >= lo) & (freqs < hi)].sum(-1) / total for lo, hi in MODULATION_BANDS]
    return np.concatenate(shares + [depth], axis=1)


def low_energy_frames(X: np.ndarray) -> np.ndarray:
    """Share of quiet frames and the spread of frame loudness.

    Frame loudness is the total mel power of the frame in dB (relative to the window's loudest
    bin). Returns ``(m, 5)``: share of sounding frames below half the mean power, share more than
    20 dB and more than 40 dB under the loudest frame, standard deviation of the loudness, and its
    5-95 % range.
    """
    X = np.asarray(X, dtype=np.float64)
    sounding = _sounding(X)
    level = 10 * np.log10(np.sum(10 ** ((80 * X - 80) / 10), axis=1) + 1e-30)
    power = 10 ** (level / 10)
    count = np.maximum(sounding.sum(axis=1), 1)
    mean_power = np.where(sounding, power, 0).sum(axis=1) / count
    top = np.where(sounding, level, -np.inf).max(axis=1)
    below_half = (sounding & (power < 0.5 * mean_power[:, None])).sum(axis=1) / count
    below_20 = (sounding & (level < top[:, None] - 20)).sum(axis=1) / count
    below_40 = (sounding & (level < top[:, None] - 40)).sum(axis=1) / count
    _, spread = _masked_mean_std(level, sounding)
    ranges = np.zeros(len(X))
    for i in range(len(X)):
        kept = level[i, sounding[i]]
        if kept.size:
            low, high = np.quantile(kept, [0.05, 0.95])
            ranges[i] = high - low
    return np.column_stack([below_half, below_20, below_40, spread, ranges])


def spectral_shape(X: np.ndarray) -> np.ndarray:
    """Mean and spread over frames of the spectral centroid, bandwidth and flatness (``(m, 6)``)."""
    X = np.asarray(X, dtype=np.float64)
    sounding = _sounding(X)
    n_mels = X.shape[1]
    power = 10 ** ((80 * X - 80) / 10)
    total = power.sum(axis=1) + 1e-30
    position = (np.arange(n_mels) / n_mels)[None, :, None]
    centroid = (power * position).sum(axis=1) / total
    bandwidth = np.sqrt((power * (position - centroid[:, None]) ** 2).sum(axis=1) / total)
    flatness = np.exp(np.log(power + 1e-30).mean(axis=1)) / (power.mean(axis=1) + 1e-30)
    out = []
    for value in (centroid, bandwidth, flatness):
        out += list(_masked_mean_std(value, sounding))
    return np.column_stack(out)


def spectral_persistence(X: np.ndarray, *, lags=(1, 4, 8, 16)) -> np.ndarray:
    """Mean and spread of the correlation between whole frames ``lag`` frames apart (``(m, 8)``)."""
    X = np.asarray(X, dtype=np.float64)
    sounding = _sounding(X)
    centred = X - X.mean(axis=1, keepdims=True)
    unit = centred / (np.linalg.norm(centred, axis=1, keepdims=True) + 1e-6)
    out = []
    for lag in lags:
        similarity = (unit[:, :, lag:] * unit[:, :, :-lag]).sum(axis=1)
        out += list(_masked_mean_std(similarity, sounding[:, lag:] & sounding[:, :-lag]))
    return np.column_stack(out)


def cepstral_means(X: np.ndarray, *, n_coefficients: int = N_CEPSTRA) -> np.ndarray:
    """Mean of each of the first cepstral coefficients over the sounding frames (``(m, n_coefficients)``)."""
    X = np.asarray(X, dtype=np.float64)
    cepstra = np.matmul(_dct_basis(X.shape[1], n_coefficients), X)
    mean, _ = _masked_mean_std(cepstra, np.broadcast_to(_sounding(X)[:, None, :], cepstra.shape))
    return mean


#: Candidates that were measured and not kept, by name.
CANDIDATES = {
    "modulation energy (2-8 Hz share per band group)": modulation_energy,
    "low-energy frames": low_energy_frames,
    "spectral shape (centroid, bandwidth, flatness)": spectral_shape,
    "spectral persistence (frame correlation)": spectral_persistence,
    "cepstral means (MFCC means)": cepstral_means,
    "pooled band means and spreads": pooled_features,
}
