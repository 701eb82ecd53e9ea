"""Odd but valid signals: very short, silent, DC, clipped, non-finite, absurdly loud or quiet.
Each must give the lab's features (finite, in [0, 1], shape (128, 130)) with the right meaning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import noise, tone, write_audio
from hostile import check_features

from speechmusic.core import audio, features
from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.data import dataset, ingest

SR = 22050
N = DEFAULT_PARAMS.n_samples


def features_of_file(tmp_path, y, subtype="FLOAT", sr=SR, name="clip.wav"):
    path = write_audio(tmp_path / name, y, sr, subtype=subtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # non-finite samples are announced; tested elsewhere
        return dataset.load_audio_file(path)


@pytest.mark.parametrize("subtype", ["PCM_16", "FLOAT"])
@pytest.mark.parametrize("n_samples", [1, 2, 220, 2047, 2048, 2049])  # 220 samples = 10 ms
def test_very_short_clips_are_padded_and_keep_their_content(tmp_path, n_samples, subtype):
    y = tone(2000.0, 1.0)[:n_samples] if n_samples > 1 else np.array([0.5], dtype=np.float32)
    S = features_of_file(tmp_path, y, subtype)
    check_features(S)
    assert S.max() == pytest.approx(1.0)  # the sound is there, at the start
    assert S[:, -10:].max() == S.min()  # and the padding after it is silence (the clip's floor)


@pytest.mark.parametrize("y", [np.zeros(N, np.float32), np.full(N, 1e-40, np.float32),  # silence, denormals
                               np.full(N, np.nan, np.float32), np.full(N, np.inf, np.float32)],
                         ids=["silence", "denormals", "all NaN", "all inf"])
def test_signals_without_usable_energy_give_all_zero_features(tmp_path, y):
    S = features_of_file(tmp_path, y)
    check_features(S)
    assert not S.any()


def test_nan_and_inf_samples_are_replaced_and_announced_naming_the_file(tmp_path):
    y = tone(1000.0)
    y[::1000] = np.nan
    y[500::1000] = -np.inf
    path = write_audio(tmp_path / "glitchy take.wav", y, subtype="FLOAT")
    with pytest.warns(RuntimeWarning, match=r"glitchy take\.wav: 133 non-finite"):
        S = dataset.load_audio_file(path)
    check_features(S)
    clean = tone(1000.0)
    clean[::1000] = 0
    clean[500::1000] = 0
    np.testing.assert_allclose(S, features.clip_features(clean), atol=1e-5)


def test_dc_offset_keeps_the_tone_visible(tmp_path):
    S = features_of_file(tmp_path, tone(1000.0, amplitude=0.3) + 0.6)
    check_features(S)
    clean = features.clip_features(tone(1000.0, amplitude=0.3))
    band = int(np.argmax(clean.mean(axis=1)))
    # the offset adds energy at 0 Hz (lowest band); the tone's band stays within a few dB of the top
    assert S[band].mean() > 0.9
    assert S[0].mean() > 0.9


def test_pure_dc_is_not_mistaken_for_silence(tmp_path):
    S = features_of_file(tmp_path, np.full(N, 0.5, np.float32))
    check_features(S)
    assert S.max() == 1.0 and S[0].mean() > S[-1].mean()


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "FLOAT"])
def test_clipped_signals(tmp_path, subtype):
    # 8x overdriven sine: integer files hold a square-ish wave, float files keep values beyond 1
    S = features_of_file(tmp_path, np.clip(tone(500.0, amplitude=8.0), -1, 1) if subtype != "FLOAT"
                         else tone(500.0, amplitude=8.0), subtype)
    check_features(S)
    assert S.max() == pytest.approx(1.0)


@pytest.mark.parametrize("peak", [1e6, 1e20, 3.4e38])
def test_absurdly_loud_float_files_give_finite_features(tmp_path, peak):
    # Float WAVs may hold any finite value; a broken editor can write 1e20. The features are
    # relative to each clip's loudest bin, so they must be those of the same sound at a sane level.
    loud = (tone(1000.0, amplitude=1.0) * np.float32(peak)).astype(np.float32)
    S = features_of_file(tmp_path, loud)
    check_features(S)
    np.testing.assert_allclose(S, features.clip_features(tone(1000.0, amplitude=1.0)), atol=1e-4)


def test_absurdly_loud_samples_in_batch_features_directly():
    clips = np.stack([tone(440.0) * np.float32(1e30), tone(440.0)])
    out = features.batch_features(clips)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0], out[1], atol=1e-4)


def test_very_quiet_recordings_keep_their_shape(tmp_path):
    # -120 dBFS: far below 16-bit resolution, fine in float; scale does not matter to the features
    S = features_of_file(tmp_path, tone(1000.0, amplitude=1e-6) + noise(amplitude=1e-8))
    check_features(S)
    reference = features.clip_features(tone(1000.0, amplitude=0.5) + noise(amplitude=5e-3))
    assert int(np.argmax(S.mean(axis=1))) == int(np.argmax(reference.mean(axis=1)))


def test_a_silent_recording_adds_no_clips_when_ingested(tmp_path):
    source = tmp_path / "src"
    write_audio(source / "room tone.wav", np.zeros(10 * SR, np.float32))
    report = ingest.prepare_from_folder(source, data_dir=tmp_path / "data", label="speech", split="train",
                                        progress=False)
    assert report.files == 1 and report.clips_written == 0 and not report.failed
    assert not (tmp_path / "data" / "train" / "speech").exists() or not any(
        (tmp_path / "data" / "train" / "speech").iterdir())


def test_long_recording_only_its_middle_is_decoded_and_features_are_valid(tmp_path):
    # 70 s (> MAX_DECODE_SECONDS): a 400 Hz first half, 3 kHz second half; the clip comes from the middle
    y = np.concatenate([tone(400.0, 35.0), tone(3000.0, 35.0)])
    S = features_of_file(tmp_path, y, "PCM_16")
    check_features(S)
    low, high = (features.clip_features(tone(f)).mean(axis=1).argmax() for f in (400.0, 3000.0))
    # the window straddles the change in the middle: the low tone first, the high one after
    assert S[:, :40].mean(axis=1).argmax() == low and S[:, -40:].mean(axis=1).argmax() == high


def test_fit_to_clip_and_features_reject_wrong_shapes_clearly():
    from speechmusic.core.errors import ParameterError

    with pytest.raises(ParameterError):
        audio.fit_to_clip(np.zeros((2, 100), np.float32))
    with pytest.raises(ParameterError, match="fit_to_clip"):
        features.clip_features(np.zeros(1000, np.float32))
    with pytest.raises(ParameterError):
        features.batch_features(np.zeros((2, 3, N), np.float32))


def test_batch_features_never_changes_the_callers_array():
    clips = np.stack([tone(440.0) * np.float32(1e30), tone(440.0), tone(880.0)])
    clips[2, ::100] = np.nan
    before = clips.copy()
    features.batch_features(clips)
    np.testing.assert_array_equal(clips, before)
