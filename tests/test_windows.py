"""Sliding-window features: equal to per-window batch_features, streamed in bounded memory."""

import tracemalloc

import numpy as np
import pytest
from conftest import SR, noise, tone, write_audio

from speechmusic.apps.windows import SlidingWindows, WindowCutter, hop_in_samples, open_blocks, window_features
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.core.features import batch_features

W = DEFAULT_PARAMS.n_samples


def _signal(seconds, seed=0):
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    # Loudness changes over time so each window's own normalisation matters.
    y = rng.standard_normal(n) * np.linspace(0.01, 0.8, n) + tone(700.0, seconds, amplitude=0.2)
    return y.astype(np.float32)


def _collect(windows):
    batches = list(windows)
    return np.concatenate([b.starts for b in batches]), np.concatenate([b.features for b in batches])


def _reference(y, starts, params=DEFAULT_PARAMS):
    n = params.n_samples
    clips = [np.pad(y[s : s + n], (0, max(0, s + n - y.size))) for s in starts]
    return batch_features(np.stack(clips), params=params)


def test_hop_rounds_to_whole_frames():
    assert hop_in_samples(1.0) == 43 * 512
    assert hop_in_samples(0.001) == 512  # at least one frame
    assert hop_in_samples(3.0, align=False) == 66150
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ParameterError):
            hop_in_samples(bad)


@pytest.mark.parametrize("hop_seconds", [0.25, 1.0, 2.0])
def test_shared_frame_features_equal_batch_features(hop_seconds):
    y = _signal(12.0)
    hop = hop_in_samples(hop_seconds)
    offsets = np.arange(0, y.size - W + 1, hop)
    fast = window_features(y, offsets)
    np.testing.assert_allclose(fast, _reference(y, offsets), atol=2e-6)


def test_unaligned_or_disjoint_offsets_fall_back_to_batch_features():
    y = _signal(10.0)
    for offsets in ([0, 1000, 2001], [0, W, 2 * W]):
        np.testing.assert_allclose(window_features(y, offsets), _reference(y, offsets), atol=1e-6)
    with pytest.raises(ParameterError):
        window_features(y, [y.size - 10])


def test_other_window_length_and_parameters():
    params = FeatureParams(duration=2.0, n_mels=64, n_fft=1024, hop_length=256)
    y = _signal(8.0, seed=3)
    offsets = np.arange(0, y.size - params.n_samples + 1, hop_in_samples(0.5, params))
    np.testing.assert_allclose(window_features(y, offsets, params=params), _reference(y, offsets, params), atol=2e-6)


@pytest.mark.parametrize("block_seconds, batch", [(0.7, 3), (5.0, 64), (100.0, 2)])
def test_sliding_windows_cover_the_recording_whatever_the_blocks(block_seconds, batch):
    y = _signal(17.3)
    hop = hop_in_samples(1.0)
    step = int(block_seconds * SR)
    windows = SlidingWindows((y[i : i + step] for i in range(0, y.size, step)), hop_samples=hop, batch_size=batch)
    starts, features = _collect(windows)
    assert windows.n_samples == y.size
    grid = np.arange(0, y.size - W + 1, hop)
    # The hop grid, then one window aligned with the end so the tail is covered.
    assert starts.tolist() == grid.tolist() + [y.size - W]
    np.testing.assert_allclose(features, _reference(y, starts), atol=2e-6)


@pytest.mark.parametrize("hop_seconds, batch", [(1.0, 64), (0.25, 5), (3.0, 2)])
def test_each_window_s_level_is_its_own_rms_even_a_quiet_one_after_a_loud_one(hop_seconds, batch):
    # A full-scale stretch, then one 90 dB down, then digital silence: each window's level must be
    # the RMS of its own samples (the sums of squares are shared between overlapping windows).
    rng = np.random.default_rng(5)
    y = np.concatenate([rng.uniform(-1, 1, 6 * SR), 3e-5 * rng.standard_normal(7 * SR),
                        np.zeros(5 * SR)]).astype(np.float32)
    batches = list(SlidingWindows([y], hop_samples=hop_in_samples(hop_seconds), batch_size=batch))
    starts = np.concatenate([b.starts for b in batches])
    levels = np.concatenate([b.levels for b in batches])
    with np.errstate(divide="ignore"):
        expected = [10 * np.log10(np.mean(np.square(y[s : s + W], dtype=np.float64))) for s in starts]
    quiet = [e for e in expected if -100 < e < -80]
    assert quiet and any(e == -np.inf for e in expected)  # the signal has what the test is about
    np.testing.assert_allclose(levels, expected, atol=1e-4)  # dB


@pytest.mark.parametrize("seconds", [17.3, 1.2])
def test_a_stream_pushed_block_by_block_gets_each_window_as_soon_as_it_is_complete(seconds):
    y = _signal(seconds, seed=4)
    hop, step = hop_in_samples(1.0), 2205  # 0.1-s blocks, as a live source delivers them
    cutter = WindowCutter(hop_samples=hop, eager=True)
    batches = []
    for i in range(0, y.size, step):
        new = cutter.push(y[i : i + step])
        for batch in new:  # complete windows only, and at once: the newest ends within this block
            assert int(batch.starts[-1]) + W <= min(i + step, y.size)
            assert int(batch.starts[-1]) + W > i
        batches += new
    batches += cutter.finish()
    starts, features = _collect(batches)
    reference_starts, reference = _collect(SlidingWindows([y], hop_samples=hop))
    assert starts.tolist() == reference_starts.tolist() and cutter.n_samples == y.size
    np.testing.assert_allclose(features, reference, atol=2e-6)
    assert cutter.finish() == []
    with pytest.raises(ParameterError):
        cutter.push(y[:10])


def test_no_extra_window_when_the_grid_reaches_the_end():
    hop = hop_in_samples(1.0)
    y = _signal((W + 4 * hop) / SR)
    starts, _ = _collect(SlidingWindows([y], hop_samples=hop))
    assert starts.tolist() == [k * hop for k in range(5)]


def test_short_recording_gives_one_zero_padded_window():
    y = tone(440.0, 1.2)
    starts, features = _collect(SlidingWindows([y[:10000], y[10000:]], hop_samples=hop_in_samples(1.0)))
    assert starts.tolist() == [0]
    np.testing.assert_allclose(features[0], batch_features(np.pad(y, (0, W - y.size))[None])[0], atol=1e-6)


def test_empty_input_gives_no_windows():
    windows = SlidingWindows([np.zeros(0, np.float32)], hop_samples=512)
    assert list(windows) == [] and windows.n_samples == 0


def test_file_streaming_matches_in_memory(tmp_path):
    y = _signal(9.0, seed=5)
    path = write_audio(tmp_path / "long.flac", y, 44100 // 2)  # written at 22050
    blocks, duration = open_blocks(path, block_duration=2.0)
    assert duration == pytest.approx(9.0)
    starts, features = _collect(SlidingWindows(blocks, hop_samples=hop_in_samples(1.0)))
    decoded = np.concatenate(list(open_blocks(path)[0]))
    np.testing.assert_allclose(features, _reference(decoded, starts), atol=2e-6)


def test_open_blocks_errors_name_the_file(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        open_blocks(tmp_path / "missing.wav")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match="empty.wav"):
        open_blocks(empty)


def _peak_bytes(seconds):
    hop = hop_in_samples(1.0)
    block = np.asarray(noise(2.0), dtype=np.float32)
    blocks = (block for _ in range(int(seconds / 2.0)))  # generated on the fly: the input costs nothing
    tracemalloc.start()
    try:
        for _ in SlidingWindows(blocks, hop_samples=hop, batch_size=8):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_length():
    _peak_bytes(10.0)  # one-time allocations (imports, filter banks) out of the way
    short, long = _peak_bytes(40.0), _peak_bytes(200.0)
    whole_long_signal = 200.0 * SR * 4
    assert long < 1.3 * short + 2e6  # same peak, whatever the length
    assert long < whole_long_signal  # never holds the recording
