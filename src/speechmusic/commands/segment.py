"""``speechmusic segment``: where is the speech and where is the music in a long recording?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..pipeline import resolve_classifier
from ..segmentation import (
    DEFAULT_HOP, DEFAULT_SWITCH_PENALTY, plot_segmentation, segment_file, segments_csv, write_segments_csv,
)
from ..cli import HelpFormatter
from .common import (
    add_model_or_default, non_negative_float, positive_float, print_json, refuse_existing,
)

EXAMPLES = """\
examples:
  speechmusic segment radio-show.flac --csv segments.csv          # the model shipped with speechmusic
  speechmusic segment radio-show.flac --model model.npz --csv segments.csv
  speechmusic segment radio-show.flac --model model.npz --csv segments.csv --plot segments.png
  speechmusic segment lecture.wav --model model.npz --hop 0.5 --switch-penalty 10
  speechmusic segment podcast.ogg --model model.npz --json > segments.json
  speechmusic segment podcast.ogg --model model.npz            # CSV on stdout

The model's 3-s windows slide over the recording every --hop seconds; the decisions are smoothed
by a two-state hidden Markov model (Viterbi): a switch between speech and music costs
--switch-penalty nats of evidence, so isolated hesitant windows do not split a segment, while a
clear change of a few seconds does. Boundaries have a resolution of one hop. The file is read in
blocks, so memory does not grow with its length (hours are fine). Output CSV: start,end,label
(seconds, label speech or music), written atomically. Without --model the default model shipped
with speechmusic is used (docs/model-card.md): it labels speech over a music bed as speech, the
broadcast convention. The summary on stderr (and "model" / "model_info" in --json) names the model.
"""


def register(subparsers) -> None:

    parser = subparsers.add_parser(
        "segment",
        help="split a long recording into speech and music segments (CSV, optional plot)",
        description="Split a recording of any length into speech and music segments.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="recording to segment")
    add_model_or_default(parser)
    parser.add_argument("--window", type=positive_float, default=None, metavar="S",
                        help="window length in seconds (default: the model's clip length, 3; "
                             "other lengths need a model trained with --features dynamics or pooled)")
    parser.add_argument("--hop", type=positive_float, default=DEFAULT_HOP, metavar="S",
                        help="seconds between window starts (rounded to whole 23-ms spectrogram frames)")
    parser.add_argument("--switch-penalty", type=non_negative_float, default=DEFAULT_SWITCH_PENALTY, metavar="P",
                        help="evidence (nats) a change between speech and music must earn; 0 = no smoothing")
    parser.add_argument("--csv", type=Path, default=None, metavar="OUT", help="write segments here (default: stdout)")
    parser.add_argument("--plot", type=Path, default=None, metavar="OUT.png",
                        help="save a figure: waveform, spectrogram, window probabilities, segment timeline")
    parser.add_argument("--overwrite", action="store_true", help="replace existing --csv / --plot files")
    parser.add_argument("--json", action="store_true", help="print a JSON summary with the segments on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary on stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    refuse_existing(args.csv, args.overwrite, "CSV file")
    refuse_existing(args.plot, args.overwrite, "figure")
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        from ..errors import ParameterError

        raise ParameterError(f"--plot must end in .png, got {args.plot}")
    classifier = resolve_classifier(args.model)
    result = segment_file(
        args.file,
        classifier,
        window=args.window,
        hop=args.hop,
        switch_penalty=args.switch_penalty,
        overview=args.plot is not None,
        progress=not args.quiet,
    )
    if args.csv is not None:
        write_segments_csv(result.segments, args.csv, overwrite=args.overwrite)
    if args.plot is not None:
        from ..plots import save_figure

        figure = plot_segmentation(result, title=f"{args.file.name}: {len(result.segments)} segments")
        save_figure(figure, args.plot, overwrite=args.overwrite)
    if args.json:
        print_json({"file": str(args.file), "model": classifier.path, "model_info": classifier.identity(),
                    **result.as_dict(),
                    "csv": str(args.csv) if args.csv else None, "plot": str(args.plot) if args.plot else None})
    elif args.csv is None:
        sys.stdout.write(segments_csv(result.segments))
    if not args.quiet:
        written = [str(p) for p in (args.csv, args.plot) if p is not None]
        print(classifier.headline(), file=sys.stderr)
        print(
            f"{args.file}: {result.duration:.1f} s, {len(result.segments)} segments "
            f"(speech {result.seconds_of('speech'):.1f} s, music {result.seconds_of('music'):.1f} s), "
            f"{result.realtime_factor:.0f}x real time" + (f"; wrote {', '.join(written)}" if written else ""),
            file=sys.stderr,
        )
    return 0
