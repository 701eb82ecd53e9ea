"""``speechmusic build-model``: rebuild (and measure) the default model shipped with speechmusic."""

from __future__ import annotations

import argparse
import shlex
import sys
import warnings
from pathlib import Path

from speechmusic.apps.default_model import attribution_path, build_default_model
from speechmusic.commands.common import HelpFormatter, is_stream, print_json, refuse_existing
from speechmusic.core.errors import ParameterError
from speechmusic.data.sources.real_world_folder import build_real_world_folder

EXAMPLES = """\
examples:
  .venv/bin/speechmusic build-model --real-world ../shared/real-world \\
      --model src/speechmusic/models/default.npz --report docs/model-card-measurements.md --overwrite
  .venv/bin/speechmusic build-model --download real-world --model default.npz --report measurements.md
  .venv/bin/speechmusic build-model --real-world ../shared/real-world --model /tmp/check.npz --no-measure

The first line is how the shipped model and its measurements are made. On 2 cores the model alone
takes 5-10 minutes (--no-measure), the leave-one-source-out measurements about 10 more, and their
nested calibration hours (--no-nested-calibration leaves it out; the report says so).
The recipe (docs/model-card.md): prosody features (spectral dynamics,
pitch and modulation statistics) of 3-s windows of the real clips (every 1 s), the labels the real
set has (speech, music, and noise from neither/), the synthetic set ('world' preset, seed 0, 60 clips
per label), 380 synthetic music clips with voices or in short forms (a cappella, humming, choir,
rap, jingle), 180 synthetic signals (tones, hum, sweeps, beeps, keypad tones, sirens; half over a
faint hiss) labelled noise, and every speech clip laid over music of two other sources at -5 to -20 dB (labelled
speech); the project's logistic regression (softmax over the labels); a calibration per label
fitted on held-out real data (leave-one-source-out clips, leave-pair-out speech-over-music mixes).
Everything is deterministic: the same folder gives the same weights.

--download fetches the set's originals from their public addresses (pinned commits, checked by
sha256; about 60 MiB or more) into the folder and cuts the clips; Ogg and MP3 clips cut that way
are not byte-identical to the shared copy, so the weights come out close to the shipped ones but
not equal (docs/model-card.md says how close). The measured tables go to --report (Markdown) and
beside it as JSON; the model's credits go beside the model (<name>-ATTRIBUTION.md).
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "build-model",
        help="rebuild the default model (real-world set + synthetic set), calibrate and measure it",
        description="Rebuild the model shipped with speechmusic from the real-world set and the synthetic set, "
                    "calibrate its probabilities on held-out real data, and measure it by leave-one-source-out.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--real-world", type=Path, default=None, metavar="DIR",
                      help="a local copy of the real-world set (manifest.csv, speech/, music/), e.g. ../shared/real-world")
    data.add_argument("--download", type=Path, default=None, metavar="DIR",
                      help="download the set's originals and cut the clips into DIR first (clips already there are kept)")
    parser.add_argument("--mirror", default=None, metavar="BASE_URL",
                        help="with --download: fetch the originals as BASE_URL/<repo>/<commit>/<path>")
    parser.add_argument("--real-world-manifest", type=Path, default=None, help=argparse.SUPPRESS)  # tests: another list
    parser.add_argument("--model", type=Path, required=True, metavar="MODEL",
                        help="model file to write (src/speechmusic/models/default.npz for the shipped one)")
    parser.add_argument("--report", type=Path, default=None, metavar="REPORT.md",
                        help="write the measured tables here (and the same as JSON beside it)")
    parser.add_argument("--no-measure", action="store_true",
                        help="only build the model (same weights), skip the leave-one-source-out measurements")
    parser.add_argument("--no-nested-calibration", action="store_true",
                        help="measure without the nested calibration (an inner leave-one-source-out per "
                             "held-out source and pair: hours on 2 cores); the report says it was not measured")
    parser.add_argument("--synthetic-dir", type=Path, default=None, metavar="DIR",
                        help="generate (or reuse) the synthetic set here instead of a temporary folder")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress or messages on stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.report is not None and args.no_measure:
        raise ParameterError("--report needs the measurements: drop --no-measure")
    if args.no_nested_calibration and args.no_measure:
        raise ParameterError("--no-nested-calibration is part of the measurements: drop --no-measure")
    for path, what in ((args.model, "model"), (attribution_path(args.model), "attribution file"),
                       (args.report, "report"),
                       (args.report.with_suffix(".json") if args.report else None, "report")):
        if path is not None and is_stream(path):
            raise ParameterError(f"{path} is not a regular file")
        refuse_existing(path, args.overwrite, what)
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    folder = args.real_world
    if args.download is not None:
        report = build_real_world_folder(args.download, manifest=args.real_world_manifest, base_url=args.mirror,
                                         progress=not args.quiet, log=say)
        folder = report.folder
    argv = ["speechmusic", "build-model"] + sys.argv[2:] if sys.argv[1:2] == ["build-model"] else []
    with warnings.catch_warnings():
        if args.quiet:
            warnings.simplefilter("ignore")
        result = build_default_model(
            folder, args.model, report=args.report, measure_model=not args.no_measure,
            nested_calibration=not args.no_nested_calibration, overwrite=args.overwrite,
            synthetic_dir=args.synthetic_dir, command=shlex.join(argv) if argv else "", progress=not args.quiet,
            log=say,
        )
    summary = {
        "model": str(result.model_path),
        "attribution": str(result.attribution_path),
        "reports": [str(p) for p in result.report_paths],
        "calibration": result.classifier.calibration.as_dict(),
        "data": result.metadata["data"],
        "seconds": round(result.seconds, 1),
    }
    if result.measurements is not None:
        summary["leave_one_source_out"] = {name: c["summary"]["balanced_accuracy"]
                                           for name, c in result.measurements["conditions"].items()}
    if args.json:
        print_json(summary)
    else:
        say(f"done in {result.seconds:.0f} s")
    return 0
