"""Tests of the synthetic sounds that are neither speech nor music, the silence presets, and the
writer's labels (speechmusic.data.synth.noise, .signals, .nature, .clips, .writer).

Each kind is checked for a property one can measure on its audio: a test tone's spectral peak,
the spectral slope of coloured noise, mains hum on its harmonics, the spacing of clicks, the
claps per second of applause, a sweep's rising frequency, a crowd's murmur without a talker's
syllable rhythm, the level of a silence preset.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
import scipy.signal

from speechmusic.core.errors import ParameterError
from speechmusic.data import synth
from speechmusic.data.synth import writer
from speechmusic.data.synth.conditions import CONDITIONS, NOISE_SHARES, WORLD
from speechmusic.data.synth.noise import NOISE_KINDS, SILENCE_KINDS, _dry_noise
from speechmusic.data.synth.voice import _dry_speech

SR = 22050


def power_spectrum(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f, p = scipy.signal.welch(y, fs=SR, nperseg=8192)
    return f, p


def click_times(y: np.ndarray, min_gap: float) -> np.ndarray:
    """Times of the transients: peaks of the smoothed envelope above 500 Hz, at least ``min_gap`` apart."""
    high = scipy.signal.sosfilt(scipy.signal.butter(2, 500, "highpass", fs=SR, output="sos"), y)
    envelope = np.convolve(np.abs(scipy.signal.hilbert(high)), np.ones(32) / 32, "same")
    peaks, _ = scipy.signal.find_peaks(envelope, height=0.2 * envelope.max(), distance=max(int(min_gap * SR), 1))
    return peaks / SR


def level_db(y: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(y, dtype=np.float64))))


# ------------------------------------------------------------------ every kind


def test_the_presets_draw_exactly_the_kinds_there_are():
    assert set(NOISE_SHARES) == set(NOISE_KINDS)
    for conditions in CONDITIONS.values():
        assert set(conditions.noise_kinds) == set(NOISE_KINDS)
        # a noise clip never gets talkers in its background: they would make it speech
        assert not {"babble", "cafe"} & set(conditions.noise_chain.noise_kinds)


@pytest.mark.parametrize("kind", list(NOISE_KINDS))
def test_every_kind_makes_deterministic_finished_clips(kind):
    make = dict(sample_rate=16000, duration=1.5, conditions="world", kind=kind)
    y = synth.synthesize_noise(np.random.default_rng(3), **make)
    assert y.shape == (24000,) and y.dtype == np.float32 and np.all(np.isfinite(y))
    assert 10 ** (-12.1 / 20) <= np.max(np.abs(y)) <= 10 ** (-0.49 / 20)
    np.testing.assert_array_equal(y, synth.synthesize_noise(np.random.default_rng(3), **make))
    assert not np.array_equal(y, synth.synthesize_noise(np.random.default_rng(4), **make))
    for seed in range(3):  # a telephone-rate recording: bands above its Nyquist frequency squeeze, never fail
        y = synth.synthesize_noise(np.random.default_rng(seed), sample_rate=8000, duration=1.0, conditions="world", kind=kind)
        assert y.shape == (8000,) and np.all(np.isfinite(y)) and np.any(y)


def test_drawn_kinds_follow_the_shares_and_long_clips_work():
    kinds = [_dry_noise(np.random.default_rng([i, 9]), 64, SR, WORLD)[1].kind for i in range(400)]
    assert len(set(kinds)) >= 24  # nearly every kind shows up in 400 draws
    assert kinds.count("ambience") > kinds.count("sweep")  # 8 % against 2 %
    y = synth.synthesize_noise(np.random.default_rng(0), sample_rate=16000, duration=30.0, conditions="world")
    assert y.shape == (480000,) and np.all(np.isfinite(y))


def test_noise_arguments_are_checked():
    with pytest.raises(ParameterError, match="rain"):
        synth.synthesize_noise(np.random.default_rng(0), kind="drizzle")
    with pytest.raises(ParameterError, match="mains"):
        synth.synthesize_noise(np.random.default_rng(0), kind="rain", options={"mains": 50.0})
    with pytest.raises(ParameterError):
        synth.synthesize_noise(np.random.default_rng(0), options={"mains": 50.0})


# ------------------------------------------------------------------ what each sounds like


def test_a_test_tone_peaks_at_its_frequency_and_1_khz_is_the_usual_one():
    drawn = []
    for seed in range(8):
        y, plan = _dry_noise(np.random.default_rng(seed), 2 * SR, SR, WORLD, "tone")
        f, p = power_spectrum(y)
        assert f[np.argmax(p)] == pytest.approx(plan.details["frequency"], abs=2 * SR / 8192)
        drawn.append(plan.details["frequency"])
    assert drawn.count(1000.0) >= 2
    clip = synth.synthesize_noise(np.random.default_rng(1), kind="tone", options={"frequency": 1000.0})
    f, p = power_spectrum(clip)  # through the recording chain too
    assert f[np.argmax(p)] == pytest.approx(1000.0, abs=2 * SR / 8192)


@pytest.mark.parametrize(("kind", "slope"), [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_coloured_noise_has_its_spectral_slope(kind, slope):
    y, _ = _dry_noise(np.random.default_rng(0), 4 * SR, SR, WORLD, kind)
    f, p = power_spectrum(y)
    band = (f > 50) & (f < 5000)
    fitted = np.polyfit(np.log10(f[band]), np.log10(p[band]), 1)[0]  # power ~ f ** slope
    assert fitted == pytest.approx(slope, abs=0.15)


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_hum_sits_on_the_mains_harmonics(mains):
    y, plan = _dry_noise(np.random.default_rng(2), 4 * SR, SR, WORLD, "hum", {"mains": mains})
    assert plan.details["mains"] == mains
    f, p = power_spectrum(y)
    low = f < 1000
    strongest = f[low][np.argsort(p[low])[-8:]]
    offsets = strongest / mains - np.round(strongest / mains)
    assert np.all(np.abs(offsets) * mains < 2 * SR / 8192)


def test_regular_clicks_keep_their_period_and_irregular_ones_do_not():
    for seed in range(3):
        y, plan = _dry_noise(np.random.default_rng(seed), 4 * SR, SR, WORLD, "clicks", {"regular": True})
        gaps = np.diff(click_times(y, 0.5 / plan.details["rate"]))
        assert np.median(gaps) == pytest.approx(1 / plan.details["rate"], rel=0.02)
        assert gaps.std() < 0.02 * gaps.mean()
        y, plan = _dry_noise(np.random.default_rng(seed), 6 * SR, SR, WORLD, "clicks", {"regular": False, "rate": 5.0})
        gaps = np.diff(click_times(y, 0.01))
        assert 0.5 < gaps.std() / gaps.mean() < 1.5  # a Poisson process: its gaps vary as much as they last
        assert len(gaps) + 1 == pytest.approx(5.0 * 6, rel=0.5)


@pytest.mark.parametrize("clappers", [3, 6])
def test_applause_has_the_claps_per_second_of_its_audience(clappers):
    y, plan = _dry_noise(np.random.default_rng(clappers), 6 * SR, SR, WORLD, "applause", {"clappers": clappers})
    details = plan.details
    a, b = max(details["start"], 0) + 1.0, min(details["end"], 6.0) - 1.0  # while everybody claps
    assert b - a > 1.0
    times = click_times(y, 0.01)
    detected = np.sum((times > a) & (times < b)) / (b - a)
    # claps of two people that coincide count once, a ragged clap now and then twice
    assert 0.75 * details["claps_per_second"] < detected < 1.15 * details["claps_per_second"]


def test_a_sine_sweep_rises_through_each_period():
    y, plan = _dry_noise(np.random.default_rng(5), 6 * SR, SR, WORLD, "sweep")
    f, t, s = scipy.signal.spectrogram(y, fs=SR, nperseg=1024, noverlap=768)
    peak = f[np.argmax(s, axis=0)]
    rises = np.diff(peak)
    # it only falls where a new sweep starts: about once per period
    assert np.sum(rises < -100) <= 6 / plan.details["period"] + 1
    assert np.mean(rises >= 0) > 0.9


def test_a_crowd_murmurs_without_a_talkers_syllable_rhythm():
    def syllable_depth(y):
        frames = np.lib.stride_tricks.sliding_window_view(y.astype(np.float64), 512)[::256]
        envelope = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
        sos = scipy.signal.butter(2, [2.5, 8.0], "bandpass", fs=SR / 256, output="sos")
        return float(np.std(scipy.signal.sosfiltfilt(sos, np.maximum(envelope, envelope.max() - 45))))

    crowd = [syllable_depth(_dry_noise(np.random.default_rng(s), 4 * SR, SR, WORLD, "crowd")[0]) for s in range(2)]
    talker = [syllable_depth(_dry_speech(np.random.default_rng(s), 4 * SR, SR, WORLD)[0]) for s in range(2)]
    assert max(crowd) < 0.35 * min(talker), (crowd, talker)


def test_outdoor_noise_is_rarely_in_a_room():
    rooms = {True: 0, False: 0}
    for i in range(40):
        kind = ("rain", "fan")[i % 2]
        _, plan = synth.clips._render_noise(np.random.default_rng([i, 4]), SR // 2, SR, WORLD, kind)
        rooms[kind == "rain"] += plan.conditions["rt60"] is not None
    assert rooms[True] < rooms[False] / 2, rooms


# ------------------------------------------------------------------ silence


@pytest.mark.parametrize("kind", ["hiss", "room tone"])
def test_silence_presets_have_their_level(kind):
    levels = []
    for seed in range(6):
        y = synth.synthesize_silence(np.random.default_rng(seed), kind=kind)
        levels.append(level_db(y))
        low, high = SILENCE_KINDS[kind]
        assert low - 0.1 <= levels[-1] <= high + 0.1
    assert max(levels) - min(levels) > 5  # drawn across the range
    for target in (-90.0, -60.0):
        assert level_db(synth.synthesize_silence(np.random.default_rng(1), kind=kind, level_db=target)) \
            == pytest.approx(target, abs=0.1)


def test_digital_silence_is_zeros_and_kinds_are_drawn():
    y = synth.synthesize_silence(np.random.default_rng(0), kind="digital", duration=2.0)
    assert y.shape == (44100,) and y.dtype == np.float32 and not y.any()
    with pytest.raises(ParameterError):
        synth.synthesize_silence(np.random.default_rng(0), kind="digital", level_db=-70.0)
    with pytest.raises(ParameterError):
        synth.synthesize_silence(np.random.default_rng(0), kind="hiss", level_db=-10.0)
    with pytest.raises(ParameterError):
        synth.synthesize_silence(np.random.default_rng(0), kind="hush")
    drawn = set()
    for seed in range(12):
        y = synth.synthesize_silence(np.random.default_rng(seed))
        drawn.add("digital" if not y.any() else "sound")
        assert not y.any() or -90.1 <= level_db(y) <= -54.9
    assert drawn == {"digital", "sound"}


# ------------------------------------------------------------------ the writer


def test_noise_and_silence_clips_have_streams_of_their_own():
    speech = synth.synthesize_clip(0, "train", "speech", 0)
    noise = synth.synthesize_clip(0, "train", "noise", 0)
    assert noise.shape == speech.shape and not np.allclose(noise, speech)
    np.testing.assert_array_equal(noise, synth.synthesize_clip(0, "train", "noise", 0))
    assert not np.array_equal(noise, synth.synthesize_clip(0, "test", "noise", 0))
    assert synth.clip_name("train", "noise", 3, "world") == "synthetic-world-noise-train-0003.wav"
    assert writer.STREAMS["music"] == 0 and writer.STREAMS["speech"] == 1  # the lab's, unchanged


@pytest.mark.parametrize("labels", [("speech", "speech"), ("neither",), "noise", (), ("music", 3)])
def test_build_refuses_bad_labels_before_writing(tmp_path, labels):
    with pytest.raises(ParameterError):
        synth.build_synthetic_dataset(tmp_path / "data", labels=labels, progress=False)
    assert not (tmp_path / "data").exists()


def _clip_writer_takes(label: str) -> bool:
    from speechmusic.data import ingest

    try:
        ingest._check_split_label("train", label)
    except ParameterError:
        return False
    return True


@pytest.mark.skipif(not _clip_writer_takes("noise"),
                    reason="data.ingest.ClipWriter does not take the label 'noise' yet (the tools' labels change: issue 19)")
def test_build_writes_noise_clips_beside_unchanged_speech_and_music(tmp_path):
    plain, more = tmp_path / "plain", tmp_path / "more"
    synth.build_synthetic_dataset(plain, n_train=1, n_test=1, seed=2, n_jobs=1, progress=False, conditions="world")
    summary = synth.build_synthetic_dataset(more, n_train=1, n_test=1, seed=2, n_jobs=1, progress=False,
                                            conditions="world", labels=("speech", "music", "noise"))
    assert summary["train"]["noise"] == {"written": 1, "present": 0}
    noise = more / "train" / "noise" / "synthetic-world-noise-train-0000.wav"
    assert noise.exists()
    for name in ("train/speech/synthetic-world-speech-train-0000.wav", "test/music/synthetic-world-music-test-0000.wav"):
        assert (plain / name).read_bytes() == (more / name).read_bytes()
    with open(more / "manifest.csv", newline="") as f:
        assert "synthetic:world:2:train:noise:0" in {row["original"] for row in csv.DictReader(f)}
    assert "Noise clips" in (more / synth.README_NAME).read_text()
    assert synth.conditions_in(more) == {"world"}
