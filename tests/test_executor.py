"""speechmusic.core.executor on local processes: results, errors as one line, worker names, bad choices.

The same function on a Dask cluster (and a worker dying under a task) is in test_batch_cluster.py.
"""

from __future__ import annotations

import os
import socket

import pytest

from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.core.executor import check_backend, one_line, run_tasks


def square_or_fail(x):
    if x == 3:
        raise AudioError("three.wav: cannot decode audio:\n  format not recognised")
    if x == 5:
        raise KeyError("five")
    return x * x


def test_in_this_process_every_item_gives_one_result_and_errors_stay_in_their_task():
    results = list(run_tasks(square_or_fail, range(7)))
    assert [r.index for r in results] == list(range(7))
    assert [r.value for r in results] == [0, 1, 4, None, 16, None, 36]
    assert results[3].error == "three.wav: cannot decode audio: format not recognised"  # one line, own message
    assert results[5].error == "KeyError: 'five'" and not results[5].ok
    assert {r.worker for r in results} == {f"{socket.gethostname()}:{os.getpid()}"}
    assert all(r.seconds >= 0 for r in results)


def test_local_processes_give_the_same_results_from_other_processes():
    results = sorted(run_tasks(square_or_fail, range(12), jobs=2), key=lambda r: r.index)
    assert [r.value for r in results] == [x * x if x not in (3, 5) else None for x in range(12)]
    assert [r.error is None for r in results] == [x not in (3, 5) for x in range(12)]
    workers = {r.worker for r in results}
    assert 1 <= len(workers) <= 2 and f"{socket.gethostname()}:{os.getpid()}" not in workers


def malloc_state(_):
    from speechmusic.core import executor

    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), executor._malloc_relaxed


def test_local_processes_that_inherit_pinned_malloc_thresholds_lift_them(monkeypatch):
    """A LocalCluster leaves MALLOC_TRIM_THRESHOLD_ in this process's environment; loky workers inherit it."""
    import platform

    from joblib.externals.loky import get_reusable_executor

    from speechmusic.core import executor

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    # The segment command relaxes its own process: other tests in this one may have run it.
    monkeypatch.setattr(executor, "_malloc_relaxed", False)
    get_reusable_executor().shutdown(wait=True)  # the next pool starts with this environment
    try:
        states = {r.value for r in run_tasks(malloc_state, range(4), jobs=2)}
        if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
            assert states == {("65536", True)}
        states = {r.value for r in run_tasks(malloc_state, range(2), jobs=1)}
        assert states == {("65536", False)}  # this process is the caller's: left alone
    finally:
        get_reusable_executor().shutdown(wait=True)  # later pools without the variable


def test_an_exception_outside_catch_stops_the_run():
    with pytest.raises(KeyError):
        list(run_tasks(square_or_fail, [4, 5], catch=(AudioError,)))


@pytest.mark.parametrize("options, message", [
    ({"jobs": 0}, "jobs must be a whole number >= 1"),
    ({"jobs": 2, "scheduler": "tcp://127.0.0.1:8786"}, "not both"),
    ({"scheduler": "127.0.0.1:8786"}, "tcp://HOST:PORT"),
])
def test_impossible_backends_are_refused_before_any_work(options, message):
    with pytest.raises(ParameterError, match=message):
        check_backend(**options)
    with pytest.raises(ParameterError, match=message):
        run_tasks(square_or_fail, [1], **options)  # refused when called, not at the first result


def test_one_line_reasons():
    assert one_line(AudioError("a\n b")) == "a b"
    assert one_line(ValueError("")) == "ValueError"
    assert one_line(OSError(28, "No space left on device")) == "OSError: [Errno 28] No space left on device"
