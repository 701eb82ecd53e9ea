"""Property-based tests (hypothesis): whatever the length, rate, channel count, sample format or
content, decoding + features give finite values in [0, 1] of shape (128, 130), or a clear
AudioError/ParameterError. Never NaN, never an unexpected exception."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import soundfile as sf
from hostile import check_features
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speechmusic.core import audio, features
from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.core.errors import AudioError, ParameterError

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMMON_RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000]
SUBTYPES = ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"]
CONTENTS = ["noise", "tone", "silence", "dc", "impulse", "clipped", "non-finite", "huge", "tiny"]


def make_signal(rng: np.random.Generator, content: str, frames: int, channels: int, sr: int) -> np.ndarray:
    if frames == 0:
        return np.zeros((0, channels))
    t = (np.arange(frames) / sr)[:, None]
    if content == "noise":
        y = 0.3 * rng.standard_normal((frames, channels))
    elif content == "tone":
        y = 0.5 * np.sin(2 * np.pi * rng.uniform(50, sr / 2) * t + rng.uniform(0, 6, channels))
    elif content == "silence":
        y = np.zeros((frames, channels))
    elif content == "dc":
        y = np.full((frames, channels), rng.uniform(-1, 1))
    elif content == "impulse":
        y = np.zeros((frames, channels))
        y[rng.integers(frames)] = 1.0
    elif content == "clipped":
        y = np.clip(8 * np.sin(2 * np.pi * 220 * t), -1, 1) * np.ones(channels)
    elif content == "non-finite":
        y = 0.3 * rng.standard_normal((frames, channels))
        y[rng.integers(frames, size=max(1, frames // 10))] = rng.choice([np.nan, np.inf, -np.inf])
    elif content == "huge":
        y = 1e30 * rng.standard_normal((frames, channels))
    else:  # tiny
        y = 1e-30 * rng.standard_normal((frames, channels))
    return y


@st.composite
def recordings(draw):
    sr = draw(st.sampled_from(COMMON_RATES) | st.integers(1000, 192000))
    seconds = draw(st.sampled_from([0.0, 0.001, 0.01]) | st.floats(0.0, 4.5))
    frames = int(round(seconds * sr))
    channels = draw(st.integers(1, 6))
    subtype = draw(st.sampled_from(SUBTYPES))
    content = draw(st.sampled_from(CONTENTS))
    seed = draw(st.integers(0, 2**32 - 1))
    return sr, frames, channels, subtype, content, seed


def encode(sr, frames, channels, subtype, content, seed) -> bytes:
    y = make_signal(np.random.default_rng(seed), content, frames, channels, sr)
    if subtype not in ("FLOAT", "DOUBLE"):
        y = np.clip(np.nan_to_num(y), -1, 1)  # integer files cannot hold anything else
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf.write(buffer, y.astype(np.float64), sr, subtype=subtype, format="WAV")
    return buffer.getvalue()


@SETTINGS
@given(recordings())
def test_any_wav_gives_valid_features_or_a_clear_error(recording):
    sr, frames, channels, subtype, content, seed = recording
    data = encode(*recording)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # non-finite samples are announced
        try:
            clip = audio.load_clip_from_bytes(data, name="generated.wav")
        except AudioError as error:
            assert frames == 0, f"only an empty file may fail, got: {error}"
            assert "generated.wav" in str(error)
            return
        S = features.clip_features(clip)
    assert frames > 0
    assert clip.shape == (DEFAULT_PARAMS.n_samples,) and clip.dtype == np.float32
    check_features(S)
    if content == "silence" or (content == "tiny" and subtype not in ("FLOAT", "DOUBLE")):
        assert not S.any()  # nothing to hear: all zeros, not amplified noise


@SETTINGS
@given(recordings())
def test_decode_from_a_path_equals_decode_from_memory(tmp_path_factory, recording):
    data = encode(*recording)
    path = tmp_path_factory.mktemp("p") / "rec.wav"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            from_path = audio.decode(path)
        except AudioError:
            with pytest.raises(AudioError):
                audio.decode(io.BytesIO(data))
            return
        np.testing.assert_array_equal(from_path, audio.decode(io.BytesIO(data)))
    assert np.isfinite(from_path).all()


SPECIALS = [np.nan, np.inf, -np.inf, 3.4e38, -3.4e38, 1e-45, 0.0]


@st.composite
def signals(draw):
    length = draw(st.sampled_from([0, 1, 2047, 2048, 66149, 66150, 66151]) | st.integers(0, 200_000))
    scale = 10.0 ** draw(st.integers(-40, 38))
    kind = draw(st.sampled_from(["noise", "tone", "zeros", "constant"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "noise":
        y = rng.standard_normal(length)
    elif kind == "tone":
        y = np.sin(np.arange(length) * rng.uniform(0.01, 3.0))
    elif kind == "zeros":
        y = np.zeros(length)
    else:
        y = np.ones(length)
    with np.errstate(over="ignore"):
        y = (y * scale).astype(np.float32)
    for index, value in draw(st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(SPECIALS)), max_size=5)):
        if length:
            y[index % length] = value
    return y


@SETTINGS
@given(signals())
def test_any_mono_signal_gives_valid_features(y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        clip = audio.fit_to_clip(y)
        S = features.clip_features(clip)
    check_features(S)
    batch = features.batch_features(np.stack([clip, clip]))
    np.testing.assert_array_equal(batch[0], S)


@SETTINGS
@given(st.lists(st.integers(0, 70_000), min_size=0, max_size=3).filter(lambda s: s != [DEFAULT_PARAMS.n_samples]))
def test_features_of_anything_but_one_clip_is_a_parameter_error(shape):
    with pytest.raises(ParameterError):
        features.clip_features(np.broadcast_to(np.float32(0), shape))  # any shape, no memory


@SETTINGS
@given(sample_rate=st.integers(-10**6, 0), offset=st.floats(-1e6, -1e-9))
def test_impossible_decode_parameters_are_parameter_errors(tmp_path_factory, sample_rate, offset):
    path = tmp_path_factory.mktemp("d") / "ok.wav"
    path.write_bytes(encode(22050, 100, 1, "PCM_16", "tone", 0))
    with pytest.raises(ParameterError):
        audio.decode(path, sample_rate=sample_rate)
    with pytest.raises(ParameterError):
        audio.decode(path, offset=offset)
