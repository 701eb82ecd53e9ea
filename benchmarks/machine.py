"""Describe the machine a benchmark ran on: CPU, cores, memory, load, library versions, BLAS."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
import time
from importlib import metadata


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _memory_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS does not report them)."""
    try:
        return os.getloadavg()
    except (OSError, AttributeError):
        return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _blas() -> str:
    """The BLAS numpy uses, with its thread count (threadpoolctl comes with scikit-learn)."""
    try:
        import numpy  # noqa: F401  (load numpy's BLAS before asking)
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib.get("user_api") == "blas" and "numpy" in lib.get("filepath", ""):
                arch = lib.get("architecture") or ""
                return f"{lib.get('internal_api')} {lib.get('version')} {arch} ({lib.get('num_threads')} threads)".strip()
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                return f"{lib.get('internal_api')} {lib.get('version')} ({lib.get('num_threads')} threads)"
    except Exception:  # pragma: no cover - threadpoolctl missing or failing: fall back
        pass
    try:
        import numpy

        info = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name')} {info.get('version')}"
    except Exception:  # pragma: no cover
        return "unknown"


def describe() -> dict[str, str]:
    """Everything worth knowing to compare two benchmark tables, as display strings."""
    import soundfile

    memory = _memory_gib()
    load = load_average()
    env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                      "OPENBLAS_CORETYPE") if k in os.environ}
    return {
        "CPU": _cpu_model(),
        "Cores": str(os.cpu_count()),
        "Memory": f"{memory:.1f} GiB" if memory else "unknown",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "librosa": _version("librosa"),
        "soundfile": f"{_version('soundfile')} (libsndfile {soundfile.__libsndfile_version__})",
        "soxr": _version("soxr"),
        "scikit-learn": _version("scikit-learn"),
        "speechmusic": _version("speechmusic"),
        "BLAS": _blas(),
        "Thread settings": ", ".join(f"{k}={v}" for k, v in env.items()) or "none set",
        "Load average at start": " / ".join(f"{x:.2f}" for x in load) if load else "unknown",
    }


def _busy_jiffies() -> int | None:
    """CPU time (clock ticks, all cores) the whole machine has spent busy since boot."""
    try:
        with open("/proc/stat", encoding="utf-8") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values[:8]) - idle


def _own_jiffies() -> int:
    """CPU ticks used by this process, its finished children and its live descendants."""
    from .isolated import _descendants

    ticks = os.sysconf("SC_CLK_TCK")
    t = os.times()
    total = (t.user + t.system + t.children_user + t.children_system) * ticks
    for pid in _descendants():
        try:
            fields = open(f"/proc/{pid}/stat", encoding="utf-8").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return int(total)


class LoadMonitor:
    """How busy *other* programs kept the CPUs while the benchmarks ran (Linux; else unknown)."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self.start_busy, self.start_own, self.start_time = _busy_jiffies(), _own_jiffies(), self._clock()

    def others_cores(self) -> float | None:
        """Average number of cores used by other processes since the monitor started."""
        end_busy = _busy_jiffies()
        if end_busy is None or self.start_busy is None:
            return None
        elapsed = self._clock() - self.start_time
        if elapsed <= 0:
            return None
        others = (end_busy - self.start_busy) - (_own_jiffies() - self.start_own)
        return max(0.0, others / os.sysconf("SC_CLK_TCK") / elapsed)


@contextlib.contextmanager
def busy_core():
    """Keep one core busy with a separate Python process (a spinning loop) for the duration.

    A learner's laptop is rarely idle; this makes "another program is using a core" part of the
    measurement instead of an accident of the moment.
    """
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)  # let it get going
        yield
    finally:
        spinner.kill()
        spinner.wait()
