"""``speechmusic segment``: its output formats, destinations and messages, end to end on generated audio."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import run_cli as run
from model_helpers import save_model, write_recording
from segment_readers import parse_audacity, parse_textgrid

from speechmusic import cli

PARTS = [("speech", 8.0), ("music", 10.0), ("speech", 7.0)]


@pytest.fixture
def model(tiny_dataset, tmp_path):
    return save_model(tiny_dataset, tmp_path / "model.npz")


@pytest.fixture
def show(tmp_path):
    path, _ = write_recording(tmp_path / "show.flac", PARTS, seed=3)
    return path


def _spans(rows):
    """``[(start, end, label)]`` with times rounded to 10 ms, for comparing formats."""
    return [(round(float(a), 2), round(float(b), 2), label) for a, b, label in rows]


def test_every_format_tells_the_same_segments(model, show, tmp_path, capsys):
    found = {}
    for fmt, name in (("csv", "s.csv"), ("audacity", "s.txt"), ("textgrid", "s.TextGrid"), ("json", "s.json")):
        out_path = tmp_path / "out" / name
        code, out, err = run(capsys, "segment", show, "--model", model, "--format", fmt, "-o", out_path, "--quiet")
        assert code == 0 and out == "" and err == ""
        text = out_path.read_text(encoding="utf-8")
        if fmt == "csv":
            rows = [(r["start"], r["end"], r["label"]) for r in csv.DictReader(io.StringIO(text))]
        elif fmt == "audacity":
            rows = parse_audacity(text)
        elif fmt == "textgrid":
            grid = parse_textgrid(text)
            (tier,) = grid["tiers"]
            assert grid["xmin"] == 0 and grid["xmax"] == pytest.approx(25.0, abs=1e-3) == tier["xmax"]
            assert all(a[1] == b[0] for a, b in zip(tier["intervals"], tier["intervals"][1:]))
            rows = tier["intervals"]
        else:
            data = json.loads(text)
            assert data["file"] == str(show) and data["model"] == str(model)
            assert data["duration"] == pytest.approx(25.0, abs=1e-3)
            rows = [(s["start"], s["end"], s["label"]) for s in data["segments"]]
        found[fmt] = _spans(rows)
    assert [label for _, _, label in found["csv"]] == ["speech", "music", "speech"]
    assert abs(found["csv"][1][0] - 8.0) <= 2.0 and abs(found["csv"][2][0] - 18.0) <= 2.0
    assert found["audacity"] == found["textgrid"] == found["json"] == found["csv"]


@pytest.mark.parametrize("fmt", ["csv", "audacity", "textgrid", "json"])
def test_dash_writes_the_format_on_stdout(model, show, capsys, fmt, tmp_path):
    code, out, err = run(capsys, "segment", show, "--model", model, "--format", fmt, "-o", "-", "--quiet")
    assert code == 0 and err == ""
    file_path = tmp_path / f"copy.{fmt}"
    assert run(capsys, "segment", show, "--model", model, "--format", fmt, "-o", file_path, "--quiet")[0] == 0
    reference = file_path.read_text()
    if fmt == "json":  # the summary holds the time the run took
        drop = ("elapsed_seconds", "realtime_factor")
        assert {k: v for k, v in json.loads(out).items() if k not in drop} == {
            k: v for k, v in json.loads(reference).items() if k not in drop}
    else:
        assert out == reference


def test_min_duration_sets_the_shortest_stretch_a_label_keeps(model, tmp_path, capsys):
    sting, _ = write_recording(tmp_path / "sting.flac", [("speech", 12.0), ("music", 4.5), ("speech", 12.0)], seed=4)

    def labels_and_settings(*options):
        code, out, err = run(capsys, "segment", sting, "--model", model, "--format", "json", "-o", "-", "--quiet", *options)
        assert code == 0, err
        document = json.loads(out)
        return [s["label"] for s in document["segments"]], document["min_durations"]

    labels, used = labels_and_settings()
    assert labels == ["speech", "music", "speech"] and used == {"speech": 4.0, "music": 3.0, "silence": 4.0}
    labels, used = labels_and_settings("--min-duration", "music=10", "--min-duration", "Silence=1")
    assert labels == ["speech"] and used == {"speech": 4.0, "music": 10.0, "silence": 1.0}  # 4.5 s of music is too short
    assert labels_and_settings("--min-duration", "music=10", "--min-duration", "music=3")[0] == ["speech", "music", "speech"]
    for bad, says in (("choir=1", "LABEL one of speech, music, noise, silence"), ("music", "LABEL=SECONDS"),
                      ("music=-1", "must be a number >= 0"), ("music=nan", "")):
        with pytest.raises(SystemExit) as stop:  # argparse's usage error
            run(capsys, "segment", sting, "--model", model, "--min-duration", bad)
        err = capsys.readouterr().err
        assert stop.value.code == 2 and "--min-duration" in err and says in err, (bad, err)


def test_existing_outputs_are_kept_unless_overwrite(model, show, tmp_path, capsys):
    grid = tmp_path / "show.TextGrid"
    grid.write_text("my own annotations\n")
    code, out, err = run(capsys, "segment", show, "--model", model, "--format", "textgrid", "-o", grid)
    assert code == 2 and "already exists" in err and "--overwrite" in err
    assert grid.read_text() == "my own annotations\n"  # refused before any work
    code, _, _ = run(capsys, "segment", show, "--model", model, "--format", "textgrid", "-o", grid,
                     "--overwrite", "--quiet")
    assert code == 0 and parse_textgrid(grid.read_text())["tiers"][0]["name"] == "labels"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary files left


def test_json_summary_names_what_was_written(model, show, tmp_path, capsys):
    labels = tmp_path / "labels.txt"
    code, out, _ = run(capsys, "segment", show, "--model", model, "--format", "audacity", "-o", labels, "--json",
                       "--quiet")
    summary = json.loads(out)
    assert code == 0 and summary["output"] == str(labels) and summary["format"] == "audacity"
    assert [s["label"] for s in summary["segments"]] == [label for _, _, label in parse_audacity(labels.read_text())]
    code, out, _ = run(capsys, "segment", show, "--model", model, "--json", "--quiet")
    summary = json.loads(out)
    assert code == 0 and summary["output"] is None and summary["format"] is None and summary["segments"]
    # the settings it ran with, the smoothing's minimum durations among them (those of the labels it chose between)
    assert summary["switch_penalty"] == 0.5 and set(summary["min_durations"]) == set(summary["labels"])
    assert summary["min_durations"]["music"] == 3.0 and summary["min_durations"]["silence"] == 4.0


def test_conflicting_destinations_are_refused(model, show, tmp_path, capsys):
    code, _, err = run(capsys, "segment", show, "--model", model, "--csv", tmp_path / "a.csv", "-o", tmp_path / "b.csv")
    assert code == 2 and "either --csv" in err
    code, _, err = run(capsys, "segment", show, "--model", model, "--csv", tmp_path / "a.csv", "--format", "json")
    assert code == 2 and "--output" in err
    code, _, err = run(capsys, "segment", show, "--model", model, "--format", "textgrid", "--json")
    assert code == 2 and "--output FILE" in err
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["segment", str(show), "--model", str(model), "--format", "srt"])
    assert exit_info.value.code == 2 and "invalid choice: 'srt'" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "model.npz", "show.flac"]  # nothing written


def test_the_summary_line_counts_segments_in_the_right_number(model, tmp_path, capsys):
    one, _ = write_recording(tmp_path / "one.wav", [("music", 9.0)], seed=1)
    code, out, err = run(capsys, "segment", one, "--model", model, "-o", tmp_path / "one.csv")
    assert code == 0 and out == ""
    assert ": 9.0 s, 1 segment (speech 0.0 s, music 9.0 s, silence 0.0 s)" in err and f"wrote {tmp_path / 'one.csv'}" in err
    code, _, err = run(capsys, "segment", tmp_path / "one.wav", "--model", model)
    assert "1 segment " in err


def test_segment_lets_malloc_keep_freed_memory_for_the_next_windows(model, show, tmp_path, capsys, monkeypatch):
    # glibc hands large freed blocks back and faults them in again for the next batch of windows:
    # the command relaxes that in its own process (core.executor.relax_malloc_trim), one file or many.
    from speechmusic.commands import segment

    calls = []
    monkeypatch.setattr(segment, "relax_malloc_trim", lambda: calls.append("relaxed") or True)
    assert run(capsys, "segment", str(show), "--model", model, "-o", str(tmp_path / "s.csv"))[0] == 0
    assert run(capsys, "segment", str(show), "--model", model, "--out-dir", str(tmp_path / "many"))[0] == 0
    assert calls == ["relaxed", "relaxed"]
