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

from speechmusic.data.synth.clips import (
    synthesize_jingle,
    synthesize_music,
    synthesize_noise,
    synthesize_silence,
    synthesize_speech,
)
from speechmusic.data.synth.common import LICENCE, README_NAME, SOURCE_NAME, SYNTH_VERSION
from speechmusic.data.synth.writer import (
    build_synthetic_dataset,
    clip_name,
    clip_rng,
    conditions_in,
    synthesize_clip,
)

__all__ = [
    "synthesize_speech", "synthesize_music", "synthesize_jingle", "synthesize_noise", "synthesize_silence",
    "synthesize_clip", "clip_rng", "clip_name", "conditions_in",
    "build_synthetic_dataset", "SYNTH_VERSION", "README_NAME", "SOURCE_NAME", "LICENCE",
]
