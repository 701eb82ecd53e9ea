"""Run one benchmark step in a fresh Python process and report its time and peak memory.

Usage (internal): ``python -m benchmarks.isolated MODULE:FUNCTION JSON_KWARGS`` prints one JSON
line ``{"result": ..., "seconds": ..., "peak_rss_mib": ..., "start_rss_mib": ...,
"workers_peak_rss_mib": ...}``.

Peak memory is the kernel's high-water mark of resident memory (``VmHWM`` in ``/proc/<pid>/status``)
of this process, and separately the largest mark among the worker processes it started (read just
before joblib's pool is shut down). ``ru_maxrss`` is not used on Linux: it survives ``exec`` and so
reports the size of the *parent* at fork time. ``start_rss_mib`` is the mark after the imports, so
``peak - start`` is what the step itself added.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _high_water_mib(pid: int | str = "self") -> float | None:
    """Peak resident memory of a process in MiB (Linux), or None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _own_peak_mib() -> float:
    peak = _high_water_mib()
    if peak is None:  # not Linux: the resource module's figure (bytes on macOS)
        scale = 1 if sys.platform == "darwin" else 1024
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
    return peak


def _descendants() -> list[int]:
    """Process ids of every live descendant of this process (from /proc; empty elsewhere)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [os.getpid()]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _workers_peak_mib() -> float | None:
    peaks = [p for p in (_high_water_mib(pid) for pid in _descendants()) if p is not None]
    return max(peaks) if peaks else None


def _shutdown_workers() -> None:
    try:
        from joblib.externals.loky import reusable_executor

        if reusable_executor._executor is not None:
            reusable_executor._executor.shutdown(wait=True, kill_workers=False)
    except Exception:  # pragma: no cover - joblib internals moved: the workers just exit later
        pass


def run_isolated(target: str, timeout: float = 3600, **kwargs) -> dict:
    """Call ``target`` ("module:function") with ``kwargs`` in a new interpreter; see the module notes."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.isolated", target, json.dumps(kwargs)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{target} failed in its subprocess:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_step(target: str, *, isolate: bool = True, **kwargs) -> dict:
    """:func:`run_isolated`, or with ``isolate=False`` the same call in this process.

    In this process the report has the same keys, with the memory figures None: the smoke test's
    tiny mode exercises every step's code without paying an interpreter start per step (the
    fresh-process runner itself is tested on its own).
    """
    if isolate:
        return run_isolated(target, **kwargs)
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    began = time.perf_counter()
    result = function(**kwargs)
    return {"result": result, "seconds": time.perf_counter() - began, "peak_rss_mib": None,
            "start_rss_mib": None, "workers_peak_rss_mib": None}


def main(argv: list[str]) -> int:
    target, kwargs = argv[0], json.loads(argv[1])
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    # Import what the steps use before taking the starting mark, so imports are not counted.
    import librosa  # noqa: F401
    import numpy  # noqa: F401

    import speechmusic.data.dataset  # noqa: F401

    start = _own_peak_mib()
    began = time.perf_counter()
    result = function(**kwargs)
    seconds = time.perf_counter() - began
    peak = _own_peak_mib()
    workers = _workers_peak_mib()
    _shutdown_workers()
    print(json.dumps({"result": result, "seconds": seconds, "peak_rss_mib": peak, "start_rss_mib": start,
                      "workers_peak_rss_mib": workers}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
