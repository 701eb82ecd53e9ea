"""Offline synthetic speech and music: the lab's dataset when there is no network.

Every clip is computed from a seed, so the same call always writes the same audio, and nothing is
downloaded. The generator tries to look, on a mel-spectrogram, like the real thing:

Speech (:func:`synthesize_speech`) is source-filter synthesis. A glottal source (a stack of
harmonics with a falling spectral tilt, a little jitter and breath noise) follows an intonation
contour that declines over each phrase and jumps on stressed syllables (or carries lexical tones),
always inside 80-250 Hz. It passes through a vocal tract whose formants glide between vowel
targets and consonant loci. Consonants add fricative noise (s, sh, f, th, h with their own
frequency bands), plosive closures followed by broadband bursts and aspiration, nasals and
approximants. Syllables are timed like a family of languages (:mod:`speechmusic.data.synth.prosody`),
in phrases separated by pauses; a clip may start or end in silence. Each clip has its own voice
(low or high pitch, vocal tract length, breathiness, speaking rate), sometimes two voices.

Music (:func:`synthesize_music`) is a short piece at a steady tempo in a key: a melody on the
scale, chords of a progression (block, arpeggiated or "oom-pah"), a bass line, and often
percussion (kick, snare, hi-hats, ride, shaker in a few groove patterns). Instruments have their
own harmonic recipes and envelopes: piano, guitar, harp, organ, strings (with vibrato and
ensemble detuning), brass, flute, clarinet, synthesizers, mallets and celesta. Many songs have a
sung melody (the speech synthesiser holding vowels on the notes, with vibrato), so that a human
voice alone does not mean "speech". Other traditions (modes, drones, hand drums, ornaments) come
from :mod:`speechmusic.data.synth.styles`.

Both then go through a recording chain with randomised settings
(:func:`speechmusic.data.synth.effects.recording_chain`): a room, a microphone/channel tilt,
background noise and rumble, a channel (bandwidth limit, telephone line, codec) and a peak level.
What the talkers, the music and the chain are like is set by a preset of
:mod:`speechmusic.data.synth.conditions`: ``"lab"`` (the lab's dataset, the default) or ``"world"``
(far rooms, loud backgrounds, phones, codecs, other languages, speech over music: for training a
model for people's recordings). :func:`build_synthetic_dataset` writes the lab's folder layout.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.signal

from speechmusic.core.config import CLASS_NAMES, DEFAULT_PARAMS, LABELS, SPLITS
from speechmusic.core.errors import ParameterError
from speechmusic.core.fileio import write_text, write_wav
from speechmusic.data.synth.conditions import CONDITIONS, DEFAULT_CONDITIONS, LAB, Conditions, get_conditions
from speechmusic.data.synth.effects import mix_at_snr, recording_chain
from speechmusic.data.synth.effects import bandpass_noise as _bandpass_noise
from speechmusic.data.synth.effects import rms as _rms
from speechmusic.data.synth.prosody import CODAS, ONSETS, RHYTHMS, TONE_WEIGHTS, TONES, Rhythm, random_rhythm, tone_contour
from speechmusic.data.synth.styles import HAND_GROOVES, WORLD_SCALES, drone_notes, hand_drum_kit

#: Bump when the generator changes what a given seed produces (recorded in the README file).
SYNTH_VERSION = 1
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


# --------------------------------------------------------------------------------------------
# Speech
# --------------------------------------------------------------------------------------------

#: Vowel formant targets F1, F2, F3 (Hz) of an adult male voice (American English averages).
_VOWELS = {
    "i": (270, 2290, 3010), "I": (390, 1990, 2550), "e": (530, 1840, 2480), "ae": (660, 1720, 2410),
    "a": (730, 1090, 2440), "o": (570, 840, 2410), "U": (440, 1020, 2240), "u": (300, 870, 2240),
    "V": (640, 1190, 2390), "3": (490, 1350, 1690), "@": (500, 1500, 2500),
}
_DIPHTHONGS = (("a", "I"), ("e", "I"), ("o", "U"), ("a", "U"), ("o", "I"))
#: Formant loci (F1, F2, F3) that transitions head for at each place of articulation.
_LOCI = {"labial": (250, 850, 2200), "dental": (300, 1500, 2600), "alveolar": (300, 1750, 2650),
         "postalveolar": (300, 1950, 2500), "velar": (300, 2100, 2400), "glottal": (None, None, None)}
#: Fricatives: place, frequency band of the noise (Hz), level re vowel RMS (dB range), voiced?
_FRICATIVES = {
    "s": ("alveolar", (3800, 10000), (-14, -4), False), "z": ("alveolar", (3800, 10000), (-20, -10), True),
    "sh": ("postalveolar", (1900, 7000), (-14, -4), False), "zh": ("postalveolar", (1900, 7000), (-20, -10), True),
    "f": ("labial", (1200, 10000), (-28, -20), False), "v": ("labial", (1200, 8000), (-30, -22), True),
    "th": ("dental", (1500, 10000), (-28, -20), False), "dh": ("dental", (1500, 8000), (-30, -22), True),
    "h": ("glottal", (500, 5000), (-24, -16), False),
}
#: Stops: place, burst band (Hz), voiced?
_STOPS = {
    "p": ("labial", (300, 3000), False), "b": ("labial", (300, 3000), True),
    "t": ("alveolar", (2500, 9000), False), "d": ("alveolar", (2500, 9000), True),
    "k": ("velar", (1200, 4000), False), "g": ("velar", (1200, 4000), True),
}
_NASALS = {"m": "labial", "n": "alveolar", "ng": "velar"}
_APPROXIMANTS = {"l": (360, 1300, 2700), "r": (420, 1250, 1600), "w": (300, 700, 2200), "y": (280, 2200, 3000)}


@dataclass(frozen=True)
class _Voice:
    f0_median: float  # Hz
    f0_span: float  # semitones of accent excursions
    formant_scale: float  # vocal tract length factor (short tract -> higher formants)
    source_corner: float  # Hz; the glottal spectrum falls above this
    tilt: float  # fall above the corner, amplitude exponent (1 = -6 dB/octave)
    breathiness: float  # aspiration noise level re voiced RMS (linear)
    jitter: float  # relative frame-to-frame pitch noise
    syllable_rate: float  # syllables per second
    max_voiced: float  # Hz; above it the voice is mostly turbulence noise, not harmonics
    h1_boost: float  # extra level of the fundamental (lax, breathy phonation has a strong H1)
    rhythm: Rhythm  # timing and pitch habits of the talker's language (synth_prosody)


def _random_voice(rng: np.random.Generator, rhythm: Rhythm | None = None, *, rhythms: dict | None = None) -> _Voice:
    """A talker; its rhythm family is ``rhythm``, or drawn with the shares ``rhythms``."""
    rhythm = random_rhythm(rng, rhythms) if rhythm is None else rhythm
    kind = rng.choice(["low", "high", "higher"], p=[0.55, 0.37, 0.08])
    if kind == "low":
        f0, scale = rng.uniform(84, 135), rng.uniform(0.93, 1.05)
    elif kind == "high":
        f0, scale = rng.uniform(160, 215), rng.uniform(1.1, 1.2)
    else:
        f0, scale = rng.uniform(200, 235), rng.uniform(1.18, 1.3)
    return _Voice(
        f0_median=f0,
        f0_span=rng.uniform(2.0, 6.0),
        formant_scale=scale,
        source_corner=rng.uniform(0.8, 1.4) * f0,
        tilt=rng.uniform(0.8, 1.3),
        breathiness=10 ** (rng.uniform(-50, -32) / 20),
        jitter=rng.uniform(0.002, 0.012),
        syllable_rate=rng.uniform(*rhythm.rate_range),
        max_voiced=rng.uniform(2500, 5500),
        h1_boost=10 ** (rng.uniform(-2, 4) / 20),
        rhythm=rhythm,
    )


class _SpeechPlan:
    """Control tracks of an utterance, built phone by phone at the control frame rate."""

    def __init__(self, n_frames: int, sr: int):
        self.sr = sr
        self.n_frames = n_frames
        self.voicing = np.zeros(n_frames)  # amplitude of the glottal source
        # Frequency above which the voiced sound is muffled (nasal murmur, voice bar): Hz per frame.
        self.muffle = np.full(n_frames, 20000.0)
        self.f0 = np.zeros(n_frames)
        self.formant_keys: list[tuple[float, float, float, float]] = []  # (time, F1, F2, F3)
        self.noises: list[tuple[float, float, str, tuple[float, float], float, float]] = []
        self.voices: list[tuple[float, float, _Voice]] = []  # (start, end, voice) of each stretch
        self.syllable_times: list[float] = []
        self.phrases: list[tuple[float, float]] = []
        self.music_bed_db: float | None = None  # level of a music bed below the voice (speech over music)
        self.conditions: dict = {}  # what the recording chain drew (synth_effects.recording_chain)

    def frames(self, start: float, end: float) -> slice:
        a = int(np.clip(round(start * self.sr / _HOP), 0, self.n_frames))
        b = int(np.clip(round(end * self.sr / _HOP), 0, self.n_frames))
        return slice(a, b)

    def voice(self, start: float, end: float, level: float, shape: str = "flat", muffle: float | None = None) -> None:
        s = self.frames(start, end)
        count = s.stop - s.start
        if count <= 0:
            return
        if muffle is not None:
            self.muffle[s] = muffle
        if shape == "vowel":  # rise quickly, sag a little towards the end
            x = np.linspace(0, 1, count)
            envelope = np.minimum(1.0, x / 0.2) * (1.0 - 0.35 * np.clip((x - 0.6) / 0.4, 0, 1))
        else:
            envelope = np.ones(count)
        self.voicing[s] = np.maximum(self.voicing[s], level * envelope)

    def noise(self, start: float, duration: float, kind: str, band, level_db: float, attack: float) -> None:
        self.noises.append((start, duration, kind, band, level_db, attack))


def _add_nasal(plan: _SpeechPlan, rng: np.random.Generator, t: float, length_range: tuple[float, float],
               tempo: float, level: float, scale: float) -> tuple[float, tuple]:
    """A nasal consonant (m, n, ng) from ``t``: muffled voicing, a low F1 and an F2 near the place's
    locus. Returns the time it ends and the locus of its place of articulation."""
    name = rng.choice(list(_NASALS))
    length = rng.uniform(*length_range) * tempo
    locus = _LOCI[_NASALS[name]]
    plan.voice(t, t + length, level, muffle=rng.uniform(350, 700))
    plan.formant_keys.append((t + length / 2, 260 * scale, locus[1] * 0.8 * scale, 2400 * scale))
    return t + length, locus


def _plan_speech(rng: np.random.Generator, n_samples: int, sr: int, cond: Conditions = LAB) -> _SpeechPlan:
    duration = n_samples / sr
    plan = _SpeechPlan(n_samples // _HOP + 2, sr)
    voices = [_random_voice(rng, rhythms=cond.rhythms)]
    if rng.random() < 0.15:  # a second speaker takes over after a pause (dialogue, interview)
        voices.append(_random_voice(rng, rhythms=cond.rhythms))

    # How the talk is cut: a stretch of running speech (usually starting mid-utterance), a read
    # prompt with silence around it, or isolated words (commands, wake words, lists).
    styles = [name for name, share in cond.speaking_styles.items() if share > 0]
    shares = np.array([cond.speaking_styles[name] for name in styles], dtype=float)
    style = styles[int(rng.choice(len(shares), p=shares / shares.sum()))] if len(styles) > 1 else styles[0]
    if style == "running":
        t = -rng.uniform(0.0, 1.0) if rng.random() < 0.75 else rng.uniform(0.05, 0.6)
        stop_early = rng.random() < 0.15  # the utterance ends inside the clip (trailing silence)
        phrase_range, pauses = (3, 14), ((0.1, 0.35), (0.35, 0.8))
    elif style == "prompt":
        t = rng.uniform(0.1, 1.0) if rng.random() < 0.6 else -rng.uniform(0.0, 1.5)
        stop_early = rng.random() < 0.6
        phrase_range, pauses = (5, 18), ((0.15, 0.4), (0.4, 1.2))
    else:
        t = rng.uniform(-0.3, 0.8)
        stop_early = False
        phrase_range, pauses = (1, 4), ((0.25, 0.6), (0.6, 1.3))
    voice_index = 0

    while t < duration:
        voice = voices[voice_index]
        rhythm = voice.rhythm
        onset_p = np.array(rhythm.onset_p) / np.sum(rhythm.onset_p)
        coda_p = np.array(rhythm.coda_p) / np.sum(rhythm.coda_p)
        vowel_names = rhythm.vowels
        scale = voice.formant_scale
        phrase_start = t
        n_syllables = int(rng.integers(*phrase_range))
        syllable_period = 1.0 / voice.syllable_rate
        for i in range(n_syllables):
            stressed = rng.random() < rhythm.stress_probability
            level = 10 ** (-rng.uniform(0, 3) / 20) if stressed else 10 ** (-rng.uniform(*rhythm.stress_contrast_db) / 20)
            level *= 10 ** (-3 * i / max(n_syllables, 1) / 20)  # phrase-final loudness decline
            # Durations are drawn from natural ranges and then scaled to the voice's speaking rate.
            tempo = syllable_period / 0.26 * rng.uniform(0.8, 1.2)
            plan.syllable_times.append(t)

            # ---- onset consonant(s)
            onset = ONSETS[int(rng.choice(len(ONSETS), p=onset_p))]
            onset_locus = None
            if onset in ("stop", "cluster"):
                name = rng.choice(list(_STOPS))
                place, band, voiced = _STOPS[name]
                closure = rng.uniform(0.03, 0.08) * tempo
                if voiced:  # a weak low "voice bar" during the closure
                    plan.voice(t, t + closure, 0.15 * level, muffle=rng.uniform(250, 400))
                    plan.formant_keys.append((t + closure / 2, 250 * scale, 900 * scale, 2300 * scale))
                t += closure
                burst = rng.uniform(0.006, 0.015)
                plan.noise(t, burst, "burst", band, rng.uniform(-12, -4) + 20 * np.log10(level), 0.0)
                t += burst
                if not voiced:
                    aspiration = rng.uniform(0.025, 0.07) * tempo
                    plan.noise(t, aspiration, "aspiration", (500, 6000), rng.uniform(-22, -14) + 20 * np.log10(level), 0.003)
                    t += aspiration
                onset_locus = _LOCI[place]
            if onset in ("fric",) or (onset == "cluster" and rng.random() < 0.3):
                name = rng.choice(list(_FRICATIVES))
                place, band, (lo, hi), voiced = _FRICATIVES[name]
                length = rng.uniform(0.06, 0.14) * tempo
                plan.noise(t, length, "fric", band, rng.uniform(lo, hi) + 20 * np.log10(level), 0.015)
                if voiced:
                    plan.voice(t, t + length, 0.3 * level, muffle=rng.uniform(500, 1000))
                    plan.formant_keys.append((t + length / 2, 300 * scale, 1500 * scale, 2500 * scale))
                t += length
                onset_locus = _LOCI[place]
            if onset == "nasal":
                t, onset_locus = _add_nasal(plan, rng, t, (0.04, 0.08), tempo, 0.45 * level, scale)
            if onset in ("approx", "cluster"):
                name = rng.choice(list(_APPROXIMANTS))
                length = rng.uniform(0.035, 0.075) * tempo
                formants = _APPROXIMANTS[name]
                plan.voice(t, t + length, 0.55 * level)
                plan.formant_keys.append((t + length / 2, *(f * scale for f in formants)))
                t += length
                onset_locus = None

            # ---- vowel nucleus, formants moving from the consonant locus to the vowel target(s)
            vowel_length = max(0.04, rng.uniform(0.05, 0.2) * tempo * (rhythm.stress_lengthening if stressed else 1.0))
            if rng.random() < rhythm.diphthong_probability:
                first, second = _DIPHTHONGS[rng.integers(len(_DIPHTHONGS))]
            else:
                first = second = vowel_names[rng.integers(len(vowel_names))]
            if not stressed and rng.random() < rhythm.reduction:
                first = second = "@"  # unstressed vowels reduce towards schwa
            token = rng.uniform(0.94, 1.06, 3) * scale
            target_a = np.array(_VOWELS[first]) * token
            target_b = np.array(_VOWELS[second]) * token
            if onset_locus is not None and onset_locus[0] is not None:
                locus = np.array(onset_locus) * scale
                plan.formant_keys.append((t, *(0.5 * locus + 0.5 * target_a)))
            plan.formant_keys.append((t + 0.3 * vowel_length, *target_a))
            plan.formant_keys.append((t + 0.75 * vowel_length, *target_b))
            plan.voice(t, t + vowel_length, level, shape="vowel")
            t += vowel_length

            # ---- coda consonant
            coda = CODAS[int(rng.choice(len(CODAS), p=coda_p))]
            if coda == "nasal":
                t, _ = _add_nasal(plan, rng, t, (0.04, 0.09), tempo, 0.4 * level, scale)
            elif coda == "stop":
                name = rng.choice(list(_STOPS))
                place, band, voiced = _STOPS[name]
                locus = np.array(_LOCI[place]) * scale
                plan.formant_keys.append((t + 0.01, *locus))
                closure = rng.uniform(0.03, 0.07) * tempo
                t += closure
                if rng.random() < 0.6:  # released coda stop
                    burst = rng.uniform(0.005, 0.012)
                    plan.noise(t, burst, "burst", band, rng.uniform(-16, -8) + 20 * np.log10(level), 0.0)
                    t += burst
            elif coda == "fric":
                name = rng.choice(["s", "s", "z", "f", "th", "sh", "v"])
                place, band, (lo, hi), voiced = _FRICATIVES[name]
                length = rng.uniform(0.06, 0.15) * tempo
                plan.noise(t, length, "fric", band, rng.uniform(lo, hi) + 20 * np.log10(level), 0.02)
                if voiced:
                    plan.voice(t, t + 0.6 * length, 0.25 * level, muffle=rng.uniform(500, 1000))
                t += length
            elif coda == "approx":
                name = rng.choice(["l", "r"])
                length = rng.uniform(0.04, 0.08) * tempo
                plan.voice(t, t + length, 0.5 * level)
                plan.formant_keys.append((t + length / 2, *(f * scale for f in _APPROXIMANTS[name])))
                t += length

            if rng.random() < rhythm.word_gap_probability and i < n_syllables - 1:
                t += rng.uniform(0.05, 0.18)  # a short gap between words
        plan.phrases.append((phrase_start, t))
        plan.voices.append((phrase_start, t, voice))
        # Pause between phrases: short breaths to longer sentence breaks.
        t += rng.uniform(*pauses[0]) if rng.random() < 0.7 else rng.uniform(*pauses[1])
        if len(voices) > 1 and rng.random() < 0.5:
            voice_index = 1 - voice_index
        if stop_early and t > 1.4:
            break
    return plan


def _pitch_track(rng: np.random.Generator, plan: _SpeechPlan, *, soft_limit: bool = True) -> None:
    """Fill ``plan.f0``: per-phrase declination, accents or lexical tones, jitter; 80-250 Hz."""
    frame_times = np.arange(plan.n_frames) * _HOP / plan.sr
    f0 = np.full(plan.n_frames, np.nan)
    for start, end, voice in plan.voices:
        inside = (frame_times >= start - 0.05) & (frame_times <= end + 0.05)
        if not inside.any():
            continue
        x = (frame_times[inside] - start) / max(end - start, 1e-3)
        # Semitones re the voice's median: start high, decline, optionally rise at the end.
        contour = rng.uniform(1.0, 3.5) - rng.uniform(3.0, 6.0) * x
        if rng.random() < 0.2:
            contour += rng.uniform(3.0, 6.0) * np.clip((x - 0.85) / 0.15, 0, 1) ** 2
        contour += 2.0 * _wander(rng, inside.sum(), 8)
        times = frame_times[inside]
        syllables = [s for s in plan.syllable_times if start <= s <= end]
        rhythm = voice.rhythm
        if rhythm.tonal:  # tone languages: the phrase melody is mostly the syllables' own tones
            contour *= 0.5
            tone_span = rng.uniform(0.7, 1.3)  # running speech shrinks or stretches the citation tones
        tone_names = list(TONES)
        tone_p = np.array([TONE_WEIGHTS[name] for name in tone_names])
        for i, syllable in enumerate(syllables):
            following = syllables[i + 1] if i + 1 < len(syllables) else end
            inside_syllable = (times >= syllable) & (times < following)
            span = max(following - syllable, 1e-3)
            if rhythm.tonal:
                tone = tone_names[int(rng.choice(len(tone_names), p=tone_p / tone_p.sum()))]
                contour[inside_syllable] += tone_contour(tone, (times[inside_syllable] - syllable) / span, span=tone_span)
            elif rng.random() < rhythm.accent_probability:
                # Pitch accent: a rise-fall (sometimes a dip) around the vowel.
                height = rng.uniform(0.5, 1.2) * voice.f0_span * rng.choice([1.0, 1.0, 1.0, -0.6])
                width = rng.uniform(0.035, 0.09)
                contour += height * np.exp(-0.5 * ((times - syllable - 0.09) / width) ** 2)
            # Within a syllable the pitch keeps gliding up or down (never holds still like a note).
            glide = rng.uniform(*rhythm.glide_range)
            contour[inside_syllable] += glide * ((times[inside_syllable] - syllable) / span - 0.5)
        f0[inside] = voice.f0_median * 2 ** (contour / 12)
    # Frames outside every phrase carry the nearest value (they are unvoiced anyway).
    known = np.flatnonzero(~np.isnan(f0))
    if known.size == 0:
        f0[:] = 120.0
    else:
        f0 = np.interp(np.arange(plan.n_frames), known, f0[known])
    voice = plan.voices[0][2] if plan.voices else None
    jitter = voice.jitter if voice else 0.005
    f0 *= 1.0 + jitter * rng.standard_normal(plan.n_frames)
    f0 = _moving_average(f0, 3)
    f0 = _moving_average(f0, 9)  # the glides above have corners; the larynx does not
    # A hard limit holds the pitch still at the limit, like a sung note; the lab's clips keep it
    # (generator version 1), the world's bend the pitch smoothly instead.
    plan.f0 = _soft_pitch_limit(f0, 82.0, 248.0) if soft_limit else np.clip(f0, 82.0, 248.0)


def _soft_pitch_limit(f0: np.ndarray, low: float, high: float, knee: float = 0.75) -> np.ndarray:
    """Keep a pitch track inside [low, high] Hz by bending it smoothly near the limits.

    A hard clip would hold the pitch perfectly still at the limit, like a sung note.
    """
    lo, hi = np.log2(low), np.log2(high)
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    z = (np.log2(np.maximum(f0, 1.0)) - centre) / half
    bent = np.sign(z) * np.where(np.abs(z) <= knee, np.abs(z),
                                 knee + (1 - knee) * np.tanh((np.abs(z) - knee) / (1 - knee)))
    return 2 ** (centre + half * bent)


def _formant_tracks(rng: np.random.Generator, plan: _SpeechPlan, scale: float) -> np.ndarray:
    """Five formant frequency tracks (Hz), shape (5, n_frames), from the plan's key frames."""
    frame_times = np.arange(plan.n_frames) * _HOP / plan.sr
    if plan.formant_keys:
        keys = np.array(sorted(plan.formant_keys))
        tracks = np.stack([np.interp(frame_times, keys[:, 0], keys[:, j]) for j in (1, 2, 3)])
    else:
        tracks = np.array([[500.0], [1500.0], [2500.0]]) * np.ones(plan.n_frames) * scale
    tracks = _moving_average(tracks, 7)  # ~20 ms: articulators move smoothly
    f4 = np.full(plan.n_frames, rng.uniform(3300, 3700) * scale)
    f5 = np.full(plan.n_frames, rng.uniform(4300, 4900) * scale)
    tracks = np.vstack([tracks, f4, f5])
    # Keep the formants ordered and apart.
    for j in range(1, 5):
        tracks[j] = np.maximum(tracks[j], tracks[j - 1] + 200)
    return tracks


def _tract_gain(freqs: np.ndarray, formants: np.ndarray, bandwidths: np.ndarray) -> np.ndarray:
    """Vocal-tract magnitude at ``freqs`` (K, F): a cascade of resonances, 1 at 0 Hz.

    ``formants``/``bandwidths`` (N, F) are the moving lower formants; above them the tract's
    higher resonances continue every ~1 kHz with widening bandwidths. Without those the cascade
    would fall by 12 dB/octave per formant above the last one, far steeper than real speech.
    """
    log_gain = np.zeros_like(freqs)
    top = formants[-1]
    spacing = np.maximum(top - formants[-2], 700.0)
    # Wall and radiation losses widen the upper resonances, so the spectrum falls off above F4-F5.
    extra = [(top + m * spacing, 400.0 + 0.12 * (top + m * spacing)) for m in range(1, 36)]
    terms = [(formants[j], bandwidths[j]) for j in range(formants.shape[0])] + extra
    for centre, width in terms:
        centre, half = np.asarray(centre)[None, ...] * np.ones((1, freqs.shape[1])), np.asarray(width)[None, ...] / 2
        numerator = centre**2 + half**2
        log_gain += np.log(numerator) - 0.5 * (np.log((freqs - centre) ** 2 + half**2) + np.log((freqs + centre) ** 2 + half**2))
    return np.exp(log_gain)


def _render_voiced(rng, plan: _SpeechPlan, formants: np.ndarray, voice: _Voice, n: int, fmax: float) -> np.ndarray:
    """Additive synthesis of the voiced source through the time-varying tract.

    Harmonic ``k`` of the pitch track gets the amplitude of the source spectrum and the vocal tract
    at ``k * f0``, interpolated between control frames, so formant movement and pitch glides are
    exact and nothing aliases.
    """
    sr = plan.sr
    frame_pos = np.arange(plan.n_frames) * _HOP
    f0_samples = np.interp(np.arange(n), frame_pos, plan.f0)
    phase = rng.random() + np.cumsum(f0_samples / sr)
    bandwidths = np.vstack([
        50 + 0.05 * formants[0], 60 + 0.03 * formants[1], 90 + 0.02 * formants[2],
        np.full(plan.n_frames, 200.0), np.full(plan.n_frames, 260.0),
    ]) * rng.uniform(0.8, 1.5)
    y = np.zeros(n, dtype=np.float32)
    block = 32  # frames per block (2048 samples)
    voicing = plan.voicing
    for b in range(0, plan.n_frames - 1, block):
        e = min(b + block, plan.n_frames - 1)
        if voicing[b : e + 1].max() <= 1e-4:
            continue
        s0, s1 = b * _HOP, min(e * _HOP, n)
        if s1 <= s0:
            break
        f0_b = plan.f0[b : e + 1]
        k = np.arange(1, int(fmax / f0_b.min()) + 1, dtype=np.float64)[:, None]
        freqs = k * f0_b[None, :]
        source = 1.0 / np.sqrt(1.0 + (freqs / voice.source_corner) ** (2 * voice.tilt))
        source[0] *= voice.h1_boost
        source[1:2] *= np.sqrt(voice.h1_boost)
        amps = voicing[None, b : e + 1] * source * _tract_gain(freqs, formants[:, b : e + 1], bandwidths[:, b : e + 1])
        amps *= np.clip((fmax - freqs) / (0.1 * fmax), 0.0, 1.0)  # fade harmonics out near the top
        # Above the maximum voiced frequency the harmonics drown in turbulence (added separately).
        amps *= np.clip(1.0 - (freqs - voice.max_voiced) / 2000.0, 0.05, 1.0)
        muffle = plan.muffle[None, b : e + 1]
        amps /= np.sqrt(1.0 + (freqs / muffle) ** 6)
        amps = amps.astype(np.float32)
        idx = np.arange(s1 - s0)
        j, w = idx // _HOP, (idx % _HOP).astype(np.float32) / _HOP
        amps_s = amps[:, j] * (1 - w) + amps[:, j + 1] * w
        local = (phase[s0:s1] - np.floor(phase[s0])).astype(np.float32)
        y[s0:s1] = np.einsum("kl,kl->l", amps_s, np.sin((2 * np.pi) * k.astype(np.float32) * local[None, :]))
    return y


def _render_noises(rng, plan: _SpeechPlan, n: int, reference_rms: float) -> np.ndarray:
    """Fricative, burst and aspiration noise events, each band-limited and enveloped."""
    sr = plan.sr
    y = np.zeros(n)
    for start, duration, kind, (low, high), level_db, attack in plan.noises:
        a, b = int(round(start * sr)), int(round((start + duration) * sr))
        tail = int((0.03 if kind == "burst" else 0.015) * sr)
        if b + tail <= 0 or a >= n:
            continue
        length = b - a + tail
        noise = _bandpass_noise(rng, length, low * rng.uniform(0.9, 1.1), high, sr, order=2 if kind != "fric" else 3)
        t = np.arange(length) / sr
        if kind == "burst":
            envelope = np.exp(-t / rng.uniform(0.004, 0.012))
        else:
            rise = np.clip(t / max(attack, 1e-3), 0, 1)
            fall = np.clip((length / sr - t) / (tail / sr), 0, 1)
            envelope = np.minimum(rise, fall) * (1.0 + 0.15 * np.sin(2 * np.pi * rng.uniform(2, 6) * t))
        event = noise / (_rms(noise) + 1e-12) * envelope * reference_rms * 10 ** (level_db / 20)
        lo, hi = max(a, 0), min(a + length, n)
        y[lo:hi] += event[lo - a : hi - a]
    return y


def synthesize_speech(rng: np.random.Generator, *, sample_rate: int = 22050, duration: float = 3.0,
                      conditions: str = DEFAULT_CONDITIONS) -> np.ndarray:
    """Synthesise a clip of speech-like sound (source-filter model, no real words).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness; the same generator state gives the same clip.
    sample_rate : int
        Samples per second (at least 8000).
    duration : float
        Length in seconds.
    conditions : {"lab", "world"}
        Preset of talkers and recording situations (:mod:`speechmusic.data.synth.conditions`).

    Returns
    -------
    np.ndarray
        float32 mono signal of ``round(sample_rate * duration)`` samples in [-1, 1], its peak at a
        random level between -12 and -0.5 dBFS.

    Examples
    --------
    >>> import numpy as np
    >>> y = synthesize_speech(np.random.default_rng(0))
    >>> y.shape, y.dtype, bool(np.abs(y).max() <= 1.0)
    ((66150,), dtype('float32'), True)
    """
    return _synthesize(_render_speech, rng, sample_rate, duration, conditions)


def _render_speech(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB) -> tuple[np.ndarray, _SpeechPlan]:
    y, plan = _dry_speech(rng, n, sr, cond)
    if cond.speech_over_music > 0:
        # Talk over a music bed (radio, film, presentations): still speech. The bed has its own
        # generator, so that the rest of the clip does not depend on what the bed draws.
        bed_seed = rng.integers(2**32, size=2)
        if rng.random() < cond.speech_over_music:
            bed, _ = _dry_music(np.random.default_rng(bed_seed), n, sr, cond)
            plan.music_bed_db = float(rng.uniform(*cond.music_bed_db))
            y = mix_at_snr(y, bed, plan.music_bed_db)
    y = recording_chain(y, rng, sr, cond.speech_chain, voice=_babble_voice(cond), record=plan.conditions)
    return _to_output(y, rng), plan


def _babble_voice(cond: Conditions):
    """A renderer of dry talkers for babble and cafe backgrounds (upper harmonics left out: they drown)."""
    return lambda rng, n, sr: _dry_speech(rng, n, sr, cond, fmax=min(0.45 * sr, 5000.0))[0]


def _dry_speech(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB, *,
                fmax: float | None = None) -> tuple[np.ndarray, _SpeechPlan]:
    """A talker at a microphone, before the room, the noise and the channel."""
    plan = _plan_speech(rng, n, sr, cond)
    _pitch_track(rng, plan, soft_limit=cond.soft_pitch_limit)
    main_voice = plan.voices[0][2] if plan.voices else _random_voice(rng)
    formants = _formant_tracks(rng, plan, main_voice.formant_scale)
    fmax = min(0.45 * sr, 9500.0) if fmax is None else fmax
    plan.voicing = _moving_average(plan.voicing, 5)  # ~15 ms on- and offsets
    voiced = _render_voiced(rng, plan, formants, main_voice, n, fmax).astype(np.float64)
    reference = _rms(voiced[np.abs(voiced) > 0.1 * np.abs(voiced).max()]) if voiced.any() else 1.0
    # Turbulence riding on the voicing: breath noise, strongest above the maximum voiced frequency
    # (where it replaces the harmonics) and following the vowel's loudness.
    voicing_s = np.interp(np.arange(n), np.arange(plan.n_frames) * _HOP, plan.voicing * (plan.muffle > 5000))
    breath = _bandpass_noise(rng, n, 0.8 * main_voice.max_voiced, 0.9 * main_voice.max_voiced + 3000, sr, order=1)
    breath = breath / (_rms(breath) + 1e-12) * 10 ** (rng.uniform(-48, -32) / 20)
    soft = _bandpass_noise(rng, n, 400, 5000, sr)
    breath += soft / (_rms(soft) + 1e-12) * main_voice.breathiness
    y = voiced + breath * voicing_s * reference / (_rms(voicing_s[voicing_s > 0]) + 1e-12) if voicing_s.any() else voiced
    y = y + _render_noises(rng, plan, n, reference)
    if rng.random() < 0.7:
        # Close microphone (narration, podcasts): the proximity effect lifts the low end.
        sos = scipy.signal.butter(2, rng.uniform(150, 300), "lowpass", fs=sr, output="sos")
        y = y + scipy.signal.sosfilt(sos, y) * (10 ** (rng.uniform(1, 6) / 20) - 1)
    if rng.random() < 0.6:
        # Vocal microphones have a broad "presence" lift somewhere in 2-5 kHz.
        centre = rng.uniform(2000, 4500)
        sos = scipy.signal.butter(1, [centre / 1.6, min(centre * 1.6, 0.45 * sr)], "bandpass", fs=sr, output="sos")
        y = y + scipy.signal.sosfilt(sos, y) * (10 ** (rng.uniform(2, 7) / 20) - 1)
    return y, plan


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


@dataclass(frozen=True)
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


def _random_timbre(rng: np.random.Generator, name: str) -> _Timbre:
    u = rng.uniform
    table = {
        "piano": _Timbre("piano", u(1.3, 2.0), 0, u(5, 12), 0.003, u(1.5, 4.0), u(0.08, 0.2), 0, 5, 1),
        "guitar": _Timbre("guitar", u(1.2, 1.9), 0, u(5, 12), 0.004, u(1.0, 3.0), u(0.05, 0.15), 0, 5, 1),
        "harp": _Timbre("harp", u(1.4, 2.2), 0, u(4, 8), 0.003, u(1.5, 3.0), u(0.2, 0.5), 0, 5, 1),
        "organ": _Timbre("organ", u(1.2, 2.2), 0, u(5, 10), 0.015, None, 0.04, 0, 6, 1),
        "strings": _Timbre("strings", u(1.0, 1.6), 0, u(8, 18), u(0.06, 0.2), None, u(0.1, 0.3), u(0.15, 0.35), u(5, 6.5), 3, noise=0.02),
        "violin": _Timbre("violin", u(0.9, 1.4), 0, u(8, 20), u(0.04, 0.1), None, u(0.08, 0.2), u(0.2, 0.45), u(5.2, 6.8), 1, noise=0.02),
        "brass": _Timbre("brass", u(0.7, 1.2), 0, u(5, 12), u(0.025, 0.06), None, u(0.05, 0.12), u(0.0, 0.15), u(4.5, 6), 1),
        "flute": _Timbre("flute", u(2.0, 3.0), 0, u(3, 6), u(0.04, 0.08), None, u(0.05, 0.1), u(0.1, 0.25), u(4.5, 5.5), 1, noise=0.05),
        "clarinet": _Timbre("clarinet", u(1.2, 1.8), u(0.7, 0.95), u(6, 12), u(0.02, 0.05), None, u(0.04, 0.1), u(0, 0.08), 5, 1),
        "sax": _Timbre("sax", u(1.0, 1.5), 0, u(6, 14), u(0.02, 0.05), None, u(0.05, 0.1), u(0.1, 0.3), u(4.5, 6), 1, noise=0.03),
        "saw": _Timbre("saw", u(1.0, 1.4), 0, u(6, 25), u(0.005, 0.02), None, u(0.05, 0.3), u(0, 0.1), 5, int(rng.integers(1, 3))),
        "square": _Timbre("square", u(1.0, 1.4), 1.0, u(6, 25), u(0.005, 0.02), None, u(0.05, 0.2), 0, 5, 1),
        "pad": _Timbre("pad", u(1.2, 2.0), 0, u(4, 10), u(0.15, 0.5), None, u(0.3, 0.8), u(0, 0.1), 5, 3),
        "bass": _Timbre("bass", u(1.2, 2.0), 0, u(4, 10), 0.005, u(0.8, 2.5), u(0.03, 0.08), 0, 5, 1),
        "synth bass": _Timbre("synth bass", 1.0, u(0, 1), u(3, 8), 0.005, None, 0.05, 0, 5, 1),
        "cello": _Timbre("cello", u(1.0, 1.5), 0, u(6, 16), u(0.06, 0.15), None, u(0.1, 0.3), u(0.1, 0.3), u(5, 6), 2, noise=0.02),
        "marimba": _Timbre("marimba", 3.0, 0, 2, 0.002, u(0.4, 1.0), 0.1, 0, 5, 1, inharmonic=(1.0, 3.93, 9.2)),
        "vibraphone": _Timbre("vibraphone", 2.5, 0, 2, 0.002, u(1.5, 3.0), u(0.3, 0.8), 0, u(4, 7), 1, inharmonic=(1.0, 3.98, 10.1)),
        "celesta": _Timbre("celesta", 2.0, 0, 3, 0.002, u(0.8, 1.6), 0.2, 0, 5, 1, inharmonic=(1.0, 2.0, 3.0, 4.1)),
        "bell": _Timbre("bell", 1.0, 0, 5, 0.002, u(1.5, 3.5), 0.5, 0, 5, 1, inharmonic=(0.5, 1.0, 1.19, 1.5, 2.0, 2.5, 3.0)),
        # A singer: rendered by the speech synthesiser (see _render_singing); vibrato depth and rate.
        "voice": _Timbre("voice", 1.0, 0, 10, 0.03, None, 0.08, u(0.2, 0.6), u(4.8, 6.5), 1),
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
}


#: Lead instruments of the "world" style. (A sung lead there, or a cappella songs, made the
#: classifier call more real speech music: docs/synthetic.md.)
WORLD_LEADS = ("flute", "violin", "clarinet", "guitar", "sax")


def _plan_music(rng: np.random.Generator, duration: float, cond: Conditions = LAB) -> dict:
    """The piece: style, tempo, meter, key, parts and notes (times in seconds from the piece start)."""
    shares = np.array(list(cond.music_styles.values()), dtype=float)
    style = list(cond.music_styles)[int(rng.choice(len(shares), p=shares / shares.sum()))]
    meter = 3 if rng.random() < (0.35 if style in ("piano", "orchestra") else 0.12) else 4
    tempo = rng.uniform(*{"beat": (85, 178), "world": (60, 140)}.get(style, (70, 180)))
    beat = 60.0 / tempo
    bar = meter * beat
    pre_roll = rng.uniform(0.0, 2.0)  # the clip starts somewhere inside the piece
    total = pre_roll + duration + 0.1
    n_bars = int(np.ceil(total / bar)) + 1
    scales = WORLD_SCALES if style == "world" else _SCALES
    scale_name = rng.choice(list(scales))
    scale = np.array(scales[scale_name])
    steps = len(scale)  # notes per octave
    tonic = int(rng.integers(0, 12))
    progression = _PROGRESSIONS[rng.integers(len(_PROGRESSIONS))]
    bars_per_chord = 1 if (bar > 1.6 or rng.random() < 0.5) else 2
    swing = rng.uniform(0.0, 0.15) if style in ("band", "piano") and rng.random() < 0.3 else 0.0

    def pitch(degree: int, octave: int) -> int:
        return 12 * (octave + 1) + tonic + scale[degree % steps] + 12 * (degree // steps)

    def chord_at(bar_index: int) -> int:
        return progression[(bar_index // bars_per_chord) % len(progression)]

    parts: list[tuple[_Timbre, list[tuple[float, float, float, float]], float]] = []  # (timbre, notes, level dB)

    def humanise(time_s: float) -> float:
        return time_s + rng.normal(0, 0.006)

    def melody(name: str, level_db: float, rests: float, ornamented: bool = False) -> None:
        timbre = _random_timbre(rng, name)
        if ornamented:  # wide slow oscillations around the notes (gamakas)
            timbre = dataclasses.replace(timbre, vibrato=rng.uniform(0.6, 1.8), vibrato_rate=rng.uniform(2.5, 6.0))
        low, high = _RANGES[name]
        centre = rng.uniform(max(low + 7, 60), min(high - 7, 79))
        degree = int(round((centre - 12 * 5 - tonic) / 12 * steps))
        notes = []
        # Bowed and blown phrases are mostly legato; struck and plucked notes may be detached.
        legato = rng.uniform(0.8, 1.0) if timbre.decay is None else rng.uniform(0.55, 1.0)
        for b in range(n_bars):
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
                    root = chord_at(b)
                    choices = [root + o for o in (0, 2, 4)]
                    degree = (min(choices, key=lambda d: min(abs(d - degree + steps * m) for m in (-1, 0, 1)))
                              + steps * int(np.round((degree - root) / steps)))
                midi = pitch(degree, 0)
                while midi > high:
                    degree -= 7
                    midi = pitch(degree, 0)
                while midi < low:
                    degree += 7
                    midi = pitch(degree, 0)
                start = b * bar + position * beat
                if swing and abs(position % 1 - 0.5) < 1e-6:
                    start += swing * beat
                if rng.random() >= rests:
                    notes.append((humanise(start), length * beat * legato, midi, rng.uniform(0.6, 1.0)))
                position += length
        parts.append((timbre, notes, level_db))

    def chords(name: str, level_db: float, pattern: str) -> None:
        timbre = _random_timbre(rng, name)
        octave = 4 if name not in ("strings", "pad", "organ") else int(rng.integers(3, 5))
        notes = []
        sevenths = rng.random() < 0.3
        for b in range(n_bars):
            root = chord_at(b)
            degrees = [root, root + 2, root + 4] + ([root + 6] if sevenths else [])
            midis = [pitch(d, octave - 1) for d in degrees]
            if rng.random() < 0.5:
                midis[0] += 12  # an inversion
            if pattern == "block":
                hits = [(0.0, meter)] if timbre.decay is None or rng.random() < 0.5 else [(i, 1.0) for i in range(meter)]
                for position, length in hits:
                    for m in midis:
                        notes.append((humanise(b * bar + position * beat), length * beat * 0.95, m, rng.uniform(0.5, 0.8)))
            elif pattern == "arpeggio":
                order = sorted(midis) + sorted(midis)[1:-1][::-1]
                steps = int(meter * 2)
                for s in range(steps):
                    m = order[s % len(order)]
                    notes.append((humanise(b * bar + s * beat / 2), beat * 0.9, m, rng.uniform(0.5, 0.8)))
            elif pattern == "oompah":  # bass note on the downbeat, chord on the other beats
                notes.append((humanise(b * bar), beat * 0.9, pitch(root, octave - 2), 0.9))
                for i in range(1, meter):
                    for m in midis:
                        notes.append((humanise(b * bar + i * beat), beat * 0.6, m, rng.uniform(0.4, 0.65)))
        parts.append((timbre, notes, level_db))

    def bass(name: str, level_db: float, walking: bool) -> None:
        timbre = _random_timbre(rng, name)
        notes = []
        for b in range(n_bars):
            root = chord_at(b)
            if walking:
                for i in range(meter):
                    degree = root + (0, 2, 4, 5)[i % 4] if i else root
                    notes.append((humanise(b * bar + i * beat), beat * 0.9, pitch(degree, 1), rng.uniform(0.7, 1.0)))
            else:
                for position in ((0, 2) if meter == 4 else (0,)):
                    notes.append((humanise(b * bar + position * beat), beat * (2 if meter == 4 else 3) * 0.9,
                                  pitch(root, 1), rng.uniform(0.8, 1.0)))
                if rng.random() < 0.4:
                    notes.append((humanise(b * bar + (meter - 0.5) * beat), beat * 0.45, pitch(root + 4, 1), 0.7))
        parts.append((timbre, notes, level_db))

    groove = None
    if style == "band":
        lead = ["piano", "guitar", "brass", "sax", "flute", "violin", "vibraphone", "organ", "clarinet", "voice"]
        melody(rng.choice(lead, p=[0.06] * 9 + [0.46]), 0.0, 0.1)  # most songs have a singer
        chords(rng.choice(["piano", "guitar", "organ", "pad"]), -6.0, rng.choice(["block", "arpeggio"]))
        bass(rng.choice(["bass", "bass", "synth bass"]), -3.0, walking=rng.random() < 0.3)
        if rng.random() < 0.8:
            groove = rng.choice(["rock", "pop", "disco", "jazz", "latin"] if meter == 4 else ["waltz", "jazz"])
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
    elif style == "world":  # an ornamented melody on a mode, over a drone, often with hand drums
        melody(rng.choice(WORLD_LEADS), 0.0, 0.12, ornamented=True)
        drone = _random_timbre(rng, rng.choice(["harp", "guitar", "strings", "organ"]))
        parts.append((drone, drone_notes(rng, 12 * 3 + tonic + int(rng.choice([0, 12])), total), rng.uniform(-14.0, -6.0)))
        if rng.random() < 0.6:
            groove = rng.choice(list(HAND_GROOVES))
    else:
        raise ParameterError(f"unknown music style {style!r}")
    if groove in _GROOVES and _GROOVES[groove][0] != meter * 4:
        groove = "waltz" if meter == 3 else "rock"
    return dict(style=style, tempo=tempo, beat=beat, bar=bar, meter=meter, pre_roll=pre_roll, total=total,
                n_bars=n_bars, parts=parts, groove=groove, drum_level=rng.uniform(-4.0, 2.0), scale=scale_name,
                tonic=tonic)


def synthesize_music(rng: np.random.Generator, *, sample_rate: int = 22050, duration: float = 3.0,
                     conditions: str = DEFAULT_CONDITIONS) -> np.ndarray:
    """Synthesise a clip of music-like sound: notes on a scale, chords, bass, often drums.

    Takes the same parameters and returns the same kind of signal as :func:`synthesize_speech`.

    Examples
    --------
    >>> import numpy as np
    >>> y = synthesize_music(np.random.default_rng(0), sample_rate=16000, duration=1.5)
    >>> y.shape, y.dtype
    ((24000,), dtype('float32'))
    """
    return _synthesize(_render_music, rng, sample_rate, duration, conditions)


def _render_music(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB) -> tuple[np.ndarray, dict]:
    mix, plan = _dry_music(rng, n, sr, cond)
    plan["conditions"] = {}
    y = recording_chain(mix, rng, sr, cond.music_chain, voice=_babble_voice(cond), record=plan["conditions"])
    return _to_output(y, rng), plan


def _dry_music(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB) -> tuple[np.ndarray, dict]:
    """The mixed and mastered piece, before the room, the noise and the channel."""
    plan = _plan_music(rng, n / sr, cond)
    offset = int(round(plan["pre_roll"] * sr))
    fmax = min(0.45 * sr, 10000.0)
    mix = np.zeros(n)
    for timbre, notes, level_db in plan["parts"]:
        if timbre.name == "voice":
            part = _render_singing(rng, notes, timbre, plan["pre_roll"], n, sr, fmax)
        else:
            part = np.zeros(n)
            for start, length, midi, velocity in notes:
                _render_note(part, int(round(start * sr)) - offset, midi, length, timbre, velocity, rng, sr, fmax)
        if part.any():
            mix += part / (_rms(part) + 1e-12) * 10 ** (level_db / 20)
    if plan["groove"]:
        if plan["groove"] in HAND_GROOVES:
            steps, hits = HAND_GROOVES[plan["groove"]]
            kit = hand_drum_kit(rng, sr, _midi_hz(12 * 4 + plan["tonic"]))
        else:
            steps, hits = _GROOVES[plan["groove"]]
            kit = _drum_kit(rng, sr)
        drums = np.zeros(n)
        sixteenth = plan["bar"] / steps
        for b in range(plan["n_bars"]):
            for name, positions, level in hits:
                for p in positions:
                    if rng.random() < 0.05:
                        continue  # a skipped hit now and then
                    start = int(round((b * plan["bar"] + p * sixteenth + rng.normal(0, 0.004)) * sr)) - offset
                    sample = kit[name] * level * rng.uniform(0.8, 1.1)
                    a, e = max(start, 0), min(start + sample.size, n)
                    if e > a:
                        drums[a:e] += sample[a - start : e - start]
        if drums.any():
            reference = _rms(mix) if mix.any() else 0.1
            mix += drums / (_rms(drums) + 1e-12) * reference * 10 ** (plan["drum_level"] / 20)
    # Slow dynamics over the clip (crescendo, phrasing).
    mix *= 10 ** (3.0 * _wander(rng, n, 3) / 20)
    if rng.random() < 0.4:  # mastering: gentle saturation / limiting
        drive = rng.uniform(1.0, 3.0)
        peak = np.max(np.abs(mix)) + 1e-12
        mix = np.tanh(drive * mix / peak) / np.tanh(drive)
    return mix, plan


# --------------------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------------------

_SYNTHESIZERS = {"speech": synthesize_speech, "music": synthesize_music}


def clip_rng(seed: int, split: str, label: str, index: int, conditions: str = DEFAULT_CONDITIONS) -> np.random.Generator:
    """The random generator of one dataset clip: depends only on (seed, split, label, index, conditions).

    The "lab" preset's stream is ``default_rng([seed, split_id, class_id, index])``; another
    preset appends its position in :data:`~speechmusic.data.synth.conditions.CONDITIONS`, so that its
    clips are drawn independently of the lab's.

    Examples
    --------
    >>> a = clip_rng(0, "train", "speech", 3).random()
    >>> b = clip_rng(0, "train", "speech", 3).random()
    >>> a == b
    True
    """
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if label not in LABELS:
        raise ParameterError(f"label must be one of {', '.join(CLASS_NAMES)}, got {label!r}")
    key = [int(seed), SPLITS.index(split), LABELS[label], int(index)]
    preset = list(CONDITIONS).index(get_conditions(conditions).name)
    return np.random.default_rng(key + [preset] if preset else key)


def synthesize_clip(seed: int, split: str, label: str, index: int, *, sample_rate: int = 22050,
                    duration: float = 3.0, conditions: str = DEFAULT_CONDITIONS) -> np.ndarray:
    """The dataset clip number ``index`` of ``split``/``label`` for ``seed`` and ``conditions`` (as written to disk)."""
    return _SYNTHESIZERS[label](clip_rng(seed, split, label, index, conditions), sample_rate=sample_rate,
                                duration=duration, conditions=conditions)


def clip_name(split: str, label: str, index: int, conditions: str = DEFAULT_CONDITIONS) -> str:
    """File name of a synthetic clip, e.g. ``synthetic-speech-train-0007.wav`` (lab) or
    ``synthetic-world-speech-train-0007.wav``."""
    preset = "" if get_conditions(conditions).name == "lab" else f"{get_conditions(conditions).name}-"
    return f"synthetic-{preset}{label}-{split}-{index:04d}.wav"


def _readme_text(seed: int, conditions: str) -> str:
    if conditions == "lab":
        made = ("Speech-like clips: source-filter synthesis (glottal harmonics with gliding pitch in 80-250 Hz,\n"
                "formants moving between vowel targets, fricative and plosive noise, 3-6 syllables per second,\n"
                "pauses, several voices). Music-like clips: melodies and chords on musical scales with\n"
                "harmonic instrument timbres and envelopes, bass lines, sung melodies, percussion at a\n"
                "steady tempo.\n"
                "Both pass through random rooms, background noise and bandwidth limits.\n")
    else:
        made = ("Speech-like clips: source-filter synthesis with the rhythm and pitch of stress-, syllable-\n"
                "and mora-timed languages and of tone languages; running speech, read prompts and\n"
                "isolated words, some over a quiet music bed. Music-like clips: melodies, chords, bass\n"
                "lines, sung melodies and percussion, also on modes over drones with hand drums.\n"
                "Both pass through rooms (near and far), loud backgrounds (babble, cafe, street, hum,\n"
                "hiss at 0-20 dB SNR), telephone lines and codecs (G.711, GSM, ADPCM, mp3, Vorbis, Opus).\n")
    return (
        "SYNTHETIC DATA - these recordings are not real speech or music.\n"
        "\n"
        f"The files synthetic-*.wav in train/ and test/ were generated by speechmusic.data.synth "
        f"(generator version {SYNTH_VERSION}) with seed {seed}.\n"
        f"Conditions: {conditions}\n"
        + made +
        "\n"
        "Each clip depends only on (seed, split, class, index, conditions), so running\n"
        f"  speechmusic.data.synth.build_synthetic_dataset(<this folder>, seed={seed}, conditions={conditions!r})\n"
        "again recreates exactly the same files; existing files are never overwritten.\n"
        "Licence: generated audio, dedicated to the public domain.\n"
        "A model trained only on these clips learns what the generator does; expect lower accuracy\n"
        "on real recordings.\n"
    )


def _check_count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ParameterError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def _render_job(seed: int, split: str, label: str, index: int, conditions: str) -> np.ndarray:
    return synthesize_clip(seed, split, label, index, sample_rate=DEFAULT_PARAMS.sample_rate,
                           duration=DEFAULT_PARAMS.duration, conditions=conditions)


def conditions_in(data_dir: str | os.PathLike) -> set[str]:
    """The presets of the synthetic clips already in a data folder (by their file names)."""
    found = set()
    for split in SPLITS:
        for label in CLASS_NAMES:
            folder = Path(data_dir) / split / label
            if not folder.is_dir():
                continue
            for path in folder.glob("synthetic-*.wav"):
                rest = path.name[len("synthetic-"):]
                found.add(next((name for name in CONDITIONS if name != "lab" and rest.startswith(f"{name}-")), "lab"))
    return found


def build_synthetic_dataset(
    data_dir: str | os.PathLike,
    *,
    n_train: int = 60,
    n_test: int = 20,
    seed: int = 0,
    n_jobs: int | None = None,
    progress: bool = True,
    conditions: str = DEFAULT_CONDITIONS,
) -> dict:
    """Write the synthetic dataset: ``n_train`` + ``n_test`` clips of each class.

    Files are ``data_dir/{train,test}/{speech,music}/synthetic-<class>-<split>-<i:04d>.wav``
    (3 s, 22050 Hz, mono, 16-bit), written atomically. A file that already exists under that name
    is left alone (never overwritten), so a second run adds nothing and a run with a larger count
    only adds the missing clips. Each clip depends only on (``seed``, split, class, index).
    ``data_dir/SYNTHETIC_README.txt`` says the audio is synthetic and records the seed.

    Parameters
    ----------
    data_dir : path-like
        Dataset root (created if needed).
    n_train, n_test : int
        Clips per class in each split (non-negative).
    seed : int
        Seed of the whole dataset (non-negative).
    n_jobs : int or None
        Worker processes; None uses every core when there are many clips to make, 1 runs in this
        process.
    progress : bool
        Show a progress bar.
    conditions : {"lab", "world"}
        Preset of content and recording situations (:mod:`speechmusic.data.synth.conditions`): the
        lab's clips, or clips that look like people's recordings (for training a model for them).
        Their files are named ``synthetic-...`` and ``synthetic-world-...``; a folder holds one
        preset only.

    Returns
    -------
    dict
        ``{"train": {"speech": {"written": w, "present": p}, "music": {...}}, "test": {...}}``:
        clips written by this call and clips that were already there, per split and class.

    Examples
    --------
    >>> summary = build_synthetic_dataset("data", n_train=2, n_test=1, progress=False)  # doctest: +SKIP
    >>> summary["train"]["speech"]                                                     # doctest: +SKIP
    {'written': 2, 'present': 0}
    """
    n_train = _check_count("n_train", n_train)
    n_test = _check_count("n_test", n_test)
    seed = _check_count("seed", seed)
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0):
        raise ParameterError(f"n_jobs must be None, a positive integer or -1 (all cores), got {n_jobs!r}")
    conditions = get_conditions(conditions).name
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise ParameterError(f"{data_dir} exists and is not a folder")
    other = sorted(conditions_in(data_dir) - {conditions}) if data_dir.is_dir() else []
    if other:
        raise ParameterError(
            f"{data_dir} already holds synthetic clips made with conditions {', '.join(repr(o) for o in other)}; "
            f"a data folder holds one preset only: choose another folder for conditions {conditions!r}"
        )

    counts = {"train": n_train, "test": n_test}
    summary = {split: {label: {"written": 0, "present": 0} for label in ("speech", "music")} for split in SPLITS}
    todo = []
    for split in SPLITS:
        for label in ("speech", "music"):
            for index in range(counts[split]):
                if (data_dir / split / label / clip_name(split, label, index, conditions)).exists():
                    summary[split][label]["present"] += 1
                else:
                    todo.append((split, label, index))

    data_dir.mkdir(parents=True, exist_ok=True)
    readme = data_dir / README_NAME
    if not readme.exists():
        try:
            write_text(readme, _readme_text(seed, conditions))
        except FileExistsError:
            pass  # another run wrote it meanwhile

    if n_jobs is None:
        n_jobs = -1 if len(todo) >= PARALLEL_MIN_CLIPS else 1
    jobs = [(seed, split, label, index, conditions) for split, label, index in todo]
    if n_jobs == 1 or len(jobs) < 2:
        results = (_render_job(*job) for job in jobs)
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=4)
        results = parallel(delayed(_render_job)(*job) for job in jobs)

    from tqdm.auto import tqdm

    writer = _clip_writer(data_dir)
    try:
        for (split, label, index), clip in tqdm(zip(todo, results), total=len(todo), desc="synthesising",
                                               unit="clip", disable=not progress or not todo):
            if _save_clip(writer, data_dir, seed, split, label, index, clip, conditions):
                summary[split][label]["written"] += 1
                if writer is not None and len(writer.written) % 20 == 0:
                    writer.flush()  # keep the manifest close to the files if the run is interrupted
            else:
                summary[split][label]["present"] += 1
    finally:
        if writer is not None:
            writer.flush()
    return summary


def _clip_writer(data_dir: Path):
    """The manifest-keeping writer of :mod:`speechmusic.data.ingest` (None when unavailable)."""
    try:
        from speechmusic.data.ingest import ClipWriter
    except ImportError:  # pragma: no cover - ingest is part of the package
        return None
    return ClipWriter(data_dir)


def _save_clip(writer, data_dir: Path, seed: int, split: str, label: str, index: int, clip: np.ndarray,
               conditions: str = DEFAULT_CONDITIONS) -> bool:
    """Write one clip under its fixed name; False when that name is already taken."""
    target = data_dir / split / label / clip_name(split, label, index, conditions)
    if target.exists():
        return False
    if writer is None:
        try:
            write_wav(target, clip, DEFAULT_PARAMS.sample_rate)
        except FileExistsError:
            return False
        return True
    saved = writer.save(
        split, label, clip, stem=target.stem, source=SOURCE_NAME,
        original=f"{SOURCE_NAME}:{'' if conditions == 'lab' else conditions + ':'}{seed}:{split}:{label}:{index}",
        offset=0.0, licence=LICENCE,
    )
    return saved is not None
