"""Run a list of independent tasks on local processes or on a Dask cluster, with one function.

Batch segmentation (``speechmusic segment INPUT... --out-dir DIR``) uses it, and so can any code
that has many independent pieces of work (feature extraction for a large training set): describe
each piece as one picklable item, write one module-level function that does it, and call
:func:`run_tasks`. It chooses where the work runs and nothing else changes:

* ``jobs=1`` (default): in this process, one item after the other (no pool to start: the
  cheapest choice for a handful of files, and the easiest to debug).
* ``jobs=N``: on ``N`` local worker processes (joblib's ``loky`` backend, which reuses its
  workers between calls, so per-process caches such as a loaded model survive from one item to
  the next).
* ``scheduler="tcp://HOST:PORT"``: on an existing Dask ``distributed`` cluster (the optional
  extra ``speechmusic[cluster]``). Every worker must have speechmusic installed and must reach
  the inputs under the same paths (a shared file system). A worker that dies mid-task loses
  nothing: the scheduler gives its tasks to another worker (up to Dask's
  ``distributed.scheduler.allowed-failures`` times, 3 by default, before it gives up on the task,
  which is then reported as failed); ``retries`` further retries a task whose function raised an
  exception that :func:`run_tasks` does not catch (``catch``).

**Memory allocator in worker processes.** Dask's nanny starts each worker process with
``MALLOC_TRIM_THRESHOLD_=65536`` (and, running inside this process as a ``LocalCluster`` does, leaves
it in this process's environment, so local processes started later inherit it). With glibc,
setting it also pins the mmap threshold at 128 KiB,
so every numpy temporary larger than that (spectrogram blocks, FFT buffers) is a fresh ``mmap``
filled with zero pages and handed back at once: segmentation then costs about 2.4 times the CPU
(measured: 12 one-minute programmes in one LocalCluster worker, 3.37 s of CPU against 1.43 s after
the change below, the same as in a plain process). So the first task a worker process (loky or
Dask) runs with that variable set raises its thresholds with ``mallopt`` (mmap 32 MiB, trim
128 MiB; :func:`relax_malloc_trim`): memory a task frees is kept for the next task instead of
being returned to the system right away. Processes without the variable, and this process
(``jobs=1``), are left alone by :func:`run_tasks`; the ``segment`` command relaxes its own
process, since glibc's default thresholds cost it too: the mmap threshold only grows as large
blocks are freed, and the top of the heap is handed back and faulted in again, so an hour of audio
took 9.3-11.6 s to segment against 8.0-8.7 s relaxed (three fresh processes each, the shipped
model). (``predict`` on the same hour, 1-s hop: 9.0-11.7 s against 9.2-9.6 s, no clear gain, so it
is left alone; its windows are computed two at a time in reused scratch arrays.) Only glibc (Linux) has ``mallopt``; elsewhere nothing changes. ``tune_malloc=False``
leaves the workers as they were started.

Whatever the backend, a task's own error (a corrupt file) does not stop the others: it is caught
in the worker and comes back as a :class:`TaskResult` whose ``error`` is a one-line reason. Each
result names the process that produced it (``worker``) and the seconds it took there.

Examples
--------
>>> results = sorted(run_tasks(abs, [-2, 3, -5]), key=lambda r: r.index)
>>> [r.value for r in results], [r.error for r in results]
([2, 3, 5], [None, None, None])
>>> results = list(run_tasks(int, ["7", "seven"]))
>>> results[1].error
"ValueError: invalid literal for int() with base 10: 'seven'"
"""

from __future__ import annotations

import ctypes
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from speechmusic.core.errors import ParameterError, SpeechMusicError

#: Retries of a task whose function raised an exception that was not caught (Dask only).
DEFAULT_RETRIES = 2
#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT = 30.0


@dataclass(frozen=True)
class TaskResult:
    """What became of one task.

    Attributes
    ----------
    index : int
        Position of the task's item in the list given to :func:`run_tasks`.
    value : object
        The function's return value; None when the task failed.
    error : str or None
        One-line reason when the task failed (its function raised, or the workers running it
        kept dying); None on success.
    worker : str
        The process that ran it: ``HOST:PID`` for local processes, the worker's address
        (``tcp://10.0.0.7:40123``) on a Dask cluster; empty when no worker finished it.
    seconds : float
        Wall-clock seconds the function took in the worker (0 when no worker finished it).
    """

    index: int
    value: Any
    error: str | None
    worker: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


def one_blas_thread() -> threadpool_limits:
    """Context manager: this process's BLAS (numpy's OpenBLAS) on one thread while it is open.

    The audio pipelines (``segment``, ``predict``, ``listen``) make many small matrix products a
    few milliseconds apart (cepstra, the pitch sieve, the change test's determinants). A second
    OpenBLAS thread gains nothing on them and spins between calls: ``segment`` on an hour of audio
    took about 18 s of CPU for 10 s of wall time on 2 cores, 10 s of CPU with one thread, in the
    same time (benchmark 3's recording, four runs each); ``listen`` at real time, 13.6 % of a core
    instead of 2 % (benchmark 11). The worker processes of :func:`run_tasks` are started with their BLAS limited
    already (loky: the cores shared out among the workers; Dask's nanny: one thread).

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread():
    ...     (np.ones((2, 3)) @ np.ones(3)).tolist()
    [3.0, 3.0]
    """
    return threadpool_limits(limits=1, user_api="blas")


def one_line(error: BaseException) -> str:
    """A one-line reason for an exception: the message alone for speechmusic's own errors.

    Examples
    --------
    >>> one_line(ParameterError("hop must be > 0"))
    'hop must be > 0'
    >>> one_line(KeyError("x"))
    "KeyError: 'x'"
    """
    message = " ".join(str(error).split())
    if isinstance(error, SpeechMusicError) and message:
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _local_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _worker_name() -> str:
    """The Dask worker's address when running inside one, else ``HOST:PID``."""
    try:
        from distributed import get_worker  # here: the optional Dask package, only on its workers

        return str(get_worker().address)
    except (ImportError, ValueError):  # not on a Dask worker
        return _local_worker_name()


#: mallopt parameters (glibc's malloc.h) and the values :func:`relax_malloc_trim` sets.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD, _TRIM_THRESHOLD = 32 * 1024 * 1024, 128 * 1024 * 1024
_malloc_relaxed = False


def relax_malloc_trim() -> bool:
    """Let this process's glibc malloc keep freed memory for reuse (see the module notes); once per process.

    Returns True when the thresholds were set (now or before), False where glibc's ``mallopt`` is
    not available (macOS, Windows, musl).
    """
    global _malloc_relaxed
    if _malloc_relaxed:
        return True
    try:
        libc = ctypes.CDLL("libc.so.6")
        done = bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    except (OSError, AttributeError):  # not glibc
        return False
    _malloc_relaxed = done
    return done


def _run_one(function: Callable, index: int, item: Any, catch: tuple[type[BaseException], ...],
             tune_malloc: bool = False) -> TaskResult:
    """Call ``function(item)`` in a worker; an exception of a ``catch`` type becomes a failed result."""
    if tune_malloc and os.environ.get("MALLOC_TRIM_THRESHOLD_") is not None:
        relax_malloc_trim()
    began = time.perf_counter()
    try:
        value, error = function(item), None
    except catch as caught:
        value, error = None, one_line(caught)
    return TaskResult(index, value, error, _worker_name(), time.perf_counter() - began)


def check_backend(*, jobs: int = 1, scheduler: Any = None) -> None:
    """Refuse impossible backend choices early (before any work).

    Raises
    ------
    ParameterError
        ``jobs`` below 1, both ``jobs > 1`` and a scheduler, or a scheduler address that is not
        ``tcp://``, ``tls://``, ``inproc://`` or ``ucx://``; or a scheduler without the
        ``distributed`` package installed.
    """
    if int(jobs) < 1:
        raise ParameterError(f"jobs must be a whole number >= 1, got {jobs}")
    if scheduler is None:
        return
    if int(jobs) > 1:
        raise ParameterError("give either --jobs N (local processes) or --scheduler ADDRESS (a Dask cluster), not both")
    if isinstance(scheduler, str) and "://" not in scheduler:
        raise ParameterError(f"a scheduler address looks like tcp://HOST:PORT, got {scheduler!r}")
    try:
        import distributed  # noqa: F401  # here: the optional Dask package (speechmusic[cluster]), checked only when asked for
    except ImportError:
        raise ParameterError(
            "running on a Dask cluster needs the 'distributed' package: .venv/bin/pip install -e .[cluster]"
        ) from None


def run_tasks(
    function: Callable[[Any], Any],
    items: Sequence[Any] | Iterable[Any],
    *,
    jobs: int = 1,
    scheduler: Any = None,
    retries: int = DEFAULT_RETRIES,
    catch: tuple[type[BaseException], ...] = (Exception,),
    tune_malloc: bool = True,
) -> Iterator[TaskResult]:
    """Run ``function(item)`` for every item; yield a :class:`TaskResult` for each as it completes.

    Results come in completion order (use ``result.index`` to put them back in order), so a
    caller can save each one as soon as it exists: a run cut short keeps what was finished.

    Parameters
    ----------
    function : callable
        ``item -> value``. For ``jobs > 1`` or a scheduler it must be picklable (a function defined
        at module level) and its module importable by the workers; so must the items and values.
    items : sequence
        One item per task (small, picklable descriptions such as paths and options).
    jobs : int
        Local worker processes (1: in this process).
    scheduler : str or distributed.Client or None
        Address of a Dask scheduler (``tcp://HOST:PORT``), or a connected ``distributed.Client``
        (left open); None runs locally.
    retries : int
        Dask only: times a task is retried when its function raises an exception outside
        ``catch``. Tasks whose worker died are resubmitted by the scheduler in any case.
    catch : tuple of exception types
        Exceptions that mark one task as failed (with a one-line ``error``) instead of stopping
        the run. Exceptions outside it propagate (after Dask's retries).
    tune_malloc : bool
        Let each worker process whose environment pins glibc's malloc thresholds keep freed memory
        (:func:`relax_malloc_trim`, see the module notes).

    Returns
    -------
    iterator of TaskResult
        One per item, in completion order. The work starts when the iterator is first advanced;
        stopping early (``break``, Ctrl-C) cancels the tasks not yet started on a cluster.

    Raises
    ------
    ParameterError
        An impossible backend choice (see :func:`check_backend`).
    """
    check_backend(jobs=jobs, scheduler=scheduler)  # now, not at the first result
    items = list(items)
    catch = tuple(catch)
    if scheduler is not None:
        return _run_dask(function, items, scheduler=scheduler, retries=retries, catch=catch, tune_malloc=tune_malloc)
    if int(jobs) == 1 or len(items) <= 1:
        return (_run_one(function, index, item, catch) for index, item in enumerate(items))
    return _run_loky(function, items, jobs=int(jobs), catch=catch, tune_malloc=tune_malloc)


def _run_loky(function, items, *, jobs, catch, tune_malloc) -> Iterator[TaskResult]:
    from joblib import Parallel, delayed  # here: joblib's process pool, only for jobs > 1

    # batch_size=1: items are whole recordings (seconds of work each), so sending them one at a
    # time balances the workers and returns each result as soon as it exists.
    # Results in completion order (joblib >= 1.4); joblib 1.3 only has the submission order, which
    # delays saving a result behind a slower earlier one but changes nothing else.
    try:
        parallel = Parallel(n_jobs=jobs, backend="loky", batch_size=1, return_as="generator_unordered")
    except ValueError:  # pragma: no cover - joblib 1.3
        parallel = Parallel(n_jobs=jobs, backend="loky", batch_size=1, return_as="generator")
    yield from parallel(delayed(_run_one)(function, index, item, catch, tune_malloc) for index, item in enumerate(items))


def _run_dask(function, items, *, scheduler, retries, catch, tune_malloc) -> Iterator[TaskResult]:
    from distributed import Client, as_completed  # here: the optional Dask package, only with a scheduler

    try:
        from distributed.scheduler import KilledWorker
    except ImportError:  # pragma: no cover - older layout
        from distributed import KilledWorker

    own_client = not isinstance(scheduler, Client)
    if own_client:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except OSError as error:
            raise SpeechMusicError(f"cannot reach the Dask scheduler at {scheduler}: {one_line(error)}") from None
    else:
        client = scheduler
    # Keys unique to this run: two runs on one cluster never share (or reuse) each other's results.
    run = uuid.uuid4().hex[:12]
    try:
        futures = {
            client.submit(_run_one, function, index, item, catch, tune_malloc, key=f"speechmusic-{run}-{index}",
                          pure=False, retries=retries): index
            for index, item in enumerate(items)
        }
        for future in as_completed(futures, loop=client.loop):
            index = futures.pop(future)
            try:
                result = future.result()
            except KilledWorker as error:
                result = TaskResult(index, None, f"the workers running it died repeatedly ({one_line(error)})", "", 0.0)
            except catch as error:
                # Only reachable when the task's exception escaped _run_one (catch narrower than
                # what the function raised) and the retries were used up.
                result = TaskResult(index, None, one_line(error), "", 0.0)
            finally:
                future.release()
            yield result
    finally:
        for future in futures:
            future.cancel()
        if own_client:
            client.close()
