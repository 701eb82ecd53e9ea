"""The mel filter bank and the STFT window of the lab's spectrogram, computed with numpy.

Slaney's mel scale and filters (his Auditory Toolbox; librosa's default, ``htk=False``) and the
periodic Hann window, rather than ``librosa.filters.mel`` and ``scipy.signal.get_window``:
importing those modules (numba, scipy.signal) costs ~2 s of CPU in every process that computes
features, more than a minute of audio takes. The values are the libraries' bit for bit (the tests
compare them over many parameter sets), so features, and the shipped model, do not change.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams

__all__ = ["hz_to_mel", "mel_to_hz", "mel_band_edges", "mel_filter_bank", "hann_window", "MEL_BREAK_HZ"]

#: Below this frequency the mel scale is linear, above it logarithmic.
MEL_BREAK_HZ = 1000.0
#: Hertz per mel in the linear part (so that 1 kHz is 15 mel).
_HZ_PER_MEL = 200.0 / 3
_MEL_AT_BREAK = MEL_BREAK_HZ / _HZ_PER_MEL
#: Natural log of the frequency ratio per mel in the logarithmic part (27 mel per factor 6.4).
_LOG_RATIO_PER_MEL = np.log(6.4) / 27.0


def hz_to_mel(frequencies) -> np.ndarray:
    """Slaney mel values of ``frequencies`` (Hz): linear up to 1 kHz (15 mel), logarithmic above.

    Examples
    --------
    >>> round(float(hz_to_mel(1000.0)), 9), round(float(hz_to_mel(6400.0)), 9)
    (15.0, 42.0)
    """
    hz = np.asarray(frequencies, dtype=np.float64)
    above = hz >= MEL_BREAK_HZ
    linear = hz / _HZ_PER_MEL
    logarithmic = _MEL_AT_BREAK + np.log(np.where(above, hz, MEL_BREAK_HZ) / MEL_BREAK_HZ) / _LOG_RATIO_PER_MEL
    return np.where(above, logarithmic, linear)


def mel_to_hz(mels) -> np.ndarray:
    """Frequencies (Hz) of Slaney mel values: the inverse of :func:`hz_to_mel`.

    Examples
    --------
    >>> round(float(mel_to_hz(15.0)), 6), round(float(mel_to_hz(42.0)), 6)
    (1000.0, 6400.0)
    """
    mel = np.asarray(mels, dtype=np.float64)
    above = mel >= _MEL_AT_BREAK
    linear = _HZ_PER_MEL * mel
    logarithmic = MEL_BREAK_HZ * np.exp(_LOG_RATIO_PER_MEL * (np.where(above, mel, _MEL_AT_BREAK) - _MEL_AT_BREAK))
    return np.where(above, logarithmic, linear)


def mel_band_edges(params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """The ``n_mels + 2`` frequencies (Hz) the mel filters are built on, equally spaced in mel.

    Filter ``i`` rises from edge ``i`` to a peak at edge ``i + 1`` and falls to zero at edge
    ``i + 2``; ``edges[1:-1]`` are the band centres.

    Examples
    --------
    >>> edges = mel_band_edges()
    >>> edges.shape, float(edges[0]), float(edges[-1])
    ((130,), 0.0, 11025.0)
    """
    fmax = params.fmax if params.fmax is not None else params.sample_rate / 2
    return mel_to_hz(np.linspace(hz_to_mel(params.fmin), hz_to_mel(fmax), params.n_mels + 2))


@lru_cache(maxsize=8)
def mel_filter_bank(params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """The (n_mels, 1 + n_fft // 2) float32 mel filter bank: triangles of unit area (Slaney's normalisation).

    Cached per parameter set; read only.

    Examples
    --------
    >>> mel_filter_bank().shape
    (128, 1025)
    """
    edges = mel_band_edges(params)
    bins = np.fft.rfftfreq(params.n_fft, d=1.0 / params.sample_rate)
    widths = np.diff(edges)
    rising = (bins[None, :] - edges[:-2, None]) / widths[:-1, None]
    falling = (edges[2:, None] - bins[None, :]) / widths[1:, None]
    # Rounded to float32 before the area normalisation (in float64), as librosa does, so that
    # the values, and so the shipped model's features, are the same bit for bit.
    triangles = np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)
    area = 2.0 / (edges[2:] - edges[:-2])
    bank = np.ascontiguousarray(triangles * area[:, None], dtype=np.float32)
    bank.flags.writeable = False  # cached: shared by every caller
    return bank


@lru_cache(maxsize=8)
def hann_window(n_fft: int) -> np.ndarray:
    """The periodic Hann window of ``n_fft`` samples (the STFT's; the symmetric one of ``n_fft + 1``, last dropped).

    The same float32 values as ``scipy.signal.get_window("hann", n_fft)``. Cached; read only.

    Examples
    --------
    >>> hann_window(4).tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    window.flags.writeable = False  # cached: shared by every caller
    return window
