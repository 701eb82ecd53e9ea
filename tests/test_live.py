"""Live segmentation in this process: the same stages as offline, a bounded delay, bounded memory, gaps, files."""

import csv
import io
import json

import numpy as np
import pytest
from conftest import SR
from model_helpers import alternating_recording, tones_vs_noise_classifier
from segment_readers import parse_audacity, parse_textgrid

from speechmusic.apps.listener import GAP, Listener
from speechmusic.apps.live import LiveSegmenter
from speechmusic.apps.live_sources import Lost, Resumed
from speechmusic.apps.segment_formats import FORMATS, SegmentLog, format_segments
from speechmusic.apps.segmentation import Segment, segment_signal
from speechmusic.core.errors import ParameterError

PARTS = [("speech", 20.45), ("music", 15.55), ("speech", 12.4), ("music", 18.6), ("speech", 11.5)]
BLOCK = 2205  # 0.1 s, what the sources deliver


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from conftest import make_dataset

    return tones_vs_noise_classifier(make_dataset(tmp_path_factory.mktemp("livedata") / "data"))


def run_live(y, classifier, *, block=BLOCK, **options):
    live = LiveSegmenter(classifier, **options)
    segments, opened, lags = [], [], []
    for i in range(0, y.size, block):
        for change in live.feed(y[i : i + block]):
            if change.closed is not None:
                segments.append(change.closed)
            if change.label:
                opened.append((change.time, change.label, live.heard, change.probability))
        lags.append((live.heard, live.heard - live.decided_until))
    for change in live.finish():
        if change.closed is not None:
            segments.append(change.closed)
    return segments, opened, lags, live


def labels_on_grid(segments, end, grid=0.1):
    t = np.arange(0.0, end, grid) + grid / 2
    out = np.full(t.size, "", dtype=object)
    for s in segments:
        out[(t >= s.start) & (t < s.end)] = s.label
    return out


def test_live_agrees_with_offline_and_decides_within_the_latency(classifier):
    y, truth = alternating_recording(PARTS, seed=3)
    offline = segment_signal(y, classifier).segments
    segments, opened, lags, live = run_live(y, classifier, latency=2.0)
    end = y.size / SR
    # the segments cover the stream without gaps or overlaps, in the same labels as offline
    assert segments[0].start == 0.0 and segments[-1].end == pytest.approx(end)
    assert all(a.end == b.start for a, b in zip(segments, segments[1:]))
    assert [s.label for s in segments] == [s.label for s in offline] == [label for _, _, label in truth]
    assert np.mean(labels_on_grid(segments, end) == labels_on_grid(offline, end)) >= 0.97
    for found, expected in zip(segments[1:], offline[1:]):
        assert abs(found.start - expected.start) <= 1.0, (found, expected)
    # every moment is decided at most latency + one hop after it was heard (after the first window)
    window, hop = 3.0, live.hop
    assert max(lag for heard, lag in lags if heard > window + 2.0) <= 2.0 + hop + 1e-9
    # each change is reported within latency + one hop of the audio that made it (before refinement moved it)
    for time_, label, heard, _ in opened[1:]:
        assert heard - time_ <= 2.0 + hop + 2 * hop + 2.0, (time_, label, heard)  # refinement reaches back
    assert all(0.5 < p <= 1.0 for *_, p in opened)  # the probability of the label it reports


@pytest.mark.parametrize("pause", [1.2, 1.6, 2.0])
def test_a_pause_inside_speech_stays_speech_live_as_offline(classifier, pause):
    # Deciding cell by cell, the best path when the cell of the pause is decided goes through
    # silence, and the next decision's through speech: a silence of one cell that no single path
    # has (the smoothing holds silence to 4 s). It is folded into the speech after it.
    a, _ = alternating_recording([("speech", 12.0)], seed=0)
    b, _ = alternating_recording([("speech", 12.0)], seed=50)
    y = np.concatenate([a, np.zeros(int(pause * SR), np.float32), b])
    end = y.size / SR
    assert [s.label for s in segment_signal(y, classifier).segments] == ["speech"]
    segments, opened, _, _ = run_live(y, classifier, latency=2.0)
    assert {s.label for s in segments} == {"speech"}  # nothing else is written
    assert segments[0].start == 0.0 and segments[-1].end == pytest.approx(end)
    assert all(a.end == b.start for a, b in zip(segments, segments[1:]))
    # what was said live: silence where the pause began, then speech again from that same moment
    assert [label for _, label, _, _ in opened] == ["speech", "silence", "speech"]
    (_, _, _, _), (began, _, _, _), (again, _, _, _) = opened
    assert again == began == segments[1].start and abs(began - 12.0) <= 1.0
    # the listener (what listen writes and counts) keeps no silence either
    listener = Listener(lambda: LiveSegmenter(classifier, latency=2.0))
    events = []
    for i in range(0, y.size, BLOCK):
        events += listener.take(y[i : i + BLOCK])
    events += listener.finish()
    assert [e.segment.label for e in events if e.kind == "close"] == ["speech", "speech"]
    assert listener.seconds["silence"] == 0.0 and listener.seconds["speech"] == pytest.approx(end)
    # Without minimum durations one cell of silence is the smoothing's own decision: kept, as segment keeps it.
    offline = segment_signal(y, classifier, min_durations=None).segments
    segments = run_live(y, classifier, latency=2.0, min_durations=None)[0]
    assert [s.label for s in segments] == [s.label for s in offline] == ["speech", "silence", "speech"]


def test_with_the_whole_recording_rule_the_live_stages_are_segment_cell_for_cell(classifier):
    # The stages are shared: only the decision rule makes live differ from offline.
    from speechmusic.apps.smoothing import WholeRecording

    y, _ = alternating_recording(PARTS, seed=9)
    y[int(30 * SR) : int(33 * SR)] = 0.0  # digital silence: ties that only the same arithmetic breaks alike
    for hop in (1.0, 0.5):
        offline = segment_signal(y, classifier, hop=hop, refine=False).segments
        live = run_live(y, classifier, hop=hop, refine=False, rule=WholeRecording())[0]
        assert live == offline


def test_a_longer_latency_looks_further_ahead(classifier):
    y, _ = alternating_recording(PARTS, seed=3)
    _, _, short, _ = run_live(y, classifier, latency=0.5)
    _, _, long, _ = run_live(y, classifier, latency=4.0)
    assert max(lag for heard, lag in short if heard > 5) <= 0.5 + 1.0
    assert max(lag for heard, lag in long if heard > 8) > 4.0


def test_decisions_do_not_depend_on_the_block_size(classifier):
    y, _ = alternating_recording(PARTS[:3], seed=5)
    a = run_live(y, classifier, block=2205)[0]
    b = run_live(y, classifier, block=22050)[0]
    end = y.size / SR
    assert np.mean(labels_on_grid(a, end) == labels_on_grid(b, end)) > 0.97


def test_memory_stays_bounded_on_a_long_stream(classifier):
    y, _ = alternating_recording([("speech", 25.0), ("music", 35.0)] * 3, seed=8)  # 6 minutes
    live = LiveSegmenter(classifier, latency=2.0, refine=False)
    most = 0
    for i in range(0, y.size, 22050):
        live.feed(y[i : i + 22050])
        most = max(most, live.memory_items, live._recent.size / SR)
    assert most <= 30  # windows, cells and back-pointers of the look-ahead; seconds of recent audio
    assert live.heard == pytest.approx(y.size / SR)


def test_a_stream_shorter_than_a_window_and_an_empty_one(classifier):
    y, _ = alternating_recording([("music", 2.0)])
    segments = run_live(y, classifier)[0]
    assert segments == [Segment(0.0, pytest.approx(2.0), "music")]
    assert LiveSegmenter(classifier).finish() == []
    live = LiveSegmenter(classifier)
    live.finish()
    with pytest.raises(ParameterError):
        live.feed(y)


def test_options_are_checked_as_offline(classifier):
    with pytest.raises(ParameterError, match="must not be longer than the window"):
        LiveSegmenter(classifier, hop=4.0)
    with pytest.raises(ParameterError):
        LiveSegmenter(classifier, latency=-1.0)


def test_a_drop_becomes_a_gap_and_the_stretches_after_it_start_anew(classifier):
    y, _ = alternating_recording([("speech", 12.0), ("music", 10.0)], seed=1)
    listener = Listener(lambda: LiveSegmenter(classifier))
    events = []
    for i in range(0, y.size, BLOCK):
        events += listener.take(y[i : i + BLOCK])
    events += listener.take(Lost("connection reset"))
    assert listener.label == GAP
    events += listener.take(None)
    events += listener.take(Resumed(7.5))  # 7.5 s without audio
    for i in range(0, y.size, BLOCK):
        events += listener.take(y[i : i + BLOCK])
    events += listener.finish()
    closed = [e.segment for e in events if e.kind == "close"]
    assert [s.label for s in closed] == ["speech", "music", GAP, "speech", "music"]
    assert all(a.end == pytest.approx(b.start) for a, b in zip(closed, closed[1:]))
    stretch = y.size / SR
    assert closed[2].start == pytest.approx(stretch) and closed[2].end == pytest.approx(stretch + 7.5)
    assert closed[-1].end == pytest.approx(2 * stretch + 7.5) == pytest.approx(listener.heard)
    assert listener.seconds[GAP] == pytest.approx(7.5)
    opened = [(e.time, e.label) for e in events if e.kind == "open"]
    assert [label for _, label in opened] == ["speech", "music", GAP, "speech", "music"]


def test_duration_stops_the_listener_at_that_point(classifier):
    y, _ = alternating_recording([("speech", 12.0), ("music", 10.0)], seed=1)
    listener = Listener(lambda: LiveSegmenter(classifier), duration=15.0)
    events = []
    for i in range(0, y.size, BLOCK):
        events += listener.take(y[i : i + BLOCK])
        if listener.done:
            break
    events += listener.finish()
    closed = [e.segment for e in events if e.kind == "close"]
    assert closed[-1].end == pytest.approx(15.0) and [s.label for s in closed] == ["speech", "music"]


SEGMENTS = [Segment(0.0, 12.07, "speech"), Segment(12.07, 20.0, "music"), Segment(20.0, 27.5, GAP),
            Segment(27.5, 40.25, "speech")]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_segments_file_is_valid_after_every_segment(tmp_path, fmt):
    path = tmp_path / f"live{FORMATS[fmt].suffix}"
    log = SegmentLog(path, fmt, fields=lambda segments: {"source": "test", "n": len(segments)})
    for k, segment in enumerate(SEGMENTS, start=1):
        log.add(segment)
        text = path.read_text(encoding="utf-8")
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(text)))
            assert [(float(r["start"]), float(r["end"]), r["label"]) for r in rows] == [
                (round(s.start, 3), round(s.end, 3), s.label) for s in SEGMENTS[:k]]
        elif fmt == "audacity":
            assert parse_audacity(text) == [(s.start, s.end, s.label) for s in SEGMENTS[:k]]
        elif fmt == "textgrid":
            (tier,) = parse_textgrid(text)["tiers"]
            assert [text for _, _, text in tier["intervals"]] == [s.label for s in SEGMENTS[:k]]
        else:
            document = json.loads(text)
            assert document["n"] == k and [s["label"] for s in document["segments"]] == [s.label for s in SEGMENTS[:k]]
    log.close()
    # the same text as segment writes for the same segments (CSV, Audacity: byte for byte)
    if fmt in ("csv", "audacity"):
        from test_segment_formats import result_with

        assert path.read_text() == format_segments(result_with(segments=SEGMENTS, duration=40.25), fmt)
    assert not list(tmp_path.glob(".*.part"))  # no temporary file left behind
    with pytest.raises(FileExistsError):
        SegmentLog(path, fmt)
    assert path.read_text() != ""  # untouched


def test_the_json_log_exists_from_the_start_and_the_textgrid_from_the_first_segment(tmp_path):
    SegmentLog(tmp_path / "a.json", "json")
    assert json.loads((tmp_path / "a.json").read_text())["segments"] == []
    log = SegmentLog(tmp_path / "a.TextGrid", "textgrid")
    assert not (tmp_path / "a.TextGrid").exists()
    log.add(SEGMENTS[0])
    assert parse_textgrid((tmp_path / "a.TextGrid").read_text())["xmax"] == pytest.approx(12.07)
