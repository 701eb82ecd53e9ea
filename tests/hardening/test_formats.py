"""Every bit depth, channel count, sample rate and container the lab promises: the same sound gives
the same features whatever way it was stored."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import write_audio
from hostile import check_features

from speechmusic.core import audio, features
from speechmusic.data import dataset

SECONDS = 3.0


def sound(sr: int, seconds: float = SECONDS) -> np.ndarray:
    """1 kHz + 3 kHz tones that switch on and off (structure in time and frequency, all below 4 kHz)."""
    t = np.arange(int(round(seconds * sr))) / sr
    gate = (np.floor(t * 4) % 2).astype(np.float32)
    y = 0.4 * np.sin(2 * np.pi * 1000 * t) * gate + 0.3 * np.sin(2 * np.pi * 3000 * t) * (1 - gate)
    return y.astype(np.float32)


REFERENCE = features.clip_features(sound(22050))


def same_dominant_bands(S: np.ndarray) -> float:
    """Fraction of frames whose loudest band is (next to) the reference's: 1 kHz or 3 kHz in turn."""
    return float(np.mean(np.abs(S.argmax(axis=0) - REFERENCE.argmax(axis=0)) <= 1))


def assert_same_sound(S: np.ndarray, *, max_mean_difference: float) -> None:
    check_features(S)
    assert same_dominant_bands(S) > 0.9
    assert np.corrcoef(S.ravel(), REFERENCE.ravel())[0, 1] > 0.85
    assert np.abs(S - REFERENCE).mean() < max_mean_difference


@pytest.mark.parametrize("subtype,tolerance", [("PCM_U8", 0.12), ("PCM_16", 1e-3), ("PCM_24", 1e-3),
                                               ("PCM_32", 1e-3), ("FLOAT", 1e-3), ("DOUBLE", 1e-3),
                                               ("ULAW", 0.12), ("ALAW", 0.12)])
def test_every_wav_bit_depth(tmp_path, subtype, tolerance):
    # 8-bit and companded formats have a noise floor ~48 dB down: only the quiet bins may differ
    path = write_audio(tmp_path / f"{subtype}.wav", sound(22050), 22050, subtype=subtype)
    assert_same_sound(dataset.load_audio_file(path), max_mean_difference=tolerance)


@pytest.mark.parametrize("sr", [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000])
def test_every_sample_rate(tmp_path, sr):
    path = write_audio(tmp_path / f"{sr}.wav", sound(sr), sr, subtype="PCM_24")
    y = audio.decode(path)
    assert abs(y.size - 66150) <= 2
    # band-limited at 4 kHz for 8 kHz files: the bins above are silence instead of faint leakage
    assert_same_sound(dataset.load_audio_file(path), max_mean_difference=0.02)


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5, 6])
def test_every_channel_count_is_mixed_down(tmp_path, channels):
    # the sound in the last channel, silence elsewhere: the mix is the sound at 1/channels level,
    # and the features (relative to the loudest bin) are those of the sound itself
    y = np.zeros((int(SECONDS * 22050), channels), np.float32)
    y[:, -1] = sound(22050)
    path = write_audio(tmp_path / f"{channels}ch.wav", y, 22050, subtype="FLOAT")
    assert sf.info(str(path)).channels == channels
    S = dataset.load_audio_file(path)
    np.testing.assert_allclose(S, REFERENCE, atol=1e-4)


def test_many_channels_at_a_high_rate_in_24_bit(tmp_path):
    y = np.tile(sound(96000)[:, None], (1, 6)) * np.linspace(0.2, 1.0, 6, dtype=np.float32)
    path = write_audio(tmp_path / "surround.wav", y, 96000, subtype="PCM_24")
    assert_same_sound(dataset.load_audio_file(path), max_mean_difference=0.05)


@pytest.mark.parametrize(
    "ext,fmt,subtype,sr,tolerance",
    [
        ("flac", "FLAC", "PCM_16", 44100, 0.05),
        ("flac", "FLAC", "PCM_24", 96000, 0.05),
        ("flac", "FLAC", "PCM_S8", 22050, 0.12),
        ("ogg", "OGG", "VORBIS", 44100, 0.08),
        ("ogg", "OGG", "VORBIS", 16000, 0.08),
        ("opus", "OGG", "OPUS", 48000, 0.1),
        ("mp3", "MP3", "MPEG_LAYER_III", 44100, 0.08),
        ("mp3", "MP3", "MPEG_LAYER_III", 8000, 0.12),
        ("aiff", "AIFF", "PCM_16", 48000, 0.05),
        ("au", "AU", "PCM_16", 22050, 0.03),
        ("caf", "CAF", "ALAC_16", 44100, 0.05),
        ("w64", "W64", "FLOAT", 32000, 0.05),
        ("rf64", "RF64", "PCM_32", 44100, 0.05),
    ],
)
def test_compressed_and_other_containers(tmp_path, ext, fmt, subtype, sr, tolerance):
    path = write_audio(tmp_path / f"sound.{ext}", sound(sr), sr, subtype=subtype, format=fmt)
    y = audio.decode(path)
    assert abs(y.size / 22050 - SECONDS) < 0.1  # lossy encoders pad a little
    # lossy codecs shift the clip by their delay and smear the quiet bins: a looser comparison
    S = dataset.load_audio_file(path)
    check_features(S)
    assert same_dominant_bands(S) > 0.8
    assert np.abs(S.mean(axis=1) - REFERENCE.mean(axis=1)).mean() < tolerance


def test_a_dataset_mixing_every_format_loads_in_one_call(tmp_path):
    root = tmp_path / "data"
    variants = [("a.wav", None, "PCM_U8", 8000), ("b.FLAC", "FLAC", "PCM_24", 96000), ("c.Ogg", "OGG", "VORBIS", 44100),
                ("d.MP3", "MP3", "MPEG_LAYER_III", 48000), ("e.aif", "AIFF", "PCM_32", 11025)]
    for split in ("train", "test"):
        for label in ("music", "speech"):
            for name, fmt, subtype, sr in variants:
                write_audio(root / split / label / name, sound(sr), sr, subtype=subtype, format=fmt)
    train_x, train_y, test_x, test_y, classes = dataset.load_dataset(root, progress=False)
    assert train_x.shape == test_x.shape == (10, 128, 130)
    assert np.isfinite(train_x).all() and train_x.min() >= 0 and train_x.max() <= 1
    assert train_y.tolist() == [[1] * 5 + [0] * 5]  # speech first, then music
