"""``speechmusic grade``: execute submitted lab notebooks and score their eight exercises."""

from __future__ import annotations

import argparse
from pathlib import Path

from speechmusic.commands.common import HelpFormatter, counted, expand_folders, positive_float, positive_int, print_json
from speechmusic.core.errors import ParameterError
from speechmusic.teaching.grading import (
    DEFAULT_CHECK_TIMEOUT,
    DEFAULT_TIMEOUT,
    SandboxLimits,
    grade_notebooks,
    write_gradebook,
)

EXAMPLES = """\
examples:
  .venv/bin/speechmusic grade submissions/alice.ipynb --data-dir data
  .venv/bin/speechmusic grade submissions/*.ipynb --data-dir data --json > grades.json
  .venv/bin/speechmusic grade submissions/ --data-dir data --timeout 300 --jobs 2 --csv gradebook.csv
  .venv/bin/speechmusic grade solutions/audio_classification_logreg.ipynb --data-dir data --fail-under 1

Each notebook runs in its own process on a temporary copy (the submission is never modified), its
kernel in a sandbox (memory, CPU, process and file-size limits; on Linux no network, a read-only
view of the machine, the batch's other submissions unreadable), with the repository root on the
kernel's PYTHONPATH so 'import audio_utils' and 'from public_tests import *' work, and
SPEECHMUSIC_DATA set from --data-dir. Cells that raise are recorded (as In [n]) and execution
continues; at the time limit the running cell is interrupted. Then the exercises are judged from
outside the kernel, each with the reference functions of the exercises it builds on (one mistake
costs one exercise; --cascade: with the learner's own). score = passed exercises / 8.
A notebook that raises, hangs, forks, floods or kills its kernel gets a report like any other.
Exit status: 0 when every notebook was graded (whatever its score), 1 when a file could not be
read as a notebook or a score is below --fail-under, 2 on an error (message on stderr).
"""


def register(subparsers) -> None:

    parser = subparsers.add_parser(
        "grade",
        help="for instructors: execute submitted notebooks and score the eight exercises",
        description="Execute submitted lab notebooks, each in its own process with a time limit, and grade the exercises.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK",
                        help=".ipynb files (a folder stands for the .ipynb files in it)")
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DATA_DIR",
                        help="dataset the notebooks load (sets SPEECHMUSIC_DATA; default: $SPEECHMUSIC_DATA, else the lab "
                             "folder's data/)")
    parser.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="seconds a notebook's cells may take altogether")
    parser.add_argument("--check-timeout", type=positive_float, default=DEFAULT_CHECK_TIMEOUT, metavar="SECONDS",
                        help="seconds the checks of one exercise may take")
    parser.add_argument("--lab-dir", type=Path, default=None, metavar="DIR",
                        help="folder with audio_utils.py and public_tests.py (default: the repository of the installed package)")
    parser.add_argument("--jobs", type=positive_int, default=1, metavar="N", help="notebooks graded at the same time")
    parser.add_argument("--memory-limit", type=positive_float, default=SandboxLimits.memory / 2**30, metavar="GB",
                        help="address space each notebook's kernel may use, in GiB (exceeding it raises MemoryError "
                             "in the notebook)")
    parser.add_argument("--cascade", action="store_true",
                        help="judge each exercise with the learner's own earlier functions, as the notebook's tests "
                             "do (default: with the reference ones, so that one mistake costs one exercise)")
    parser.add_argument("--executed", type=Path, default=None, metavar="DIR",
                        help="also write each notebook as it ran, with its outputs (the first 32 MB), into DIR, "
                             "under its own file name: to read what a submission printed and drew")
    parser.add_argument("--csv", type=Path, default=None, metavar="FILE",
                        help="also write a gradebook: one row per notebook (file, score, the eight exercises as "
                             "pass/fail, status, seconds, first failure); replaced atomically if it exists")
    parser.add_argument("--fail-under", type=float, default=None, metavar="SCORE",
                        help="exit with code 1 when a notebook scores below SCORE (0-1)")
    parser.add_argument("--json", action="store_true",
                        help="print JSON: an object for a single notebook file, a list when several files or a folder are given")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def notebooks_in(folder: Path) -> list[Path]:
    """The ``.ipynb`` files directly in ``folder``, sorted; hidden ones skipped (``.ipynb_checkpoints`` is not searched)."""
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))


def _indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def run(args: argparse.Namespace) -> int:
    if args.fail_under is not None and not 0 <= args.fail_under <= 1:
        raise ParameterError(f"--fail-under must be between 0 and 1, got {args.fail_under}")
    notebooks = expand_folders(args.notebooks, find=notebooks_in, what=".ipynb files")
    grades = grade_notebooks(
        notebooks,
        jobs=args.jobs,
        progress=not args.quiet and len(notebooks) > 1,
        timeout=args.timeout,
        check_timeout=args.check_timeout,
        data_dir=args.data_dir,
        lab_dir=args.lab_dir,
        limits=SandboxLimits(memory=int(args.memory_limit * 2**30)),
        cascade=args.cascade,
        executed_dir=args.executed,
    )
    if args.csv is not None:
        write_gradebook(grades, args.csv)
    if args.json:
        reports = [g.as_dict() for g in grades]
        print_json(reports[0] if len(args.notebooks) == 1 and len(reports) == 1 and not args.notebooks[0].is_dir() else reports)
    else:
        for i, grade in enumerate(grades):
            if i:
                print()
            print(f"{grade.notebook}: score {grade.score:.2f} ({grade.passed}/{grade.total} exercises)  "
                  f"[{grade.status}, {grade.seconds:.1f} s]")
            if grade.message:
                print(f"  note: {grade.message}")
            for error in grade.errors[:5]:
                print(f"  cell In [{error['cell']}] raised {error['ename']}: {_first_line(error['evalue'])}")
            if len(grade.errors) > 5:
                print(f"  ... and {counted(len(grade.errors) - 5, 'more cell')} raised errors")
            for error in grade.ungraded:
                print(f"  cell In [{error['cell']}] (the bonus, not graded): {error['ename']}: {_first_line(error['evalue'])}")
            if grade.sandbox.get("namespaces") is False:
                print(f"  note: no namespaces for this kernel ({grade.sandbox.get('reason')}): it had the network and "
                      "this user's view of the files")
            for exercise, result in grade.exercises.items():
                mark = "PASS" if result["passed"] else "FAIL"
                print(f"  {mark}  {exercise}")
                if not result["passed"] and result["message"] and result["message"] != grade.message:
                    print(_indent(result["message"]))
        if len(grades) > 1:
            mean = sum(g.score for g in grades) / len(grades)
            print(f"\n{counted(len(grades), 'notebook')}, mean score {mean:.2f}")
    unreadable = any(g.status == "failed" for g in grades)
    below = args.fail_under is not None and any(g.score < args.fail_under - 1e-12 for g in grades)
    return 1 if unreadable or below else 0
