"""Music with voices: a cappella singing, humming, choirs, songs, rap and jingles.

A speech detector must not take these for speech, and real recordings of them are scarce, so the
generator makes them. Each is a music style (:data:`SONG_STYLES`), planned here on the frame of a
piece of :mod:`speechmusic.data.synth.music` (tempo, meter, key, chords) and mixed by its mixer:

``"a-cappella"``
    one singer alone (:mod:`speechmusic.data.synth.singing`: any voice type and manner), a line
    of phrases with breaths between them: held notes, lyrical lines, or fast syllabic singing
    at 4-8 notes per second (close to a talker's syllable rate, but on held pitches); words,
    vocalise or "la" syllables; now and then a second singer a third above.
``"humming"``
    a hummed tune (mouth closed), held or lyrical.
``"choir"``
    four (or three) parts in harmony, two or three singers each, holding the chords of a
    progression together (homophonic, the same syllables in every part), in a reverberant hall.
``"song"``
    a lead singer over a band, a ballad accompaniment or electronic backing, sometimes with
    backing vocals holding the chords; the voice 0-8 dB above the accompaniment.
``"rap"``
    rhythmic talk: the speech synthesiser's syllables (:func:`speechmusic.data.synth.voice._add_syllable`,
    any language family of the preset) placed on the 16th-note grid of a hip-hop beat (boom bap
    or trap drums, a bass, sparse chords), in two-bar phrases with a breath at the end.
``"jingle"``
    a station ident or stinger of 3-8 s, as a whole: a bright stab (brass or synth chord hits
    with a kick and a crash), a sung phrase (one to three voices in harmony) or an instrumental
    motif over a beat, and a held final chord that rings out. A dataset clip shorter than the
    jingle is cut from it; :func:`speechmusic.data.synth.clips.synthesize_jingle` gives whole ones.

:func:`_dry_piece` draws a style from a preset (classic styles as before, these carved out of
their shares: :func:`speechmusic.data.synth.music._draw_style`) and returns the dry mix.
"""

from __future__ import annotations

import numpy as np

from speechmusic.core.errors import ParameterError
from speechmusic.data.synth.common import _HOP
from speechmusic.data.synth.conditions import LAB, Conditions
from speechmusic.data.synth.effects import bandpass_noise, reverberate, rms, room_impulse_response
from speechmusic.data.synth.music import (
    _SCALES,
    CLASSIC_STYLES,
    MusicPlan,
    _draw_style,
    _drum_kit,
    _dry_music,
    _mix,
    _Piece,
    _random_timbre,
)
from speechmusic.data.synth.singing import VOICE_TYPES, Note, Singer, _pick, lyrics, random_singer, sing
from speechmusic.data.synth.voice import _add_syllable, _random_voice, _speak, _SpeechPlan

#: The styles planned here (music with voices, and jingles).
SONG_STYLES = ("a-cappella", "humming", "choir", "song", "rap", "jingle")
#: Every style :func:`_dry_piece` plays.
MUSIC_STYLES = CLASSIC_STYLES + SONG_STYLES
#: Styles mostly recorded close to the microphone in a small, dry room (a singer alone), whatever
#: the preset's music rooms: (share of clips in a room, RT60 range in seconds).
CLOSE_STYLES = {"a-cappella": (0.4, (0.15, 0.8)), "humming": (0.4, (0.15, 0.8))}
#: How fast a line moves: tempo range (BPM), bar-long rhythms (in beats; 3/4 bars use the first
#: three beats' worth), legato (share of a note's time that is sung).
_PACES = {
    "held": ((50, 100), ((4,), (2, 2), (3, 1), (2, 1, 1), (1, 1, 2)), (0.92, 1.0)),
    "lyrical": ((70, 130), ((1, 1, 2), (1.5, 0.5, 2), (1, 1, 1, 1), (2, 1, 1), (0.5, 0.5, 1, 2), (1, 0.5, 0.5, 2)),
                (0.75, 0.95)),
    "syllabic": ((100, 170), ((0.5,) * 8, (0.5, 0.5, 1) * 2, (0.25, 0.25, 0.5) * 4, (0.75, 0.25) * 4,
                              (0.5, 0.25, 0.25) * 4, (0.25,) * 16), (0.6, 0.9)),
}
_MAJORISH = {name: _SCALES[name] for name in ("major", "major", "mixolydian")}
_MINORISH = {name: _SCALES[name] for name in ("minor", "dorian", "harmonic minor")}


def _dry_piece(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB,
               style: str | None = None) -> tuple[np.ndarray, MusicPlan]:
    """A piece of ``style`` (drawn from the preset when None), mixed and mastered, before the recording chain."""
    style = _draw_style(rng, cond) if style is None else style
    if style in CLASSIC_STYLES:
        return _dry_music(rng, n, sr, cond, style)
    if style not in SONG_STYLES:
        raise ParameterError(f"unknown music style {style!r}; choose one of {', '.join(MUSIC_STYLES)}")
    if style == "jingle":
        return _dry_jingle(rng, n, sr, length=rng.uniform(3.0, 8.0))
    planner = {"a-cappella": _a_cappella, "humming": _a_cappella, "choir": _choir, "song": _song, "rap": _rap}[style]
    return planner(rng, n, sr, cond, style)


def _phrase_lengths(rng: np.random.Generator, piece: _Piece, pace: str) -> list[tuple[float, float, bool]]:
    """Note slots ``(start beat, length in beats, phrase end)`` of a line over the piece, in phrases of
    2 or 4 bars, each ending in a held note and a rest of half a beat to three beats."""
    _, rhythms, _ = _PACES[pace]
    slots: list[tuple[float, float, bool]] = []
    bar = 0
    while bar < piece.n_bars:
        span = int(rng.choice([2, 4])) if pace != "syllabic" else int(rng.choice([1, 2]))
        end = (bar + span) * piece.meter
        rest = float(rng.choice([0.5, 1.0, 1.5, 2.0, 3.0]))  # beats of rest (and a breath) after it
        phrase = []
        for b in range(bar, bar + span):
            position = 0.0
            for length in rhythms[rng.integers(len(rhythms))]:
                if position >= piece.meter:
                    break
                length = min(length, piece.meter - position)
                phrase.append((b * piece.meter + position, length))
                position += length
        phrase = [(s, length) for s, length in phrase if s < end - rest - 0.25]
        if phrase:
            last_start = phrase[-1][0]
            phrase[-1] = (last_start, end - rest - last_start)  # the phrase's last note is held to the rest
            slots += [(s, length, i == len(phrase) - 1) for i, (s, length) in enumerate(phrase)]
        bar += span
    return slots


def _sung_line(rng: np.random.Generator, piece: _Piece, singer: Singer, pace: str) -> tuple[list[Note], list[int]]:
    """A melody for ``singer`` on the piece's scale: notes and the number of notes of each phrase.

    Steps are mostly seconds and thirds, with now and then a leap; strong beats lean on the tones
    of the bar's chord; each phrase rises, then falls back.
    """
    legato = rng.uniform(*_PACES[pace][2])
    centre = rng.uniform(singer.low + 4, singer.high - 4)
    degree = int(round((centre - 12 - piece.tonic) / 12 * piece.steps))
    notes: list[Note] = []
    phrases, count = [], 0
    for start, length, last in _phrase_lengths(rng, piece, pace):
        rising = count < 3
        step = int(rng.choice([-2, -1, 0, 1, 2, 3, -3], p=[0.12, 0.28, 0.1, 0.28, 0.12, 0.05, 0.05]))
        degree += abs(step) if rising and rng.random() < 0.6 else step
        if abs(start - round(start)) < 1e-6 and rng.random() < 0.5:  # lean on a chord tone on the beat
            root = piece.chord_at(int(start // piece.meter))
            degree = min((root + k + piece.steps * octave for k in (0, 2, 4) for octave in range(-1, 9)),
                         key=lambda d: abs(d - degree))
        midi = piece.pitch(degree, 0)
        while midi > singer.high:
            degree -= piece.steps
            midi = piece.pitch(degree, 0)
        while midi < singer.low:
            degree += piece.steps
            midi = piece.pitch(degree, 0)
        sung = length * piece.beat * (1.0 if last else legato)
        notes.append((piece.humanise(start * piece.beat), sung, float(midi), rng.uniform(0.45, 1.0)))
        count += 1
        if last:
            phrases.append(count)
            count = 0
    if count:
        phrases.append(count)
    return notes, phrases


def _place(vocal: np.ndarray, mix: np.ndarray, level_db: float) -> np.ndarray:
    """``vocal`` scaled to ``level_db`` above the accompaniment ``mix`` (as it is when ``mix`` is silent)."""
    if not vocal.any():
        return vocal
    reference = rms(mix) if mix.any() else rms(vocal)
    return vocal / rms(vocal) * reference * 10 ** (level_db / 20)


def _a_cappella(rng: np.random.Generator, n: int, sr: int, cond: Conditions, style: str) -> tuple[np.ndarray, MusicPlan]:
    """One singer alone (sometimes a second a third above), or a hummed tune."""
    hum = style == "humming"
    pace = _pick(rng, {"held": 0.4, "lyrical": 0.6} if hum else {"held": 0.15, "lyrical": 0.4, "syllabic": 0.45})
    piece = _Piece(rng, n / sr, style, tempo=_PACES[pace][0], waltz=0.2, scales=_SCALES)
    singer = random_singer(rng, manner=_pick(rng, {"pop": 0.5, "folk": 0.5}) if hum else None)
    notes, phrases = _sung_line(rng, piece, singer, pace)
    mode = "hum" if hum else _pick(rng, {"words": 0.8, "vocalise": 0.07, "la": 0.13})
    duet = not hum and rng.random() < 0.15

    plan = piece.finish(None, 0.0)

    def overdub(mix: np.ndarray) -> np.ndarray:
        text = lyrics(rng, phrases, mode)
        voice = sing(rng, singer, notes, text, n=n, sr=sr, pre_roll=piece.pre_roll, hum=hum)
        plan.details["voice"] = voice
        if duet:  # a second singer a third (two scale steps) above, same words
            second = random_singer(rng, manner=singer.manner)
            upper = [(s + rng.normal(0, 0.015), length, _third_above(piece, midi), v) for s, length, midi, v in notes]
            voice = voice + _place(sing(rng, second, upper, text, n=n, sr=sr, pre_roll=piece.pre_roll), voice, -3.0)
        return voice

    plan.details.update(notes=notes, pace=pace, singer=singer)
    return _mix(rng, plan, n, sr, overdub), plan


def _third_above(piece: _Piece, midi: float) -> float:
    """The scale tone two steps above ``midi`` (a third in a diatonic scale)."""
    pitches = sorted(piece.pitch(d, 0) for d in range(-piece.steps, 12 * piece.steps))
    above = [p for p in pitches if p > midi]
    return float(above[1]) if len(above) > 1 else float(midi + 4)


def _voice_chords(piece: _Piece, chords: list[tuple[float, float, int]], ranges: list[tuple[int, int]],
                  rng: np.random.Generator) -> list[list[Note]]:
    """Notes of each part singing ``chords`` ``(start s, length s, root degree)`` in ``ranges``
    (highest part first).

    Each part takes the chord tone nearest its previous note (voice leading), one that no part
    above it sings and the lowest part (the root) will not, while there is one; the highest moves
    by chord tones up or down now and then (the tune).
    """
    parts: list[list[Note]] = [[] for _ in ranges]
    previous = [(low + high) / 2 for low, high in ranges]
    for start, length, root in chords:
        classes = {piece.pitch(root + k, 0) % 12 for k in (0, 2, 4)}
        bass = {piece.pitch(root, 0) % 12}
        taken: set[int] = set()
        for i, (low, high) in enumerate(ranges):
            wanted = bass if i == len(ranges) - 1 else (classes - taken - bass or classes - taken or classes)
            candidates = [m for m in range(low, high + 1) if m % 12 in wanted]
            aim = previous[i] + (rng.choice([-3, 0, 3]) if i == 0 else 0)
            midi = min(candidates, key=lambda m: abs(m - aim)) if candidates else previous[i]
            parts[i].append((start, length, float(midi), rng.uniform(0.6, 0.85)))
            previous[i] = midi
            taken.add(int(midi) % 12)
    return parts


def _ensemble(rng: np.random.Generator, singers: list[Singer], notes: list[Note], text, *, n: int, sr: int,
              pre_roll: float) -> np.ndarray:
    """Several singers on one part: each a little early or late and a few cents off."""
    out = np.zeros(n)
    for singer in singers:
        own = [(s + rng.normal(0, 0.02), length, midi, v * rng.uniform(0.85, 1.0)) for s, length, midi, v in notes]
        # A choir's upper harmonics blur together in the hall: 5.5 kHz is enough, and halves the cost.
        out += sing(rng, singer, own, text, n=n, sr=sr, pre_roll=pre_roll, fmax=min(0.45 * sr, 5500.0))
    return out


def _choir(rng: np.random.Generator, n: int, sr: int, cond: Conditions, style: str) -> tuple[np.ndarray, MusicPlan]:
    """Parts in harmony holding the chords of a progression, in a reverberant hall."""
    piece = _Piece(rng, n / sr, style, tempo=(50, 100), waltz=0.2, scales=_SCALES)
    voicing = _pick(rng, {"mixed": 0.65, "upper": 0.2, "male": 0.15})
    kinds = {"mixed": ("soprano", "alto", "tenor", "bass"), "upper": ("child", "alto", "alto"),
             "male": ("tenor", "tenor", "baritone", "bass")}[voicing]
    beats = float(rng.choice([1.0, 2.0, 4.0]))  # chord length
    chords, t = [], 0.0
    while t < piece.n_bars * piece.meter:
        end_of_phrase = (t + beats) % (2 * piece.meter) < 1e-6
        sung = beats * piece.beat * (rng.uniform(0.75, 0.9) if end_of_phrase else rng.uniform(0.93, 1.0))
        chords.append((t * piece.beat, sung, piece.chord_at(int(t // piece.meter)) + int(rng.choice([0, 0, 0, 2]))))
        t += beats
    ranges = [(low + 2, high - 2) for low, high in (singer_range(kind) for kind in kinds)]
    parts = _voice_chords(piece, chords, ranges, rng)
    mode = _pick(rng, {"words": 0.5, "vocalise": 0.5})
    hall = (rng.uniform(1.5, 3.5), rng.uniform(-6.0, 2.0))

    def overdub(mix: np.ndarray) -> np.ndarray:
        text = lyrics(rng, [len(chords)], mode)
        voices = np.zeros(n)
        for kind, notes in zip(kinds, parts):
            members = [random_singer(rng, kind, "choral") for _ in range(2 if len(kinds) > 3 else int(rng.integers(2, 4)))]
            voices += _ensemble(rng, members, notes, text, n=n, sr=sr, pre_roll=piece.pre_roll)
        plan.details["voices"] = voices
        return reverberate(voices, room_impulse_response(rng, sr, rt60=hall[0], drr_db=hall[1]))

    plan = piece.finish(None, 0.0)
    plan.details.update(parts=parts, chords=chords)
    return _mix(rng, plan, n, sr, overdub), plan


def singer_range(kind: str) -> tuple[int, int]:
    """Comfortable range (MIDI) of a voice type of :data:`speechmusic.data.synth.singing.VOICE_TYPES`."""
    return VOICE_TYPES[kind][0]


def _song(rng: np.random.Generator, n: int, sr: int, cond: Conditions, style: str) -> tuple[np.ndarray, MusicPlan]:
    """A lead singer over an accompaniment, sometimes with backing vocals."""
    pace = _pick(rng, {"held": 0.2, "lyrical": 0.5, "syllabic": 0.3})
    piece = _Piece(rng, n / sr, style, tempo=_PACES[pace][0], waltz=0.1, scales=_SCALES)
    backing = _pick(rng, {"band": 0.45, "ballad": 0.3, "electronic": 0.25})
    groove = None
    if backing == "band":
        piece.chords(str(rng.choice(["guitar", "piano", "organ", "guitar"])), -4.0, str(rng.choice(["block", "arpeggio"])))
        piece.bass(str(rng.choice(["bass", "synth bass"])), -4.0, walking=False)
        groove = str(rng.choice(["rock", "pop", "disco", "halftime"]))
    elif backing == "ballad":
        piece.chords(str(rng.choice(["piano", "guitar", "harp"])), -3.0, str(rng.choice(["arpeggio", "block"])))
        if rng.random() < 0.5:
            piece.chords(str(rng.choice(["strings", "pad"])), -10.0, "block")
    else:
        piece.chords(str(rng.choice(["pad", "saw", "square"])), -5.0, str(rng.choice(["block", "arpeggio"])))
        piece.bass("synth bass", -3.0, walking=False)
        groove = str(rng.choice(["pop", "disco", "halftime", "dnb"]))
    singer = random_singer(rng, manner=_pick(rng, {"pop": 0.6, "folk": 0.25, "classical": 0.15}))
    notes, phrases = _sung_line(rng, piece, singer, pace)
    level = rng.uniform(0.0, 8.0)
    oohs = rng.random() < 0.3

    def overdub(mix: np.ndarray) -> np.ndarray:
        lead = _place(sing(rng, singer, notes, lyrics(rng, phrases, "words"), n=n, sr=sr, pre_roll=piece.pre_roll),
                      mix, level)
        if oohs:  # backing vocals hold the chords on "oo" or "ah", 8-14 dB under the lead
            chords = [(b * piece.bar, piece.bar * 0.95, piece.chord_at(b)) for b in range(piece.n_bars)]
            kinds = ("alto", "tenor") if singer.kind in ("bass", "baritone", "tenor") else ("soprano", "alto")
            parts = _voice_chords(piece, chords, [singer_range(k) for k in kinds], rng)
            backing_voices = sum(_ensemble(rng, [random_singer(rng, k, "pop")], p, lyrics(rng, [len(p)], "vocalise"),
                                           n=n, sr=sr, pre_roll=piece.pre_roll) for k, p in zip(kinds, parts))
            lead = lead + _place(np.asarray(backing_voices, dtype=float), lead, -rng.uniform(8.0, 14.0))
        return lead

    plan = piece.finish(groove, rng.uniform(-6.0, 0.0))
    return _mix(rng, plan, n, sr, overdub), plan


def _rap(rng: np.random.Generator, n: int, sr: int, cond: Conditions, style: str) -> tuple[np.ndarray, MusicPlan]:
    """Talk on the 16th-note grid of a hip-hop beat."""
    trap = rng.random() < 0.4
    piece = _Piece(rng, n / sr, style, tempo=(130, 160) if trap else (80, 100), waltz=0.0,
                   scales=_MINORISH if rng.random() < 0.8 else _MAJORISH)
    piece.bass("synth bass" if trap or rng.random() < 0.5 else "bass", -2.0, walking=False)
    if rng.random() < 0.6:
        piece.chords(str(rng.choice(["pad", "piano", "strings", "organ"])), -8.0, "block")
    if rng.random() < 0.3:
        piece.melody(str(rng.choice(["bell", "piano", "flute", "vibraphone"])), -10.0, 0.4)
    # Trap's half-time flow runs in eighths with 16th bursts; boom bap's in 16ths.
    grid = piece.beat / (2 if trap else 4)
    voice = _random_voice(rng, rhythms=cond.rhythms)
    density = rng.uniform(0.7, 0.95)
    level = rng.uniform(0.0, 6.0)
    slots = []  # (time s, stressed, phrase index)
    per_bar = int(round(piece.bar / grid))
    for bar in range(piece.n_bars):
        phrase, second_bar = bar // 2, bar % 2 == 1
        for k in range(per_bar):
            if second_bar and k >= per_bar - int(rng.integers(2, 5)):
                break  # a breath at the end of each two-bar phrase
            burst = trap and rng.random() < 0.15
            for half in ((0.0, 0.5) if burst else (0.0,)):
                if rng.random() < density:
                    on_beat = k % (per_bar // piece.meter) == 0 and not half
                    slots.append(((bar * per_bar + k + half) * grid + rng.normal(0, 0.006), on_beat, phrase))

    plan = piece.finish("trap" if trap else "boombap", rng.uniform(0.0, 4.0))  # hip-hop drums sit up front

    def overdub(mix: np.ndarray) -> np.ndarray:
        talk = _SpeechPlan(n // _HOP + 2, sr)
        phrases: dict[int, list[float]] = {}  # phrase -> [start, end]
        for i, (time, stressed, phrase) in enumerate(slots):
            t = time - piece.pre_roll
            if t < -0.5 or t > n / sr:
                continue
            following = slots[i + 1][0] if i + 1 < len(slots) else time + grid
            room = min(following - time, 2 * grid)  # the syllable's phones fit before the next one
            loud = 10 ** (-rng.uniform(0, 2) / 20) if stressed else 10 ** (-rng.uniform(2, 7) / 20)
            end = _syllable_on(talk, rng, t, voice, stressed=stressed, level=loud, tempo=room / 0.26 * rng.uniform(0.8, 0.95))
            phrases.setdefault(phrase, [t, end])[1] = end
        talk.phrases = [(start, end) for start, end in phrases.values()]
        talk.voices = [(start, end, voice) for start, end in talk.phrases]
        plan.details["syllables"] = list(talk.syllable_times)
        plan.details["voice"] = _speak(rng, talk, n, sr, soft_limit=True)
        return _place(plan.details["voice"], mix, level)

    plan.details["grid"] = grid
    return _mix(rng, plan, n, sr, overdub), plan


def _syllable_on(plan: _SpeechPlan, rng: np.random.Generator, beat: float, voice, **kwargs) -> float:
    """A syllable (:func:`~speechmusic.data.synth.voice._add_syllable`) whose vowel begins at ``beat``
    seconds, as a rapper's (and a singer's) do; returns when it ends.

    The syllable is built on a scratch plan, then moved so that its vowel lands on the beat (its
    onset consonant before it), to the nearest control frame.
    """
    lead = 0.4  # room for the onset consonant(s) before the vowel
    scratch = _SpeechPlan(int(1.6 * plan.sr / _HOP), plan.sr)
    end = _add_syllable(scratch, rng, lead, voice, **kwargs)
    shift = int(round((beat - scratch.vowel_times[-1]) * plan.sr / _HOP))  # frames
    dt = shift * _HOP / plan.sr
    a, b = max(shift, 0), min(shift + scratch.n_frames, plan.n_frames)
    if b > a:
        part = slice(a - shift, b - shift)
        plan.voicing[a:b] = np.maximum(plan.voicing[a:b], scratch.voicing[part])
        plan.muffle[a:b] = np.minimum(plan.muffle[a:b], scratch.muffle[part])
    plan.formant_keys += [(time + dt, *formants) for time, *formants in scratch.formant_keys]
    plan.noises += [(start + dt, *rest) for start, *rest in scratch.noises]
    plan.syllable_times += [time + dt for time in scratch.syllable_times]
    plan.vowel_times += [time + dt for time in scratch.vowel_times]
    return end + dt


# long: the jingle's sections are drawn in order from one stream (a seed's audio depends on it).
def _dry_jingle(rng: np.random.Generator, n: int, sr: int, *, length: float, whole: bool = False) -> tuple[np.ndarray, MusicPlan]:
    """A jingle of ``length`` seconds: stab, sung phrase or motif over a beat, held final chord.

    ``whole``: the clip starts with the jingle (``n`` samples should then be ``length`` seconds);
    otherwise a clip shorter than the jingle is cut from it at random, a longer one holds it
    after a lead-in of up to 0.3 s.
    """
    piece = _Piece(rng, length, "jingle", tempo=(100, 150), waltz=0.0, scales=_MAJORISH, lead_in=(0.0, 0.0))
    duration = n / sr
    piece.pre_roll = 0.0 if whole else (rng.uniform(0, length - duration) if duration < length
                                        else -rng.uniform(0.0, min(0.3, duration - length)))
    release = 0.3
    chord_start = length - release - rng.uniform(0.25, 0.4) * length  # the final chord rings from here
    stab_end = min(int(rng.choice([1, 2])) * piece.beat, 0.25 * length)
    tonic = [float(piece.pitch(d, 4)) for d in (0, 2, 4, 7)]
    # The stab: a bright chord hit (or three) on the first beat(s).
    hits = [(0.0, 0.4)] + ([(0.75, 0.25), (1.5, 0.5)] if stab_end >= 2 * piece.beat and rng.random() < 0.6 else [])
    stab = _random_timbre(rng, str(rng.choice(["brass", "saw", "square", "organ"])))
    piece.parts.append((stab, [(h * piece.beat, d * piece.beat, m, 0.9) for h, d in hits for m in tonic], 0.0))
    final = _random_timbre(rng, str(rng.choice(["pad", "brass", "strings", "organ", "saw"])))
    piece.parts.append((final, [(chord_start, length - release - chord_start, m, 0.8) for m in tonic], -2.0))
    # The middle: a line rising on the scale in eighths and quarters, its last note on the final chord.
    motif: list[Note] = []
    degree = int(rng.choice([0, 2, 4]))
    for k in range(int((chord_start - stab_end) / (piece.beat / 2))):
        if k and rng.random() < 0.3:
            continue
        degree = (degree + int(rng.choice([1, 2, 2, -1, 3]))) % 10
        motif.append((stab_end + k * piece.beat / 2, piece.beat / 2 * 0.95, float(piece.pitch(degree, 4)), 0.85))
    motif.append((chord_start, length - release - chord_start, float(piece.pitch(7, 4)), 0.9))
    sung = rng.random() < 0.6
    if not sung:
        lead = _random_timbre(rng, str(rng.choice(["bell", "brass", "saw", "vibraphone", "piano"])))
        piece.parts.append((lead, motif, -1.0))
    singers = [random_singer(rng, str(rng.choice(["tenor", "alto", "soprano", "baritone"])), _pick(rng, {"pop": 0.7, "choral": 0.3}))
               for _ in range(int(rng.integers(1, 4)) if sung else 0)]
    beat_level = rng.uniform(-8.0, -2.0)
    plan = piece.finish(None, 0.0)
    plan.total = length
    plan.details.update(chord_start=chord_start, chord=tonic)

    def overdub(mix: np.ndarray) -> np.ndarray:
        extra = np.zeros(n)
        if singers:  # one to three voices, the second a third above, the third an octave below the tune
            text = lyrics(rng, [len(motif)], "words")
            voices = np.zeros(n)
            for i, singer in enumerate(singers):
                line = []
                for start, length_, midi, velocity in motif:
                    midi = _third_above(piece, midi) if i == 1 else midi
                    while midi > singer.high:
                        midi -= 12
                    while midi < singer.low:
                        midi += 12
                    line.append((start, length_, midi, velocity))
                voices += sing(rng, singer, line, text, n=n, sr=sr, pre_roll=piece.pre_roll)
            extra += _place(voices, mix, rng.uniform(0.0, 6.0))
        kit = _drum_kit(rng, sr)
        t = np.arange(int(1.5 * sr)) / sr
        crash = bandpass_noise(rng, t.size, 3000, 12000, sr) * np.exp(-t / rng.uniform(0.5, 1.0))
        crash /= np.max(np.abs(crash)) + 1e-12
        events = [(0.0, crash, 0.8), (0.0, kit["kick"], 1.0), (chord_start, crash, 0.7), (chord_start, kit["kick"], 0.9)]
        beat_time = stab_end
        while beat_time < chord_start - 0.05:  # a beat under the middle section
            events += [(beat_time, kit["kick"], 0.9), (beat_time + piece.beat / 2, kit["hat"], 0.3)]
            if round(beat_time / piece.beat) % 2:
                events.append((beat_time, kit["snare"], 0.8))
            beat_time += piece.beat
        drums = np.zeros(n)
        for time, sample, gain in events:
            start = int(round((time - piece.pre_roll) * sr))
            a, e = max(start, 0), min(start + sample.size, n)
            if e > a:
                drums[a:e] += gain * sample[a - start : e - start]
        return extra + _place(drums, mix + extra, beat_level)

    return _mix(rng, plan, n, sr, overdub), plan
