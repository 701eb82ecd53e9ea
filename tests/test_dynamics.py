"""The 'dynamics' feature kind: each family on signals whose answer is known, silence handling,
and the kind through train / predict / evaluate / segment and model files."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SR, noise, tone, write_audio

from speechmusic.core import dynamics as F
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import ParameterError
from speechmusic.core.feature_kinds import to_vectors
from speechmusic.core.features import batch_features, clip_features

FRAME_RATE = SR / DEFAULT_PARAMS.hop_length


def spectrogram(y: np.ndarray) -> np.ndarray:
    return clip_features(np.asarray(y, dtype=np.float32))


def harmonic_tone(f0: float, seconds: float = 3.0, glide: float = 0.0, vibrato_hz: float = 0.0) -> np.ndarray:
    """A tone with 8 harmonics; ``glide`` octaves over the clip, or a vibrato of ``vibrato_hz`` (a semitone deep)."""
    t = np.arange(int(seconds * SR)) / SR
    f = f0 * 2 ** (glide * t / seconds)
    if vibrato_hz:
        f = f * 2 ** (np.sin(2 * np.pi * vibrato_hz * t) / 12)
    phase = 2 * np.pi * np.cumsum(f) / SR
    y = sum(np.sin(k * phase) / k for k in range(1, 9))
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


def bursts(rate_hz: float, seconds: float = 3.0, jitter: float = 0.0, seed: int = 0) -> np.ndarray:
    """Noise bursts (30 ms attack, decaying) starting ``rate_hz`` times per second, optionally jittered."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * SR), dtype=np.float32)
    burst = noise(0.12, seed=seed) * np.exp(-np.arange(int(0.12 * SR)) / (0.03 * SR)).astype(np.float32)
    start = 0.05
    while start < seconds - 0.15:
        i = int(start * SR)
        y[i : i + burst.size] += burst
        start += (1 + jitter * rng.uniform(-1, 1)) / rate_hz
    return y + 1e-4 * noise(seconds, seed=seed + 1)  # a faint floor: no frame is digital silence


# ------------------------------------------------------------------------------- the families
def test_a_steady_tone_has_no_flux_and_no_cepstral_movement():
    S = spectrogram(tone(440.0))
    interior = S[np.newaxis, :, 3:-3]  # the first and last frames see the clip's edges
    flux = F.flux_statistics(interior)[0]
    assert np.abs(flux[:5]).max() < 1e-4  # mean, spread, quantiles
    assert flux[5] < 0.01  # variation: no change, not a large ratio of two rounding errors
    assert np.abs(F.cepstral_dynamics(interior)).max() < 1e-3
    moving = F.cepstral_dynamics(spectrogram(bursts(4.0)))
    assert moving[0, 0] > 100 * max(np.abs(F.cepstral_dynamics(interior)).max(), 1e-6)


def test_flux_rises_with_onsets():
    steady = F.flux_statistics(spectrogram(tone(440.0))[np.newaxis, :, 3:-3])[0]
    busy = F.flux_statistics(spectrogram(bursts(6.0)))[0]
    assert busy[0] > 10 * steady[0] and busy[1] > 10 * steady[1]  # mean and spread
    assert busy[4] > busy[3]  # 90th percentile above the median: flux comes in bursts


def test_onset_rate_counts_bursts_per_second():
    for rate in (2.0, 4.0, 6.0):
        measured = F.onset_statistics(spectrogram(bursts(rate)), frame_rate=FRAME_RATE)[0, 0]
        assert measured == pytest.approx(rate, abs=0.7)


def test_a_steady_pulse_is_more_regular_than_jittered_bursts():
    regular = F.onset_statistics(spectrogram(bursts(2.0)), frame_rate=FRAME_RATE)[0, 1]
    irregular = np.mean([F.onset_statistics(spectrogram(bursts(2.0, jitter=0.6, seed=s)), frame_rate=FRAME_RATE)[0, 1]
                         for s in range(4)])
    assert regular > 0.6 and regular > irregular + 0.15


def test_harmonic_pattern_persists_for_a_held_note_and_not_for_a_gliding_one():
    n_bands = F.harmonic_bands()
    held = F.harmonic_continuity(spectrogram(harmonic_tone(200.0)), n_bands=n_bands)[0]
    glide = F.harmonic_continuity(spectrogram(harmonic_tone(150.0, glide=1.0, vibrato_hz=5.0)), n_bands=n_bands)[0]
    hiss = F.harmonic_continuity(spectrogram(noise()), n_bands=n_bands)[0]
    # Columns: (mean, std) of the similarity at lags 1, 4, 8 frames; then ripple strength mean, std.
    assert held[4] > 0.95  # the same pattern 8 frames (190 ms) later
    assert glide[4] < held[4] - 0.3  # a voice-like pitch movement decorrelates it
    assert hiss[6] < 0.5 * held[6]  # noise has no harmonic ripples


def test_harmonic_bands_follow_the_parameters():
    assert F.harmonic_bands() == 38
    assert F.harmonic_bands(FeatureParams(n_mels=64)) < 38
    with pytest.raises(ParameterError, match="n_bands"):
        F.harmonic_continuity(np.zeros((1, 128, 130)), n_bands=2)


def test_dynamics_vector_and_its_parameters():
    X = batch_features(np.stack([tone(440.0), noise(), bursts(4.0)]))
    vectors = F.dynamics_features(X)
    assert vectors.shape == (3, F.dynamics_length()) == (3, 42)
    assert np.isfinite(vectors).all()
    assert np.array_equal(to_vectors(X, kind="dynamics"), vectors)
    with pytest.raises(ParameterError, match="bands"):
        F.dynamics_features(X[:, :64])
    with pytest.raises(ParameterError, match="dynamics"):
        to_vectors(X, kind="rhythm")


def test_digital_silence_gives_zeros_not_nan():
    vectors = F.dynamics_features(np.zeros((2, 128, 130), dtype=np.float32))
    assert np.array_equal(vectors, np.zeros_like(vectors))


def test_silent_frames_are_left_out_by_every_family():
    # The same sounding frames, alone or followed / preceded by digital silence (all-zero frames).
    S = spectrogram(bursts(4.0, seconds=3.0) + harmonic_tone(220.0))[np.newaxis, :, 2:82]
    silence = np.zeros((1, 128, 50), np.float32)
    families = (F.cepstral_dynamics, F.flux_statistics, lambda X: F.onset_statistics(X, frame_rate=FRAME_RATE),
                lambda X: F.harmonic_continuity(X, n_bands=38))
    for family in families:
        reference = family(S)
        for padded in (np.concatenate([S, silence], axis=2), np.concatenate([silence, S], axis=2)):
            np.testing.assert_allclose(family(padded), reference, rtol=1e-5, atol=1e-6)


def test_frames_partly_made_of_zeros_are_set_to_silence():
    S = np.full((1, 128, 20), 0.5, np.float32)
    S[0, :, 10] = 0  # one frame of digital silence
    kept = F.analysis_frames(S)[0].any(axis=0)
    # 2 frames at each window edge (n_fft / 2 = 2 hops), 3 on each side of the silent frame
    # (their 2048-sample spans overlap its span).
    assert kept.tolist() == [False] * 2 + [True] * 5 + [False] * 7 + [True] * 4 + [False] * 2
    assert S[0, :, 0].all()  # the input is not modified
    tiny = np.zeros((1, 128, 20), np.float32)
    tiny[0, :, 5:8] = 0.5  # a sound shorter than the edges: kept as it is
    assert np.array_equal(F.analysis_frames(tiny), tiny)


# ------------------------------------------------------------------ the kind through the tools
@pytest.fixture
def dynamics_model(tiny_dataset, tmp_path):
    from speechmusic.apps.pipeline import save_classifier, train_classifier
    from speechmusic.data.dataset import load_split

    X, y, _ = load_split(tiny_dataset, "train", progress=False)
    return save_classifier(train_classifier(X, y, feature_kind="dynamics", num_iterations=300), tmp_path / "dyn.npz")


def test_train_defaults_to_prosody_and_predict_evaluate_use_it(tiny_dataset, tmp_path, capsys):
    import json

    from speechmusic import cli
    from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND, feature_length, load_classifier

    assert DEFAULT_FEATURE_KIND == "prosody" and feature_length("prosody") == 87 and feature_length("dynamics") == 42
    model = tmp_path / "m.npz"
    assert cli.main(["train", "--data-dir", str(tiny_dataset), "--model", str(model), "--quiet"]) == 0
    clf = load_classifier(model)
    assert clf.feature_kind == "prosody" and clf.model.coef_.shape == (87,)
    capsys.readouterr()
    assert cli.main(["evaluate", "--data-dir", str(tiny_dataset), "--model", str(model), "--json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["feature_kind"] == "prosody" and report["accuracy"] == 1.0  # tones vs noise
    music = write_audio(tmp_path / "tune.wav", tone(330.0, 7.0))
    talk = write_audio(tmp_path / "talk.wav", noise(2.0, seed=9))
    assert cli.main(["predict", str(music), str(talk), "--model", str(model), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    results = out if isinstance(out, list) else out.get("files", out)
    assert [r["label"] for r in results] == ["music", "speech"]


def test_segment_with_a_dynamics_model_any_window(dynamics_model, tmp_path):
    from model_helpers import write_recording

    from speechmusic.apps.pipeline import load_classifier
    from speechmusic.apps.segmentation import segment_file

    path, truth = write_recording(tmp_path / "show.wav", [("music", 8.0), ("speech", 8.0), ("music", 8.0)])
    clf = load_classifier(dynamics_model)
    for window in (None, 2.0):
        result = segment_file(path, clf, window=window)
        assert [s.label for s in result.segments] == ["music", "speech", "music"]
        for segment, (start, end, _) in zip(result.segments, truth):
            assert abs(segment.start - start) <= 2.5 and abs(segment.end - end) <= 2.5


def test_old_model_files_still_load_and_run(tiny_dataset, tmp_path):
    from model_helpers import save_model

    from speechmusic.apps.pipeline import load_classifier
    from speechmusic.data.dataset import load_split

    X, y, _ = load_split(tiny_dataset, "test", progress=False)
    for kind in ("pooled", "flat"):
        clf = load_classifier(save_model(tiny_dataset, tmp_path / f"{kind}.npz", kind=kind))
        assert clf.feature_kind == kind
        assert np.array_equal(clf.speech_probability(X) > 0.5, y == 1)


def test_a_dynamics_file_with_the_wrong_number_of_weights_is_refused(dynamics_model, tmp_path):
    from speechmusic.apps.pipeline import ModelFileError, load_classifier
    from speechmusic.core.model import LogisticRegression

    model, meta = LogisticRegression.load(dynamics_model)
    model.coef_ = model.coef_[:40]
    model.mean_, model.scale_ = model.mean_[:40], model.scale_[:40]
    broken = model.save(tmp_path / "broken.npz", **{k: v for k, v in meta.items() if k not in {
        "format", "package_version", "learning_rate", "num_iterations", "standardize", "record_every", "costs"}})
    with pytest.raises(ModelFileError, match="40 weights"):
        load_classifier(broken)


# --- the prosody kind's families: pitch and modulation ---------------------------------------------


def harmonic(f0, seconds: float = 3.0, intonation: float = 0.0) -> np.ndarray:
    """A harmonic sound (11 partials falling 1/k) on ``f0``; ``intonation`` semitones: its pitch rises and
    falls by that much three times a second, as a speaking voice's keeps moving."""
    t = np.arange(int(seconds * SR)) / SR
    pitch = f0 * 2 ** (intonation * np.sin(2 * np.pi * 3.0 * t) / 12)
    phase = 2 * np.pi * np.cumsum(pitch) / SR
    return (0.3 * sum(np.sin(k * phase) / k for k in range(1, 12))).astype(np.float32)


@pytest.mark.parametrize("f0", [110.0, 196.0, 330.0])
def test_the_pitch_track_finds_a_harmonic_sound_s_pitch_within_a_quarter_semitone(f0):
    pitch, strength = F.pitch_track(spectrogram(harmonic(f0)))
    voiced = strength[0] >= F.VOICING_THRESHOLD
    assert voiced.mean() > 0.9
    assert np.abs(12 * np.log2(pitch[0, voiced] / f0)).max() <= 0.25


def test_pitch_statistics_tell_a_held_note_from_a_moving_pitch_and_from_noise():
    held, glide, hiss = F.pitch_statistics(batch_features(np.stack([
        harmonic(220.0), harmonic(150.0, intonation=3.0), noise(3.0, seed=3)])))
    # [voiced share, strength, median move, held share, slow share, longest note, in notes, mean voiced, longest voiced]
    assert held[0] > 0.9 and held[3] > 0.8 and held[5] > 0.5 and held[8] > 0.9
    assert glide[0] > 0.9 and glide[3] < held[3] - 0.3 and glide[5] < held[5]  # voiced, but the pitch never rests
    assert hiss[0] < 0.1 and hiss[8] < 0.1  # no pitch at all


@pytest.mark.parametrize("rate, band", [(1.0, 0), (4.0, 1), (12.0, 2)])
def test_modulation_statistics_put_an_envelope_s_rate_in_its_band(rate, band):
    t = np.arange(3 * SR) / SR
    y = noise(3.0, seed=5) * (0.55 + 0.45 * np.sin(2 * np.pi * rate * t))
    features = F.modulation_statistics(spectrogram(y))[0]
    groups = F.MODULATION_GROUPS + 1
    whole = [features[b * groups + groups - 1] for b in range(len(F.MODULATION_BANDS))]
    assert int(np.argmax(whole)) == band and whole[band] > 0.5
    steady = F.modulation_statistics(spectrogram(noise(3.0, seed=5)))[0]
    assert steady[3 * groups + groups - 1] < 0.3 * features[3 * groups + groups - 1]  # a steady noise hardly moves


def test_prosody_is_dynamics_pitch_and_modulation_and_ignores_padding():
    X = batch_features(np.stack([harmonic(220.0), noise(3.0, seed=1)]))
    vectors = F.prosody_features(X)
    assert vectors.shape == (2, F.prosody_length()) == (2, 87) and np.isfinite(vectors).all()
    np.testing.assert_array_equal(vectors[:, :42], F.dynamics_features(X))
    assert np.array_equal(to_vectors(X, kind="prosody"), vectors)
    # A 1.5-s sound zero-padded to 3 s (a short file) gives the same pitch statistics as with more padding.
    short = harmonic(220.0, seconds=1.5)
    padded = [np.pad(short, (0, 3 * SR - short.size)), np.pad(short, (SR // 2, 3 * SR - short.size - SR // 2))]
    a, b = F.pitch_statistics(batch_features(np.stack(padded)))
    np.testing.assert_allclose(a[:5], b[:5], atol=0.05)
