"""Hostile and damaged archives: refused before any clip is kept, nothing written outside data/."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from sources.archive_server import clips_under, encode, files_under, hostile_tar, librispeech_tar, voice, zip_with
from speechmusic.cli import main as cli
from speechmusic.data.sources.archive import (
    ArchiveError,
    ArchiveLimits,
    UnsafeArchiveError,
    iter_tar,
    iter_zip,
    safe_member_name,
)

HOSTILE = ["traversal", "absolute", "symlink", "hardlink", "device", "fifo", "oversized"]


def names(members):
    return [m.name for m in members]


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_tar_members_are_refused(kind):
    members = iter_tar(io.BytesIO(hostile_tar(kind)))
    with pytest.raises(UnsafeArchiveError, match="refusing"):
        for member in members:
            member.read()


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_archive_run_writes_nothing_anywhere(kind, server, tmp_path, capsys):
    work = tmp_path / "work"
    data = work / "data"
    url = server.add("dev-clean.tar.gz", hostile_tar(kind))
    code = cli(["download", "--source", "librispeech", "--data-dir", str(data), "--url", url,
                "--train", "3", "--test", "1", "--no-verify", "--quiet", "--clips-per-group", "1"])
    assert code == 2
    assert "refusing" in capsys.readouterr().err
    assert clips_under(data) == []
    assert not (data / "manifest.csv").exists()
    # Nothing at all was created apart from the (empty) cache folders inside the data folder.
    assert files_under(work) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert not Path("/tmp/speechmusic-evil").exists()
    assert not (tmp_path / "evil").exists()


def test_the_good_members_before_a_hostile_one_are_not_kept(server, tmp_path):
    # Two good utterances come first: they are staged, then discarded when the link appears.
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", hostile_tar("symlink"))
    code = cli(["download", "--source", "librispeech", "--data-dir", str(data), "--url", url,
                "--train", "5", "--test", "0", "--no-verify", "--quiet", "--clips-per-group", "5"])
    assert code == 2
    assert clips_under(data) == []
    assert not (data / ".cache" / "staging").exists()


def test_member_names_are_normalised_or_refused():
    assert safe_member_name("./a/./b.wav") == "a/b.wav"
    assert safe_member_name("a\\b.wav") == "a/b.wav"
    for bad in ("../x.wav", "a/../../x.wav", "/etc/passwd", "C:\\Windows\\x.wav", "c:/x.wav", "a\x00b"):
        with pytest.raises(UnsafeArchiveError):
            safe_member_name(bad)


@pytest.mark.parametrize(
    "entry",
    ["../evil.wav", "music_wav/../../evil.wav", "/abs/evil.wav", "C:\\evil.wav", "..\\..\\evil.wav"],
)
def test_zip_slip_is_refused(tmp_path, entry):
    path = tmp_path / "a.zip"
    path.write_bytes(zip_with([("music_wav/good.wav", b"RIFF"), (entry, b"RIFF")]))
    with pytest.raises(UnsafeArchiveError):
        list(iter_zip(path))


def test_zip_symlink_entry_is_refused(tmp_path):
    link = zipfile.ZipInfo("music_wav/link.wav")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = tmp_path / "a.zip"
    path.write_bytes(zip_with([(link, b"/etc/passwd")]))
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        list(iter_zip(path))


def test_zip_bomb_ratio_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_with([("music_wav/zeros.wav", bytes(8 * 2**20))]))  # 8 MiB of zeros -> ~8 KiB
    with pytest.raises(UnsafeArchiveError, match="expands"):
        list(iter_zip(path))


def test_zip_members_are_read_when_safe(tmp_path):
    path = tmp_path / "ok.zip"
    path.write_bytes(zip_with([("music_wav/a.wav", b"abc"), ("speech_wav/b.wav", b"de")]))
    assert [(m.name, m.read()) for m in iter_zip(path)] == [("music_wav/a.wav", b"abc"), ("speech_wav/b.wav", b"de")]


@pytest.mark.parametrize(
    "limits, message",
    [
        (ArchiveLimits(max_members=5), "more than 5 members"),
        (ArchiveLimits(max_total_bytes=100_000), "add up to more than"),
        (ArchiveLimits(max_member_bytes=10_000), "more than the limit"),
    ],
)
def test_tar_bounds_stop_bombs(libri_dev, limits, message):
    with pytest.raises(UnsafeArchiveError, match=message):
        for _ in iter_tar(io.BytesIO(libri_dev), limits=limits):
            pass


def test_truncated_tar_is_an_archive_error(libri_dev):
    with pytest.raises(ArchiveError, match="damaged or truncated"):
        for member in iter_tar(io.BytesIO(libri_dev[: len(libri_dev) // 2])):
            member.read()


def test_not_an_archive_is_an_archive_error():
    with pytest.raises(ArchiveError):
        list(iter_tar(io.BytesIO(b"<html>Not found</html>" * 40)))


def test_plain_members_are_listed_in_order():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name in ("./LibriSpeech/README.TXT", "LibriSpeech/x/1-2-3.flac"):
            data = b"abc"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    members = list(iter_tar(io.BytesIO(out.getvalue())))
    assert names(members) == ["LibriSpeech/README.TXT", "LibriSpeech/x/1-2-3.flac"]


def test_truncated_archive_midway_leaves_no_clips(server, tmp_path, libri_dev):
    # The stream breaks inside the archive after some clips were staged: none of them are kept.
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev[: int(len(libri_dev) * 0.7)])
    code = cli(["download", "--source", "librispeech", "--data-dir", str(data), "--url", url,
                "--train", "20", "--test", "4", "--no-verify", "--quiet", "--retries", "0"])
    assert code == 2
    assert clips_under(data) == []
    assert not (data / "manifest.csv").exists()


def test_a_good_archive_still_works_after_all_that(server, tmp_path):
    # Sanity check of the fixture archive itself (and of `encode`/`voice`).
    assert len(encode(voice(1.0, 16000, 0), 16000, "FLAC")) > 100
    url = server.add("dev-clean.tar.gz", librispeech_tar(speakers=(1, 2), utterances=1))
    data = tmp_path / "data"
    assert cli(["download", "--source", "librispeech", "--data-dir", str(data), "--url", url,
                "--train", "1", "--test", "1", "--no-verify", "--quiet"]) == 0
    assert len(clips_under(data)) == 2
