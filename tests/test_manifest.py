"""DatasetManifest, the one owner of ``<data_dir>/manifest.csv`` (data/manifest.py)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from conftest import tone

from speechmusic.core.config import FeatureParams
from speechmusic.data import ingest
from speechmusic.data import manifest as manifest_module
from speechmusic.data.manifest import DatasetManifest, ManifestRecord


def record(path, *, source="user", original="/a.wav", offset=0.0, split="train", label="speech"):
    return ManifestRecord(path=path, split=split, label=label, source=source, original=original,
                          offset=offset, licence="")


@pytest.fixture
def reads(monkeypatch):
    counted = Counter()
    real = manifest_module._read_manifest_file

    def counting(path):
        records, stamp = real(path)
        counted["read" if stamp is not None else "absent"] += 1
        return records, stamp

    monkeypatch.setattr(manifest_module, "_read_manifest_file", counting)
    return counted


def test_load_query_add_save_round_trip(tmp_path):
    (tmp_path / "train" / "speech").mkdir(parents=True)
    (tmp_path / "train" / "speech" / "a.wav").write_bytes(b"x")
    m = DatasetManifest.load(tmp_path)
    assert len(m) == 0 and not m.path.exists()
    m.add(record("train/speech/a.wav", offset=1.0004))
    m.add(record("train/speech/gone.wav", original="/b.wav", source="gtzan"))
    assert m.has(split="train", label="speech", source="user", original="/a.wav", offset=1.0)
    # listed but its file is gone: not "there"
    assert m.find(split="train", label="speech", source="gtzan", original="/b.wav", offset=0) is not None
    assert not m.has(split="train", label="speech", source="gtzan", original="/b.wav", offset=0)
    assert m.present_counts("user") == {("train", "speech"): 1} and m.present_counts("gtzan") == {}
    assert [r.path for r in m.from_sources({"gtzan"})] == ["train/speech/gone.wav"]
    assert len(m.unsaved) == 2
    m.save()
    assert m.unsaved == []
    assert [r.path for r in DatasetManifest.load(tmp_path)] == ["train/speech/a.wav", "train/speech/gone.wav"]


def test_save_reads_the_file_again_only_when_another_writer_changed_it(tmp_path, reads):
    first = DatasetManifest.load(tmp_path)
    second = DatasetManifest.load(tmp_path)
    first.add(record("train/speech/a.wav"))
    first.save()
    first.add(record("train/speech/b.wav", original="/b.wav"))
    first.save()
    assert reads["read"] == 0  # nobody else wrote: its own saves are not read back
    second.add(record("train/music/c.wav", original="/c.wav", label="music"))
    second.save()  # the file changed since `second` looked: read, merged
    assert reads["read"] == 1
    assert [r.path for r in second] == ["train/speech/a.wav", "train/speech/b.wav", "train/music/c.wav"]
    first.add(record("train/speech/d.wav", original="/d.wav"))
    first.save()
    assert reads["read"] == 2
    assert [r.path for r in DatasetManifest.load(tmp_path)] == [
        "train/speech/a.wav", "train/speech/b.wav", "train/music/c.wav", "train/speech/d.wav"]


def test_forget_unsaved_drops_only_what_was_not_saved(tmp_path):
    m = DatasetManifest.load(tmp_path)
    m.add(record("train/speech/a.wav"))
    m.save()
    m.add(record("train/speech/b.wav", original="/b.wav"))
    m.forget_unsaved()
    assert [r.path for r in m] == ["train/speech/a.wav"]
    assert not m.has(split="train", label="speech", source="user", original="/b.wav", offset=0)
    m.save()  # nothing to save
    assert [r.path for r in DatasetManifest.load(tmp_path)] == ["train/speech/a.wav"]


def test_clip_writers_can_share_one_loaded_manifest(tmp_path, reads):
    m = DatasetManifest.load(tmp_path)
    with ingest.ClipWriter(tmp_path, manifest=m) as first:
        first.save("train", "speech", tone(), stem="a", source="s", original="o1")
    second = ingest.ClipWriter(tmp_path, manifest=m)
    # the second writer knows the first one's clip without reading the file
    assert second.has(split="train", label="speech", source="s", original="o1", offset=0.0)
    assert second.save("train", "speech", tone(), stem="a", source="s", original="o1") is None
    assert reads["read"] == 0
    with pytest.raises(Exception, match="cannot list clips"):
        ingest.ClipWriter(tmp_path / "elsewhere", manifest=m)


def test_a_corrupt_manifest_is_replaced_by_the_next_save_with_a_warning(tmp_path):
    (tmp_path / "manifest.csv").write_text("\x00garbage,\n1,2")
    with pytest.warns(RuntimeWarning, match="unreadable manifest"):
        m = DatasetManifest.load(tmp_path)
    m.add(record("train/speech/a.wav"))
    with pytest.warns(RuntimeWarning, match="unreadable manifest"):
        m.save()
    assert [r.path for r in DatasetManifest.load(tmp_path)] == ["train/speech/a.wav"]


def test_split_into_clips_frames_follow_the_feature_params():
    # 1 s of silence, then a tone: the first clip starts at the first frame that reaches into the
    # tone, frames being the params' n_fft long, hop_length apart (no longer a fixed 2048/512)
    onset = 22050
    y = np.concatenate([np.zeros(onset, np.float32), tone(seconds=7.0)])

    def first_frame_with_sound(n_fft, hop):
        return ((onset - n_fft) // hop + 1) * hop

    for n_fft, hop in ((2048, 512), (4096, 2048), (256, 64)):
        clips = ingest.split_into_clips(y, params=FeatureParams(n_fft=n_fft, hop_length=hop))
        assert clips[0][0] == pytest.approx(first_frame_with_sound(n_fft, hop) / 22050), (n_fft, hop)
    assert ingest.split_into_clips(y)[0][0] == pytest.approx(20480 / 22050)  # the defaults: 2048 and 512
