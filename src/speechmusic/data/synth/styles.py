"""Music beyond the Western band: modes of other traditions, drones, hand drums, ornaments.

Used by the music planner of :mod:`speechmusic.data.synth` for its "world" style (a melody on a
pentatonic, raga-like or maqam-like mode over a drone, often with hand drums, the melody
ornamented with wide slow oscillations and slides between notes) and its "vocal" style (a
cappella singing and choirs). A sung or played melody holds its notes, even when it ornaments
them; speech never does, and these styles make sure the classifier sees a voice that sings
without a band behind it.
"""

from __future__ import annotations

import numpy as np

from speechmusic.data.synth.effects import bandpass_noise

#: Modes as semitones above the tonic (five to seven notes per octave).
WORLD_SCALES = {
    "pentatonic major": (0, 2, 4, 7, 9),
    "pentatonic minor": (0, 3, 5, 7, 10),
    "in (Japanese)": (0, 1, 5, 7, 8),
    "bhairav": (0, 1, 4, 5, 7, 8, 11),
    "kafi": (0, 2, 3, 5, 7, 9, 10),
    "hijaz": (0, 1, 4, 5, 7, 8, 10),
    "yaman": (0, 2, 4, 6, 7, 9, 11),
}

#: Hand-drum cycles: steps per cycle and hits as (stroke, step positions, level).
HAND_GROOVES = {
    "teen": (16, (("bayan", (0, 4, 12), 0.9), ("dayan", (0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15), 0.6),
                  ("slap", (8, 9, 10, 11), 0.5))),
    "keherwa": (8, (("bayan", (0, 5), 1.0), ("dayan", (1, 2, 3, 6, 7), 0.6), ("slap", (4,), 0.6))),
    "frame": (12, (("frame", (0, 6), 1.0), ("slap", (3, 4, 9, 10), 0.5), ("dayan", (8,), 0.4))),
}


def hand_drum_kit(rng: np.random.Generator, sr: int, tonic_hz: float) -> dict[str, np.ndarray]:
    """Strokes of tuned hand drums (tabla-like dayan and bayan, a frame drum, a slap), peak 1.

    The dayan rings at the tonic with near-harmonic overtones (a loaded membrane); the bayan is a
    low stroke whose pitch glides up as the palm presses the skin.
    """
    def t_of(seconds):
        return np.arange(int(seconds * sr)) / sr

    kit = {}
    t = t_of(0.6)
    ring = sum(np.sin(2 * np.pi * tonic_hz * k * t + rng.uniform(0, 6.3)) * np.exp(-t / (0.25 / k)) / k
               for k in (1, 2, 3, 4, 5))
    kit["dayan"] = ring + 0.3 * bandpass_noise(rng, t.size, 1500, 6000, sr) * np.exp(-t / 0.01)
    t = t_of(0.7)
    glide = rng.uniform(70, 110) * 2 ** (rng.uniform(0.0, 0.5) * np.clip(t / 0.3, 0, 1))
    kit["bayan"] = np.sin(2 * np.pi * np.cumsum(glide) / sr) * np.exp(-t / rng.uniform(0.15, 0.35))
    t = t_of(0.5)
    kit["frame"] = np.sin(2 * np.pi * np.cumsum(rng.uniform(60, 90) * (1 + 0.2 * np.exp(-t / 0.03))) / sr) \
        * np.exp(-t / 0.2) + 0.2 * bandpass_noise(rng, t.size, 200, 3000, sr) * np.exp(-t / 0.02)
    t = t_of(0.12)
    kit["slap"] = bandpass_noise(rng, t.size, 600, 5000, sr) * np.exp(-t / 0.015)
    for name in kit:
        kit[name] = kit[name] / (np.max(np.abs(kit[name])) + 1e-12)
    return kit


def drone_notes(rng: np.random.Generator, tonic_midi: int, total: float) -> list[tuple[float, float, float, float]]:
    """A tanpura-like drone: the fifth, the tonic twice and the low tonic plucked in turn, over and over.

    Returns notes ``(start, length, midi, velocity)`` covering ``total`` seconds.
    """
    period = rng.uniform(0.9, 1.6)  # seconds per round of four plucks
    pattern = (tonic_midi + 7, tonic_midi + 12, tonic_midi + 12, tonic_midi)
    notes, start = [], -rng.uniform(0, period)
    while start < total:
        for i, midi in enumerate(pattern):
            notes.append((start + i * period / 4, period, float(midi), rng.uniform(0.5, 0.8)))
        start += period
    return notes
