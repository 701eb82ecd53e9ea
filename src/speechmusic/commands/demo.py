"""``speechmusic demo``: the main job, offline: data -> features -> logistic regression -> report."""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

from speechmusic.commands.common import HelpFormatter, add_data_dir, counted, non_negative_int, positive_float
from speechmusic.core.audio import is_audio_path
from speechmusic.core.config import CLASS_NAMES, DEFAULT_PARAMS, SPLITS
from speechmusic.core.errors import DatasetError, SpeechMusicError
from speechmusic.core.features import flatten_features, pooled_features
from speechmusic.core.fileio import write_text
from speechmusic.core.model import LogisticRegression
from speechmusic.data.dataset import load_dataset, resolve_data_dir
from speechmusic.data.synth import build_synthetic_dataset

EXAMPLES = """\
examples:
  .venv/bin/speechmusic demo                    # data in ./data (synthetic set made if empty)
  .venv/bin/speechmusic demo --data-dir data --out demo_output
  SPEECHMUSIC_DATA=~/lab-data .venv/bin/speechmusic demo

Outputs in the --out folder: metrics.json, example_spectrograms.png, cost_curve.png, weights.png.
Running the demo again replaces the files an earlier demo run wrote there (metrics.json records
them with their checksums) and nothing else: a file of the same name that the demo did not write,
or that was changed since, is kept and the demo stops before any work (choose another --out, or
add --overwrite to replace it). Exit status: 0 on success, 2 on an error (message on stderr).
"""

#: What the demo writes into its output folder; metrics.json comes last and records the others.
OUTPUT_FIGURES = ("example_spectrograms.png", "cost_curve.png", "weights.png")
METRICS_FILE = "metrics.json"
#: ``metrics.json``'s mark that the demo wrote the folder's outputs.
WRITTEN_BY = "speechmusic demo"


def register(subparsers) -> None:
    
    parser = subparsers.add_parser(
        "demo",
        help="build the offline dataset if needed, train the lab's model, write a report",
        description=(
            "Run the whole lab offline: if the data folder holds no audio yet, generate the synthetic\n"
            "dataset into it; extract mel-spectrogram features; train logistic regression from zero\n"
            "weights by batch gradient descent; print train/test accuracy (and, for comparison, the\n"
            "same model's on time-pooled features); write metrics.json and figures (example\n"
            "spectrograms, cost curve, learned weights) into the output folder."
        ),
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    add_data_dir(parser)
    parser.add_argument("--out", type=Path, default=Path("demo_output"), metavar="DIR",
                        help="folder for metrics.json and the figures")
    parser.add_argument("--iterations", type=non_negative_int, default=2000, metavar="N", help="gradient-descent steps")
    parser.add_argument("--learning-rate", type=positive_float, default=0.005, metavar="RATE",
                        help="gradient-descent step size")
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="SEED",
                        help="seed of the synthetic dataset (when one is generated)")
    parser.add_argument("--overwrite", action="store_true",
                        help="also replace files in --out that an earlier demo run did not write")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")
    parser.set_defaults(func=run)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def earlier_outputs(out: Path) -> dict[str, str]:
    """``{file name: sha256}`` of the outputs an earlier demo run recorded in ``out/metrics.json``.

    Empty when there is no such record (no file, not JSON, or not written by the demo).
    """
    try:
        record = json.loads((Path(out) / METRICS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("written_by") != WRITTEN_BY or not isinstance(record.get("outputs"), dict):
        return {}
    return {str(k): str(v) for k, v in record["outputs"].items()}


def check_output_folder(out: Path, *, overwrite: bool = False) -> list[str]:
    """The demo's outputs already in ``out`` that it may replace; raise if one is not the demo's own.

    A file is the demo's own when an earlier run recorded it in ``metrics.json`` with the same
    sha256 (``metrics.json`` itself: when it carries the demo's mark). With ``overwrite`` every
    existing output may be replaced. Called before any work, so a refusal costs nothing.

    Raises
    ------
    SpeechMusicError
        ``out`` is a file, or holds an output file the demo did not write (or that changed since).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SpeechMusicError(f"{out} is a file: --out must be a folder")
    existing = [name for name in (*OUTPUT_FIGURES, METRICS_FILE) if (out / name).exists()]
    if overwrite or not existing:
        return existing
    recorded = earlier_outputs(out)
    foreign = [
        name for name in existing
        if not (recorded if name == METRICS_FILE else recorded.get(name) == _sha256(out / name))
    ]
    if foreign:
        names = ", ".join(str(out / name) for name in foreign)
        raise SpeechMusicError(
            f"{names} {'exists' if len(foreign) == 1 else 'exist'} and "
            f"{'was' if len(foreign) == 1 else 'were'} not written by an earlier demo run (or changed since): "
            f"choose another folder (--out DIR) or add --overwrite to replace "
            f"{'it' if len(foreign) == 1 else 'them'}"
        )
    return existing


def _has_any_audio(data_dir: Path) -> bool:
    for split in SPLITS:
        for name in CLASS_NAMES:
            folder = data_dir / split / name
            if folder.is_dir() and any(p.is_file() and is_audio_path(p) for p in folder.rglob("*")):
                return True
    return False


# long: the demo's steps in the order they print (data, features, training, report).
def run_demo(
    data_dir: Path | None = None,
    out: Path = Path("demo_output"),
    *,
    iterations: int = 2000,
    learning_rate: float = 0.005,
    seed: int = 0,
    cache: bool = True,
    overwrite: bool = False,
    log=print,
) -> dict:
    """Run the demo and return the metrics it writes to ``out/metrics.json``.

    Files in ``out`` are replaced only when an earlier demo run wrote them (see
    :func:`check_output_folder`), or with ``overwrite``; nothing else in ``out`` is touched.
    """
    from speechmusic.apps import plots  # here: plots loads matplotlib (heavy), which only the demo's figures need

    out = Path(out)
    replaced = check_output_folder(out, overwrite=overwrite)
    data_dir = resolve_data_dir(data_dir)
    timings = {}
    generated = False
    if not _has_any_audio(data_dir):
        log(f"{data_dir} holds no audio yet: generating the synthetic dataset (seed {seed}) ...")
        start = time.perf_counter()
        build_synthetic_dataset(data_dir, n_train=60, n_test=20, seed=seed)
        timings["generate_seconds"] = round(time.perf_counter() - start, 3)
        generated = True

    start = time.perf_counter()
    try:
        train_x, train_y, test_x, test_y, classes = load_dataset(data_dir, cache=cache)
    except DatasetError as error:
        raise DatasetError(f"{error}\n(the demo only generates data into a folder that holds no audio at all)") from None
    timings["features_seconds"] = round(time.perf_counter() - start, 3)
    log(f"data: {data_dir}  train {counted(train_x.shape[0], 'clip')}, test {counted(test_x.shape[0], 'clip')}, "
        f"features {train_x.shape[1:]}")

    model = LogisticRegression(learning_rate=learning_rate, num_iterations=iterations)
    start = time.perf_counter()
    model.fit(flatten_features(train_x), train_y[0])
    timings["train_seconds"] = round(time.perf_counter() - start, 3)
    train_accuracy = model.score(flatten_features(train_x), train_y[0])
    test_accuracy = model.score(flatten_features(test_x), test_y[0])
    log(f"train accuracy: {100 * train_accuracy:.1f} %")
    log(f"test accuracy: {100 * test_accuracy:.1f} %")

    # The same model on time-pooled features (the notebook's bonus exercise and the default of
    # `speechmusic train`), shown next to the lab's result: per-pixel weights cannot tell *when*
    # a sound happens from *what* it is, and with ~100 clips that costs the flat model accuracy
    # that a summary of each mel band over time does not lose. Training it takes milliseconds.
    pooled_model = LogisticRegression(learning_rate=learning_rate, num_iterations=iterations, standardize=True)
    pooled_model.fit(pooled_features(train_x), train_y[0])
    pooled = {
        "train_accuracy": pooled_model.score(pooled_features(train_x), train_y[0]),
        "test_accuracy": pooled_model.score(pooled_features(test_x), test_y[0]),
    }
    log(
        f"(for comparison, the same model on time-pooled features — mean and spread of each mel band, "
        f"standardised: train {100 * pooled['train_accuracy']:.1f} %, test {100 * pooled['test_accuracy']:.1f} %)"
    )

    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "example_spectrograms.png": plots.spectrogram_examples(train_x, train_y[0]),
        "cost_curve.png": plots.cost_curve(model.costs_, learning_rate=learning_rate),
        "weights.png": plots.weights_image(model.coef_),
    }
    for name, figure in figures.items():
        # Only a file checked above may be replaced; one that appeared since is kept (FileExistsError).
        plots.save_figure(figure, out / name, overwrite=name in replaced)
    metrics = {
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "m_train": int(train_x.shape[0]),
        "m_test": int(test_x.shape[0]),
        "learning_rate": learning_rate,
        "num_iterations": iterations,
        "final_cost": model.costs_[-1] if model.costs_ else None,
        "pooled_features": pooled,
        "data_dir": str(data_dir),
        "synthetic_data_generated": generated,
        "feature_params": DEFAULT_PARAMS.as_dict(),
        "timings": timings,
        "written_by": WRITTEN_BY,
        "outputs": {name: _sha256(out / name) for name in figures},
    }
    write_text(out / METRICS_FILE, json.dumps(metrics, indent=2) + "\n", overwrite=METRICS_FILE in replaced)
    if replaced:
        log(f"replaced {', '.join(replaced)} in {out}"
            + (" (written by an earlier demo run)" if not overwrite else " (--overwrite)"))
    log(f"wrote {out / METRICS_FILE}, {', '.join(figures)}")
    return metrics


def run(args: argparse.Namespace) -> int:
    run_demo(
        args.data_dir,
        args.out,
        iterations=args.iterations,
        learning_rate=args.learning_rate,
        seed=args.seed,
        cache=not args.no_cache,
        overwrite=args.overwrite,
    )
    return 0
