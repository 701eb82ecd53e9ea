"""Several processes at once on one data folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import REPO_ROOT, make_dataset, noise

from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.data import dataset, feature_store, ingest

LOADER = r"""
import sys, time
from pathlib import Path
import numpy as np
from speechmusic.data.dataset import load_dataset

root, ready, go, out, n_jobs = sys.argv[1:6]
Path(ready).touch()                      # imports done
while not Path(go).exists():             # start both loads at the same moment
    time.sleep(0.002)
train_x, _, test_x, _, _ = load_dataset(root, progress=False, n_jobs=int(n_jobs))
np.save(out, np.concatenate([train_x, test_x]))
"""


def run_two_loaders(tmp_path, root, n_jobs: int) -> list[subprocess.CompletedProcess]:
    env = dict(os.environ, PYTHONWARNINGS="error::RuntimeWarning")  # any cache trouble would warn
    go = tmp_path / "go"
    procs = []
    for i in range(2):
        args = [str(root), str(tmp_path / f"ready{i}"), str(go), str(tmp_path / f"out{i}.npy"), str(n_jobs)]
        procs.append(subprocess.Popen([sys.executable, "-c", LOADER, *args], cwd=REPO_ROOT, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{i}").exists() for i in range(2)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a loader died while starting"
        time.sleep(0.01)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return results


@pytest.mark.slow
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_two_processes_loading_with_a_cold_cache_both_succeed_and_leave_a_valid_cache(tmp_path, n_jobs):
    root = make_dataset(tmp_path / "data", n=8)  # 32 files, so the loads overlap for a while
    expected_train, _, expected_test, _, _ = dataset.load_dataset(root, cache=False, progress=False)
    expected = np.concatenate([expected_train, expected_test])

    for result in run_two_loaders(tmp_path, root, n_jobs):
        assert result.returncode == 0, result.stderr
    # batches of a different size may round the last float32 bit differently (see test_dataset)
    for i in range(2):
        np.testing.assert_allclose(np.load(tmp_path / f"out{i}.npy"), expected, atol=1e-6)

    # the cache: per split one index and the one data file it names, with a row for every file, and
    # no temporary leftovers; it serves a third load without decoding anything
    folder = feature_store.store_folder(root, DEFAULT_PARAMS)
    for split in ("train", "test"):
        store = feature_store.FeatureStore(root, split, DEFAULT_PARAMS)
        paths = [p for p, _ in dataset.list_split(root, split)]
        rows, _, _ = store.lookup(paths)
        assert sorted(rows.tolist()) == list(range(16))
        assert [p.name for p in folder.glob(f"{split}-*.npy")] == [store._data_path.name]
    assert not [p for p in (root / dataset.CACHE_DIR_NAME).rglob("*") if p.name.endswith(".part")]
    train_x, _, test_x, _, _ = dataset.load_dataset(root, progress=False)
    np.testing.assert_allclose(np.concatenate([train_x, test_x]), expected, atol=1e-6)


def test_two_clip_writers_on_one_folder_keep_every_record(tmp_path):
    data_dir = tmp_path / "data"
    clip = noise(3.0)
    first, second = ingest.ClipWriter(data_dir), ingest.ClipWriter(data_dir)  # e.g. two terminals
    first.save("train", "speech", clip, stem="a", source="user", original="/a.wav", offset=0.0)
    first.flush()
    second.save("train", "music", clip, stem="b", source="user", original="/b.wav", offset=0.0)
    second.flush()
    originals = sorted(r.original for r in ingest.read_manifest(data_dir))
    assert originals == ["/a.wav", "/b.wav"]
