"""Finished clips: a dry talker, piece or sound through the recording chain.

:func:`synthesize_speech`, :func:`synthesize_music` (any style, :func:`synthesize_jingle` for a
whole jingle), :func:`synthesize_noise` (sound that is neither) and :func:`synthesize_silence`.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np

from speechmusic.core.errors import ParameterError
from speechmusic.data.synth.common import _check_rng, _check_signal_args, _synthesize, _to_output
from speechmusic.data.synth.conditions import DEFAULT_CONDITIONS, LAB, Conditions, get_conditions
from speechmusic.data.synth.effects import mix_at_snr, recording_chain
from speechmusic.data.synth.music import MusicPlan, _dry_music
from speechmusic.data.synth.noise import NOISE_KINDS, SILENCE_KINDS, NoisePlan, _dry_noise, _silence
from speechmusic.data.synth.songs import CLOSE_STYLES, MUSIC_STYLES, _dry_jingle, _dry_piece
from speechmusic.data.synth.voice import _babble_voice, _dry_speech, _SpeechPlan


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



def synthesize_music(rng: np.random.Generator, *, sample_rate: int = 22050, duration: float = 3.0,
                     conditions: str = DEFAULT_CONDITIONS, style: str | None = None) -> np.ndarray:
    """Synthesise a clip of music: notes on a scale, chords, bass, often drums, often voices.

    Takes the same parameters and returns the same kind of signal as :func:`synthesize_speech`,
    and:

    Parameters
    ----------
    style : str or None
        One of :data:`speechmusic.data.synth.songs.MUSIC_STYLES`: the classic "band", "piano",
        "orchestra", "solo", "electronic", "beat", "world", and the music with voices of
        :mod:`speechmusic.data.synth.songs`: "a-cappella", "humming", "choir", "song", "rap",
        "jingle" (a clip cut from a 3-8 s jingle; :func:`synthesize_jingle` gives a whole one).
        None draws it with the preset's shares (the lab's preset plays classic styles only).

    See Also
    --------
    synthesize_jingle, synthesize_noise

    Examples
    --------
    >>> import numpy as np
    >>> y = synthesize_music(np.random.default_rng(0), sample_rate=16000, duration=1.5)
    >>> y.shape, y.dtype
    ((24000,), dtype('float32'))
    >>> synthesize_music(np.random.default_rng(0), duration=20.0, style="a-cappella").shape
    (441000,)
    """
    if style is not None and style not in MUSIC_STYLES:
        raise ParameterError(f"unknown music style {style!r}; choose one of {', '.join(MUSIC_STYLES)}")
    return _synthesize(partial(_render_music, style=style), rng, sample_rate, duration, conditions)


def synthesize_jingle(rng: np.random.Generator, *, sample_rate: int = 22050, duration: float | None = None,
                      conditions: str = DEFAULT_CONDITIONS) -> np.ndarray:
    """Synthesise a whole jingle (a station ident or stinger): stab, sung phrase or motif, held chord.

    Parameters
    ----------
    rng : numpy.random.Generator
    sample_rate : int
    duration : float or None
        Its length in seconds, at least 1; None draws 3-8 s (the jingles of radio and TV).
    conditions : {"lab", "world"}
        Preset of recording situations (the music's).

    Returns
    -------
    np.ndarray
        float32, ``round(sample_rate * duration)`` samples: the jingle starts at sample 0 and its
        final chord dies away at the end.

    Examples
    --------
    >>> import numpy as np
    >>> y = synthesize_jingle(np.random.default_rng(3))
    >>> 3.0 <= y.size / 22050 <= 8.0
    True
    """
    rng = _check_rng(rng)
    length = rng.uniform(3.0, 8.0) if duration is None else duration
    n = _check_signal_args(sample_rate, length)
    if length < 1.0:
        raise ParameterError(f"a jingle lasts at least 1 s, got {length!r}")
    cond = get_conditions(conditions)
    mix, plan = _dry_jingle(rng, n, int(sample_rate), length=n / sample_rate, whole=True)
    y = recording_chain(mix, rng, int(sample_rate), cond.music_chain, voice=_babble_voice(cond), record=plan.conditions)
    return _to_output(y, rng)


def _render_music(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB,
                  style: str | None = None) -> tuple[np.ndarray, MusicPlan]:
    mix, plan = _dry_piece(rng, n, sr, cond, style)
    chain = cond.music_chain
    if plan.style in CLOSE_STYLES:
        share, rt60 = CLOSE_STYLES[plan.style]
        chain = dataclasses.replace(chain, room_probability=share, rt60_range=rt60)
    y = recording_chain(mix, rng, sr, chain, voice=_babble_voice(cond), record=plan.conditions)
    return _to_output(y, rng), plan


def synthesize_noise(rng: np.random.Generator, *, sample_rate: int = 22050, duration: float = 3.0,
                     conditions: str = DEFAULT_CONDITIONS, kind: str | None = None,
                     options: dict | None = None) -> np.ndarray:
    """Synthesise a clip of sound that is neither speech nor music (the label "noise").

    Ambience, machinery, vehicles, weather, water, animals, applause, a crowd's murmur, tones and
    test signals (:data:`speechmusic.data.synth.noise.NOISE_KINDS`), through the recording chain
    of the preset's ``noise_chain``. Takes the same parameters and returns the same kind of
    signal as :func:`synthesize_speech`, and:

    Parameters
    ----------
    kind : str or None
        A key of :data:`~speechmusic.data.synth.noise.NOISE_KINDS` ("white", "hum", "rain",
        "applause", "tone", ...); None draws one with the preset's shares.
    options : dict or None
        With ``kind``: what to fix instead of drawing, among the kind's options: "hum"
        ``{"mains": 50.0}``, "tone" ``{"frequency": 1000.0}``, "clicks" ``{"regular": True,
        "rate": 4.0}``, "applause" ``{"clappers": 20}``.

    See Also
    --------
    synthesize_silence

    Examples
    --------
    >>> import numpy as np
    >>> y = synthesize_noise(np.random.default_rng(0), kind="rain")
    >>> y.shape, y.dtype
    ((66150,), dtype('float32'))
    """
    if kind is not None and kind not in NOISE_KINDS:
        raise ParameterError(f"unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}")
    if options and kind is None:
        raise ParameterError("options need a noise kind (kind=...)")
    return _synthesize(partial(_render_noise, kind=kind, options=options), rng, sample_rate, duration, conditions)


def _render_noise(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB,
                  kind: str | None = None, options: dict | None = None) -> tuple[np.ndarray, NoisePlan]:
    y, plan = _dry_noise(rng, n, sr, cond, kind, options)
    chain = cond.noise_chain
    if NOISE_KINDS[plan.kind].outdoor:  # out of doors there are no walls to reverberate
        chain = dataclasses.replace(chain, room_probability=0.2 * chain.room_probability)
    y = recording_chain(y, rng, sr, chain, voice=_babble_voice(cond), record=plan.conditions)
    return _to_output(y, rng), plan


def synthesize_silence(rng: np.random.Generator, *, sample_rate: int = 22050, duration: float = 3.0,
                       conditions: str = DEFAULT_CONDITIONS, kind: str | None = None,
                       level_db: float | None = None) -> np.ndarray:
    """Synthesise silence as recordings have it: digital silence, a device's hiss or a room's tone.

    For measuring and testing an energy-floor rule (the tools' "silence" label is decided by the
    level, not learned). Unlike the other clips, the level is not normalised: it is the point.

    Parameters
    ----------
    rng : numpy.random.Generator
    sample_rate : int
    duration : float
    conditions : {"lab", "world"}
        Accepted for symmetry with the other generators; the presets share the silence kinds.
    kind : {"digital", "hiss", "room tone"} or None
        Drawn when None.
    level_db : float or None
        RMS level in dBFS (-140 to -20); None draws it in the kind's range (hiss -90 to -55, room
        tone -80 to -55). Digital silence takes none.

    Returns
    -------
    np.ndarray
        float32, its RMS at ``level_db`` (to a fraction of a dB; all zeros for digital silence).

    Examples
    --------
    >>> import numpy as np
    >>> y = synthesize_silence(np.random.default_rng(0), kind="hiss", level_db=-70.0)
    >>> round(float(20 * np.log10(np.sqrt(np.mean(y.astype(float) ** 2)))), 1)
    -70.0
    """
    rng = _check_rng(rng)
    n = _check_signal_args(sample_rate, duration)
    get_conditions(conditions)
    if kind is not None and kind not in SILENCE_KINDS:
        raise ParameterError(f"unknown silence kind {kind!r}; choose one of {', '.join(SILENCE_KINDS)}")
    return _silence(rng, n, int(sample_rate), kind, level_db)[0].astype(np.float32)
