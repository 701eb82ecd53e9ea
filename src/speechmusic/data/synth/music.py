"""The music synthesiser: timbres, notes, singing, drums, the plan of a piece and its dry mix."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from speechmusic.core.errors import ParameterError
from speechmusic.data.synth.common import _HOP, _moving_average, _wander
from speechmusic.data.synth.conditions import LAB, Conditions
from speechmusic.data.synth.effects import bandpass_noise as _bandpass_noise
from speechmusic.data.synth.effects import rms as _rms
from speechmusic.data.synth.prosody import RHYTHMS
from speechmusic.data.synth.styles import HAND_GROOVES, WORLD_SCALES, drone_notes, hand_drum_kit
from speechmusic.data.synth.voice import (
    _FRICATIVES,
    _STOPS,
    _VOWELS,
    _formant_tracks,
    _random_voice,
    _render_noises,
    _render_voiced,
    _SpeechPlan,
)

# scipy.signal is imported inside the functions that use it: it takes ~0.5 s to import, and the
# command line and the notebook kernels import this package without synthesising anything.

# --------------------------------------------------------------------------------------------
# Music
# --------------------------------------------------------------------------------------------

_SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10), "harmonic minor": (0, 2, 3, 5, 7, 8, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10), "mixolydian": (0, 2, 4, 5, 7, 9, 10),
}
_PROGRESSIONS = ((0, 4, 5, 3), (0, 3, 4, 0), (5, 3, 0, 4), (1, 4, 0, 0), (0, 5, 1, 4), (0, 3, 0, 4), (0, 6, 5, 4))
#: Melodic rhythms of one 4/4 bar (in beats); 3/4 bars use the first three beats' worth.
_RHYTHMS = (
    (1, 1, 1, 1), (2, 1, 1), (0.5, 0.5, 1, 2), (1.5, 0.5, 1, 1), (0.5,) * 8, (0.25, 0.25, 0.5, 1, 1, 1),
    (3, 1), (4,), (1, 0.5, 0.5, 1, 1), (0.75, 0.25, 0.75, 0.25, 2), (0.5, 0.5, 0.5, 0.5, 1, 1),
)


@dataclass(frozen=True, kw_only=True)
class _Timbre:
    name: str
    slope: float  # harmonic amplitude ~ k**-slope
    odd_only: float  # 0..1: how much even harmonics are suppressed (clarinet, square)
    brightness: float  # harmonic number where an extra exponential roll-off starts
    attack: float  # seconds
    decay: float | None  # T60 in seconds for struck/plucked sounds; None = sustained
    release: float  # seconds after the note ends
    vibrato: float  # depth in semitones
    vibrato_rate: float  # Hz
    voices: int  # detuned copies (ensemble)
    inharmonic: tuple[float, ...] = ()  # partial ratios of bars and bells (empty = harmonic)
    noise: float = 0.0  # breath / bow noise level


#: One part of a piece: its instrument, its notes ``(start s, length s, midi, velocity)`` and its level (dB).
Part = tuple[_Timbre, list[tuple[float, float, float, float]], float]


@dataclass
class MusicPlan:
    """The piece :func:`_plan_music` draws (times in seconds from the piece start)."""

    style: str  # a key of Conditions.music_styles
    tempo: float  # beats per minute
    beat: float  # seconds per beat
    bar: float  # seconds per bar
    meter: int  # beats per bar (3 or 4)
    pre_roll: float  # where the clip starts inside the piece
    total: float  # seconds of music planned (pre-roll + clip + a little)
    n_bars: int
    parts: list[Part]
    groove: str | None  # a drum or hand-drum pattern, or None
    drum_level: float  # dB of the drums relative to the mix
    scale: str  # name of the scale or mode
    tonic: int  # pitch class of the key, 0 = C
    conditions: dict = field(default_factory=dict)  # what the recording chain drew (set by _render_music)
    details: dict = field(default_factory=dict)  # what synth.songs drew: dry voices, notes, grid (for tests)


def _random_timbre(rng: np.random.Generator, name: str) -> _Timbre:
    u = rng.uniform
    table = {
        "piano": _Timbre(
            name="piano", slope=u(1.3, 2.0), odd_only=0, brightness=u(5, 12), attack=0.003,
            decay=u(1.5, 4.0), release=u(0.08, 0.2), vibrato=0, vibrato_rate=5, voices=1),
        "guitar": _Timbre(
            name="guitar", slope=u(1.2, 1.9), odd_only=0, brightness=u(5, 12), attack=0.004,
            decay=u(1.0, 3.0), release=u(0.05, 0.15), vibrato=0, vibrato_rate=5, voices=1),
        "harp": _Timbre(
            name="harp", slope=u(1.4, 2.2), odd_only=0, brightness=u(4, 8), attack=0.003,
            decay=u(1.5, 3.0), release=u(0.2, 0.5), vibrato=0, vibrato_rate=5, voices=1),
        "organ": _Timbre(
            name="organ", slope=u(1.2, 2.2), odd_only=0, brightness=u(5, 10), attack=0.015,
            decay=None, release=0.04, vibrato=0, vibrato_rate=6, voices=1),
        "strings": _Timbre(
            name="strings", slope=u(1.0, 1.6), odd_only=0, brightness=u(8, 18), attack=u(0.06, 0.2),
            decay=None, release=u(0.1, 0.3), vibrato=u(0.15, 0.35), vibrato_rate=u(5, 6.5), voices=3, noise=0.02),
        "violin": _Timbre(
            name="violin", slope=u(0.9, 1.4), odd_only=0, brightness=u(8, 20), attack=u(0.04, 0.1),
            decay=None, release=u(0.08, 0.2), vibrato=u(0.2, 0.45), vibrato_rate=u(5.2, 6.8), voices=1, noise=0.02),
        "brass": _Timbre(
            name="brass", slope=u(0.7, 1.2), odd_only=0, brightness=u(5, 12), attack=u(0.025, 0.06),
            decay=None, release=u(0.05, 0.12), vibrato=u(0.0, 0.15), vibrato_rate=u(4.5, 6), voices=1),
        "flute": _Timbre(
            name="flute", slope=u(2.0, 3.0), odd_only=0, brightness=u(3, 6), attack=u(0.04, 0.08),
            decay=None, release=u(0.05, 0.1), vibrato=u(0.1, 0.25), vibrato_rate=u(4.5, 5.5), voices=1, noise=0.05),
        "clarinet": _Timbre(
            name="clarinet", slope=u(1.2, 1.8), odd_only=u(0.7, 0.95), brightness=u(6, 12), attack=u(0.02, 0.05),
            decay=None, release=u(0.04, 0.1), vibrato=u(0, 0.08), vibrato_rate=5, voices=1),
        "sax": _Timbre(
            name="sax", slope=u(1.0, 1.5), odd_only=0, brightness=u(6, 14), attack=u(0.02, 0.05),
            decay=None, release=u(0.05, 0.1), vibrato=u(0.1, 0.3), vibrato_rate=u(4.5, 6), voices=1, noise=0.03),
        "saw": _Timbre(
            name="saw", slope=u(1.0, 1.4), odd_only=0, brightness=u(6, 25), attack=u(0.005, 0.02),
            decay=None, release=u(0.05, 0.3), vibrato=u(0, 0.1), vibrato_rate=5, voices=int(rng.integers(1, 3))),
        "square": _Timbre(
            name="square", slope=u(1.0, 1.4), odd_only=1.0, brightness=u(6, 25), attack=u(0.005, 0.02),
            decay=None, release=u(0.05, 0.2), vibrato=0, vibrato_rate=5, voices=1),
        "pad": _Timbre(
            name="pad", slope=u(1.2, 2.0), odd_only=0, brightness=u(4, 10), attack=u(0.15, 0.5),
            decay=None, release=u(0.3, 0.8), vibrato=u(0, 0.1), vibrato_rate=5, voices=3),
        "bass": _Timbre(
            name="bass", slope=u(1.2, 2.0), odd_only=0, brightness=u(4, 10), attack=0.005,
            decay=u(0.8, 2.5), release=u(0.03, 0.08), vibrato=0, vibrato_rate=5, voices=1),
        "synth bass": _Timbre(
            name="synth bass", slope=1.0, odd_only=u(0, 1), brightness=u(3, 8), attack=0.005,
            decay=None, release=0.05, vibrato=0, vibrato_rate=5, voices=1),
        "cello": _Timbre(
            name="cello", slope=u(1.0, 1.5), odd_only=0, brightness=u(6, 16), attack=u(0.06, 0.15),
            decay=None, release=u(0.1, 0.3), vibrato=u(0.1, 0.3), vibrato_rate=u(5, 6), voices=2, noise=0.02),
        "marimba": _Timbre(
            name="marimba", slope=3.0, odd_only=0, brightness=2, attack=0.002,
            decay=u(0.4, 1.0), release=0.1, vibrato=0, vibrato_rate=5, voices=1, inharmonic=(1.0, 3.93, 9.2)),
        "vibraphone": _Timbre(
            name="vibraphone", slope=2.5, odd_only=0, brightness=2, attack=0.002,
            decay=u(1.5, 3.0), release=u(0.3, 0.8), vibrato=0, vibrato_rate=u(4, 7), voices=1, inharmonic=(1.0, 3.98, 10.1)),
        "celesta": _Timbre(
            name="celesta", slope=2.0, odd_only=0, brightness=3, attack=0.002,
            decay=u(0.8, 1.6), release=0.2, vibrato=0, vibrato_rate=5, voices=1, inharmonic=(1.0, 2.0, 3.0, 4.1)),
        "bell": _Timbre(
            name="bell", slope=1.0, odd_only=0, brightness=5, attack=0.002,
            decay=u(1.5, 3.5), release=0.5, vibrato=0, vibrato_rate=5, voices=1, inharmonic=(0.5, 1.0, 1.19, 1.5, 2.0, 2.5, 3.0)),
        # A singer: rendered by the speech synthesiser (see _render_singing); vibrato depth and rate.
        "voice": _Timbre(
            name="voice", slope=1.0, odd_only=0, brightness=10, attack=0.03,
            decay=None, release=0.08, vibrato=u(0.2, 0.6), vibrato_rate=u(4.8, 6.5), voices=1),
    }
    return table[name]


#: Playable MIDI range of each instrument (lowest, highest).
_RANGES = {
    "piano": (36, 96), "guitar": (40, 84), "harp": (36, 96), "organ": (36, 84), "strings": (43, 91),
    "violin": (55, 96), "brass": (52, 82), "flute": (60, 96), "clarinet": (50, 89), "sax": (49, 81),
    "saw": (36, 96), "square": (36, 96), "pad": (40, 84), "bass": (28, 55), "synth bass": (24, 52),
    "cello": (36, 69), "marimba": (45, 96), "vibraphone": (53, 89), "celesta": (60, 100), "bell": (55, 96),
    "voice": (48, 77),
}


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _wavetable(amplitudes: np.ndarray, phases: np.ndarray, size: int = 2048) -> np.ndarray:
    """One period of a waveform with the given harmonic amplitudes (harmonic 1 first)."""
    spectrum = np.zeros(size // 2 + 1, dtype=complex)
    count = min(amplitudes.size, size // 2 - 1)
    spectrum[1 : count + 1] = amplitudes[:count] * np.exp(1j * phases[:count]) * (size / 2)
    return np.fft.irfft(spectrum, size)


def _harmonic_amplitudes(timbre: _Timbre, count: int, rng: np.random.Generator) -> np.ndarray:
    k = np.arange(1, count + 1, dtype=float)
    amps = k ** (-timbre.slope) * np.exp(-np.maximum(k - timbre.brightness, 0) / timbre.brightness)
    if timbre.odd_only:
        amps[1::2] *= 1.0 - timbre.odd_only
    if timbre.name in ("piano", "guitar", "harp"):  # striking/plucking point cancels some partials
        position = rng.uniform(0.08, 0.2)
        amps *= 0.25 + np.abs(np.sin(np.pi * k * position))
    if timbre.name == "organ":  # drawbars: a few strong footages
        weights = np.zeros(count)
        for harmonic in (1, 2, 3, 4, 6, 8):
            if harmonic <= count:
                weights[harmonic - 1] = rng.uniform(0.0, 1.0)
        weights[0] = 1.0
        amps = weights * 0.6 + amps * 0.4
    if timbre.name in ("strings", "violin", "cello", "brass", "sax"):  # body/bell resonances
        amps *= 10 ** (rng.uniform(-4, 4, count) / 20)
    if timbre.name == "brass":
        amps[0] *= 0.5
    return amps


def _note_envelope(timbre: _Timbre, n_note: int, n_total: int, sr: int, velocity: float) -> np.ndarray:
    t = np.arange(n_total) / sr
    attack = np.clip(t / timbre.attack, 0.0, 1.0)
    attack = np.sin(0.5 * np.pi * attack) ** 2 if timbre.attack > 0.01 else attack
    if timbre.decay is not None:
        body = 0.55 * np.exp(-6.91 * t / (0.25 * timbre.decay)) + 0.45 * np.exp(-6.91 * t / timbre.decay)
    else:
        body = np.ones(n_total)
    release = np.ones(n_total)
    after = t >= n_note / sr
    release[after] = np.exp(-6.91 * (t[after] - n_note / sr) / max(timbre.release, 1e-3))
    return velocity * attack * body * release


def _render_note(
    out: np.ndarray, start: int, midi: float, length: float, timbre: _Timbre, velocity: float,
    rng: np.random.Generator, sr: int, fmax: float,
) -> None:
    """Add one note to ``out`` starting at sample ``start`` (may be negative: only its tail shows)."""
    n_note = max(int(length * sr), 1)
    n_total = n_note + int(timbre.release * sr)
    if timbre.decay is not None:  # a struck or plucked note is inaudible (-60 dB) after its decay time
        n_total = max(1, min(n_total, int(timbre.decay * sr)))
    if start >= out.size or start + n_total <= 0:
        return
    f0 = _midi_hz(midi)
    t = np.arange(n_total) / sr
    envelope = _note_envelope(timbre, n_note, n_total, sr, velocity)
    signal = np.zeros(n_total)
    if timbre.inharmonic:
        for i, ratio in enumerate(timbre.inharmonic):
            f = f0 * ratio
            if f >= fmax:
                continue
            amp = (i + 1) ** (-timbre.slope) * rng.uniform(0.5, 1.0)
            decay = np.exp(-6.91 * t / (timbre.decay / (1 + 1.5 * i)))  # upper partials die sooner
            signal += amp * decay * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.28))
        if timbre.name == "vibraphone":  # motor tremolo
            signal *= 1.0 - 0.35 * (0.5 + 0.5 * np.sin(2 * np.pi * timbre.vibrato_rate * t))
        out_part = signal * envelope
    else:
        depth = timbre.vibrato * np.clip((t - 0.15) / 0.3, 0.0, 1.0)  # vibrato sets in after the attack
        for _ in range(timbre.voices):
            detune = 0.0 if timbre.voices == 1 else rng.uniform(-0.12, 0.12)
            rate = timbre.vibrato_rate * rng.uniform(0.9, 1.1)
            bend = depth * np.sin(2 * np.pi * rate * t + rng.uniform(0, 6.28)) + detune
            freq = f0 * 2 ** (bend / 12)
            count = max(1, int(fmax / (f0 * 2 ** ((timbre.vibrato + 0.15) / 12))))
            amps = _harmonic_amplitudes(timbre, count, rng)
            phases = rng.uniform(0, 2 * np.pi, count)
            table = _wavetable(amps, phases)
            cycles = rng.random() + np.cumsum(freq / sr)
            position = (cycles % 1.0) * table.size
            i0 = position.astype(np.int64)
            frac = position - i0
            wave = table[i0] * (1 - frac) + table[(i0 + 1) % table.size] * frac
            if timbre.decay is not None:
                # Struck and plucked strings get duller as they ring (upper partials die first):
                # cross-fade towards the fundamental alone (the table holds a_k cos(2 pi k c + phi_k)).
                dull = amps[0] * np.cos(2 * np.pi * (cycles % 1.0) + phases[0])
                mix = np.exp(-t / (0.2 * timbre.decay))
                wave = wave * mix + dull * (1 - mix)
            signal += wave / np.sqrt(timbre.voices)
        if timbre.noise:
            breath = _bandpass_noise(rng, n_total, 1500, 8000, sr)
            signal += breath * timbre.noise * np.std(signal)
        out_part = signal * envelope
    a, b = max(start, 0), min(start + n_total, out.size)
    out[a:b] += out_part[a - start : b - start]


def _render_singing(rng, notes, timbre: _Timbre, pre_roll: float, n: int, sr: int, fmax: float) -> np.ndarray:
    """A sung melody with the speech synthesiser: held vowels on the notes' pitches, with vibrato.

    Unlike speech, the pitch sits on each note (gliding only briefly between notes) and the
    vowels last as long as the notes; consonants are short and come at note onsets.
    """
    plan = _SpeechPlan(n // _HOP + 2, sr)
    voice = _random_voice(rng, RHYTHMS["stress"])  # a singer's speaking rhythm plays no part
    scale = voice.formant_scale
    f0 = np.full(plan.n_frames, np.nan)
    vowel_names = list(_VOWELS)
    for start, length, midi, velocity in notes:
        start -= pre_roll
        if start + length < 0 or start > n / sr:
            continue
        s = plan.frames(start, start + length)
        f0[s] = _midi_hz(midi)
        plan.voice(start, start + length, velocity, shape="vowel")
        target = np.array(_VOWELS[vowel_names[rng.integers(len(vowel_names))]]) * scale * rng.uniform(0.95, 1.05, 3)
        plan.formant_keys += [(start + 0.03, *target), (start + max(length - 0.03, 0.04), *target)]
        if rng.random() < 0.5:  # a consonant before the vowel
            name = rng.choice(["s", "t", "k", "sh", "f", "h"])
            band = _FRICATIVES[name][1] if name in _FRICATIVES else _STOPS[name][1]
            plan.noise(start - 0.04, 0.04, "fric", band, rng.uniform(-22, -10), 0.01)
    known = np.flatnonzero(~np.isnan(f0))
    if known.size == 0:
        return np.zeros(n)
    f0 = np.interp(np.arange(plan.n_frames), known, f0[known])
    f0 = _moving_average(f0, 9)  # ~25 ms portamento between notes
    t = np.arange(plan.n_frames) * _HOP / sr
    f0 *= 2 ** (timbre.vibrato * np.sin(2 * np.pi * timbre.vibrato_rate * t + rng.uniform(0, 6.3)) / 12)
    plan.f0 = f0 * (1.0 + voice.jitter * 0.5 * rng.standard_normal(plan.n_frames))
    plan.voicing = _moving_average(plan.voicing, 7)
    formants = _formant_tracks(rng, plan, scale)
    sung = _render_voiced(rng, plan, formants, voice, n, fmax).astype(np.float64)
    reference = _rms(sung[np.abs(sung) > 0.1 * np.abs(sung).max()]) if sung.any() else 1.0
    return sung + _render_noises(rng, plan, n, reference)


def _drum_kit(rng: np.random.Generator, sr: int) -> dict[str, np.ndarray]:
    """One sample per percussion instrument, with this clip's tuning and decay."""
    import scipy.signal
    def t_of(seconds):
        return np.arange(int(seconds * sr)) / sr

    kit = {}
    t = t_of(0.5)
    start, end = rng.uniform(100, 180), rng.uniform(40, 60)
    freq = end + (start - end) * np.exp(-t / rng.uniform(0.02, 0.05))
    kick = np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / rng.uniform(0.08, 0.2))
    kick[: int(0.003 * sr)] += rng.standard_normal(int(0.003 * sr)) * 0.4
    kit["kick"] = kick
    t = t_of(0.35)
    tone = np.sin(2 * np.pi * rng.uniform(170, 240) * t) * np.exp(-t / 0.04)
    body = _bandpass_noise(rng, t.size, 1000, 9000, sr) * np.exp(-t / rng.uniform(0.05, 0.14))
    kit["snare"] = 0.5 * tone + 0.8 * body / np.max(np.abs(body))
    t = t_of(0.15)
    kit["hat"] = _bandpass_noise(rng, t.size, 6500, 11000, sr, order=3) * np.exp(-t / rng.uniform(0.015, 0.04))
    t = t_of(0.5)
    kit["open hat"] = _bandpass_noise(rng, t.size, 6000, 11000, sr, order=3) * np.exp(-t / rng.uniform(0.12, 0.25))
    t = t_of(1.2)
    metal = sum(np.sign(np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3))) for f in rng.uniform(300, 900, 6))
    metal = scipy.signal.sosfilt(scipy.signal.butter(2, 3000, "highpass", fs=sr, output="sos"), metal)
    kit["ride"] = (0.3 * metal / 6 + 0.2 * _bandpass_noise(rng, t.size, 5000, 11000, sr)) * np.exp(-t / rng.uniform(0.3, 0.7))
    t = t_of(0.12)
    kit["shaker"] = _bandpass_noise(rng, t.size, 4000, 11000, sr) * np.clip(t / 0.01, 0, 1) * np.exp(-t / 0.03)
    t = t_of(0.4)
    claps = np.zeros(t.size)
    for offset in (0.0, 0.011, 0.022):
        i = int(offset * sr)
        claps[i:] += np.exp(-(t[: t.size - i]) / 0.008) * (1.0 if offset < 0.02 else 0.0)
    claps += np.exp(-t / 0.1) * 0.5 * (t > 0.022)
    kit["clap"] = claps * _bandpass_noise(rng, t.size, 800, 4000, sr)
    t = t_of(0.5)
    tom_freq = rng.uniform(90, 200) * (1 + 0.3 * np.exp(-t / 0.05))
    kit["tom"] = np.sin(2 * np.pi * np.cumsum(tom_freq) / sr) * np.exp(-t / 0.15)
    for name in kit:
        kit[name] = kit[name] / (np.max(np.abs(kit[name])) + 1e-12)
    return kit


#: Groove patterns: bar length in 16th notes and hits as (instrument, 16th positions, level).
_GROOVES = {
    "rock": (16, (("kick", (0, 8), 1.0), ("snare", (4, 12), 0.8), ("hat", (0, 2, 4, 6, 8, 10, 12, 14), 0.35))),
    "pop": (16, (("kick", (0, 6, 8), 1.0), ("clap", (4, 12), 0.7), ("hat", tuple(range(16)), 0.25), ("open hat", (14,), 0.3))),
    "disco": (16, (("kick", (0, 4, 8, 12), 1.0), ("snare", (4, 12), 0.7), ("open hat", (2, 6, 10, 14), 0.35))),
    "dnb": (16, (("kick", (0, 10), 1.0), ("snare", (4, 12), 0.9), ("hat", tuple(range(0, 16, 2)), 0.3), ("ride", (0, 8), 0.2))),
    "jazz": (12, (("ride", (0, 3, 5, 6, 9, 11), 0.45), ("hat", (3, 9), 0.3), ("kick", (0,), 0.4))),
    "waltz": (12, (("kick", (0,), 0.8), ("snare", (4, 8), 0.4), ("hat", (0, 2, 4, 6, 8, 10), 0.2))),
    "latin": (16, (("shaker", tuple(range(16)), 0.3), ("kick", (0, 6, 8, 14), 0.8), ("tom", (10, 12), 0.5))),
    "halftime": (16, (("kick", (0, 3, 10), 1.0), ("snare", (8,), 0.9), ("hat", tuple(range(0, 16, 2)), 0.3))),
    # hip-hop (synth.songs' rap): a swung kick under a backbeat; trap's half-time clap under running hats
    "boombap": (16, (("kick", (0, 7, 10), 1.0), ("snare", (4, 12), 0.9), ("hat", tuple(range(0, 16, 2)), 0.35))),
    "trap": (16, (("kick", (0, 6, 11), 1.0), ("clap", (8,), 0.9), ("hat", tuple(range(16)), 0.3), ("open hat", (7, 15), 0.2))),
}


#: Lead instruments of the "world" style. (A sung lead there made the binary classifier call more
#: real speech music: docs/synthetic.md.)
WORLD_LEADS = ("flute", "violin", "clarinet", "guitar", "sax")
#: The styles :func:`_plan_music` plays (sung and rapped styles and jingles are in synth.songs).
CLASSIC_STYLES = ("band", "piano", "orchestra", "solo", "electronic", "beat", "world")


def _draw_style(rng: np.random.Generator, cond: Conditions, *, sung: bool = True) -> str:
    """The style of a piece, drawn with the preset's shares (one uniform number).

    ``cond.music_styles`` shares out the unit interval as ``rng.choice`` does; the styles of
    ``cond.sung_styles`` (when ``sung``) take the top part of each style's interval, their total
    share of it. So a preset that gains sung styles keeps every other clip's style, and with it the
    clip itself; ``sung=False`` (a music bed under speech) draws the classic styles as before.
    """
    u = rng.random()
    names = list(cond.music_styles)
    shares = np.array(list(cond.music_styles.values()), dtype=float)
    cdf = np.cumsum(shares / shares.sum())
    cdf /= cdf[-1]
    i = int(np.searchsorted(cdf, u, side="right"))
    carved = sum(cond.sung_styles.values()) if sung else 0.0
    if carved <= 0:
        return names[i]
    low = cdf[i - 1] if i else 0.0
    within = (u - low) / (cdf[i] - low)
    if within < 1.0 - carved:
        return names[i]
    sung_cdf = np.cumsum(list(cond.sung_styles.values())) / carved
    j = int(np.searchsorted(sung_cdf, (within - (1.0 - carved)) / carved, side="right"))
    return list(cond.sung_styles)[min(j, len(sung_cdf) - 1)]


class _Piece:
    """The frame of a piece being planned (tempo, meter, key, chords) and the parts written so far.

    Drawing the frame and each part takes numbers from ``rng`` in a fixed order: a seed's audio
    depends on it.
    """

    def __init__(self, rng: np.random.Generator, duration: float, style: str, *, tempo: tuple[float, float],
                 waltz: float, scales: dict, lead_in: tuple[float, float] = (0.0, 2.0)):
        self.rng = rng
        self.style = style
        self.meter = 3 if rng.random() < waltz else 4
        self.tempo = rng.uniform(*tempo)
        self.beat = 60.0 / self.tempo
        self.bar = self.meter * self.beat
        self.pre_roll = rng.uniform(*lead_in)  # the clip starts somewhere inside the piece
        self.total = self.pre_roll + duration + 0.1
        self.n_bars = int(np.ceil(self.total / self.bar)) + 1
        self.scale_name = str(rng.choice(list(scales)))
        self.scale = np.array(scales[self.scale_name])
        self.steps = len(self.scale)  # notes per octave
        self.tonic = int(rng.integers(0, 12))
        self.progression = _PROGRESSIONS[rng.integers(len(_PROGRESSIONS))]
        self.bars_per_chord = 1 if (self.bar > 1.6 or rng.random() < 0.5) else 2
        self.swing = rng.uniform(0.0, 0.15) if style in ("band", "piano") and rng.random() < 0.3 else 0.0
        self.parts: list[Part] = []

    def pitch(self, degree: int, octave: int) -> int:
        """MIDI number of scale ``degree`` (any integer) above the tonic of ``octave``."""
        return int(12 * (octave + 1) + self.tonic + self.scale[degree % self.steps] + 12 * (degree // self.steps))

    def chord_at(self, bar_index: int) -> int:
        """Scale degree of the root of the chord in bar ``bar_index``."""
        return self.progression[(bar_index // self.bars_per_chord) % len(self.progression)]

    def humanise(self, time_s: float) -> float:
        return time_s + self.rng.normal(0, 0.006)

    def melody(self, name: str, level_db: float, rests: float, ornamented: bool = False) -> None:
        """A melody part: a walk on the scale leaning on chord tones, in bar-long rhythms."""
        rng, steps, meter, beat = self.rng, self.steps, self.meter, self.beat
        timbre = _random_timbre(rng, name)
        if ornamented:  # wide slow oscillations around the notes (gamakas)
            timbre = dataclasses.replace(timbre, vibrato=rng.uniform(0.6, 1.8), vibrato_rate=rng.uniform(2.5, 6.0))
        low, high = _RANGES[name]
        centre = rng.uniform(max(low + 7, 60), min(high - 7, 79))
        degree = int(round((centre - 12 * 5 - self.tonic) / 12 * steps))
        notes = []
        # Bowed and blown phrases are mostly legato; struck and plucked notes may be detached.
        legato = rng.uniform(0.8, 1.0) if timbre.decay is None else rng.uniform(0.55, 1.0)
        for b in range(self.n_bars):
            rhythm = _RHYTHMS[rng.integers(len(_RHYTHMS))]
            position = 0.0
            for length in rhythm:
                if position >= meter:
                    break
                length = min(length, meter - position)
                on_beat = abs(position - round(position)) < 1e-6
                step = rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3, 4, -4], p=[0.1, 0.2, 0.1, 0.07, 0.2, 0.1, 0.1, 0.04, 0.04, 0.025, 0.025])
                degree += int(step)
                if on_beat and rng.random() < 0.5:  # lean on chord tones on the beat
                    root = self.chord_at(b)
                    choices = [root + o for o in (0, 2, 4)]
                    degree = (min(choices, key=lambda d: min(abs(d - degree + steps * m) for m in (-1, 0, 1)))
                              + steps * int(np.round((degree - root) / steps)))
                midi = self.pitch(degree, 0)
                while midi > high:
                    degree -= 7
                    midi = self.pitch(degree, 0)
                while midi < low:
                    degree += 7
                    midi = self.pitch(degree, 0)
                start = b * self.bar + position * beat
                if self.swing and abs(position % 1 - 0.5) < 1e-6:
                    start += self.swing * beat
                if rng.random() >= rests:
                    notes.append((self.humanise(start), length * beat * legato, midi, rng.uniform(0.6, 1.0)))
                position += length
        self.parts.append((timbre, notes, level_db))

    def chords(self, name: str, level_db: float, pattern: str) -> None:
        """A chord part: "block", "arpeggio" or "oompah" (bass note on the downbeat, chords after)."""
        rng, meter, beat, bar = self.rng, self.meter, self.beat, self.bar
        timbre = _random_timbre(rng, name)
        octave = 4 if name not in ("strings", "pad", "organ") else int(rng.integers(3, 5))
        notes = []
        sevenths = rng.random() < 0.3
        for b in range(self.n_bars):
            root = self.chord_at(b)
            degrees = [root, root + 2, root + 4] + ([root + 6] if sevenths else [])
            midis = [self.pitch(d, octave - 1) for d in degrees]
            if rng.random() < 0.5:
                midis[0] += 12  # an inversion
            if pattern == "block":
                hits = [(0.0, meter)] if timbre.decay is None or rng.random() < 0.5 else [(i, 1.0) for i in range(meter)]
                for position, length in hits:
                    for m in midis:
                        notes.append((self.humanise(b * bar + position * beat), length * beat * 0.95, m, rng.uniform(0.5, 0.8)))
            elif pattern == "arpeggio":
                order = sorted(midis) + sorted(midis)[1:-1][::-1]
                for s in range(int(meter * 2)):
                    m = order[s % len(order)]
                    notes.append((self.humanise(b * bar + s * beat / 2), beat * 0.9, m, rng.uniform(0.5, 0.8)))
            elif pattern == "oompah":  # bass note on the downbeat, chord on the other beats
                notes.append((self.humanise(b * bar), beat * 0.9, self.pitch(root, octave - 2), 0.9))
                for i in range(1, meter):
                    for m in midis:
                        notes.append((self.humanise(b * bar + i * beat), beat * 0.6, m, rng.uniform(0.4, 0.65)))
        self.parts.append((timbre, notes, level_db))

    def bass(self, name: str, level_db: float, walking: bool) -> None:
        """A bass line on the chord roots (walking: a note on every beat)."""
        rng, meter, beat, bar = self.rng, self.meter, self.beat, self.bar
        timbre = _random_timbre(rng, name)
        notes = []
        for b in range(self.n_bars):
            root = self.chord_at(b)
            if walking:
                for i in range(meter):
                    degree = root + (0, 2, 4, 5)[i % 4] if i else root
                    notes.append((self.humanise(b * bar + i * beat), beat * 0.9, self.pitch(degree, 1), rng.uniform(0.7, 1.0)))
            else:
                for position in ((0, 2) if meter == 4 else (0,)):
                    notes.append((self.humanise(b * bar + position * beat), beat * (2 if meter == 4 else 3) * 0.9,
                                  self.pitch(root, 1), rng.uniform(0.8, 1.0)))
                if rng.random() < 0.4:
                    notes.append((self.humanise(b * bar + (meter - 0.5) * beat), beat * 0.45, self.pitch(root + 4, 1), 0.7))
        self.parts.append((timbre, notes, level_db))

    def finish(self, groove: str | None, drum_level: float) -> MusicPlan:
        if groove in _GROOVES and _GROOVES[groove][0] != self.meter * 4:
            groove = "waltz" if self.meter == 3 else "rock"
        return MusicPlan(style=self.style, tempo=self.tempo, beat=self.beat, bar=self.bar, meter=self.meter,
                         pre_roll=self.pre_roll, total=self.total, n_bars=self.n_bars, parts=self.parts, groove=groove,
                         drum_level=drum_level, scale=self.scale_name, tonic=self.tonic)


# long: one random stream drawn in a fixed order (a seed's audio depends on it).
def _plan_music(rng: np.random.Generator, duration: float, cond: Conditions = LAB, style: str | None = None) -> MusicPlan:
    """The piece: style (drawn when None), tempo, meter, key, parts and notes (times in seconds from the piece start)."""
    style = _draw_style(rng, cond, sung=False) if style is None else style
    if style not in CLASSIC_STYLES:
        raise ParameterError(f"unknown music style {style!r}")
    piece = _Piece(rng, duration, style, tempo={"beat": (85, 178), "world": (60, 140)}.get(style, (70, 180)),
                   waltz=0.35 if style in ("piano", "orchestra") else 0.12,
                   scales=WORLD_SCALES if style == "world" else _SCALES)
    melody, chords, bass = piece.melody, piece.chords, piece.bass
    groove = None
    if style == "band":
        lead = ["piano", "guitar", "brass", "sax", "flute", "violin", "vibraphone", "organ", "clarinet", "voice"]
        melody(rng.choice(lead, p=[0.06] * 9 + [0.46]), 0.0, 0.1)  # most songs have a singer
        chords(rng.choice(["piano", "guitar", "organ", "pad"]), -6.0, rng.choice(["block", "arpeggio"]))
        bass(rng.choice(["bass", "bass", "synth bass"]), -3.0, walking=rng.random() < 0.3)
        if rng.random() < 0.8:
            groove = rng.choice(["rock", "pop", "disco", "jazz", "latin"] if piece.meter == 4 else ["waltz", "jazz"])
    elif style == "piano":
        instrument = rng.choice(["piano", "piano", "piano", "harp", "guitar"])
        melody("voice" if rng.random() < 0.25 else instrument, 0.0, 0.08)  # sometimes a song
        chords(instrument, -4.0, rng.choice(["block", "arpeggio", "oompah"]))
    elif style == "orchestra":
        chords(rng.choice(["strings", "strings", "organ", "pad"]), -3.0, "block")
        melody(rng.choice(["violin", "flute", "clarinet", "brass", "celesta", "strings", "bell"]), 0.0, 0.08)
        if rng.random() < 0.6:
            bass(rng.choice(["cello", "bass"]), -5.0, walking=False)
        if rng.random() < 0.3:
            melody(rng.choice(["flute", "clarinet", "violin", "harp"]), -6.0, 0.3)
    elif style == "solo":
        melody(rng.choice(["brass", "sax", "flute", "violin", "clarinet", "guitar", "cello"]), 0.0, 0.1)
        if rng.random() < 0.4:
            chords(rng.choice(["piano", "guitar", "pad"]), -10.0, "block")
    elif style == "electronic":
        chords(rng.choice(["pad", "saw", "square"]), -6.0, rng.choice(["block", "arpeggio"]))
        bass("synth bass", -2.0, walking=False)
        if rng.random() < 0.7:
            melody(rng.choice(["saw", "square", "marimba", "bell", "vibraphone", "voice", "voice"]), -2.0, 0.15)
        groove = rng.choice(["disco", "pop", "halftime", "dnb"])
    elif style == "beat":  # drums and bass, maybe a sparse chord
        bass(rng.choice(["bass", "synth bass"]), 0.0, walking=False)
        groove = rng.choice(["rock", "dnb", "halftime", "pop", "latin"])
        if rng.random() < 0.4:
            chords(rng.choice(["pad", "piano", "organ"]), -9.0, "block")
    else:  # world: an ornamented melody on a mode, over a drone, often with hand drums
        melody(rng.choice(WORLD_LEADS), 0.0, 0.12, ornamented=True)
        drone = _random_timbre(rng, rng.choice(["harp", "guitar", "strings", "organ"]))
        piece.parts.append((drone, drone_notes(rng, 12 * 3 + piece.tonic + int(rng.choice([0, 12])), piece.total),
                            rng.uniform(-14.0, -6.0)))
        if rng.random() < 0.6:
            groove = rng.choice(list(HAND_GROOVES))
    return piece.finish(groove, rng.uniform(-4.0, 2.0))


def _dry_music(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB,
               style: str | None = None) -> tuple[np.ndarray, MusicPlan]:
    """The mixed and mastered piece of a classic style, before the room, the noise and the channel."""
    plan = _plan_music(rng, n / sr, cond, style)
    return _mix(rng, plan, n, sr), plan


def _mix(rng: np.random.Generator, plan: MusicPlan, n: int, sr: int,
         overdub: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """The parts of ``plan`` rendered and mixed, ``overdub(mix)`` added (voices), then drums, dynamics, mastering."""
    offset = int(round(plan.pre_roll * sr))
    fmax = min(0.45 * sr, 10000.0)
    mix = np.zeros(n)
    for timbre, notes, level_db in plan.parts:
        if timbre.name == "voice":
            part = _render_singing(rng, notes, timbre, plan.pre_roll, n, sr, fmax)
        else:
            part = np.zeros(n)
            for start, length, midi, velocity in notes:
                _render_note(part, int(round(start * sr)) - offset, midi, length, timbre, velocity, rng, sr, fmax)
        if part.any():
            mix += part / (_rms(part) + 1e-12) * 10 ** (level_db / 20)
    if overdub is not None:
        mix = mix + overdub(mix)
    if plan.groove:
        if plan.groove in HAND_GROOVES:
            steps, hits = HAND_GROOVES[plan.groove]
            kit = hand_drum_kit(rng, sr, _midi_hz(12 * 4 + plan.tonic))
        else:
            steps, hits = _GROOVES[plan.groove]
            kit = _drum_kit(rng, sr)
        drums = np.zeros(n)
        sixteenth = plan.bar / steps
        for b in range(plan.n_bars):
            for name, positions, level in hits:
                for p in positions:
                    if rng.random() < 0.05:
                        continue  # a skipped hit now and then
                    start = int(round((b * plan.bar + p * sixteenth + rng.normal(0, 0.004)) * sr)) - offset
                    sample = kit[name] * level * rng.uniform(0.8, 1.1)
                    a, e = max(start, 0), min(start + sample.size, n)
                    if e > a:
                        drums[a:e] += sample[a - start : e - start]
        if drums.any():
            reference = _rms(mix) if mix.any() else 0.1
            mix += drums / (_rms(drums) + 1e-12) * reference * 10 ** (plan.drum_level / 20)
    # Slow dynamics over the clip (crescendo, phrasing).
    mix *= 10 ** (3.0 * _wander(rng, n, 3) / 20)
    if rng.random() < 0.4:  # mastering: gentle saturation / limiting
        drive = rng.uniform(1.0, 3.0)
        peak = np.max(np.abs(mix)) + 1e-12
        mix = np.tanh(drive * mix / peak) / np.tanh(drive)
    return mix
