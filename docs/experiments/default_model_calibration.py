"""Which calibration should the default model carry? Nested measurement of a few choices.

Every choice is Platt scaling (``p = sigmoid(a z + b)`` on the model's log-odds z) fitted on held-out
log-odds; they differ in *what* held-out data and how it is weighted:

* own: no calibration (a = 1, b = 0);
* clips, per recording: the real clips' leave-one-source-out windows, each recording counting once,
  classes balanced (the literal reading of "Platt on out-of-fold predictions of the real set");
* clips, per window: the same windows, each counting once, classes balanced;
* clips + mixes, per window (the shipped choice): also the calibration mixes (one per speech clip
  over music of a partner source, labelled speech), scored leave-pair-out, classes balanced.

Measured nested, as ``speechmusic build-model`` measures the shipped choice: for each held-out
source (or pair of the mixes) the calibration is fitted without it and applied to it. Cells: expected
calibration error of windows / log loss of windows / ECE of recordings. Then the programmes of
benchmark 9 (4 folds of sources held out) segmented with each choice.

Run from the repository folder (needs ../shared/real-world; about 8 minutes on 2 cores)::

    .venv/bin/python docs/experiments/default_model_calibration.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "real-world"


def main() -> None:
    sys.path.insert(0, str(REPO))
    warnings.simplefilter("ignore")
    from benchmarks import bench_programme as bp
    from speechmusic.apps import default_model as dm
    from speechmusic.apps.calibration import PlattCalibration, expected_calibration_error, fit_platt, log_loss
    from speechmusic.apps.segmentation import segment_signal
    from speechmusic.core.features import to_vectors
    from speechmusic.core.model import sigmoid

    if not (SHARED / "manifest.csv").is_file():
        sys.exit(f"{SHARED} is not present")
    recipe = dm.DEFAULT_RECIPE
    real = dm.load_real_set(SHARED)
    pool = dm.build_pool(real, recipe)
    mixes = dm.calibration_mixes(real, recipe)
    tests = {}
    for c in ("clean", "noisy", "telephone", "snippet"):
        w = dm.condition_windows(real, c)
        tests[c] = (to_vectors(w.features, kind=recipe.feature_kind, params=real.params), w)
    oof = dm.out_of_fold_log_odds(pool, recipe, tests, sources=real.sources)
    mix_z = dm.mix_log_odds(pool, recipe, mixes)
    inner = {}
    for excluded in [[s] for s in real.sources] + [list(p) for p in sorted(set(mixes.pairs))]:
        o = dm.out_of_fold_log_odds(pool, recipe, {"clean": tests["clean"]},
                                    sources=[s for s in real.sources if s not in excluded], exclude=excluded)["clean"]
        inner[tuple(excluded)] = dm.calibration_data(o, mixes, dm.mix_log_odds(pool, recipe, mixes, exclude=excluded))

    def fit(data, *, per_recording, with_mixes):
        keep = np.ones(data.labels.size, bool) if with_mixes else data.kind == "clip"
        z, y = data.log_odds[keep], data.labels[keep]
        w = data.weights[keep].copy() if per_recording else np.ones(int(keep.sum()))
        w[y == 1] *= w[y == 0].sum() / w[y == 1].sum()
        return fit_platt(z, y, sample_weight=w)

    choices = {
        "own (no calibration)": None,
        "clips, per recording": dict(per_recording=True, with_mixes=False),
        "clips, per window": dict(per_recording=False, with_mixes=False),
        "clips + mixes, per window (shipped)": dict(per_recording=False, with_mixes=True),
    }
    print("| Calibration | " + " | ".join(["clean", "noisy", "telephone", "snippet", "speech over music"]) + " |")
    print("|---|---|---|---|---|---|")
    for name, options in choices.items():
        def calibration(key):
            return PlattCalibration(1.0, 0.0) if options is None else fit(inner[key], **options)  # noqa: B023 (used in this iteration)

        cells = []
        sets = []
        for c, (_, w) in tests.items():
            source = np.array([clip.source for clip in w.clips])[w.clip_index]
            z = np.full_like(oof[c].log_odds, np.nan)
            for s in real.sources:
                rows = source == s
                z[rows] = calibration((s,)).log_odds(oof[c].log_odds[rows])
            sets.append((z, np.array([clip.label for clip in w.clips])[w.clip_index], w.clip_index))
        z = np.full_like(mix_z, np.nan)
        for pair in sorted(set(mixes.pairs)):
            rows = np.isin(mixes.mix_index, [i for i, p in enumerate(mixes.pairs) if p == pair])
            z[rows] = calibration(pair).log_odds(mix_z[rows])
        sets.append((z, np.ones(z.size, dtype=int), mixes.mix_index))
        for z, y, index in sets:
            keep = np.isfinite(z)
            p, y, index = sigmoid(z[keep]), y[keep], index[keep]
            counts = np.bincount(index)
            has = counts > 0
            clip_p = (np.bincount(index, weights=p)[has] / counts[has])
            clip_y = (np.bincount(index, weights=y)[has] / counts[has])
            cells.append(f"{expected_calibration_error(p, y):.3f} / {log_loss(p, y):.3f} / "
                         f"{expected_calibration_error(clip_p, clip_y):.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)

    print("\nProgrammes of benchmark 9 (each fold's sources held out), segment defaults:\n")
    print("| Calibration | Time right | Speech alone | Music alone | Speech over music | Boundaries within 1 s |")
    print("|---|---|---|---|---|---|")
    folds = dm.source_folds(real, bp.N_FOLDS)
    programmes = [bp.programmes_of_fold(real, fold, seed=1000 + f) for f, fold in enumerate(folds)]
    for name, options in choices.items():
        tally = bp.Tally()
        for f, fold in enumerate(folds):
            classifier, data = dm.train_recipe(pool, real, recipe, exclude=fold, mixes=mixes)
            classifier.calibration = None if options is None else fit(data, **options)
            for y, parts in programmes[f]:
                result = segment_signal(y, classifier)
                tally.add(parts, [(s.start, s.end, s.label) for s in result.segments])
        print(f"| {name} | {tally.overall():.3f} | {tally.share('speech alone'):.3f} | {tally.share('music alone'):.3f} "
              f"| {tally.mix_share():.3f} | {tally.within()}/{tally.true_boundaries} |", flush=True)


if __name__ == "__main__":
    main()
