"""File and folder names with spaces, quotes, parentheses, non-ASCII letters, commas, newlines and
upper-case extensions: found, decoded, ingested with safe clip names, recorded faithfully."""

from __future__ import annotations

import csv
import os
import warnings

import numpy as np
import pytest
from conftest import noise, tone, write_audio
from hostile import check_features, snapshot

from speechmusic.cli import main as cli_main
from speechmusic.core import audio
from speechmusic.core.errors import AudioError
from speechmusic.data import dataset, ingest

NAMES = [
    "with space.wav",
    "it's (live) [take 2].wav",
    'say "hi" (reprise).wav',
    "Ünïcödé ñame — café.wav",
    "日本語の音声.flac",
    "Ελληνικά και русский.ogg",
    "emoji 🎵 song.wav",
    "UPPER CASE.WAV",
    "Mixed.Flac",
    "shout.MP3",
    "semi;colon,comma.wav",
    "-starts-with-dash.wav",
    "#hash & 100%25 $HOME.wav",
    "back\\slash.wav",
    "tab\there.wav",
    "new\nline.wav",
    "x" * 200 + ".wav",
]
FORMATS = {".wav": None, ".flac": "FLAC", ".ogg": "OGG", ".mp3": "MP3"}


def write_named(folder, name, seconds=3.5, seed=0):
    fmt = FORMATS[os.path.splitext(name)[1].lower()]
    y = noise(seconds, seed=seed) if seed % 2 else tone(300.0 + 50 * seed, seconds)
    return write_audio(folder / name, y, format=fmt)


def test_every_name_is_recognised_as_audio():
    assert all(audio.is_audio_path(name) for name in NAMES)
    assert not any(audio.is_audio_path(name) for name in (".hidden.wav", "notes.wav.txt", "wav", "README"))


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_each_name_decodes(tmp_path, name):
    path = write_named(tmp_path, name)
    check_features(dataset.load_audio_file(path))


def test_dataset_with_every_name_and_folder_names_alike(tmp_path):
    root = tmp_path / "my data (v2) — ünï 'q'"
    for split in ("train", "test"):
        for label in ("music", "speech"):
            for i, name in enumerate(NAMES):
                write_named(root / split / label, name, seed=i)
    X, y, paths = dataset.load_split(root, "train", progress=False)
    assert X.shape == (2 * len(NAMES), 128, 130) and np.isfinite(X).all()
    assert {p.name for p in paths} == set(NAMES)
    # cached features are found again under the same odd names
    again, _, _ = dataset.load_split(root, "train", progress=False)
    np.testing.assert_array_equal(X, again)


def test_an_unreadable_file_with_an_odd_name_is_named_in_the_message(tmp_path):
    path = tmp_path / 'bad "quoted" (1) ü.WAV'
    path.write_bytes(b"not audio")
    with pytest.raises(AudioError) as info:
        audio.decode(path)
    assert path.name in str(info.value)


def test_ingest_of_odd_names_writes_safe_unique_clip_names_and_an_exact_manifest(tmp_path):
    source = tmp_path / "src 'folder' (1)"
    for i, name in enumerate(NAMES):
        write_named(source, name, seconds=3.2, seed=i)
    # names that collapse to the same safe stem must not overwrite each other
    write_named(source, "café.wav", seed=1)
    write_named(source, "cafe\u0301.wav", seed=3)  # the same word, decomposed accent
    before = snapshot(source)
    data_dir = tmp_path / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about: every file is readable
        report = ingest.prepare_from_folder(source, data_dir=data_dir, label="music", split="train", progress=False)
    assert report.files == len(NAMES) + 2 and report.clips_written == report.files and not report.failed
    clips = sorted((data_dir / "train" / "music").iterdir())
    assert len(clips) == report.files
    for clip in clips:
        assert clip.name.isascii() and clip.suffix == ".wav"
        assert not set(clip.name) & set(" '\"()[];,\\\n\t#&%$")
    records = ingest.read_manifest(data_dir)
    originals = {r.original for r in records}
    assert originals == {str((source / n).resolve()) for n in NAMES + ["café.wav", "cafe\u0301.wav"]}
    # the manifest is valid CSV that other tools can read back
    with open(data_dir / ingest.MANIFEST_NAME, newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == report.files
    # a second run recognises every clip, even with newlines and quotes in the originals
    again = ingest.prepare_from_folder(source, data_dir=data_dir, label="music", split="train", progress=False)
    assert again.clips_written == 0 and again.clips_already_present == report.files
    assert snapshot(source) == before


def test_prepare_command_with_odd_folder_names(tmp_path, capsys):
    source = tmp_path / "Aufnahmen (alt) — 'Müller'"
    write_named(source, "Interview #1 (Teil 2).WAV", seconds=7.0, seed=1)
    data_dir = tmp_path / "dätä dir"
    code = cli_main(["prepare", "--from-folder", str(source), "--label", "speech", "--split", "test",
                     "--data-dir", str(data_dir), "--quiet"])
    assert code == 0
    assert "2 new clips" in capsys.readouterr().out
    assert len(list((data_dir / "test" / "speech").glob("*.wav"))) == 2
