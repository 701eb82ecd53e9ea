"""Finished clips: a dry talker or piece through the recording chain (:func:`synthesize_speech`, :func:`synthesize_music`)."""

from __future__ import annotations

import numpy as np

from speechmusic.data.synth.common import _synthesize, _to_output
from speechmusic.data.synth.conditions import DEFAULT_CONDITIONS, LAB, Conditions
from speechmusic.data.synth.effects import mix_at_snr, recording_chain
from speechmusic.data.synth.music import MusicPlan, _dry_music
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


def _render_music(rng: np.random.Generator, n: int, sr: int, cond: Conditions = LAB) -> tuple[np.ndarray, MusicPlan]:
    mix, plan = _dry_music(rng, n, sr, cond)
    y = recording_chain(mix, rng, sr, cond.music_chain, voice=_babble_voice(cond), record=plan.conditions)
    return _to_output(y, rng), plan
