"""The feature kinds: how spectrograms become a classifier's inputs. The one registry.

A kind is a function from normalised mel-spectrograms ``(m, n_mels, frames)`` to vectors
``(m, n_features)``, the length of those vectors, whether it exists for windows of any length,
and the training settings that suit it. Model files name their kind; ``train --features``,
``to_vectors`` and the model-file checks all read this table, so adding a kind is adding a row.

========  ======  ===========================================================================
kind      values  what it describes
========  ======  ===========================================================================
flat      16640   every spectrogram pixel (the lab's representation; 3-s clips only)
pooled    256     each mel band's mean and spread over time
dynamics  42      how the sound moves: cepstral change, spectral flux, onsets, harmonic continuity
prosody   87      dynamics, the pitch track (voicing, held notes) and the modulation spectrum
========  ======  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.dynamics import dynamics_features, dynamics_length, prosody_features, prosody_length
from speechmusic.core.errors import ParameterError
from speechmusic.core.features import flatten_features, pooled_features

#: The feature kind ``train`` and the shipped model use unless told otherwise: it generalises best to
#: real recordings of sources never seen in training, singing and sound that is neither included
#: (leave-one-source-out on ../shared/real-world, docs/features.md).
DEFAULT_FEATURE_KIND = "prosody"


@dataclass(frozen=True)
class FeatureKind:
    """One kind of classifier input.

    Attributes
    ----------
    name : str
        What model files and ``train --features`` call it.
    vectors : callable
        ``vectors(X, params)``: spectrograms ``(m, n_mels, frames)`` to ``(m, length)``.
    length : callable
        ``length(params)``: values per vector.
    any_window : bool
        True when the vectors are statistics over time, which exist for windows of any length
        (``segment --window``); False when they are tied to the training clip length.
    learning_rate, num_iterations, standardize
        The training settings that suit it (``speechmusic train``'s defaults).
    summary : str
        One line for help texts.
    """

    name: str
    vectors: Callable[[np.ndarray, FeatureParams], np.ndarray]
    length: Callable[[FeatureParams], int]
    any_window: bool
    learning_rate: float
    num_iterations: int
    standardize: bool
    summary: str


#: Every kind, by name. Standardised kinds take a large step (the same leave-one-source-out
#: accuracy from 250 to 4000 iterations for dynamics); flat spectrogram pixels are the lab's raw
#: [0, 1] inputs and need the lab's small step.
FEATURE_KIND_TABLE: dict[str, FeatureKind] = {kind.name: kind for kind in (
    FeatureKind("flat", lambda X, params: flatten_features(X), lambda params: params.n_mels * params.n_frames,
                any_window=False, learning_rate=0.005, num_iterations=2000, standardize=False,
                summary="every spectrogram pixel (16640)"),
    FeatureKind("pooled", lambda X, params: pooled_features(X), lambda params: 2 * params.n_mels,
                any_window=True, learning_rate=0.1, num_iterations=1000, standardize=True,
                summary="mean and std of each mel band over time (256)"),
    FeatureKind("dynamics", lambda X, params: dynamics_features(X, params=params), lambda params: dynamics_length(),
                any_window=True, learning_rate=0.1, num_iterations=1000, standardize=True,
                summary="how the sound moves: spread and change of cepstra, spectral flux, onsets, harmonic "
                        "continuity (42)"),
    FeatureKind("prosody", lambda X, params: prosody_features(X, params=params), lambda params: prosody_length(),
                any_window=True, learning_rate=0.1, num_iterations=1000, standardize=True,
                summary="dynamics plus the pitch track (voicing, held notes, glides) and the modulation "
                        "spectrum of the band envelopes (87)"),
)}
#: The kinds' names.
FEATURE_KINDS: tuple[str, ...] = tuple(FEATURE_KIND_TABLE)


def feature_kind(name: str) -> FeatureKind:
    """The kind called ``name`` (:class:`~speechmusic.core.errors.ParameterError` naming the kinds there are)."""
    if name not in FEATURE_KIND_TABLE:
        raise ParameterError(f"unknown feature kind {name!r}; choose one of {', '.join(FEATURE_KINDS)}")
    return FEATURE_KIND_TABLE[name]


def to_vectors(X: np.ndarray, *, kind: str = "flat", params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Turn spectrograms into classifier inputs of the given ``kind`` (one of :data:`FEATURE_KINDS`).

    ``params`` are the spectrograms' parameters (used by the kinds that read frame rates and band
    frequencies).
    """
    return feature_kind(kind).vectors(X, params)


def feature_length(kind: str, params: FeatureParams = DEFAULT_PARAMS) -> int:
    """Length of one feature vector of ``kind`` for clips described by ``params``.

    Examples
    --------
    >>> [feature_length(k) for k in FEATURE_KINDS]
    [16640, 256, 42, 87]
    """
    return feature_kind(kind).length(params)
