"""Benchmark 8 (pyAudioAnalysis on the same folds): skips cleanly, and runs on a tiny clip folder."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import REPO_ROOT
from test_evaluation import make_clip_folder

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import bench_peer  # noqa: E402


@pytest.fixture(scope="module")
def peer():
    """Skip when pyAudioAnalysis does not import (asked here, not at collection: importing it takes
    ~2 s, which every test worker would pay to collect this module)."""
    reason = bench_peer.peer_available()
    if reason is not None:
        pytest.skip(reason)


def test_skips_without_the_shared_set(tmp_path):
    section = bench_peer.run(tmp_path, root=tmp_path / "missing")
    assert "is not present" in section.skipped and section.targets[0].met is None


def test_skips_with_an_install_hint_without_the_peer(tmp_path, monkeypatch):
    root = make_clip_folder(tmp_path / "clips", sources=1, per_source=1)
    monkeypatch.setitem(sys.modules, "pyAudioAnalysis", None)  # import fails as if not installed
    assert "pip install -e .[bench]" in bench_peer.peer_available()
    section = bench_peer.run(tmp_path / "work", root=root)
    assert "pyAudioAnalysis is not installed" in section.skipped


@pytest.mark.slow
@pytest.mark.usefixtures("peer")
def test_tiny_run_compares_both_systems_per_category(tmp_path):
    root = make_clip_folder(tmp_path / "clips", sources=3, per_source=2)
    section = bench_peer.run(tmp_path / "work", root=root, n_exp=2)
    assert section.skipped is None
    assert [row[0].split(" ")[0] for row in section.rows] == ["speechmusic", "pyAudioAnalysis", "pyAudioAnalysis's"]
    assert section.rows[0][1] == "1.000"  # chords vs modulated noise: easy for us
    peer = float(section.rows[1][1])
    assert 0.0 <= peer <= 1.0
    categories = section.extra_tables[0][2]
    assert sum(int(row[2]) for row in categories) == 12
    wavs = sorted((tmp_path / "work" / "peer-wav" / "speech").glob("*.wav"))
    assert len(wavs) == 6  # every clip, flac or wav, handed to the peer as WAV
    import soundfile as sf

    assert {sf.info(str(p)).samplerate for p in wavs} == {22050}


@pytest.mark.usefixtures("peer")
def test_peer_training_is_repeatable(tmp_path):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (10, 5)), rng.normal(1.5, 1, (10, 5))])
    classes = np.array([0] * 10 + [1] * 10)
    groups = [f"g{i % 4}" for i in range(20)]
    first = bench_peer.peer_train(X, classes, groups, n_exp=3)
    second = bench_peer.peer_train(X, classes, groups, n_exp=3)
    assert first[3] == second[3]
    np.testing.assert_allclose(bench_peer.peer_speech_probability(*first[:3], X),
                               bench_peer.peer_speech_probability(*second[:3], X))
