"""``speechmusic download``: option handling and the offline synthetic source end to end."""

from __future__ import annotations

import csv

import pytest
import soundfile as sf

from sources.archive_server import clips_under
from speechmusic.cli import main as cli


def test_synthetic_source_end_to_end_and_idempotent(tmp_path, capsys):
    data = tmp_path / "data"
    args = ["download", "--source", "synthetic", "--data-dir", str(data), "--train", "2", "--test", "1", "--quiet"]
    assert cli(args) == 0
    clips = clips_under(data)
    assert len(clips) == 6
    for split, n in (("train", 2), ("test", 1)):
        for label in ("music", "speech"):
            assert len(list((data / split / label).glob("*.wav"))) == n
    for path in clips:
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.frames) == (22050, 1, 66150)
    assert "done: 6 new clips" in capsys.readouterr().out
    stamps = {p: p.stat().st_mtime_ns for p in clips}
    assert cli(args) == 0
    assert {p: p.stat().st_mtime_ns for p in clips_under(data)} == stamps
    assert "done: 0 new clips" in capsys.readouterr().out


def test_synthetic_world_conditions_go_to_their_own_folder(tmp_path, capsys):
    world, lab = tmp_path / "data-world", tmp_path / "data"
    args = ["download", "--source", "synthetic", "--conditions", "world", "--train", "1", "--test", "0", "--quiet"]
    assert cli([*args, "--data-dir", str(world)]) == 0
    assert sorted(p.name for p in clips_under(world)) == ["synthetic-world-music-train-0000.wav",
                                                          "synthetic-world-speech-train-0000.wav"]
    assert "conditions world" in capsys.readouterr().out
    # A folder of the lab's clips is not mixed with the world's: refused, nothing written.
    assert cli(["download", "--source", "synthetic", "--train", "1", "--test", "0", "--quiet", "--data-dir", str(lab)]) == 0
    before = sorted(clips_under(lab))
    assert cli([*args, "--data-dir", str(lab)]) == 2
    assert "one preset only" in capsys.readouterr().err
    assert sorted(clips_under(lab)) == before


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--source", "gtzan", "--conditions", "world"], "--conditions applies to the synthetic source only"),
        (["--source", "quickstart", "--url", "http://127.0.0.1:9/x.tar.gz"], "--mirror"),
        (["--source", "librispeech", "--sha256", "xyz"], "64 hexadecimal"),
        (["--source", "synthetic", "--url", "http://127.0.0.1:9/x"], "does not apply to the synthetic"),
        (["--source", "gtzan", "--subset", "test-clean"], "--subset applies"),
        (["--source", "librispeech", "--archive", "/nonexistent/dev-clean.tar.gz"], "no such archive"),
        (["--source", "synthetic", "--real-world-manifest", "list.csv"], "applies to real-world and quickstart only"),
        (["--source", "real-world", "--real-world-manifest", "/nonexistent/list.csv"], "cannot read the real-world"),
    ],
)
def test_bad_option_combinations_fail_cleanly(tmp_path, capsys, extra, message):
    data = tmp_path / "data"
    assert cli(["download", "--data-dir", str(data), "--quiet", *extra]) == 2
    assert message in capsys.readouterr().err
    assert not data.exists() or clips_under(data) == []


def test_sha256_and_no_verify_exclude_each_other(tmp_path):
    with pytest.raises(SystemExit) as info:
        cli(["download", "--source", "librispeech", "--sha256", "a" * 64, "--no-verify", "--data-dir", str(tmp_path)])
    assert info.value.code == 2


def test_help_lists_every_source(capsys):
    with pytest.raises(SystemExit):
        cli(["download", "--help"])
    out = capsys.readouterr().out
    for name in ("synthetic", "librispeech", "gtzan", "musan", "pitchshift", "real-world", "quickstart",
                 "NOT real music", "ATTRIBUTION-real-world.md"):
        assert name in out


def test_manifest_records_provenance_for_downloads(server, tmp_path, libri_dev):
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert cli(["download", "--source", "librispeech", "--data-dir", str(data), "--url", url, "--no-verify",
                "--train", "2", "--test", "1", "--quiet"]) == 0
    with (data / "manifest.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert {"path", "split", "label", "source", "original", "offset", "licence"} <= set(rows[0])
    assert all((data / row["path"]).is_file() for row in rows)
