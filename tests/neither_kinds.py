"""Twelve kinds of sound that are neither speech nor music, generated here (no audio file, no synthesiser
of the package): what the issue "Every second labelled honestly" lists, each a few seconds long.

The package's own synthetic generator (speechmusic.data.synth) makes noise of similar kinds for
training; these are written independently, with other recipes and other random streams, so that a
test of the shipped model on them is not a test on its training data.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

SR = 22050


def _at_dbfs(y: np.ndarray, dbfs: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
    return (y * (10 ** (dbfs / 20) / rms if rms > 0 else 0.0)).astype(np.float32)


def _coloured(n: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """Noise whose power falls as 1 / f**exponent (0 white, 1 pink, 2 brown)."""
    spectrum = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    f = np.fft.rfftfreq(n, 1 / SR)
    spectrum *= 1 / np.maximum(f, 20.0) ** (exponent / 2)
    return np.fft.irfft(spectrum, n)


def digital_silence(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return np.zeros(int(seconds * SR), dtype=np.float32)


def quiet_noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """White noise at -60 dBFS: a silent line's hiss."""
    return _at_dbfs(rng.standard_normal(int(seconds * SR)), -60)


def white_noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return _at_dbfs(rng.standard_normal(int(seconds * SR)), -20)


def pink_noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return _at_dbfs(_coloured(int(seconds * SR), rng, 1.0), -20)


def brown_noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return _at_dbfs(_coloured(int(seconds * SR), rng, 2.0), -20)


def mains_hum(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """50 Hz and its harmonics, as a badly grounded cable picks it up."""
    t = np.arange(int(seconds * SR)) / SR
    y = sum(a * np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 6.3)) for k, a in ((1, 1.0), (2, 0.5), (3, 0.35), (5, 0.2)))
    return _at_dbfs(y + 0.01 * rng.standard_normal(t.size), -25)


def fan(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Broadband air noise, low-passed, with the blade-pass tone and its slow wobble."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    b, a = scipy.signal.butter(2, 1500, fs=SR)
    air = scipy.signal.lfilter(b, a, rng.standard_normal(n))
    blade = 0.3 * np.sin(2 * np.pi * 118 * t + 0.5 * np.sin(2 * np.pi * 0.7 * t))
    return _at_dbfs(air / np.std(air) + blade, -24)


def rain(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Many drops (short decaying high-passed bursts) at random times over a soft hiss."""
    n = int(seconds * SR)
    y = 0.05 * rng.standard_normal(n)
    drop = np.exp(-np.arange(int(0.01 * SR)) / (0.002 * SR))
    for start in rng.integers(0, n - drop.size, int(400 * seconds)):
        y[start:start + drop.size] += rng.uniform(0.1, 1.0) * drop * rng.standard_normal(drop.size)
    b, a = scipy.signal.butter(2, 800, btype="high", fs=SR)
    return _at_dbfs(scipy.signal.lfilter(b, a, y), -22)


def wind(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Low-passed noise whose level and brightness swell in slow gusts."""
    n = int(seconds * SR)
    gust = np.interp(np.arange(n), np.linspace(0, n, int(seconds) + 2), rng.uniform(0.2, 1.0, int(seconds) + 2))
    b, a = scipy.signal.butter(2, 500, fs=SR)
    y = scipy.signal.lfilter(b, a, rng.standard_normal(n)) * gust
    return _at_dbfs(y, -22)


def clicks(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Sharp clicks, irregularly spaced (a crackling line, a Geiger counter)."""
    n = int(seconds * SR)
    y = np.zeros(n)
    for start in np.cumsum(rng.exponential(0.25 * SR, int(8 * seconds)).astype(int)):
        if start + 40 < n:
            y[start:start + 40] += rng.choice([-1, 1]) * np.exp(-np.arange(40) / 6.0)
    return _at_dbfs(y + 1e-3 * rng.standard_normal(n), -26)


def sine_sweep(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """An exponential sine sweep from 50 Hz to 10 kHz (a measurement signal)."""
    t = np.arange(int(seconds * SR)) / SR
    return _at_dbfs(scipy.signal.chirp(t, 50, seconds, 10000, method="logarithmic"), -20)


def test_tone(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A steady 1 kHz tone (a line-up tone)."""
    t = np.arange(int(seconds * SR)) / SR
    return _at_dbfs(np.sin(2 * np.pi * 1000 * t), -18)


#: The twelve kinds, by name.
KINDS = {
    "digital silence": digital_silence, "noise at -60 dBFS": quiet_noise, "white noise": white_noise,
    "pink noise": pink_noise, "brown noise": brown_noise, "50 Hz hum": mains_hum, "fan": fan, "rain": rain,
    "wind": wind, "clicks": clicks, "sine sweep": sine_sweep, "1 kHz tone": test_tone,
}
