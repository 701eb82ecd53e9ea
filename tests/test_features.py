import dataclasses

import librosa
import numpy as np
import pytest
from conftest import noise, tone, write_audio

from speechmusic.core import feature_kinds, features, mel
from speechmusic.core.audio import decode, fit_to_clip
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import ParameterError


def test_shape_dtype_range_of_the_lab_parameters():
    S = features.clip_features(noise())
    assert S.shape == (128, 130) == DEFAULT_PARAMS.shape
    assert S.dtype == np.float32
    assert S.min() >= 0.0 and S.max() == pytest.approx(1.0)


def test_matches_librosa_recipe():
    y = noise(amplitude=0.1) + tone(300, amplitude=0.3)
    reference = librosa.feature.melspectrogram(y=y, sr=22050, n_fft=2048, hop_length=512, n_mels=128)
    np.testing.assert_allclose(features.mel_power(y), reference, rtol=2e-3, atol=1e-6 * reference.max())
    db = librosa.power_to_db(reference, ref=np.max, top_db=80.0)
    np.testing.assert_allclose(features.clip_features(y), (db + 80.0) / 80.0, atol=1e-4)


# The filter bank and window are computed here (importing librosa.filters and scipy.signal costs
# ~2 s of CPU per process); they must stay the libraries' values bit for bit, or the shipped model's
# features would change.
MEL_GRID = [(sr, n_fft, n_mels, fmin, fmax)
            for sr in (8000, 16000, 22050, 44100)
            for n_fft in (256, 1024, 2048)
            for n_mels in (20, 64, 128)
            for fmin, fmax in ((0.0, None), (30.0, None), (300.0, 3400.0))]


@pytest.mark.parametrize("sr, n_fft, n_mels, fmin, fmax", MEL_GRID)
def test_mel_filter_bank_is_librosas_bit_for_bit(sr, n_fft, n_mels, fmin, fmax):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns about empty filters at small n_fft; same values
        reference = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    params = FeatureParams(sample_rate=sr, n_fft=n_fft, hop_length=n_fft // 4, n_mels=n_mels, fmin=fmin, fmax=fmax)
    basis = mel.mel_filter_bank(params)
    assert basis.dtype == np.float32 and basis.flags.c_contiguous and not basis.flags.writeable
    np.testing.assert_array_equal(basis, reference)
    edges = mel.mel_band_edges(params)
    np.testing.assert_array_equal(edges, librosa.mel_frequencies(n_mels=n_mels + 2, fmin=fmin, fmax=fmax or sr / 2))


def test_mel_scale_is_slaneys_both_ways():
    hz = np.array([0.0, 100.0, 999.0, 1000.0, 1001.0, 4000.0, 11025.0, 24000.0])
    np.testing.assert_array_equal(mel.hz_to_mel(hz), librosa.hz_to_mel(hz))
    mels = np.linspace(0.0, 60.0, 241)
    np.testing.assert_array_equal(mel.mel_to_hz(mels), librosa.mel_to_hz(mels))
    np.testing.assert_allclose(mel.mel_to_hz(mel.hz_to_mel(hz)), hz, rtol=1e-12)
    assert float(mel.hz_to_mel(1000.0)) == pytest.approx(15.0)  # where the linear part ends


@pytest.mark.parametrize("n_fft", [256, 400, 511, 512, 1024, 2048, 4096])
def test_window_is_scipys_periodic_hann_bit_for_bit(n_fft):
    import scipy.signal

    np.testing.assert_array_equal(mel.hann_window(n_fft),
                                  scipy.signal.get_window("hann", n_fft, fftbins=True).astype(np.float32))


def test_computing_features_imports_neither_librosa_nor_scipy_signal():
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from speechmusic.core.features import batch_features\n"
            "batch_features(np.zeros((2, 66150), np.float32))\n"
            "print(sorted(m for m in ('librosa', 'numba', 'scipy.signal') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_silence_gives_zeros_not_nan():
    S = features.clip_features(np.zeros(DEFAULT_PARAMS.n_samples, dtype=np.float32))
    assert np.isfinite(S).all() and not S.any()


def test_loudness_does_not_change_features():
    y = noise(amplitude=0.5)
    np.testing.assert_allclose(features.clip_features(y), features.clip_features(y * 0.01), atol=1e-4)


def _band_of(frequency: float) -> int:
    centres = librosa.mel_frequencies(n_mels=130, fmin=0, fmax=11025)[1:-1]  # 128 band centres
    return int(np.argmin(np.abs(centres - frequency)))


@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100, 48000, 96000])
def test_1khz_tone_lands_in_the_1khz_band_at_every_input_rate(tmp_path, sr):
    path = write_audio(tmp_path / f"tone{sr}.wav", tone(1000, 3.0, sr=sr), sr)
    S = features.clip_features(fit_to_clip(decode(path)))
    loudest_band = int(np.argmax(S.mean(axis=1)))
    assert abs(loudest_band - _band_of(1000)) <= 1


def test_batch_equals_single():
    clips = np.stack([noise(seed=s) for s in range(3)])
    batch = features.batch_features(clips, chunk=2)
    for clip, row in zip(clips, batch):
        np.testing.assert_allclose(features.clip_features(clip), row, atol=1e-6)


def test_every_chunk_size_gives_the_same_values_bit_for_bit():
    # The feature cache and the shipped model's reproduction rely on features not depending on
    # how many clips were computed together.
    clips = np.stack([noise(seed=s) for s in range(5)] + [tone(440.0 * (k + 1)) for k in range(2)])
    reference = features.batch_features(clips, chunk=1)
    for chunk in (2, 3, 8):
        assert np.array_equal(features.batch_features(clips, chunk=chunk), reference)


def test_results_never_share_memory_with_the_reused_scratch_arrays():
    first = features.batch_features(np.stack([noise(seed=1), noise(seed=2)]))
    kept = first.copy()
    features.batch_features(np.stack([tone(300.0), tone(3000.0)]))  # same shapes: same scratch arrays
    assert np.array_equal(first, kept)
    mel = features.mel_power(noise(seed=3))
    assert not any(np.shares_memory(mel, a) for a in features._SCRATCH.__dict__.get("arrays", {}).values())


def test_threads_computing_at_once_get_the_values_of_one_thread():
    from concurrent.futures import ThreadPoolExecutor

    batches = [np.stack([noise(seed=10 * b + k) for k in range(4)]) for b in range(6)]
    serial = [features.batch_features(b) for b in batches]
    with ThreadPoolExecutor(3) as pool:
        threaded = list(pool.map(features.batch_features, batches))
    assert all(np.array_equal(a, b) for a, b in zip(serial, threaded))


def test_requests_larger_than_the_scratch_limit_get_fresh_arrays(monkeypatch):
    clips = np.stack([noise(seed=s) for s in range(3)])
    reference = features.batch_features(clips, chunk=1)
    monkeypatch.setattr(features, "_SCRATCH", type(features._SCRATCH)())  # this thread starts empty
    monkeypatch.setattr(features, "SCRATCH_LIMIT", 1000)
    assert np.array_equal(features.batch_features(clips, chunk=3), reference)
    assert not features._SCRATCH.__dict__.get("arrays")  # nothing kept


def test_batch_replaces_non_finite():
    clip = noise()
    clip[10] = np.nan
    assert np.isfinite(features.batch_features(clip[None])).all()


def test_wrong_lengths_are_rejected_with_a_hint():
    with pytest.raises(ParameterError, match="fit_to_clip"):
        features.clip_features(np.zeros(1000))
    with pytest.raises(ParameterError):
        features.batch_features(np.zeros((2, 10)))


def test_other_parameters_give_other_shapes():
    params = FeatureParams(n_mels=64, duration=1.0)
    S = features.clip_features(noise(1.0), params=params)
    assert S.shape == params.shape == (64, 44)


def test_flatten_and_pooled_vectors():
    X = np.random.default_rng(0).random((5, 128, 130))
    flat = feature_kinds.to_vectors(X, kind="flat")
    assert flat.shape == (5, 16640)
    np.testing.assert_array_equal(flat[2].reshape(128, 130), X[2])
    pooled = feature_kinds.to_vectors(X, kind="pooled")
    assert pooled.shape == (5, 256)
    np.testing.assert_allclose(pooled[:, :128], X.mean(axis=2))
    np.testing.assert_allclose(pooled[:, 128:], X.std(axis=2))
    with pytest.raises(ParameterError, match="pooled"):
        feature_kinds.to_vectors(X, kind="wavelet")


def test_params_key_changes_with_any_parameter():
    keys = {FeatureParams().key(), FeatureParams(n_mels=64).key(), FeatureParams(top_db=60).key(), FeatureParams(hop_length=256).key()}
    assert len(keys) == 4
    assert FeatureParams().key() == DEFAULT_PARAMS.key()
    assert DEFAULT_PARAMS.n_samples == 66150 and DEFAULT_PARAMS.n_frames == 130


def test_pooled_features_ignore_the_zero_padding_of_a_short_file():
    # Why snippets survive: a 1-s sound padded to 3 s pools like the sound on its own.
    from speechmusic.core.features import batch_features, mel_power, normalize, pooled_features

    y = noise(1.0, seed=2) * (np.arange(22050) % 5000 < 2500)  # bursts: bands move over time
    alone = pooled_features(normalize(mel_power(y, params=dataclasses.replace(DEFAULT_PARAMS, duration=1.0))))
    padded = batch_features(np.pad(y, (0, DEFAULT_PARAMS.n_samples - 22050))[np.newaxis])
    every_frame = np.concatenate([padded.mean(axis=2), padded.std(axis=2)], axis=1)
    assert np.abs(pooled_features(padded) - alone).max() < 0.06  # edge frames differ a little
    assert np.abs(every_frame - alone).max() > 0.2  # pooling the padding too is far off
    assert not pooled_features(np.zeros((1, 128, 130), dtype=np.float32)).any()  # silence stays zeros


def test_normalize_from_log_powers_gives_normalize_s_values():
    rng = np.random.default_rng(2)
    mel_power = rng.random((3, 16, 20)).astype(np.float32) ** 6
    mel_power[1] = 0.0  # a clip with no energy
    mel_power[2, :, :5] = 1e-14  # below AMIN
    logs = features.log_power(mel_power)
    np.testing.assert_array_equal(features.normalize_log(logs, top_db=60.0), features.normalize(mel_power, top_db=60.0))
    assert not features.normalize_log(logs)[1].any()
    with pytest.raises(ParameterError):
        features.normalize_log(logs, top_db=0.0)
