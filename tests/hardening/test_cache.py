"""The feature cache under <data>/.cache: corrupt, foreign, outdated or blocked entries are never
trusted and never stop a load; the recordings themselves are never touched."""

from __future__ import annotations

import io
import json
import os
import warnings

import numpy as np
import pytest
from conftest import make_dataset
from hostile import snapshot

from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.data import dataset


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
    return dataset.FeatureCache.for_data_dir(root).root


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


GOOD_SHAPE = DEFAULT_PARAMS.shape
CORRUPT_ENTRIES = {
    "zero-length": b"",
    "random bytes": np.random.default_rng(1).bytes(3000),
    "truncated": None,  # filled in from a real entry
    "wrong shape": npy(np.zeros((128, 129), np.float32)),
    "wrong dtype": npy(np.zeros(GOOD_SHAPE, np.float64)),
    "NaN inside": npy(np.full(GOOD_SHAPE, np.nan, np.float32)),
    "values outside [0, 1]": npy(np.full(GOOD_SHAPE, 5.0, np.float32)),
    "negative values": npy(np.full(GOOD_SHAPE, -0.5, np.float32)),
    "pickled object": npy(np.array([{"evil": True}], dtype=object)),
}


@pytest.mark.parametrize("kind", sorted(CORRUPT_ENTRIES))
def test_corrupt_entry_is_recomputed_and_repaired(data, kind):
    expected = reference(data)
    load_all(data)
    entries = sorted(cache_root(data).rglob("*.npy"))
    assert len(entries) == 8
    victim = entries[3]
    content = CORRUPT_ENTRIES[kind] if kind != "truncated" else victim.read_bytes()[:200]
    victim.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a bad cache entry is silently recomputed, not a user problem
        got = load_all(data)
    np.testing.assert_array_equal(got, expected)
    repaired = np.load(victim, allow_pickle=False)
    assert repaired.shape == GOOD_SHAPE and repaired.dtype == np.float32


def test_entry_that_is_a_folder_is_worked_around(data):
    expected = reference(data)
    load_all(data)
    victim = sorted(cache_root(data).rglob("*.npy"))[0]
    victim.unlink()
    victim.mkdir()
    (victim / "keep.txt").write_text("someone's file")
    with pytest.warns(RuntimeWarning, match="feature cache disabled"):
        got = load_all(data)
    np.testing.assert_array_equal(got, expected)
    assert (victim / "keep.txt").read_text() == "someone's file"  # nothing deleted


def test_cache_folder_that_is_a_file_disables_the_cache_with_one_warning(data):
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
    poisoned = np.ones(GOOD_SHAPE, np.float32)  # valid-looking, wrong
    base = data / dataset.CACHE_DIR_NAME
    stale = [
        base / f"features-v0-{key}" / digest[:2] / f"{digest}.npy",  # an older cache format
        base / f"features-v{dataset.CACHE_VERSION}-{'0' * 16}" / digest[:2] / f"{digest}.npy",  # other params
        base / f"features-v{dataset.CACHE_VERSION + 1}-{key}" / digest[:2] / f"{digest}.npy",  # a newer release
    ]
    for path in stale:
        path.parent.mkdir(parents=True)
        np.save(path, poisoned)
    (base / "features.npz").write_bytes(b"PK\x03\x04 a single-file cache of some old release")
    (base / "train_x.npy").write_bytes(npy(np.zeros((4, 128, 130))))
    before = snapshot(base)
    got = load_all(data)
    np.testing.assert_array_equal(got, expected)
    after = snapshot(base)
    assert all(after[name] == digest for name, digest in before.items())


def test_leftovers_of_an_interrupted_run_are_harmless(data):
    expected = reference(data)
    load_all(data)
    folder = sorted(cache_root(data).iterdir())[0]
    entry = sorted(folder.glob("*.npy"))[0]
    # a temporary file that never got renamed, and an entry cut short as if the disk filled up
    (folder / f".{entry.name}.abc123.part").write_bytes(entry.read_bytes()[:100])
    entry.write_bytes(entry.read_bytes()[:100])
    got = load_all(data)
    np.testing.assert_array_equal(got, expected)


def test_the_cache_never_touches_the_recordings(data):
    before = snapshot(data)
    load_all(data)
    load_all(data)
    after = {k: v for k, v in snapshot(data).items() if not k.startswith(dataset.CACHE_DIR_NAME + "/")}
    assert after == before


# ----------------------------------------------------------------------------- digest memo
@pytest.fixture
def settled(monkeypatch):
    """Treat every file as settled, so the digest memo remembers even files made a moment ago."""
    monkeypatch.setattr(dataset, "DIGEST_MEMO_SETTLE_NS", -1)


def count_hashing(monkeypatch):
    calls = []
    real = dataset.file_digest

    def counting(data):
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(dataset, "file_digest", counting)
    return calls


def memo_path(root):
    return cache_root(root) / dataset.DIGEST_MEMO_NAME


def test_a_warm_load_does_not_hash_the_recordings_again(data, settled, monkeypatch):
    expected = load_all(data)
    assert memo_path(data).is_file()
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
    decoded = []
    real = dataset.load_clip_from_bytes
    monkeypatch.setattr(dataset, "load_clip_from_bytes", lambda *a, **k: decoded.append(1) or real(*a, **k))
    np.testing.assert_array_equal(load_all(data), expected)
    assert len(calls) == 1 and decoded == []


def test_files_changed_just_before_loading_are_not_remembered(data):
    load_all(data)  # the fixture's files were written a moment ago
    remembered = json.loads(memo_path(data).read_text()) if memo_path(data).exists() else {}
    assert remembered == {}


@pytest.mark.parametrize("content", ["", "not json", "[1, 2, 3]", '{"x": 1}', None])
def test_a_damaged_or_forged_memo_is_never_trusted_blindly(data, settled, content):
    expected = load_all(data)
    if content is None:
        # right keys, right stamps, but digests that are not digests
        memo = json.loads(memo_path(data).read_text())
        content = json.dumps({key: [stamp, "../../../../etc/passwd"] for key, (stamp, _) in memo.items()})
    memo_path(data).write_text(content)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(load_all(data), expected)
    assert isinstance(json.loads(memo_path(data).read_text()), dict)


def test_the_memo_forgets_deleted_files(data, settled):
    load_all(data)
    gone = data / "train" / "speech" / "noise-1.wav"
    noise_0 = data / "train" / "speech" / "noise-0.wav"
    gone.unlink()
    noise_0.write_bytes(noise_0.read_bytes())  # a change, so that the memo is written again
    load_all(data)
    assert os.path.abspath(gone) not in json.loads(memo_path(data).read_text())
