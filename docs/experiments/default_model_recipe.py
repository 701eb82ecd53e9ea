"""Which training pool should the shipped default model use? Measured by leave-one-source-out.

Variants of the default model's recipe (:mod:`speechmusic.apps.default_model`), each measured the same
way, with no calibration (label = p > 0.5 of the model itself):

* leave-one-source-out (29 folds) on the real clips as they are and on degraded copies of the
  held-out clips (pink noise at 10 dB SNR, telephone, the middle second): clip / window balanced
  accuracy. Everything made from the held-out source (its windows, mixes with it, copies of it)
  is left out of training;
* speech over music, held out: 4 folds of sources (``source_folds``); each fold's speech clips
  laid over its own music clips at -5, -10, -15 and -20 dB, scored by a model trained on the
  other folds: the share of windows labelled speech (the broadcast convention) per level; and the
  same folds' plain clips (speech and music recall of windows), which shows what the mixes cost
  music;
* the programmes of benchmark 9 (same folds), segmented with ``segment``'s defaults by each variant
  trained without the fold and calibrated as the shipped model is (:func:`train_recipe`): share of
  time labelled right, of music-alone time, of speech-over-music time, boundaries within 1 s.

Run from the repository folder (needs ../shared/real-world; about 15 minutes on 2 cores)::

    .venv/bin/python docs/experiments/default_model_recipe.py
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "real-world"
LEVELS = (-5.0, -10.0, -15.0, -20.0)
N_FOLDS = 4


def mix_tests(real, dm, folds, kind):
    """Held-out mixes per fold: every speech clip of the fold over a music clip of the same fold, at each level."""
    from speechmusic.apps.augment import loop_to_length, speech_over_music
    from speechmusic.core.features import to_vectors

    out = []
    for f, fold in enumerate(folds):
        rng = np.random.default_rng([7, f])
        speech = [k for k, c in enumerate(real.clips) if c.source in fold and c.label == 1]
        music = [k for k, c in enumerate(real.clips) if c.source in fold and c.label == 0]
        rows = []
        for k in speech:
            for level in LEVELS:
                j = music[int(rng.integers(len(music)))]
                bed = loop_to_length(real.signals[j], real.signals[k].size, start=int(rng.random() * real.signals[j].size))
                y = speech_over_music(real.signals[k], bed, level, real.params.sample_rate)
                features, silent = dm.signal_windows(y, params=real.params)
                vectors = to_vectors(features[~silent], kind=kind, params=real.params)
                rows.append((level, vectors))
        out.append(rows)
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(REPO / "src"))
    from speechmusic.apps import default_model as dm
    from speechmusic.apps.evaluation import load_synthetic_training_set
    from speechmusic.core.features import to_vectors

    if not (SHARED / "manifest.csv").is_file():
        sys.exit(f"{SHARED} is not present")
    began = time.perf_counter()
    real = dm.load_real_set(SHARED)
    synthetic = load_synthetic_training_set(None, seed=0, n_train=60, params=real.params)
    base = dm.Recipe()
    full = dm.Recipe(noisy_copies=True, telephone_copies=True)
    pools = {
        "full": dm.build_pool(real, full, synthetic=synthetic),
        "mix1": dm.build_pool(real, dataclasses.replace(base, mixes_per_speech_clip=1), synthetic=synthetic),
        "full4": dm.build_pool(real, dataclasses.replace(full, mixes_per_speech_clip=4), synthetic=synthetic),
        "hop3": dm.build_pool(real, dataclasses.replace(base, train_hop=3.0, mixes_per_speech_clip=0,
                                                        synthetic_per_class=0)),
    }
    print(f"pools built in {time.perf_counter() - began:.0f} s", file=sys.stderr)

    def parts(pool, *names):
        return pool.subset(np.isin(pool.part, names))

    variants = {
        "real (3-s hop)": parts(pools["hop3"], "real"),
        "real": parts(pools["full"], "real"),
        "real + synthetic": parts(pools["full"], "real", "synthetic"),
        "real + synthetic + 1 mix/speech clip": parts(pools["mix1"], "real", "synthetic", "mix"),
        "real + synthetic + 2 mixes/speech clip": parts(pools["full"], "real", "synthetic", "mix"),
        "... + noisy copies": parts(pools["full"], "real", "synthetic", "mix", "noisy"),
        "... + telephone copies": parts(pools["full"], "real", "synthetic", "mix", "telephone"),
        "... + noisy and telephone copies": pools["full"],
        "real + synthetic + 4 mixes/speech clip + noisy and telephone copies": pools["full4"],
    }
    conditions = ("clean", "noisy", "telephone", "snippet")
    tests = {}
    for c in conditions:
        windows = dm.condition_windows(real, c)
        tests[c] = (to_vectors(windows.features, kind="dynamics", params=real.params), windows)
    folds = dm.source_folds(real, N_FOLDS)
    mixes = mix_tests(real, dm, folds, "dynamics")
    clean_vectors, clean_windows = tests["clean"]
    clip_source = np.array([c.source for c in real.clips])[clean_windows.clip_index]
    window_label = np.array([c.label for c in real.clips])[clean_windows.clip_index]

    header = (["variant", "examples"] + [f"LOSO {c}" for c in conditions]
              + [f"mix {int(level)} dB" for level in LEVELS] + ["fold speech", "fold music"]
              + ["programmes: time right", "music alone", "speech over music", "boundaries ≤ 1 s"])
    sys.path.insert(0, str(REPO))
    from benchmarks import bench_programme as bp
    from speechmusic.apps.segmentation import segment_signal

    programmes = [bp.programmes_of_fold(real, fold, seed=1000 + f) for f, fold in enumerate(folds)]
    calibration_mixes = dm.calibration_mixes(real, base)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, pool in variants.items():
        started = time.perf_counter()
        oof = dm.out_of_fold_log_odds(pool, base, tests, sources=real.sources)
        cells = []
        for c in conditions:
            s = dm.scores_from_log_odds(oof[c].log_odds, oof[c].windows)
            cells.append(f"{s.balanced_accuracy():.3f} / {s.window_balanced_accuracy():.3f}")
        by_level = {level: [] for level in LEVELS}
        speech_right, music_right = [], []
        for fold, rows in zip(folds, mixes):
            model = dm.fit_pool(pool, base, exclude=fold)
            for level, vectors in rows:
                by_level[level].append(model.decision_function(vectors) > 0)
            inside = np.isin(clip_source, fold) & ~clean_windows.silent
            verdict = model.decision_function(clean_vectors[inside]) > 0
            speech_right.append(verdict[window_label[inside] == 1])
            music_right.append(~verdict[window_label[inside] == 0])
        cells += [f"{np.concatenate(by_level[level]).mean():.3f}" for level in LEVELS]
        cells += [f"{np.concatenate(speech_right).mean():.3f}", f"{np.concatenate(music_right).mean():.3f}"]
        tally = bp.Tally()
        for f, fold in enumerate(folds):
            classifier, _ = dm.train_recipe(pool, real, base, exclude=fold, mixes=calibration_mixes)
            for y, parts in programmes[f]:
                result = segment_signal(y, classifier)
                tally.add(parts, [(s.start, s.end, s.label) for s in result.segments])
        cells += [f"{tally.overall():.3f}", f"{tally.share('music alone'):.3f}", f"{tally.mix_share():.3f}",
                  f"{tally.within()}/{tally.true_boundaries}"]
        print("| " + " | ".join([name, str(len(pool.labels))] + cells) + " |", flush=True)
        print(f"  ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    print(f"\nfolds: {folds}\ntotal {time.perf_counter() - began:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
