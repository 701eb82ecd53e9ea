"""``speechmusic train``: train the reference logistic regression and save a model file."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND, save_classifier, train_classifier
from speechmusic.commands.common import (
    HelpFormatter,
    add_data_dir,
    counted,
    is_stream,
    non_negative_float,
    non_negative_int,
    positive_float,
    print_json,
    refuse_existing,
)
from speechmusic.core.errors import ParameterError
from speechmusic.core.feature_kinds import FEATURE_KIND_TABLE, FEATURE_KINDS
from speechmusic.data.dataset import load_split, resolve_data_dir, split_labels
from speechmusic.data.splits import recording_groups, validation_mask


def _defaults_table() -> str:
    """One line per feature kind: its training defaults, from the registry of kinds."""
    lines = []
    for name, kind in reversed(FEATURE_KIND_TABLE.items()):
        note = {"flat": "   (the lab's flattened spectrogram)",
                DEFAULT_FEATURE_KIND: "    (the default kind: generalises best to real recordings)"}.get(name, "")
        lines.append(f"  {name + ':':9s} {kind.learning_rate}, {kind.num_iterations}, "
                     f"{'on' if kind.standardize else 'off'}{note}")
    return "\n".join(lines)


EXAMPLES = f"""\
examples:
  .venv/bin/speechmusic train --data-dir data --model model.npz
  .venv/bin/speechmusic train --data-dir data --model flat.npz --features flat
  .venv/bin/speechmusic train --data-dir data --model pooled.npz --features pooled
  .venv/bin/speechmusic train --data-dir data --model model.npz --validation 0.2 --seed 1 --overwrite
  .venv/bin/speechmusic train --data-dir data --model model.npz --iterations 3000 --learning-rate 0.05 --json
  .venv/bin/speechmusic train --data-dir /shared/data --model model.npz --scheduler tcp://10.0.0.5:8786 --dtype float32

Defaults per feature kind (learning rate, iterations, standardisation):
{_defaults_table()}
Only DATA_DIR/train is read: its speech/ and music/ folders, and noise/ (sound that is neither)
when it has one; the model learns the labels it finds. Training is deterministic (zero initial
weights, full-batch gradient descent); --seed only chooses which recordings --validation holds out. An existing model file is
kept unless --overwrite is given (checked before any work). Exit status: 0 on success, 2 on an
error (message on stderr).
"""


def register(subparsers) -> None:

    parser = subparsers.add_parser(
        "train",
        help="train logistic regression on DATA_DIR/train and save a model file",
        description=(
            "Train the reference logistic regression on DATA_DIR/train and save it as a model file\n"
            "(.npz) with everything needed to reproduce its features: sample rate, clip length, mel\n"
            "parameters, normalisation, feature kind, label names and package version."
        ),
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    add_data_dir(parser)
    parser.add_argument("--model", type=Path, required=True, metavar="MODEL", help="model file to write (.npz)")
    parser.add_argument(
        "--features", choices=FEATURE_KINDS[::-1], default=DEFAULT_FEATURE_KIND,
        help="; ".join(f"{name}: {kind.summary}" for name, kind in reversed(FEATURE_KIND_TABLE.items())),
    )
    parser.add_argument("--iterations", type=non_negative_int, default=None, metavar="N",
                        help="gradient-descent steps (default: per feature kind, see below)")
    parser.add_argument("--learning-rate", type=positive_float, default=None, metavar="RATE",
                        help="gradient-descent step size (default: per feature kind)")
    standardize = parser.add_mutually_exclusive_group()
    standardize.add_argument("--standardize", dest="standardize", action="store_true", default=None,
                             help="scale each feature to zero mean, unit variance (default for "
                                  + " and ".join(n for n, k in FEATURE_KIND_TABLE.items() if k.standardize) + ")")
    standardize.add_argument("--no-standardize", dest="standardize", action="store_false",
                             help="use the features as they are (default for "
                                  + " and ".join(n for n, k in FEATURE_KIND_TABLE.items() if not k.standardize) + ")")
    parser.add_argument("--validation", type=non_negative_float, default=0.0, metavar="FRACTION",
                        help="hold out this fraction of the training recordings and report accuracy on them (default: 0, none)")
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="SEED", help="seed of the --validation choice")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing model file")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="precision of the spectrograms in memory: float32 halves it (for a large training "
                             "set; the model itself still trains in float64, so it saves least with --features flat)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="compute the features the cache lacks on a Dask cluster whose scheduler is at "
                             "ADDRESS (tcp://HOST:PORT); its workers must read DATA_DIR by the same path. "
                             "Needs the cluster extra: .venv/bin/pip install -e '.[cluster]'")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or messages on stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if is_stream(args.model):
        raise ParameterError(f"{args.model} is not a regular file: a model must be saved as a file (.npz)")
    refuse_existing(args.model, args.overwrite, "model")
    data_dir = resolve_data_dir(args.data_dir)
    log = (lambda *a: None) if args.quiet or args.json else (lambda *a: print(*a))
    labels = split_labels(data_dir, "train")
    X, y, paths = load_split(data_dir, "train", cache=not args.no_cache, progress=not args.quiet,
                             dtype=np.dtype(args.dtype), scheduler=args.scheduler, labels=labels)
    summary = {
        "model": str(args.model),
        "data_dir": str(data_dir),
        "feature_kind": args.features,
        "n_train": int(len(y)),
        "dtype": args.dtype,
        "labels": list(labels),
        "n_per_class": {name: int(np.sum(y == i)) for i, name in enumerate(labels)},
    }
    validation_accuracy = None
    if args.validation > 0:
        held = validation_mask(y, recording_groups(paths, data_dir), args.validation, args.seed, labels)
        X_fit, y_fit = X[~held], y[~held]
    else:
        held = np.zeros(len(y), dtype=bool)
        X_fit, y_fit = X, y

    start = time.perf_counter()
    classifier = train_classifier(
        X_fit, y_fit,
        feature_kind=args.features,
        learning_rate=args.learning_rate,
        num_iterations=args.iterations,
        standardize=args.standardize,
        class_names=labels,
    )
    seconds = time.perf_counter() - start
    train_accuracy = classifier.score(X_fit, y_fit)
    if held.any():
        validation_accuracy = classifier.score(X[held], y[held])
    model = classifier.model
    summary.update(
        learning_rate=model.learning_rate,
        num_iterations=int(model.num_iterations),
        standardize=bool(model.standardize),
        n_fit=int(len(y_fit)),
        n_validation=int(held.sum()),
        seed=args.seed,
        train_accuracy=train_accuracy,
        validation_accuracy=validation_accuracy,
        final_cost=model.costs_[-1] if model.costs_ else None,
        train_seconds=round(seconds, 3),
    )
    save_classifier(
        classifier,
        args.model,
        overwrite=args.overwrite,
        trained_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **{k: summary[k] for k in ("data_dir", "n_train", "n_fit", "n_validation", "n_per_class", "seed",
                                   "train_accuracy", "validation_accuracy", "train_seconds")},
    )
    if args.json:
        print_json(summary)
    else:
        counts = ", ".join(f"{n} {name}" for name, n in summary["n_per_class"].items())
        log(f"data: {data_dir / 'train'} ({counted(len(y), 'clip')}: {counts})")
        log(
            f"trained {args.features} model: {model.num_iterations} iterations, learning rate {model.learning_rate:g}, "
            f"standardize {'on' if model.standardize else 'off'}, {seconds:.1f} s"
        )
        if summary["final_cost"] is not None:
            log(f"final cost: {summary['final_cost']:.4f}")
        log(f"train accuracy: {100 * train_accuracy:.1f} %  ({counted(len(y_fit), 'clip')})")
        if validation_accuracy is not None:
            log(f"validation accuracy: {100 * validation_accuracy:.1f} %  ({counted(int(held.sum()), 'held-out clip')})")
        log(f"saved {args.model}")
    return 0
