"""Benchmark 10: batch segmentation (``segment INPUT... --out-dir DIR``) on local processes and a Dask cluster.

A batch of generated programmes (speech and music stretches of 2-4 clips each, built from the
test clips of benchmark 1's small dataset, so the boundaries are known) plus one corrupt file is
segmented, in the same run, by:

* the **single-file loop**: one process, the model loaded once, ``segment_file`` and
  ``write_segments`` per recording, what a script calling the library in a loop costs (a shell loop
  over ``speechmusic segment FILE`` would also pay an interpreter start and the model load per
  file, a few seconds each); the baseline of the ratios;
* :func:`speechmusic.apps.batch.segment_batch` with ``jobs`` 1 and 2 (this process, or loky processes);
* the same on a ``distributed.LocalCluster`` on 127.0.0.1 with 1, then 2 worker processes (one
  thread each), through its scheduler's address, as ``--scheduler tcp://...`` does. The cluster
  is started before the clock runs (its start-up time is reported apart); each run starts on
  workers that have not yet loaded the model.

Then the **dead-worker check**: the 2-worker run again into a fresh folder, one busy worker killed
(SIGKILL) after a third of the recordings came back. Its nanny starts a new one, the scheduler
gives the lost tasks to a live worker; the check passes when every recording is in the summary
exactly once and the outputs and summary (without the worker and time columns) are identical to
the clean run's.

Reported: hours of audio per minute of wall-clock time per way of running, its ratio to the loop,
the overhead per recording (wall time above the loop's, per recording, same number of processes),
whether all the runs wrote identical outputs and summaries, how many programmes had every boundary
within :data:`BOUNDARY_SECONDS` of the truth, and the dead-worker check.
"""

from __future__ import annotations

import csv
import logging
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np

from .data import SR, build_dataset
from .report import Section, Target, ratio, seconds

#: A found boundary within this many seconds of the true one counts as right.
BOUNDARY_SECONDS = 2.0
#: Two local processes or cluster workers should give at least this much of the loop's throughput.
TARGET_SCALING = 1.5


def make_programmes(root: Path, clip_dir: Path, *, n: int, seconds: float, seed: int = 0) -> dict[str, list]:
    """``n`` programmes of about ``seconds`` s from the test clips, and a corrupt file; their truth.

    Returns ``{relative path: [(start, end, label), ...]}`` (``[]`` for the corrupt file).
    """
    import soundfile as sf

    clips = {label: sorted((clip_dir / "test" / label).glob("*.wav")) for label in ("music", "speech")}
    rng = np.random.default_rng(seed)
    truth: dict[str, list] = {}
    for i in range(n):
        path = root / f"set-{i % 4}" / f"programme-{i:03d}.wav"
        if path.exists() and path.with_suffix(".truth").exists():
            truth[path.relative_to(root).as_posix()] = [
                (float(a), float(b), c) for a, b, c in csv.reader(path.with_suffix(".truth").open())]
            continue
        label = ("speech", "music")[i % 2]
        pieces, parts, position = [], [], 0.0
        while position < seconds - 1.0:
            count = int(rng.integers(2, 5))
            chosen = [clips[label][int(k)] for k in rng.integers(0, len(clips[label]), size=count)]
            audio = np.concatenate([sf.read(str(c), dtype="float32")[0] for c in chosen])
            pieces.append(audio)
            parts.append((round(position, 3), round(position + audio.size / SR, 3), label))
            position += audio.size / SR
            label = "music" if label == "speech" else "speech"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), np.concatenate(pieces), SR, subtype="PCM_16")
        with path.with_suffix(".truth").open("w", newline="") as handle:
            csv.writer(handle).writerows(parts)
        truth[path.relative_to(root).as_posix()] = parts
    broken = root / "set-0" / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio at all" * 50)
    truth["set-0/broken.wav"] = []
    return truth


def _boundaries_right(found: list, truth: list) -> bool:
    if [label for _, _, label in found] != [label for _, _, label in truth]:
        return False
    return all(abs(a[0] - b[0]) <= BOUNDARY_SECONDS for a, b in zip(found[1:], truth[1:]))


def _one_blas_thread():
    """A context limiting this process's BLAS/OpenMP pools to one thread (a no-op without threadpoolctl)."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn and joblib's loky
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def _boundaries_matched(found: list, truth: list) -> tuple[int, int]:
    """True boundaries with a found boundary in the same direction within :data:`BOUNDARY_SECONDS`; and their count."""
    changes = lambda segments: [(b[0], b[2]) for a, b in zip(segments, segments[1:])]  # noqa: E731
    candidates = changes(found)
    hits = sum(any(label == true_label and abs(t - true_t) <= BOUNDARY_SECONDS for t, label in candidates)
               for true_t, true_label in changes(truth))
    return hits, len(truth) - 1


def _outputs(out_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(out_dir).as_posix(): p.read_bytes() for p in sorted(out_dir.rglob("*.csv"))
            if p.name != "summary.csv" and ".speechmusic-batch" not in p.parts}


def _summary(out_dir: Path, *, timing: bool = False) -> list[dict]:
    with open(out_dir / "summary.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows if timing else [{k: v for k, v in r.items() if k not in ("seconds_taken", "worker")} for r in rows]


def single_file_loop(recordings: list[Path], root: Path, out_dir: Path, model: Path) -> dict:
    """The baseline: one process, the model loaded once, segment and write each recording in turn.

    Its outputs are the batch's (same relative paths, same CSV), so the runs can be compared byte by byte.
    """
    from speechmusic.apps.pipeline import load_classifier
    from speechmusic.apps.segment_formats import write_segments
    from speechmusic.apps.segmentation import segment_file

    classifier = load_classifier(model)
    audio = 0.0
    for path in recordings:
        try:
            result = segment_file(path, classifier)
        except Exception:  # noqa: BLE001 - the corrupt file; the loop goes on, as a careful script would
            continue
        audio += result.duration
        target = out_dir / path.relative_to(root).with_suffix(".csv")
        write_segments(result, target, "csv", overwrite=True, file=str(path), model=classifier.path)
    return {"audio": audio}


def run(work_dir: Path, *, quick: bool = False, kind: str = "synthetic", per_class: tuple[int, int] = (60, 20),
        programmes: int = 60, programme_seconds: float = 60.0, rounds: int = 1) -> Section:
    """Benchmark 10 on ``programmes`` generated programmes of about ``programme_seconds`` s each."""
    section = Section(title="10. Batch segment: local processes and a Dask LocalCluster")
    try:
        import distributed  # noqa: F401
    except ImportError:
        section.skipped = "the 'distributed' package is not installed (.venv/bin/pip install -e .[cluster])."
        return section
    from distributed import Client, LocalCluster

    from speechmusic.apps.batch import segment_batch
    from speechmusic.apps.pipeline import save_classifier, train_classifier
    from speechmusic.data.dataset import load_dataset

    work_dir = Path(work_dir)
    clip_dir = work_dir / "features-small"
    build_dataset(clip_dir, n_train=per_class[0], n_test=per_class[1], kind=kind)
    model = work_dir / "batch-model.npz"
    if not model.exists():
        train_x, train_y, _, _, _ = load_dataset(clip_dir, progress=False)
        save_classifier(train_classifier(train_x, train_y), model, overwrite=True)
    root = work_dir / f"batch-programmes-{programmes}x{programme_seconds:g}s"
    truth = make_programmes(root, clip_dir, n=programmes, seconds=programme_seconds)
    recordings = sorted(root / name for name in truth)
    n = len(recordings)
    runs_dir = work_dir / f"batch-runs-{time.time_ns()}"

    # Warm-up, untimed: the first segmentation in a process pays one-off costs (imports, FFT plans,
    # filter banks, the fallback decoder's import for the corrupt file) that would otherwise count
    # against whichever run comes first.
    single_file_loop([recordings[0], root / "set-0" / "broken.wav"], root, runs_dir / "warm-up", model)
    timings: dict[str, float] = {}
    audio_seconds = 0.0

    def timed_run(name: str, round_: int, **backend) -> None:
        nonlocal audio_seconds
        out_dir = runs_dir / (name if round_ == 0 else f"{name}-round{round_ + 1}")
        # One BLAS thread here too, as in the loky and Dask workers: one process is one core, so the
        # ratios compare numbers of processes and not thread settings.
        with _one_blas_thread():
            began = time.perf_counter()
            if name == "loop":
                audio_seconds = single_file_loop(recordings, root, out_dir, model)["audio"]
            else:
                segment_batch([root], out_dir, model=model, report=True, **backend)
            elapsed = time.perf_counter() - began
        timings[name] = min(timings.get(name, elapsed), elapsed)

    scratch = runs_dir / "dask-scratch"
    cluster_options = dict(threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                           local_directory=str(scratch), silence_logs=logging.CRITICAL)
    began = time.perf_counter()
    with LocalCluster(n_workers=1, **cluster_options) as one, LocalCluster(n_workers=2, **cluster_options) as two, \
            Client(two, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=120)
        startup = time.perf_counter() - began
        # Rounds that run every contender in turn expose them to the same background load; the best
        # time of each counts (other programs can only ever add time).
        for round_ in range(rounds):
            timed_run("loop", round_)
            timed_run("jobs1", round_, jobs=1)
            timed_run("jobs2", round_, jobs=2)
            timed_run("dask1", round_, scheduler=one.scheduler_address)
            timed_run("dask2", round_, scheduler=two.scheduler_address)
        dead = _dead_worker_run(client, root, runs_dir / "dask2-killed", model, n)
    audio_hours = audio_seconds / 3600

    reference_outputs, reference_summary = _outputs(runs_dir / "jobs2"), _summary(runs_dir / "jobs2")
    identical = all(_outputs(runs_dir / name) == reference_outputs for name in ("loop", "jobs1", "dask1", "dask2"))
    identical_summaries = all(_summary(runs_dir / name) == reference_summary for name in ("jobs1", "dask1", "dask2"))
    statuses = {Path(r["file"]).relative_to(root).as_posix(): r["status"] for r in reference_summary}
    corrupt_failed = statuses.pop("set-0/broken.wav") == "failed"
    all_ok = all(status == "ok" for status in statuses.values())
    found = {name: _read_csv(runs_dir / "dask2" / Path(name).with_suffix(".csv")) for name in statuses}
    right = sum(_boundaries_right(found[name], truth[name]) for name in statuses)
    matched, total = map(sum, zip(*(_boundaries_matched(found[name], truth[name]) for name in statuses)))
    workers = {name: len({r["worker"] for r in _summary(runs_dir / name, timing=True) if r["worker"]})
               for name in ("jobs1", "jobs2", "dask1", "dask2")}

    def row(label: str, name: str, processes: int) -> list[str]:
        per_minute = audio_hours / (timings[name] / 60)
        overhead = (timings[name] - timings["loop"] / processes) / n  # above the loop's share per process
        return [label, str(processes), seconds(timings[name]), f"{per_minute:.2f} h/min",
                ratio(timings["loop"] / timings[name]), seconds(overhead) if name != "loop" else "–",
                str(workers.get(name, 1))]

    section.headers = ["Way of running", "Processes", "Wall time", "Audio per minute", "vs loop", "Overhead per recording",
                       "Workers named in summary"]
    section.rows = [
        row("single-file loop (segment_file + write_segments, model loaded once)", "loop", 1),
        row("segment_batch, --jobs 1 (this process)", "jobs1", 1),
        row("segment_batch, --jobs 2 (loky processes)", "jobs2", 2),
        row("segment_batch, --scheduler: LocalCluster, 1 worker", "dask1", 1),
        row("segment_batch, --scheduler: LocalCluster, 2 workers", "dask2", 2),
    ]
    best_two = max(timings["loop"] / timings["jobs2"], timings["loop"] / timings["dask2"])
    section.targets = [
        Target(f"{programmes} programmes + 1 corrupt file: --jobs 1/2 and LocalCluster 1/2 workers",
               "identical outputs and summaries; corrupt failed, others ok",
               f"outputs {'identical' if identical else 'DIFFER'}, summaries "
               f"{'identical' if identical_summaries else 'DIFFER'}; corrupt {'failed' if corrupt_failed else 'NOT failed'}, "
               f"{sum(s == 'ok' for s in statuses.values())}/{len(statuses)} ok",
               identical and identical_summaries and corrupt_failed and all_ok),
        Target("2 workers vs the single-file loop (best of --jobs 2 and LocalCluster)", f"≥ {TARGET_SCALING:g}×",
               ratio(best_two), best_two >= TARGET_SCALING if n >= 20 else None),
        Target("a LocalCluster worker killed mid-run", "every recording once, outputs identical to a clean run",
               dead["verdict"], dead["passed"]),
    ]
    section.notes += [
        f"{programmes} programmes of about {programme_seconds:g} s ({audio_hours * 60:.1f} min of audio in all), "
        f"16-bit 22,050 Hz WAV in 4 folders, each alternating speech and music stretches of 2-4 generated test clips "
        f"(6-12 s); plus one corrupt .wav. Model: {kind} clips' dynamics model trained here on the training clips.",
        f"Boundaries (the same in every run, outputs being identical): {matched}/{total} true boundaries found "
        f"within {BOUNDARY_SECONDS:g} s; {right}/{len(statuses)} programmes with every label and every boundary "
        "right. They measure the model trained here on generated clips, not the batch machinery.",
        f"Times: best of {rounds} round(s), each running the five in turn. Both LocalClusters (1 and 2 worker "
        f"processes, one thread each) were started before the clock ({seconds(startup)} for both); their workers "
        "load the model at their first task, inside the first round's time. --jobs 2 starts its two loky "
        "processes inside its measured time (joblib may keep them for the next round). Every process runs one "
        "BLAS thread (the loop and --jobs 1 are limited to one with threadpoolctl, as loky and Dask limit their "
        "workers), so one process is one core.",
        "Overhead per recording = (wall time − loop time ÷ processes) ÷ recordings: what the batch machinery "
        "(state records, output hashing, summary, report, task transport, worker start) adds per file.",
        f"Dead-worker check: {dead['detail']}",
    ]
    return section


def _read_csv(path: Path) -> list:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return [(float(r["start"]), float(r["end"]), r["label"]) for r in csv.DictReader(handle)]


def _dead_worker_run(client, root: Path, out_dir: Path, model: Path, n: int) -> dict:
    """The 2-worker run with one busy worker killed after a third of the results; compared with the clean run."""
    from speechmusic.apps.batch import segment_batch

    killed: dict = {}
    lock = threading.Lock()
    seen: list[str] = []

    def after_each(recording, row) -> None:
        seen.append(recording.output)
        with lock:
            if killed or len(seen) < max(1, n // 3):
                return
            busy = sorted(address for address, keys in client.processing().items() if keys)
            if not busy:
                return
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            killed.update(address=busy[0], pid=pid, at=len(seen), tasks=len(client.processing()[busy[0]]))
            os.kill(pid, signal.SIGKILL)

    began = time.perf_counter()
    segment_batch([root], out_dir, model=model, scheduler=client, on_result=after_each)
    elapsed = time.perf_counter() - began
    clean = out_dir.parent / "dask2"
    rows = _summary(out_dir)
    once = sorted(r["file"] for r in rows) == sorted(r["file"] for r in _summary(clean)) and len(seen) == len(set(seen))
    same = _outputs(out_dir) == _outputs(clean) and rows == _summary(clean)
    passed = bool(killed) and once and same
    if killed:
        detail = (f"worker {killed['address']} (pid {killed['pid']}) killed with {killed['tasks']} task(s) in hand after "
                  f"{killed['at']} of {n} recordings had come back; the run finished in {seconds(elapsed)} with "
                  f"{len(rows)} summary rows, every recording {'exactly once' if once else 'NOT exactly once'}, outputs "
                  f"and summary {'identical to' if same else 'DIFFERENT from'} the clean 2-worker run.")
    else:
        detail = "no worker was busy when the kill was due (too few recordings), so nothing was killed."
    verdict = ("every recording once, identical" if passed else
               "not run (nothing to kill)" if not killed else "LOST OR CHANGED RESULTS")
    return {"passed": passed if killed else None, "detail": detail, "verdict": verdict}
