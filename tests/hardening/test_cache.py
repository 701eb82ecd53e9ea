"""The feature cache under <data>/.cache: corrupt, foreign, outdated or blocked files are never
trusted and never stop a load; damage is named in a warning and repaired; the recordings
themselves are never touched."""

from __future__ import annotations

import io
import json
import os
import warnings

import numpy as np
import pytest
from conftest import count_decoding, make_dataset
from hostile import snapshot

from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.data import dataset, feature_store


@pytest.fixture
def data(tmp_path):
    return make_dataset(tmp_path / "data", n=2)


def load_all(root, cache=True):
    """Features of both splits, train rows then test rows."""
    train_x, _, test_x, _, _ = dataset.load_dataset(root, cache=cache, progress=False)
    return np.concatenate([train_x, test_x])


def reference(root):
    return load_all(root, cache=False)


def cache_root(root):
    return feature_store.store_folder(root, DEFAULT_PARAMS)


def data_file(root, split="train"):
    found = sorted(cache_root(root).glob(f"{split}-*.npy"))
    assert len(found) == 1, found
    return found[0]


def index_file(root, split="train"):
    return cache_root(root) / f"{split}.json"


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def no_warnings(function):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function()


ROWS = 4  # files per split in the fixture
GOOD_SHAPE = (ROWS, *DEFAULT_PARAMS.shape)
CORRUPT_DATA = {
    "zero-length": b"",
    "random bytes": np.random.default_rng(1).bytes(3000),
    "truncated": None,  # filled in from the real file
    "one byte too many": None,
    "wrong shape": npy(np.zeros((ROWS, 128, 129), np.float32)),
    "wrong row count": npy(np.zeros((ROWS - 1, 128, 130), np.float32)),
    "wrong dtype": npy(np.zeros(GOOD_SHAPE, np.float64)),
    "big-endian": npy(np.zeros(GOOD_SHAPE, ">f4")),
    "Fortran order": npy(np.asfortranarray(np.zeros(GOOD_SHAPE, np.float32))),
    "NaN inside": npy(np.full(GOOD_SHAPE, np.nan, np.float32)),
    "values outside [0, 1]": npy(np.full(GOOD_SHAPE, 5.0, np.float32)),
    "negative values": npy(np.full(GOOD_SHAPE, -0.5, np.float32)),
    "pickled object": npy(np.array([{"evil": True}], dtype=object)),
}


@pytest.mark.parametrize("kind", sorted(CORRUPT_DATA))
def test_a_damaged_data_file_is_named_in_a_warning_and_rebuilt(data, kind, monkeypatch):
    expected = reference(data)
    load_all(data)
    victim = data_file(data)
    content = CORRUPT_DATA[kind]
    if kind == "truncated":
        content = victim.read_bytes()[:-100]
    elif kind == "one byte too many":
        content = victim.read_bytes() + b"\0"
    victim.write_bytes(content)
    with pytest.warns(RuntimeWarning, match=f"feature cache: .*{victim.name} is damaged") as record:
        got = load_all(data)
    assert sum("is damaged" in str(w.message) for w in record) == 1  # the test split is fine
    np.testing.assert_array_equal(got, expected)
    # rebuilt: a new, valid data file; the damaged one is gone; the next load decodes nothing
    assert not victim.exists()
    rebuilt = np.load(data_file(data), mmap_mode="r", allow_pickle=False)
    assert rebuilt.shape == GOOD_SHAPE and rebuilt.dtype == np.float32
    calls = count_decoding(monkeypatch)
    np.testing.assert_array_equal(no_warnings(lambda: load_all(data)), expected)
    assert calls == []


def damage_rows(root, rows, values):
    """Write ``values`` into one bin of the given rows of the train split's data file; return the file."""
    victim = data_file(root)
    damaged = np.load(victim)
    damaged[rows, 5, 5] = values
    victim.write_bytes(npy(damaged.astype(np.float32)))
    return victim


def test_one_damaged_row_recomputes_that_file_only(data, monkeypatch):
    expected = load_all(data)
    victim = damage_rows(data, [2], [np.nan])
    calls = count_decoding(monkeypatch)
    with pytest.warns(RuntimeWarning, match=f"{victim.name} is damaged .1 row"):
        got = load_all(data)
    np.testing.assert_array_equal(got, expected)
    assert len(calls) == 1


def test_a_read_split_over_threads_finds_the_damaged_rows_of_every_block(tmp_path, monkeypatch):
    data = make_dataset(tmp_path / "data", n=4)  # 8 rows per split
    expected = load_all(data)
    monkeypatch.setattr(feature_store, "CHUNK_ROWS", 2)  # several blocks: the read goes to threads
    monkeypatch.setattr(feature_store, "READ_THREADS", 3)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    np.testing.assert_array_equal(load_all(data), expected)  # every block copied to its place
    victim = damage_rows(data, [0, 3, 7], [np.nan, 2.0, -1.0])  # in the first, a middle and the last block
    calls = count_decoding(monkeypatch)
    with pytest.warns(RuntimeWarning, match=f"{victim.name} is damaged .3 row"):
        got = load_all(data)
    np.testing.assert_array_equal(got, expected)
    assert len(calls) == 3


INDEXES = {
    "empty": "",
    "not JSON": "not json",
    "a list": "[1, 2, 3]",
    "another object": '{"x": 1}',
    "not UTF-8": b"\xff\xfe\x00garbage",
}


@pytest.mark.parametrize("kind", sorted(INDEXES) + ["forged digests", "row out of range", "path in data name",
                                                    "other parameters"])
def test_a_damaged_or_forged_index_is_named_in_a_warning_and_never_trusted(data, kind):
    expected = load_all(data)
    path = index_file(data)
    index = json.loads(path.read_text())
    if kind in INDEXES:
        content = INDEXES[kind]
    elif kind == "forged digests":
        content = json.dumps({**index, "digests": ["../../../../etc/passwd"] * len(index["digests"])})
    elif kind == "row out of range":
        content = json.dumps({**index, "files": {key: [99, stamp] for key, (_, stamp) in index["files"].items()}})
    elif kind == "path in data name":
        content = json.dumps({**index, "data": "../../../train/music/tone-0.wav"})
    else:
        content = json.dumps({**index, "params_key": "0" * 16})
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.warns(RuntimeWarning, match=f"{path.name} is damaged"):
        got = load_all(data)
    np.testing.assert_array_equal(got, expected)
    assert json.loads(path.read_text())["params_key"] == DEFAULT_PARAMS.key()  # rewritten
    np.testing.assert_array_equal(no_warnings(lambda: load_all(data)), expected)


def test_an_index_naming_a_missing_data_file_is_rebuilt(data):
    expected = load_all(data)
    victim = data_file(data)
    victim.unlink()
    with pytest.warns(RuntimeWarning, match=f"{victim.name} is damaged .missing"):
        got = load_all(data)
    np.testing.assert_array_equal(got, expected)
    assert data_file(data).is_file()


def test_an_index_that_is_a_folder_is_worked_around(data):
    expected = reference(data)
    load_all(data)
    victim = index_file(data)
    victim.unlink()
    victim.mkdir()
    (victim / "keep.txt").write_text("someone's file")
    with pytest.warns(RuntimeWarning, match="feature cache") as record:
        got = load_all(data)
    assert any("feature cache disabled" in str(w.message) for w in record)
    assert any(f"{victim} is damaged (cannot be read" in str(w.message) for w in record)
    np.testing.assert_array_equal(got, expected)
    assert (victim / "keep.txt").read_text() == "someone's file"  # nothing deleted


def test_cache_folder_that_is_a_file_disables_the_cache_with_one_warning_per_split(data):
    expected = reference(data)
    blocker = data / dataset.CACHE_DIR_NAME
    blocker.write_text("not a folder")
    with pytest.warns(RuntimeWarning, match="feature cache disabled") as record:
        got = load_all(data)
    assert sum("feature cache disabled" in str(w.message) for w in record) == 2  # once per split
    np.testing.assert_array_equal(got, expected)
    assert blocker.read_text() == "not a folder"


def test_caches_of_older_versions_and_other_parameters_are_ignored_and_left_alone(data):
    expected = reference(data)
    digest = dataset.file_digest((data / "train" / "music" / "tone-0.wav").read_bytes())
    key = DEFAULT_PARAMS.key()
    poisoned = np.ones(DEFAULT_PARAMS.shape, np.float32)  # valid-looking, wrong
    base = data / dataset.CACHE_DIR_NAME
    stale = [
        base / f"features-v1-{key}" / digest[:2] / f"{digest}.npy",  # the per-file cache of release 1
        base / f"features-v{dataset.CACHE_VERSION}-{'0' * 16}" / "train-0123456789abcdef.npy",  # other params
        base / f"features-v{dataset.CACHE_VERSION + 1}-{key}" / "train-0123456789abcdef.npy",  # a newer release
    ]
    for path in stale:
        path.parent.mkdir(parents=True)
        np.save(path, poisoned[np.newaxis].repeat(ROWS, axis=0))
        (path.parent / "train.json").write_text(json.dumps({"version": 99}))
    (base / "features.npz").write_bytes(b"PK\x03\x04 a single-file cache of some old release")
    (base / "train_x.npy").write_bytes(npy(np.zeros((4, 128, 130))))
    before = snapshot(base)
    got = no_warnings(lambda: load_all(data))
    np.testing.assert_array_equal(got, expected)
    after = snapshot(base)
    assert all(after[name] == digest for name, digest in before.items())


def test_leftovers_of_interrupted_writers_are_harmless_and_swept(data):
    expected = reference(data)
    load_all(data)
    folder = cache_root(data)
    entry = data_file(data)
    # a temporary file that never got renamed, and a data file whose index was never written
    (folder / f".{entry.name}.abc123.part").write_bytes(entry.read_bytes()[:100])
    (folder / "train-0123456789abcdef.npy").write_bytes(entry.read_bytes())
    added = data / "train" / "music" / "tone-copy.wav"  # a new file, so that the store is written again
    added.write_bytes((data / "train" / "music" / "tone-0.wav").read_bytes() + b"\0\0")
    got = no_warnings(lambda: load_all(data))
    assert got.shape[0] == expected.shape[0] + 1
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(("train", ".train"))) == \
        sorted(["train.json", "train.lock", data_file(data).name])


def test_the_cache_never_touches_the_recordings(data):
    before = snapshot(data)
    load_all(data)
    load_all(data)
    after = {k: v for k, v in snapshot(data).items() if not k.startswith(dataset.CACHE_DIR_NAME + "/")}
    assert after == before


# ----------------------------------------------------------------------------- stamps in the index
def count_hashing(monkeypatch):
    calls = []
    real = feature_store.file_digest

    def counting(data):
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(feature_store, "file_digest", counting)
    return calls


def test_a_warm_load_does_not_hash_the_recordings_again(data, settled, monkeypatch):
    expected = load_all(data)
    calls = count_hashing(monkeypatch)
    np.testing.assert_array_equal(load_all(data), expected)
    assert calls == []


def test_an_edit_that_keeps_size_and_modification_time_is_still_noticed(data, settled, monkeypatch):
    load_all(data)
    path = data / "test" / "music" / "tone-0.wav"
    info = path.stat()
    original = path.read_bytes()
    changed = original[:44] + bytes(len(original) - 44)  # same size, now silence
    path.write_bytes(changed)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # put the modification time back
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    got = load_all(data)
    row = [p for split in ("train", "test") for p, _ in dataset.list_split(data, split)].index(path)
    assert not got[row].any()  # the silent clip's features, not the cached tone
    np.testing.assert_array_equal(got, reference(data))


def test_a_renamed_file_is_hashed_again_and_found_in_the_cache(data, settled, monkeypatch):
    expected = load_all(data)
    (data / "train" / "music" / "tone-1.wav").rename(data / "train" / "music" / "tone-9.wav")
    calls = count_hashing(monkeypatch)
    decoded = count_decoding(monkeypatch)
    np.testing.assert_array_equal(load_all(data), expected)
    assert len(calls) == 1 and decoded == []
    assert "music/tone-9.wav" in json.loads(index_file(data).read_text())["files"]


def test_files_changed_just_before_loading_get_no_stamps(data):
    load_all(data)  # the fixture's files were written a moment ago
    files = json.loads(index_file(data).read_text())["files"]
    assert len(files) == ROWS and all(stamp is None for _, stamp in files.values())


def test_the_index_forgets_deleted_files(data, settled):
    load_all(data)
    gone = data / "train" / "speech" / "noise-1.wav"
    gone.unlink()
    load_all(data)
    assert "speech/noise-1.wav" not in json.loads(index_file(data).read_text())["files"]
