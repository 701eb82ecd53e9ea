"""Singers: sung and hummed lines with the speech synthesiser's voice (source-filter, :mod:`.voice`).

A sung line differs from talk in what a speech detector can hear, and this module makes exactly
those differences, with the talker's own glottal source, vocal tract and consonants:

* the pitch **sits on notes of a scale** and holds there for the note's length (a small
  intonation error per note, a slow drift of a few cents), moving between notes by a short
  glide (portamento) or a scoop from below at an onset; talk glides all the time;
* **vibrato** of the singer's own depth (none for a straight tone, up to 0.8 semitone for an
  operatic voice) and rate (4.5-7 Hz), setting in some time after the onset of a long note;
* **vowels last as long as the notes**; consonants are short and sit just *before* the note, so
  that the vowel starts on the beat; a syllable may carry several notes (melisma);
* **breaths** between phrases (an audible inhalation in the rest);
* trained voices have the **singer's formant**: the third to fifth formants pulled together
  near 2.4-3.3 kHz (a ringing peak that carries over an orchestra); a soprano's first formant
  rises with a high pitch (formant tuning);
* **voice types** with their ranges and vocal tract lengths: bass, baritone, tenor, alto,
  soprano and child; **manners** of singing: pop (scoops, little vibrato, breathy), folk
  (straight tone), classical (vibrato, ring) and choral (light vibrato, some ring);
* **humming**: the mouth closed, a nasal murmur (the voice muffled above a few hundred Hz).

:func:`random_singer` draws a singer, :func:`lyrics` the syllables of a line, :func:`sing`
renders it. The pieces that use them (a cappella songs, choirs, songs, jingles) are planned in
:mod:`speechmusic.data.synth.songs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speechmusic.core.errors import ParameterError
from speechmusic.data.synth.common import _HOP, _moving_average, _wander
from speechmusic.data.synth.effects import bandpass_noise, rms
from speechmusic.data.synth.prosody import RHYTHMS
from speechmusic.data.synth.voice import (
    _APPROXIMANTS,
    _FRICATIVES,
    _LOCI,
    _STOPS,
    _VOWELS,
    _formant_tracks,
    _render_noises,
    _render_voiced,
    _SpeechPlan,
    _Voice,
)

#: Voice types: comfortable range (MIDI, lowest and highest), vocal tract scale (formants re an
#: adult male's), centre of the singer's formant (Hz), share among drawn soloists.
VOICE_TYPES = {
    "bass": ((40, 62), (0.92, 1.0), 2400.0, 0.12),
    "baritone": ((43, 66), (0.95, 1.03), 2500.0, 0.2),
    "tenor": ((48, 70), (0.98, 1.06), 2700.0, 0.18),
    "alto": ((53, 74), (1.08, 1.18), 2900.0, 0.18),
    "soprano": ((60, 81), (1.12, 1.22), 3100.0, 0.22),
    "child": ((60, 79), (1.25, 1.4), 3300.0, 0.1),
}
#: Manners of singing and their shares among drawn soloists.
MANNERS = {"pop": 0.4, "folk": 0.25, "classical": 0.2, "choral": 0.15}
#: Ways a line is sung: words (consonant + vowel syllables), a vowel only (vocalise, "ah", "oo"),
#: "la"-like syllables, or hummed.
LYRICS = ("words", "vocalise", "la", "hum")
#: Vowels a singer holds (open vowels more often than in talk).
_SUNG_VOWELS = ("a", "a", "o", "e", "i", "u", "ae", "V", "I", "U", "@")
#: Onset consonants of sung syllables and their shares ("" = none).
_ONSETS = {"": 0.1, "stop": 0.35, "fric": 0.2, "nasal": 0.2, "approx": 0.15}
#: One sung syllable per note: (onset consonant kind, vowel); the vowel "-" continues the previous
#: syllable's vowel over the note (a melisma: no new consonant).
Syllable = tuple[str, str]
Note = tuple[float, float, float, float]  # (start s, length s, midi, velocity)


@dataclass(frozen=True)
class Singer:
    """One singer: the voice (source settings of the speech synthesiser) and how it sings.

    Attributes
    ----------
    kind : str
        A key of :data:`VOICE_TYPES`.
    low, high : int
        Comfortable range (MIDI note numbers).
    voice : _Voice
        Glottal source and vocal tract length (``formant_scale``).
    manner : str
        A key of :data:`MANNERS`.
    ring : float
        0-1: strength of the singer's formant (0 untrained, 1 operatic).
    ring_hz : float
        Its centre.
    vibrato_depth : float
        Peak pitch excursion of the vibrato in semitones (0: a straight tone).
    vibrato_rate : float
        Hz.
    vibrato_delay : float
        Seconds after a note's onset before the vibrato sets in.
    scoop : float
        Semitones below the note that an onset after a rest starts from.
    glide : float
        How fast the pitch moves to a new note: about the seconds it takes (0.04-0.12).
    damping : float
        How it settles there: below 1 it overshoots the note and swings back (0.4: by a quarter of
        the step; 0.75: by 3 %), as a voice's pitch control does.
    breath_db : float
        Level of an inhalation between phrases, dB re the sung vowels.
    detune : float
        Cents the singer sits off the notes (a member of an ensemble).
    """

    kind: str
    low: int
    high: int
    voice: _Voice
    manner: str
    ring: float
    ring_hz: float
    vibrato_depth: float
    vibrato_rate: float
    vibrato_delay: float
    scoop: float
    glide: float
    breath_db: float
    detune: float = 0.0
    damping: float = 0.7


def _pick(rng: np.random.Generator, shares: dict) -> str:
    names = list(shares)
    weights = np.array([shares[name] for name in names], dtype=float)
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def random_singer(rng: np.random.Generator, kind: str | None = None, manner: str | None = None) -> Singer:
    """A singer of voice type ``kind`` and ``manner`` (each drawn when None).

    Examples
    --------
    >>> singer = random_singer(np.random.default_rng(0), "soprano", "classical")
    >>> singer.low, singer.high, singer.ring >= 0.6
    (60, 81, True)
    """
    kind = _pick(rng, {k: v[3] for k, v in VOICE_TYPES.items()}) if kind is None else kind
    manner = _pick(rng, MANNERS) if manner is None else manner
    if kind not in VOICE_TYPES or manner not in MANNERS:
        raise ParameterError(f"unknown voice type or manner: {kind!r}, {manner!r}")
    (low, high), scale_range, ring_hz, _ = VOICE_TYPES[kind]
    u = rng.uniform
    f0 = 440.0 * 2 ** (((low + high) / 2 - 69) / 12)
    classical = manner in ("classical", "choral")
    voice = _Voice(
        f0_median=f0, f0_span=3.0, formant_scale=u(*scale_range), source_corner=u(0.8, 1.5) * f0,
        tilt=u(0.6, 1.0) if classical else u(0.8, 1.3),
        breathiness=10 ** (u(-52, -40) / 20) if classical else 10 ** (u(-46, -28) / 20),
        jitter=u(0.001, 0.005), syllable_rate=5.0, max_voiced=u(4500, 7000) if classical else u(3000, 6000),
        h1_boost=10 ** (u(-2, 3) / 20), rhythm=RHYTHMS["stress"],
    )
    if manner == "classical":
        depth, rate, ring, scoop = u(0.35, 0.8), u(5.0, 6.8), u(0.6, 1.0), u(0.0, 0.2)
    elif manner == "choral":
        depth, rate, ring, scoop = u(0.0, 0.25), u(4.5, 6.0), u(0.2, 0.6), 0.0
    elif manner == "pop":
        depth = u(0.1, 0.45) if rng.random() < 0.6 else 0.0
        rate, ring, scoop = u(4.5, 7.0), u(0.0, 0.3), u(0.3, 1.0) if rng.random() < 0.6 else 0.0
    else:  # folk: mostly a straight tone
        depth = u(0.1, 0.3) if rng.random() < 0.4 else 0.0
        rate, ring, scoop = u(4.5, 6.5), u(0.0, 0.2), u(0.0, 0.5)
    return Singer(kind=kind, low=low, high=high, voice=voice, manner=manner, ring=ring, ring_hz=ring_hz * u(0.95, 1.05),
                  vibrato_depth=depth, vibrato_rate=rate, vibrato_delay=u(0.1, 0.45), scoop=scoop, glide=u(0.04, 0.12),
                  breath_db=u(-40.0, -26.0), damping=u(0.4, 0.75))


def lyrics(rng: np.random.Generator, phrases: list[int], mode: str) -> list[Syllable]:
    """The syllables of a line of ``phrases`` (notes per phrase), one per note, sung in ``mode``.

    ``mode`` is one of :data:`LYRICS`: "words" (consonant + vowel, now and then a melisma),
    "vocalise" (one vowel per phrase), "la" (the same light syllable, "la", "na", "da", on every
    note) or "hum" (no text: :func:`sing` with ``hum=True``).
    """
    if mode not in LYRICS:
        raise ParameterError(f"unknown lyrics mode {mode!r}; choose one of {', '.join(LYRICS)}")
    text: list[Syllable] = []
    for count in phrases:
        vowel = str(rng.choice(_SUNG_VOWELS[:6]))
        onset = str(rng.choice(["approx", "nasal", "stop"]))
        for i in range(count):
            if mode == "words":
                melisma = i > 0 and rng.random() < 0.08
                text.append(("", "-") if melisma else (_pick(rng, _ONSETS), str(rng.choice(_SUNG_VOWELS))))
            elif mode == "la":
                text.append((onset, vowel))
            else:  # vocalise and hum: one vowel (or the murmur) held through the phrase
                text.append(("", vowel) if i == 0 else ("", "-"))
    return text


def _consonant(plan: _SpeechPlan, rng: np.random.Generator, kind: str, start: float, velocity: float,
               scale: float) -> float:
    """An onset consonant of ``kind`` ending at ``start`` (where the vowel begins); returns when it begins."""
    level_db = 20 * np.log10(max(velocity, 1e-3))
    if kind == "stop":
        name = rng.choice(list(_STOPS))
        place, band, voiced = _STOPS[name]
        closure, burst = rng.uniform(0.04, 0.09), rng.uniform(0.006, 0.012)
        aspiration = 0.0 if voiced else rng.uniform(0.015, 0.035)
        begin = start - closure - burst - aspiration
        plan.voicing[plan.frames(begin, start)] = 0.0  # the previous vowel stops at the closure
        if voiced:
            plan.voice(begin, begin + closure, 0.15 * velocity, muffle=rng.uniform(250, 400))
        plan.noise(begin + closure, burst, "burst", band, rng.uniform(-12, -4) + level_db, 0.0)
        if aspiration:
            plan.noise(begin + closure + burst, aspiration, "aspiration", (500, 6000), rng.uniform(-22, -14) + level_db, 0.003)
    elif kind == "fric":
        name = rng.choice(["s", "sh", "f", "h", "z", "v", "th"])
        place, band, (lo, hi), voiced = _FRICATIVES[name]
        length = rng.uniform(0.06, 0.14)
        begin = start - length
        plan.voicing[plan.frames(begin, start)] = 0.0  # the previous vowel stops at the fricative
        plan.noise(begin, length, "fric", band, rng.uniform(lo, hi) + level_db, 0.015)
        if voiced:
            plan.voice(begin, start, 0.3 * velocity, muffle=rng.uniform(500, 1000))
    elif kind == "nasal":
        length = rng.uniform(0.04, 0.08)
        begin = start - length
        place = str(rng.choice(["labial", "alveolar"]))
        plan.voice(begin, start, 0.45 * velocity, muffle=rng.uniform(350, 700))
        plan.formant_keys.append((begin + length / 2, 260 * scale, _LOCI[place][1] * 0.8 * scale, 2400 * scale))
        return begin
    else:  # approximant
        length = rng.uniform(0.03, 0.06)
        begin = start - length
        formants = _APPROXIMANTS[str(rng.choice(list(_APPROXIMANTS)))]
        plan.voice(begin, start, 0.6 * velocity)
        plan.formant_keys.append((begin + length / 2, *(f * scale for f in formants)))
        return begin
    locus = _LOCI[place]
    if locus[0] is not None:
        plan.formant_keys.append((start, *(0.5 * np.array(locus) * scale + 0.5 * np.array(_VOWELS["@"]) * scale)))
    return begin


def _settle(steps: np.ndarray, singer: Singer, rate: float) -> np.ndarray:
    """The pitch a voice makes of a staircase of notes (frames at ``rate`` per second): a second-order
    response of the singer's speed (``glide``) and ``damping``, gliding into each note, overshooting
    a little and settling."""
    import scipy.signal

    omega = 4.0 / singer.glide
    b, a = scipy.signal.bilinear([omega**2], [1.0, 2 * singer.damping * omega, omega**2], fs=rate)
    return scipy.signal.lfilter(b, a, steps, zi=scipy.signal.lfilter_zi(b, a) * steps[0])[0]


# long: the line is built note by note from one random stream (a seed's audio depends on the order).
def sing(rng: np.random.Generator, singer: Singer, notes: list[Note], text: list[Syllable], *, n: int, sr: int,
         pre_roll: float = 0.0, fmax: float | None = None, hum: bool = False) -> np.ndarray:
    """The dry line of ``singer``: ``notes`` (times in seconds from ``pre_roll``) with ``text``.

    Parameters
    ----------
    rng : numpy.random.Generator
    singer : Singer
    notes : list of (start, length, midi, velocity)
        In time order; a note's vowel lasts its length (the next note's consonant cuts it).
    text : list of (onset, vowel)
        One per note (:func:`lyrics`).
    n, sr : int
        Samples and sample rate of the result; time 0 of it is ``pre_roll`` seconds into the notes.
    fmax : float or None
        Highest harmonic (Hz); default ``min(0.45 * sr, 9500)``.
    hum : bool
        Hum (mouth closed) instead of singing the vowels.

    Returns
    -------
    np.ndarray
        float64, ``n`` samples, silent where no note sounds.
    """
    if len(text) != len(notes):
        raise ParameterError(f"{len(notes)} notes need as many syllables, got {len(text)}")
    fmax = min(0.45 * sr, 9500.0) if fmax is None else fmax
    plan = _SpeechPlan(n // _HOP + 2, sr)
    times = np.arange(plan.n_frames) * _HOP / sr
    scale = singer.voice.formant_scale
    target = np.full(plan.n_frames, np.nan)  # the note's pitch (MIDI) per frame
    depth = np.zeros(plan.n_frames)  # vibrato depth per frame
    scoop = np.zeros(plan.n_frames)
    murmur = rng.uniform(350, 700)  # humming: the closed mouth's cut-off
    # Where each note's consonant begins (the previous vowel stops there).
    onsets = [start - pre_roll for start, *_ in notes]
    vowel = np.array(_VOWELS["a"]) * scale
    previous_end = -np.inf
    for i, ((start, length, midi, velocity), (consonant, name)) in enumerate(zip(notes, text)):
        start -= pre_roll
        end = min(start + length, onsets[i + 1] - 0.02) if i + 1 < len(notes) else start + length
        if end < -0.3 or start > n / sr + 0.3:
            previous_end = end
            continue
        begin = start
        if consonant and not hum:
            begin = _consonant(plan, rng, consonant, start, velocity, scale)
        gap = begin - previous_end
        if gap > 0.25 and np.isfinite(previous_end):  # an inhalation in the rest before the phrase
            breath = min(gap - 0.1, rng.uniform(0.2, 0.5))
            plan.noise(begin - breath - 0.05, breath, "aspiration", (600 * scale, 4500), singer.breath_db, 0.08)
        s = plan.frames(begin if consonant in ("nasal", "approx") else start, end)
        if s.stop <= s.start:
            previous_end = end
            continue
        target[s] = midi + rng.normal(0, 0.05)  # nobody sings exactly in tune
        x = times[s] - start
        attack = 0.015 if consonant or gap < 0.05 else rng.uniform(0.03, 0.08)
        # Over a note the voice swells or tapers (a pop singer lets long notes fade), a few dB.
        progress = np.clip(x / max(length, 1e-3), 0, 1)
        swell = 1.0 + rng.uniform(-0.15, 0.15) * np.sin(np.pi * progress) - rng.uniform(0.0, 0.35) * progress
        release = np.clip((end - times[s]) / 0.04, 0, 1)
        plan.voicing[s] = np.maximum(plan.voicing[s], velocity * np.clip(x / attack, 0, 1) * swell * release)
        if length > singer.vibrato_delay + 0.15:
            depth[s] = singer.vibrato_depth * rng.uniform(0.8, 1.2) * np.clip((x - singer.vibrato_delay) / 0.3, 0, 1)
        if gap > 0.05 and singer.scoop:
            scoop[s] = -singer.scoop * np.exp(-np.clip(x, 0, None) / rng.uniform(0.03, 0.06))
        if hum:
            plan.muffle[s] = murmur
            plan.formant_keys += [(start, 270 * scale, 1200 * scale, 2400 * scale), (end, 270 * scale, 1200 * scale, 2400 * scale)]
        else:
            if name != "-":
                vowel = np.array(_VOWELS[name]) * scale * rng.uniform(0.96, 1.04, 3)
            f1 = max(vowel[0], 1.05 * 440.0 * 2 ** ((midi - 69) / 12))  # a high voice opens F1 to its pitch
            plan.formant_keys.append((start + min(0.04, length / 3), f1, *vowel[1:]))
            if name != "-" and rng.random() < 0.25:  # a diphthong: the vowel glides towards another
                vowel = 0.5 * vowel + 0.5 * np.array(_VOWELS[str(rng.choice(["i", "U", "@"]))]) * scale
            plan.formant_keys.append((max(end - 0.03, start + 0.05), max(vowel[0], f1), *vowel[1:]))
        previous_end = end
    known = np.flatnonzero(~np.isnan(target))
    if known.size == 0:
        return np.zeros(n)
    track = _settle(np.interp(np.arange(plan.n_frames), known, target[known]), singer, sr / _HOP)
    rate = singer.vibrato_rate * (1.0 + 0.05 * _wander(rng, plan.n_frames, 6))
    phase = 2 * np.pi * np.cumsum(rate) * _HOP / sr + rng.uniform(0, 2 * np.pi)
    track = track + _moving_average(depth, 9) * np.sin(phase) + scoop + 0.05 * _wander(rng, plan.n_frames, 4)
    # Cents off the notes (ensembles) and jitter (relative pitch noise, 17 semitones per unit).
    track += singer.detune / 100 + 17 * singer.voice.jitter * _moving_average(rng.standard_normal(plan.n_frames), 3)
    plan.f0 = 440.0 * 2 ** ((track - 69) / 12)
    plan.voicing = _moving_average(plan.voicing, 5)
    formants = _formant_tracks(rng, plan, scale)
    if singer.ring > 0:
        # The singer's formant: F3-F5 drawn towards each other near ring_hz into one ringing peak,
        # but kept 350 Hz apart (resonances on top of each other would add 30-40 dB, where a
        # trained voice gains 10-15 dB over an untrained one).
        pull = 0.6 * singer.ring
        for j, offset in ((2, -450.0), (3, 0.0), (4, 500.0)):
            formants[j] = (1 - pull) * formants[j] + pull * (singer.ring_hz + offset)
        for j in range(2, 5):
            formants[j] = np.maximum(formants[j], formants[j - 1] + 350)
    sung = _render_voiced(rng, plan, formants, singer.voice, n, fmax).astype(np.float64)
    reference = rms(sung[np.abs(sung) > 0.1 * np.abs(sung).max()]) if sung.any() else 1.0
    voicing = np.interp(np.arange(n), np.arange(plan.n_frames) * _HOP, plan.voicing * (plan.muffle > 5000))
    air = bandpass_noise(rng, n, 400, 5000, sr)  # breathy phonation: turbulence riding on the voicing
    if voicing.any():
        sung += air / (rms(air) + 1e-12) * singer.voice.breathiness * voicing * reference / rms(voicing[voicing > 0])
    return sung + _render_noises(rng, plan, n, reference)
