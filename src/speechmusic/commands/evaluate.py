"""``speechmusic evaluate``: score a model file on DATA_DIR/test."""

from __future__ import annotations

import argparse

import numpy as np

from speechmusic.apps.pipeline import resolve_classifier
from speechmusic.commands.common import (
    HelpFormatter,
    add_data_dir,
    add_model_or_default,
    counted,
    non_negative_int,
    print_json,
)
from speechmusic.core.config import CLASS_NAMES
from speechmusic.core.errors import DatasetError
from speechmusic.data.dataset import GET_DATA_HINT, load_split, resolve_data_dir

EXAMPLES = """\
examples:
  .venv/bin/speechmusic evaluate --data-dir data --model model.npz
  .venv/bin/speechmusic evaluate --data-dir real-data                 # the model shipped with speechmusic
  .venv/bin/speechmusic evaluate --data-dir real-data --model model.npz --json > scores.json
  .venv/bin/speechmusic evaluate --data-dir data --model model.npz --json | python3 -c "import json,sys; print(json.load(sys.stdin)['accuracy'])"

Only DATA_DIR/test is read (a train split is not needed): the folders of the model's labels it
has (speech/, music/, and noise/ for a model that knows noise). The features are computed with the
parameters stored in the model file. Without --model the default model shipped
with speechmusic is scored (docs/model-card.md). Exit status: 0 on success, 2 on an error
(message on stderr).
"""


def register(subparsers) -> None:

    parser = subparsers.add_parser(
        "evaluate",
        help="score a model on DATA_DIR/test: accuracy, precision, recall, confusion matrix",
        description="Score a model file on the test split: accuracy, per-class precision and recall, confusion matrix.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    add_data_dir(parser)
    add_model_or_default(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--show-errors", type=non_negative_int, default=10, metavar="N",
                        help="list at most N misclassified files (text output)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, class_names=CLASS_NAMES) -> dict:
    """Accuracy, per-class precision/recall/support and the confusion matrix of label indices into ``class_names``.

    Returns
    -------
    dict
        ``accuracy`` (0-1), ``n``, ``labels`` (class names, in label order), ``confusion``
        (rows: true label, columns: predicted label, in ``labels`` order), ``per_class``
        ({name: {precision, recall, support}}; precision is None when the class was never
        predicted), ``balanced_accuracy`` (mean recall).

    Examples
    --------
    >>> r = classification_report(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
    >>> r["accuracy"], r["confusion"], r["per_class"]["speech"]["precision"]
    (0.75, [[1, 1], [0, 2]], 0.6666666666666666)
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    n = int(y_true.size)
    k = len(class_names)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y_true, y_pred), 1)
    per_class = {}
    for label, name in enumerate(class_names):
        predicted = int(confusion[:, label].sum())
        support = int(confusion[label].sum())
        correct = int(confusion[label, label])
        per_class[name] = {
            "precision": correct / predicted if predicted else None,
            "recall": correct / support if support else None,
            "support": support,
        }
    recalls = [c["recall"] for c in per_class.values() if c["recall"] is not None]
    return {
        "accuracy": float(np.trace(confusion) / n) if n else None,
        "balanced_accuracy": float(np.mean(recalls)) if recalls else None,
        "n": n,
        "labels": list(class_names),
        "confusion": confusion.tolist(),
        "per_class": per_class,
    }


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def run(args: argparse.Namespace) -> int:
    classifier = resolve_classifier(args.model)
    data_dir = resolve_data_dir(args.data_dir)
    names = classifier.class_names
    present = tuple(n for n in names if (data_dir / "test" / n).is_dir())
    if not present:
        raise DatasetError(f"{data_dir / 'test'} has none of the model's label folders ({', '.join(names)}).\n"
                           + GET_DATA_HINT.format(data_dir=data_dir))
    X, y, paths = load_split(data_dir, "test", cache=not args.no_cache, params=classifier.params,
                             dtype=np.float32, progress=not args.quiet, labels=present)
    y = np.array([names.index(n) for n in present], dtype=np.int64)[y]  # as indices of the model's labels
    probabilities = classifier.probabilities(X)
    predicted = classifier.labels_from_probabilities(probabilities)
    report = classification_report(y, predicted, names)
    wrong = np.flatnonzero(predicted != y)
    report.update(
        model=classifier.path,
        model_info=classifier.identity(),
        data_dir=str(data_dir),
        feature_kind=classifier.feature_kind,
        misclassified=[
            {
                "file": str(paths[i]),
                "true": names[int(y[i])],
                "predicted": names[int(predicted[i])],
                "probabilities": {n: round(float(p), 6) for n, p in zip(names, probabilities[i])},
            }
            for i in wrong
        ],
    )
    if args.json:
        print_json(report)
        return 0
    counts = ", ".join(f"{report['per_class'][name]['support']} {name}" for name in present)
    print(classifier.headline())
    print(f"test set: {data_dir / 'test'} ({counted(report['n'], 'clip')}: {counts})")
    print(f"accuracy: {100 * report['accuracy']:.1f} %   (balanced: {100 * report['balanced_accuracy']:.1f} %)")
    print()
    print(f"{'':10s}{'precision':>10s}{'recall':>10s}{'support':>10s}")
    for name in names:
        c = report["per_class"][name]
        print(f"{name:10s}{_fmt(c['precision']):>10s}{_fmt(c['recall']):>10s}{c['support']:>10d}")
    print()
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(f"{'':10s}" + "".join(f"{name:>10s}" for name in names))
    for name, row in zip(names, report["confusion"]):
        print(f"{name:10s}" + "".join(f"{v:>10d}" for v in row))
    if wrong.size and args.show_errors > 0:
        print()
        print(f"misclassified ({wrong.size}):" + ("" if wrong.size <= args.show_errors else f" first {args.show_errors}"))
        for item in report["misclassified"][: args.show_errors]:
            p = item["probabilities"][item["predicted"]]
            print(f"  {item['true']:>6s} -> {item['predicted']:<6s} p({item['predicted']})={p:.3f}  {item['file']}")
    return 0
