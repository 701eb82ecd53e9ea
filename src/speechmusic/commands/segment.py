"""``speechmusic segment``: where is the speech and where is the music in a long recording?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from speechmusic.apps.pipeline import resolve_classifier
from speechmusic.apps.segment_formats import SEGMENT_FORMATS, format_segments, write_segments
from speechmusic.apps.segmentation import DEFAULT_HOP, DEFAULT_MIN_DURATIONS, DEFAULT_SWITCH_PENALTY, segment_file
from speechmusic.commands.common import (
    HelpFormatter,
    add_model_or_default,
    add_silence_floor,
    counted,
    label_seconds,
    non_negative_float,
    positive_float,
    positive_int,
    print_json,
    refuse_existing,
    write_stdout,
)
from speechmusic.commands.segment_batch import run_batch
from speechmusic.core.errors import ParameterError
from speechmusic.core.executor import relax_malloc_trim
from speechmusic.core.labels import LABEL_NAMES

EXAMPLES = """\
examples:
  .venv/bin/speechmusic segment radio-show.flac -o segments.csv   # the model shipped with speechmusic
  .venv/bin/speechmusic segment radio-show.flac --model model.npz                     # CSV on stdout
  .venv/bin/speechmusic segment radio-show.flac --model model.npz -o segments.csv --plot segments.png
  .venv/bin/speechmusic segment interview.wav --model model.npz --format audacity -o labels.txt
  .venv/bin/speechmusic segment interview.wav --model model.npz --format textgrid -o interview.TextGrid
  .venv/bin/speechmusic segment podcast.ogg --model model.npz --format json -o segments.json
  .venv/bin/speechmusic segment lecture.wav --model model.npz --hop 0.5 --switch-penalty 3
  .venv/bin/speechmusic segment archive/ --out-dir segments/ --jobs 2      # many recordings (docs/batch.md)
  .venv/bin/speechmusic segment @todo.txt --out-dir segments/ --scheduler tcp://10.0.0.1:8786  # a Dask cluster

formats (--format):
  csv        start,end,label lines after a header line; seconds with 3 decimals
  audacity   start<TAB>end<TAB>label lines (seconds with 6 decimals): an Audacity label track
             (File > Import > Labels...)
  textgrid   a Praat TextGrid (long text format): one interval tier, "labels", covering the
             whole recording
  json       one JSON document: file, model, duration, window, hop, seconds of each label,
             speed, and the segments

Labels: speech (speech over music too), music (singing, rap, choirs, jingles too), noise (neither:
ambience, machinery, weather, applause, tones; for a model that knows it, as the shipped one does)
and silence (quieter than --silence-db). The model's 3-s windows slide over the recording every
--hop seconds; the decisions are smoothed by a hidden Markov model over the labels (Viterbi): a
stretch of music lasts at least 3 s, one of speech, noise or silence at least 4 s (--min-duration
sets them: music=1 keeps 1-s stings), and a switch costs --switch-penalty nats of evidence on
top, so a blip or a short pause does not split a segment, while a 3-s jingle heard as music
does. Each boundary is then refined: it moves to where the sound changes most within 2 s of it
(46-ms steps; the 2 s before and after each candidate compared); --no-refine keeps the one-hop
resolution. The file is read in blocks, so memory does not grow with its length (hours are
fine; refinement reads about 8 s around each boundary again).
Files are written atomically and never over an existing file unless --overwrite is given. A
summary line naming the model goes to stderr unless --quiet. Without --model the default model
shipped with speechmusic is used (docs/model-card.md): it labels speech over a music bed as speech,
the broadcast convention.

With --out-dir DIR: every INPUT (files, folders searched recursively, @LIST files of one path per
line) is segmented into DIR, one file per recording mirroring the inputs' folders, with
DIR/summary.csv (one row per recording: file, status, duration_s, speech_s, music_s, noise_s,
silence_s, segments, seconds_taken, worker, error) and a browsable report, DIR/index.html. A re-run of the same command
skips the recordings whose output is complete and whose input is unchanged, so an interrupted run
resumes. A file that cannot be read is a failed row; the others are still done.

Exit status: 0 on success, 1 when a recording of a batch failed, 2 on an error (message on stderr).
"""


class _MinDurations(argparse.Action):
    """--min-duration LABEL=SECONDS, repeatable: the defaults with each one given applied, as one mapping."""

    def __call__(self, parser, namespace, values, option_string=None):
        label, seconds = values
        setattr(namespace, self.dest, {**getattr(namespace, self.dest), label: seconds})  # a copy: never the default


def add_segmentation_options(parser) -> None:
    """--window, --hop, --switch-penalty, --min-duration, --silence-db, --no-refine: the segmenter's options, the same for ``segment`` and ``listen``.

    Here, not in common.py: common.py must import on a broken installation (the setup checklist).
    """
    parser.add_argument("--window", type=positive_float, default=None, metavar="SECONDS",
                        help="window length in seconds (default: the model's clip length, 3; "
                             "other lengths need a model trained with --features prosody, dynamics or pooled)")
    parser.add_argument("--hop", type=positive_float, default=DEFAULT_HOP, metavar="SECONDS",
                        help="seconds between window starts (rounded to whole 23-ms spectrogram frames)")
    defaults = ", ".join(f"{label} {seconds:g}" for label, seconds in DEFAULT_MIN_DURATIONS.items())
    parser.add_argument("--switch-penalty", type=non_negative_float, default=DEFAULT_SWITCH_PENALTY, metavar="NATS",
                        help=f"evidence (nats) a change of label must earn on top of the minimum durations (seconds: "
                             f"{defaults}); 0 = the minimum durations alone")
    parser.add_argument("--min-duration", dest="min_durations", type=label_seconds, action=_MinDurations,
                        default=dict(DEFAULT_MIN_DURATIONS),
                        metavar="LABEL=SECONDS",
                        help=f"the shortest stretch of LABEL the smoothing keeps, in seconds (rounded to whole hops, at "
                             f"least one); repeat for several labels (default: {defaults}); e.g. music=1 keeps "
                             "1-s stings, speech=0 lets a single hop of speech stand")
    add_silence_floor(parser)
    parser.add_argument("--no-refine", dest="refine", action="store_false",
                        help="keep the boundaries where the smoothing put them (one hop of resolution) instead of "
                             "moving each to the sharpest change of sound within 2 s")


def register(subparsers) -> None:

    parser = subparsers.add_parser(
        "segment",
        help="split a long recording into speech, music, noise and silence segments (CSV, Audacity, TextGrid, "
             "JSON; plot); many recordings with --out-dir",
        description="Split a recording of any length into speech, music, noise and silence segments.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("inputs", type=Path, nargs="+", metavar="INPUT",
                        help="recording to segment; with --out-dir any number of recordings, folders (searched "
                             "recursively) and @LIST files (one path per line)")
    add_model_or_default(parser)
    add_segmentation_options(parser)
    parser.add_argument("--format", choices=tuple(SEGMENT_FORMATS), default=None,
                        help="how the segments are written (default: csv; see below)")
    parser.add_argument("-o", "--output", default=None, metavar="FILE",
                        help="write the segments to FILE ('-' or default: stdout)")
    parser.add_argument("--csv", type=Path, default=None, metavar="FILE",
                        help="the same as --format csv --output FILE")
    parser.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                        help="save a figure: waveform, spectrogram, window probabilities, segment timeline")
    parser.add_argument("--overwrite", action="store_true", help="replace existing --output / --plot files")
    parser.add_argument("--json", action="store_true",
                        help="print the JSON summary with the segments on stdout (then the segments go to "
                             "stdout only in it, or to --output FILE as well)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary line on stderr")
    batch = parser.add_argument_group("many recordings (batch; see docs/batch.md)")
    batch.add_argument("--out-dir", type=Path, default=None, metavar="DIR",
                       help="segment every INPUT into DIR: one file per recording (mirroring the inputs' folders), "
                            "DIR/summary.csv and the report DIR/index.html; a re-run skips what is done")
    batch.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                       help="with --out-dir: segment on N local processes")
    batch.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="with --out-dir: run on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:PORT); "
                            "the workers read the inputs under the same paths (needs speechmusic[cluster])")
    batch.add_argument("--check-content", action="store_true",
                       help="with --out-dir: decide whether an input changed since the last run by its SHA-256 "
                            "(reads it again) instead of its size and modification time")
    parser.set_defaults(func=run)


def output_choice(args: argparse.Namespace) -> tuple[str, Path | None]:
    """``(format, path)`` of the segments' output from the options; path None means stdout.

    With ``--json`` and no ``--output``, the JSON summary on stdout is the only output.
    """
    fmt = args.format
    output = args.output
    if args.csv is not None:
        if output is not None:
            raise ParameterError("give either --csv FILE or --output FILE, not both")
        if fmt not in (None, "csv"):
            raise ParameterError(f"--csv writes CSV; for --format {fmt} use --output FILE")
        fmt, output = "csv", str(args.csv)
    path = None if output in (None, "-") else Path(output)
    if args.json and path is None and fmt not in (None, "json"):
        raise ParameterError(f"--json prints the summary on stdout: write the {fmt} segments to a file (--output FILE)")
    return fmt or "csv", path


def run(args: argparse.Namespace) -> int:
    # Keep freed memory for the next batch of windows instead of giving it back and faulting it in
    # again (glibc): an hour of audio, 8-9 s instead of 9-12 s (core.executor.relax_malloc_trim).
    relax_malloc_trim()
    if args.out_dir is not None:
        return run_batch(args)
    if len(args.inputs) != 1:
        raise ParameterError("segment takes one FILE; for several recordings, folders or @LIST files give "
                             "--out-dir DIR")
    for option, given in (("--jobs", args.jobs != 1), ("--scheduler", args.scheduler is not None),
                          ("--check-content", args.check_content)):
        if given:
            raise ParameterError(f"{option} works with --out-dir DIR (many recordings)")
    args.file = args.inputs[0]
    if args.file.is_dir():
        raise ParameterError(f"{args.file} is a folder: segment takes one recording; to segment every recording in it, "
                             f"add --out-dir DIR")
    fmt, path = output_choice(args)
    refuse_existing(path, args.overwrite, "segments file")
    refuse_existing(args.plot, args.overwrite, "figure")
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        raise ParameterError(f"--plot must end in .png, got {args.plot}")
    classifier = resolve_classifier(args.model)
    result = segment_file(
        args.file,
        classifier,
        window=args.window,
        hop=args.hop,
        switch_penalty=args.switch_penalty,
        min_durations=args.min_durations,
        refine=args.refine,
        overview=args.plot is not None,
        progress=not args.quiet,
        silence_db=args.silence_db,
    )
    about = {"file": str(args.file), "model": classifier.path}
    if path is not None:
        write_segments(result, path, fmt, overwrite=args.overwrite, **about)
    n_segments = counted(len(result.segments), "segment")
    if args.plot is not None:
        # here: loads matplotlib (heavy), only for --plot
        from speechmusic.apps.plots import plot_segmentation, save_figure

        figure = plot_segmentation(result, title=f"{args.file.name}: {n_segments}")
        save_figure(figure, args.plot, overwrite=args.overwrite)
    if args.json:
        print_json({**about, "model_info": classifier.identity(), **result.as_dict(), "format": fmt if path is not None else None,
                    "output": str(path) if path is not None else None,
                    "plot": str(args.plot) if args.plot else None})
    elif path is None:
        write_stdout(format_segments(result, fmt, **about))
    if not args.quiet:
        written = [str(p) for p in (path, args.plot) if p is not None]
        print(classifier.headline(), file=sys.stderr)
        print(
            f"{args.file}: {result.duration:.1f} s, {n_segments} ("
            + ", ".join(f"{label} {result.seconds_of(label):.1f} s" for label in LABEL_NAMES if label in result.labels)
            + "), "
            f"{result.realtime_factor:.0f}x real time" + (f"; wrote {', '.join(written)}" if written else ""),
            file=sys.stderr,
        )
    return 0
