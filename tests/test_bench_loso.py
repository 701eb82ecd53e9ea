"""Benchmark 7 (leave-one-source-out on ../shared/real-world): degradations, skip, and a tiny run."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import soundfile as sf
from conftest import REPO_ROOT
from test_evaluation import make_clip_folder

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import bench_loso  # noqa: E402


def test_pink_noise_has_equal_energy_per_octave():
    y = bench_loso.pink_noise(2**16, np.random.default_rng(0))
    power = np.abs(np.fft.rfft(y)) ** 2
    octave = lambda lo: power[lo : 2 * lo].sum()  # noqa: E731
    ratios = [octave(2**k) / octave(2**10) for k in (8, 9, 11, 12)]
    assert all(0.7 < r < 1.4 for r in ratios)


def test_degraded_copies(tmp_path):
    root = make_clip_folder(tmp_path / "clips", sources=1, per_source=2)
    noisy = bench_loso.degraded_copy(root, tmp_path / "noisy", "noisy")
    phone = bench_loso.degraded_copy(root, tmp_path / "phone", "telephone")
    assert (noisy / "manifest.csv").read_bytes() == (root / "manifest.csv").read_bytes()
    clean, _ = sf.read(str(root / "music" / "music-0-0.wav"))
    dirty, rate = sf.read(str(noisy / "music" / "music-0-0.wav"))
    assert rate == 22050 and dirty.shape == clean.shape
    snr = 10 * np.log10(np.mean(clean**2) / np.mean((dirty - clean) ** 2))
    assert abs(snr - bench_loso.NOISE_SNR_DB) < 0.5
    snippet = bench_loso.degraded_copy(root, tmp_path / "snippet", "snippet")
    assert sf.info(str(snippet / "music" / "music-0-1.wav")).frames == 22050  # the middle second of 4 s
    info = sf.info(str(phone / "speech" / "speech-0-0.wav"))
    assert info.samplerate == 8000 and info.subtype == "ULAW"
    assert sorted(p.name for p in (root / "speech").iterdir()) == ["speech-0-0.wav", "speech-0-1.flac"]  # untouched


def test_skips_without_the_shared_set(tmp_path):
    section = bench_loso.run(tmp_path, root=tmp_path / "missing")
    assert "is not present" in section.skipped and section.targets[0].met is None


@pytest.mark.slow
def test_tiny_run_reports_families_headline_and_categories(tmp_path):
    root = make_clip_folder(tmp_path / "clips", sources=3, per_source=1)
    section = bench_loso.run(tmp_path / "work", root=root, synthetic_per_class=2, quick=True)
    assert section.skipped is None
    names = [row[0] for row in section.rows]
    assert names[0].startswith("**prosody**") and names[-2].startswith("dynamics") and names[-1].startswith("pooled")
    assert {f"prosody − {n}" for n in bench_loso.family_functions()} <= set(names)
    assert section.rows[0][1] == "87" and section.rows[-2][1] == "42"
    assert len(section.headers) == len(section.rows[0]) == 7  # features, values, 4 conditions, synthetic-only
    captions = [caption for caption, _, _ in section.extra_tables]
    assert captions[0].startswith("Headline") and captions[1].startswith("Per category")
    headline = section.extra_tables[0][2]
    assert [row[0] for row in headline] == ["prosody"] * 3 + ["dynamics"] * 3
    assert [t.met for t in section.targets] == [t.met for t in section.targets if t.met is not None]
