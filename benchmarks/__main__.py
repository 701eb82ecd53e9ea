"""Run the benchmarks and print (and save) a markdown table.

    .venv/bin/python -m benchmarks                      # everything (about 5-10 min on 2 cores)
    .venv/bin/python -m benchmarks --quick              # smaller inputs, a few minutes
    .venv/bin/python -m benchmarks --only features,training
    .venv/bin/python -m benchmarks --work-dir /tmp/smb  # keep the generated audio and reuse it next time
    .venv/bin/python -m benchmarks --only grading       # 30 submissions graded, against the grader of 73af32b

Run from the repository root with the project's environment. Nothing is downloaded; benchmarks 4,
5 and 6 use ../shared/real-audio, 7, 8, 9 and 11 ../shared/real-world, when they exist, and are skipped
otherwise; 10 (batch) needs the 'distributed' package (.venv/bin/pip install -e .[cluster]); 12 (grading)
needs git to check out the baseline grader (commit 73af32b) and is not part of the --tiny smoke run.
Benchmark 8 also needs the peer, pyAudioAnalysis (``.venv/bin/pip install -e .[bench]``). The table goes to standard
output and to benchmarks/results/latest.md (``--output``). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import (
    bench_batch,
    bench_features,
    bench_grading,
    bench_live,
    bench_loso,
    bench_messy,
    bench_peer,
    bench_programme,
    bench_real,
    bench_segment,
    bench_synthetic,
    bench_training,
)
from .data import have_synthetic
from .machine import LoadMonitor, describe, load_average
from .report import Section, to_markdown

BENCHMARKS = ("features", "training", "segment", "real", "synthetic", "messy", "loso", "peer", "programme", "batch",
              "live", "grading")
#: Too slow for the smoke test's tiny run (it grades real notebooks, twice): the tiny run leaves it out.
NOT_TINY = ("grading",)
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.md"


@dataclass(frozen=True)
class Sizes:
    """Input sizes of one mode."""

    features_per_class: tuple[int, int]  # (train, test) clips per class: 60/20 -> 160 clips
    large_per_class: tuple[int, int] | None  # None: no large dataset
    huge_per_class: tuple[int, int] | None  # benchmark 1's very large set of short clips (None: none)
    repeats: int
    isolate: bool  # also run in fresh processes for peak memory
    iterations: int
    segment_seconds: float
    real_max_clips: dict | None = None
    synthetic_seeds: int = 5  # benchmark 5: datasets (seeds 0, 1, ...) trained on and tested
    peer_splits: int = 50  # benchmark 8: pyAudioAnalysis's validation splits per C and fold
    loso_synthetic_per_class: int | None = None  # benchmark 7: synthetic training clips per class (None: evaluation's)
    programme_folds: int = 4  # benchmark 9: folds of sources
    batch_programmes: int = 60  # benchmark 10: generated programmes (plus one corrupt file)
    batch_seconds: float = 60.0  # benchmark 10: length of each programme
    batch_rounds: int = 2  # benchmark 10: rounds of the five ways of running (best time counts)
    live_hours: float = 6.0  # benchmark 11: hours of stream simulated for the memory figure
    live_cpu_seconds: float = 60.0  # benchmark 11: seconds listened at real time for the CPU figure
    grading_per_class: tuple[int, int] = (60, 20)  # benchmark 12: synthetic clips per class the notebooks load
    grading_rounds: int = 2  # benchmark 12: alternating rounds of the two graders (best time counts)


MODES = {
    "full": Sizes((60, 20), (750, 250), (7500, 2500), 3, True, 2000, 3600.0),
    "quick": Sizes((60, 20), None, None, 1, True, 2000, 600.0, synthetic_seeds=1, batch_programmes=50,
                   batch_seconds=30.0, batch_rounds=1, live_hours=1.0, live_cpu_seconds=30.0,
                   grading_per_class=(30, 10), grading_rounds=1),
    # For the smoke test only: every code path on tiny inputs, in seconds.
    "tiny": Sizes((3, 1), None, (6, 2), 1, False, 20, 12.0, {"music": 1, "speech": 1}, synthetic_seeds=1, peer_splits=2,
                  loso_synthetic_per_class=3, programme_folds=2, batch_programmes=4, batch_seconds=9.0,
                  batch_rounds=1, live_hours=0.02, live_cpu_seconds=3.0),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller inputs: no 2,000- and 20,000-clip runs, a "
                        "10-minute recording, one repeat, simple generated clips")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # smoke test
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--data", choices=("auto", "synthetic", "simple"), default="auto",
                        help="generated clips: the project's synthetic dataset or the benchmark's own simple "
                        "tones/syllables (auto: synthetic for a full run, simple with --quick)")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="keep generated audio here and reuse it on the next run (default: a temporary "
                        "folder, deleted afterwards)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown file to write")
    parser.add_argument("--no-save", action="store_true", help="only print the table")
    parser.add_argument("--real-audio", type=Path, default=bench_real.REAL_AUDIO,
                        help="folder with speech/ and music/ recordings for benchmarks 4, 5 and 6")
    parser.add_argument("--real-world", type=Path, default=bench_loso.REAL_WORLD,
                        help="clip folder (manifest.csv, speech/, music/) for benchmarks 7, 8 and 9")
    return parser


def run(args: argparse.Namespace) -> tuple[str, list[Section]]:
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    sizes = MODES[mode]
    if mode == "tiny" and args.only == ",".join(BENCHMARKS):
        names = [name for name in names if name not in NOT_TINY]
    kind = args.data if args.data != "auto" else ("synthetic" if mode == "full" else "simple")
    if kind == "synthetic" and not have_synthetic():
        print("note: speechmusic.data.synth is not available; using the simple generated clips", file=sys.stderr)
        kind = "simple"
    quick = mode != "full"

    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="speechmusic-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    machine = describe()
    monitor = LoadMonitor()
    began = time.perf_counter()
    sections: list[Section] = []
    try:
        for name in BENCHMARKS:
            if name not in names:
                continue
            print(f"running {name} ...", file=sys.stderr, flush=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # benchmarks report numbers, not per-file notes
                if name == "features":
                    sections.append(bench_features.run(
                        work_dir, quick=quick, large=sizes.large_per_class is not None, kind=kind,
                        small_per_class=sizes.features_per_class,
                        large_per_class=sizes.large_per_class or (0, 0), repeats=sizes.repeats,
                        huge_per_class=sizes.huge_per_class, isolate=sizes.isolate))
                elif name == "training":
                    sections.append(bench_training.run(work_dir, quick=quick, kind=kind,
                                                       per_class=sizes.features_per_class,
                                                       num_iterations=sizes.iterations, repeats=sizes.repeats))
                elif name == "segment":
                    sections.append(bench_segment.run(work_dir, quick=quick, duration=sizes.segment_seconds,
                                                      kind=kind, per_class=sizes.features_per_class,
                                                      isolate=sizes.isolate))
                elif name == "real":
                    synthetic_dir = work_dir / "features-small"
                    sections.append(bench_real.run(work_dir, quick=quick, root=args.real_audio,
                                                   max_clips=sizes.real_max_clips,
                                                   synthetic_dir=synthetic_dir if synthetic_dir.is_dir() else None,
                                                   iterations=sizes.iterations))
                elif name == "synthetic":
                    sections.append(bench_synthetic.run(quick=quick, root=args.real_audio,
                                                        per_class=sizes.features_per_class,
                                                        seeds=sizes.synthetic_seeds, iterations=sizes.iterations))
                elif name == "messy":
                    sections.append(bench_messy.run(work_dir, root=args.real_audio,
                                                    per_class=sizes.features_per_class))
                elif name == "loso":
                    sections.append(bench_loso.run(work_dir, root=args.real_world, quick=quick,
                                                   synthetic_per_class=sizes.loso_synthetic_per_class))
                elif name == "peer":
                    sections.append(bench_peer.run(work_dir, root=args.real_world, n_exp=sizes.peer_splits))
                elif name == "batch":
                    sections.append(bench_batch.run(work_dir, quick=quick, kind=kind, per_class=sizes.features_per_class,
                                                    programmes=sizes.batch_programmes,
                                                    programme_seconds=sizes.batch_seconds, rounds=sizes.batch_rounds))
                elif name == "live":
                    sections.append(bench_live.run(work_dir, root=args.real_world, hours=sizes.live_hours,
                                                   cpu_seconds=sizes.live_cpu_seconds, isolate=sizes.isolate,
                                                   n_folds=sizes.programme_folds,
                                                   latencies=bench_live.LATENCIES if mode == "full" else (2.0,)))
                elif name == "grading":
                    sections.append(bench_grading.run(work_dir, per_class=sizes.grading_per_class,
                                                      rounds=sizes.grading_rounds))
                elif name == "programme":
                    sections.append(bench_programme.run(work_dir, root=args.real_world, n_folds=sizes.programme_folds,
                                                        synthetic_per_class=sizes.loso_synthetic_per_class))
    finally:
        if args.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    others = monitor.others_cores()
    end_load = load_average()
    machine["Load average at end"] = " / ".join(f"{x:.2f}" for x in end_load) if end_load else "unknown"
    machine["Other programs' CPU use during the run"] = (
        f"{others:.2f} cores on average (of {machine['Cores']})" if others is not None else "unknown")
    machine["Total run time"] = f"{time.perf_counter() - began:.0f} s"
    command = "python -m benchmarks" + (" --quick" if mode == "quick" else " --tiny" if mode == "tiny" else "")
    if set(names) != set(BENCHMARKS):
        command += f" --only {','.join(names)}"
    command += f"  (mode: {mode}; clips: {kind})"
    date = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return to_markdown(date=date, command=command, machine=machine, sections=sections), sections


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    text, _ = run(args)
    print(text)
    if not args.no_save:
        from speechmusic.core.fileio import write_text

        write_text(args.output, text, overwrite=True)
        print(f"saved to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
