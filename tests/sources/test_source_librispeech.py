"""LibriSpeech end to end against a local mirror in the real archive layout."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from sources.archive_server import clips_under, closed_port_url
from speechmusic.cli import main as cli
from speechmusic.core.audio import frame_energy_db
from speechmusic.data.sources import librispeech
from speechmusic.data.sources.engine import collect

DEV_CLEAN_SPEAKERS = {"84", "174", "251", "422", "652", "777", "1272", "1462"}


def manifest(data: Path) -> list[dict]:
    with (data / "manifest.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def speakers_by_split(rows) -> dict[str, set[str]]:
    out = {"train": set(), "test": set()}
    for row in rows:
        out[row["split"]].add(row["original"].split("/")[2])
    return out


def download(data, url, *extra, train=6, test=2):
    return cli(["download", "--source", "librispeech", "--data-dir", str(data), "--url", url,
                "--train", str(train), "--test", str(test), "--quiet", *extra])


def test_full_run_makes_valid_clips_with_disjoint_speakers(server, tmp_path, libri_dev):
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert download(data, url, "--no-verify") == 0

    train = sorted((data / "train" / "speech").glob("*.wav"))
    test = sorted((data / "test" / "speech").glob("*.wav"))
    assert (len(train), len(test)) == (6, 2)
    assert not (data / "train" / "music").exists()  # a speech source adds no music
    for path in train + test:
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.frames) == (22050, 1, 66150)
        y, _ = sf.read(str(path), dtype="float32")
        # No leading silence (the fixture utterances start with 0.4 s of digital silence): the
        # first frame is within the lab's 40 dB edge-silence threshold of the loudest.
        assert frame_energy_db(y)[0] > -40
        assert np.sqrt(np.mean(y[:2205] ** 2)) > 1e-3

    rows = manifest(data)
    assert len(rows) == 8
    for row in rows:
        assert row["source"] == "librispeech"
        assert row["original"].startswith("LibriSpeech/dev-clean/") and row["original"].endswith(".flac")
        assert float(row["offset"]) >= 0.3  # the 0.4 s of silence at the start was skipped
        assert "CC BY 4.0" in row["licence"] and "openslr.org/12" in row["licence"]
    split = speakers_by_split(rows)
    assert split["train"] and split["test"]
    assert not split["train"] & split["test"]
    assert split["train"] | split["test"] <= DEV_CLEAN_SPEAKERS


def test_second_run_adds_nothing_and_needs_no_network(server, tmp_path, libri_dev):
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert download(data, url, "--no-verify") == 0
    before = {p: p.stat().st_mtime_ns for p in clips_under(data)}
    manifest_before = (data / "manifest.csv").read_bytes()
    requests_before = len(server.state.requests)

    assert download(data, url, "--no-verify") == 0
    assert {p: p.stat().st_mtime_ns for p in clips_under(data)} == before
    assert (data / "manifest.csv").read_bytes() == manifest_before
    assert len(server.state.requests) == requests_before


def test_asking_for_more_adds_the_difference_and_keeps_speakers_apart(server, tmp_path, libri_dev):
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert download(data, url, "--no-verify", train=3, test=1) == 0
    first = manifest(data)
    assert download(data, url, "--no-verify", "--clips-per-group", "2", train=8, test=3) == 0
    rows = manifest(data)
    assert len(rows) == 11
    assert rows[: len(first)] == first  # earlier clips untouched
    split = speakers_by_split(rows)
    assert not split["train"] & split["test"]
    originals = [r["original"] for r in rows]
    assert len(set(originals)) == len(originals)  # one clip per utterance


def test_stream_stops_once_enough_clips_are_made(server, tmp_path, libri_dev):
    url = server.add("dev-clean.tar.gz", libri_dev)
    report = librispeech.fetch(tmp_path / "data", n_train=1, n_test=1, urls=[url], verify=False, progress=False)
    assert report.total_written == 2
    assert 0 < report.bytes_read < len(libri_dev) / 2
    assert report.origin == url


def test_early_stop_reports_why_the_checksum_was_not_compared(server, tmp_path, libri_dev):
    url = server.add("dev-clean.tar.gz", libri_dev)
    report = librispeech.fetch(tmp_path / "data", n_train=1, n_test=1, urls=[url], progress=False)
    assert report.checksum.startswith("not compared")
    assert report.total_written == 2


def test_stream_read_to_the_end_is_held_to_the_published_checksum(server, tmp_path, libri_dev, capsys):
    # The test archive is not the real dev-clean, so the published sha256 cannot match. Asking for
    # more clips than it holds makes the stream run to its end, where the checksum is compared.
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert download(data, url, train=50, test=20) == 2
    err = capsys.readouterr().err
    assert "checksum mismatch" in err and librispeech.SUBSETS["dev-clean"].sha256 in err
    assert clips_under(data) == []
    assert not (data / "manifest.csv").exists()


def test_pinned_checksum_mismatch_fails_cleanly(server, tmp_path, libri_dev, capsys):
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert download(data, url, "--sha256", "ab" * 32) == 2
    assert "checksum mismatch" in capsys.readouterr().err
    assert clips_under(data) == []
    assert not (data / "manifest.csv").exists()
    assert not any((data / ".cache" / "downloads").iterdir())  # the bad download was discarded


def test_pinned_checksum_downloads_verifies_and_caches(server, tmp_path, libri_dev):
    import hashlib

    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert download(data, url, "--sha256", hashlib.sha256(libri_dev).hexdigest()) == 0
    assert (data / ".cache" / "downloads" / "dev-clean.tar.gz").read_bytes() == libri_dev
    assert len(clips_under(data)) == 8


def test_unreachable_host_fails_cleanly_with_instructions(tmp_path, capsys):
    data = tmp_path / "data"
    code = download(data, closed_port_url(), "--retries", "0")
    assert code == 2
    err = capsys.readouterr().err
    assert "Connection refused" in err
    assert str(data / ".cache" / "downloads" / "dev-clean.tar.gz") in err  # where a manual download goes
    assert "curl" in err and "https://www.openslr.org/resources/12/dev-clean.tar.gz" not in err
    assert clips_under(data) == []
    assert not (data / "manifest.csv").exists()
    assert not (data / ".cache" / "staging").exists()


def test_interrupted_stream_resumes_and_finishes(server, tmp_path, libri_dev):
    url = server.add("dev-clean.tar.gz", libri_dev)
    server.drop("dev-clean.tar.gz", after=200_000)
    report = librispeech.fetch(tmp_path / "data", n_train=6, n_test=2, urls=[url], verify=False, progress=False,
                               retries=1)
    assert report.total_written == 8
    assert [r[2] for r in server.gets("dev-clean.tar.gz")] == [None, "bytes=200000-"]


def test_interrupted_full_download_resumes_on_the_next_run(server, tmp_path, libri_dev, capsys):
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    server.drop("dev-clean.tar.gz", after=500_000)
    assert download(data, url, "--keep-archive", "--no-verify", "--retries", "0") == 2
    assert "resumed next time" in capsys.readouterr().err
    assert clips_under(data) == []
    part = data / ".cache" / "downloads" / "dev-clean.tar.gz.part"
    assert part.stat().st_size == 500_000

    assert download(data, url, "--keep-archive", "--no-verify", "--retries", "0") == 0
    assert server.gets("dev-clean.tar.gz")[-1][2] == "bytes=500000-"
    assert (data / ".cache" / "downloads" / "dev-clean.tar.gz").read_bytes() == libri_dev
    assert len(clips_under(data)) == 8


def test_archive_in_the_cache_is_used_without_network(tmp_path, libri_dev):
    data = tmp_path / "data"
    cache = data / ".cache" / "downloads"
    cache.mkdir(parents=True)
    (cache / "dev-clean.tar.gz").write_bytes(libri_dev)  # what a user does after a manual download
    # The published checksum applies to a file under the published name: --no-verify for the fixture.
    assert download(data, closed_port_url(), "--no-verify", "--retries", "0") == 0
    assert len(clips_under(data)) == 8


def test_archive_option_reads_a_local_copy(tmp_path, libri_dev):
    copy = tmp_path / "downloads" / "my-dev-clean.tgz"
    copy.parent.mkdir()
    copy.write_bytes(libri_dev)
    data = tmp_path / "data"
    assert cli(["download", "--source", "librispeech", "--data-dir", str(data), "--archive", str(copy),
                "--train", "2", "--test", "1", "--quiet"]) == 0
    assert len(clips_under(data)) == 3
    assert copy.read_bytes() == libri_dev  # the source archive is only read ...
    import hashlib

    assert cli(["download", "--source", "librispeech", "--data-dir", str(data), "--archive", str(copy),
                "--sha256", hashlib.sha256(libri_dev).hexdigest(), "--train", "3", "--test", "1", "--quiet"]) == 0
    assert sorted(p.name for p in copy.parent.iterdir()) == ["my-dev-clean.tgz"]  # ... and nothing is added beside it


def test_own_files_in_the_data_folder_are_never_touched(server, tmp_path, libri_dev):
    data = tmp_path / "data"
    mine = data / "train" / "speech" / "librispeech-84-1084-0000_0000325ms.wav"  # a name a clip would take
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"my own recording")
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert download(data, url, "--no-verify") == 0
    assert mine.read_bytes() == b"my own recording"
    assert len(clips_under(data)) == 9


def test_short_utterances_are_not_padded(server, tmp_path):
    from sources.archive_server import librispeech_tar

    url = server.add("dev-clean.tar.gz", librispeech_tar(speakers=(1, 2, 3), utterances=2, seconds=2.0))
    report = librispeech.fetch(tmp_path / "data", n_train=2, n_test=1, urls=[url], verify=False, progress=False)
    assert report.total_written == 0
    assert report.shortfall() == {("train", "speech"): 2, ("test", "speech"): 1}
    assert "fewer train/speech clips than asked" in report.summary()


def test_invalid_counts_are_rejected(tmp_path):
    from speechmusic.core.errors import ParameterError

    with pytest.raises(ParameterError):
        collect(librispeech.source(), tmp_path, n_train=-1, n_test=1)
    with pytest.raises(ParameterError):
        librispeech.source("train-other-500")


def test_classify_follows_the_real_layout():
    item = librispeech.classify("./LibriSpeech/test-clean/1089/134686/1089-134686-0012.flac")
    assert item.group == "librispeech-speaker-1089"
    assert item.original == "LibriSpeech/test-clean/1089/134686/1089-134686-0012.flac"
    for other in ("LibriSpeech/SPEAKERS.TXT", "LibriSpeech/dev-clean/84/121123/84-121123.trans.txt",
                  "LibriSpeech/dev-clean/84/121123/85-121123-0000.flac"):
        assert librispeech.classify(other) is None


def test_connection_lost_for_good_mid_stream_keeps_nothing(server, tmp_path, libri_dev, capsys):
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    server.drop("dev-clean.tar.gz", after=700_000, times=5)
    assert download(data, url, "--no-verify", "--retries", "1") == 2
    assert "broke off" in capsys.readouterr().err
    assert clips_under(data) == []
    assert not (data / "manifest.csv").exists()


def test_interruption_while_making_clips_keeps_nothing(server, tmp_path, libri_dev, monkeypatch):
    from speechmusic.data.sources import engine

    calls = []
    real_decode = engine.decode

    def decode_then_interrupt(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(engine, "decode", decode_then_interrupt)
    url = server.add("dev-clean.tar.gz", libri_dev)
    with pytest.raises(KeyboardInterrupt):
        librispeech.fetch(tmp_path / "data", n_train=6, n_test=2, urls=[url], verify=False, progress=False)
    assert clips_under(tmp_path / "data") == []
    assert not (tmp_path / "data" / ".cache" / "staging").exists()


def test_failure_while_moving_clips_in_removes_the_ones_already_moved(server, tmp_path, libri_dev, monkeypatch):
    from speechmusic.data.ingest import ClipWriter

    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    assert download(data, url, "--no-verify", train=1, test=1) == 0
    before_clips, before_manifest = clips_under(data), (data / "manifest.csv").read_bytes()

    real_save = ClipWriter.save
    saved = []

    def save_then_fail(self, *args, **kwargs):
        if self.data_dir == data and len(saved) == 3:
            raise OSError("disk full")
        result = real_save(self, *args, **kwargs)
        if self.data_dir == data:
            saved.append(result)
        return result

    monkeypatch.setattr(ClipWriter, "save", save_then_fail)
    with pytest.raises(OSError, match="disk full"):
        librispeech.fetch(data, n_train=6, n_test=2, urls=[url], verify=False, progress=False)
    assert len(saved) == 3  # three clips had been moved in before the failure ...
    assert clips_under(data) == before_clips  # ... and were taken out again
    assert (data / "manifest.csv").read_bytes() == before_manifest


def test_speech_and_pitch_shift_sources_select_utterances_alike():
    from speechmusic.data.sources import pitchshift

    speech, shifted = librispeech.source("dev-clean"), pitchshift.source("test-clean")
    for src in (speech, shifted):
        assert (src.spread, src.clips_per_member) == (librispeech.SPEAKERS_PER_CLASS, 1)
    # Each shares its speakers' train/test assignment with the other, and only with it.
    assert (speech.group_sources, shifted.group_sources) == (("pitchshift",), ("librispeech",))
    assert (speech.labels, shifted.labels) == (("speech",), ("music",))
    assert speech.archive.filename == "dev-clean.tar.gz" and shifted.archive.filename == "test-clean.tar.gz"
    assert speech.transform is None and shifted.transform is pitchshift.shift_clip
