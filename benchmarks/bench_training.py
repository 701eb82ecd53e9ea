"""Benchmark 2: training the reference model vs scikit-learn on the same features.

The lab's setting: :class:`speechmusic.core.model.LogisticRegression` with 2,000 full-batch gradient
steps, learning rate 0.005, on flattened spectrograms (120 training clips x 16,640 values,
float64). Baseline: ``sklearn.linear_model.LogisticRegression`` with its defaults (L-BFGS, L2
penalty ``C=1``), on the same matrices. The reference model is also timed with the BLAS limited
to one thread, and both again while a separate process keeps one core busy: on a busy machine a
two-thread BLAS can be much slower than one thread (its threads wait for each other and a core).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import build_dataset
from .machine import busy_core
from .report import Section, Target, interleaved, ratio, seconds, timed

TARGET_SECONDS = 3.0


def load_features(data_dir: Path):
    """Flattened and pooled features of both splits, and labels (cache on: not what is timed here)."""
    from speechmusic.core.features import flatten_features, pooled_features
    from speechmusic.data.dataset import load_dataset

    train_x, train_y, test_x, test_y, _ = load_dataset(data_dir, progress=False)
    return {
        "flat": (flatten_features(train_x), flatten_features(test_x)),
        "pooled": (pooled_features(train_x), pooled_features(test_x)),
        "y": (train_y.ravel(), test_y.ravel()),
    }


def run(work_dir: Path, *, quick: bool = False, kind: str = "synthetic", per_class: tuple[int, int] = (60, 20),
        num_iterations: int = 2000, repeats: int | None = None, contention: bool = True) -> Section:
    """Benchmark 2 on ``per_class`` (train, test) clips per class (default: 120 train, 40 test)."""
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from speechmusic.core.model import LogisticRegression

    repeats = repeats or (1 if quick else 3)
    data_dir = Path(work_dir) / "features-small"
    used = build_dataset(data_dir, n_train=per_class[0], n_test=per_class[1], kind=kind)
    f = load_features(data_dir)
    y_train, y_test = f["y"]
    X_train, X_test = f["flat"]

    def ours(standardize=False, X=(X_train, X_test)):
        return LogisticRegression(learning_rate=0.005, num_iterations=num_iterations,
                                  standardize=standardize).fit(X[0], y_train)

    rows = []

    def add(name, features, fit, fitted_seconds, model, baseline_seconds=None):
        Xtr, Xte = f[features]
        rows.append([name, features, f"{Xtr.shape[0]} × {Xtr.shape[1]}", seconds(fitted_seconds),
                     ratio(baseline_seconds / fitted_seconds) if baseline_seconds else "–",
                     f"{model.score(Xtr, y_train):.3f}", f"{model.score(Xte, y_test):.3f}"])

    ours()  # warm-up: first BLAS calls, page faults of the matrix

    def ours_one_thread():
        with threadpool_limits(1, user_api="blas"):
            return ours()

    best, last = interleaved({"ours": ours, "one": ours_one_thread}, repeats)
    (t_ours, model), (t_one, model_one) = (best["ours"], last["ours"]), (best["one"], last["one"])
    t_sk, sk = timed(lambda: SkLogisticRegression(max_iter=1000).fit(X_train, y_train), repeats)
    add(f"speechmusic LogisticRegression ({num_iterations} it., lr 0.005)", "flat", None, t_ours, model, t_sk)
    add("  same, BLAS limited to 1 thread", "flat", None, t_one, model_one, t_sk)
    if contention:
        # A learner's laptop is rarely idle: the same fits while another program keeps one core busy.
        with busy_core():
            busy, _ = interleaved({"ours": ours, "one": ours_one_thread}, 1)
        add("  same, 2 BLAS threads, one core kept busy by another program", "flat", None, busy["ours"], model, t_sk)
        add("  same, 1 BLAS thread, one core kept busy by another program", "flat", None, busy["one"], model_one, t_sk)
    add("scikit-learn LogisticRegression (lbfgs, C=1)", "flat", None, t_sk, sk, t_sk)

    Xp = f["pooled"]
    t_pool, pooled = timed(lambda: ours(standardize=True, X=Xp), repeats)
    t_skp, skp = timed(lambda: make_pipeline(StandardScaler(), SkLogisticRegression(max_iter=1000)).fit(Xp[0], y_train),
                       repeats)
    add(f"speechmusic, standardize=True ({num_iterations} it.)", "pooled", None, t_pool, pooled, t_skp)
    add("scikit-learn StandardScaler + LogisticRegression", "pooled", None, t_skp, skp, t_skp)

    section = Section(title="2. Training: reference model vs scikit-learn",
                      headers=["Model", "Features", "Train matrix", "Fit time", "vs scikit-learn",
                               "Train acc.", "Test acc."], rows=rows)
    lab_shape = X_train.shape == (120, 16640) and num_iterations == 2000
    section.targets = [Target(f"fit {X_train.shape[0]} × {X_train.shape[1]}, {num_iterations} iterations",
                              f"≤ {TARGET_SECONDS:g} s on 2 cores" + ("" if lab_shape else " (at the lab's size)"),
                              seconds(t_ours), (t_ours <= TARGET_SECONDS) if lab_shape else None)]
    agree = float(np.mean(model.predict(X_test) == sk.predict(X_test)))
    section.notes += [
        f"Features from {used} clips (3 s), computed once with load_dataset (not timed here); float64.",
        f"Times: best of {repeats} fits after one warm-up fit (the two reference-model rows alternate). "
        "'vs scikit-learn' > 1 means faster than scikit-learn on the same features.",
        f"Test predictions of the reference model and scikit-learn agree on {agree:.0%} of test clips.",
    ]
    return section
