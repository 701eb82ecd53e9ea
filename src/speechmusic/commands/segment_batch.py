"""``speechmusic segment INPUT... --out-dir DIR``: the batch half of the segment command.

The work is :func:`speechmusic.apps.batch.segment_batch`; this module checks the options that make no
sense for many recordings and prints the closing lines.
"""

from __future__ import annotations

import argparse
import sys

from speechmusic.apps.batch import segment_batch
from speechmusic.commands.common import counted
from speechmusic.core.errors import ParameterError

#: Single-recording options and why they do not apply with --out-dir.
_SINGLE_ONLY = (
    ("output", "-o/--output", "each recording's segments go to DIR"),
    ("csv", "--csv", "use --format csv"),
    ("plot", "--plot", "figures are drawn one recording at a time"),
    ("json", "--json", "DIR/summary.csv sums the run up; --format json writes a JSON file per recording"),
)


def run_batch(args: argparse.Namespace) -> int:
    """Run the batch; exit status 0 when every recording is done (or was already), 1 when any failed."""
    for attribute, option, why in _SINGLE_ONLY:
        if getattr(args, attribute) not in (None, False):
            raise ParameterError(f"{option} is for one recording, not with --out-dir ({why})")
    outcome = segment_batch(
        args.inputs, args.out_dir, model=args.model, fmt=args.format or "csv", window=args.window, hop=args.hop,
        switch_penalty=args.switch_penalty, min_durations=args.min_durations, refine=args.refine,
        silence_db=args.silence_db, jobs=args.jobs, scheduler=args.scheduler,
        check_content=args.check_content, overwrite=args.overwrite, progress=not args.quiet,
    )
    counts = outcome.counts
    if not args.quiet:
        done_hours = outcome.seconds_of_audio("ok") / 3600
        print(
            f"{counted(len(outcome.rows), 'recording')}: {counts['ok']} segmented ({done_hours:.2f} h of audio in "
            f"{outcome.elapsed:.0f} s), {counts['skipped']} unchanged since the last run, {counts['failed']} failed; "
            f"wrote {outcome.summary_path}" + (f" and {outcome.report_path}" if outcome.report_path else ""),
            file=sys.stderr,
        )
        for row in outcome.rows:
            if row["status"] == "failed":
                print(f"failed: {row['error']}", file=sys.stderr)
    return 1 if outcome.failed else 0
