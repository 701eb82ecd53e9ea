"""Boundary refinement settings, the switch penalty, and the boundaries still missed, on benchmark 9's programmes.

Usage::

    .venv/bin/python docs/experiments/boundary_refinement.py --work /tmp/refine [--mode sweep|penalty|missed]

Builds benchmark 9's programmes (``benchmarks/bench_programme.py``: parts of the clips of
``../shared/real-world``, speech over music at -5 to -20 dB, hard cuts) and trains, per fold of
sources, the default recipe without the fold's sources (cached in ``--work``), then segments
every programme:

* ``sweep``: refinement off, and on with each search radius (1, 1.5, 2 s) and context on each
  side of a candidate (1, 1.5, 2, 3 s);
* ``penalty``: switch penalties 2 to 6, refined (the defaults) and not;
* ``missed``: lists every true boundary not found within 1 s, with the parts on its two sides.

Skips (exit 0 with a message) when the shared set is absent. Results (2026-12-02, branch
``bounds``): docs/commands.md, ``segment``, "How it works" step 5.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import bench_programme as bp  # noqa: E402
from benchmarks.bench_loso import REAL_WORLD, have_real_world  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the synthetic set and the fold models")
    parser.add_argument("--mode", choices=("sweep", "penalty", "missed"), default="sweep")
    parser.add_argument("--real-world", type=Path, default=REAL_WORLD)
    args = parser.parse_args()
    if not have_real_world(args.real_world):
        print(f"{args.real_world} is not present: nothing to measure")
        return 0
    import speechmusic.apps.segmentation as seg
    from speechmusic.apps import default_model as dm
    from speechmusic.apps.evaluation import load_synthetic_training_set

    args.work.mkdir(parents=True, exist_ok=True)
    real = dm.load_real_set(args.real_world)
    folds = dm.source_folds(real, bp.N_FOLDS)
    programmes = [bp.programmes_of_fold(real, fold, seed=1000 + f) for f, fold in enumerate(folds)]
    cache = args.work / "fold-models.pkl"
    if cache.exists():
        models = pickle.loads(cache.read_bytes())
    else:
        recipe = dataclasses.replace(dm.DEFAULT_RECIPE, synthetic_per_class=bp.SYNTHETIC_PER_CLASS)
        synthetic = load_synthetic_training_set(args.work / "synthetic-seed0", seed=recipe.synthetic_seed,
                                                n_train=bp.SYNTHETIC_PER_CLASS, params=real.params)
        pool = dm.build_pool(real, recipe, synthetic=synthetic)
        mixes = dm.calibration_mixes(real, recipe)
        models = {f: dm.train_recipe(pool, real, recipe, exclude=fold, mixes=mixes)[0]
                  for f, fold in enumerate(folds) if programmes[f]}
        cache.write_bytes(pickle.dumps(models))

    def run(label: str, missed: bool = False, **options) -> None:
        tally, began = bp.Tally(), time.perf_counter()
        for f, items in enumerate(programmes):
            for y, parts in items:
                segments = [(s.start, s.end, s.label) for s in seg.segment_signal(y, models[f], **options).segments]
                tally.add(parts, segments)
                if missed:
                    found = bp.boundaries(segments)
                    for when, direction in bp.boundaries(bp.truth_segments(parts)):
                        errors = [abs(t - when) for t, d in found if d == direction]
                        if not errors or min(errors) > bp.BOUNDARY_TARGET_SECONDS:
                            before = next(p for p in parts if abs(p.end - when) < 1e-6)
                            after = next(p for p in parts if abs(p.start - when) < 1e-6)
                            print(f"  {direction} at {when:.1f} s (nearest found: "
                                  f"{min(errors) if errors else float('nan'):.1f} s): {before.condition} "
                                  f"({before.end - before.start:.1f} s) -> {after.condition} "
                                  f"({after.end - after.start:.1f} s)")
        median = np.median(tally.errors) if tally.errors else float("nan")
        print(f"{label:36s} time right {tally.overall():.3f}, speech over music {tally.mix_share():.3f}, "
              f"within 1 s {tally.within()}/{tally.true_boundaries} (0.5 s: {tally.within(0.5)}), "
              f"median {median:.2f} s, missed {tally.missed}, spurious {tally.spurious} "
              f"({time.perf_counter() - began:.0f} s)", flush=True)

    if args.mode == "missed":
        run("defaults", missed=True)
    elif args.mode == "penalty":
        for penalty in (2.0, 3.0, 4.0, 5.0, 6.0):
            run(f"penalty {penalty:g}, refined", switch_penalty=penalty)
            run(f"penalty {penalty:g}, not refined", switch_penalty=penalty, refine=False)
    else:
        run("not refined", refine=False)
        defaults = seg.DEFAULT_REFINE_RADIUS, seg.REFINE_CONTEXT
        for radius in (1.0, 1.5, 2.0):
            for context in (1.0, 1.5, 2.0, 3.0):
                seg.DEFAULT_REFINE_RADIUS, seg.REFINE_CONTEXT = radius, context
                run(f"radius {radius:g} s, context {context:g} s")
        seg.DEFAULT_REFINE_RADIUS, seg.REFINE_CONTEXT = defaults
    return 0


if __name__ == "__main__":
    sys.exit(main())
