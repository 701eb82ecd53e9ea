"""Shared pieces of the synthesiser: version, names, argument checks, slow random tracks, output level."""

from __future__ import annotations

import numpy as np

from speechmusic.core.errors import ParameterError
from speechmusic.data.synth.conditions import get_conditions

#: Bump when the generator changes what a given seed produces (recorded in the README file). Version 2:
#: music with voices in the "world" preset, the noise and silence labels; the lab's clips are version 1's.
SYNTH_VERSION = 2
#: Written next to the split folders; says the audio is synthetic.
README_NAME = "SYNTHETIC_README.txt"
#: Manifest ``source`` and ``licence`` of every synthetic clip.
SOURCE_NAME = "synthetic"
LICENCE = "generated (public domain)"
#: Below this many clips to write, worker processes cost more than they save.
PARALLEL_MIN_CLIPS = 24

# Frame hop (samples) of the slowly varying control tracks (pitch, formants, amplitudes).
_HOP = 64



# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _check_signal_args(sample_rate: int, duration: float) -> int:
    if not isinstance(sample_rate, (int, np.integer)) or isinstance(sample_rate, bool):
        raise ParameterError(f"sample_rate must be an integer, got {sample_rate!r}")
    if sample_rate < 8000:
        raise ParameterError(f"sample_rate must be at least 8000 Hz, got {sample_rate}")
    if not np.isfinite(duration) or duration <= 0:
        raise ParameterError(f"duration must be a positive number of seconds, got {duration!r}")
    return int(round(sample_rate * duration))


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"rng must be a numpy.random.Generator (np.random.default_rng(...)), got {type(rng).__name__}")
    return rng


def _synthesize(render, rng, sample_rate, duration, conditions) -> np.ndarray:
    """Check the public arguments, then run ``render(rng, n_samples, sample_rate, conditions)`` (the clip only)."""
    rng = _check_rng(rng)
    n = _check_signal_args(sample_rate, duration)
    return render(rng, n, int(sample_rate), get_conditions(conditions))[0]


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Smooth a track along its last axis with a centred box of ``width`` frames (edges held)."""
    if width <= 1:
        return x
    pad = width // 2
    padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, width - 1 - pad)], mode="edge")
    kernel = np.ones(width) / width
    return np.apply_along_axis(lambda row: np.convolve(row, kernel, mode="valid"), -1, padded)


def _wander(rng: np.random.Generator, n: int, n_knots: int) -> np.ndarray:
    """A slow random curve of ``n`` points, roughly in [-1, 1] (smoothly interpolated knots)."""
    knots = rng.uniform(-1.0, 1.0, max(n_knots, 2))
    position = np.linspace(0, len(knots) - 1, n)
    i = np.minimum(position.astype(int), len(knots) - 2)
    blend = 0.5 - 0.5 * np.cos(np.pi * (position - i))  # cosine interpolation: smooth at the knots
    return knots[i] * (1 - blend) + knots[i + 1] * blend


def _to_output(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Peak-normalise to a random realistic level (-12 to -0.5 dBFS), float32."""
    peak = np.max(np.abs(y))
    if not np.isfinite(peak) or peak <= 0:
        return np.zeros(y.size, dtype=np.float32)
    level = 10 ** (rng.uniform(-12.0, -0.5) / 20)
    return np.clip(y * (level / peak), -1.0, 1.0).astype(np.float32)
