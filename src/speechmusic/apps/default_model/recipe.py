"""The recipe of the shipped default model: what it is trained on and how (:class:`Recipe`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

#: The credits file written beside a model file: ``<stem>-ATTRIBUTION.md``.
ATTRIBUTION_SUFFIX = "-ATTRIBUTION.md"
#: Name of the measurement on the calibration mixes (speech over music, scored leave-pair-out).
MIX_CONDITION = "speech over music"
#: Name recorded in the shipped model file (``model_name``), shown by predict/segment/evaluate.
DEFAULT_MODEL_NAME = "speechmusic default model"


@dataclass(frozen=True)
class Recipe:
    """How the default model is trained (stored in the model file, so a file says how it was made).

    Attributes
    ----------
    feature_kind : str
        Feature vectors (:func:`speechmusic.core.features.to_vectors`).
    train_hop : float
        Seconds between the starts of the 3-s training windows cut from real clips and their
        copies (windows at 1 s give three times as many, overlapping, views of each clip).
    synthetic_seed, synthetic_per_class : int
        The synthetic set's seed and training clips per label (``download_samples.py --source
        synthetic`` makes seed 0, 60 per label).
    synthetic_conditions : str
        The synthetic set's preset (:mod:`speechmusic.data.synth.conditions`).
    synthetic_labels : tuple of str
        The labels of the synthetic clips used.
    synthetic_styles : tuple of (str, int)
        Further synthetic music clips of these styles (:data:`speechmusic.data.synth.songs.
        MUSIC_STYLES`), that many of each: the real set has one a cappella singer, so singing is
        what the synthetic set must carry (leave-one-source-out: the held-out singer called music
        far more often with them, docs/model-card.md).
    mixes_per_speech_clip : int
        Speech-over-music mixes made from each real speech clip (0: none).
    mix_levels_db : tuple of float
        Music level relative to the speech in the mixes, used in turn.
    noisy_copies, telephone_copies : bool
        Add a noisy copy (white or brown noise, SNR drawn from ``copy_snr_db``) / a telephone copy
        (8 kHz, 300-3400 Hz) of every real clip, with the clip's label (measured, not used by the
        shipped model: docs/model-card.md).
    copy_snr_db : (float, float)
        Range of the noisy copies' SNR.
    seed : int
        Seed of the augmentation choices (which music under which speech, offsets, noise).
    """

    feature_kind: str = "prosody"
    train_hop: float = 1.0
    synthetic_seed: int = 0
    synthetic_per_class: int = 60
    synthetic_conditions: str = "world"
    synthetic_labels: tuple = ("speech", "music", "noise")
    synthetic_styles: tuple = (("a-cappella", 240), ("humming", 30), ("choir", 30), ("rap", 40), ("jingle", 40))
    mixes_per_speech_clip: int = 2
    mix_levels_db: tuple = (-5.0, -10.0, -15.0, -20.0)
    noisy_copies: bool = False
    telephone_copies: bool = False
    copy_snr_db: tuple = (5.0, 20.0)
    seed: int = 0

    def with_synthetic_size(self, per_label: int) -> Recipe:
        """The recipe with ``per_label`` synthetic clips per label and its style clips scaled alike.

        For quick measurements (benchmarks' small modes, tests): each style keeps at least one clip.
        """
        scale = per_label / self.synthetic_per_class if self.synthetic_per_class else 1.0
        styles = tuple((style, max(1, int(round(count * scale))) if count else 0) for style, count in self.synthetic_styles)
        return dataclasses.replace(self, synthetic_per_class=int(per_label), synthetic_styles=styles)

    def as_dict(self) -> dict:
        return {k: _as_lists(v) for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, record: dict) -> Recipe:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: _as_tuples(v) for k, v in record.items() if k in names})


def _as_lists(value):
    return [_as_lists(v) for v in value] if isinstance(value, (tuple, list)) else value


def _as_tuples(value):
    return tuple(_as_tuples(v) for v in value) if isinstance(value, (tuple, list)) else value


#: The recipe of the shipped model.
DEFAULT_RECIPE = Recipe()
