"""The consolidated feature cache (one memory-mapped file per split), float32 and memory-mapped
loads, threads, and feature extraction on a Dask cluster (a LocalCluster on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import count_decoding, make_dataset, tone, write_audio

from speechmusic.cli import main as cli_main
from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.core.errors import ParameterError
from speechmusic.data import dataset, feature_store


def index(root, split="train"):
    return json.loads((feature_store.store_folder(root, DEFAULT_PARAMS) / f"{split}.json").read_text())


def data_files(root, split="train"):
    return sorted(feature_store.store_folder(root, DEFAULT_PARAMS).glob(f"{split}-*.npy"))


def test_one_memory_mappable_file_per_split_rows_in_file_order(tiny_dataset):
    X, _, paths = dataset.load_split(tiny_dataset, "train", dtype=np.float32, progress=False)
    [path] = data_files(tiny_dataset)
    stored = np.load(path, mmap_mode="r")
    assert isinstance(stored, np.memmap) and stored.dtype == np.float32
    np.testing.assert_array_equal(stored, X)  # in the order the split lists its files
    files = index(tiny_dataset)["files"]
    assert [files[p.relative_to(tiny_dataset / "train").as_posix()][0] for p in paths] == list(range(8))
    assert index(tiny_dataset)["digests"][3] == dataset.file_digest(paths[3].read_bytes())


def test_float32_and_memory_mapped_loads_match_the_default(tiny_dataset):
    default = dataset.load_dataset(tiny_dataset, progress=False)
    assert default[0].dtype == np.float64 and default[0].flags.writeable  # the lab's API is unchanged
    small = dataset.load_dataset(tiny_dataset, dtype=np.float32, progress=False)
    mapped = dataset.load_dataset(tiny_dataset, dtype=np.float32, mmap=True, progress=False)
    assert small[0].dtype == np.float32 and small[0].nbytes * 2 == default[0].nbytes
    assert isinstance(mapped[0], np.memmap) and not mapped[0].flags.writeable
    for a, b, c in zip(default, small, mapped):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, c)
    with pytest.raises(ValueError):
        mapped[0][0, 0, 0] = 1.0  # read-only: the cache can never be changed by accident


def test_memory_mapped_load_of_a_cold_cache_is_read_only_in_memory(tiny_dataset):
    X, _, _ = dataset.load_split(tiny_dataset, "test", dtype=np.float32, mmap=True, progress=False)
    assert not isinstance(X, np.memmap) and not X.flags.writeable
    again, _, _ = dataset.load_split(tiny_dataset, "test", dtype=np.float32, mmap=True, progress=False)
    assert isinstance(again, np.memmap)
    np.testing.assert_array_equal(X, again)


def test_added_removed_edited_and_renamed_files(tiny_dataset, settled, monkeypatch):
    music = tiny_dataset / "train" / "music"
    dataset.load_split(tiny_dataset, "train", progress=False)
    calls = count_decoding(monkeypatch)
    write_audio(music / "new.wav", tone(1500.0))  # added
    (tiny_dataset / "train" / "speech" / "noise-3.wav").unlink()  # removed
    write_audio(music / "tone-0.wav", tone(4000.0))  # edited
    (music / "tone-1.wav").rename(music / "renamed.wav")  # renamed
    X, _, paths = dataset.load_split(tiny_dataset, "train", progress=False)
    assert sorted(calls) == sorted([str(music / "new.wav"), str(music / "tone-0.wav")])
    np.testing.assert_array_equal(X, dataset.load_split(tiny_dataset, "train", cache=False, progress=False)[0])
    files = index(tiny_dataset)["files"]
    assert "music/renamed.wav" in files and "music/tone-1.wav" not in files and "speech/noise-3.wav" not in files
    assert index(tiny_dataset)["rows"] == 8 and len(data_files(tiny_dataset)) == 1  # rewritten, old one removed
    calls.clear()
    np.testing.assert_array_equal(dataset.load_split(tiny_dataset, "train", progress=False)[0], X)
    assert calls == []


def test_renames_and_removals_rewrite_only_the_index_until_a_quarter_of_the_rows_are_dead(tiny_dataset, settled):
    dataset.load_split(tiny_dataset, "train", progress=False)
    [first] = data_files(tiny_dataset)
    (tiny_dataset / "train" / "music" / "tone-2.wav").rename(tiny_dataset / "train" / "music" / "z.wav")
    (tiny_dataset / "train" / "speech" / "noise-0.wav").unlink()  # 1 dead row of 8
    X, _, _ = dataset.load_split(tiny_dataset, "train", progress=False)
    assert data_files(tiny_dataset) == [first] and index(tiny_dataset)["rows"] == 8
    assert len(index(tiny_dataset)["files"]) == 7
    (tiny_dataset / "train" / "speech" / "noise-1.wav").unlink()
    (tiny_dataset / "train" / "speech" / "noise-2.wav").unlink()  # 3 dead rows of 8: compacted
    Y, _, _ = dataset.load_split(tiny_dataset, "train", progress=False)
    assert data_files(tiny_dataset) != [first] and index(tiny_dataset)["rows"] == 5
    np.testing.assert_array_equal(Y, dataset.load_split(tiny_dataset, "train", cache=False, progress=False)[0])


def test_files_with_the_same_bytes_share_a_row(tiny_dataset, settled, monkeypatch):
    speech = tiny_dataset / "train" / "speech"
    shutil.copyfile(speech / "noise-0.wav", speech / "noise-0 copy.wav")
    X, _, paths = dataset.load_split(tiny_dataset, "train", progress=False)
    assert len(paths) == 9 and index(tiny_dataset)["rows"] == 8
    calls = count_decoding(monkeypatch)
    Y, _, _ = dataset.load_split(tiny_dataset, "train", dtype=np.float32, mmap=True, progress=False)
    assert calls == [] and not isinstance(Y, np.memmap)  # rows not consecutive: a read-only copy
    np.testing.assert_array_equal(X, Y)


def test_threads_give_the_same_features_as_one_thread(tmp_path):
    root = make_dataset(tmp_path / "d", n=12)
    serial = dataset.load_split(root, "train", cache=False, n_jobs=1, progress=False)[0]
    threads = dataset.load_split(root, "train", cache=False, n_jobs=2, progress=False)[0]
    np.testing.assert_array_equal(serial, threads)  # same chunks, same arithmetic


def test_a_bad_file_decoded_in_a_thread_is_named_in_a_warning(tiny_dataset):
    (tiny_dataset / "train" / "music" / "broken.wav").write_bytes(b"RIFF\x00\x00garbage")
    write_audio(tiny_dataset / "train" / "music" / "with nan.wav", np.where(np.arange(66150) % 7, tone(), np.nan),
                subtype="FLOAT")
    with pytest.warns(RuntimeWarning) as record:
        X, _, paths = dataset.load_split(tiny_dataset, "train", n_jobs=2, progress=False)
    messages = " ".join(str(w.message) for w in record)
    assert "broken.wav" in messages and "with nan.wav" in messages
    assert len(paths) == 9 and np.isfinite(X).all()


# ----------------------------------------------------------------------------- Dask cluster
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0", silence_logs=50) as local:
        yield local.scheduler_address


@pytest.mark.slow
def test_features_computed_on_a_dask_cluster_are_identical_to_local_ones(tmp_path, cluster, monkeypatch):
    root = make_dataset(tmp_path / "data", n=6)
    (root / "train" / "music" / "broken.wav").write_bytes(b"not audio")
    with pytest.warns(RuntimeWarning, match="broken.wav"):
        local = dataset.load_dataset(root, cache=False, progress=False)
    with pytest.warns(RuntimeWarning, match="broken.wav"):  # the worker's message comes back
        remote = dataset.load_dataset(root, scheduler=cluster, progress=False)
    for a, b in zip(local, remote):
        np.testing.assert_array_equal(a, b)
    assert index(root)["rows"] == 12  # the cluster's features filled the cache
    sent = []
    real = dataset.map_on_dask_cluster
    monkeypatch.setattr(dataset, "map_on_dask_cluster", lambda function, chunks, *a: sent.extend(chunks) or
                        real(function, chunks, *a))
    with pytest.warns(RuntimeWarning, match="broken.wav"):  # never cached: tried again each time
        warm = dataset.load_dataset(root, scheduler=cluster, progress=False)
    assert sent == [[str(root / "train" / "music" / "broken.wav")]]  # only what the cache lacks
    for a, b in zip(local, warm):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_train_with_scheduler_gives_the_same_model(tmp_path, cluster, capsys):
    root = make_dataset(tmp_path / "data", n=4)
    common = ["train", "--data-dir", str(root), "--features", "pooled", "--quiet", "--json"]
    assert cli_main([*common, "--model", str(tmp_path / "local.npz"), "--no-cache"]) == 0
    assert cli_main([*common, "--model", str(tmp_path / "cluster.npz"), "--scheduler", cluster,
                     "--dtype", "float32"]) == 0
    out = capsys.readouterr().out
    assert '"dtype": "float32"' in out
    local, remote = np.load(tmp_path / "local.npz"), np.load(tmp_path / "cluster.npz")
    np.testing.assert_allclose(local["coef"], remote["coef"], rtol=1e-5, atol=1e-7)  # float32 vs float64 input


def test_an_unreachable_scheduler_is_a_clear_error(tiny_dataset, monkeypatch):
    pytest.importorskip("distributed")
    from speechmusic.core import executor
    from speechmusic.core.errors import SpeechMusicError

    monkeypatch.setattr(executor, "CONNECT_TIMEOUT", 1.0)  # the batch command's backend, and its message
    with pytest.raises(SpeechMusicError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        dataset.load_split(tiny_dataset, "train", cache=False, scheduler="tcp://127.0.0.1:9", progress=False)


def test_train_with_scheduler_on_a_machine_without_distributed_says_what_to_install(tiny_dataset, monkeypatch,
                                                                                  tmp_path, capsys):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    code = cli_main(["train", "--data-dir", str(tiny_dataset), "--model", str(tmp_path / "m.npz"), "--no-cache",
                     "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == 2 and ".[cluster]" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


def test_listing_counts_links_to_files_not_links_to_folders_and_sorts_by_relative_path(tmp_path):
    from speechmusic.core.audio import find_audio_files

    folder = tmp_path / "music"
    write_audio(folder / "b.wav", tone())
    write_audio(folder / "a" / "z.flac", tone(), format="FLAC")
    write_audio(folder / ".hidden" / "c.wav", tone())
    write_audio(tmp_path / "elsewhere" / "d.wav", tone())
    (folder / "link to file.wav").symlink_to(tmp_path / "elsewhere" / "d.wav")
    (folder / "link to folder").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (folder / "dangling.wav").symlink_to(tmp_path / "nowhere.wav")
    (folder / "notes.txt").write_text("not audio")
    found = [p.relative_to(folder).as_posix() for p in find_audio_files(folder)]
    assert found == ["a/z.flac", "b.wav", "link to file.wav"]
    assert find_audio_files(tmp_path / "missing") == []


@pytest.mark.slow
def test_a_task_failing_on_the_cluster_is_a_clear_error(tmp_path, cluster):
    def broken_worker(paths, params):
        raise ModuleNotFoundError("No module named 'speechmusic'")  # as on a worker without the package

    with pytest.raises(ParameterError, match="a task failed on the cluster.*No module named"):
        list(dataset.map_on_dask_cluster(broken_worker, [["a.wav"]], cluster, DEFAULT_PARAMS))


@pytest.mark.slow
def test_the_cluster_path_is_the_batch_commands_backend(tmp_path, cluster, monkeypatch):
    from speechmusic.core import executor

    root = make_dataset(tmp_path / "data", n=3)
    calls = []
    real = executor.run_tasks
    monkeypatch.setattr(dataset, "run_tasks", lambda *a, **k: calls.append(k["scheduler"]) or real(*a, **k))
    remote = dataset.load_dataset(root, scheduler=cluster, cache=False, progress=False)
    assert calls == [cluster, cluster]  # one run per split, through run_tasks
    for a, b in zip(dataset.load_dataset(root, cache=False, progress=False), remote):
        np.testing.assert_array_equal(a, b)
