"""Sounds that are neither speech nor music, part 1: coloured noise, hum, machines and test signals.

Each function renders ``n`` samples at ``sr`` of one kind of :mod:`speechmusic.data.synth.noise`,
dry (before the recording chain), at any scale, and writes what it drew into ``info`` (the
frequencies, rates and times a test can measure). Randomness comes only from ``rng``.

Events (clicks, claps, drops, keystrokes) are scattered as impulses and rung through a few
short kernels with one FFT convolution each (:func:`ring_events`), so thousands of them cost
about as much as a filter.
"""

from __future__ import annotations

import numpy as np

from speechmusic.data.synth.effects import background_noise, bandpass_noise, colored_noise, rms

#: Telephone keypad: the low and high tone of each key (Hz), ITU-T Q.23.
DTMF = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209), "5": (770, 1336),
        "6": (770, 1477), "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "*": (941, 1209),
        "0": (941, 1336), "#": (941, 1477)}
#: Test-tone frequencies (Hz) and their shares: the 1-kHz reference tone above all.
TONE_FREQUENCIES = {1000.0: 0.5, 440.0: 0.1, 400.0: 0.1, 1004.0: 0.05, 800.0: 0.05, 0.0: 0.2}  # 0: any, 100-4000


def ring_events(n: int, times: np.ndarray, amplitudes: np.ndarray, kernels: list[np.ndarray],
                groups: np.ndarray, sr: int) -> np.ndarray:
    """Impulses at ``times`` (s) of ``amplitudes``, each rung through ``kernels[groups[i]]``.

    Events outside ``[0, n)`` are dropped; a kernel's tail past the end is cut.
    """
    import scipy.signal

    out = np.zeros(n)
    index = np.round(np.asarray(times) * sr).astype(np.int64)
    inside = (index >= 0) & (index < n)
    for g, kernel in enumerate(kernels):
        chosen = inside & (groups == g)
        if not chosen.any():
            continue
        impulses = np.zeros(n)
        np.add.at(impulses, index[chosen], np.asarray(amplitudes)[chosen])
        out += scipy.signal.fftconvolve(impulses, kernel)[:n]
    return out


def burst(rng: np.random.Generator, sr: int, low: float, high: float, decay: float, length: float | None = None) -> np.ndarray:
    """A short band-limited noise burst decaying with time constant ``decay`` (s), peak 1."""
    size = max(int((length or 6 * decay) * sr), 8)
    t = np.arange(size) / sr
    y = bandpass_noise(rng, size, low, high, sr) * np.exp(-t / decay)
    return y / (np.max(np.abs(y)) + 1e-12)


def colour(rng: np.random.Generator, n: int, sr: int, cond, info: dict, *, exponent: float) -> np.ndarray:
    """White (0), pink (1) or brown (2) noise: power spectrum ~ 1/f**exponent."""
    info["exponent"] = exponent
    return colored_noise(rng, n, exponent)


def hum(rng: np.random.Generator, n: int, sr: int, cond, info: dict, *, mains: float | None = None) -> np.ndarray:
    """Mains hum: 50 or 60 Hz (``mains``, drawn when None) and its harmonics (a buzz keeps strong even
    harmonics: rectified mains)."""
    t = np.arange(n) / sr
    drawn = float(rng.choice([50.0, 60.0]))
    mains = drawn if mains is None else float(mains)
    buzz = rng.random() < 0.4
    slope = rng.uniform(0.3, 1.0) if buzz else rng.uniform(1.0, 2.5)
    y = np.zeros(n)
    for h in range(1, int(min(40, 0.45 * sr / mains))):
        weight = h ** (-slope) * (rng.uniform(1.0, 3.0) if buzz and h % 2 == 0 else rng.uniform(0.5, 1.0))
        y += weight * np.sin(2 * np.pi * mains * h * t + rng.uniform(0, 2 * np.pi))
    info.update(mains=mains, buzz=buzz)
    return y * (1.0 + 0.05 * np.sin(2 * np.pi * rng.uniform(0.1, 1.0) * t))


def fan(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """A fan or air conditioner: broadband air noise, the blade-pass tone and its harmonics, a slow beat."""
    import scipy.signal

    t = np.arange(n) / sr
    air = scipy.signal.sosfilt(scipy.signal.butter(2, rng.uniform(800, 4000), "lowpass", fs=sr, output="sos"),
                               colored_noise(rng, n, rng.uniform(0.5, 1.5)))
    rotation = rng.uniform(8, 25)  # revolutions per second
    blade = rotation * int(rng.integers(3, 8))
    tone = sum(np.sin(2 * np.pi * blade * k * t + rng.uniform(0, 6.3)) / k ** 1.5 for k in (1, 2, 3, 4))
    y = air / rms(air) + tone / rms(tone) * 10 ** (rng.uniform(-18, -4) / 20)
    if rng.random() < 0.4:  # an air conditioner's compressor hums at twice the mains frequency
        y += np.sin(2 * np.pi * 2 * rng.choice([50.0, 60.0]) * t) * 10 ** (rng.uniform(-20, -8) / 20) * np.sqrt(2)
    info.update(blade_hz=blade)
    return y * (1.0 + 0.04 * np.sin(2 * np.pi * rotation * t))


def static(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Radio static (hiss in slow bursts) or a record's surface noise (crackle and rumble)."""
    import scipy.signal

    vinyl = rng.random() < 0.5
    rate = rng.uniform(5, 60) if vinyl else rng.uniform(1, 10)
    times = np.sort(rng.uniform(0, n / sr, rng.poisson(rate * n / sr)))
    amps = rng.pareto(2.5, times.size) * rng.choice([-1, 1], times.size)
    crackle = ring_events(n, times, amps, [burst(rng, sr, 1500, 9000, 0.0004), burst(rng, sr, 300, 4000, 0.001)],
                          rng.integers(0, 2, times.size), sr)
    hiss = colored_noise(rng, n, rng.uniform(0.0, 1.0))
    if vinyl:
        rumble = scipy.signal.sosfilt(scipy.signal.butter(2, 60, "lowpass", fs=sr, output="sos"), colored_noise(rng, n, 2.0))
        y = crackle / (rms(crackle) + 1e-12) + hiss * 10 ** (rng.uniform(-20, -6) / 20) + rumble / rms(rumble) * 0.3
    else:
        swell = 1.0 + 0.5 * np.abs(np.sin(2 * np.pi * rng.uniform(0.1, 0.6) * np.arange(n) / sr))
        y = hiss * swell + crackle / (rms(crackle) + 1e-12) * 10 ** (rng.uniform(-12, -3) / 20)
    info.update(vinyl=vinyl, crackle_rate=rate)
    return y


def clicks(rng: np.random.Generator, n: int, sr: int, cond, info: dict, *, regular: bool | None = None,
           rate: float | None = None) -> np.ndarray:
    """Clicks: ``regular`` (a clock, a metronome, a relay; 1-10 per second) or irregular (a Geiger
    counter, 2-30 per second on average); each drawn when None."""
    drawn = rng.random() < 0.5
    regular = drawn if regular is None else regular
    drawn_rate = rng.uniform(1.0, 10.0) if regular else rng.uniform(2.0, 30.0)
    rate = drawn_rate if rate is None else float(rate)
    if regular:
        times = np.arange(rng.uniform(0, 1 / rate), n / sr, 1 / rate)
        groups = np.arange(times.size) % 2 if rng.random() < 0.5 else np.zeros(times.size, dtype=int)  # tick-tock
    else:
        times = np.sort(rng.uniform(0, n / sr, rng.poisson(rate * n / sr)))
        groups = np.zeros(times.size, dtype=int)
    kernels = [burst(rng, sr, f, 2.5 * f, rng.uniform(0.0005, 0.003)) for f in rng.uniform(800, 3500, 2)]
    info.update(regular=regular, rate=rate, times=times)
    return ring_events(n, times, rng.uniform(0.8, 1.0, times.size), kernels, groups, sr)


def sweep(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """A sine sweep (logarithmic or linear), 1-10 s long, repeated over the clip."""
    low, high = rng.uniform(20, 100), min(rng.uniform(8000, 20000), 0.45 * sr)
    period = rng.uniform(1.0, 10.0)
    logarithmic = rng.random() < 0.7
    x = (np.arange(n) / sr + rng.uniform(0, period)) % period / period
    freq = low * (high / low) ** x if logarithmic else low + (high - low) * x
    info.update(low=low, high=high, period=period, logarithmic=logarithmic)
    return np.sin(2 * np.pi * np.cumsum(freq) / sr)


def tone(rng: np.random.Generator, n: int, sr: int, cond, info: dict, *, frequency: float | None = None) -> np.ndarray:
    """A steady test tone of ``frequency`` Hz (drawn when None: the 1-kHz reference most often),
    with a trace of its second harmonic."""
    frequencies = list(TONE_FREQUENCIES)
    shares = np.array(list(TONE_FREQUENCIES.values()))
    drawn = frequencies[int(rng.choice(len(frequencies), p=shares / shares.sum()))] or rng.uniform(100, 4000)
    frequency = drawn if frequency is None else float(frequency)
    t = np.arange(n) / sr
    y = np.sin(2 * np.pi * frequency * t + rng.uniform(0, 6.3))
    y += 10 ** (rng.uniform(-60, -30) / 20) * np.sin(2 * np.pi * 2 * frequency * t) * (2 * frequency < 0.45 * sr)
    info.update(frequency=float(frequency))
    return y


def dtmf(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Telephone keypad tones: a number dialled, each key 40-200 ms, with gaps and pauses."""
    t, y, digits = -rng.uniform(0, 1.0), np.zeros(n), []
    on, off = rng.uniform(0.04, 0.2), rng.uniform(0.05, 0.3)
    while t < n / sr:
        key = str(rng.choice(list(DTMF)))
        a, b = int(max(t, 0) * sr), int(min(t + on, n / sr) * sr)
        if b > a:
            s = np.arange(a, b) / sr
            y[a:b] = np.sin(2 * np.pi * DTMF[key][0] * s) + 10 ** (rng.uniform(-3, 0) / 20) * np.sin(2 * np.pi * DTMF[key][1] * s)
            digits.append((t, key))
        t += on + off + (rng.uniform(0.3, 1.5) if rng.random() < 0.15 else 0.0)
    info.update(digits=digits)
    return y


def beeps(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Electronic beeps: a timer, a microwave, a truck reversing, a scanner (single, double or triple)."""
    t = np.arange(n) / sr
    frequency, length = rng.uniform(500, 4000), rng.uniform(0.05, 0.5)
    period, group = rng.uniform(max(0.3, 2.5 * length), 2.0), int(rng.choice([1, 1, 2, 3]))
    gate = np.zeros(n)
    start = -rng.uniform(0, period)
    while start < n / sr:
        for k in range(group):
            a = start + k * 1.8 * length
            gate[(t >= a) & (t < a + length)] = 1.0
        start += period + (group - 1) * 1.8 * length
    square = rng.random() < 0.5  # a piezo buzzer is nearly a square wave
    wave = np.sign(np.sin(2 * np.pi * frequency * t)) * 0.5 if square else np.sin(2 * np.pi * frequency * t)
    info.update(frequency=frequency, period=period)
    return wave * np.convolve(gate, np.ones(32) / 32, "same")


def siren(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """A siren or an alarm: wail, yelp, two-tone, a smoke alarm's triple beep, an alarm bell."""
    t = np.arange(n) / sr
    kind = str(rng.choice(["wail", "yelp", "two-tone", "smoke", "bell"]))
    if kind in ("wail", "yelp"):
        period = rng.uniform(2.0, 6.0) if kind == "wail" else rng.uniform(0.2, 0.5)
        low, high = rng.uniform(500, 800), rng.uniform(1200, 1700)
        freq = low + (high - low) * (0.5 - 0.5 * np.cos(2 * np.pi * t / period + rng.uniform(0, 6.3)))
        gate = np.ones(n)
    elif kind == "two-tone":
        period = rng.uniform(0.8, 2.0)
        low = rng.uniform(400, 700)
        freq = np.where((t / period + rng.random()) % 1 < 0.5, low, low * rng.uniform(1.25, 1.4))
        gate = np.ones(n)
    elif kind == "smoke":
        freq = np.full(n, rng.uniform(2900, 3300))
        phase = (t + rng.uniform(0, 4)) % 4.0  # three half-second beeps, then a pause (ISO 8201)
        gate = ((phase < 3.0) & (phase % 1.0 < 0.5)).astype(float)
    else:  # an electric bell: a struck gong at 15-25 strokes per second
        freq = np.full(n, rng.uniform(800, 2500))
        gate = 0.6 + 0.4 * np.exp(-((t * rng.uniform(15, 25)) % 1.0) * 4)
    wave = np.sin(2 * np.pi * np.cumsum(freq) / sr)
    wave = np.tanh(rng.uniform(1.0, 4.0) * wave)  # a horn loudspeaker's distortion: odd harmonics
    info.update(kind=kind)
    return wave * np.convolve(gate, np.ones(64) / 64, "same")


def engine(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """An engine (car, lorry, motorbike, boat): harmonics of the firing rate over noise pulsed at it,
    its speed drifting or rising, sometimes passing by (a swell and a Doppler fall)."""
    t = np.arange(n) / sr
    firing = rng.uniform(15, 90)  # firings per second: revolutions x cylinders / 2
    speed = firing * (1.0 + rng.uniform(0.05, 0.3) * np.clip(t / (n / sr) * rng.choice([0, 1, 2]), 0, 1)
                      + 0.03 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t))
    passing = rng.random() < 0.35
    if passing:  # Doppler: about 6 % higher as it comes, lower as it goes
        centre, width = rng.uniform(0.2, 0.8) * n / sr, rng.uniform(0.5, 2.0)
        speed *= 1.0 - 0.06 * np.tanh((t - centre) / width)
    phase = 2 * np.pi * np.cumsum(speed) / sr
    y = sum(rng.uniform(0.2, 1.0) / k ** rng.uniform(0.5, 1.2) * np.sin(k * phase + rng.uniform(0, 6.3))
            for k in range(1, int(min(60, 0.45 * sr / firing / 1.4))))
    rough = bandpass_noise(rng, n, 100, 3000, sr) * (0.5 + 0.5 * np.sin(phase) ** 8)
    y = y / rms(y) + rough / rms(rough) * 10 ** (rng.uniform(-15, 0) / 20)
    if passing:
        y *= np.exp(-0.5 * ((t - centre) / (2 * width)) ** 2) + 0.1
    info.update(firing_hz=firing, passing=passing)
    return y


def machinery(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """A machine: an electric motor's whine, a compressor, rhythmic impacts (a press, a pump), a
    stepper's buzzing moves (a printer); two of them at once."""
    t = np.arange(n) / sr
    parts = rng.choice(["motor", "compressor", "impacts", "stepper"], size=2, replace=False)
    y = np.zeros(n)
    for part in parts:
        if part == "motor":
            f = rng.uniform(100, 1200) * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(0.1, 1) * t))
            sound = sum(np.sin(2 * np.pi * k * np.cumsum(f) / sr) / k for k in (1, 2, 3))
            sound += bandpass_noise(rng, n, 200, 5000, sr) * 0.3
        elif part == "compressor":
            sound = bandpass_noise(rng, n, 30, rng.uniform(300, 1500), sr) * (1 + 0.3 * np.sin(2 * np.pi * rng.uniform(10, 30) * t))
        elif part == "impacts":
            period = rng.uniform(0.3, 2.0)
            times = np.arange(rng.uniform(0, period), n / sr, period)
            times = times + rng.normal(0, 0.005, times.size)
            kernel = burst(rng, sr, 60, rng.uniform(800, 4000), rng.uniform(0.02, 0.15))
            sound = ring_events(n, times, rng.uniform(0.7, 1.0, times.size), [kernel], np.zeros(times.size, int), sr)
        else:  # stepper: pitched buzzes that start and stop
            sound = np.zeros(n)
            start = 0.0
            while start < n / sr:
                length = rng.uniform(0.1, 0.8)
                a, b = int(start * sr), int(min(start + length, n / sr) * sr)
                s = np.arange(b - a) / sr
                sound[a:b] = np.sign(np.sin(2 * np.pi * rng.uniform(200, 2000) * s)) * 0.5
                start += length + rng.uniform(0.05, 0.5)
        y += sound / (rms(sound) + 1e-12) * 10 ** (rng.uniform(-10, 0) / 20)
    info.update(parts=[str(p) for p in parts])
    return y


def traffic(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Road traffic: rumble swelling as vehicles pass, tyre hiss (the recording chain's street background)."""
    return background_noise(rng, n, sr, "street")
