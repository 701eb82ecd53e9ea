"""Batch segmentation on a Dask ``distributed.LocalCluster`` (127.0.0.1, 2 worker processes).

One cluster for the module (starting one takes seconds): the same batch on two local processes
and on the cluster gives identical outputs and summaries; a worker killed mid-run loses nothing.
The 50-programme batch and a timed dead-worker run are in benchmarks/bench_batch.py.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from batch_helpers import assert_near_truth, make_programmes, outputs_of, read_segments, tiny_model, without_timing  # noqa: E402

from speechmusic import cli  # noqa: E402
from speechmusic.apps.batch import read_summary, segment_batch  # noqa: E402
from speechmusic.core import executor  # noqa: E402
from speechmusic.core.errors import SpeechMusicError  # noqa: E402
from speechmusic.core.executor import run_tasks  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from distributed import Client, LocalCluster

    scratch = tmp_path_factory.mktemp("dask-scratch")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      local_directory=str(scratch), silence_logs=logging.CRITICAL) as local, \
            Client(local, set_as_default=False) as client:
        yield local, client


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    return root, make_programmes(root, 12, seed=5)


def _die_once(item):
    """A task that kills its own worker process the first time it runs (the marker file says it did)."""
    value, marker = item
    if marker is not None and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return value * 10


def _wait_for_two_workers(client):
    client.wait_for_workers(2, timeout=120)


def test_a_task_whose_worker_dies_is_run_again_elsewhere(cluster, tmp_path):
    local, client = cluster
    _wait_for_two_workers(client)
    marker = tmp_path / "died"
    items = [(i, str(marker) if i == 3 else None) for i in range(8)]
    results = sorted(run_tasks(_die_once, items, scheduler=client), key=lambda r: r.index)
    assert [r.value for r in results] == [i * 10 for i in range(8)] and all(r.ok for r in results)
    assert marker.is_file()  # the first attempt did kill its worker
    dead = int(marker.read_text())
    assert results[3].worker.startswith("tcp://127.0.0.1:")
    pids = client.run(os.getpid)
    assert pids.get(results[3].worker) != dead


def test_two_local_processes_and_the_cluster_write_identical_results(cluster, archive, model, tmp_path, capsys):
    local, client = cluster
    _wait_for_two_workers(client)
    root, truth = archive
    code, _, _ = (cli.main(["segment", str(root), "--out-dir", str(tmp_path / "jobs"), "--model", str(model), "--jobs",
                            "2", "--quiet"]), *capsys.readouterr())
    assert code == 1  # the corrupt file
    code = cli.main(["segment", str(root), "--out-dir", str(tmp_path / "dask"), "--model", str(model), "--scheduler",
                     local.scheduler_address, "--quiet"])
    assert code == 1
    on_jobs, on_dask = read_summary(tmp_path / "jobs" / "summary.csv"), read_summary(tmp_path / "dask" / "summary.csv")
    assert without_timing(on_jobs) == without_timing(on_dask)
    assert outputs_of(tmp_path / "jobs") == outputs_of(tmp_path / "dask")
    assert len(outputs_of(tmp_path / "dask")) == 12
    for row in on_dask:
        name = Path(row["file"]).relative_to(root).as_posix()
        if name == "b/broken.wav":
            assert row["status"] == "failed" and row["error"]
        else:
            assert row["status"] == "ok"
            assert_near_truth(read_segments(tmp_path / "dask" / Path(name).with_suffix(".csv")), truth[name])
    # The worker column names the process: cluster workers by address, local ones by host and PID.
    assert {row["worker"] for row in on_dask} <= set(client.scheduler_info()["workers"]) | {""}
    host = socket.gethostname()
    assert all(row["worker"].startswith(f"{host}:") and row["worker"] != f"{host}:{os.getpid()}" for row in on_jobs)


def test_a_worker_killed_mid_run_loses_nothing(cluster, archive, model, tmp_path):
    local, client = cluster
    _wait_for_two_workers(client)
    root, _ = archive
    clean = segment_batch([root], tmp_path / "clean", model=model)
    killed = {}
    lock = threading.Lock()

    def kill_a_busy_worker(recording, row):
        with lock:
            if killed:
                return
            processing = {address: keys for address, keys in client.processing().items() if keys}
            if not processing:
                return
            address = sorted(processing)[0]
            pid = client.run(os.getpid, workers=[address])[address]
            killed.update(address=address, pid=pid, tasks=len(processing[address]), done=len(seen))
            os.kill(pid, signal.SIGKILL)

    seen = []
    outcome = segment_batch([root], tmp_path / "dask", model=model, scheduler=client,
                            on_result=lambda recording, row: (seen.append(recording.output), kill_a_busy_worker(recording, row)))
    assert killed and killed["tasks"] >= 1 and killed["done"] < 13  # killed while it was working, mid-run
    rows = read_summary(tmp_path / "dask" / "summary.csv")
    assert sorted(r["file"] for r in rows) == sorted(r["file"] for r in clean.rows)  # every recording exactly once
    assert len(seen) == len(set(seen)) == 13
    assert without_timing(rows) == without_timing(clean.rows)
    assert outputs_of(tmp_path / "dask") == outputs_of(tmp_path / "clean")
    assert outcome.counts == {"ok": 12, "skipped": 0, "failed": 1}


def _malloc_relaxed():
    return executor._malloc_relaxed


def test_cluster_workers_keep_freed_memory_like_a_plain_process(cluster):
    """Dask pins glibc's mmap threshold (MALLOC_TRIM_THRESHOLD_); the first task lifts it (see speechmusic.core.executor)."""
    import platform

    local, client = cluster
    _wait_for_two_workers(client)
    assert set(client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_").values()) == {"65536"}  # what Dask sets
    results = list(run_tasks(abs, list(range(-8, 0)), scheduler=client))
    ran_on = {r.worker for r in results}
    relaxed = client.run(_malloc_relaxed, workers=sorted(ran_on))
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert all(relaxed.values()) and relaxed
    results = list(run_tasks(abs, [-1], scheduler=client, tune_malloc=False))
    assert results[0].value == 1


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, archive, model, monkeypatch):
    monkeypatch.setattr(executor, "CONNECT_TIMEOUT", 1.0)
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SpeechMusicError, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        segment_batch([archive[0] / "a"], tmp_path / "out", model=model, scheduler=f"tcp://127.0.0.1:{port}")
