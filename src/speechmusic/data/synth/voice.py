"""The speech synthesiser: talkers, syllable plans, intonation, formants and the dry voice (source-filter)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speechmusic.data.synth.common import _HOP, _moving_average, _wander
from speechmusic.data.synth.conditions import LAB, Conditions
from speechmusic.data.synth.effects import bandpass_noise as _bandpass_noise
from speechmusic.data.synth.effects import rms as _rms
from speechmusic.data.synth.prosody import CODAS, ONSETS, TONE_WEIGHTS, TONES, Rhythm, random_rhythm, tone_contour

# scipy.signal is imported inside the functions that use it: it takes ~0.5 s to import, and the
# command line and the notebook kernels import this package without synthesising anything.

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
        self.vowel_times: list[float] = []  # where each syllable's vowel begins
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


# long: the phones of a syllable, drawn in a fixed order from one stream (a seed's audio depends on it).
def _add_syllable(plan: _SpeechPlan, rng: np.random.Generator, t: float, voice: _Voice, *, stressed: bool,
                  level: float, tempo: float) -> float:
    """One syllable of ``voice`` from ``t``: onset consonant(s), vowel, coda. Returns the time it ends.

    ``level`` is its loudness (1 = a stressed syllable's), ``tempo`` scales the durations of its
    phones (drawn from natural ranges at about 0.26 s per syllable).
    """
    rhythm = voice.rhythm
    onset_p = np.array(rhythm.onset_p) / np.sum(rhythm.onset_p)
    coda_p = np.array(rhythm.coda_p) / np.sum(rhythm.coda_p)
    vowel_names = rhythm.vowels
    scale = voice.formant_scale
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
    plan.vowel_times.append(t)
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
    return t


# long: one random stream drawn in a fixed order (a seed's audio depends on it).
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
        phrase_start = t
        n_syllables = int(rng.integers(*phrase_range))
        syllable_period = 1.0 / voice.syllable_rate
        for i in range(n_syllables):
            stressed = rng.random() < rhythm.stress_probability
            level = 10 ** (-rng.uniform(0, 3) / 20) if stressed else 10 ** (-rng.uniform(*rhythm.stress_contrast_db) / 20)
            level *= 10 ** (-3 * i / max(n_syllables, 1) / 20)  # phrase-final loudness decline
            # Durations are drawn from natural ranges and then scaled to the voice's speaking rate.
            tempo = syllable_period / 0.26 * rng.uniform(0.8, 1.2)
            t = _add_syllable(plan, rng, t, voice, stressed=stressed, level=level, tempo=tempo)

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
    top = formants[-1]
    spacing = np.maximum(top - formants[-2], 700.0)
    # Wall and radiation losses widen the upper resonances, so the spectrum falls off above F4-F5.
    extra = [(top + m * spacing, 400.0 + 0.12 * (top + m * spacing)) for m in range(1, 36)]
    terms = [(formants[j], bandwidths[j]) for j in range(formants.shape[0])] + extra
    # The product of the resonances' magnitudes, each (c^2 + h^2) / sqrt(((f-c)^2 + h^2)((f+c)^2 + h^2)),
    # computed in place: a square root per term instead of two logarithms (this is the generator's
    # hottest loop); forty factors stay far inside float64's range.
    gain = np.ones_like(freqs)
    below, above = np.empty_like(freqs), np.empty_like(freqs)
    for centre, width in terms:
        half2 = (np.asarray(width) / 2) ** 2
        np.subtract(freqs, centre, out=below)
        np.add(freqs, centre, out=above)
        below **= 2
        above **= 2
        below += half2
        above += half2
        below *= above
        np.sqrt(below, out=below)
        gain *= centre**2 + half2
        gain /= below
    return gain


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




def _babble_voice(cond: Conditions):
    """A renderer of dry talkers for babble and cafe backgrounds (upper harmonics left out: they drown)."""
    return lambda rng, n, sr: _dry_speech(rng, n, sr, cond, fmax=min(0.45 * sr, 5000.0))[0]


def _dry_speech(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB, *,
                fmax: float | None = None) -> tuple[np.ndarray, _SpeechPlan]:
    """A talker at a microphone, before the room, the noise and the channel."""
    plan = _plan_speech(rng, n, sr, cond)
    return _speak(rng, plan, n, sr, soft_limit=cond.soft_pitch_limit, fmax=fmax), plan


def _speak(rng: np.random.Generator, plan: _SpeechPlan, n: int, sr: int, *, soft_limit: bool,
           fmax: float | None = None) -> np.ndarray:
    """The talk a plan of syllables describes, at a microphone: intonation, voice, noises, microphone colour."""
    import scipy.signal
    _pitch_track(rng, plan, soft_limit=soft_limit)
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
    return y
