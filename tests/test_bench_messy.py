"""Benchmark 6 (messy recordings): the degradations make what they claim, and the benchmark runs.

The end-to-end test uses a tiny stand-in for ../shared/real-audio and a tiny synthetic training
set, so it takes seconds; it checks the report's shape, not accuracy.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import soundfile as sf
from conftest import REPO_ROOT, noise, tone, write_audio

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import bench_messy  # noqa: E402

SR = 22050


def _band_power(y: np.ndarray, sr: int, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(y.size, 1 / sr)
    return float(spectrum[(freqs >= low) & (freqs < high)].sum())


def test_telephone_is_8_khz_and_band_limited():
    y = noise(2.0, seed=1)
    narrow, rate = bench_messy.telephone(y, SR)
    assert rate == 8000
    assert abs(narrow.size - 2.0 * 8000) <= 2
    inside = _band_power(narrow, rate, 500, 3000) / 2500  # power per Hz, in and out of the band
    assert _band_power(narrow, rate, 0, 100) / 100 < 1e-3 * inside
    assert _band_power(narrow, rate, 3900, 4000) / 100 < 1e-2 * inside


def test_snippets_are_one_second_pieces_of_the_excerpt():
    y = np.arange(int(3.5 * SR), dtype=np.float32)
    pieces = bench_messy.snippets(y, SR)
    assert len(pieces) == 3 and all(p.size == SR for p in pieces)
    assert pieces[0][0] == 0 and pieces[-1][-1] == y[-1]  # first and last second
    assert all(np.array_equal(p, y[int(p[0]) : int(p[0]) + SR]) for p in pieces)
    assert [p.size for p in bench_messy.snippets(y[: SR // 2], SR)] == [SR // 2]  # shorter: kept whole


def test_padding_is_digital_silence_on_both_sides():
    y = tone(440.0, 2.0)
    padded = bench_messy.pad_with_silence(y, SR)
    pad = int(1.5 * SR)
    assert padded.size == y.size + 2 * pad
    assert not padded[:pad].any() and not padded[-pad:].any()
    assert np.array_equal(padded[pad:-pad], y)


def test_quiet_has_a_peak_of_minus_40_dbfs_and_a_little_noise():
    rng = np.random.default_rng(0)
    loud = tone(440.0, 2.0, amplitude=0.9)
    silent_floor = bench_messy.make_quiet(loud, rng=rng, noise_dbfs=-np.inf)
    assert 20 * np.log10(np.max(np.abs(silent_floor))) == pytest.approx(-40.0, abs=0.01)
    quiet = bench_messy.make_quiet(loud, rng=rng)
    assert 20 * np.log10(np.max(np.abs(quiet))) == pytest.approx(-40.0, abs=0.5)  # noise adds a little
    floor = bench_messy.make_quiet(np.zeros(SR, dtype=np.float32), rng=rng)  # the noise alone
    assert 20 * np.log10(np.sqrt(np.mean(floor.astype(np.float64) ** 2))) == pytest.approx(-80.0, abs=0.5)


def test_stereo_is_two_channels_at_44_1_khz():
    y = tone(440.0, 1.0)
    wide, rate = bench_messy.to_stereo(y, SR)
    assert rate == 44100 and wide.shape == (44100, 2)
    np.testing.assert_allclose(wide[:, 1], 0.6 * wide[:, 0], rtol=1e-6)


def test_excerpts_are_consecutive_and_3_to_10_seconds():
    sr = 100  # any rate: lengths are in samples
    spans = bench_messy.excerpt_spans(60 * sr, sr, rng=np.random.default_rng(3))
    assert spans[0][0] == 0 and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert all(3 * sr <= stop - start <= 10 * sr for start, stop in spans)
    assert 60 * sr - spans[-1][1] < 3 * sr  # only a leftover shorter than an excerpt is dropped
    kept = bench_messy.excerpt_spans(60 * sr, sr, rng=np.random.default_rng(3), max_excerpts=2)
    assert kept == [spans[0], spans[-1]]
    assert bench_messy.excerpt_spans(2 * sr, sr, rng=np.random.default_rng(3)) == [(0, 2 * sr)]


def test_condition_files_have_the_promised_format(tmp_path):
    y = tone(440.0, 4.0)
    files = bench_messy.write_conditions(y, SR, tmp_path, "x")
    assert list(files) == list(bench_messy.CONDITIONS)
    info = {name: sf.info(str(paths[0])) for name, paths in files.items()}
    assert (info["clean"].samplerate, info["clean"].channels, info["clean"].frames) == (SR, 1, y.size)
    assert (info["telephone"].samplerate, info["telephone"].subtype) == (8000, "ULAW")
    assert info["mp3"].format == "MP3" and files["mp3"][0].suffix == ".mp3"
    assert (info["stereo"].samplerate, info["stereo"].channels, info["stereo"].subtype) == (44100, 2, "PCM_24")
    assert info["padded"].frames == y.size + 2 * int(1.5 * SR)
    assert len(files["snippets"]) == 3 and all(sf.info(str(p)).frames == SR for p in files["snippets"])
    quiet, _ = sf.read(str(files["quiet"][0]))
    assert 20 * np.log10(np.max(np.abs(quiet))) == pytest.approx(-40.0, abs=0.5)
    # The MP3 decodes to about the same length (the encoder adds a few frames of delay).
    assert abs(sf.read(str(files["mp3"][0]))[0].size - y.size) < 0.1 * SR


@pytest.fixture
def fake_real_audio(tmp_path):
    root = tmp_path / "real audio"
    talk = noise(4.0, seed=5) * np.repeat((np.arange(8) % 2).astype(np.float32), SR // 2)
    write_audio(root / "speech" / "talk (1).wav", talk)
    write_audio(root / "music" / "tune's.ogg", tone(330.0, 5.0), format="OGG")
    write_audio(root / "other" / "bird.wav", tone(3000.0, 2.0))
    (root / "speech" / "talk (1).txt").write_text("not audio")
    return root


def test_tiny_benchmark_run(tmp_path, fake_real_audio):
    before = {p: p.read_bytes() for p in fake_real_audio.rglob("*") if p.is_file()}
    section = bench_messy.run(tmp_path / "work", root=fake_real_audio, per_class=(2, 1), flat=False)

    assert section.skipped is None
    assert [row[0] for row in section.rows] == list(bench_messy.CONDITIONS)
    counts = {row[0]: row[1] for row in section.rows}
    assert counts["clean"] == "1 / 1" and counts["snippets"] == "3 / 3"
    for row in section.rows:  # accuracies are fractions of the counted files
        assert 0.0 <= float(row[2].split()[0]) <= 1.0 and 0.0 <= float(row[4].split()[0]) <= 1.0
    caption, _, other_rows = section.extra_tables[0]
    assert "other" in caption and [r[1] for r in other_rows] == ["1", "1", "1", "3", "1", "1", "1"]
    worst = section.targets[0].measured.split(":")[0]  # the condition that lost most against clean
    assert worst in bench_messy.CONDITIONS and worst != "clean"
    assert any("Condition 'telephone'" in note for note in section.notes)
    # The sources are only read; the degraded copies live in the work folder.
    assert {p: p.read_bytes() for p in fake_real_audio.rglob("*") if p.is_file()} == before
    assert len(list((tmp_path / "work" / "messy-audio").rglob("*.mp3"))) == 3


def test_skipped_cleanly_without_real_audio(tmp_path):
    section = bench_messy.run(tmp_path / "work", root=tmp_path / "absent")
    assert section.skipped and "not present" in section.skipped
    assert section.targets[0].measured == "skipped"
    assert not (tmp_path / "work").exists()  # nothing built for nothing


def test_registered_as_messy():
    from benchmarks.__main__ import BENCHMARKS, build_parser

    assert "messy" in BENCHMARKS
    assert build_parser().parse_args(["--only", "messy"]).only == "messy"
