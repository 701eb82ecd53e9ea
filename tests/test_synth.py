"""Tests of the offline synthetic dataset (speechmusic.data.synth).

Clips are deterministic, so the spectral checks below run on fixed seeds and cannot flake; each
of them would fail if the generator stopped producing the property it checks.
"""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest
import soundfile as sf

from speechmusic.core.errors import ParameterError
from speechmusic.data import synth

SR = 22050
N = 66150


def speech(i: int) -> np.ndarray:
    return synth.synthesize_clip(0, "train", "speech", i)


def music(i: int) -> np.ndarray:
    return synth.synthesize_clip(0, "train", "music", i)


# ------------------------------------------------------------------ signals


@pytest.mark.parametrize("make", [synth.synthesize_speech, synth.synthesize_music])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clip_shape_dtype_and_level(make, seed):
    y = make(np.random.default_rng(seed))
    assert y.shape == (N,)
    assert y.dtype == np.float32
    assert np.all(np.isfinite(y))
    peak = float(np.max(np.abs(y)))
    # Peak-normalised to a random level between -12 and -0.5 dBFS.
    assert 10 ** (-12.1 / 20) <= peak <= 10 ** (-0.49 / 20)


@pytest.mark.parametrize("make", [synth.synthesize_speech, synth.synthesize_music])
@pytest.mark.parametrize("conditions", ["lab", "world"])
@pytest.mark.parametrize("sample_rate", [8000, 16000])
def test_other_rate_and_duration(make, conditions, sample_rate):
    for seed in (3, 4):
        y = make(np.random.default_rng(seed), sample_rate=sample_rate, duration=1.5, conditions=conditions)
        assert y.shape == (int(1.5 * sample_rate),)
        assert np.all(np.isfinite(y)) and np.max(np.abs(y)) <= 1.0


@pytest.mark.parametrize("make", [synth.synthesize_speech, synth.synthesize_music])
def test_same_generator_state_same_clip(make):
    a = make(np.random.default_rng(42))
    b = make(np.random.default_rng(42))
    c = make(np.random.default_rng(43))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_dataset_clips_depend_on_seed_split_label_and_index():
    base = synth.synthesize_clip(0, "train", "speech", 5)
    np.testing.assert_array_equal(base, synth.synthesize_clip(0, "train", "speech", 5))
    for other in (
        synth.synthesize_clip(0, "train", "speech", 6),
        synth.synthesize_clip(0, "test", "speech", 5),
        synth.synthesize_clip(1, "train", "speech", 5),
    ):
        assert not np.allclose(base, other)


@pytest.mark.parametrize(
    "kwargs",
    [dict(duration=0.0), dict(duration=-1.0), dict(duration=float("nan")), dict(sample_rate=4000), dict(sample_rate=22050.5)],
)
def test_bad_signal_arguments(kwargs):
    with pytest.raises(ParameterError):
        synth.synthesize_speech(np.random.default_rng(0), **kwargs)
    with pytest.raises(ParameterError):
        synth.synthesize_music(np.random.default_rng(0), **kwargs)


def test_rng_must_be_a_generator():
    with pytest.raises(ParameterError):
        synth.synthesize_speech(0)
    with pytest.raises(ParameterError):
        synth.synthesize_music(np.random.RandomState(0))


def test_clip_rng_validates_split_and_label():
    with pytest.raises(ParameterError):
        synth.clip_rng(0, "validation", "speech", 0)
    with pytest.raises(ParameterError):
        synth.clip_rng(0, "train", "neither", 0)  # the generator's label is "noise"


# ------------------------------------------------------------------ what the classes sound like


def frame_db(y: np.ndarray, frame: int = 512, hop: int = 256) -> np.ndarray:
    frames = np.lib.stride_tricks.sliding_window_view(y.astype(np.float64), frame)[::hop]
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def test_voiced_speech_pitch_is_in_80_to_250_hz():
    import librosa

    estimates = []
    for i in range(4):
        rng = synth.clip_rng(0, "train", "speech", i)
        y, plan = synth.clips._render_speech(rng, N, SR)
        assert plan.f0.min() >= 80 and plan.f0.max() <= 250
        f0 = librosa.yin(y, fmin=50, fmax=600, sr=SR, frame_length=2048, hop_length=512)
        # Frames where the plan says the vowel is loud (control frames are 64 samples apart).
        voicing = plan.voicing[:: 512 // 64][: f0.size]
        loud = voicing > 0.5 * voicing.max()
        estimates.append(f0[: voicing.size][loud])
    f0 = np.concatenate(estimates)
    assert f0.size > 50
    inside = np.mean((f0 >= 75) & (f0 <= 265))
    assert inside > 0.9, f"only {inside:.0%} of voiced pitch estimates within 75-265 Hz"
    # and the pitch moves (intonation), rather than sitting on one note
    assert np.std(12 * np.log2(f0)) > 1.0


def syllable_band_modulation(y: np.ndarray) -> tuple[float, float]:
    """Envelope peaks per second and the depth (dB) of the envelope's 2.5-8 Hz modulation."""
    import scipy.signal

    rate = SR / 256
    envelope = frame_db(y)
    envelope = np.maximum(envelope, envelope.max() - 45)
    envelope = np.convolve(envelope, np.ones(4) / 4, "same")
    peaks, _ = scipy.signal.find_peaks(envelope, prominence=8, distance=int(0.1 * rate))
    sos = scipy.signal.butter(2, [2.5, 8.0], "bandpass", fs=rate, output="sos")
    depth = float(np.std(scipy.signal.sosfiltfilt(sos, envelope)))
    return len(peaks) / (y.size / SR), depth


def test_speech_envelope_is_modulated_at_syllable_rate():
    speech_stats = np.array([syllable_band_modulation(speech(i)) for i in range(8)])
    music_stats = np.array([syllable_band_modulation(music(i)) for i in range(8)])
    # Loudness rises and falls with the syllables: distinct peaks at a syllabic rate (several
    # syllables merge when no deep dip separates them, as in real read speech)...
    assert 1.3 <= speech_stats[:, 0].mean() <= 6.0
    # ...and a deep 2.5-8 Hz modulation, much deeper than in music.
    assert speech_stats[:, 1].mean() > 3.5
    assert speech_stats[:, 1].mean() > 1.4 * music_stats[:, 1].mean()


def test_speech_has_pauses_music_does_not():
    def quiet_fraction(y):
        level = frame_db(y)
        return np.mean(level < level.max() - 30)

    speech_quiet = np.mean([quiet_fraction(speech(i)) for i in range(8)])
    music_quiet = np.mean([quiet_fraction(music(i)) for i in range(8)])
    assert speech_quiet > 0.1
    assert speech_quiet > 2 * music_quiet


def test_music_onsets_follow_a_steady_tempo():
    import librosa

    hop = 256
    scores = []
    for i in range(8):
        rng = synth.clip_rng(0, "train", "music", i)
        y, plan = synth.clips._render_music(rng, N, SR)
        onset = librosa.onset.onset_strength(y=y, sr=SR, hop_length=hop)
        onset = onset - onset.mean()
        ac = np.correlate(onset, onset, "full")[onset.size - 1 :]
        ac /= ac[0] + 1e-12
        lags = np.arange(ac.size) * hop / SR
        beat = plan.beat
        # Strength of the autocorrelation at the beat (or its half/double) versus at other lags.
        candidates = [m * beat for m in (0.5, 1.0, 2.0) if 0.15 < m * beat < 1.5]
        at_beat = max(ac[np.argmin(np.abs(lags - c))] for c in candidates)
        others = ac[(lags > 0.15) & (lags < 1.5)]
        scores.append(np.mean(others < at_beat))
    # For most clips the beat period is among the strongest periodicities of the onsets.
    assert np.median(scores) > 0.95, scores


def test_music_pitches_are_stable_notes_on_a_scale():
    # The plan's notes are MIDI numbers on the chosen scale (pitch classes within the key).
    for i in range(6):
        rng = synth.clip_rng(0, "train", "music", i)
        _, plan = synth.clips._render_music(rng, N, SR)
        scale = {(plan.tonic + step) % 12 for step in synth.music._SCALES[plan.scale]}
        for _, notes, _ in plan.parts:
            for _, _, midi, _ in notes:
                assert midi == int(midi) and int(midi) % 12 in scale
        assert 40 <= 60 / plan.beat <= 200


# ------------------------------------------------------------------ the dataset on disk


def all_wavs(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.wav"))


def test_build_writes_layout_files_readme_and_manifest(tmp_path):
    summary = synth.build_synthetic_dataset(tmp_path, n_train=3, n_test=2, seed=7, n_jobs=1, progress=False)
    assert summary == {
        "train": {"speech": {"written": 3, "present": 0}, "music": {"written": 3, "present": 0}},
        "test": {"speech": {"written": 2, "present": 0}, "music": {"written": 2, "present": 0}},
    }
    expected = sorted(
        f"{split}/{label}/synthetic-{label}-{split}-{i:04d}.wav"
        for split, count in (("train", 3), ("test", 2))
        for label in ("speech", "music")
        for i in range(count)
    )
    assert all_wavs(tmp_path) == expected
    for name in expected:
        info = sf.info(tmp_path / name)
        assert (info.samplerate, info.channels, info.frames, info.subtype) == (22050, 1, 66150, "PCM_16")
    # The stored audio is the deterministic clip (up to 16-bit rounding).
    stored, _ = sf.read(tmp_path / "test/music/synthetic-music-test-0001.wav", dtype="float32")
    np.testing.assert_allclose(stored, synth.synthesize_clip(7, "test", "music", 1), atol=1.0 / 32768 + 1e-6)

    readme = (tmp_path / synth.README_NAME).read_text()
    assert "synthetic" in readme.lower() and "seed 7" in readme
    with open(tmp_path / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10
    row = next(r for r in rows if r["path"] == "train/speech/synthetic-speech-train-0002.wav")
    assert row["source"] == "synthetic" and row["original"] == "synthetic:7:train:speech:2"
    assert float(row["offset"]) == 0.0 and row["licence"] == "generated (public domain)"


def test_second_run_adds_nothing_and_touches_nothing(tmp_path):
    synth.build_synthetic_dataset(tmp_path, n_train=2, n_test=1, n_jobs=1, progress=False)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()}
    summary = synth.build_synthetic_dataset(tmp_path, n_train=2, n_test=1, n_jobs=1, progress=False)
    assert summary["train"]["speech"] == {"written": 0, "present": 2}
    assert summary["test"]["music"] == {"written": 0, "present": 1}
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


def test_larger_count_only_adds_missing_clips(tmp_path):
    synth.build_synthetic_dataset(tmp_path, n_train=1, n_test=1, n_jobs=1, progress=False)
    first = tmp_path / "train/speech/synthetic-speech-train-0000.wav"
    stamp = (first.stat().st_mtime_ns, first.read_bytes())
    summary = synth.build_synthetic_dataset(tmp_path, n_train=3, n_test=1, n_jobs=1, progress=False)
    assert summary["train"]["speech"] == {"written": 2, "present": 1}
    assert summary["test"]["speech"] == {"written": 0, "present": 1}
    assert (first.stat().st_mtime_ns, first.read_bytes()) == stamp
    assert len(all_wavs(tmp_path)) == 2 * 3 + 2 * 1
    with open(tmp_path / "manifest.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 8


def test_existing_user_files_are_never_overwritten(tmp_path):
    mine = tmp_path / "train" / "speech" / "synthetic-speech-train-0000.wav"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"my own file")
    (tmp_path / synth.README_NAME).write_text("my notes")
    summary = synth.build_synthetic_dataset(tmp_path, n_train=2, n_test=0, n_jobs=1, progress=False)
    assert mine.read_bytes() == b"my own file"
    assert (tmp_path / synth.README_NAME).read_text() == "my notes"
    assert summary["train"]["speech"] == {"written": 1, "present": 1}
    assert not (tmp_path / "train/speech/synthetic-speech-train-0000-2.wav").exists()


def test_parallel_build_writes_the_same_files(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    synth.build_synthetic_dataset(serial, n_train=2, n_test=1, seed=3, n_jobs=1, progress=False)
    synth.build_synthetic_dataset(parallel, n_train=2, n_test=1, seed=3, n_jobs=2, progress=False)
    assert all_wavs(serial) == all_wavs(parallel)
    for name in all_wavs(serial):
        assert (serial / name).read_bytes() == (parallel / name).read_bytes()


def test_zero_clips_is_allowed(tmp_path):
    summary = synth.build_synthetic_dataset(tmp_path, n_train=0, n_test=0, progress=False)
    assert all(v == {"written": 0, "present": 0} for split in summary.values() for v in split.values())
    assert all_wavs(tmp_path) == []


@pytest.mark.parametrize(
    "kwargs",
    [dict(n_train=-1), dict(n_test=-2), dict(n_train=1.5), dict(n_train=True), dict(seed=-1), dict(n_jobs=0), dict(n_jobs="2"),
     dict(conditions="studio")],
)
def test_build_validates_arguments(tmp_path, kwargs):
    with pytest.raises(ParameterError):
        synth.build_synthetic_dataset(tmp_path / "data", progress=False, **kwargs)
    assert not (tmp_path / "data").exists()


def test_build_refuses_a_file_as_data_dir(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ParameterError):
        synth.build_synthetic_dataset(target, n_train=1, n_test=0, progress=False)
    assert target.read_text() == "x"
    assert os.listdir(tmp_path) == ["file"]


# ------------------------------------------------------------------ the "world" preset


def test_world_clips_have_their_own_names_stream_readme_and_manifest(tmp_path):
    synth.build_synthetic_dataset(tmp_path, n_train=2, n_test=1, seed=5, n_jobs=1, progress=False, conditions="world")
    expected = sorted(
        f"{split}/{label}/synthetic-world-{label}-{split}-{i:04d}.wav"
        for split, count in (("train", 2), ("test", 1))
        for label in ("speech", "music")
        for i in range(count)
    )
    assert all_wavs(tmp_path) == expected
    stored, _ = sf.read(tmp_path / "train/speech/synthetic-world-speech-train-0001.wav", dtype="float32")
    world = synth.synthesize_clip(5, "train", "speech", 1, conditions="world")
    np.testing.assert_allclose(stored, world, atol=1.0 / 32768 + 1e-6)
    assert not np.allclose(world, synth.synthesize_clip(5, "train", "speech", 1))  # not the lab's clip
    assert "Conditions: world" in (tmp_path / synth.README_NAME).read_text()
    with open(tmp_path / "manifest.csv", newline="") as f:
        originals = {r["original"] for r in csv.DictReader(f)}
    assert "synthetic:world:5:train:speech:1" in originals
    assert synth.conditions_in(tmp_path) == {"world"}


def test_a_data_folder_holds_one_preset_only(tmp_path):
    synth.build_synthetic_dataset(tmp_path, n_train=1, n_test=0, n_jobs=1, progress=False)
    before = {name: (tmp_path / name).read_bytes() for name in all_wavs(tmp_path)}
    with pytest.raises(ParameterError, match="one preset only"):
        synth.build_synthetic_dataset(tmp_path, n_train=1, n_test=0, n_jobs=1, progress=False, conditions="world")
    assert {name: (tmp_path / name).read_bytes() for name in all_wavs(tmp_path)} == before
    assert synth.conditions_in(tmp_path) == {"lab"}


def test_world_clips_are_deterministic_across_worker_processes(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    synth.build_synthetic_dataset(serial, n_train=2, n_test=0, seed=1, n_jobs=1, progress=False, conditions="world")
    synth.build_synthetic_dataset(parallel, n_train=2, n_test=0, seed=1, n_jobs=2, progress=False, conditions="world")
    for name in all_wavs(serial):
        assert (serial / name).read_bytes() == (parallel / name).read_bytes()


@pytest.mark.slow
def test_world_speech_meets_the_recording_situations_it_promises():
    """Over 40 clips: loud backgrounds, far rooms, telephone and lossy codecs and music beds all occur."""
    from speechmusic.data.synth.conditions import WORLD

    seen = {"noise": set(), "far": 0, "telephone": 0, "lossy": 0, "bed": 0}
    for i in range(40):
        _, plan = synth.clips._render_speech(synth.clip_rng(0, "train", "speech", i, "world"), N, SR, WORLD)
        record = plan.conditions
        if record["noise"]:
            seen["noise"].add(record["noise"])
            assert 0.0 <= record["snr_db"] <= 20.0
        seen["far"] += record["drr_db"] is not None and record["drr_db"] < 4
        seen["telephone"] += record["channel"].startswith("telephone")
        seen["lossy"] += record["channel"].startswith("lossy")
        seen["bed"] += plan.music_bed_db is not None
    assert len(seen["noise"]) >= 3 and seen["far"] >= 3 and seen["telephone"] >= 1 and seen["lossy"] >= 1
    assert seen["bed"] >= 1
