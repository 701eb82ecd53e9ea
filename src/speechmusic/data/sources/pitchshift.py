"""The original lab's fallback "music": LibriSpeech speech, pitch-shifted. NOT real music.

The original lab's download script had no music download and offered, as "test music", speech
shifted up or down in pitch. A classifier trained on that learns "unusual pitch, phase-vocoder
artefacts", not "music", and fails on real recordings. It is kept as an explicitly labelled
option (menu option 2), for comparison and for teaching that very point:
every clip's file name starts with ``pitchshifted-speech``, the manifest's ``source`` column says
``pitchshift``, and its licence column says the audio is derived speech.

* Audio: LibriSpeech (see :mod:`speechmusic.data.sources.librispeech`), by default the ``test-clean``
  subset, whose speakers differ from those of the ``dev-clean`` speech clips.
* Licence: CC BY 4.0, derived from LibriSpeech (attribute LibriSpeech; note the modification).
* Transform: :func:`librosa.effects.pitch_shift` by a number of semitones chosen per utterance
  from :data:`SEMITONES` (deterministic: the same utterance always gets the same shift).

Speakers follow the same train/test rule as the speech source and share its assignment (a
speaker whose speech is in train has its shifted speech in train too), so no voice crosses the
split.
"""

from __future__ import annotations

import hashlib

import numpy as np

from speechmusic.data.sources.engine import ArchiveSource, Item, collect
from speechmusic.data.sources.librispeech import classify as classify_speech
from speechmusic.data.sources.librispeech import utterance_source

DEFAULT_SUBSET = "test-clean"
#: Shifts in semitones: far enough from the speaker's own pitch to be audible, within an octave.
SEMITONES = (-7, -5, -4, 4, 5, 7, 12)
LICENCE = (
    "CC BY 4.0; derived (pitch-shifted speech, NOT music) from the LibriSpeech ASR corpus (c) 2014 "
    "Vassil Panayotov et al., https://www.openslr.org/12"
)


def classify(name: str) -> Item | None:
    """A LibriSpeech utterance, relabelled as the fallback's "music".

    Examples
    --------
    >>> classify("LibriSpeech/test-clean/1089/134686/1089-134686-0000.flac").stem
    'pitchshifted-speech-1089-134686-0000'
    """
    item = classify_speech(name)
    if item is None:
        return None
    return Item(label="music", group=item.group, original=item.original,
                stem="pitchshifted-speech-" + item.stem.removeprefix("librispeech-"))


def semitones_for(original: str) -> int:
    """The shift applied to an utterance (stable across runs and machines)."""
    digest = hashlib.sha256(original.encode("utf-8")).digest()
    return SEMITONES[digest[0] % len(SEMITONES)]


def shift_clip(clip: np.ndarray, item: Item, sample_rate: int) -> np.ndarray:
    """Pitch-shift one clip, keeping its length."""
    import librosa  # heavy (its effects load numba-compiled code); only this fallback source needs it

    shifted = librosa.effects.pitch_shift(np.asarray(clip, dtype=np.float32), sr=sample_rate,
                                          n_steps=semitones_for(item.original))
    peak = float(np.max(np.abs(shifted))) if shifted.size else 0.0
    if peak > 0.99:  # the vocoder can overshoot; scale rather than clip
        shifted = shifted * (0.99 / peak)
    return shifted.astype(np.float32, copy=False)


def source(subset: str = DEFAULT_SUBSET) -> ArchiveSource:
    """Pitch-shifted LibriSpeech ``subset`` as the (fake) music class."""
    return utterance_source(name="pitchshift", title=f"pitch-shifted LibriSpeech {subset} (NOT real music)",
                            licence=LICENCE, subset=subset, label="music", classify=classify,
                            transform=shift_clip)


def fetch(data_dir, *, n_train: int = 60, n_test: int = 20, subset: str = DEFAULT_SUBSET, **options):
    """Add pitch-shifted speech to ``data_dir/*/music``. See :func:`~speechmusic.data.sources.engine.collect`."""
    return collect(source(subset), data_dir, n_train=n_train, n_test=n_test, **options)
