"""A dataset for running the lab notebook in tests.

Uses the project's synthetic generator (``speechmusic.data.synth.build_synthetic_dataset``) when it is
installed; otherwise writes a small stand-in with the same layout: "music" = sustained harmonic
chords that change every half second, "speech" = syllable-rate bursts of a buzzy voiced sound
through two moving resonances, with short noise fricatives and pauses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.signal
import soundfile as sf

SR = 22050
SECONDS = 3.0


def _music(rng: np.random.Generator) -> np.ndarray:
    n = int(SR * SECONDS)
    t = np.arange(n) / SR
    y = np.zeros(n)
    note_len = int(SR * rng.uniform(0.3, 0.6))
    root = rng.uniform(110, 330)
    for start in range(0, n, note_len):
        stop = min(n, start + note_len)
        chord = root * 2 ** (rng.choice([0, 2, 4, 5, 7, 9, 12], size=3) / 12)
        seg = t[start:stop] - t[start]
        env = np.exp(-seg * rng.uniform(0.5, 3.0))
        for f in chord:
            for h in range(1, 6):
                if f * h < SR / 2:
                    y[start:stop] += env * np.sin(2 * np.pi * f * h * seg) / h
    return y


def _speech(rng: np.random.Generator) -> np.ndarray:
    n = int(SR * SECONDS)
    y = np.zeros(n)
    pos = int(rng.uniform(0, 0.2) * SR)
    pitch = rng.uniform(90, 220)
    while pos < n:
        length = int(rng.uniform(0.12, 0.25) * SR)
        stop = min(n, pos + length)
        k = stop - pos
        f0 = pitch * (1 + 0.15 * np.sin(np.linspace(0, np.pi, k)) * rng.uniform(-1, 1))
        phase = np.cumsum(f0 / SR)
        pulses = (np.diff(np.floor(phase), prepend=0) > 0).astype(float)
        voiced = pulses
        for formant in (rng.uniform(300, 900), rng.uniform(900, 2500)):
            r = 0.97
            theta = 2 * np.pi * formant / SR
            voiced = scipy.signal.lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], voiced)
        voiced *= np.hanning(k)
        y[pos:stop] += voiced / (np.abs(voiced).max() + 1e-9)
        if rng.random() < 0.4:  # a fricative after the syllable
            f_len = min(n - stop, int(0.06 * SR))
            if f_len > 0:
                hiss = scipy.signal.lfilter([1, -1], [1], rng.standard_normal(f_len)) * 0.2
                y[stop : stop + f_len] += hiss * np.hanning(f_len)
        pos = stop + int(rng.uniform(0.05, 0.3 if rng.random() < 0.8 else 0.6) * SR)
    return y


def write_standin_dataset(data_dir: Path, n_train: int = 60, n_test: int = 20, seed: int = 0) -> Path:
    """Write ``n_train``/``n_test`` clips per class into ``data_dir/{train,test}/{speech,music}``."""
    rng = np.random.default_rng(seed)
    for split, count in (("train", n_train), ("test", n_test)):
        for label, make in (("music", _music), ("speech", _speech)):
            folder = Path(data_dir) / split / label
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                y = make(rng)
                y = 0.5 * y / (np.abs(y).max() + 1e-9) + 0.002 * rng.standard_normal(y.size)
                sf.write(str(folder / f"standin-{label}-{i:03d}.wav"), y.astype(np.float32), SR, subtype="PCM_16")
    return Path(data_dir)


def make_lab_dataset(data_dir: Path, n_train: int = 60, n_test: int = 20, seed: int = 0) -> tuple[Path, str]:
    """The synthetic dataset for notebook runs; returns (folder, which generator was used)."""
    try:
        from speechmusic.data.synth import build_synthetic_dataset
    except ImportError:
        return write_standin_dataset(data_dir, n_train, n_test, seed), "stand-in"
    build_synthetic_dataset(data_dir, n_train=n_train, n_test=n_test, seed=seed)
    return Path(data_dir), "speechmusic.data.synth"
