"""Segmentation: smoothing, cells, segments, CSV, plot, and boundaries found on generated recordings."""

import numpy as np
import pytest
from conftest import SR, blas_threads, blas_threads_seen, two_blas_threads
from model_helpers import alternating_recording, tones_vs_noise_classifier, write_recording

from speechmusic.apps.pipeline import Classifier
from speechmusic.apps.segment_formats import read_segments_csv, segments_csv, write_segments_csv
from speechmusic.apps.segmentation import (
    Segment,
    cell_evidence,
    segment_file,
    segment_signal,
    segments_from_states,
    viterbi_two_state,
)
from speechmusic.core.errors import ParameterError


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from conftest import make_dataset

    return tones_vs_noise_classifier(make_dataset(tmp_path_factory.mktemp("segdata") / "data"))


def _boundaries(segments):
    return [s.start for s in segments[1:]]


def test_viterbi_without_penalty_follows_the_sign():
    evidence = np.array([2.0, -0.5, 3.0, -1.0, -2.0])
    assert viterbi_two_state(evidence, switch_penalty=0.0).tolist() == [1, 0, 1, 0, 0]


def test_viterbi_penalty_removes_weak_blips_and_keeps_strong_runs():
    evidence = np.array([3.0] * 5 + [-1.0] + [3.0] * 5 + [-4.0] * 4 + [3.0] * 5)
    states = viterbi_two_state(evidence, switch_penalty=4.0)
    # the single weak -1.0 costs less than two switches (8): absorbed; the -16 run is kept
    assert states.tolist() == [1] * 11 + [0] * 4 + [1] * 5


def test_viterbi_matches_brute_force_on_small_cases():
    rng = np.random.default_rng(1)
    for _ in range(30):
        evidence = rng.normal(scale=3.0, size=7)
        penalty = float(rng.uniform(0, 6))
        best, best_score = None, -np.inf
        for code in range(2 ** 7):
            states = np.array([(code >> i) & 1 for i in range(7)])
            log_p = np.where(states == 1, -np.logaddexp(0, -evidence), -np.logaddexp(0, evidence))
            score = log_p.sum() - penalty * np.count_nonzero(np.diff(states))
            if score > best_score:
                best, best_score = states, score
        assert viterbi_two_state(evidence, switch_penalty=penalty).tolist() == best.tolist()


def test_viterbi_rejects_negative_penalty():
    with pytest.raises(ParameterError):
        viterbi_two_state(np.zeros(3), switch_penalty=-1)
    assert viterbi_two_state(np.zeros(0)).size == 0


def test_cell_evidence_averages_the_covering_windows():
    starts = np.array([0.0, 1.0, 2.0, 3.0])
    ends = starts + 3.0
    p = np.array([0.9, 0.9, 0.1, 0.1])
    edges, log_odds = cell_evidence(starts, ends, p, duration=6.0, hop=1.0)
    assert edges.tolist() == [0, 1, 2, 3, 4, 5, 6]
    l9 = np.log(9.0)
    # cell 0: window 0; cell 1: windows 0-1; cell 2: 0-2; cell 3: 1-3; cell 4: 2-3; cell 5: 3.
    # Inner cells (3 windows) get the mean; edge cells, covered by fewer, their share (sum / 3).
    expected = [l9 / 3, 2 * l9 / 3, l9 / 3, -l9 / 3, -2 * l9 / 3, -l9 / 3]
    np.testing.assert_allclose(log_odds, expected)


@pytest.mark.parametrize("hop", [1.0, 0.5, 0.75])
def test_cell_evidence_counts_every_window_once(hop):
    # A plain mean would count the first and last windows up to 1 + 1/2 + 1/3 times, so a
    # stray stretch at the recording's edges (which needs only one switch) came too cheap.
    rng = np.random.default_rng(3)
    starts = np.arange(20) * hop
    ends = starts + 3.0
    p = rng.uniform(0.05, 0.95, size=starts.size)
    edges, log_odds = cell_evidence(starts, ends, p, duration=float(ends[-1]), hop=hop)
    window_odds = np.log(p / (1 - p))
    per_window = 3.0 / hop  # cells each window covers
    assert np.sum(log_odds * np.diff(edges)) == pytest.approx(hop * window_odds.sum())
    inner = slice(round(per_window), -round(per_window))
    covering = [(starts <= c) & (c < ends) for c in ((edges[:-1] + edges[1:]) / 2)[inner]]
    np.testing.assert_allclose(log_odds[inner], [window_odds[m].mean() for m in covering])


def test_cell_evidence_clips_overconfident_windows():
    _, log_odds = cell_evidence(np.array([0.0]), np.array([3.0]), np.array([1.0]), duration=3.0, hop=1.0)
    assert np.all(np.isfinite(log_odds)) and log_odds.max() < 7.0


def test_segments_from_states_and_csv_round_trip(tmp_path):
    segments = segments_from_states(np.array([1, 1, 0, 0, 0, 1]), np.array([0, 1, 2, 3, 4, 5, 5.5]))
    assert segments == [Segment(0, 2, "speech"), Segment(2, 5, "music"), Segment(5, 5.5, "speech")]
    text = segments_csv(segments)
    assert text.splitlines()[0] == "start,end,label"
    assert text.splitlines()[1] == "0.000,2.000,speech"
    path = write_segments_csv(segments, tmp_path / "out.csv")
    assert read_segments_csv(path) == segments
    with pytest.raises(FileExistsError):
        write_segments_csv(segments[:1], path)
    assert read_segments_csv(path) == segments  # untouched


@pytest.mark.parametrize("hop", [1.0, 0.5])
def test_boundaries_found_on_a_long_recording_with_known_parts(classifier, hop):
    parts = [("speech", 20.0), ("music", 25.0), ("speech", 12.0), ("music", 30.0), ("speech", 15.5)]
    y, truth = alternating_recording(parts, seed=2)
    result = segment_signal(y, classifier, hop=hop)
    assert [s.label for s in result.segments] == [label for _, _, label in truth]
    for found, (start, _, _) in zip(_boundaries(result.segments), truth[1:]):
        assert abs(found - start) <= 2.0, (found, start)  # resolution: a fraction of the 3-s window
    assert result.segments[0].start == 0.0
    assert result.segments[-1].end == pytest.approx(y.size / SR)
    assert all(a.end == b.start for a, b in zip(result.segments, result.segments[1:]))
    assert result.seconds_of("speech") + result.seconds_of("music") == pytest.approx(y.size / SR)
    assert result.seconds_of("speech") == pytest.approx(47.5, abs=2.0 * 4)  # 4 boundaries, each within 2 s


class ScriptedClassifier(Classifier):
    """Returns the given probability for the k-th window, whatever the audio (to test the smoothing alone).

    The tests that use it turn boundary refinement off: it scores extra windows the script knows nothing of.
    """

    def __init__(self, probabilities):
        super().__init__(model=None, feature_kind="pooled")
        self.script = list(probabilities)
        self.used = 0

    def probabilities(self, spectrograms):
        k = len(spectrograms)
        p = np.array(self.script[self.used : self.used + k], dtype=np.float64)
        self.used += k
        return np.column_stack([1 - p, p])  # music, speech


def test_smoothing_removes_a_hesitant_flip_that_raw_decisions_show():
    y = np.zeros(int(32.0 * SR) + 100, dtype=np.float32) + 0.01  # 30 grid windows + 1 at the end
    script = [0.9] * 31
    script[14] = script[15] = 0.2  # two windows lean (not strongly) towards music
    raw = segment_signal(y, ScriptedClassifier(script), switch_penalty=0.0, min_durations=None, refine=False)
    smoothed = segment_signal(y, ScriptedClassifier(script), refine=False)
    assert [s.label for s in raw.segments] == ["speech", "music", "speech"]
    assert [s.label for s in smoothed.segments] == ["speech"]


def _grid_recording(n_windows, hop_samples=22016):
    """A recording that the window grid fits exactly (no extra end-aligned window)."""
    return np.zeros((n_windows - 1) * hop_samples + 3 * SR, dtype=np.float32) + 0.01


def test_a_stray_stretch_at_the_end_is_absorbed_like_one_inside():
    # The weighting of the edge cells, seen through the plain switch model with a penalty of 5 (no
    # minimum durations): two windows leaning towards music (p = 0.05, -2.9 nats each) inside the
    # recording are far from the 2 x 5 nats two switches cost. At the end only one switch is
    # needed, and before every window counted once the last one counted almost twice (5.9 nats > 5:
    # a 2-s music segment at the end).
    for position in ("inside", "end"):
        script = [0.9] * 30
        where = slice(14, 16) if position == "inside" else slice(28, 30)
        script[where] = [0.05, 0.05]
        result = segment_signal(_grid_recording(30), ScriptedClassifier(script), refine=False,
                                switch_penalty=5.0, min_durations=None)
        assert result.window_probability.size == 30
        assert [s.label for s in result.segments] == ["speech"], position


def test_a_confident_change_at_the_end_is_kept():
    script = [0.9] * 25 + [0.05] * 5
    result = segment_signal(_grid_recording(30), ScriptedClassifier(script), refine=False)
    assert [s.label for s in result.segments] == ["speech", "music"]
    assert abs(result.segments[1].start - 26.0) <= 2.0


def test_smoothing_keeps_a_confident_change():
    y = np.zeros(int(32.0 * SR) + 100, dtype=np.float32) + 0.01
    script = [0.95] * 12 + [0.02] * 8 + [0.95] * 11
    result = segment_signal(y, ScriptedClassifier(script), refine=False)
    assert [s.label for s in result.segments] == ["speech", "music", "speech"]


def test_segment_file_streams_and_reports(classifier, tmp_path):
    path, truth = write_recording(tmp_path / "show.wav", [("music", 14.0), ("speech", 16.0)], seed=7, sr=44100)
    result = segment_file(path, classifier, block_duration=4.0, overview=True)
    assert [s.label for s in result.segments] == ["music", "speech"]
    assert abs(result.segments[1].start - 14.0) <= 1.5
    assert result.duration == pytest.approx(30.0, abs=1e-3)
    summary = result.as_dict()
    assert summary["n_windows"] == result.window_probability.size
    assert summary["speech_seconds"] + summary["music_seconds"] == pytest.approx(30.0, abs=1e-3)
    assert summary["realtime_factor"] > 0


def test_short_recording_is_one_segment(classifier):
    y, _ = alternating_recording([("music", 2.0)])
    result = segment_signal(y, classifier)
    assert result.segments == [Segment(0.0, pytest.approx(2.0), "music")]


def test_hop_longer_than_window_is_refused(classifier):
    y, _ = alternating_recording([("music", 10.0)])
    with pytest.raises(ParameterError, match="must not be longer than the window"):
        segment_signal(y, classifier, hop=4.0)


def test_plot_has_waveform_spectrogram_probabilities_and_timeline(classifier, tmp_path):
    from speechmusic.apps.plots import plot_segmentation, save_figure

    y, _ = alternating_recording([("speech", 10.0), ("music", 10.0)], seed=1)
    result = segment_signal(y, classifier, overview=True)
    times, low, high = result.overview.envelope(y.size)
    assert times.size <= 4001 and np.all(low <= high)
    assert high.max() == pytest.approx(np.abs(y).max(), rel=0.3)
    image, seconds_per_column = result.overview.spectrogram()
    assert image.shape[0] == 128 and image.shape[1] * seconds_per_column == pytest.approx(20.0, abs=0.1)
    figure = plot_segmentation(result, title="test")
    assert len(figure.axes) == 4
    # One series per label in the label's colour; windows of silence (no evidence) are not drawn.
    series = figure.axes[2].get_lines()[:-1]  # the last line is the 0.5 guide
    assert [line.get_label() for line in series] == list(classifier.class_names)
    assert all(line.get_xdata().size == result.window_starts.size for line in series)
    quiet = segment_signal(np.concatenate([y, np.zeros(8 * SR, np.float32)]), classifier, overview=True)
    drawn = plot_segmentation(quiet).axes[2].get_lines()[0].get_xdata().size
    assert result.window_starts.size <= drawn < quiet.window_starts.size
    path = save_figure(figure, tmp_path / "seg.png")
    assert path.stat().st_size > 10_000
    with pytest.raises(ParameterError):
        plot_segmentation(segment_signal(y, classifier))  # no overview kept


def test_overview_stays_bounded_for_long_recordings():
    from speechmusic.apps.segmentation import OVERVIEW_ENVELOPE_BINS, OVERVIEW_SPECTROGRAM_COLUMNS, Overview

    hours = 3 * 3600 * SR
    picture = Overview(SR, hours, 128, 512)
    assert picture.envelope_min.size <= OVERVIEW_ENVELOPE_BINS + 2
    assert picture.spec_sum.shape[0] <= OVERVIEW_SPECTROGRAM_COLUMNS + 1


# --- silence: the level rule -------------------------------------------------------------------------


def test_hiss_below_the_floor_is_silence_and_the_floor_can_be_moved(classifier):
    speech, _ = alternating_recording([("speech", 8.0)], seed=3)
    hiss = (10 ** (-70 / 20) * np.random.default_rng(0).standard_normal(8 * SR)).astype(np.float32)  # -70 dBFS
    y = np.concatenate([speech, hiss, speech])
    result = segment_signal(y, classifier)
    assert [s.label for s in result.segments] == ["speech", "silence", "speech"]
    assert result.labels == ("music", "speech", "silence")
    assert result.segments[1].start == pytest.approx(8.0, abs=1.0) and result.segments[1].end == pytest.approx(16.0, abs=1.0)
    assert result.as_dict()["silence_seconds"] == pytest.approx(8.0, abs=2.0)
    # Below a lower floor the same hiss is sound, and the model says what it is.
    quieter = segment_signal(y, classifier, silence_db=-80.0)
    assert "silence" not in [s.label for s in quieter.segments]


def test_level_meter_counts_each_cell_s_silent_frames_as_blocks_arrive():
    from speechmusic.apps.evidence import LEVEL_FRAME, LevelMeter

    loud, quiet = np.full(3 * LEVEL_FRAME, 0.1, np.float32), np.full(3 * LEVEL_FRAME, 1e-4, np.float32)  # -20, -80 dBFS
    y = np.concatenate([loud, quiet, loud[: LEVEL_FRAME // 2]])
    meter, pieces = LevelMeter(3 * LEVEL_FRAME), np.array_split(y, 7)  # blocks that cut frames anywhere
    for piece in pieces:
        meter.push(piece)
    meter.finish()
    assert meter.silent_share(0, 3).tolist() == [0.0, 1.0, 0.0]
    meter.forget(2)
    assert meter.silent_share(0, 3).tolist() == [0.0, 0.0, 0.0]  # forgotten cells read as heard nothing
    everything = LevelMeter(3 * LEVEL_FRAME, silence_db=-np.inf)
    everything.push(np.concatenate([quiet, np.zeros(3 * LEVEL_FRAME, np.float32)]))
    assert everything.silent_share(0, 2).tolist() == [0.0, 1.0]  # -inf: digital silence only


def _talk_jingle_talk(p_jingle):
    """Windows of 24 s of talk with a 3-s jingle at 12-15 s: p(speech) 0.9 in the talk, ``p_jingle`` for the
    window wholly inside the jingle and between the two for the windows partly inside (2/3, 1/3)."""
    script = [0.9] * 25
    script[12] = p_jingle
    script[11] = script[13] = 0.5 * (p_jingle + 0.5)
    script[10] = script[14] = 0.7
    return script


def test_a_three_second_jingle_between_two_talks_survives():
    # The windows over the jingle lean towards music without certainty (p(speech) 0.1-0.7, as a
    # classifier hears a jingle cut between two voices): about 2.8 nats for music over its 3 s.
    # A penalty of 5 per switch (the smoothing of earlier versions) swallows it; the default
    # smoothing (3 s minimum for music, 0.5 nats per switch) keeps it.
    script = _talk_jingle_talk(0.1)
    old = segment_signal(_grid_recording(25), ScriptedClassifier(script), refine=False, switch_penalty=5.0,
                         min_durations=None)
    assert [s.label for s in old.segments] == ["speech"]
    result = segment_signal(_grid_recording(25), ScriptedClassifier(script), refine=False)
    assert [s.label for s in result.segments] == ["speech", "music", "speech"]
    assert result.segments[1].start == pytest.approx(12.0, abs=1.0)
    assert result.segments[1].duration == pytest.approx(3.0, abs=0.1)
    # A window that only hesitates (p 0.4) is not a jingle: 3 s of music would cost more than it brings.
    hesitant = segment_signal(_grid_recording(25), ScriptedClassifier(_talk_jingle_talk(0.4)), refine=False)
    assert [s.label for s in hesitant.segments] == ["speech"]


def test_a_short_pause_inside_speech_stays_speech_and_a_long_one_is_silence():
    y = _grid_recording(30)
    script = [0.9] * 30

    def with_pause(seconds):
        z = y.copy()
        z[int(14.2 * SR): int((14.2 + seconds) * SR)] = 0.0  # digital silence, below any floor
        return z

    half = segment_signal(with_pause(0.5), ScriptedClassifier(script), refine=False)
    assert [s.label for s in half.segments] == ["speech"]
    # Each cell decided alone (no smoothing at all), the pause is silence where it covers most of a cell.
    raw = segment_signal(with_pause(0.9), ScriptedClassifier(script), refine=False, switch_penalty=0.0,
                         min_durations=None)
    assert "silence" in [s.label for s in raw.segments]
    assert [s.label for s in segment_signal(with_pause(0.9), ScriptedClassifier(script),
                                            refine=False).segments] == ["speech"]
    long = segment_signal(with_pause(6.0), ScriptedClassifier(script), refine=False)
    assert [s.label for s in long.segments] == ["speech", "silence", "speech"]
    assert long.segments[1].start == pytest.approx(14.2, abs=1.0)
    assert long.segments[1].end == pytest.approx(20.2, abs=1.0)


def test_segment_and_predict_classify_with_one_blas_thread_and_lift_the_limit_after(classifier, tmp_path, monkeypatch):
    # Their many small matrix products gain nothing from a second OpenBLAS thread, which spins
    # between calls (core.executor.one_blas_thread).
    from speechmusic.apps.pipeline import predict_file

    seen = blas_threads_seen(monkeypatch, Classifier, "scores")
    path, _ = write_recording(tmp_path / "show.wav", [("music", 8.0), ("speech", 8.0)], seed=3)
    with two_blas_threads():
        segment_file(path, classifier)
        segmented = len(seen)
        predict_file(path, classifier, hop=1.0)
        after = blas_threads()
    assert segmented > 0 and len(seen) > segmented
    assert all(threads == {1} for threads in seen)
    assert after == {2}
