"""GTZAN, MUSAN, the pitch-shift fallback and the quick start against local mirrors."""

from __future__ import annotations

import csv
import io
import tarfile
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf

from sources.archive_server import _add_bytes, clips_under, closed_port_url, encode, gtzan_zip
from speechmusic.cli import main as cli
from speechmusic.data.sources import fetch, gtzan, musan, pitchshift, quickstart


def manifest(data: Path) -> list[dict]:
    with (data / "manifest.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def groups(rows, source):
    out = {"train": set(), "test": set()}
    for row in rows:
        if row["source"] == source:
            out[row["split"]].add(row["original"])
    return out


def assert_valid_clips(paths):
    assert paths
    for path in paths:
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.frames) == (22050, 1, 66150)


# --- GTZAN ---------------------------------------------------------------------------------------


def test_gtzan_full_run_tracks_never_cross_the_split(server, tmp_path, gtzan_archive):
    data = tmp_path / "data"
    url = server.add("music_speech.tar.gz", gtzan_archive)
    assert cli(["download", "--source", "gtzan", "--data-dir", str(data), "--url", url, "--no-verify",
                "--train", "6", "--test", "2", "--clips-per-group", "2", "--quiet"]) == 0
    for split, n in (("train", 6), ("test", 2)):
        for label in ("music", "speech"):
            paths = sorted((data / split / label).glob("gtzan-*.wav"))
            assert len(paths) == n
            assert_valid_clips(paths)
    rows = manifest(data)
    tracks = groups(rows, "gtzan")
    assert not tracks["train"] & tracks["test"]
    per_track = Counter(r["original"] for r in rows)
    assert max(per_track.values()) == 2  # several clips per 6.5-s track, consecutive offsets
    offsets = sorted(float(r["offset"]) for r in rows if r["original"] == per_track.most_common(1)[0][0])
    assert offsets[1] - offsets[0] == 3.0
    assert all("not openly licensed" in r["licence"] for r in rows)
    assert all(r["label"] in r["original"] for r in rows)  # music_wav -> music, speech_wav -> speech


def test_gtzan_kaggle_zip_in_the_cache_is_used_offline(tmp_path):
    data = tmp_path / "data"
    cache = data / ".cache" / "downloads"
    cache.mkdir(parents=True)
    (cache / "gtzan-musicspeech-collection.zip").write_bytes(gtzan_zip())
    # The official address is not reachable and the published sha256 is for the tar.gz: the zip
    # under its own name is accepted, unverified, without any network access.
    report = gtzan.fetch(data, n_train=2, n_test=1, urls=[closed_port_url("music_speech.tar.gz")],
                         retries=0, progress=False)
    assert report.total_written == 6
    assert report.checksum.startswith("not verified")
    assert {r["original"].split("/")[1] for r in manifest(data)} == {"music_wav", "speech_wav"}


def test_gtzan_shortfall_names_the_per_track_limit(server, tmp_path, gtzan_archive):
    url = server.add("music_speech.tar.gz", gtzan_archive)
    report = gtzan.fetch(tmp_path / "data", n_train=6, n_test=2, urls=[url], verify=False, progress=False,
                         clips_per_group=1, labels=("music",))
    assert report.shortfall() == {("train", "music"): 2}  # 6 tracks, one clip each: 4 train + 2 test
    assert "at most 1 per speaker/track (--clips-per-group)" in report.summary()


# --- MUSAN ---------------------------------------------------------------------------------------


def test_musan_takes_only_music_tracks(server, tmp_path, musan_archive):
    data = tmp_path / "data"
    url = server.add("musan.tar.gz", musan_archive)
    assert cli(["download", "--source", "musan", "--data-dir", str(data), "--url", url, "--no-verify",
                "--train", "4", "--test", "2", "--quiet"]) == 0
    assert not (data / "train" / "speech").exists()
    music = clips_under(data)
    assert len(music) == 6
    assert_valid_clips(music)
    rows = manifest(data)
    assert all(r["original"].startswith("musan/music/") for r in rows)
    tracks = groups(rows, "musan")
    assert not tracks["train"] & tracks["test"]
    # Each clip carries its own track's licence from the collection's LICENSE list (read before the
    # tracks); the artist comes from ANNOTATIONS, which lies after them and is read when reached.
    for row in rows:
        track = Path(row["original"]).stem
        number = int(track.rsplit("-", 1)[1])
        if number == 1:  # no entry in the LICENSE list: the general statement
            assert row["licence"].startswith("Creative Commons or US public domain")
        else:
            assert row["licence"].startswith(f"CC BY 4.0 test licence {number} https://example.invalid/{number}")
            assert f"track {track}" in row["licence"] and "openslr.org/17" in row["licence"]


def test_musan_licence_list_parsing():
    text = "music-fma-0001\nCC BY 4.0\nhttps://cc/by\n======\n\nmusic-fma-0002\nPublic domain\n"
    assert musan.parse_licences(text) == {"music-fma-0001": "CC BY 4.0 https://cc/by", "music-fma-0002": "Public domain"}
    assert musan.parse_artists("music-fma-0001 pop,rock Y Some_Band Composer\nbad line\n") == {
        "music-fma-0001": "Some Band"}
    metadata = {"musan/music/fma/LICENSE": text.encode(), "musan/music/fma/ANNOTATIONS": b"music-fma-0002 jazz N A_B\n"}
    assert musan.licence_for("musan/music/fma/music-fma-0002.wav", metadata).startswith(
        "Public domain (track music-fma-0002 by A B); MUSAN")
    assert musan.licence_for("musan/music/jamendo/music-jamendo-0002.wav", metadata) is None


def test_musan_publishes_an_md5_only():
    assert musan.ARCHIVE.sha256 is None and len(musan.ARCHIVE.md5) == 32
    assert all(url.endswith("/17/musan.tar.gz") for url in musan.ARCHIVE.urls)
    assert musan.classify("musan/noise/free-sound/noise-free-sound-0001.wav") is None


# --- pitch-shift fallback ------------------------------------------------------------------------


def tone_archive(subset: str, speakers=(11, 12, 13, 14), freq: float = 200.0) -> bytes:
    """LibriSpeech layout whose utterances are steady tones, so a pitch shift can be measured."""
    out = io.BytesIO()
    t = np.arange(int(3.5 * 16000)) / 16000
    y = (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for speaker in speakers:
            _add_bytes(tar, f"LibriSpeech/{subset}/{speaker}/7/{speaker}-7-0000.flac", encode(y, 16000, "FLAC"))
    return out.getvalue()


def dominant_frequency(path: Path) -> float:
    y, sr = sf.read(str(path), dtype="float64")
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    return np.fft.rfftfreq(y.size, 1 / sr)[np.argmax(spectrum)]


def test_pitchshift_is_labelled_and_really_shifted(server, tmp_path):
    data = tmp_path / "data"
    url = server.add("test-clean.tar.gz", tone_archive("test-clean"))
    assert cli(["download", "--source", "pitchshift", "--data-dir", str(data), "--url", url, "--no-verify",
                "--train", "3", "--test", "1", "--quiet"]) == 0
    rows = manifest(data)
    assert len(rows) == 4
    for row in rows:
        assert row["source"] == "pitchshift" and row["label"] == "music"
        assert "NOT music" in row["licence"]
        path = data / row["path"]
        assert path.name.startswith("pitchshifted-speech-")
        expected = 200.0 * 2 ** (pitchshift.semitones_for(row["original"]) / 12)
        assert abs(dominant_frequency(path) - expected) < 0.03 * expected
    assert not (data / "train" / "speech").exists()


def test_pitchshift_shares_speaker_splits_with_speech(server, tmp_path):
    # Same subset for both: a speaker's shifted voice must land in the split of its real voice.
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", tone_archive("dev-clean", speakers=(21, 22, 23, 24, 25, 26, 27, 28)))
    fetch("librispeech", data, n_train=3, n_test=1, url=url, verify=False, progress=False, log=lambda s: None)
    fetch("pitchshift", data, n_train=3, n_test=1, url=url, subset="dev-clean", verify=False, progress=False,
          log=lambda s: None)
    split_of = {}
    for row in manifest(data):
        speaker = row["original"].split("/")[2]
        split_of.setdefault(speaker, set()).add(row["split"])
    assert all(len(splits) == 1 for splits in split_of.values())
    labels = Counter((r["split"], r["label"]) for r in manifest(data))
    assert labels == {("train", "speech"): 3, ("test", "speech"): 1, ("train", "music"): 3, ("test", "music"): 1}


# --- quick start ---------------------------------------------------------------------------------


def test_quickstart_is_librispeech_speech_plus_gtzan_music(server, tmp_path, libri_dev, gtzan_archive, capsys):
    data = tmp_path / "data"
    server.add("dev-clean.tar.gz", libri_dev)
    server.add("music_speech.tar.gz", gtzan_archive)
    assert cli(["download", "--source", "quickstart", "--data-dir", str(data), "--mirror", server.base,
                "--no-verify", "--train", "4", "--test", "2", "--quiet"]) == 0
    by_source = Counter((r["source"], r["split"], r["label"]) for r in manifest(data))
    assert by_source == {
        ("librispeech", "train", "speech"): 4, ("librispeech", "test", "speech"): 2,
        ("gtzan", "train", "music"): 4, ("gtzan", "test", "music"): 2,
    }
    assert_valid_clips(clips_under(data))


def test_quickstart_can_still_fall_back_to_musan_when_asked(server, tmp_path, libri_dev, musan_archive):
    # The default fallback is the real-world set's music (tests/sources/test_source_real_world.py);
    # MUSAN remains a music source the quick start can be given.
    data = tmp_path / "data"
    server.add("dev-clean.tar.gz", libri_dev)
    server.add("musan.tar.gz", musan_archive)  # no music_speech.tar.gz on this mirror: HTTP 404
    messages = []
    reports = quickstart(data, n_train=2, n_test=1, mirror=server.base, music_sources=("gtzan", "musan"),
                         verify=False, progress=False, log=messages.append)
    assert [r.source for r in reports] == ["librispeech", "musan"]
    assert any("trying the next music source" in m for m in messages)
    sources = Counter((r["source"], r["label"]) for r in manifest(data))
    assert sources == {("librispeech", "speech"): 3, ("musan", "music"): 3}
