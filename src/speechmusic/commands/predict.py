"""``speechmusic predict``: a label and a probability per label for each recording (and its windows)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm.auto import tqdm

from speechmusic.apps.pipeline import predict_file, resolve_classifier
from speechmusic.commands.common import (
    HelpFormatter,
    add_model_or_default,
    add_silence_floor,
    counted,
    expand_folders,
    positive_float,
    print_json,
    write_stdout,
)
from speechmusic.core.audio import find_audio_files
from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.core.labels import LABEL_NAMES

EXAMPLES = """\
examples:
  .venv/bin/speechmusic predict interview.wav                   # the model shipped with speechmusic
  .venv/bin/speechmusic predict interview.wav --model model.npz
  .venv/bin/speechmusic predict song.mp3 talk.flac recordings/ --model model.npz
  .venv/bin/speechmusic predict podcast.ogg --model model.npz --hop 1 --json > windows.json

Labels: speech (speech over music too), music (singing, rap, choirs, jingles too), noise (neither:
ambience, machinery, weather, applause, tones) and silence (quieter than --silence-db; decided by
the level, not the model). A recording of at most one clip (3 s) gets one label and a probability
per label. A longer one is also labelled window by window (3-s windows every --hop seconds,
non-overlapping by default); its probabilities are then the mean over its windows that are not
silence. A folder stands for every audio file under it. Without --model the default model shipped
with speechmusic is used (docs/model-card.md); its probabilities are calibrated on held-out real
recordings. Text output: a line naming the model, a header line, then per recording its label, a
probability per label of the model and the path, and per window of a long recording its span,
label and probabilities. Exit status: 0 when every file was labelled, 1 when some file could not be
read (the others are still reported), 2 on an error (message on stderr).
"""


def register(subparsers) -> None:

    parser = subparsers.add_parser(
        "predict",
        help="label recordings as speech, music, noise or silence, with a probability per label",
        description="Label each recording (and each window of a long one) as speech, music, noise or silence, "
                    "with the probability of each label.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="recordings (or folders of recordings)")
    add_model_or_default(parser)
    parser.add_argument("--hop", type=positive_float, default=None, metavar="SECONDS",
                        help="seconds between windows of long recordings (default: the clip length)")
    add_silence_floor(parser)
    parser.add_argument("--summary", action="store_true", help="text output: one line per file, no per-window lines")
    parser.add_argument("--json", action="store_true",
                        help="print JSON on stdout: one object per file (a list when several files or a folder are given)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    classifier = resolve_classifier(args.model)
    if args.hop is not None and args.hop > classifier.params.duration:
        raise ParameterError(f"--hop ({args.hop:g} s) must not be longer than the clip ({classifier.params.duration:g} s)")
    files = expand_folders(args.files, find=find_audio_files, what="audio files", unique=True)
    results, failed = [], 0
    for path in tqdm(files, desc="predict", unit="file", disable=args.quiet or len(files) < 3, leave=False):
        try:
            prediction = predict_file(path, classifier, hop=args.hop, silence_db=args.silence_db)
        except AudioError as error:
            failed += 1
            results.append({"file": str(path), "error": str(error)})
            continue
        results.append({**prediction.as_dict(), "model": classifier.path, "model_info": classifier.identity()})
    if args.json:
        # A folder gives a list even when it holds one recording, so scripts see one shape per call.
        print_json(results[0] if len(args.files) == 1 and len(results) == 1 and not args.files[0].is_dir() else results)
    else:
        report = text_report(results, [n for n in LABEL_NAMES if n in classifier.class_names],
                             windows=not args.summary)  # unreadable files: one line each on stderr
        if failed < len(results):  # when every file failed, no model line and no empty table
            write_stdout(classifier.headline() + "\n" + report)
    return 1 if failed else 0


def text_report(results: list[dict], labels=("speech", "music"), *, windows: bool = True) -> str:
    """The text output: a header, one line per recording and, unless ``windows`` is False, one per window.

    ``labels`` are the model's labels, one probability column each. Files that could not be read
    are reported on stderr instead (``error: ...``).

    Examples
    --------
    >>> print(text_report([{"file": "song.flac", "label": "music", "duration": 3.0, "windows": [],
    ...                     "probabilities": {"speech": 0.031, "music": 0.95, "noise": 0.019}}],
    ...                   ("speech", "music", "noise")), end="")
    label    p(speech)  p(music)  p(noise)  file
    music        0.031     0.950     0.019  song.flac
    """
    header = "  ".join(f"{'p(' + name + ')':>9s}" for name in labels)
    lines = [f"{'label':7s}  {header}  file"]
    for r in results:
        if "error" in r:
            print(f"error: {r['error']}", file=sys.stderr)
            continue
        extra = ""
        if r["windows"]:
            counts = {label: sum(w["label"] == label for w in r["windows"]) for label in LABEL_NAMES}
            listed = ", ".join(f"{n} {label}" for label, n in counts.items() if n or label in labels)
            extra = f"  ({r['duration']:.1f} s, {counted(len(r['windows']), 'window')}: {listed})"
        lines.append(f"{r['label']:7s}  {_probabilities(r['probabilities'], labels)}  {r['file']}{extra}")
        if r["windows"] and windows:
            for w in r["windows"]:
                lines.append(f"{w['label']:7s}  {_probabilities(w['probabilities'], labels)}    "
                             f"window {w['start']:.2f}-{w['end']:.2f} s")
    return "\n".join(lines) + "\n"


def _probabilities(values: dict | None, labels) -> str:
    """One column per label, in the columns' width; dashes for silence, which has none."""
    return "  ".join(f"{'-':>9s}" if values is None else f"{values[name]:9.3f}" for name in labels)
