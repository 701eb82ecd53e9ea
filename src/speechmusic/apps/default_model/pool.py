"""The real clips, their windows and the training pool (real, synthetic, mixes and copies)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from speechmusic.apps.augment import add_noise, degrade, loop_to_length, seed_of, speech_over_music, telephone
from speechmusic.apps.default_model.recipe import DEFAULT_RECIPE, Recipe
from speechmusic.apps.evaluation import (
    MANIFEST_NAME,
    ClipInfo,
    ClipWindows,
    _find_recordings,
    load_clip_windows,
    load_synthetic_training_set,
)
from speechmusic.apps.windows import SlidingWindows, hop_in_samples
from speechmusic.core.audio import decode, resample
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import DatasetError
from speechmusic.core.executor import run_tasks
from speechmusic.core.feature_kinds import to_vectors
from speechmusic.core.features import batch_features
from speechmusic.core.labels import model_classes
from speechmusic.data.synth import synthesize_music, synthesize_noise
from speechmusic.data.synth.effects import colored_noise, rms
from speechmusic.data.synth.noise import NOISE_KINDS
from speechmusic.data.synth.songs import MUSIC_STYLES

#: The random streams of the recipe's extra synthetic music and noise clips (apart from the synthetic set's).
STYLE_STREAM, NOISE_STREAM = 19, 20

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
    hop_samples = hop_in_samples(params.duration, params, align=False) if hop is None else hop_in_samples(hop, params)
    parts = [batch.features for batch in SlidingWindows([np.asarray(y, dtype=np.float32)], params=params,
                                                         hop_samples=hop_samples)]
    features = np.concatenate(parts) if parts else np.empty((0, *params.shape), dtype=np.float32)
    silent = ~features.reshape(features.shape[0], -1).any(axis=1)
    return features, silent


def condition_windows(real: RealSet, condition: str) -> ClipWindows:
    """The real clips in a test condition (:data:`speechmusic.apps.augment.TEST_CONDITIONS`), cut as ``predict`` cuts them."""
    if condition == "clean":
        return real.test
    params = real.params
    parts, index = [], []
    for k, (clip, y) in enumerate(zip(real.clips, real.signals)):
        z, sr, _ = degrade(y, params.sample_rate, condition, key=clip.id)
        if sr != params.sample_rate:
            z = resample(z, orig_sr=sr, target_sr=params.sample_rate)
        f, _ = signal_windows(z, params=params)
        parts.append(f)
        index.append(np.full(len(f), k, dtype=np.int64))
    features = np.concatenate(parts)
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
        ``(n,)``: indices into ``class_names``.
    part : np.ndarray
        ``(n,)`` str: ``"real"``, ``"mix"``, ``"noisy"``, ``"telephone"`` or ``"synthetic"``.
    source_a, source_b : np.ndarray
        ``(n,)`` str: the real sources the example was made from ("" for none; a mix has its
        speech's source in ``source_a`` and its music's in ``source_b``).
    class_names : tuple of str
        The labels, in the model's column order (:func:`speechmusic.core.labels.model_classes`).
    """

    vectors: np.ndarray
    labels: np.ndarray
    part: np.ndarray
    source_a: np.ndarray
    source_b: np.ndarray
    class_names: tuple[str, ...] = ("music", "speech")

    def without(self, sources: Sequence[str] = ()) -> np.ndarray:
        """Mask of the examples made from none of ``sources``."""
        names = np.asarray(sorted(set(sources)), dtype=str)
        if names.size == 0:
            return np.ones(self.labels.size, dtype=bool)
        return ~(np.isin(self.source_a, names) | np.isin(self.source_b, names))

    def subset(self, mask: np.ndarray) -> Pool:
        """The examples where ``mask`` is True."""
        return Pool(vectors=self.vectors[mask], labels=self.labels[mask], part=self.part[mask],
                    source_a=self.source_a[mask], source_b=self.source_b[mask], class_names=self.class_names)

    def counts(self) -> dict:
        """Examples per part and label: ``{part: {"speech": n, "music": n, ...}}``."""
        return {str(p): {name: int(np.sum((self.part == p) & (self.labels == i))) for i, name in enumerate(self.class_names)}
                for p in dict.fromkeys(self.part.tolist())}


def plan_mixes(real: RealSet, recipe: Recipe) -> list[dict]:
    """Which music goes under which speech clip, at which level and offset (deterministic).

    Each speech clip gets ``recipe.mixes_per_speech_clip`` mixes, with music clips drawn from
    *other* sources (so holding out one source never leaves half of a mix in training), the levels
    of ``recipe.mix_levels_db`` in turn and a random start in the music.
    """
    rng = np.random.default_rng([recipe.seed, 1])
    music = [k for k, c in enumerate(real.clips) if c.label_name == "music"]
    plan, turn = [], 0
    for i, clip in enumerate(real.clips):
        if clip.label_name != "speech":
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


def _style_clip(task: tuple) -> np.ndarray:
    """Worker: the spectrogram of one extra synthetic clip (``(seed, label, style, index, conditions, params)``)."""
    seed, label, style, index, conditions, params = task
    if label == "music":
        rng = np.random.default_rng([seed, STYLE_STREAM, MUSIC_STYLES.index(style), index])
        y = synthesize_music(rng, sample_rate=params.sample_rate, duration=params.duration, conditions=conditions,
                             style=style)
    else:
        rng = np.random.default_rng([seed, NOISE_STREAM, list(NOISE_KINDS).index(style), index])
        y = synthesize_noise(rng, sample_rate=params.sample_rate, duration=params.duration, conditions=conditions,
                             kind=style)
        if rng.random() < 0.5:
            # Half of them on a recording's hiss, 20-50 dB down, as recorded signals are: a 50 Hz hum
            # with white noise 40 dB under it was music to a model that had heard hums only clean
            # (p 0.72, clean 0.002). These floors did not fix that hum (p 0.69; docs/model-card.md,
            # known failures) but are kept: tones on hiss are what recordings hold.
            floor = colored_noise(rng, y.size, rng.uniform(0.0, 1.5))
            y = y + floor * (rms(y) * 10 ** (-rng.uniform(20.0, 50.0) / 20))
    return batch_features(y[np.newaxis], params=params)[0]


def synthetic_style_clips(recipe: Recipe, *, params: FeatureParams = DEFAULT_PARAMS, jobs: int | None = None,
                          progress: bool = False) -> dict[str, np.ndarray]:
    """Spectrograms of the recipe's extra synthetic clips, deterministic: music of ``recipe.synthetic_styles``
    and noise of ``recipe.synthetic_noise_kinds``.

    Clip ``i`` of a style depends only on the recipe's synthetic seed, the style and ``i``, so a
    larger count only adds clips. Generated on ``jobs`` local processes (None: every core).

    Returns
    -------
    dict
        ``{"music": ..., "noise": ...}``: float32 ``(n, n_mels, n_frames)`` each, the styles in the
        recipe's order.
    """
    extras = {"music": recipe.synthetic_styles, "noise": recipe.synthetic_noise_kinds}
    tasks = [(recipe.synthetic_seed, label, style, i, recipe.synthetic_conditions, params)
             for label, styles in extras.items() for style, count in styles for i in range(int(count))]
    out = np.empty((len(tasks), *params.shape), dtype=np.float32)
    if tasks:
        results = run_tasks(_style_clip, tasks, jobs=jobs or os.cpu_count() or 1)
        for task in tqdm(results, total=len(tasks), desc="synthetic styles", unit="clip", disable=not progress,
                         leave=False):
            out[task.index] = task.value
    label_of_task = np.array([task[1] for task in tasks], dtype=object)
    return {label: out[label_of_task == label] for label in extras}


def build_pool(
    real: RealSet,
    recipe: Recipe = DEFAULT_RECIPE,
    *,
    synthetic: tuple[np.ndarray, np.ndarray] | None = None,
    styles: dict[str, np.ndarray] | None = None,
    progress: bool = False,
) -> Pool:
    """Every training example of ``recipe``: real windows, mixes, copies and the synthetic set.

    Parameters
    ----------
    real : RealSet
    recipe : Recipe
    synthetic : (spectrograms, labels, label names) or None
        The synthetic set's training clips, labels indexing the names; None generates them
        (:func:`speechmusic.apps.evaluation.load_synthetic_training_set` with the recipe's seed,
        size, preset and labels, in a temporary folder).
    styles : dict or None
        Spectrograms of the recipe's extra synthetic clips per label; None generates them
        (:func:`synthetic_style_clips`).
    progress : bool
        Progress bars while generating and computing features.
    """
    params = real.params
    kind = recipe.feature_kind
    if recipe.synthetic_per_class > 0 and synthetic is None:
        synthetic = load_synthetic_training_set(None, seed=recipe.synthetic_seed, n_train=recipe.synthetic_per_class,
                                                params=params, progress=progress,
                                                conditions=recipe.synthetic_conditions,
                                                labels=recipe.synthetic_labels)
    # The real clips decide the labels: calibration is fitted on held-out real clips of every label,
    # so a synthetic label the real set lacks (noise, for a set without neither/) is left out.
    class_names = model_classes({c.label_name for c in real.clips})
    vectors, labels, parts, source_a, source_b = [], [], [], [], []

    def add(spectrograms, silent, label: str, part, a="", b=""):
        keep = ~silent
        if not keep.any():
            return
        vectors.append(to_vectors(spectrograms[keep], kind=kind, params=params))
        n = int(keep.sum())
        labels.append(np.full(n, class_names.index(label), dtype=np.int64))
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
            add(*signal_windows(y, params=params, hop=recipe.train_hop), clip.label_name, part, clip.source)
        elif part == "mix":
            y = mix_signal(real, item)
            add(*signal_windows(y, params=params, hop=recipe.train_hop), "speech", part, clip.source,
                real.clips[item["music"]].source)
        else:
            add(*signal_windows(item, params=params, hop=recipe.train_hop), clip.label_name, part, clip.source)
    if synthetic is not None:
        X, y, synthetic_names = synthetic
        X = np.asarray(X)
        silent = ~X.reshape(X.shape[0], -1).any(axis=1)
        for index, name in enumerate(synthetic_names):
            if name not in class_names:
                continue
            rows = np.asarray(y).reshape(-1) == index
            add(X[rows], silent[rows], name, "synthetic")
    if styles is None and (recipe.synthetic_styles or recipe.synthetic_noise_kinds):
        styles = synthetic_style_clips(recipe, params=params, progress=progress)
    for label, part in (("music", "synthetic songs"), ("noise", "synthetic signals")):
        clips = np.asarray((styles or {}).get(label, np.empty((0, *params.shape), np.float32)))
        if label in class_names and len(clips):
            add(clips, ~clips.reshape(len(clips), -1).any(axis=1), label, part)
    return Pool(vectors=np.concatenate(vectors), labels=np.concatenate(labels),
                part=np.concatenate(parts).astype(str), source_a=np.concatenate(source_a).astype(str),
                source_b=np.concatenate(source_b).astype(str), class_names=class_names)
