"""Sounds that are neither speech nor music, part 2: weather, water, fire and animals.

Like :mod:`speechmusic.data.synth.signals`: each function renders ``n`` dry samples at ``sr`` of
one kind of :mod:`speechmusic.data.synth.noise` and writes what it drew into ``info``.
"""

from __future__ import annotations

import numpy as np

from speechmusic.data.synth.common import _wander
from speechmusic.data.synth.effects import bandpass_noise, colored_noise, rms
from speechmusic.data.synth.signals import burst, ring_events


def _lowpass(y: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    import scipy.signal

    return scipy.signal.sosfilt(scipy.signal.butter(order, min(cutoff, 0.45 * sr), "lowpass", fs=sr, output="sos"), y)


def _chirps(rng: np.random.Generator, sr: int, count: int, low: float, high: float, decay: tuple[float, float],
            rise: float) -> list[np.ndarray]:
    """``count`` short decaying sine chirps between ``low`` and ``high`` Hz whose pitch rises by the
    factor ``rise`` (a bubble's resonance rises as it shrinks; a drop hitting water rings like one)."""
    kernels = []
    for f in np.exp(rng.uniform(np.log(low), np.log(high), count)):
        tau = rng.uniform(*decay)
        t = np.arange(int(6 * tau * sr)) / sr
        freq = f * (1 + (rise - 1) * t / t[-1])
        kernels.append(np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / tau))
    return kernels


def _scatter(rng: np.random.Generator, n: int, sr: int, rate: float, kernels: list[np.ndarray],
             spread: float = 1.0) -> np.ndarray:
    """Events at a Poisson ``rate`` per second, each one of ``kernels``, amplitudes over ``spread`` decades."""
    times = rng.uniform(0, n / sr, rng.poisson(rate * n / sr))
    amps = 10 ** (-rng.uniform(0, spread, times.size))
    return ring_events(n, times, amps, kernels, rng.integers(0, len(kernels), times.size), sr)


def rain(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Rain: a broadband patter of thousands of drops (clicks and small bubbles) over a hiss."""
    rate = rng.uniform(200, 3000)
    drops = _scatter(rng, n, sr, rate, _chirps(rng, sr, 8, 1000, 5000, (0.001, 0.004), 1.5)
                     + [burst(rng, sr, 2000, 10000, 0.0005) for _ in range(4)], spread=1.5)
    bed = bandpass_noise(rng, n, rng.uniform(300, 1500), 11000, sr)
    info.update(drops_per_second=rate)
    return drops / (rms(drops) + 1e-12) + bed / rms(bed) * 10 ** (rng.uniform(-10, 3) / 20)


def wind(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Wind: low-passed noise whose level and brightness swell in gusts, leaves rustling in the
    strong ones, now and then a whistle round an edge."""
    import scipy.signal

    gusts = 10 ** (rng.uniform(6, 18) * _wander(rng, n, max(int(n / sr * rng.uniform(0.3, 1.0)), 2)) / 20)
    body = _lowpass(colored_noise(rng, n, rng.uniform(1.0, 2.0)), rng.uniform(200, 800), sr)
    y = body / rms(body) * gusts
    if rng.random() < 0.5:
        leaves = bandpass_noise(rng, n, 1500, 7000, sr)
        y += leaves / rms(leaves) * np.clip(gusts / np.max(gusts) - 0.4, 0, None) * rng.uniform(0.3, 1.0)
    if rng.random() < 0.25:  # a whistle: a narrow resonance whose pitch follows the gusts
        centre = rng.uniform(400, 1500)
        sos = scipy.signal.butter(2, [centre / 1.05, centre * 1.05], "bandpass", fs=sr, output="sos")
        whistle = scipy.signal.sosfilt(sos, colored_noise(rng, n, 0.0))
        y += whistle / rms(whistle) * gusts * rng.uniform(0.1, 0.5)
    info.update(gust_db=float(20 * np.log10(np.max(gusts) / np.min(gusts))))
    return y


def water(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """A stream or a fountain: many small bubbles (rising chirps) over a broad rushing bed."""
    rate = rng.uniform(50, 600)
    bubbles = _scatter(rng, n, sr, rate, _chirps(rng, sr, 12, 300, 3000, (0.004, 0.02), 1.3), spread=1.0)
    bed = bandpass_noise(rng, n, 150, rng.uniform(3000, 8000), sr)
    info.update(bubbles_per_second=rate)
    return bubbles / (rms(bubbles) + 1e-12) + bed / rms(bed) * 10 ** (rng.uniform(-12, 0) / 20)


def waves(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Surf: a wave breaks every 5-12 s (a fast rise, a long wash) and brightens as it does."""
    t = np.arange(n) / sr
    period = rng.uniform(5, 12)
    x = (t + rng.uniform(0, period)) % period
    swell = np.where(x < 1.0, x, np.exp(-(x - 1.0) / rng.uniform(1.0, 3.0))) * 0.9 + 0.1
    low = _lowpass(colored_noise(rng, n, 1.5), 500, sr)
    high = bandpass_noise(rng, n, 800, 8000, sr)
    info.update(period=period)
    return low / rms(low) * swell + high / rms(high) * swell ** 2 * rng.uniform(0.3, 1.0)


def fire(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """A fire: a low roar with crackles and pops (bursts of wood splitting, heavy-tailed in level)."""
    roar = _lowpass(colored_noise(rng, n, 2.0), rng.uniform(300, 900), sr)
    roar *= 1.0 + 0.4 * _wander(rng, n, max(int(n / sr * 2), 2))
    rate = rng.uniform(5, 60)
    times = rng.uniform(0, n / sr, rng.poisson(rate * n / sr))
    times = np.concatenate([times, times[rng.random(times.size) < 0.3] + rng.uniform(0.005, 0.04)])  # pops come in clusters
    crackle = ring_events(n, times, rng.pareto(2.0, times.size) + 0.2,
                          [burst(rng, sr, 800, 10000, d) for d in (0.0005, 0.0015, 0.004)],
                          rng.integers(0, 3, times.size), sr)
    info.update(crackles_per_second=rate)
    return roar / rms(roar) * 10 ** (rng.uniform(-12, 0) / 20) + crackle / (rms(crackle) + 1e-12)


def thunder(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Thunder: a crack, then a deep rumble rolling for seconds, over rain."""
    t = np.arange(n) / sr
    at = rng.uniform(-0.5, 0.6) * n / sr
    after = np.clip(t - at, 0, None)
    envelope = (t >= at) * (np.clip(after / rng.uniform(0.05, 0.4), 0, 1) * np.exp(-after / rng.uniform(1.5, 5.0)))
    envelope *= 1.0 + 0.5 * _wander(rng, n, max(int(n / sr * 3), 2))  # it rolls
    rumble = _lowpass(colored_noise(rng, n, 2.0), rng.uniform(80, 300), sr)
    crack = bandpass_noise(rng, n, 200, 6000, sr) * (t >= at) * np.exp(-after / rng.uniform(0.05, 0.2))
    info.update(at=at)
    return rumble / rms(rumble) * envelope + crack / rms(crack) * 0.3 + rain(rng, n, sr, cond, {}) * rng.uniform(0.02, 0.2)


def birds(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Birdsong: each bird repeats its own syllables (fast sweeps and trills at 2-8 kHz) in bouts,
    nearer and further birds together, over a quiet outdoor bed."""
    t_total = n / sr
    y = np.zeros(n)
    count = int(rng.integers(1, 6))
    for _ in range(count):
        level = 10 ** (-rng.uniform(0, 20) / 20)
        repertoire = []
        for _ in range(int(rng.integers(1, 4))):  # the bird's syllables
            length = rng.uniform(0.02, 0.15)
            s = np.arange(int(length * sr)) / sr
            f0 = rng.uniform(2000, min(8000, 0.4 * sr))
            shape = str(rng.choice(["up", "down", "trill", "arch"]))
            x = s / length
            glide = {"up": x, "down": 1 - x, "trill": 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(20, 60) * s),
                     "arch": np.sin(np.pi * x)}[shape]
            freq = f0 * 2 ** (rng.uniform(-1.0, 1.0) * glide)
            freq = np.minimum(freq, 0.45 * sr)
            syllable = np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.sin(np.pi * x) ** 2
            repertoire.append(syllable + 0.1 * np.sin(2 * 2 * np.pi * np.cumsum(freq) / sr) * np.sin(np.pi * x) ** 2
                              * (2 * freq.max() < 0.45 * sr))
        start = -rng.uniform(0, 3)
        while start < t_total:  # bouts of song, then a pause
            bout_end = start + rng.uniform(0.5, 3.0)
            at, order = start, int(rng.integers(len(repertoire)))
            while at < bout_end:
                syllable = repertoire[order % len(repertoire)]
                a = int(at * sr)
                lo, hi = max(a, 0), min(a + syllable.size, n)
                if hi > lo:
                    y[lo:hi] += level * syllable[lo - a : hi - a]
                at += syllable.size / sr + rng.uniform(0.02, 0.15)
                order += int(rng.random() < 0.3)
            start = bout_end + rng.uniform(0.5, 4.0)
    bed = bandpass_noise(rng, n, 100, 4000, sr)
    info.update(birds=count)
    return y / (rms(y) + 1e-12) + bed / rms(bed) * 10 ** (rng.uniform(-35, -15) / 20)


def insects(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Insects: crickets (chirps of a few pulses of a 3.5-5.5 kHz carrier) or cicadas (a buzzing
    band pulsed at 100-300 Hz, swelling), one or a chorus."""
    t = np.arange(n) / sr
    y = np.zeros(n)
    cicada = rng.random() < 0.3
    for _ in range(int(rng.integers(1, 7))):
        level = 10 ** (-rng.uniform(0, 15) / 20)
        if cicada:
            band = bandpass_noise(rng, n, rng.uniform(3500, 5000), min(rng.uniform(6000, 9000), 0.45 * sr), sr)
            pulse = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * rng.uniform(100, 300) * t))
            y += level * band / rms(band) * pulse * (0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t) ** 2)
        else:
            carrier = np.sin(2 * np.pi * min(rng.uniform(3500, 5500), 0.45 * sr) * t)
            pulse_rate, pulses, chirp_rate = rng.uniform(20, 45), int(rng.integers(2, 7)), rng.uniform(0.8, 4.0)
            phase = (t * chirp_rate + rng.random()) % 1.0 / chirp_rate  # time into the chirp
            gate = (phase < pulses / pulse_rate) & ((phase * pulse_rate) % 1.0 < 0.5)
            y += level * carrier * np.convolve(gate.astype(float), np.ones(16) / 16, "same")
    info.update(cicada=cicada)
    return y + bandpass_noise(rng, n, 100, 3000, sr) * 10 ** (rng.uniform(-40, -20) / 20) * (rms(y) + 1e-12)
