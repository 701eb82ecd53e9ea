"""The lab's fixed audio and feature parameters: the one place they are defined.

Normalisation of a clip's mel-spectrogram (the exact recipe, also in docs/dataset.md):

1. mel power spectrogram ``S`` (``n_fft=2048``, ``hop_length=512``, ``n_mels=128``, Slaney mel
   filters, ``center=True`` with zero padding) of the 3-second mono clip at 22050 Hz;
2. decibels relative to the clip's loudest bin: ``D = 10 * log10(max(S, 1e-10) / max(S))``;
3. values below ``-top_db`` (80 dB) are raised to ``-top_db``;
4. ``X = (D + top_db) / top_db``, so the loudest bin is 1.0 and anything 80 dB quieter is 0.0.

A clip with no energy at all (digital silence) gives all zeros. Because the scale is fixed
(80 dB -> [0, 1]) rather than stretched per clip, quiet hiss in a near-silent clip is not blown up
to full contrast. For every clip whose dynamic range reaches 80 dB (nearly all real audio), this
equals "power_to_db(ref=max, top_db=80) then min-max to [0, 1]".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import asdict, dataclass

from speechmusic.core.errors import ParameterError
from speechmusic.core.labels import LAB_CLASSES

#: The lab's class names, indexed by label: music = 0, speech = 1 (defined in
#: :mod:`speechmusic.core.labels`, with the tools' four labels).
CLASS_NAMES: tuple[str, str] = LAB_CLASSES
#: The lab's label of each class name.
LABELS: dict[str, int] = {name: i for i, name in enumerate(CLASS_NAMES)}
#: Order of the classes in a loaded split: speech examples first, then music, as the lab's
#: ``load_dataset`` has always returned them (labels stay music = 0, speech = 1).
LOAD_ORDER: tuple[str, str] = ("speech", "music")
#: The dataset's split folders.
SPLITS: tuple[str, str] = ("train", "test")


@dataclass(frozen=True)
class FeatureParams:
    """Everything that determines a clip's features.

    Two clips processed with equal ``FeatureParams`` are comparable; the feature cache and saved
    models are keyed by :meth:`key`.

    Parameters
    ----------
    sample_rate : int
        Rate every input is resampled to, in Hz.
    duration : float
        Clip length in seconds; longer inputs are windowed, shorter ones zero-padded.
    n_mels, n_fft, hop_length : int
        Mel-spectrogram parameters.
    top_db : float
        Dynamic range mapped onto [0, 1].
    fmin, fmax : float
        Frequency range of the mel filters (``fmax=None`` means ``sample_rate / 2``).

    Examples
    --------
    >>> FeatureParams().shape
    (128, 130)
    """

    sample_rate: int = 22050
    duration: float = 3.0
    n_mels: int = 128
    n_fft: int = 2048
    hop_length: int = 512
    top_db: float = 80.0
    fmin: float = 0.0
    fmax: float | None = None

    @property
    def n_samples(self) -> int:
        """Samples in one clip (66150 for the defaults)."""
        return int(round(self.sample_rate * self.duration))

    @property
    def n_frames(self) -> int:
        """Spectrogram frames of one clip (130 for the defaults, ``center=True``)."""
        return 1 + self.n_samples // self.hop_length

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of one clip's features, ``(n_mels, n_frames)``."""
        return (self.n_mels, self.n_frames)

    def as_dict(self) -> dict:
        """Plain dictionary of the parameters (JSON-serialisable)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> FeatureParams:
        """Validated parameters from :meth:`as_dict` output (e.g. read from JSON or a model file).

        The same as :func:`params_from_dict`: unknown keys, values of the wrong type and
        combinations that cannot make a spectrogram raise :class:`~speechmusic.core.errors.ParameterError`.

        >>> FeatureParams.from_dict({"sample_rate": 16000}).sample_rate
        16000
        """
        return params_from_dict(values)

    def key(self) -> str:
        """Short stable hash of every parameter, for cache folders and model files."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_INT_FIELDS = {"sample_rate", "n_mels", "n_fft", "hop_length"}


def params_from_dict(values: dict) -> FeatureParams:
    """Rebuild :class:`FeatureParams` from :meth:`FeatureParams.as_dict` output (e.g. read from JSON).

    Raises
    ------
    ParameterError
        A key this version does not know, or a value it cannot use.
    """
    if not isinstance(values, dict):
        raise ParameterError(f"feature parameters must be a mapping, got {type(values).__name__}")
    known = {f.name for f in dataclasses.fields(FeatureParams)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(f"unknown feature parameter(s) {', '.join(unknown)}")
    clean = {}
    try:
        for key, value in values.items():
            if value is None and key == "fmax":
                clean[key] = None
            elif key in _INT_FIELDS:
                if float(value) != int(value):
                    raise ValueError(f"{key} must be a whole number")
                clean[key] = int(value)
            else:
                clean[key] = float(value)
    except (TypeError, ValueError) as error:
        raise ParameterError(f"bad feature parameter value: {error}") from None
    params = FeatureParams(**clean)
    problems = []
    if params.sample_rate <= 0 or params.duration <= 0:
        problems.append("sample_rate and duration must be positive")
    if params.n_mels <= 0 or params.n_fft <= 0 or params.hop_length <= 0:
        problems.append("n_mels, n_fft and hop_length must be positive")
    if params.top_db <= 0:
        problems.append("top_db must be positive")
    nyquist = params.sample_rate / 2
    fmax = nyquist if params.fmax is None else params.fmax
    if not 0 <= params.fmin < fmax <= nyquist + 1e-9:
        problems.append(f"need 0 <= fmin < fmax <= {nyquist:g} Hz")
    if params.n_samples < params.n_fft // 2 + 1:
        problems.append("the clip is shorter than one spectrogram frame")
    if problems:
        raise ParameterError("; ".join(problems))
    return params


#: The lab's parameters: 22050 Hz, 3 s, 128 mel bands, n_fft 2048, hop 512 -> (128, 130).
DEFAULT_PARAMS = FeatureParams()

#: Name of the environment variable that points at the data folder.
DATA_ENV_VAR = "SPEECHMUSIC_DATA"
