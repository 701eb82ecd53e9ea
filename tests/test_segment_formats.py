"""The segment output formats: each one parsed back the way the program that reads it would."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from segment_readers import parse_audacity, parse_textgrid

from speechmusic.apps.segment_formats import (
    SEGMENT_FORMATS,
    format_segments,
    read_segments_csv,
    segments_audacity,
    segments_textgrid,
    write_segments,
)
from speechmusic.apps.segmentation import Segment, SegmentationResult
from speechmusic.core import fileio
from speechmusic.core.errors import ParameterError

SEGMENTS = [Segment(0.0, 2.995, "speech"), Segment(2.995, 42.934, "music"), Segment(42.934, 49.9236, "speech")]
DURATION = 49.9236


def result_with(segments=SEGMENTS, duration=DURATION) -> SegmentationResult:
    starts = np.arange(0.0, max(duration - 3.0, 0.0) + 1e-9, 1.0)
    return SegmentationResult(
        segments=list(segments), window_starts=starts, window_ends=np.minimum(starts + 3.0, duration),
        window_probability=np.full(starts.size, 0.5), cell_edges=np.arange(0.0, duration + 1.0),
        cell_log_odds=np.zeros(int(duration)), duration=duration, window=3.0, hop=1.0, switch_penalty=5.0,
        elapsed=0.1,
    )


# --- each format, parsed back ---------------------------------------------------------------------

def test_csv_parses_back_with_the_csv_module():
    rows = list(csv.DictReader(io.StringIO(format_segments(result_with(), "csv"))))
    assert [(float(r["start"]), float(r["end"]), r["label"]) for r in rows] == [
        (0.0, 2.995, "speech"), (2.995, 42.934, "music"), (42.934, 49.924, "speech")]


def test_audacity_label_track_has_one_tab_separated_line_per_segment():
    text = format_segments(result_with(), "audacity")
    assert text.endswith("\n") and "\r" not in text
    assert parse_audacity(text) == [(0.0, 2.995, "speech"), (2.995, 42.934, "music"), (42.934, 49.9236, "speech")]
    # labels can never break the line structure
    assert parse_audacity(segments_audacity([Segment(0, 1, "odd\tlabel\nhere")])) == [(0.0, 1.0, "odd label here")]


def test_textgrid_has_one_interval_tier_covering_the_whole_recording():
    grid = parse_textgrid(format_segments(result_with(), "textgrid"))
    assert grid["xmin"] == 0.0 and grid["xmax"] == pytest.approx(DURATION, abs=5e-4)
    (tier,) = grid["tiers"]
    assert tier["class"] == "IntervalTier" and tier["name"] == "labels"
    assert (tier["xmin"], tier["xmax"]) == (grid["xmin"], grid["xmax"])
    intervals = tier["intervals"]
    assert [label for _, _, label in intervals] == ["speech", "music", "speech"]
    assert intervals[0][0] == 0.0 and intervals[-1][1] == grid["xmax"]
    assert all(a[1] == b[0] for a, b in zip(intervals, intervals[1:]))  # contiguous, exactly
    assert all(start < end for start, end, _ in intervals)
    assert [end for _, end, _ in intervals[:-1]] == [2.995, 42.934]


def test_textgrid_fills_gaps_with_empty_intervals_and_quotes_labels():
    grid = parse_textgrid(segments_textgrid([Segment(1.0, 2.0, 'say "hi"'), Segment(3.0, 4.0, "music")], duration=5.0))
    assert grid["tiers"][0]["intervals"] == [
        (0.0, 1.0, ""), (1.0, 2.0, 'say "hi"'), (2.0, 3.0, ""), (3.0, 4.0, "music"), (4.0, 5.0, "")]
    assert parse_textgrid(segments_textgrid([], duration=2.0))["tiers"][0]["intervals"] == [(0.0, 2.0, "")]
    with pytest.raises(ParameterError, match="overlap"):
        segments_textgrid([Segment(0.0, 2.0, "music"), Segment(1.0, 3.0, "speech")], duration=3.0)
    with pytest.raises(ParameterError, match="duration"):
        segments_textgrid([], duration=0.0)


def test_json_holds_the_summary_the_segments_and_the_given_fields():
    data = json.loads(format_segments(result_with(), "json", file="show.flac", model="model.npz"))
    assert data["file"] == "show.flac" and data["model"] == "model.npz"
    assert data["duration"] == pytest.approx(DURATION, abs=1e-3)
    assert data["segments"] == [s.as_dict() for s in SEGMENTS]
    assert data["speech_seconds"] == pytest.approx(2.995 + 49.9236 - 42.934, abs=1e-3)
    assert {"window", "hop", "switch_penalty", "n_windows", "music_seconds", "realtime_factor"} <= set(data)


def test_an_unknown_format_is_refused():
    with pytest.raises(ParameterError, match="csv, audacity, textgrid, json"):
        format_segments(result_with(), "srt")


# --- writing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", list(SEGMENT_FORMATS))
def test_every_format_is_written_atomically_and_never_over_an_existing_file(tmp_path, monkeypatch, fmt):
    path = tmp_path / "out" / f"segments{SEGMENT_FORMATS[fmt]}"
    published = []
    real_publish = fileio._publish

    def watch(tmp, final, overwrite):
        # At the moment of publishing, the whole text is in a hidden temporary file beside the
        # target, and the target does not exist yet: a reader never sees a half-written file.
        published.append((tmp.parent, tmp.name, tmp.read_text(), final.exists()))
        real_publish(tmp, final, overwrite)

    monkeypatch.setattr(fileio, "_publish", watch)
    write_segments(result_with(), path, fmt)
    expected = format_segments(result_with(), fmt)
    assert path.read_text() == expected
    [(folder, name, text, existed)] = published
    assert folder == path.parent and name.startswith(f".{path.name}.") and name.endswith(".part")
    assert text == expected and not existed
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left

    with pytest.raises(FileExistsError):
        write_segments(result_with(segments=SEGMENTS[:1]), path, fmt)
    assert path.read_text() == expected
    write_segments(result_with(segments=SEGMENTS[:1], duration=2.995), path, fmt, overwrite=True)
    assert path.read_text() == format_segments(result_with(segments=SEGMENTS[:1], duration=2.995), fmt)


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch):
    path = tmp_path / "segments.TextGrid"

    def broken(tmp, final, overwrite):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio, "_publish", broken)
    with pytest.raises(OSError):
        write_segments(result_with(), path, "textgrid")
    assert list(tmp_path.iterdir()) == []


def test_csv_reader_reads_what_the_writer_wrote(tmp_path):
    path = write_segments(result_with(), tmp_path / "s.csv", "csv")
    assert [(s.start, s.end, s.label) for s in read_segments_csv(path)] == [
        (0.0, 2.995, "speech"), (2.995, 42.934, "music"), (42.934, 49.924, "speech")]
