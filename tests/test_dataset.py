import hashlib

import numpy as np
import pytest
from conftest import make_dataset, noise, tone, write_audio

from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import DatasetError, ParameterError
from speechmusic.data import dataset, feature_store


def _tree_digest(root):
    """Content and mtime of every file under root, to prove nothing was modified."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".cache" not in p.parts:
            out[p.relative_to(root).as_posix()] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def test_load_dataset_shapes_types_and_order(tiny_dataset):
    train_x, train_y, test_x, test_y, classes = dataset.load_dataset(tiny_dataset, progress=False)
    assert train_x.shape == (8, 128, 130) and test_x.shape == (8, 128, 130)
    assert train_x.dtype == np.float64
    assert train_y.shape == (1, 8) and test_y.shape == (1, 8)
    assert np.issubdtype(train_y.dtype, np.integer)
    assert train_y.tolist() == [[1, 1, 1, 1, 0, 0, 0, 0]]  # speech first, then music, like the original lab
    assert classes.tolist() == [b"music", b"speech"]
    assert 0.0 <= train_x.min() and train_x.max() <= 1.0


def test_float32_option(tiny_dataset):
    train_x, *_ = dataset.load_dataset(tiny_dataset, dtype=np.float32, progress=False)
    assert train_x.dtype == np.float32


def test_deterministic_and_cache_gives_identical_features(tiny_dataset):
    cold = dataset.load_dataset(tiny_dataset, cache=False, progress=False)
    first = dataset.load_dataset(tiny_dataset, progress=False)
    warm = dataset.load_dataset(tiny_dataset, progress=False)
    for a, b, c in zip(cold, first, warm):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, c)


def test_environment_variable_is_the_default(tiny_dataset, monkeypatch, tmp_path):
    monkeypatch.setenv("SPEECHMUSIC_DATA", str(tiny_dataset))
    monkeypatch.chdir(tmp_path)
    assert dataset.resolve_data_dir() == tiny_dataset
    assert dataset.load_dataset(progress=False)[0].shape[0] == 8
    monkeypatch.delenv("SPEECHMUSIC_DATA")
    assert str(dataset.resolve_data_dir()) == "data"


class _CountingDecoder:
    def __init__(self, monkeypatch):
        self.calls = []
        original = dataset.load_clip_from_bytes

        def counting(data, *, name, params):
            self.calls.append(name)
            return original(data, name=name, params=params)

        monkeypatch.setattr(dataset, "load_clip_from_bytes", counting)


def test_cache_hit_skips_decoding_and_change_invalidates(tiny_dataset, monkeypatch):
    decoder = _CountingDecoder(monkeypatch)
    dataset.load_dataset(tiny_dataset, n_jobs=1, progress=False)
    assert len(decoder.calls) == 16
    decoder.calls.clear()
    dataset.load_dataset(tiny_dataset, n_jobs=1, progress=False)
    assert decoder.calls == []
    # changing a file's content misses the cache for that file only
    changed = tiny_dataset / "train" / "music" / "tone-0.wav"
    write_audio(changed, tone(3000))
    X, y, paths = dataset.load_split(tiny_dataset, "train", n_jobs=1, progress=False)
    assert decoder.calls == [str(changed)]
    assert int(np.argmax(X[0].mean(axis=1))) > 60  # the new, high tone
    # changing a feature parameter misses the cache for every file
    decoder.calls.clear()
    dataset.load_split(tiny_dataset, "test", params=FeatureParams(top_db=60.0), n_jobs=1, progress=False)
    assert len(decoder.calls) == 8


def test_corrupt_cache_file_is_rebuilt_with_a_warning_naming_it(tiny_dataset):
    reference = dataset.load_dataset(tiny_dataset, progress=False)[0]
    data_files = sorted((tiny_dataset / ".cache").rglob("*.npy"))
    assert [p.name.split("-")[0] for p in data_files] == ["test", "train"]  # one file per split
    train_file = data_files[1]
    train_file.write_bytes(train_file.read_bytes()[:1000])  # cut short, as by a full disk
    with pytest.warns(RuntimeWarning, match=f"{train_file.name}.*damaged"):
        again = dataset.load_dataset(tiny_dataset, progress=False)[0]
    np.testing.assert_array_equal(reference, again)
    rebuilt = sorted((tiny_dataset / ".cache").rglob("train-*.npy"))
    assert len(rebuilt) == 1 and np.load(rebuilt[0], mmap_mode="r").shape == (8, 128, 130)


def test_parallel_and_serial_agree(tmp_path):
    root = make_dataset(tmp_path / "d", n=30)
    serial = dataset.load_split(root, "train", cache=False, n_jobs=1, progress=False)[0]
    parallel = dataset.load_split(root, "train", cache=False, n_jobs=2, progress=False)[0]
    # chunks differ between the two runs, so float32 sums may round differently in the last bit
    np.testing.assert_allclose(serial, parallel, atol=1e-6)


def test_bad_files_skipped_with_warning_naming_them_others_ignored(tiny_dataset):
    (tiny_dataset / "train" / "music" / "corrupt (1).wav").write_bytes(b"RIFF\x00\x00garbage")
    (tiny_dataset / "train" / "music" / "empty.mp3").write_bytes(b"")
    (tiny_dataset / "train" / "music" / "README.txt").write_text("notes")
    (tiny_dataset / "train" / "music" / ".DS_Store").write_bytes(b"\x00\x01")
    with pytest.warns(RuntimeWarning) as record:
        X, y, paths = dataset.load_split(tiny_dataset, "train", progress=False)
    messages = " ".join(str(w.message) for w in record)
    assert "corrupt (1).wav" in messages and "empty.mp3" in messages
    assert "README" not in messages and "DS_Store" not in messages
    assert X.shape[0] == 8 and len(paths) == 8


def test_any_format_and_subfolders_are_read_as_is(tiny_dataset):
    before = _tree_digest(tiny_dataset)
    write_audio(tiny_dataset / "train" / "speech" / "extra" / "Talk Ü.FLAC", noise(5.0, sr=44100), 44100, format="FLAC")
    write_audio(tiny_dataset / "train" / "speech" / "phone.wav", noise(1.0, sr=8000), 8000)
    before = _tree_digest(tiny_dataset)
    X, y, paths = dataset.load_split(tiny_dataset, "train", progress=False)
    assert X.shape[0] == 10 and y.tolist().count(1) == 6
    assert any(p.name == "Talk Ü.FLAC" for p in paths)
    assert _tree_digest(tiny_dataset) == before  # sources untouched


def test_missing_folder_says_what_to_run(tmp_path):
    with pytest.raises(DatasetError, match="download_samples.py"):
        dataset.load_dataset(tmp_path / "nowhere", progress=False)


def test_empty_class_says_what_to_run(tiny_dataset):
    for p in (tiny_dataset / "test" / "speech").iterdir():
        p.unlink()
    with pytest.raises(DatasetError, match=r"test/speech holds no audio files[\s\S]*download_samples.py"):
        dataset.load_dataset(tiny_dataset, progress=False)


def test_class_of_only_unreadable_files(tiny_dataset):
    for p in (tiny_dataset / "test" / "music").iterdir():
        p.write_bytes(b"not audio")
    with pytest.warns(RuntimeWarning), pytest.raises(DatasetError, match="none of its audio files could be read"):
        dataset.load_dataset(tiny_dataset, progress=False)


def test_read_only_cache_warns_once_and_still_loads(tiny_dataset, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(feature_store, "atomic_path", refuse)
    monkeypatch.setattr(feature_store, "write_text", refuse)
    with pytest.warns(RuntimeWarning, match="feature cache disabled") as record:
        X, y, _ = dataset.load_split(tiny_dataset, "train", progress=False)
    assert X.shape[0] == 8
    assert sum("feature cache disabled" in str(w.message) for w in record) == 1


def test_load_audio_file(tmp_path):
    path = write_audio(tmp_path / "mine.ogg", tone(1000, 7.0, sr=44100), 44100, format="OGG")
    S = dataset.load_audio_file(path)
    assert S.shape == (128, 130) and S.dtype == np.float64
    assert 0 <= S.min() and S.max() <= 1


# ----------------------------------------------------------------- the original lab's signatures


def test_load_audio_file_takes_the_original_labs_arguments_by_position_and_by_name(tmp_path):
    path = write_audio(tmp_path / "mine.wav", tone(440, 4.0), 22050)
    reference = dataset.load_audio_file(path)
    np.testing.assert_array_equal(dataset.load_audio_file(path, 22050, 3.0, 128, 2048, 512), reference)
    np.testing.assert_array_equal(
        dataset.load_audio_file(file_path=path, sr=22050, duration=3.0, n_mels=128, n_fft=2048, hop_length=512),
        reference)
    np.testing.assert_array_equal(dataset.load_audio_file(path, params=DEFAULT_PARAMS), reference)


@pytest.mark.parametrize("arguments, shape", [
    ({"n_mels": 64}, (64, 130)),
    ({"sr": 16000}, (128, 94)),
    ({"duration": 5.0}, (128, 216)),
    ({"n_fft": 1024, "hop_length": 256}, (128, 259)),
])
def test_load_audio_file_honours_other_feature_settings(tmp_path, arguments, shape):
    path = write_audio(tmp_path / "mine.wav", noise(4.0), 22050)
    S = dataset.load_audio_file(path, **arguments)
    assert S.shape == shape and 0.0 <= S.min() and S.max() == pytest.approx(1.0)
    # the same as asking through FeatureParams, the package's own way
    fields = {dataset.LAB_KEYWORDS[key]: value for key, value in arguments.items()}
    np.testing.assert_array_equal(S, dataset.load_audio_file(path, params=FeatureParams(**fields)))


@pytest.mark.parametrize("arguments, message", [
    ({"sr": 0}, "sr and duration must be positive"),
    ({"n_mels": 12.5}, "n_mels must be a whole number"),
    ({"n_fft": 2048, "duration": 0.01}, "shorter than one spectrogram frame"),
])
def test_unusable_feature_settings_name_the_labs_values(tmp_path, arguments, message):
    path = write_audio(tmp_path / "mine.wav", tone(440, 1.0), 22050)
    with pytest.raises(ParameterError, match=message) as caught:
        dataset.load_audio_file(path, **arguments)
    assert str(caught.value).startswith("load_audio_file(")
    assert "sr=22050, duration=3.0, n_mels=128, n_fft=2048, hop_length=512" in str(caught.value)


def test_load_dataset_takes_the_original_labs_arguments(tiny_dataset, monkeypatch):
    reference = dataset.load_dataset(tiny_dataset, progress=False)
    for same in (dataset.load_dataset(tiny_dataset, 22050, 3.0, 128, progress=False),
                 dataset.load_dataset(data_path=tiny_dataset, sr=22050, duration=3.0, n_mels=128, progress=False),
                 dataset.load_dataset(data_dir=tiny_dataset, cache=False, progress=False)):
        for a, b in zip(reference, same):
            np.testing.assert_array_equal(a, b)
    smaller = dataset.load_dataset(tiny_dataset, n_mels=64, progress=False)
    assert smaller[0].shape == (8, 64, 130)
    with pytest.raises(ParameterError, match="not both"):
        dataset.load_dataset(tiny_dataset, data_dir=tiny_dataset)
    with pytest.raises(ParameterError, match="load_dataset\\(sr=-1\\)"):
        dataset.load_dataset(tiny_dataset, sr=-1)


def test_rows_follow_the_files_of_load_split_speech_first(tiny_dataset):
    train_x, train_y, _, _, _ = dataset.load_dataset(tiny_dataset, progress=False)
    X, y, paths = dataset.load_split(tiny_dataset, "train", progress=False)
    np.testing.assert_array_equal(X, train_x)
    assert [p.parent.name for p in paths] == ["speech"] * 4 + ["music"] * 4
    assert y.tolist() == train_y[0].tolist()
