"""Benchmark 5 (benchmarks/bench_synthetic.py) on tiny inputs: its result structure and its skip path.

Nothing here is about speed or about how good the numbers are; the benchmark itself reports those.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, noise, tone, write_audio

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture
def fake_real_audio(tmp_path):
    """A stand-in for ../shared/real-audio: a 2-s and a 5-s speech file, one 10-s music file."""
    root = tmp_path / "real audio"
    write_audio(root / "speech" / "short talk.wav", noise(2.0, seed=1))
    write_audio(root / "speech" / "talk.wav", noise(5.0, seed=2))
    write_audio(root / "music" / "tune.ogg", tone(330.0, 10.0), format="OGG")
    return root


def test_window_starts_hop_cap_and_short_recordings():
    from benchmarks.bench_synthetic import window_starts

    assert window_starts(10, window=4, hop=3) == [0, 3, 6]
    assert window_starts(20, window=4, hop=1, max_windows=3) == [0, 8, 16]  # first, middle, last
    assert window_starts(2, window=4, hop=1) == [0]  # shorter than a window: one (padded) window


def test_real_windows_follow_the_protocol(fake_real_audio):
    from benchmarks.bench_synthetic import real_windows

    real = real_windows(fake_real_audio)
    # speech: 2 s -> 1 padded window; 5 s with a 1.5-s hop -> starts 0 and 1.5 s; music: 10 s, 3-s hop -> 3.
    assert list(real.recordings) == ["tune.ogg"] * 3 + ["short talk.wav"] + ["talk.wav"] * 2
    np.testing.assert_array_equal(real.labels, [0, 0, 0, 1, 1, 1])
    assert real.features.shape == (6, 128, 130)
    assert real.features.min() >= 0 and real.features.max() <= 1


def test_tiny_run_reports_accuracies_for_both_feature_kinds(fake_real_audio):
    from benchmarks.bench_synthetic import MEASURES, evaluate_seed, real_windows, run

    real = real_windows(fake_real_audio)
    result = evaluate_seed(0, real, per_class=(2, 1), iterations=20)
    assert set(result) == {"flat", "pooled"}
    for _kind, measures in result.items():
        assert measures["synthetic_test_total"] == 2
        assert measures["real_speech_total"] == 3 and measures["real_music_total"] == 3
        for measure in MEASURES:
            assert measures[measure] == measures[f"{measure}_right"] / measures[f"{measure}_total"]
            assert 0.0 <= measures[measure] <= 1.0
        assert set(np.unique(measures["real_predictions"])) <= {0, 1}

    section = run(root=fake_real_audio, per_class=(2, 1), seeds=2, iterations=20, n_jobs=1)
    assert section.skipped is None
    assert [row[:2] for row in section.rows] == [
        ["flat spectrogram (16640 values)", "seed 0"], ["flat spectrogram (16640 values)", "mean of seeds 0–1 (min – max)"],
        ["pooled, standardised (256 values)", "seed 0"], ["pooled, standardised (256 values)", "mean of seeds 0–1 (min – max)"]]
    assert section.rows[0][2:] == [f"{result['flat'][m]:.3f} ({result['flat'][m + '_right']}/"
                                   f"{result['flat'][m + '_total']})" for m in MEASURES]  # seed 0 = evaluate_seed(0)
    captions = [caption for caption, _, _ in section.extra_tables]
    assert captions == ["Each seed (accuracy):", "Seed 0, real windows classified right, per recording:"]
    per_seed_rows = section.extra_tables[0][2]
    assert [row[0] for row in per_seed_rows] == ["0", "1"]
    assert len(section.targets) == 2 and all(t.met is None for t in section.targets)


def test_missing_real_audio_is_reported_as_skipped(tmp_path):
    from benchmarks.bench_synthetic import real_windows, run
    from benchmarks.report import to_markdown

    assert real_windows(tmp_path / "absent") is None
    (tmp_path / "only speech" / "speech").mkdir(parents=True)
    write_audio(tmp_path / "only speech" / "speech" / "a.wav", noise(3.0))
    for root in (tmp_path / "absent", tmp_path / "only speech"):
        section = run(root=root, per_class=(2, 1), seeds=1, iterations=5)
        assert section.skipped and str(root) in section.skipped
        assert section.rows == []
        assert [t.met for t in section.targets] == [None]
        text = to_markdown(date="d", command="c", machine={}, sections=[section])
        assert f"Skipped: {root} is not present" in text
