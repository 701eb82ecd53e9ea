"""The shipped model on twelve kinds of sound that are neither speech nor music (issue 19).

Each kind (tests/neither_kinds.py: generated here, independently of the package's synthetic
generator) is played for 8 s; ``predict`` must call the file noise or silence, and ``segment`` must
label nearly all of its time so. Before the four labels, 6 of these were called music and 4 speech;
now 11 of the 12 are right.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_audio
from neither_kinds import KINDS

from speechmusic.apps.pipeline import load_default_classifier, predict_file
from speechmusic.apps.segmentation import segment_signal

NOT_SPEECH_OR_MUSIC = {"noise", "silence"}


@pytest.fixture(scope="module")
def shipped():
    return load_default_classifier()


#: Kinds the shipped model still gets wrong (docs/model-card.md, "Known failures"): strict, so the
#: test says so when one starts passing. A hum of 50, 100, 150 and 250 Hz over a faint hiss is heard
#: as a held bass chord (p(music) about 0.7); hums in the training set's noise (clean, buzzing, on
#: hiss, with missing harmonics) did not move it.
KNOWN_FAILURES = {"50 Hz hum"}


@pytest.mark.parametrize("kind", [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason="known failure"))
                                  if k in KNOWN_FAILURES else k for k in sorted(KINDS)])
def test_each_kind_of_neither_is_called_noise_or_silence(kind, shipped, tmp_path):
    y = KINDS[kind](8.0, np.random.default_rng(sorted(KINDS).index(kind)))
    path = write_audio(tmp_path / "neither.wav", y)
    prediction = predict_file(path, shipped)
    assert prediction.label in NOT_SPEECH_OR_MUSIC, f"{kind}: {prediction.label} {prediction.probabilities}"
    if kind == "digital silence":
        assert prediction.label == "silence" and prediction.silent_fraction == 1.0

    result = segment_signal(y, shipped)
    labelled = sum(s.end - s.start for s in result.segments if s.label in NOT_SPEECH_OR_MUSIC)
    assert labelled >= 0.9 * y.size / shipped.params.sample_rate, f"{kind}: {result.segments}"
