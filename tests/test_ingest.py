import hashlib
import warnings

import numpy as np
import pytest
import soundfile as sf
from conftest import noise, tone, write_audio

from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.core.errors import ParameterError
from speechmusic.data import ingest


@pytest.fixture
def sources(tmp_path):
    src = tmp_path / "my recordings"
    long = np.concatenate([np.zeros(22050, dtype=np.float32), noise(10.0, seed=1)])  # 1 s silence then 10 s
    write_audio(src / "long talk.wav", long)
    write_audio(src / "sub" / "snippet (1).flac", noise(1.0, sr=8000), 8000)
    write_audio(src / "stereo.wav", np.column_stack([noise(4.0, sr=44100), noise(4.0, sr=44100, seed=3)]), 44100)
    (src / "notes.txt").write_text("ignore me")
    (src / "broken.mp3").write_bytes(b"ID3 not really")
    return src


def _snapshot(folder):
    return {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in folder.rglob("*") if p.is_file()}


def test_prepare_writes_clips_and_never_touches_sources(sources, tmp_path):
    before = _snapshot(sources)
    data = tmp_path / "data"
    with pytest.warns(RuntimeWarning, match="broken.mp3"):
        report = ingest.prepare_from_folder(sources, data_dir=data, label="speech", split="train", progress=False)
    assert _snapshot(sources) == before
    clips = sorted((data / "train" / "speech").glob("*.wav"))
    # long: starts after the 1 s of silence -> 10 s -> 3 full clips + 1 s tail (dropped); snippet: 1; stereo 4 s: 1 + 1 s tail dropped
    assert report.clips_written == len(clips) == 5
    assert report.failed == [str(sources / "broken.mp3")]
    for clip in clips:
        info = sf.info(str(clip))
        assert (info.samplerate, info.channels, info.frames) == (22050, 1, DEFAULT_PARAMS.n_samples)
    rows = ingest.read_manifest(data)
    assert len(rows) == 5
    long_rows = sorted(r.offset for r in rows if r.original.endswith("long talk.wav"))
    assert long_rows[0] == pytest.approx(1.0, abs=0.1) and np.diff(long_rows) == pytest.approx([3.0, 3.0])


def test_prepare_is_idempotent_and_keeps_existing_files(sources, tmp_path):
    data = tmp_path / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ingest.prepare_from_folder(sources, data_dir=data, label="music", split="test", progress=False)
        snapshot = _snapshot(data)
        again = ingest.prepare_from_folder(sources, data_dir=data, label="music", split="test", progress=False)
    assert again.clips_written == 0 and again.clips_already_present == 5
    assert _snapshot(data) == snapshot


def test_deleted_clip_is_rewritten_and_foreign_file_of_same_name_kept(sources, tmp_path):
    data = tmp_path / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ingest.prepare_from_folder(sources, data_dir=data, label="music", split="train", max_clips_per_file=1, progress=False)
    clip = sorted((data / "train" / "music").glob("long_talk*.wav"))[0]
    clip.unlink()
    clip.write_bytes(b"user's own file that happens to have this name")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = ingest.prepare_from_folder(sources, data_dir=data, label="music", split="train", max_clips_per_file=1, progress=False)
    assert clip.read_bytes().startswith(b"user's own file")
    assert report.clips_written == 0  # the manifest's file exists (it is the user's now): not rewritten


def test_max_clips_per_file(sources, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = ingest.prepare_from_folder(sources, data_dir=tmp_path / "d", label="speech", split="train",
                                            max_clips_per_file=1, progress=False)
    assert report.clips_written == 3


def test_bad_arguments(sources, tmp_path):
    with pytest.raises(ParameterError, match="label must be one of speech, music, noise"):
        ingest.prepare_from_folder(sources, data_dir=tmp_path / "d", label="silence", split="train")
    with pytest.raises(ParameterError, match="no such folder"):
        ingest.prepare_from_folder(tmp_path / "missing", data_dir=tmp_path / "d", label="speech", split="train")
    (tmp_path / "d" / "train").mkdir(parents=True)
    with pytest.raises(ParameterError, match="inside the data folder"):
        ingest.prepare_from_folder(tmp_path / "d" / "train", data_dir=tmp_path / "d", label="speech", split="train")


def test_split_into_clips_skips_silent_windows_and_silence():
    y = np.concatenate([tone(300, 3.0), np.zeros(3 * 22050, np.float32), tone(300, 3.0)])
    clips = ingest.split_into_clips(y)
    assert [round(o, 3) for o, _ in clips] == [0.0, 6.0]
    assert ingest.split_into_clips(np.zeros(5 * 22050, np.float32)) == []
    with pytest.raises(ParameterError):
        ingest.split_into_clips(y, max_clips=0)


def test_clip_writer_unique_names_and_validation(tmp_path):
    with ingest.ClipWriter(tmp_path) as writer:
        a = writer.save("train", "speech", tone(), stem="x", source="s", original="o1")
        b = writer.save("train", "speech", tone(), stem="x", source="s", original="o2")
        assert a.name == "x.wav" and b.name == "x-2.wav"
        assert writer.save("train", "speech", tone(), stem="x", source="s", original="o1") is None
        with pytest.raises(ParameterError):
            writer.save("train", "speech", np.zeros(10), stem="y", source="s", original="o3")
    assert len(ingest.read_manifest(tmp_path)) == 2


def test_unreadable_manifest_is_ignored_with_warning(tmp_path):
    (tmp_path / "manifest.csv").write_text("\x00garbage,\n1,2")
    with pytest.warns(RuntimeWarning, match="manifest"):
        assert ingest.read_manifest(tmp_path) == []


def test_safe_stem():
    assert ingest.safe_stem("Let's Go (live).mp3") == "Let_s_Go_live"
    assert ingest.safe_stem("...") == "clip"
