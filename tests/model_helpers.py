"""Shared helpers for the command tests: a tiny trained model and long recordings with known parts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import SR, noise, tone, write_audio

from speechmusic.apps.pipeline import Classifier, save_classifier, train_classifier
from speechmusic.data.dataset import load_split


def tones_vs_noise_classifier(data_dir: Path, kind: str = "pooled") -> Classifier:
    """Train on the conftest tiny dataset: music = tones, speech = noise."""
    X, y, _ = load_split(data_dir, "train", progress=False)
    return train_classifier(X, y, feature_kind=kind, num_iterations=300 if kind == "pooled" else 200,
                            learning_rate=0.1 if kind == "pooled" else 0.05)


def save_model(data_dir: Path, path: Path, kind: str = "pooled") -> Path:
    save_classifier(tones_vs_noise_classifier(data_dir, kind), path)
    return path


def alternating_recording(parts, seed: int = 0) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """Concatenate ``(label, seconds)`` parts: music = a chord of tones, speech = modulated noise.

    Returns the signal and the true ``(start, end, label)`` segments.
    """
    rng = np.random.default_rng(seed)
    pieces, truth, t = [], [], 0.0
    for i, (label, seconds) in enumerate(parts):
        if label == "music":
            base = float(rng.choice([220.0, 330.0, 440.0, 550.0]))
            y = tone(base, seconds, amplitude=0.3) + tone(base * 1.5, seconds, amplitude=0.2)
        else:
            y = noise(seconds, amplitude=0.3, seed=seed * 100 + i)
            envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * np.arange(y.size) / SR)  # syllable-like rate
            y = (y * envelope).astype(np.float32)
        pieces.append(y)
        truth.append((t, t + seconds, label))
        t += seconds
    return np.concatenate(pieces).astype(np.float32), truth


def write_recording(path: Path, parts, seed: int = 0, sr: int = SR):
    """Write :func:`alternating_recording` at ``sr`` (resampled from the lab's rate if needed)."""
    y, truth = alternating_recording(parts, seed)
    if sr != SR:
        from math import gcd

        import scipy.signal

        g = gcd(sr, SR)
        y = scipy.signal.resample_poly(y, sr // g, SR // g).astype(np.float32)
    write_audio(path, y, sr)
    return path, truth
