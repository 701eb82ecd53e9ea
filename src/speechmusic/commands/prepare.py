"""``speechmusic prepare``: turn your own recordings into dataset clips."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from speechmusic.commands.common import HelpFormatter, add_data_dir, counted, positive_int
from speechmusic.core.config import SPLITS
from speechmusic.core.labels import LEARNED_LABELS
from speechmusic.data.dataset import resolve_data_dir
from speechmusic.data.ingest import prepare_from_folder

EXAMPLES = """\
examples:
  .venv/bin/speechmusic prepare --from-folder ~/Recordings/podcasts --label speech --split train
  .venv/bin/speechmusic prepare --from-folder ~/Music/jazz --label music --split test --max-clips-per-file 5
  .venv/bin/speechmusic prepare --from-folder field-recordings --label speech --split train --data-dir my-data \\
      --licence "CC BY 4.0, recorded by me"

Every audio file under the folder (wav, flac, ogg, mp3, aiff, ...; sub-folders too) becomes
consecutive 3-s 22050 Hz mono WAV clips in DATA_DIR/SPLIT/LABEL/, starting at the first sound.
Sources are only read. Existing clips are never overwritten, and running the same command again
adds nothing (DATA_DIR/manifest.csv remembers where each clip came from). Exit status: 0 when
clips were written or already present, 1 when no audio file was found or none could be read, 2 on
an error (message on stderr).
"""


def register(subparsers) -> None:
    
    parser = subparsers.add_parser(
        "prepare",
        help="cut your own recordings into 3-s clips in the dataset layout",
        description="Convert your own recordings into dataset clips.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--from-folder", type=Path, required=True, metavar="DIR",
                        help="folder with recordings, sub-folders included (only read)")
    parser.add_argument("--label", choices=LEARNED_LABELS, required=True,
                        help="what the recordings are (noise: sound that is neither speech nor music, for the tools' "
                             "models; the lab reads speech/ and music/ only)")
    parser.add_argument("--split", choices=SPLITS, required=True, help="which part of the dataset they go to")
    add_data_dir(parser)
    parser.add_argument("--max-clips-per-file", type=positive_int, default=None, metavar="N",
                        help="at most N clips from each recording (default: all)")
    parser.add_argument("--licence", default="", metavar="TEXT",
                        help="licence or provenance recorded in the manifest for each clip")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    report = prepare_from_folder(
        args.from_folder,
        data_dir=data_dir,
        label=args.label,
        split=args.split,
        max_clips_per_file=args.max_clips_per_file,
        licence=args.licence,
        progress=not args.quiet,
    )
    print(
        f"{counted(report.files, 'recording')}: {counted(report.clips_written, 'new clip')} in "
        f"{data_dir / args.split / args.label}, {report.clips_already_present} already present, "
        f"{len(report.failed)} unreadable"
    )
    if report.files == 0:
        print(f"no audio files found under {args.from_folder}: name the folder that holds the recordings",
              file=sys.stderr)
        return 1
    return 1 if report.failed and report.clips_written + report.clips_already_present == 0 else 0
