"""``speechmusic segment INPUT... --out-dir DIR`` on local processes: inputs, outputs, summary, resume.

The runs on a Dask cluster (and a worker killed mid-run) are in test_batch_cluster.py; the HTML
report in a real browser in test_batch_report.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_helpers import assert_near_truth, make_programmes, outputs_of, read_segments, tiny_model
from conftest import run_cli as run

from speechmusic.apps.batch import (
    STATE_FOLDER,
    SUMMARY_COLUMNS,
    expand_inputs,
    plan_outputs,
    read_summary,
    segment_batch,
)
from speechmusic.core.errors import ParameterError


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, dict]:
    """Six programmes and a corrupt file; read only (tests that change inputs copy it)."""
    root = tmp_path_factory.mktemp("archive")
    return root, make_programmes(root, 6, seed=1)


def test_a_folder_gives_one_output_per_recording_a_summary_and_exit_status_1_for_the_bad_file(
        archive, model, tmp_path, capsys):
    root, truth = archive
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "segment", root, "--out-dir", out, "--model", model, "--jobs", "2")
    assert code == 1 and stdout == ""
    assert "7 recordings: 6 segmented" in err and "1 failed" in err and f"failed: {root / 'b' / 'broken.wav'}" in err
    assert "7/7 recordings" in err and " h audio" in err  # the progress bar counts recordings and hours of audio
    rows = read_summary(out / "summary.csv")
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    assert [Path(r["file"]).relative_to(root).as_posix() for r in rows] == sorted(truth)  # input order, once each
    for row in rows:
        name = Path(row["file"]).relative_to(root).as_posix()
        if name == "b/broken.wav":
            assert row["status"] == "failed" and "broken.wav" in row["error"] and "\n" not in row["error"]
            assert row["duration_s"] == row["segments"] == "" and not (out / "b" / "broken.csv").exists()
            continue
        found = read_segments(out / Path(name).with_suffix(".csv"))
        assert_near_truth(found, truth[name])
        assert row["status"] == "ok" and row["error"] == "" and row["worker"]
        assert float(row["duration_s"]) == pytest.approx(truth[name][-1][1], abs=0.01)
        assert float(row["speech_s"]) + float(row["music_s"]) == pytest.approx(float(row["duration_s"]), abs=0.01)
        assert int(row["segments"]) == len(found)
    assert (out / "index.html").is_file()
    assert not [p for p in out.rglob("*.part")]  # no temporary files left behind


def test_inputs_mix_files_folders_and_lists_and_their_paths_are_mirrored(archive, tmp_path):
    root, truth = archive
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "more.txt").write_text(f"# the C folder and one file again\n\n{root / 'c'}\n../{os.path.relpath(root / 'a' / 'programme-000.wav', tmp_path)}\n")
    paths, folders = expand_inputs([root / "a" / "programme-000.wav", f"@{lists / 'more.txt'}", root / "b"])
    names = [p.relative_to(root).as_posix() if p.is_absolute() else Path(os.path.abspath(p)).relative_to(root).as_posix()
             for p in paths]
    assert names == ["a/programme-000.wav", "c/programme-002.wav", "c/programme-005.flac", "b/broken.wav",
                     "b/sub/programme-001.flac", "b/sub/programme-004.wav"]  # the repeat is dropped
    plan = plan_outputs(paths, folders, fmt="textgrid")
    assert [r.output for r in plan] == ["a/programme-000.TextGrid", "c/programme-002.TextGrid",
                                        "c/programme-005.TextGrid", "b/broken.TextGrid",
                                        "b/sub/programme-001.TextGrid", "b/sub/programme-004.TextGrid"]
    # One folder alone is the root of its own outputs; a name shared by two recordings keeps both suffixes.
    assert [r.output for r in plan_outputs(*expand_inputs([root / "b"]))] == [
        "broken.csv", "sub/programme-001.csv", "sub/programme-004.csv"]
    assert [r.output for r in plan_outputs([Path("x/show.wav"), Path("x/show.mp3"), Path("x/summary.flac")])] == [
        "show.wav.csv", "show.mp3.csv", "summary.flac.csv"]


def test_bad_lists_and_folders_are_refused_before_any_work(tmp_path, model, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "blank.txt").write_text("# nothing here\n\n")
    for argv, message in (([f"@{tmp_path / 'nope.txt'}"], "no such list file"),
                          ([f"@{tmp_path / 'blank.txt'}"], "names no recordings"),
                          ([tmp_path / "empty"], "no audio files in this folder")):
        code, _, err = run(capsys, "segment", *argv, "--out-dir", tmp_path / "out", "--model", model)
        assert code == 2 and message in err, err
    assert not (tmp_path / "out").exists()
    with pytest.raises(ParameterError, match="either --jobs"):
        segment_batch([tmp_path], tmp_path / "out", jobs=2, scheduler="tcp://127.0.0.1:1")


def test_single_recording_options_and_batch_options_do_not_mix(archive, model, tmp_path, capsys):
    root, _ = archive
    one, two = root / "a" / "programme-000.wav", root / "a" / "programme-003.wav"
    for argv, message in (((one, two), "--out-dir DIR"),
                          ((one, "--jobs", "2"), "--jobs works with --out-dir"),
                          ((one, "--scheduler", "tcp://127.0.0.1:8786"), "--scheduler works with --out-dir"),
                          ((one, "--out-dir", tmp_path / "o", "--plot", tmp_path / "f.png"), "--plot is for one"),
                          ((one, "--out-dir", tmp_path / "o", "-o", tmp_path / "s.csv"), "-o/--output is for one"),
                          ((one, "--out-dir", tmp_path / "o", "--json"), "--json is for one")):
        code, out, err = run(capsys, "segment", *argv, "--model", model)
        assert code == 2 and message in err and out == "", (argv, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("fmt, suffix", [("textgrid", ".TextGrid"), ("json", ".json"), ("audacity", ".txt")])
def test_every_format_writes_one_file_per_recording(archive, model, tmp_path, fmt, suffix, capsys):
    root, truth = archive
    out = tmp_path / "out"
    code, _, _ = run(capsys, "segment", root / "c", "--out-dir", out, "--model", model, "--format", fmt, "--quiet")
    assert code == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and STATE_FOLDER not in p.parts)
    assert written == sorted(["index.html", "summary.csv", "programme-002" + suffix, "programme-005" + suffix])
    if fmt == "json":
        data = json.loads((out / "programme-002.json").read_text())
        assert data["file"] == str(root / "c" / "programme-002.wav") and data["model"] == str(model)
        assert [s["label"] for s in data["segments"]] == [label for _, _, label in truth["c/programme-002.wav"]]


def test_impossible_settings_are_refused_before_any_work(archive, model, tmp_path, capsys):
    code, _, err = run(capsys, "segment", archive[0], "--out-dir", tmp_path / "out", "--model", model, "--hop", "4")
    assert code == 2 and "hop (4 s) must not be longer than the window" in err
    assert not (tmp_path / "out").exists()
    with pytest.raises(ParameterError, match="minimum durations must be seconds >= 0"):
        segment_batch([archive[0]], tmp_path / "out", model=model, min_durations={"music": float("nan")})
    assert not (tmp_path / "out").exists()


def _copy_archive(root: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(root, dest)
    return dest


def test_a_rerun_skips_what_is_done_and_redoes_what_changed(archive, model, tmp_path):
    root = _copy_archive(archive[0], tmp_path / "in")
    out = tmp_path / "out"
    first = segment_batch([root], out, model=model)
    assert first.counts == {"ok": 6, "skipped": 0, "failed": 1}
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    again = segment_batch([root], out, model=model)
    assert again.counts == {"ok": 0, "skipped": 6, "failed": 1}  # the bad file is tried again
    rows = read_summary(out / "summary.csv")
    assert [r["status"] for r in rows] == [r["status"] if r["status"] == "failed" else "skipped" for r in first.rows]
    kept = [r for r in rows if r["status"] == "skipped"]
    assert all(r["duration_s"] and r["segments"] and r["worker"] for r in kept)  # figures of the run that did it
    for path, stamp in stamps.items():
        if path.name not in ("summary.csv", "index.html"):
            assert path.stat().st_mtime_ns == stamp, path  # nothing rewritten

    changed = root / "a" / "programme-003.wav"
    changed.write_bytes(changed.read_bytes())  # same bytes, new modification time
    third = segment_batch([root], out, model=model)
    assert third.counts == {"ok": 1, "skipped": 5, "failed": 1}
    fourth = segment_batch([root], out, model=model, check_content=True)  # records made without hashes: redo
    assert fourth.counts == {"ok": 6, "skipped": 0, "failed": 1}
    os.utime(changed, ns=(time.time_ns(), time.time_ns() + 10**9))
    fifth = segment_batch([root], out, model=model, check_content=True)  # only the time changed: the bytes decide
    assert fifth.counts == {"ok": 0, "skipped": 6, "failed": 1}
    other_settings = segment_batch([root], out, model=model, switch_penalty=3.0)
    assert other_settings.counts == {"ok": 6, "skipped": 0, "failed": 1}
    longer_music = segment_batch([root], out, model=model, switch_penalty=3.0, min_durations={"music": 10.0})
    assert longer_music.counts == {"ok": 6, "skipped": 0, "failed": 1}  # the minimum durations are settings too
    same = segment_batch([root], out, model=model, switch_penalty=3.0, min_durations={"music": 10})
    assert same.counts == {"ok": 0, "skipped": 6, "failed": 1}


def test_a_half_written_file_is_never_taken_as_done(archive, model, tmp_path):
    root, truth = archive
    out = tmp_path / "out"
    segment_batch([root], out, model=model)
    reference = outputs_of(out)
    # 1. A run killed while writing a.../programme-000.csv: only the temporary file is there.
    done = out / "a" / "programme-000.csv"
    done.unlink()
    (out / "a" / ".programme-000.csv.x1y2.part").write_text("start,end,label\n0.000,3.1")
    # 2. A run killed after writing the state record of programme-003 but before its output.
    record_path = out / STATE_FOLDER / "a" / "programme-003.csv.json"
    record = json.loads(record_path.read_text())
    record["output_sha256"] = "0" * 64  # the output it was about to publish
    record_path.write_text(json.dumps(record))
    (out / "a" / "programme-003.csv").write_text("start,end,label\n")  # still the older output
    record["replaces_sha256"] = __import__("hashlib").sha256(b"start,end,label\n").hexdigest()
    record_path.write_text(json.dumps(record))
    # 3. A state record cut short.
    cut = out / STATE_FOLDER / "c" / "programme-002.csv.json"
    cut.write_text(cut.read_text()[:40])

    rerun = segment_batch([root], out, model=model)
    statuses = {Path(r["file"]).relative_to(root).as_posix(): r["status"] for r in rerun.rows}
    assert statuses["a/programme-000.wav"] == statuses["a/programme-003.wav"] == statuses["c/programme-002.wav"] == "ok"
    assert sum(s == "skipped" for s in statuses.values()) == 3
    assert outputs_of(out) == reference


def test_an_existing_file_this_command_did_not_write_is_kept_unless_overwrite(archive, model, tmp_path):
    root, _ = archive
    out = tmp_path / "out"
    mine = out / "programme-000.csv"  # the folder a/ is the root of its outputs
    mine.parent.mkdir(parents=True)
    mine.write_text("my own labels\n")
    outcome = segment_batch([root / "a"], out, model=model)
    row = next(r for r in outcome.rows if r["file"].endswith("programme-000.wav"))
    assert row["status"] == "failed" and "was not written by this command" in row["error"] and "--overwrite" in row["error"]
    assert mine.read_text() == "my own labels\n"
    outcome = segment_batch([root / "a"], out, model=model, overwrite=True)
    assert outcome.counts == {"ok": 2, "skipped": 0, "failed": 0} and mine.read_text().startswith("start,end,label\n")


@pytest.mark.slow
def test_a_run_killed_midway_resumes_without_redoing_finished_recordings(tmp_path, model):
    root = tmp_path / "in"
    make_programmes(root, 9, seed=2, corrupt=False)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "speechmusic", "segment", str(root), "--out-dir", str(out), "--model", str(model),
               "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    records = out / STATE_FOLDER
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if len([p for p in records.rglob("*.json")]) >= 3:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)  # a killed machine: no clean-up of any kind
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    process.stderr.close()
    finished = {p: p.stat().st_mtime_ns for p in out.rglob("programme-*.csv")}
    assert 1 <= len(finished) < 9 and not (out / "summary.csv").exists()

    done = []
    resumed = segment_batch([root], out, model=model, on_result=lambda recording, row: done.append(recording.output))
    skipped = [r for r in resumed.rows if r["status"] == "skipped"]
    assert len(resumed.rows) == 9 and resumed.counts["failed"] == 0
    assert len(skipped) >= len(finished) - 1  # at most the one being written may be redone
    assert len(done) == 9 - len(skipped)
    for path, stamp in finished.items():
        if path.relative_to(out).as_posix() not in done:
            assert path.stat().st_mtime_ns == stamp
    clean = tmp_path / "clean"
    segment_batch([root], clean, model=model)
    assert outputs_of(out) == outputs_of(clean)
