"""Shared test helpers: tiny generated recordings and dataset folders (no network, no shared data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Real recordings for optional checks; absent on a user's machine.
REAL_AUDIO = REPO_ROOT.parent / "shared" / "real-audio"

SR = 22050


def tone(freq: float = 1000.0, seconds: float = 3.0, sr: int = SR, amplitude: float = 0.5) -> np.ndarray:
    """A sine tone as float32."""
    t = np.arange(int(round(seconds * sr))) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float = 3.0, sr: int = SR, amplitude: float = 0.3, seed: int = 0) -> np.ndarray:
    """White noise as float32."""
    return (amplitude * np.random.default_rng(seed).standard_normal(int(round(seconds * sr)))).astype(np.float32)


def write_audio(path: Path, y: np.ndarray, sr: int = SR, subtype: str | None = None, format: str | None = None) -> Path:
    """Write a test recording (plain soundfile: tests may create files however they like)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, subtype=subtype, format=format)
    return path


def make_dataset(root: Path, n: int = 4, seconds: float = 3.0) -> Path:
    """A tiny dataset: music = tones of different pitches, speech = noise bursts. ``n`` per class and split."""
    for split in ("train", "test"):
        for i in range(n):
            write_audio(root / split / "music" / f"tone-{i}.wav", tone(220.0 * (i + 1) + 55.0 * (split == "test"), seconds))
            burst = noise(seconds, seed=100 * (split == "test") + i)
            burst[: len(burst) // 4] *= 0.05  # quieter start: clips are not all alike
            write_audio(root / split / "speech" / f"noise-{i}.wav", burst)
    return root


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "data")


@pytest.fixture
def real_audio() -> Path:
    if not (REAL_AUDIO / "speech").is_dir():
        pytest.skip("../shared/real-audio is not present on this machine")
    return REAL_AUDIO
