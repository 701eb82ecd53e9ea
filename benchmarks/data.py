"""Generated audio for the benchmarks (nothing is downloaded).

Two kinds of material:

* ``"synthetic"``: the project's own offline dataset (:mod:`speechmusic.data.synth`), the lab's
  realistic stand-in for speech and music, used when it is available;
* ``"simple"``: a cheap generator defined here (harmonic notes and chords for music, voiced
  syllables with formant-like resonances and noise bursts for speech), used by ``--quick`` and
  when the synthetic generator is absent or too slow for the requested size.

Decoding and feature costs do not depend on the content of a 16-bit WAV file, so the kind only
matters for the accuracy numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import scipy.signal

from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.core.fileio import write_wav

SR = DEFAULT_PARAMS.sample_rate


def have_synthetic() -> bool:
    """True when :mod:`speechmusic.data.synth` exposes ``build_synthetic_dataset``."""
    try:
        from speechmusic.data.synth import build_synthetic_dataset  # noqa: F401
    except ImportError:
        return False
    return True


def simple_music(rng: np.random.Generator, seconds: float, sr: int = SR) -> np.ndarray:
    """A few notes and chords of harmonic tones with decaying envelopes."""
    n = int(round(seconds * sr))
    y = np.zeros(n)
    t_note = rng.uniform(0.2, 0.6)
    root = rng.uniform(110, 330)
    scale = np.array([0, 2, 4, 5, 7, 9, 11, 12])
    start = 0
    while start < n:
        length = min(n - start, int(t_note * sr * rng.choice([1, 1, 2])))
        t = np.arange(length) / sr
        envelope = np.exp(-t * rng.uniform(1.5, 6.0)) * np.minimum(1.0, t / 0.01)
        for step in rng.choice(scale, size=rng.integers(1, 4), replace=False):
            f0 = root * 2 ** (step / 12)
            for h in range(1, 8):
                if f0 * h < sr / 2:
                    y[start : start + length] += envelope * np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6.3)) / h**1.3
        start += length
    y += 0.002 * rng.standard_normal(n)
    return (0.6 * y / max(np.abs(y).max(), 1e-9)).astype(np.float32)


def simple_speech(rng: np.random.Generator, seconds: float, sr: int = SR) -> np.ndarray:
    """Syllables: a gliding voiced pitch through two resonances, fricative bursts, pauses."""
    n = int(round(seconds * sr))
    y = np.zeros(n)
    position = int(rng.uniform(0, 0.3) * sr)
    f_base = rng.uniform(90, 220)
    while position < n:
        length = min(n - position, int(rng.uniform(0.12, 0.3) * sr))
        t = np.arange(length) / sr
        pitch = f_base * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(1, 3) * t + rng.uniform(0, 6.3)))
        phase = 2 * np.pi * np.cumsum(pitch) / sr
        source = sum(np.sin(h * phase) / h for h in range(1, 30) if f_base * h * 1.2 < sr / 2)
        voiced = np.zeros(length)
        for formant in (rng.uniform(300, 900), rng.uniform(900, 2500)):
            b, a = scipy.signal.iirpeak(formant, 5.0, fs=sr)
            voiced += scipy.signal.lfilter(b, a, source)
        envelope = np.sin(np.pi * np.arange(length) / length) ** 2
        y[position : position + length] += envelope * voiced
        if rng.random() < 0.4:  # a fricative after the vowel
            burst = min(n - position - length, int(0.08 * sr))
            if burst > 0:
                b, a = scipy.signal.butter(2, [3000, min(8000, sr / 2 - 1)], btype="band", fs=sr)
                y[position + length : position + length + burst] += 0.3 * scipy.signal.lfilter(
                    b, a, rng.standard_normal(burst))
        position += length + int(rng.choice([0.02, 0.05, 0.3]) * sr)
    y += 0.002 * rng.standard_normal(n)
    return (0.6 * y / max(np.abs(y).max(), 1e-9)).astype(np.float32)


def build_dataset(
    root: Path, *, n_train: int, n_test: int, seed: int = 0, kind: str = "synthetic", seconds: float = 3.0
) -> str:
    """Write ``n_train`` and ``n_test`` clips per class into the lab layout under ``root``.

    Returns the kind actually used (``"synthetic"`` falls back to ``"simple"`` when the project's
    generator is not available).
    """
    root = Path(root)
    if kind == "synthetic" and have_synthetic() and math.isclose(seconds, DEFAULT_PARAMS.duration):
        from speechmusic.data.synth import build_synthetic_dataset

        build_synthetic_dataset(root, n_train=n_train, n_test=n_test, seed=seed, progress=False)
        return "synthetic"
    makers = {"music": simple_music, "speech": simple_speech}
    for split_index, (split, count) in enumerate((("train", n_train), ("test", n_test))):
        for label_index, (label, make) in enumerate(makers.items()):
            for i in range(count):
                path = root / split / label / f"simple-{label}-{split}-{i:05d}.wav"
                if not path.exists():
                    rng = np.random.default_rng([seed, split_index, label_index, i])
                    write_wav(path, make(rng, seconds), SR)
    return "simple"


def variations(sources: list[Path], root: Path, *, n_train: int, n_test: int, seed: int = 0,
               seconds: float | None = None) -> None:
    """A large dataset made cheaply from a few clips: each file is a source clip with its own gain
    and a little added noise, so every file has different bytes (and its own cache entry).

    ``sources`` are paths in the lab layout (their class folder gives the label). ``seconds``: keep
    only the start of each source clip, to make a very large set small on disk (None: all of it).
    """
    by_label: dict[str, list[np.ndarray]] = {}
    import soundfile as sf

    for path in sources:
        y, _ = sf.read(str(path), dtype="float32")
        if seconds is not None:
            y = y[: int(round(seconds * SR))]
        by_label.setdefault(path.parent.name, []).append(y)
    rng = np.random.default_rng(seed)
    for split, count in (("train", n_train), ("test", n_test)):
        for label, pool in sorted(by_label.items()):
            for i in range(count):
                path = root / split / label / f"variation-{label}-{split}-{i:06d}.wav"
                if path.exists():
                    continue
                base = pool[i % len(pool)]
                y = base * rng.uniform(0.3, 1.0) + 0.001 * rng.standard_normal(base.size).astype(np.float32)
                write_wav(path, y, SR)
