"""The model shipped with speechmusic: its recipe, its rebuild, and its measurement.

``speechmusic predict FILE`` and ``speechmusic segment FILE`` use, when no ``--model`` is given,
the model file shipped inside the package (``speechmusic/models/default.npz``). This module is
how that file is made and measured; ``speechmusic build-model`` runs it:

1. **Data.** The real-world set (a folder laid out like ``../shared/real-world``: 124 clips, 62
   speech and 62 music, from 29 public repositories; or the same built from the originals by
   :func:`speechmusic.data.sources.real_world.build_real_world_folder`) and the synthetic set
   (:mod:`speechmusic.data.synth`, seed and size in :class:`Recipe`).
2. **Augmentation** (:mod:`speechmusic.apps.augment`), built from the real clips only and always
   deterministically: each speech clip laid over music clips of *other* sources at -5, -10, -15
   and -20 dB, labelled speech (speech over a music bed is speech, as broadcast segmenters label
   it); optionally noisy and telephone copies (:class:`Recipe` says which are used).
3. **Training**: the project's logistic regression on ``dynamics`` features of 3-s windows
   (``speechmusic train``'s settings for the kind), every window of every part of the pool.
4. **Calibration**: Platt scaling (:mod:`speechmusic.apps.calibration`) fitted on held-out log-odds:
   the real clips scored leave-one-source-out (each source's windows by a model trained without
   that source) and calibration mixes of speech over music scored leave-pair-out (each by a model
   trained without both of its sources), so the two numbers describe the model's confidence on
   recordings it has never heard (:func:`train_recipe`, :class:`CalibrationData`).

Every training example remembers which sources it was made from (a mix: two), so a model that
must not have heard a source is trained without everything made from it (:meth:`Pool.without`):
the measurements below hold out a source's clips *and* the mixes and copies made from them.

Measurement (:func:`measure`): leave-one-source-out (29 folds) of the whole recipe on the real
clips as they are and on degraded copies (pink noise at 10 dB SNR, telephone, the middle second),
per category and language, and the calibration mixes leave-pair-out; and the calibration measured
*nested*: for each held-out source (or pair) the calibration itself is fitted exactly as above on
the other sources only, then judged on the held-out recordings (reliability tables and expected
calibration error, window and clip level, before and after).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from speechmusic.apps.augment import TEST_CONDITIONS, add_noise, degrade, loop_to_length, seed_of, speech_over_music, telephone
from speechmusic.apps.calibration import (
    PlattCalibration, brier_score, expected_calibration_error, fit_platt, log_loss, reliability_table,
)
from speechmusic.core.config import CLASS_NAMES, DEFAULT_PARAMS, LABELS, FeatureParams
from speechmusic.core.errors import DatasetError, ParameterError
from speechmusic.apps.evaluation import ClipInfo, ClipScores, ClipWindows, clip_probabilities, fit_vectors
from speechmusic.core.features import to_vectors

#: The credits file written beside a model file: ``<stem>-ATTRIBUTION.md``.
ATTRIBUTION_SUFFIX = "-ATTRIBUTION.md"
#: Name of the measurement on the calibration mixes (speech over music, scored leave-pair-out).
MIX_CONDITION = "speech over music"
#: Name recorded in the shipped model file (``model_name``), shown by predict/segment/evaluate.
DEFAULT_MODEL_NAME = "speechmusic default model"


@dataclass(frozen=True)
class Recipe:
    """How the default model is trained (stored in the model file, so a file says how it was made).

    Attributes
    ----------
    feature_kind : str
        Feature vectors (:func:`speechmusic.core.features.to_vectors`).
    train_hop : float
        Seconds between the starts of the 3-s training windows cut from real clips and their
        copies (windows at 1 s give three times as many, overlapping, views of each clip).
    synthetic_seed, synthetic_per_class : int
        The synthetic set's seed and training clips per class (``download_samples.py --source
        synthetic`` makes seed 0, 60 per class).
    mixes_per_speech_clip : int
        Speech-over-music mixes made from each real speech clip (0: none).
    mix_levels_db : tuple of float
        Music level relative to the speech in the mixes, used in turn.
    noisy_copies, telephone_copies : bool
        Add a noisy copy (white or brown noise, SNR drawn from ``copy_snr_db``) / a telephone copy
        (8 kHz, 300-3400 Hz) of every real clip, with the clip's label (measured, not used by the
        shipped model: docs/model-card.md).
    copy_snr_db : (float, float)
        Range of the noisy copies' SNR.
    seed : int
        Seed of the augmentation choices (which music under which speech, offsets, noise).
    """

    feature_kind: str = "dynamics"
    train_hop: float = 1.0
    synthetic_seed: int = 0
    synthetic_per_class: int = 60
    mixes_per_speech_clip: int = 2
    mix_levels_db: tuple = (-5.0, -10.0, -15.0, -20.0)
    noisy_copies: bool = False
    telephone_copies: bool = False
    copy_snr_db: tuple = (5.0, 20.0)
    seed: int = 0

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, record: dict) -> "Recipe":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in record.items() if k in names})


#: The recipe of the shipped model.
DEFAULT_RECIPE = Recipe()


# --------------------------------------------------------------------------------- real clips

@dataclass
class RealSet:
    """The real clips of a clip folder, decoded once.

    Attributes
    ----------
    clips : list of ClipInfo
    signals : list of np.ndarray
        Each clip, mono float32 at ``params.sample_rate``.
    rows : list of dict
        Each clip's manifest row (licence and attribution when the manifest has them).
    test : ClipWindows
        The clips cut into windows exactly as ``predict`` cuts them (3 s, non-overlapping, one more
        aligned with the end): what every measurement scores.
    root : Path
    manifest_sha256 : str
        Of the folder's ``manifest.csv`` ("" without one).
    """

    clips: list[ClipInfo]
    signals: list[np.ndarray]
    rows: list[dict]
    test: ClipWindows
    root: Path
    manifest_sha256: str = ""
    params: FeatureParams = DEFAULT_PARAMS

    @property
    def sources(self) -> list[str]:
        """The sources, sorted."""
        return sorted({c.source for c in self.clips})


def load_real_set(root: str | os.PathLike, *, params: FeatureParams = DEFAULT_PARAMS) -> RealSet:
    """Decode every clip of a clip folder (``manifest.csv``, ``speech/``, ``music/``) once.

    Raises
    ------
    DatasetError
        The folder is missing, has no manifest, or a class has no readable clip.
    """
    from speechmusic.core.audio import decode
    from speechmusic.apps.evaluation import MANIFEST_NAME, _find_recordings, load_clip_windows

    root = Path(root)
    if not (root / MANIFEST_NAME).is_file():
        raise DatasetError(
            f"{root}: no {MANIFEST_NAME}; give the real-world folder (../shared/real-world, or one built with "
            "--download), which names each clip's source"
        )
    test = load_clip_windows(root, params=params)
    by_id = {row["id"]: row for row in _find_recordings(root)}
    signals, rows = [], []
    for clip in test.clips:
        signals.append(decode(clip.path, sample_rate=params.sample_rate))
        rows.append({k: v for k, v in by_id[clip.id].items() if k != "path"})
    digest = hashlib.sha256((root / MANIFEST_NAME).read_bytes()).hexdigest()
    return RealSet(clips=list(test.clips), signals=signals, rows=rows, test=test, root=root,
                   manifest_sha256=digest, params=params)


def signal_windows(y: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS,
                   hop: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Spectrograms of the 3-s windows of a signal in memory and which of them are digital silence.

    ``hop`` None places windows as ``predict`` does (every clip length, one more aligned with the
    end); a number places them every ``hop`` seconds (rounded to spectrogram frames).
    """
    from speechmusic.apps.windows import SlidingWindows, hop_in_samples

    hop_samples = hop_in_samples(params.duration, params, align=False) if hop is None else hop_in_samples(hop, params)
    parts = [batch.features for batch in SlidingWindows([np.asarray(y, dtype=np.float32)], params=params,
                                                         hop_samples=hop_samples)]
    features = np.concatenate(parts) if parts else np.empty((0, *params.shape), dtype=np.float32)
    silent = ~features.reshape(features.shape[0], -1).any(axis=1)
    return features, silent


def condition_windows(real: RealSet, condition: str) -> ClipWindows:
    """The real clips in a test condition (:data:`speechmusic.apps.augment.TEST_CONDITIONS`), cut as ``predict`` cuts them."""
    from speechmusic.core.audio import resample

    if condition == "clean":
        return real.test
    params = real.params
    features, index = [], []
    for k, (clip, y) in enumerate(zip(real.clips, real.signals)):
        z, sr, _ = degrade(y, params.sample_rate, condition, key=clip.id)
        if sr != params.sample_rate:
            z = resample(z, orig_sr=sr, target_sr=params.sample_rate)
        f, _ = signal_windows(z, params=params)
        features.append(f)
        index.append(np.full(len(f), k, dtype=np.int64))
    features = np.concatenate(features)
    silent = ~features.reshape(features.shape[0], -1).any(axis=1)
    return ClipWindows(features=features, clip_index=np.concatenate(index), silent=silent, clips=list(real.clips),
                       params=params)


# --------------------------------------------------------------------------------- the pool

@dataclass
class Pool:
    """Every training example of the recipe, as feature vectors, with where it came from.

    Attributes
    ----------
    vectors : np.ndarray
        ``(n, n_features)`` float64.
    labels : np.ndarray
        ``(n,)`` 0 music, 1 speech.
    part : np.ndarray
        ``(n,)`` str: ``"real"``, ``"mix"``, ``"noisy"``, ``"telephone"`` or ``"synthetic"``.
    source_a, source_b : np.ndarray
        ``(n,)`` str: the real sources the example was made from ("" for none; a mix has its
        speech's source in ``source_a`` and its music's in ``source_b``).
    """

    vectors: np.ndarray
    labels: np.ndarray
    part: np.ndarray
    source_a: np.ndarray
    source_b: np.ndarray

    def without(self, sources: Sequence[str] = ()) -> np.ndarray:
        """Mask of the examples made from none of ``sources``."""
        sources = np.asarray(sorted(set(sources)), dtype=str)
        if sources.size == 0:
            return np.ones(self.labels.size, dtype=bool)
        return ~(np.isin(self.source_a, sources) | np.isin(self.source_b, sources))

    def subset(self, mask: np.ndarray) -> "Pool":
        """The examples where ``mask`` is True."""
        return Pool(vectors=self.vectors[mask], labels=self.labels[mask], part=self.part[mask],
                    source_a=self.source_a[mask], source_b=self.source_b[mask])

    def counts(self) -> dict:
        """Examples per part and class: ``{part: {"speech": n, "music": n}}``."""
        return {str(p): {name: int(np.sum((self.part == p) & (self.labels == i))) for i, name in enumerate(CLASS_NAMES)}
                for p in dict.fromkeys(self.part.tolist())}


def plan_mixes(real: RealSet, recipe: Recipe) -> list[dict]:
    """Which music goes under which speech clip, at which level and offset (deterministic).

    Each speech clip gets ``recipe.mixes_per_speech_clip`` mixes, with music clips drawn from
    *other* sources (so holding out one source never leaves half of a mix in training), the levels
    of ``recipe.mix_levels_db`` in turn and a random start in the music.
    """
    rng = np.random.default_rng([recipe.seed, 1])
    music = [k for k, c in enumerate(real.clips) if c.label == LABELS["music"]]
    plan, turn = [], 0
    for i, clip in enumerate(real.clips):
        if clip.label != LABELS["speech"]:
            continue
        candidates = [k for k in music if real.clips[k].source != clip.source]
        for _ in range(recipe.mixes_per_speech_clip if candidates else 0):
            j = candidates[int(rng.integers(len(candidates)))]
            level = float(recipe.mix_levels_db[turn % len(recipe.mix_levels_db)])
            turn += 1
            plan.append({"speech": i, "music": j, "level_db": level, "offset": float(rng.random())})
    return plan


def mix_signal(real: RealSet, item: dict) -> np.ndarray:
    """The mix of :func:`plan_mixes` item ``item``: the speech clip over its music, for the speech's length."""
    speech = real.signals[item["speech"]]
    music = real.signals[item["music"]]
    bed = loop_to_length(music, speech.size, start=int(item["offset"] * music.size))
    return speech_over_music(speech, bed, item["level_db"], real.params.sample_rate)


def _copies(real: RealSet, recipe: Recipe):
    """(part, clip index, signal) of the noisy and telephone training copies the recipe asks for."""
    from speechmusic.core.audio import resample

    sr = real.params.sample_rate
    for k, (clip, y) in enumerate(zip(real.clips, real.signals)):
        if recipe.noisy_copies:
            rng = np.random.default_rng([recipe.seed, 2, seed_of(clip.id)])
            snr = float(rng.uniform(*recipe.copy_snr_db))
            # White or brown noise: deliberately not the pink noise of the "noisy" test condition.
            yield "noisy", k, add_noise(y, snr, rng, exponent=float(rng.choice([0.0, 2.0])))
        if recipe.telephone_copies:
            z, rate = telephone(y, sr)
            yield "telephone", k, resample(z, orig_sr=rate, target_sr=sr)


def build_pool(
    real: RealSet,
    recipe: Recipe = DEFAULT_RECIPE,
    *,
    synthetic: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool = False,
) -> Pool:
    """Every training example of ``recipe``: real windows, mixes, copies and the synthetic set.

    Parameters
    ----------
    real : RealSet
    recipe : Recipe
    synthetic : (spectrograms, labels) or None
        The synthetic set's training clips; None generates them (:func:`speechmusic.apps.evaluation.
        load_synthetic_training_set` with the recipe's seed and size, in a temporary folder).
    progress : bool
        Progress bars while generating and computing features.
    """
    from tqdm.auto import tqdm

    params = real.params
    kind = recipe.feature_kind
    vectors, labels, parts, source_a, source_b = [], [], [], [], []

    def add(spectrograms, silent, label, part, a="", b=""):
        keep = ~silent
        if not keep.any():
            return
        vectors.append(to_vectors(spectrograms[keep], kind=kind, params=params))
        n = int(keep.sum())
        labels.append(np.full(n, label, dtype=np.int64))
        parts.append(np.full(n, part, dtype=object))
        source_a.append(np.full(n, a, dtype=object))
        source_b.append(np.full(n, b, dtype=object))

    jobs = [("real", k, None) for k in range(len(real.clips))]
    jobs += [("mix", item["speech"], item) for item in plan_mixes(real, recipe)]
    copies = list(_copies(real, recipe))
    for part, k, item in tqdm(jobs + [(p, k, y) for p, k, y in copies], desc="training windows", unit="clip",
                              disable=not progress, leave=False):
        clip = real.clips[k]
        if part == "real":
            y = real.signals[k]
            add(*signal_windows(y, params=params, hop=recipe.train_hop), clip.label, part, clip.source)
        elif part == "mix":
            y = mix_signal(real, item)
            add(*signal_windows(y, params=params, hop=recipe.train_hop), LABELS["speech"], part, clip.source,
                real.clips[item["music"]].source)
        else:
            add(*signal_windows(item, params=params, hop=recipe.train_hop), clip.label, part, clip.source)
    if recipe.synthetic_per_class > 0:
        if synthetic is None:
            from speechmusic.apps.evaluation import load_synthetic_training_set

            synthetic = load_synthetic_training_set(None, seed=recipe.synthetic_seed,
                                                    n_train=recipe.synthetic_per_class, params=params,
                                                    progress=progress)
        X, y = synthetic
        X = np.asarray(X)
        silent = ~X.reshape(X.shape[0], -1).any(axis=1)
        for label in (0, 1):
            rows = np.asarray(y).reshape(-1) == label
            add(X[rows], silent[rows], label, "synthetic")
    return Pool(vectors=np.concatenate(vectors), labels=np.concatenate(labels),
                part=np.concatenate(parts).astype(str), source_a=np.concatenate(source_a).astype(str),
                source_b=np.concatenate(source_b).astype(str))


# --------------------------------------------------------------------------------- training

def fit_pool(pool: Pool, recipe: Recipe, *, exclude: Sequence[str] = ()):
    """The recipe's logistic regression on every example of ``pool`` not made from ``exclude``."""
    keep = pool.without(exclude)
    y = pool.labels[keep]
    if len(np.unique(y)) < 2:
        raise DatasetError("the training examples left hold only one class")
    return fit_vectors(pool.vectors[keep], y, feature_kind=recipe.feature_kind)


def _test_vectors(windows: ClipWindows, kind: str) -> np.ndarray:
    return to_vectors(windows.features, kind=kind, params=windows.params)


@dataclass
class OutOfFold:
    """Log-odds of every test window, each from the model that did not see the window's source."""

    log_odds: np.ndarray  # (n_windows,), NaN for silent windows and for sources not scored
    windows: ClipWindows
    fold: list[str] = field(default_factory=list)  # per clip: the held-out source that scored it


def out_of_fold_log_odds(
    pool: Pool,
    recipe: Recipe,
    tests: dict[str, tuple[np.ndarray, ClipWindows]],
    *,
    sources: Sequence[str],
    exclude: Sequence[str] = (),
    progress: Callable | None = None,
) -> dict[str, OutOfFold]:
    """Leave-one-source-out over ``sources``: each one's test windows scored by a model trained without it.

    Parameters
    ----------
    pool : Pool
    recipe : Recipe
    tests : {name: (vectors, windows)}
        Test windows (every condition of the same clips) and their vectors.
    sources : sequence of str
        The sources to hold out in turn.
    exclude : sequence of str
        Sources left out of every model as well (the outer held-out source of a nested run).
    progress : callable or None
        Called with each source once it is done.
    """
    out = {name: OutOfFold(log_odds=np.full(len(w.clip_index), np.nan), windows=w, fold=[""] * len(w.clips))
           for name, (_, w) in tests.items()}
    for source in sources:
        model = fit_pool(pool, recipe, exclude=[source, *exclude])
        for name, (vectors, windows) in tests.items():
            clip_source = np.array([c.source for c in windows.clips])
            rows = (clip_source[windows.clip_index] == source) & ~windows.silent
            if rows.any():
                out[name].log_odds[rows] = model.decision_function(vectors[rows])
            for i in np.flatnonzero(clip_source == source):
                out[name].fold[i] = source
        if progress is not None:
            progress(source)
    return out


def source_folds(real: RealSet, n_folds: int) -> list[list[str]]:
    """The sources dealt into ``n_folds`` groups, each with speech and music sources (deterministic).

    Sources are taken in the order of the sha256 of their name, speech-only sources first, then
    music-only ones, then those with both, and dealt in turn; so every fold gets sources of both
    classes whenever there are at least ``n_folds`` of each.
    """
    if n_folds < 2:
        raise ParameterError(f"n_folds must be at least 2, got {n_folds}")
    labels: dict[str, set] = {}
    for clip in real.clips:
        labels.setdefault(clip.source, set()).add(clip.label)
    order = lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()  # noqa: E731
    groups = [sorted((s for s, ls in labels.items() if ls == {LABELS["speech"]}), key=order),
              sorted((s for s, ls in labels.items() if ls == {LABELS["music"]}), key=order),
              sorted((s for s, ls in labels.items() if len(ls) == 2), key=order)]
    folds: list[list[str]] = [[] for _ in range(n_folds)]
    turn = 0
    for group in groups:
        for source in group:
            folds[turn % n_folds].append(source)
            turn += 1
    return [sorted(f) for f in folds]


def _clip_weights(clip_index: np.ndarray) -> np.ndarray:
    """1 / (windows of the same recording): every recording counts once."""
    counts = np.bincount(clip_index)
    return 1.0 / counts[clip_index]


def _order(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


@dataclass
class CalibrationMixes:
    """Held-out speech over music for the calibration: one mix per real speech clip.

    Each speech source is paired with one music source (a fixed matching, :func:`calibration_mixes`);
    a mix of the pair (a, b) is scored by a model trained without *both* a and b, so it is as
    new to that model as a held-out clip is in leave-one-source-out.

    Attributes
    ----------
    vectors : np.ndarray
        ``(n_windows, n_features)`` of the mixes' windows (cut as ``predict`` cuts a file).
    mix_index : np.ndarray
        ``(n_windows,)``: which mix each window belongs to.
    pairs : list of (str, str)
        ``(speech source, music source)`` of each mix.
    items : list of dict
        What each mix is (:func:`plan_mixes` items).
    """

    vectors: np.ndarray
    mix_index: np.ndarray
    pairs: list
    items: list


def calibration_mixes(real: RealSet, recipe: Recipe = DEFAULT_RECIPE) -> CalibrationMixes:
    """One mix per speech clip over music of its speech source's partner, at -5..-20 dB in turn (deterministic).

    Speech sources and music sources are each taken in the order of the sha256 of their name; the
    i-th speech source is paired with the i-th music source (cycling, never with itself). Every
    speech clip of a source is laid over a music clip of its partner, the levels of
    ``recipe.mix_levels_db`` in turn, at a random offset of the music. No mix is made when
    ``recipe.mixes_per_speech_clip`` is 0 (the recipe then does not use the convention).
    """
    kind = recipe.feature_kind
    has: dict[str, set] = {}
    for clip in real.clips:
        has.setdefault(clip.source, set()).add(clip.label)
    speech_sources = sorted((s for s, ls in has.items() if LABELS["speech"] in ls), key=_order)
    music_sources = sorted((s for s, ls in has.items() if LABELS["music"] in ls), key=_order)
    rng = np.random.default_rng([recipe.seed, 3])
    items, pairs, vectors, index = [], [], [], []
    if recipe.mixes_per_speech_clip > 0 and music_sources:
        turn = 0
        for i, source in enumerate(speech_sources):
            partners = [m for m in music_sources if m != source]
            if not partners:
                continue
            partner = partners[i % len(partners)]
            music = [k for k, c in enumerate(real.clips) if c.source == partner and c.label == LABELS["music"]]
            for k, clip in enumerate(real.clips):
                if clip.source != source or clip.label != LABELS["speech"]:
                    continue
                item = {"speech": k, "music": music[int(rng.integers(len(music)))],
                        "level_db": float(recipe.mix_levels_db[turn % len(recipe.mix_levels_db)]),
                        "offset": float(rng.random())}
                turn += 1
                features, silent = signal_windows(mix_signal(real, item), params=real.params)
                if (~silent).any():
                    vectors.append(to_vectors(features[~silent], kind=kind, params=real.params))
                    index.append(np.full(int((~silent).sum()), len(items), dtype=np.int64))
                    items.append(item)
                    pairs.append((source, partner))
    n_features = to_vectors(real.test.features[:1], kind=kind, params=real.params).shape[1]
    return CalibrationMixes(
        vectors=np.concatenate(vectors) if vectors else np.empty((0, n_features)),
        mix_index=np.concatenate(index) if index else np.empty(0, dtype=np.int64), pairs=pairs, items=items)


@dataclass
class CalibrationData:
    """Held-out log-odds with their labels and weights: what Platt scaling is fitted on."""

    log_odds: np.ndarray
    labels: np.ndarray
    weights: np.ndarray  # every recording (clip or mix) counts once
    kind: np.ndarray  # "clip" or "mix"

    def fit(self) -> PlattCalibration:
        """Platt scaling on every held-out window, the two classes weighing the same.

        Windows rather than recordings are the unit because windows are what the model scores
        (``segment`` uses them one by one; ``predict`` averages them); the classes are balanced so
        that p = 0.5 stays the point of equal odds whatever the share of speech in this set
        (speech over music counts as speech).
        """
        w = np.ones_like(self.log_odds)
        speech, music = w[self.labels == 1].sum(), w[self.labels == 0].sum()
        if speech > 0 and music > 0:
            w[self.labels == 1] *= music / speech
        return fit_platt(self.log_odds, self.labels, sample_weight=w)


def mix_log_odds(pool: Pool, recipe: Recipe, mixes: CalibrationMixes, *, exclude: Sequence[str] = ()
                 ) -> np.ndarray:
    """Log-odds of every calibration-mix window, each by a model trained without both sources of its mix.

    Mixes made from a source in ``exclude`` are not scored (NaN).
    """
    out = np.full(len(mixes.mix_index), np.nan)
    excluded = set(exclude)
    for pair in sorted(set(mixes.pairs)):
        if excluded & set(pair):
            continue
        model = fit_pool(pool, recipe, exclude=[*pair, *exclude])
        rows = np.isin(mixes.mix_index, [i for i, p in enumerate(mixes.pairs) if p == pair])
        out[rows] = model.decision_function(mixes.vectors[rows])
    return out


def calibration_data(clean: OutOfFold, mixes: CalibrationMixes | None, mix_z: np.ndarray | None) -> CalibrationData:
    """The real clips' out-of-fold log-odds and, when given, the held-out mixes', in one set."""
    keep = np.isfinite(clean.log_odds)
    index = clean.windows.clip_index[keep]
    parts = [(clean.log_odds[keep], np.array([c.label for c in clean.windows.clips])[index],
              _clip_weights(clean.windows.clip_index)[keep], "clip")]
    if mixes is not None and mix_z is not None and np.isfinite(mix_z).any():
        use = np.isfinite(mix_z)
        parts.append((mix_z[use], np.ones(int(use.sum()), dtype=np.int64), _clip_weights(mixes.mix_index)[use], "mix"))
    return CalibrationData(log_odds=np.concatenate([p[0] for p in parts]),
                           labels=np.concatenate([p[1] for p in parts]).astype(np.int64),
                           weights=np.concatenate([p[2] for p in parts]),
                           kind=np.concatenate([np.full(p[0].size, p[3]) for p in parts]))


def train_recipe(
    pool: Pool,
    real: RealSet,
    recipe: Recipe = DEFAULT_RECIPE,
    *,
    exclude: Sequence[str] = (),
    mixes: CalibrationMixes | None = None,
    clean: tuple[np.ndarray, ClipWindows] | None = None,
    progress: Callable | None = None,
):
    """The recipe's model and its calibration, trained without ``exclude``.

    The calibration is fitted on held-out real data of every remaining source: the real clips'
    leave-one-source-out log-odds and the calibration mixes' leave-pair-out log-odds
    (:func:`calibration_mixes`; computed here when ``mixes`` is None), both without ``exclude``.

    Returns
    -------
    Classifier
        With its :class:`~speechmusic.apps.calibration.PlattCalibration`.
    CalibrationData
        What the calibration was fitted on.
    """
    from speechmusic.apps.pipeline import Classifier

    clean = clean or (_test_vectors(real.test, recipe.feature_kind), real.test)
    mixes = calibration_mixes(real, recipe) if mixes is None else mixes
    remaining = [s for s in real.sources if s not in set(exclude)]
    oof = out_of_fold_log_odds(pool, recipe, {"clean": clean}, sources=remaining, exclude=exclude,
                               progress=progress)["clean"]
    data = calibration_data(oof, mixes, mix_log_odds(pool, recipe, mixes, exclude=exclude))
    model = fit_pool(pool, recipe, exclude=exclude)
    classifier = Classifier(model=model, params=real.params, feature_kind=recipe.feature_kind,
                            calibration=data.fit())
    return classifier, data


# --------------------------------------------------------------------------------- measurement

def scores_from_log_odds(log_odds: np.ndarray, windows: ClipWindows, *,
                         calibration: PlattCalibration | None = None, fold: list[str] | None = None) -> ClipScores:
    """:class:`ClipScores` (``predict``'s verdicts) from window log-odds, optionally calibrated."""
    from speechmusic.core.model import sigmoid

    z = np.asarray(log_odds, dtype=np.float64)
    p = calibration.probability(z) if calibration is not None else sigmoid(np.nan_to_num(z))
    p = np.where(np.isfinite(z) & ~windows.silent, p, np.nan)
    usable = np.isfinite(p)
    probability = clip_probabilities(np.nan_to_num(p, nan=0.5), windows.clip_index, ~usable, len(windows.clips))
    return ClipScores(clips=list(windows.clips), probability=probability, fold=fold or [],
                      window_probability=p, window_clip=windows.clip_index)


def calibration_summary(scores: ClipScores) -> dict:
    """Expected calibration error, log loss, Brier score and reliability tables, window and clip level."""
    labels = scores.labels
    keep = np.isfinite(scores.window_probability)
    window_p = scores.window_probability[keep]
    window_y = labels[scores.window_clip[keep]]
    clip_keep = np.isfinite(scores.probability)
    result = {}
    for level, p, y in (("window", window_p, window_y), ("clip", scores.probability[clip_keep], labels[clip_keep])):
        result[level] = {
            "n": int(p.size),
            "ece": expected_calibration_error(p, y),
            "log_loss": log_loss(p, y),
            "brier": brier_score(p, y),
            "reliability": reliability_table(p, y),
        }
    return result


def _mix_scores(log_odds: np.ndarray, mixes: CalibrationMixes, real: RealSet, *,
                calibration: PlattCalibration | None = None) -> ClipScores:
    """ClipScores of the calibration mixes (each a "speech" recording named after its parts)."""
    clips = [dataclasses.replace(real.clips[item["speech"]],
                                 id=f"{real.clips[item['speech']].id} over {real.clips[item['music']].id}",
                                 category=f"speech over music {item['level_db']:g} dB")
             for item in mixes.items]
    windows = ClipWindows(features=np.empty((len(mixes.mix_index), 0, 0)), clip_index=mixes.mix_index,
                          silent=np.zeros(len(mixes.mix_index), dtype=bool), clips=clips, params=real.params)
    return scores_from_log_odds(log_odds, windows, calibration=calibration)


def measure(
    pool: Pool,
    real: RealSet,
    recipe: Recipe = DEFAULT_RECIPE,
    *,
    conditions: Sequence[str] = TEST_CONDITIONS,
    mixes: CalibrationMixes | None = None,
    nested_calibration: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Leave-one-source-out measurement of the whole recipe (see the module notes).

    Returns
    -------
    dict
        JSON-ready: ``conditions`` (per test condition, and ``"speech over music"`` for the
        calibration mixes scored leave-pair-out: summary, per category, per language, the
        misclassified recordings) with the model's own probabilities; with ``nested_calibration``
        also ``calibration_nested``: the same scored with a calibration fitted without the
        held-out source (or pair), its balanced accuracy and reliability before and after.
    """
    log = log or (lambda text: None)
    kind = recipe.feature_kind
    mixes = calibration_mixes(real, recipe) if mixes is None else mixes
    tests = {}
    for condition in conditions:
        windows = condition_windows(real, condition)
        tests[condition] = (_test_vectors(windows, kind), windows)
    if "clean" not in tests:
        tests["clean"] = (_test_vectors(real.test, kind), real.test)
    sources = real.sources
    started = time.perf_counter()
    oof = out_of_fold_log_odds(pool, recipe, tests, sources=sources)
    mix_z = mix_log_odds(pool, recipe, mixes)
    log(f"leave-one-source-out: {len(sources)} folds, and {len(set(mixes.pairs))} pairs held out for the "
        f"speech-over-music mixes, in {time.perf_counter() - started:.0f} s")
    scored = {c: scores_from_log_odds(oof[c].log_odds, oof[c].windows, fold=oof[c].fold) for c in conditions}
    if mixes.items:
        scored[MIX_CONDITION] = _mix_scores(mix_z, mixes, real)
    result = {"sources": len(sources), "clips": len(real.clips), "mixes": len(mixes.items), "conditions": {}}
    for name, scores in scored.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the mixes have no music: its recall is NaN
            summary = scores.summary()
        result["conditions"][name] = {
            "summary": summary, "category": scores.table("category"),
            "language": scores.table("language"), "wrong": scores.wrong(),
        }
    if not nested_calibration:
        return result

    # For each held-out source, the calibration is fitted exactly as the shipped one is, on the
    # other sources only (inner leave-one-source-out, inner pairs), then applied to that source's
    # out-of-fold log-odds; for each held-out pair of the mixes likewise without the pair.
    started = time.perf_counter()
    clean = tests["clean"]
    calibrated = {c: np.full_like(oof[c].log_odds, np.nan) for c in conditions}
    slopes = []

    def inner_calibration(excluded: list[str]) -> PlattCalibration:
        inner = out_of_fold_log_odds(pool, recipe, {"clean": clean},
                                     sources=[s for s in sources if s not in excluded], exclude=excluded)["clean"]
        calibration = calibration_data(inner, mixes, mix_log_odds(pool, recipe, mixes, exclude=excluded)).fit()
        slopes.append((calibration.a, calibration.b))
        return calibration

    for outer in sources:
        calibration = inner_calibration([outer])
        for c in conditions:
            windows = oof[c].windows
            clip_source = np.array([clip.source for clip in windows.clips])
            rows = clip_source[windows.clip_index] == outer
            calibrated[c][rows] = calibration.log_odds(oof[c].log_odds[rows])
    calibrated_mix = np.full_like(mix_z, np.nan)
    for pair in sorted(set(mixes.pairs)):
        calibration = inner_calibration(list(pair))
        rows = np.isin(mixes.mix_index, [i for i, p in enumerate(mixes.pairs) if p == pair])
        calibrated_mix[rows] = calibration.log_odds(mix_z[rows])
    log(f"nested calibration: {len(sources) + len(set(mixes.pairs))} calibrations in "
        f"{time.perf_counter() - started:.0f} s")
    slopes = np.array(slopes)
    nested = {"a_range": [float(slopes[:, 0].min()), float(slopes[:, 0].max())],
              "b_range": [float(slopes[:, 1].min()), float(slopes[:, 1].max())], "conditions": {}}
    identity = PlattCalibration(1.0, 0.0)  # the log-odds are already calibrated
    pairs_of_scores = {c: (scored[c], scores_from_log_odds(calibrated[c], oof[c].windows, calibration=identity))
                       for c in conditions}
    if mixes.items:
        pairs_of_scores[MIX_CONDITION] = (scored[MIX_CONDITION],
                                          _mix_scores(calibrated_mix, mixes, real, calibration=identity))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mixes have no music: its recall is NaN
        for c, (before, after) in pairs_of_scores.items():
            nested["conditions"][c] = {
                "before": calibration_summary(before), "after": calibration_summary(after),
                "balanced_accuracy_before": before.balanced_accuracy(),
                "balanced_accuracy_after": after.balanced_accuracy(),
                "speech_recall_before": before.recall(1), "speech_recall_after": after.recall(1),
                "wrong_after": after.wrong(),
            }
            if c != MIX_CONDITION:
                nested["conditions"][c]["category_after"] = after.table("category")
    result["calibration_nested"] = nested
    return result


# --------------------------------------------------------------------------------- the build

def attribution_path(model_path: str | os.PathLike) -> Path:
    """The credits file written beside a model: ``default.npz`` -> ``default-ATTRIBUTION.md``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ATTRIBUTION_SUFFIX)


def _entries(real: RealSet):
    """A :class:`speechmusic.data.sources.real_world.Entry` per clip: the packaged list's, else from the folder's manifest."""
    from speechmusic.data.sources.real_world import Entry, load_manifest

    listed = {e.id: e for e in load_manifest()}
    entries = []
    for clip, row in zip(real.clips, real.rows):
        entry = listed.get(clip.id)
        if entry is None or entry.repo != clip.source:
            numbers = {}
            for key in ("start_s", "duration_s"):
                try:
                    numbers[key] = float(row.get(key) or 0.0)
                except ValueError:
                    numbers[key] = 0.0
            entry = Entry(id=clip.id, label=clip.label_name, category=clip.category, language=clip.language,
                          recording=row.get("recording", "") or clip.id, repo=clip.source,
                          commit=row.get("commit", "") or "", path=row.get("path", "") or Path(clip.path).name,
                          source_sha256=row.get("source_sha256", "") or "",
                          licence=row.get("licence", "") or "not stated in the manifest",
                          attribution=row.get("attribution", "") or "not stated in the manifest", **numbers)
        entries.append(entry)
    return entries


def data_fingerprint(real: RealSet) -> str:
    """sha256 of the clips' ids, labels, sources and file contents: what the weights were trained on.

    Two folders with the same fingerprint give the same model; the shared copy and a folder built
    from the originals differ (their Ogg and MP3 cuts are not the same bytes, see docs/model-card.md).
    """
    digest = hashlib.sha256()
    for clip in sorted(real.clips, key=lambda c: c.id):
        digest.update(f"{clip.id}\t{clip.label}\t{clip.source}\t".encode("utf-8"))
        digest.update(hashlib.sha256(Path(clip.path).read_bytes()).hexdigest().encode("ascii"))
    return digest.hexdigest()


def check_against_list(real: RealSet) -> list[str]:
    """How the folder differs from the packaged list of the real-world set (empty when it holds exactly those clips)."""
    from speechmusic.data.sources.real_world import load_manifest

    listed = {e.id: e for e in load_manifest()}
    present = {c.id: c for c in real.clips}
    problems = []
    missing = sorted(set(listed) - set(present))
    extra = sorted(set(present) - set(listed))
    if missing:
        problems.append(f"{len(missing)} clips of the list are missing (first: {', '.join(missing[:3])})")
    if extra:
        problems.append(f"{len(extra)} clips are not in the list (first: {', '.join(extra[:3])})")
    other = sorted(i for i in set(listed) & set(present)
                   if listed[i].repo != present[i].source or listed[i].label != present[i].label_name)
    if other:
        problems.append(f"{len(other)} clips have another source or label than the list (first: {other[0]})")
    return problems


@dataclass
class BuildResult:
    """What :func:`build_default_model` made."""

    model_path: Path
    attribution_path: Path
    classifier: object
    metadata: dict
    measurements: dict | None = None
    report_paths: list = field(default_factory=list)
    seconds: float = 0.0


def build_default_model(
    real_world: str | os.PathLike,
    model_path: str | os.PathLike,
    *,
    recipe: Recipe | None = None,
    report: str | os.PathLike | None = None,
    measure_model: bool = True,
    overwrite: bool = False,
    synthetic_dir: str | os.PathLike | None = None,
    command: str = "",
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Train the default model from a real-world folder, calibrate it, save it and (optionally) measure it.

    Parameters
    ----------
    real_world : path-like
        A folder laid out like ``../shared/real-world`` (``manifest.csv`` naming each clip's source).
    model_path : path-like
        The model file to write (``src/speechmusic/models/default.npz`` for the shipped one); its
        credits are written beside it (:func:`attribution_path`).
    recipe : Recipe or None
        None: :data:`DEFAULT_RECIPE`, the shipped model's.
    report : path-like or None
        Write the measured tables here (Markdown) and beside it the same as JSON (``.json``).
    measure_model : bool
        Run :func:`measure` (leave-one-source-out of the whole recipe, nested calibration: a few
        minutes). Without it only the model is built (its weights are the same).
    overwrite : bool
        Replace existing output files.
    synthetic_dir : path-like or None
        Where the synthetic set is generated or found (None: a temporary folder).
    command : str
        The command line to record in the report.
    progress : bool
    log : callable or None
        Receives one line per step.

    Returns
    -------
    BuildResult

    Raises
    ------
    DatasetError
        The folder is missing or is not a clip folder with a manifest.
    FileExistsError
        An output exists and ``overwrite`` is False (checked before any work).
    """
    from speechmusic import __version__
    from speechmusic.apps.evaluation import load_synthetic_training_set
    from speechmusic.core.fileio import write_text
    from speechmusic.apps.pipeline import save_classifier
    from speechmusic.data.sources.real_world import attribution_markdown, licence_family
    from speechmusic.data.synth import SYNTH_VERSION

    log = log or (lambda text: None)
    recipe = DEFAULT_RECIPE if recipe is None else recipe
    began = time.perf_counter()
    model_path = Path(model_path)
    credits = attribution_path(model_path)
    report_paths = [] if report is None else [Path(report), Path(report).with_suffix(".json")]
    for path in [model_path, credits, *report_paths]:
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} already exists: add --overwrite to replace it")
    real = load_real_set(real_world)
    log(f"real clips: {len(real.clips)} from {len(real.sources)} sources in {real.root} "
        f"({time.perf_counter() - began:.0f} s)")
    for problem in check_against_list(real):
        warnings.warn(f"{real.root} differs from the real-world list: {problem}; the model will differ from the "
                      "shipped one", RuntimeWarning, stacklevel=2)
    synthetic = None
    if recipe.synthetic_per_class > 0:
        synthetic = load_synthetic_training_set(synthetic_dir, seed=recipe.synthetic_seed,
                                                n_train=recipe.synthetic_per_class, params=real.params,
                                                progress=progress)
    pool = build_pool(real, recipe, synthetic=synthetic, progress=progress)
    mixes = calibration_mixes(real, recipe)
    log(f"training examples: {len(pool.labels)} windows {pool.counts()}; calibration mixes: {len(mixes.items)} "
        f"({time.perf_counter() - began:.0f} s)")
    classifier, calibration_set = train_recipe(pool, real, recipe, mixes=mixes)
    calibration = classifier.calibration
    log(f"trained; calibration a={calibration.a:.4f}, b={calibration.b:.4f} ({time.perf_counter() - began:.0f} s)")
    families: dict[str, int] = {}
    for entry in _entries(real):
        family = licence_family(entry.licence)
        families[family] = families.get(family, 0) + 1
    n_speech = sum(c.label == LABELS["speech"] for c in real.clips)
    metadata = {
        "model_name": DEFAULT_MODEL_NAME,
        "trained_on": (f"the synthetic set and {len(real.clips)} real clips of {len(real.sources)} public sources, "
                       "speech over music labelled speech"),
        "recipe": recipe.as_dict(),
        "data": {
            "real_clips": len(real.clips), "real_speech": int(n_speech), "real_music": len(real.clips) - int(n_speech),
            "sources": len(real.sources), "fingerprint": data_fingerprint(real),
            "manifest_sha256": real.manifest_sha256, "differences_from_list": check_against_list(real),
            "licence_families": dict(sorted(families.items())),
            "synthetic_generator_version": SYNTH_VERSION if recipe.synthetic_per_class > 0 else None,
            "training_windows": pool.counts(),
            "calibration_windows": {"clips": int(np.sum(calibration_set.kind == "clip")),
                                    "mixes": int(np.sum(calibration_set.kind == "mix"))},
        },
        "card": "docs/model-card.md",
        "attribution": credits.name,
        "rebuild": "speechmusic build-model (docs/model-card.md, 'Rebuilding it')",
    }
    save_classifier(classifier, model_path, overwrite=overwrite, **metadata)
    write_text(credits, attribution_markdown(
        _entries(real), title=f"Attribution: the data of the {DEFAULT_MODEL_NAME}",
        intro=(f"`{model_path.name}` (weights of a logistic regression: {len(classifier.model.coef_)} numbers and "
               "their standardisation) was trained on the synthetic set of speechmusic (generated, public "
               f"domain) and on the {len(real.clips)} real clips credited below (speech clips also laid over "
               "music clips of other sources). No audio is distributed with the model. The clips come from "
               "public repositories under licences that allow training and publishing a model; this page "
               "credits their authors as those licences ask.")), overwrite=overwrite)
    log(f"wrote {model_path} and {credits}")
    result = BuildResult(model_path=model_path, attribution_path=credits, classifier=classifier, metadata=metadata)
    if measure_model:
        result.measurements = measure(pool, real, recipe, mixes=mixes, log=log)
        result.measurements.update(
            calibration={"a": calibration.a, "b": calibration.b}, package_version=__version__, command=command,
            recipe=recipe.as_dict(), data=metadata["data"], pool=pool.counts())
        if report is not None:
            write_text(report_paths[0], measurements_markdown(result.measurements), overwrite=overwrite)
            import json

            write_text(report_paths[1], json.dumps(_no_nan(result.measurements), indent=1, allow_nan=False) + "\n",
                       overwrite=overwrite)
            result.report_paths = report_paths
            log(f"wrote {report_paths[0]} and {report_paths[1]}")
    result.seconds = time.perf_counter() - began
    return result


# --------------------------------------------------------------------------------- the report

def _no_nan(value):
    """``value`` with every NaN or infinity replaced by None (strict JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _f(value, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and not np.isfinite(value)) else f"{value:.{digits}f}"


def _table(headers: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


CONDITION_NOTES = {
    "clean": "the clips as they are",
    "noisy": "pink noise at 10 dB SNR",
    "telephone": "8 kHz, 300-3400 Hz, 8-bit mu-law",
    "snippet": "the middle second alone",
    MIX_CONDITION: "one mix per speech clip, music of another source at -5..-20 dB, labelled speech; "
                   "scored by models trained without both sources",
}


def measurements_markdown(m: dict) -> str:
    """The Markdown page of :func:`build_default_model`'s measurements (docs/model-card-measurements.md)."""
    conditions = m["conditions"]
    nested = m.get("calibration_nested", {}).get("conditions", {})
    data = m.get("data", {})
    lines = [
        "# Default model: measurements",
        "",
        "Written by the command below (`speechmusic build-model`); do not edit by hand: rebuild instead. "
        "How to read it: [model-card.md](model-card.md).",
        "",
        f"- Command: `{m.get('command') or 'speechmusic build-model'}` (speechmusic {m.get('package_version', '?')})",
        f"- Data: {data.get('real_clips')} real clips ({data.get('real_speech')} speech, {data.get('real_music')} music) "
        f"from {m.get('sources')} sources; fingerprint `{str(data.get('fingerprint', ''))[:16]}`; "
        f"synthetic generator version {data.get('synthetic_generator_version')}",
        f"- Training windows: " + ", ".join(f"{part} {v['speech']} speech + {v['music']} music"
                                           for part, v in m.get("pool", {}).items()),
        f"- Calibration of the shipped model: a = {_f(m['calibration']['a'], 4)}, b = {_f(m['calibration']['b'], 4)} "
        "(p = sigmoid(a z + b) from the model's log-odds z)",
        "",
        "## Leave-one-source-out",
        "",
        f"Each of the {m['sources']} sources held out in turn; the model trained by the whole recipe without it "
        "(and without every mix or copy made from it) scores its clips as `predict` does (3-s windows, the clip's "
        "probability the mean of its windows'). Balanced accuracy = mean of the speech and music recalls; "
        "*own* = the model's own probabilities (threshold 0.5), *calibrated* = with a calibration fitted without "
        "the held-out source (nested).",
        "",
    ]
    rows = []
    for name, c in conditions.items():
        s = c["summary"]
        after = nested.get(name, {})
        if name == MIX_CONDITION:  # speech only: the balanced accuracy is the speech recall
            rows.append([name, CONDITION_NOTES.get(name, ""), s["clips"], f"{_f(s['speech_recall'])} (speech recall)",
                         f"{_f(after.get('speech_recall_after'))} (speech recall)", "–",
                         f"{s['speech_right']}/{s['speech_clips']}", "–", f"{_f(s['window_balanced_accuracy'])} (recall)"])
            continue
        rows.append([name, CONDITION_NOTES.get(name, ""), s["clips"], _f(s["balanced_accuracy"]),
                     _f(after.get("balanced_accuracy_after")), _f(s["auc"]), f"{s['speech_right']}/{s['speech_clips']}",
                     f"{s['music_right']}/{s['music_clips']}", _f(s["window_balanced_accuracy"])])
    lines += _table(["Condition", "What", "Recordings", "Balanced acc. (own)", "Balanced acc. (calibrated)", "AUC",
                     "Speech right", "Music right", "Window balanced acc. (own)"], rows)
    # per category: right counts per condition
    names = [n for n in conditions if n != MIX_CONDITION]
    keys = []
    for row in conditions[names[0]]["category"]:
        keys.append((row["label"], row["category"], row["clips"]))
    by = {n: {(r["label"], r["category"]): r["right"] for r in conditions[n]["category"]} for n in names}
    lines += ["", "### Per category (recordings right, own probabilities)", ""]
    lines += _table(["Class", "Category", "Clips"] + names,
                    [[label, category or "–", clips] + [by[n].get((label, category), "–") for n in names]
                     for label, category, clips in keys])
    if MIX_CONDITION in conditions:
        lines += ["", "### Speech over music by level (recordings labelled speech, own probabilities)", ""]
        by_level = sorted(conditions[MIX_CONDITION]["category"],
                          key=lambda r: -float(r["category"].replace("speech over music ", "").replace(" dB", "")))
        lines += _table(["Level", "Mixes", "Labelled speech", "Share"],
                        [[r["category"].replace("speech over music ", ""), r["clips"], r["right"], _f(r["accuracy"])]
                         for r in by_level])
    lines += ["", "### Speech per language (clean, own probabilities)", ""]
    lines += _table(["Language", "Clips", "Right"],
                    [[r["language"] or "–", r["clips"], r["right"]] for r in conditions["clean"]["language"]
                     if r["label"] == "speech"])
    lines += ["", "### Misclassified recordings (own probabilities)", ""]
    for name, c in conditions.items():
        wrong = "; ".join(f"`{w['id']}` ({w['label']}, {w['category']}, p(speech) {w['probability_speech']})"
                          for w in c["wrong"]) or "none"
        lines.append(f"- {name}: {wrong}")
    if nested:
        cn = m["calibration_nested"]
        lines += [
            "", "## Calibration, measured nested", "",
            "For each held-out source (and each held-out pair of sources of the mixes) the calibration is fitted "
            "exactly as the shipped one, on the other sources only (their leave-one-source-out log-odds and "
            "leave-pair-out mixes), and applied to the held-out recordings. ECE = expected calibration error "
            "(10 equal bins, weighted by how many predictions each holds; 0 is perfect); window = each 3-s window, "
            "clip = each recording's mean probability. Fitted slopes a from "
            f"{_f(cn['a_range'][0])} to {_f(cn['a_range'][1])}, offsets b from {_f(cn['b_range'][0])} to "
            f"{_f(cn['b_range'][1])}.", "",
        ]
        rows = []
        for name, c in nested.items():
            b, a = c["before"], c["after"]
            rows.append([name, f"{_f(b['window']['ece'])} → {_f(a['window']['ece'])}",
                         f"{_f(b['clip']['ece'])} → {_f(a['clip']['ece'])}",
                         f"{_f(b['window']['log_loss'])} → {_f(a['window']['log_loss'])}",
                         f"{_f(b['window']['brier'])} → {_f(a['window']['brier'])}",
                         f"{_f(c['balanced_accuracy_before'])} → {_f(c['balanced_accuracy_after'])}"
                         + (" (speech recall)" if name == MIX_CONDITION else "")])
        lines += _table(["Condition", "ECE, windows (own → calibrated)", "ECE, recordings", "Log loss, windows",
                         "Brier, windows", "Balanced accuracy"], rows)
        for name in ("clean", MIX_CONDITION, "noisy"):
            if name not in nested:
                continue
            for level in ("window", "clip"):
                b = {(r["low"], r["high"]): r for r in nested[name]["before"][level]["reliability"]}
                a = {(r["low"], r["high"]): r for r in nested[name]["after"][level]["reliability"]}
                lines += ["", f"Reliability, {name}, {level}s (predicted p(speech) bin: count, mean predicted, "
                              "share that is speech):", ""]
                rows = []
                for key in sorted(set(b) | set(a)):
                    cells = []
                    for table in (b, a):
                        r = table.get(key)
                        cells.append("–" if r is None else f"{r['count']}: {_f(r['mean_probability'])} vs "
                                                           f"{_f(r['observed'])}")
                    rows.append([f"{key[0]:.1f}-{key[1]:.1f}"] + cells)
                lines += _table(["Bin", "own", "calibrated"], rows)
    families = data.get("licence_families", {})
    if families:
        lines += ["", "## Data licences (real clips)", ""]
        lines += _table(["Licence family", "Clips"], [[k, v] for k, v in families.items()])
    return "\n".join(lines) + "\n"
