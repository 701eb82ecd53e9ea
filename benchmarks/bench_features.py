"""Benchmark 1: dataset features, ``load_dataset`` vs a straightforward per-file librosa loop.

Baseline, one file at a time in one process (what a learner would write first)::

    y, _ = librosa.load(path, sr=22050)                                   # soxr_hq, mono
    S = librosa.feature.melspectrogram(y=y, sr=22050, n_fft=2048, hop_length=512, n_mels=128)
    D = librosa.power_to_db(S, ref=np.max, top_db=80)
    X = (D + 80) / 80                      # the lab's recipe (speechmusic.core.config); equals min-max
                                           # scaling whenever a clip's range reaches 80 dB

Measured against it, on the same files in the same run:

* ``load_dataset(cache=False)``: cold, every file decoded and transformed (in worker processes
  when there are many files);
* ``load_dataset(cache=True)`` called a second time: warm, features read from the cache;
* both outputs are compared value by value.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from speechmusic.core.config import DEFAULT_PARAMS, SPLITS
from speechmusic.data.dataset import PARALLEL_MIN_FILES

from .data import build_dataset, variations
from .isolated import run_isolated
from .machine import busy_core
from .report import Section, Target, interleaved, mib, ratio, seconds, timed

COLD_TARGET = 2.0
WARM_TARGET = 20.0
#: Largest difference allowed between the two pipelines' features (values are in [0, 1]).
AGREEMENT_TOLERANCE = 2e-3


def dataset_paths(data_dir: str | Path) -> list[Path]:
    """The files of both splits, in ``load_dataset``'s row order (train rows, then test rows)."""
    from speechmusic.data.dataset import list_split

    return [path for split in SPLITS for path, _ in list_split(Path(data_dir), split)]


def librosa_window_features(y: np.ndarray, params=DEFAULT_PARAMS) -> np.ndarray:
    """Features of one clip (already at ``params.sample_rate``) with librosa (see the module notes)."""
    import librosa

    y = librosa.util.fix_length(y, size=params.n_samples)
    S = librosa.feature.melspectrogram(y=y, sr=params.sample_rate, n_fft=params.n_fft,
                                       hop_length=params.hop_length, n_mels=params.n_mels)
    D = librosa.power_to_db(S, ref=np.max, top_db=params.top_db)
    return ((D + params.top_db) / params.top_db).astype(np.float32)


def librosa_features(path: str | Path, params=DEFAULT_PARAMS) -> np.ndarray:
    """One file's features the straightforward way (see the module notes)."""
    import librosa

    y, _ = librosa.load(str(path), sr=params.sample_rate)
    return librosa_window_features(y, params)


def librosa_loop(data_dir: str | Path) -> np.ndarray:
    """Baseline features of every file of the dataset, one after the other."""
    return np.stack([librosa_features(p) for p in dataset_paths(data_dir)])


def load_all(data_dir: str | Path, cache: bool) -> np.ndarray:
    """``load_dataset`` with both splits stacked in file order."""
    from speechmusic.data.dataset import load_dataset

    train_x, _, test_x, _, _ = load_dataset(data_dir, cache=cache, progress=False)
    return np.concatenate([train_x, test_x])


# Steps run in a fresh process by run_isolated (they return something small and JSON-able).
def step_librosa(data_dir: str) -> int:
    return int(librosa_loop(data_dir).shape[0])


def step_load(data_dir: str, cache: bool) -> int:
    from speechmusic.data.dataset import load_dataset

    train_x, _, test_x, _, _ = load_dataset(data_dir, cache=cache, progress=False)  # no extra copy
    return int(train_x.shape[0] + test_x.shape[0])


def measure(data_dir: Path, *, repeats: int, isolate: bool, contention: bool = False) -> dict:
    """Time (and optionally measure the memory of) both pipelines on one dataset folder."""
    from speechmusic.data.dataset import CACHE_DIR_NAME

    data_dir = Path(data_dir)
    shutil.rmtree(data_dir / CACHE_DIR_NAME, ignore_errors=True)
    n = len(dataset_paths(data_dir))
    # Warm-up outside the timings: imports, filter banks, the worker pool.
    first = dataset_paths(data_dir)[0]
    librosa_features(first)
    load_all(data_dir, cache=False)

    out: dict = {"n": n}
    out["fill"], _ = timed(lambda: load_all(data_dir, cache=True), 1)  # the first cached load writes entries
    warm_times: list[float] = []

    def warm_round():
        best_of_3, result = timed(lambda: load_all(data_dir, cache=True), 3)
        warm_times.append(best_of_3)
        return result

    best, last = interleaved({"librosa": lambda: librosa_loop(data_dir),
                              "cold": lambda: load_all(data_dir, cache=False),
                              "warm": warm_round}, repeats)
    out["librosa"], out["cold"], out["warm"] = best["librosa"], best["cold"], min(warm_times)
    baseline, cold, warm = last["librosa"], last["cold"], last["warm"]
    if contention:
        with busy_core():
            busy, _ = interleaved({"librosa": lambda: librosa_loop(data_dir),
                                   "cold": lambda: load_all(data_dir, cache=False)}, 1)
        out["busy_librosa"], out["busy_cold"] = busy["librosa"], busy["cold"]
    difference = np.abs(cold.astype(np.float64) - baseline)
    out["max_diff"] = float(difference.max())
    out["mean_diff"] = float(difference.mean())
    out["warm_equal"] = bool(np.array_equal(cold, warm))
    # Where min-max scaling would differ from the recipe: clips whose range is under 80 dB.
    out["short_range"] = int(np.sum(baseline.reshape(n, -1).min(axis=1) > 1e-6))

    if isolate:
        # Fresh processes: the first call of a session, with worker start-up, and its peak memory.
        shutil.rmtree(data_dir / CACHE_DIR_NAME, ignore_errors=True)
        out["iso_librosa"] = run_isolated("benchmarks.bench_features:step_librosa", data_dir=str(data_dir))
        out["iso_cold"] = run_isolated("benchmarks.bench_features:step_load", data_dir=str(data_dir), cache=False)
        out["iso_fill"] = run_isolated("benchmarks.bench_features:step_load", data_dir=str(data_dir), cache=True)
        out["iso_warm"] = run_isolated("benchmarks.bench_features:step_load", data_dir=str(data_dir), cache=True)
    return out


def _rows(label: str, m: dict) -> list[list[str]]:
    base = m["librosa"]
    rows = [
        [label, "librosa per-file loop (baseline)", seconds(base), "1.0×", f"{seconds(base / m['n'])}"],
        [label, "load_dataset, cache off (cold)", seconds(m["cold"]), ratio(base / m["cold"]),
         seconds(m["cold"] / m["n"])],
        [label, "load_dataset, first cached load (fills cache)", seconds(m["fill"]), ratio(base / m["fill"]),
         seconds(m["fill"] / m["n"])],
        [label, "load_dataset, cache on, warm", seconds(m["warm"]), ratio(base / m["warm"]),
         seconds(m["warm"] / m["n"])],
    ]
    if "busy_cold" in m:
        busy = m["busy_librosa"]
        rows += [
            [label, "librosa loop, one core kept busy by another program", seconds(busy), "1.0×",
             seconds(busy / m["n"])],
            [label, "load_dataset cold, one core kept busy by another program", seconds(m["busy_cold"]),
             ratio(busy / m["busy_cold"]), seconds(m["busy_cold"] / m["n"])],
        ]
    return rows


def _memory_rows(label: str, m: dict) -> list[list[str]]:
    if "iso_cold" not in m:
        return []
    rows = []
    for name, key in (("librosa per-file loop", "iso_librosa"), ("load_dataset, cache off", "iso_cold"),
                      ("load_dataset, filling cache", "iso_fill"), ("load_dataset, warm", "iso_warm")):
        r = m[key]
        workers = r["workers_peak_rss_mib"]
        rows.append([label, name, seconds(r["seconds"]), mib(r["peak_rss_mib"]),
                     mib(r["peak_rss_mib"] - r["start_rss_mib"]), mib(workers) if workers else "no workers"])
    return rows


def run(work_dir: Path, *, quick: bool = False, large: bool = True, kind: str = "synthetic",
        small_per_class: tuple[int, int] = (60, 20), large_per_class: tuple[int, int] = (750, 250),
        repeats: int | None = None, isolate: bool = True) -> Section:
    """Benchmark 1. ``small_per_class`` / ``large_per_class`` are (train, test) clips per class:
    the defaults give 160 and 2,000 clips."""
    repeats = repeats or (1 if quick else 3)
    small_dir = Path(work_dir) / "features-small"
    used = build_dataset(small_dir, n_train=small_per_class[0], n_test=small_per_class[1], kind=kind)
    small = measure(small_dir, repeats=repeats, isolate=isolate, contention=True)
    results = [(f"{small['n']} clips", small)]
    if large:
        large_dir = Path(work_dir) / "features-large"
        variations(dataset_paths(small_dir), large_dir, n_train=large_per_class[0], n_test=large_per_class[1])
        results.append((f"{sum(large_per_class) * 2} clips", measure(large_dir, repeats=1, isolate=isolate)))

    section = Section(title="1. Dataset features: load_dataset vs a per-file librosa loop",
                      headers=["Dataset", "Pipeline", "Time", "Speed-up", "Per clip"])
    for label, m in results:
        section.rows += _rows(label, m)
    memory_rows = [row for label, m in results for row in _memory_rows(label, m)]
    cold_ratio = small["librosa"] / small["cold"]
    warm_ratio = small["librosa"] / small["warm"]
    lab_size = small["n"] == 160  # the targets are stated for the lab's 160 clips
    judge = lambda ok: ok if lab_size else None  # noqa: E731
    suffix = "" if lab_size else " (stated for 160 clips)"
    section.targets = [
        Target(f"cold load, {small['n']} clips", f"≥ {COLD_TARGET:g}× faster than librosa loop{suffix}",
               ratio(cold_ratio), judge(cold_ratio >= COLD_TARGET)),
        Target(f"warm load, {small['n']} clips", f"≥ {WARM_TARGET:g}× faster than librosa loop{suffix}",
               ratio(warm_ratio), judge(warm_ratio >= WARM_TARGET)),
        Target("agreement with librosa", f"max |difference| ≤ {AGREEMENT_TOLERANCE:g}",
               f"{max(m['max_diff'] for _, m in results):.1e}",
               all(m["max_diff"] <= AGREEMENT_TOLERANCE for _, m in results)),
    ]
    source = {"synthetic": "speechmusic.data.synth (the offline dataset)", "simple": "benchmarks.data simple tones/syllables"}
    section.notes.append(
        f"Clips: 3 s, 22050 Hz, 16-bit mono WAV made by {source[used]}"
        + (f"; the {results[-1][0]} are copies of those with their own gain and noise (distinct bytes)."
           if large else "."))
    section.notes.append(
        f"Times are the best of {repeats} rounds that run the contenders in turn (warm: best of 3 calls per "
        "round), in one process after a warm-up call (imports, filter banks, worker pool); the larger dataset "
        f"runs one round. load_dataset decodes in worker processes (all cores) from {PARALLEL_MIN_FILES} files "
        "per split up, below that in one process (its FFT and matrix products use every core); the librosa "
        "loop uses one process.")
    for label, m in results:
        section.notes.append(
            f"{label}: features agree with librosa to max |Δ| = {m['max_diff']:.1e} (mean {m['mean_diff']:.1e}); "
            f"warm = cold exactly: {m['warm_equal']}; {m['short_range']} clips span less than 80 dB "
            "(there min-max scaling would differ from the recipe, which both pipelines follow).")
    for label, m in results:
        if "iso_cold" in m:
            first, loop = m["iso_cold"]["seconds"], m["iso_librosa"]["seconds"]
            pool = (" (including starting the worker processes, about 1 s: each imports numpy, scipy and librosa)"
                    if m["iso_cold"]["workers_peak_rss_mib"] else "")
            section.notes.append(
                f"{label}, first cold load of a session (fresh process){pool}: {seconds(first)} against "
                f"{seconds(loop)} for the librosa loop, also in a fresh process ({ratio(loop / first)}).")
    if memory_rows:
        section.extra_tables.append((
            "Peak memory: each pipeline run once in a fresh Python process (the first call of a session, so "
            "its time includes starting the worker processes):",
            ["Dataset", "Pipeline", "Time (fresh process)", "Peak RSS", "Added by the step", "Largest worker peak RSS"],
            memory_rows))
    return section

