"""Benchmark 11: ``listen`` — agreement with ``segment``, delay, memory over hours, CPU at real time.

1. **Agreement with offline ``segment``** on programmes built from the shared real clips as
   benchmark 9 builds them (every fold's programmes; the shipped model, the one ``listen`` uses):
   the share of time (0.1-s grid) on which the live labels equal ``segment``'s, and ``segment``'s
   boundaries matched by a live one within 1 s (benchmark 9's matching), for several latencies.
   The live side is :class:`speechmusic.apps.live.LiveSegmenter` fed 0.1-s blocks, what the sources
   deliver. Skipped (only this part) without ../shared/real-world.
2. **Delay**: the most audio heard past a moment before its label was decided (after the first
   window), against the target ``latency + one hop``; and the computing time per 0.1-s block.
3. **Memory over hours**: a fresh process listens to a long stream simulated faster than real time
   (a programme of generated speech and music looped, 1-s blocks, through the same
   :class:`~speechmusic.apps.listener.Listener` and a CSV segments file as the command) and reads
   its resident memory (``VmRSS``) after 10 minutes of stream and at the end.
4. **CPU at real time**: ``speechmusic listen -`` in its own process, fed raw PCM on standard input
   at real-time pace by this benchmark; its CPU time (user + system, from ``/proc``) over the
   steady part (after start-up) divided by the wall time. With ffmpeg, the same for a file played
   with ``--realtime`` (``listen``'s process and ffmpeg's counted apart).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .bench_loso import REAL_WORLD, have_real_world
from .isolated import run_step
from .report import Section, Target

SR = 22050
TARGET_AGREEMENT = 0.97
TARGET_GROWTH_MIB = 20.0
TARGET_CPU = 0.05
LATENCIES = (1.0, 2.0, 3.0, 5.0)


def live_segments(y: np.ndarray, classifier, *, latency: float, block: int = 2205):
    """Segments of ``y`` as ``listen`` finds them, and the largest delay after the first window (s)."""
    from speechmusic.apps.live import LiveSegmenter

    live = LiveSegmenter(classifier, latency=latency)
    segments, worst, compute = [], 0.0, []
    warm = live.params.duration + latency + 1.0
    for i in range(0, y.size, block):
        began = time.perf_counter()
        changes = live.feed(y[i : i + block])
        compute.append(time.perf_counter() - began)
        segments += [c.closed for c in changes if c.closed is not None]
        if live.heard > warm:
            worst = max(worst, live.heard - live.decided_until)
    segments += [c.closed for c in live.finish() if c.closed is not None]
    return segments, worst, compute, live.hop


def _labels(segments, t):
    out = np.full(t.size, "", dtype=object)
    for s in segments:
        out[(t >= s.start) & (t < s.end)] = s.label
    return out


def agreement_rows(programmes, classifier, latencies=LATENCIES) -> list[dict]:
    from speechmusic.apps.segmentation import segment_signal

    from .bench_programme import boundaries, match_boundaries

    offline = [segment_signal(y, classifier).segments for y in programmes]
    rows = []
    for latency in latencies:
        right = total = 0
        errors, n_true, spurious, worst, hop, compute = [], 0, 0, 0.0, 1.0, []
        for y, off in zip(programmes, offline):
            segments, lag, times, hop = live_segments(y, classifier, latency=latency)
            worst, compute = max(worst, lag), compute + times
            t = np.arange(0.0, y.size / SR, 0.1) + 0.05
            right += int(np.sum(_labels(segments, t) == _labels(off, t)))
            total += t.size
            true = boundaries([(s.start, s.end, s.label) for s in off])
            e, _, extra = match_boundaries(true, boundaries([(s.start, s.end, s.label) for s in segments]))
            errors += e
            n_true += len(true)
            spurious += extra
        within = int(sum(e <= 1.0 + 1e-9 for e in errors))
        rows.append({"latency": latency, "agreement": right / total if total else float("nan"), "within": within,
                     "boundaries": n_true, "median": float(np.median(errors)) if errors else float("nan"),
                     "spurious": spurious, "delay": worst, "hop": hop,
                     "compute_ms": 1000 * float(np.mean(compute)) if compute else float("nan"),
                     "compute_max_ms": 1000 * float(np.max(compute)) if compute else float("nan"),
                     "minutes": total * 0.1 / 60})
    return rows


def _programme(seconds: float, seed: int = 0) -> np.ndarray:
    """Generated speech-like and music-like stretches of 10-60 s (the memory run's stream)."""
    rng = np.random.default_rng(seed)
    pieces, total = [], 0
    while total < seconds * SR:
        n = int(rng.uniform(10, 60) * SR)
        t = np.arange(n) / SR
        if rng.random() < 0.5:
            f = float(rng.choice([220, 330, 440]))
            y = 0.3 * np.sin(2 * np.pi * f * t) + 0.2 * np.sin(2 * np.pi * 1.5 * f * t)
        else:
            y = rng.standard_normal(n) * 0.3 * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
        pieces.append(y.astype(np.float32))
        total += n
    return np.concatenate(pieces)[: int(seconds * SR)]


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def step_memory(hours: float, out: str, loop: str | None = None) -> dict:
    """In a fresh process: listen to ``hours`` of a looped programme (``loop``: a .npy signal); RSS after 10 min and at the end."""
    from speechmusic.apps.listener import Listener
    from speechmusic.apps.live import LiveSegmenter
    from speechmusic.apps.pipeline import load_default_classifier
    from speechmusic.apps.segment_formats import SegmentLog

    classifier = load_default_classifier()
    loop = np.load(loop) if loop else _programme(min(hours * 3600, 1800.0), seed=1)
    listener = Listener(lambda: LiveSegmenter(classifier))
    # JSON: the format rewritten whole at every segment, which keeps the segments in memory (the worst case)
    log = SegmentLog(out, "json", overwrite=True, fields=lambda segments: {"segments_so_far": len(segments)})
    total, at_10_min, began, samples = int(hours * 3600 * SR), None, time.perf_counter(), []
    position = 0
    while position < total:
        start = position % loop.size
        block = loop[start : start + SR]
        for event in listener.take(block):
            if event.kind == "close":
                log.add(event.segment)
        position += block.size
        if at_10_min is None and position >= 600 * SR:
            at_10_min = _rss_mib()
        if position % (1800 * SR) < SR:
            samples.append((round(position / SR / 3600, 2), round(_rss_mib(), 1)))
    for event in listener.finish():
        if event.kind == "close":
            log.add(event.segment)
    log.close()
    return {"hours": hours, "rss_10_min": at_10_min or _rss_mib(), "rss_end": _rss_mib(), "samples": samples,
            "seconds": time.perf_counter() - began, "segments": log.count}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="utf-8") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cpu_at_real_time(seconds: float, *, work_dir: Path, ffmpeg: bool) -> dict:
    """CPU share of one core of ``listen`` at real time: stdin fed at real-time pace, or a file with --realtime."""
    y = _programme(seconds + 5, seed=2)
    command = [sys.executable, "-m", "speechmusic", "listen", "--quiet", "-o", str(work_dir / "cpu.csv"), "--overwrite"]
    if ffmpeg:
        import soundfile as sf

        path = work_dir / "cpu-programme.flac"
        sf.write(path, y, SR)
        command += [str(path), "--realtime", "--duration", str(seconds)]
    else:
        command += ["-", "--raw-rate", str(SR), "--duration", str(seconds)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE if not ffmpeg else subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    settle = min(10.0, seconds / 3)  # start-up (imports, the model) is not the steady state
    began = time.monotonic()
    data = (np.clip(y, -1, 1) * 32767).astype("<i2").tobytes()
    position = 0
    seen: dict[int, float] = {}  # CPU seconds last read per process (a process that has ended reads 0)
    start = end = None
    while process.poll() is None:
        now = time.monotonic() - began
        if not ffmpeg and position < len(data):
            due = min(len(data), int(now * SR) * 2)
            if due > position:
                try:
                    process.stdin.write(data[position:due])
                    process.stdin.flush()
                except BrokenPipeError:
                    break
                position = due
        for pid in [process.pid, *_children(process.pid)]:
            seen[pid] = max(seen.get(pid, 0.0), _cpu_seconds(pid))
        own, kids = seen[process.pid], sum(v for pid, v in seen.items() if pid != process.pid)
        if now >= settle:
            if start is None:
                start = (now, own, kids)
            end = (now, own, kids)
        time.sleep(0.05)
    if process.stdin:
        process.stdin.close()
    process.wait(timeout=60)
    (t0, own0, kids0), (t1, own1, kids1) = start, end
    wall = t1 - t0
    return {"wall": wall, "listen": (own1 - own0) / wall if wall > 0 else float("nan"),
            "ffmpeg": (kids1 - kids0) / wall if wall > 0 and ffmpeg else None, "seconds": seconds}


# long: four measurements, each a few lines of table; kept in one place with their notes.
def run(work_dir: Path, *, root: Path = REAL_WORLD, hours: float = 6.0, cpu_seconds: float = 60.0,
        latencies=LATENCIES, isolate: bool = True, n_folds: int = 4) -> Section:
    """Benchmark 11 (the agreement part is skipped without ``root``)."""
    import shutil

    section = Section(title="11. listen: live labels against segment, delay, memory over hours, CPU at real time")
    from speechmusic.apps.pipeline import load_default_classifier

    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    classifier = load_default_classifier()
    root = Path(root)
    section.headers = ["Latency (s)", "Time agreeing with segment", "segment's boundaries within 1 s",
                       "Median boundary distance", "Extra live boundaries", "Most audio heard before a decision",
                       "Target: latency + one hop", "Computing per 0.1-s block (mean / max)"]
    if have_real_world(root):
        from speechmusic.apps import default_model as dm

        from .bench_programme import programmes_of_fold

        real = dm.load_real_set(root)
        folds = dm.source_folds(real, n_folds)
        programmes = [y for f, fold in enumerate(folds) for y, _ in programmes_of_fold(real, fold, seed=1000 + f)]
        loop = work_dir / "live-loop.npy"  # the memory run's stream: these programmes, looped
        np.save(loop, np.concatenate(programmes).astype(np.float32))
        rows = agreement_rows(programmes, classifier, latencies)
        for r in rows:
            section.rows.append([f"{r['latency']:g}", f"{r['agreement']:.3f}", f"{r['within']}/{r['boundaries']}",
                                 f"{r['median']:.2f} s", str(r["spurious"]), f"{r['delay']:.2f} s",
                                 f"{r['latency'] + r['hop']:.2f} s",
                                 f"{r['compute_ms']:.1f} / {r['compute_max_ms']:.0f} ms"])
        default = next((r for r in rows if r["latency"] == 2.0), rows[0])
        section.targets += [
            Target(f"live labels agree with segment (latency {default['latency']:g} s, the default)",
                   f"≥ {TARGET_AGREEMENT:.0%} of the time", f"{default['agreement']:.1%}",
                   default["agreement"] >= TARGET_AGREEMENT),
            Target("segment's boundaries matched by live ones within 1 s (default latency)", "all",
                   f"{default['within']}/{default['boundaries']}", default["within"] == default["boundaries"]),
            Target("delay of a decision (default latency)", f"≤ latency + one hop = {default['latency'] + default['hop']:.2f} s",
                   f"{default['delay']:.2f} s + {default['compute_max_ms']:.0f} ms computing",
                   default["delay"] + default["compute_max_ms"] / 1000 <= default["latency"] + default["hop"]),
        ]
        section.notes.append(f"{len(programmes)} programmes ({rows[0]['minutes']:.1f} min) built from the clips of {root} "
                             "as benchmark 9 builds them, segmented by the shipped model offline (`segment_signal`) and "
                             "live (`LiveSegmenter`, 0.1-s blocks); agreement on a 0.1-s grid; boundaries matched as in "
                             "benchmark 9 (same direction, within 5 s).")
    else:
        section.notes.append(f"Agreement and delay not measured: {root} is not present.")
        loop = None
    memory = run_step("benchmarks.bench_live:step_memory", hours=hours, out=str(work_dir / "memory.json"),
                      loop=str(loop) if loop else None, isolate=isolate)["result"]
    growth = memory["rss_end"] - memory["rss_10_min"]
    section.extra_tables.append((
        f"Memory of a {hours:g}-hour stream simulated faster than real time (a fresh process):",
        ["Stream", "RSS after 10 min", "RSS at the end", "Growth", "Segments written (JSON, rewritten at each)",
         "Simulated in"],
        [[f"{hours:g} h", f"{memory['rss_10_min']:.1f} MiB", f"{memory['rss_end']:.1f} MiB", f"{growth:+.1f} MiB",
          str(memory["segments"]), f"{memory['seconds']:.0f} s ({hours * 3600 / memory['seconds']:.0f}x real time)"]]))
    section.notes.append("Memory run: " + ("the programmes above, looped" if loop else "generated tones and noise, looped")
                         + ", fed in 1-s blocks through `Listener` and a JSON `SegmentLog`; RSS every 30 min of stream "
                         "(hours, MiB): " + ", ".join(f"{h:g} h {m:g}" for h, m in memory["samples"]))
    section.targets.append(Target(f"memory over {hours:g} h of stream", f"growth ≤ {TARGET_GROWTH_MIB:g} MiB after 10 min",
                                  f"{growth:+.1f} MiB", growth <= TARGET_GROWTH_MIB if hours >= 1 else None))
    cpu_rows = []
    runs = [("standard input, raw PCM fed at real-time pace", False)]
    if shutil.which("ffmpeg"):
        runs.append(("a FLAC file with --realtime (ffmpeg decodes)", True))
    for name, through_ffmpeg in runs:
        measured = cpu_at_real_time(cpu_seconds, work_dir=work_dir, ffmpeg=through_ffmpeg)
        cpu_rows.append([name, f"{measured['wall']:.0f} s", f"{measured['listen']:.1%}",
                         "–" if measured["ffmpeg"] is None else f"{measured['ffmpeg']:.1%}"])
        if not through_ffmpeg:
            section.targets.append(Target("CPU of listen at real time (2-core machine)", f"≤ {TARGET_CPU:.0%} of one core",
                                          f"{measured['listen']:.1%}",
                                          measured["listen"] <= TARGET_CPU if cpu_seconds >= 30 else None))
    section.extra_tables.append(("CPU at real time, the shipped model, after start-up (share of one core):",
                                 ["Source", "Measured over", "listen", "ffmpeg"], cpu_rows))
    return section
