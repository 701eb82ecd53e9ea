"""Boundary refinement after the HMM: finer boundaries, same coverage, bounded reading."""

import numpy as np
import pytest
from conftest import SR
from hypothesis import given, settings
from hypothesis import strategies as st
from model_helpers import alternating_recording, tones_vs_noise_classifier, write_recording

from speechmusic.apps.segmentation import (
    DEFAULT_REFINE_RADIUS,
    REFINE_CONTEXT,
    Segment,
    change_log_likelihood,
    refine_boundaries,
    segment_blocks,
    segment_file,
    segment_signal,
)

#: The most a boundary's refinement reads: the search span and the compared context on both sides.
MOST_READ_SECONDS = 2 * DEFAULT_REFINE_RADIUS + 2 * REFINE_CONTEXT + 0.3

# Parts whose cuts fall between the HMM's one-hop cell edges (multiples of 0.9985 s), about half a
# hop away from the nearest edge, so the unrefined boundaries are off by about that much or more.
PARTS = [("speech", 20.45), ("music", 15.55), ("speech", 12.4), ("music", 18.6), ("speech", 11.5)]


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from conftest import make_dataset

    return tones_vs_noise_classifier(make_dataset(tmp_path_factory.mktemp("refinedata") / "data"))


def _errors(segments, truth):
    assert [s.label for s in segments] == [label for _, _, label in truth]
    return np.array([abs(s.start - t[0]) for s, t in zip(segments[1:], truth[1:])])


def _cover_without_gaps(segments, duration):
    assert segments[0].start == 0.0
    assert segments[-1].end == pytest.approx(duration)
    assert all(a.end == b.start for a, b in zip(segments, segments[1:]))
    assert all(s.end > s.start for s in segments)


def test_refined_boundaries_land_within_half_a_second_and_beat_the_unrefined(classifier):
    y, truth = alternating_recording(PARTS, seed=3)
    refined = segment_signal(y, classifier)
    plain = segment_signal(y, classifier, refine=False)
    assert refined.refined and not plain.refined
    refined_errors, plain_errors = _errors(refined.segments, truth), _errors(plain.segments, truth)
    assert refined_errors.max() <= 0.5, refined_errors
    # The one-hop grid cannot be closer than ~0.45 s to these cuts; refinement must be clearly better.
    assert plain_errors.min() >= 0.4, plain_errors
    assert refined_errors.mean() < 0.5 * plain_errors.mean(), (refined_errors, plain_errors)
    _cover_without_gaps(refined.segments, y.size / SR)
    # Refinement moves boundaries only: the windows, the evidence and the labels are the smoothing's.
    np.testing.assert_array_equal(refined.window_probability, plain.window_probability)
    assert refined.as_dict()["refined_boundaries"] is True


def test_a_streamed_file_is_refined_like_the_signal_by_reading_only_around_boundaries(classifier, tmp_path,
                                                                                       monkeypatch):
    import speechmusic.apps.segmentation as segmentation

    path, truth = write_recording(tmp_path / "show.wav", PARTS[:3], seed=5, sr=44100)
    reads = []
    real_decode = segmentation.decode

    def counting_decode(source, **kwargs):
        y = real_decode(source, **kwargs)
        reads.append(y.size)
        return y

    monkeypatch.setattr(segmentation, "decode", counting_decode)
    result = segment_file(path, classifier, block_duration=4.0)
    assert result.refined
    errors = _errors(result.segments, truth)
    assert errors.max() <= 0.5, errors
    _cover_without_gaps(result.segments, sum(p[1] for p in PARTS[:3]))
    # One excerpt of a few seconds per boundary: the whole file (48 s) is never decoded again.
    assert len(reads) == len(result.segments) - 1
    assert max(reads) <= MOST_READ_SECONDS * SR, max(reads) / SR


def test_segment_blocks_without_a_way_to_read_again_keeps_the_hop_grid(classifier):
    y, _ = alternating_recording(PARTS[:2], seed=3)
    blocks = [y[i : i + SR * 4] for i in range(0, y.size, SR * 4)]
    result = segment_blocks(iter(blocks), classifier, expected_duration=y.size / SR)
    assert not result.refined
    assert result.segments == segment_signal(y, classifier, refine=False).segments


def test_refinement_reads_only_what_each_boundary_needs(classifier):
    y, truth = alternating_recording(PARTS, seed=3)
    requests = []

    def excerpt(start, n):
        requests.append((start, n))
        return y[start : start + n]

    result = segment_blocks([y], classifier, expected_duration=y.size / SR, excerpt=excerpt)
    boundaries = [s.start for s in result.segments[1:]]
    assert len(requests) == len(boundaries)
    for (start, n), boundary in zip(requests, boundaries):
        assert n <= MOST_READ_SECONDS * SR  # never more than a few seconds
        assert start <= boundary * SR <= start + n  # around the boundary it refines
    assert _errors(result.segments, truth).max() <= 0.5


def test_change_log_likelihood_peaks_where_the_frames_change_distribution():
    rng = np.random.default_rng(1)
    # Same mean, different spread (a steady sound, then a moving one), then a shift in mean.
    frames = np.concatenate([rng.normal(0, 0.2, (150, 4)), rng.normal(0, 2.0, (130, 4)), rng.normal(5, 2.0, (150, 4))])
    candidates = np.arange(40, 391)
    llr = change_log_likelihood(frames, candidates, 40)
    peaks = candidates[np.argsort(llr)[::-1]]
    assert abs(peaks[0] - 150) <= 5 or abs(peaks[0] - 280) <= 5
    near_first = candidates[(candidates > 100) & (candidates < 215)][np.argmax(llr[(candidates > 100) & (candidates < 215)])]
    assert abs(near_first - 150) <= 5
    steady = change_log_likelihood(rng.normal(0, 1, (300, 4)), np.arange(40, 261), 40)
    assert steady.max() < llr.max() / 5  # no change: no peak of that size
    silent = change_log_likelihood(np.zeros((100, 4)), np.arange(20, 81), 20)
    assert np.all(np.isfinite(silent))


def test_refine_boundaries_moves_each_boundary_to_its_best_candidate_within_the_radius():
    cuts = np.array([1234, 2577, 3461])
    found = [Segment(0.0, 12.0, "music"), Segment(12.0, 26.0, "speech"), Segment(26.0, 35.0, "music"),
             Segment(35.0, 50.0, "speech")]

    def score(candidates, before, after):
        return -np.min(np.abs(candidates[:, None] - cuts[None, :]), axis=1)

    refined = refine_boundaries(found, score, sample_rate=100, duration_samples=5000, radius_samples=150,
                                step_samples=10)
    assert [s.start for s in refined[1:]] == [12.3, 25.8, 34.6]  # nearest grid points; 34.61 is 39 s off the grid
    assert [s.label for s in refined] == [s.label for s in found]
    _cover_without_gaps(refined, 50.0)
    near_edge = refine_boundaries(found, score, sample_rate=100, duration_samples=5000, radius_samples=150,
                                  step_samples=10, margin_samples=4800)
    assert near_edge == found  # no candidate leaves room for the analysis: nothing moves


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8),
    first=st.sampled_from(["music", "speech"]),
    seed=st.integers(0, 2**16),
    radius=st.integers(1, 40),
)
def test_refined_segments_always_cover_the_recording_in_order(lengths, first, seed, radius):
    """Whatever the scores (here random), refinement keeps labels and order, with no gaps or empty segments."""
    sr, step, W = 10, 1, 30  # 0.1-s steps, 3-s windows
    rng = np.random.default_rng(seed)
    labels = [first if k % 2 == 0 else ("speech" if first == "music" else "music") for k in range(len(lengths))]
    edges = np.concatenate([[0], np.cumsum(lengths)]) * 1.0  # seconds
    segments = [Segment(float(a), float(b), label) for a, b, label in zip(edges[:-1], edges[1:], labels)]
    duration = int(edges[-1] * sr)
    refined = refine_boundaries(segments, lambda candidates, before, after: rng.normal(size=len(candidates)), sample_rate=sr,
                                duration_samples=duration, radius_samples=radius, step_samples=step,
                                margin_samples=W)
    assert [s.label for s in refined] == labels
    _cover_without_gaps(refined, edges[-1])
    for before, after in zip(segments[1:], refined[1:]):
        assert abs(before.start - after.start) <= radius / sr + 1e-9


def test_the_command_refines_by_default_and_not_with_no_refine(classifier, tmp_path, capsys):
    import json

    from speechmusic import cli
    from speechmusic.apps.pipeline import save_classifier

    model = tmp_path / "model.npz"
    save_classifier(classifier, model)
    path, truth = write_recording(tmp_path / "show.wav", PARTS[:2], seed=5)
    found = {}
    for flags in ([], ["--no-refine"]):
        assert cli.main(["segment", str(path), "--model", str(model), "--quiet", "--json", *flags]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["refined_boundaries"] is (not flags)
        found[bool(flags)] = [Segment(s["start"], s["end"], s["label"]) for s in summary["segments"]]
    assert _errors(found[False], truth).max() <= 0.5
    assert _errors(found[True], truth).max() > _errors(found[False], truth).max()


def test_a_file_only_the_fallback_decoder_reads_is_refined_from_memory(classifier, tmp_path, monkeypatch):
    """Formats without a known length are decoded whole anyway: refine from that, never decode again per boundary."""
    import speechmusic.apps.segmentation as segmentation

    path, truth = write_recording(tmp_path / "show.wav", PARTS[:3], seed=5)
    streamed = segment_file(path, classifier, block_duration=4.0)
    monkeypatch.setattr(segmentation, "duration_of", lambda _: None)

    def no_decode(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(segmentation, "decode", no_decode)
    whole = segment_file(path, classifier, block_duration=4.0)
    assert whole.refined and whole.segments == streamed.segments
