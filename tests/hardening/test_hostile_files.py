"""Files that are not (or no longer) audio: a clear AudioError naming the file, never a crash,
never a changed source, and datasets/ingests carry on with the good files."""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest
import soundfile as sf
from conftest import make_dataset, noise, write_audio
from hostile import damaged_but_readable, reference_signal, snapshot, unreadable_files

from speechmusic.core import audio
from speechmusic.core.errors import AudioError
from speechmusic.data import dataset, ingest

UNREADABLE = unreadable_files()
DAMAGED = damaged_but_readable()


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_unreadable_file_gives_audio_error_naming_it(tmp_path, kind):
    path = tmp_path / f"hostile ({kind}).wav"
    path.write_bytes(UNREADABLE[kind])
    for load in (audio.decode, audio.load_clip, dataset.load_audio_file):
        with pytest.raises(AudioError) as info:
            load(path)
        assert path.name in str(info.value)
    with pytest.raises(AudioError) as info:
        audio.load_clip_from_bytes(UNREADABLE[kind], name=path.name)
    assert path.name in str(info.value)
    assert path.read_bytes() == UNREADABLE[kind]  # the file is only read


@pytest.mark.parametrize("kind", sorted(DAMAGED))
def test_damaged_file_decodes_exactly_the_intact_samples(tmp_path, kind):
    data, intact = DAMAGED[kind]
    path = tmp_path / "damaged.wav"
    path.write_bytes(data)
    y = audio.decode(path)
    expected = np.round(reference_signal()[:intact] * 32767) / 32768
    np.testing.assert_allclose(y, expected, atol=1e-4)  # the samples that are there, nothing invented


def test_dataset_skips_every_hostile_file_with_a_warning_and_keeps_the_rest(tmp_path):
    root = make_dataset(tmp_path / "data", n=2)
    folder = root / "train" / "music"
    names = []
    for i, (kind, data) in enumerate(sorted(UNREADABLE.items())):
        name = f"bad {i} ({kind}).wav"
        (folder / name).write_bytes(data)
        names.append(name)
    (folder / "a folder.wav").mkdir()  # a directory with an audio name is not a file
    os.symlink(tmp_path / "nowhere.wav", folder / "dangling link.wav")
    before = snapshot(root)
    with pytest.warns(RuntimeWarning) as record:
        X, y, paths = dataset.load_split(root, "train", progress=False)
    messages = "\n".join(str(w.message) for w in record)
    for name in names:
        assert name in messages
    assert X.shape == (4, 128, 130) and y.tolist() == [1, 1, 0, 0]  # speech first, then music
    assert np.isfinite(X).all()
    after = snapshot(root)
    assert all(after[name] == digest for name, digest in before.items())  # sources untouched
    # only the good files were cached
    index = json.loads(next((root / ".cache").rglob("train.json")).read_text())
    assert index["rows"] == 4 and len(index["files"]) == 4


def test_a_file_that_disappears_during_loading_is_skipped_with_a_warning(tmp_path):
    good = write_audio(tmp_path / "good.wav", noise(3.0))
    gone = tmp_path / "gone.wav"
    with pytest.warns(RuntimeWarning, match="gone.wav"):
        X, kept = dataset.extract_features([gone, good], n_jobs=1, progress=False)
    assert kept == [1] and X.shape == (1, 128, 130)


def test_ingest_reports_hostile_files_and_writes_clips_only_for_good_ones(tmp_path):
    source = tmp_path / "source"
    for i, (_kind, data) in enumerate(sorted(UNREADABLE.items())):
        (source / f"bad {i}.wav").parent.mkdir(parents=True, exist_ok=True)
        (source / f"bad {i}.wav").write_bytes(data)
    write_audio(source / "good.wav", noise(3.5))
    before = snapshot(source)
    data_dir = tmp_path / "data"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = ingest.prepare_from_folder(source, data_dir=data_dir, label="speech", split="train", progress=False)
    assert report.files == len(UNREADABLE) + 1
    assert sorted(report.failed) == sorted(str(source / f"bad {i}.wav") for i in range(len(UNREADABLE)))
    assert len(caught) >= len(UNREADABLE)
    assert report.clips_written == 1
    records = ingest.read_manifest(data_dir)
    assert [r.original for r in records] == [str((source / "good.wav").resolve())]
    clip = data_dir / records[0].path
    assert sf.info(str(clip)).frames == 66150
    assert snapshot(source) == before


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_streaming_an_unreadable_file_gives_audio_error_or_nothing(tmp_path, kind):
    path = tmp_path / f"stream {kind}.wav"
    path.write_bytes(UNREADABLE[kind])
    try:
        blocks = list(audio.stream(path, block_duration=0.5))
    except AudioError as error:
        assert path.name in str(error)
    else:  # a valid header that announces no samples: nothing to stream
        assert kind in {"header without samples"} and blocks == []
