"""The two kinds of synthetic set: the lab's clips, and clips that look like the world's recordings.

:mod:`speechmusic.data.synth` renders every clip under a :class:`Conditions` preset, which says what
the talkers and the music are like and what happens to the sound on its way to the file:

``"lab"`` (the default; the lab's dataset, the demo and the notebook)
    English-like talkers reading at 3-6 syllables per second, Western band, piano, orchestra,
    solo, electronic and beat music; mostly close microphones in small rooms, quiet noise floors,
    some band limiting (16-kHz, 11-kHz, telephone band). The lab's models (a weight per
    spectrogram pixel, or band means and spreads) are meant to reach 75-90 % on its test split.

``"world"`` (for training a model for people's recordings: ``--conditions world``)
    Talkers of four rhythm families (stress-, syllable- and mora-timed languages and tone
    languages: :mod:`speechmusic.data.synth.prosody`), running speech, read prompts with silence
    around them and isolated words, 12 % of them over a music bed 10-25 dB down; music also
    from other traditions (modes, drones, hand drums: :mod:`speechmusic.data.synth.styles`). The
    recording chain adds far-field rooms, loud backgrounds at 0-20 dB SNR (babble, cafe,
    street, hum, hiss), telephone lines with real codecs (G.711, GSM 06.10, G.721) and mp3,
    Vorbis and Opus at low bit rates (:mod:`speechmusic.data.synth.effects`).

The two presets use different clip names (``synthetic-...`` and ``synthetic-world-...``) and
random streams, and one data folder holds only one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from speechmusic.core.errors import ParameterError
from speechmusic.data.synth.effects import ChainSettings
from speechmusic.data.synth.prosody import RHYTHM_WEIGHTS

#: Channels of the lab's clips: full band or a resampled recording's cut-off, a plain telephone
#: band (no codec), a codec's low-pass.
_LAB_BANDWIDTHS = (("full", 0.65), ("16k", 0.17), ("11k", 0.07), ("telephone", 0.06), ("lowpass", 0.05))
_PLAIN_TELEPHONE = (("none", 1.0),)
#: Shares of the kinds of sound that are neither speech nor music (synth.noise.NOISE_KINDS): nature
#: and ambience most (they are most of what people record that is neither), then machines and
#: people, then test signals.
NOISE_SHARES = {
    "white": 0.02, "pink": 0.02, "brown": 0.02, "hum": 0.04, "fan": 0.04, "static": 0.03, "clicks": 0.03,
    "sweep": 0.02, "tone": 0.03, "dtmf": 0.02, "beeps": 0.03, "siren": 0.03, "engine": 0.05, "machinery": 0.04,
    "traffic": 0.04, "rain": 0.05, "wind": 0.05, "water": 0.05, "waves": 0.03, "fire": 0.04, "thunder": 0.02,
    "birds": 0.05, "insects": 0.03, "applause": 0.04, "crowd": 0.04, "typing": 0.03, "footsteps": 0.03, "ambience": 0.08,
}
#: Loud backgrounds under a noise clip: never talkers (under a sparse sound, even a cafe's are heard: speech).
_NOISE_BACKGROUNDS = {"noise_kinds": ("hiss", "hum", "street"), "noise_weights": (0.4, 0.25, 0.35)}


@dataclass(frozen=True)
class Conditions:
    """A preset of the synthetic set: content mixes and recording chains.

    Attributes
    ----------
    name : str
        "lab" or "world".
    speech_chain, music_chain : ChainSettings
        The recording situations of each class (:func:`speechmusic.data.synth.effects.recording_chain`).
    speech_over_music : float
        Share of speech clips spoken over a music bed.
    music_bed_db : (float, float)
        Level of the bed below the voice (dB).
    rhythms : dict
        Shares of the rhythm families of :data:`speechmusic.data.synth.prosody.RHYTHMS`.
    speaking_styles : dict
        Shares of "running" speech, read "prompt"s with silence around them, isolated "words".
    music_styles : dict
        Shares of the music styles of :func:`speechmusic.data.synth.music._plan_music`.
    sung_styles : dict
        Shares of the styles of :mod:`speechmusic.data.synth.songs` (a cappella, humming, choir,
        song, rap, jingle) among music clips, carved out of the top of each classic style's share
        (:func:`speechmusic.data.synth.music._draw_style`), so a clip that keeps its classic style
        is the clip it was. Music beds under speech draw classic styles only.
    soft_pitch_limit : bool
        Bend a talker's pitch smoothly into 80-250 Hz (True) or clip it there (version 1).
    noise_chain : ChainSettings
        The recording situations of sounds that are neither speech nor music (label "noise").
    noise_kinds : dict
        Shares of the kinds of :data:`speechmusic.data.synth.noise.NOISE_KINDS`.
    """

    name: str
    speech_chain: ChainSettings
    music_chain: ChainSettings
    speech_over_music: float = 0.0
    music_bed_db: tuple[float, float] = (10.0, 25.0)
    rhythms: dict = field(default_factory=lambda: {"stress": 1.0})
    speaking_styles: dict = field(default_factory=lambda: {"running": 1.0})
    music_styles: dict = field(default_factory=lambda: {
        "band": 0.27, "piano": 0.18, "orchestra": 0.18, "solo": 0.12, "electronic": 0.14, "beat": 0.11})
    soft_pitch_limit: bool = False
    sung_styles: dict = field(default_factory=dict)
    noise_chain: ChainSettings = ChainSettings(
        room_probability=0.5, rt60_range=(0.2, 1.2), far_probability=0.0, floor_snr_range=(25.0, 60.0),
        noise_probability=0.0, noise_snr_range=(5.0, 20.0), rumble_probability=0.5,
        bandwidths=_LAB_BANDWIDTHS, telephone_codecs=_PLAIN_TELEPHONE, **_NOISE_BACKGROUNDS,
    )
    noise_kinds: dict = field(default_factory=lambda: dict(NOISE_SHARES))


LAB = Conditions(
    name="lab",
    speech_chain=ChainSettings(
        room_probability=0.5, rt60_range=(0.1, 0.6), far_probability=0.0, floor_snr_range=(18.0, 48.0),
        noise_probability=0.0, noise_snr_range=(0.0, 20.0), rumble_probability=0.8,
        bandwidths=_LAB_BANDWIDTHS, telephone_codecs=_PLAIN_TELEPHONE,
    ),
    music_chain=ChainSettings(
        room_probability=0.75, rt60_range=(0.2, 2.0), far_probability=0.0, floor_snr_range=(30.0, 75.0),
        noise_probability=0.0, noise_snr_range=(5.0, 20.0), rumble_probability=0.35,
        bandwidths=_LAB_BANDWIDTHS, telephone_codecs=_PLAIN_TELEPHONE,
    ),
)

WORLD = Conditions(
    name="world",
    # Speech is more often reverberant, far from the microphone and in loud backgrounds than
    # music, as in the recordings people bring; the channels are the same for both classes, so
    # that they say nothing about the class.
    speech_chain=ChainSettings(
        room_probability=0.6, rt60_range=(0.15, 1.2), far_probability=0.3, floor_snr_range=(18.0, 48.0),
        noise_probability=0.35, noise_snr_range=(0.0, 20.0), rumble_probability=0.8,
    ),
    music_chain=ChainSettings(
        room_probability=0.75, rt60_range=(0.2, 2.0), far_probability=0.2, floor_snr_range=(30.0, 75.0),
        noise_probability=0.25, noise_snr_range=(5.0, 20.0), rumble_probability=0.35,
    ),
    speech_over_music=0.12,
    rhythms=dict(RHYTHM_WEIGHTS),
    speaking_styles={"running": 0.65, "prompt": 0.25, "words": 0.1},
    music_styles={"band": 0.25, "piano": 0.17, "orchestra": 0.16, "solo": 0.12, "electronic": 0.13, "beat": 0.1,
                  "world": 0.07},
    soft_pitch_limit=True,
    sung_styles={"a-cappella": 0.1, "humming": 0.02, "choir": 0.04, "song": 0.08, "rap": 0.05, "jingle": 0.05},
    # Sounds that are neither are often far away and outdoors, through every channel.
    noise_chain=ChainSettings(
        room_probability=0.5, rt60_range=(0.2, 2.0), far_probability=0.4, floor_snr_range=(20.0, 60.0),
        noise_probability=0.3, noise_snr_range=(0.0, 15.0), rumble_probability=0.6, **_NOISE_BACKGROUNDS,
    ),
)

#: The presets by name; the order fixes each preset's random stream (synth.clip_rng).
CONDITIONS = {"lab": LAB, "world": WORLD}
#: The preset of ``build_synthetic_dataset`` and ``--source synthetic`` unless told otherwise.
DEFAULT_CONDITIONS = "lab"


def get_conditions(conditions: str | Conditions) -> Conditions:
    """The preset named ``conditions`` (a :class:`Conditions` passes through)."""
    if isinstance(conditions, Conditions):
        return conditions
    if conditions not in CONDITIONS:
        raise ParameterError(f"conditions must be one of {', '.join(CONDITIONS)}, got {conditions!r}")
    return CONDITIONS[conditions]
