"""Benchmark 12: grading 30 submissions with --jobs 2, against the grader of commit 73af32b in the same run.

The grader of issue 20 runs each kernel in a sandbox and judges from outside it; the target is that a
batch takes at most 1.5 times as long as with the grader it replaced (commit :data:`BASELINE`, which
ran the checks inside the kernel). Both graders grade the same 30 submissions on the same data, as
``speechmusic grade --jobs 2`` command lines run from their own checkouts, in alternating rounds (the
best round of each counts). The baseline's checkout is made with ``git worktree add --detach`` in the
work folder and removed afterwards (or given with ``SPEECHMUSIC_GRADING_BASELINE=PATH``).

The submissions are the lab's notebook as built from the baseline's source (both graders accept it):
10 solutions, 10 blank student notebooks and 10 learners midway (exercises 1-4 answered, 5-8 and
the bonus blank), on the synthetic dataset (seed 0).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .report import Section, Target

#: The commit of main whose grader is the baseline (the last before issue 20's).
BASELINE = "73af32b"
#: The target: the new grader's time for the batch over the baseline's.
MAX_RATIO = 1.5
REPO = Path(__file__).resolve().parents[1]


def _baseline_checkout(work_dir: Path) -> tuple[Path | None, str, bool]:
    """(checkout, why not, made here): the baseline's source tree."""
    given = os.environ.get("SPEECHMUSIC_GRADING_BASELINE")
    if given:
        path = Path(given)
        return (path, "", False) if (path / "src" / "speechmusic").is_dir() else (None, f"{path} is not a checkout", False)
    path = work_dir / f"baseline-{BASELINE}"
    if (path / "src" / "speechmusic").is_dir():
        return path, "", False
    done = subprocess.run(["git", "worktree", "add", "--detach", str(path), BASELINE], cwd=REPO,
                          capture_output=True, text=True)
    if done.returncode != 0:
        return None, f"git could not check out {BASELINE}: {done.stderr.strip()[:200]}", False
    return path, "", True


def _remove_checkout(path: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=REPO, capture_output=True)
    shutil.rmtree(path, ignore_errors=True)


def submissions(source_root: Path, folder: Path, count: int = 30) -> list[Path]:
    """``count`` notebooks built from ``source_root``'s lab source: solutions, blanks and learners midway, in turn."""
    from speechmusic.teaching.build import SOURCE, STARTS, render  # the renderer has not changed since the baseline

    built = {variant: json.loads(text) for variant, text in render((source_root / SOURCE).read_text(encoding="utf-8")).items()}
    student_cells = {cell["id"]: cell for cell in built["student"]["cells"]}
    midway = json.loads(json.dumps(built["solution"]))
    answered = 0
    for cell in midway["cells"]:
        if STARTS in "".join(cell["source"]) and cell["id"] in student_cells:
            answered += 1
            if answered > 4:  # exercises 1-4 answered, the rest as the student notebook has them
                cell["source"] = student_cells[cell["id"]]["source"]
    kinds = {"solution": built["solution"], "blank": built["student"], "midway": midway}
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        name = list(kinds)[index % 3]
        path = folder / f"{index:02d}-{name}.ipynb"
        path.write_text(json.dumps(kinds[name]), encoding="utf-8")
        paths.append(path)
    return paths


def _grade(checkout: Path, notebooks: list[Path], data_dir: Path, jobs: int) -> tuple[float, float, list[dict]]:
    """Wall seconds, CPU seconds (every process it started) and reports of one ``speechmusic grade`` run."""
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
    command = [sys.executable, "-m", "speechmusic", "grade", *map(str, notebooks), "--jobs", str(jobs), "--json",
               "--quiet", "--data-dir", str(data_dir), "--lab-dir", str(checkout)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=checkout)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        reports = json.loads(done.stdout)
    except ValueError:
        raise RuntimeError(f"grading failed ({checkout.name}): {done.stderr[-500:]}") from None
    return wall, cpu, reports


def _scores(reports: list[dict]) -> str:
    found: dict[float, int] = {}
    for report in reports:
        found[report["score"]] = found.get(report["score"], 0) + 1
    return ", ".join(f"{count} x {score:g}" for score, count in sorted(found.items()))


# long: a benchmark's setup, two contenders in alternating rounds, and its report.
def run(work_dir: Path, *, per_class: tuple[int, int], count: int = 30, jobs: int = 2, rounds: int = 1) -> Section:
    section = Section(title=f"12. Grading: {count} submissions with --jobs {jobs}, the sandboxed outside judge "
                            f"against the grader of {BASELINE}",
                      headers=["grader", "wall (best)", "CPU (best round)", "scores"])
    baseline, why, made = _baseline_checkout(work_dir)
    if baseline is None:
        section.skipped = why
        return section
    try:
        from speechmusic.data.dataset import load_dataset
        from speechmusic.data.synth import build_synthetic_dataset

        data = work_dir / f"grading-data-{per_class[0]}-{per_class[1]}"
        if not (data / "train").is_dir():
            build_synthetic_dataset(data, n_train=per_class[0], n_test=per_class[1], seed=0, progress=False)
        load_dataset(data, progress=False)  # the feature cache, so that neither grader computes it
        for folder in (data, work_dir):
            folder.chmod(0o755)  # readable by the sandbox's user when this runs as root
        notebooks = submissions(baseline, work_dir / "grading-submissions", count)
        contenders = {f"{BASELINE} (checks in the kernel)": baseline, "this checkout (sandbox, outside judge)": REPO}
        best: dict[str, tuple[float, float, list[dict]]] = {}
        for _ in range(max(1, rounds)):
            for name, checkout in contenders.items():
                result = _grade(checkout, notebooks, data, jobs)
                if name not in best or result[0] < best[name][0]:
                    best[name] = result
        for name, (wall, cpu, reports) in best.items():
            section.rows.append([name, f"{wall:.1f} s", f"{cpu:.1f} s", _scores(reports)])
        old, new = (best[name][0] for name in contenders)
        ratio = new / old
        section.targets.append(Target(f"12. Grading {count} submissions, --jobs {jobs}", f"≤ {MAX_RATIO:g}x the time of "
                                      f"{BASELINE}'s grader (same run)", f"{ratio:.2f}x ({new:.0f} s / {old:.0f} s)",
                                      ratio <= MAX_RATIO))
        same = [a["score"] for a in best[list(contenders)[0]][2]] == [b["score"] for b in best[list(contenders)[1]][2]]
        section.notes.append(f"Submissions: the lab notebook built from {BASELINE}'s source, {count // 3} solutions, "
                             f"{count // 3} blank, {count - 2 * (count // 3)} answered up to exercise 4; synthetic data, "
                             f"{per_class[0]} + {per_class[1]} clips per class, feature cache computed beforehand. "
                             f"Best of {max(1, rounds)} alternating round(s). Same scores from both graders: "
                             f"{'yes' if same else 'no'}. CPU: every process each run started (worker, kernels, "
                             f"sandbox launchers).")
    finally:
        if made:
            _remove_checkout(baseline)
    return section
