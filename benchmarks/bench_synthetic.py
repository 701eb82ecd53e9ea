"""Benchmark 5: how realistic is the synthetic dataset? Train on it, test on real recordings.

The protocol of docs/synthetic.md, "How realistic is it? (measured)": for each seed, the
synthetic dataset (:mod:`speechmusic.data.synth`, 60 + 20 clips per class) is rendered in memory, the
lab's model (:class:`speechmusic.core.model.LogisticRegression`, lr 0.005, 2000 iterations, zero
initialisation) is trained on its training split, once on flattened spectrograms and once on
pooled features (standardised), and tested on its test split and on real 3-s windows cut from
``../shared/real-audio``:

* speech: every window with a 1.5-s hop (the speech recordings are short);
* music: windows with a 3-s hop, at most 8 per recording, spread evenly over it (long tracks
  would otherwise swamp the short speech files).

A recording shorter than 3 s gives one window, zero-padded at the end. The real files are only
read. Without them (or without :mod:`speechmusic.data.synth`) the benchmark is skipped.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bench_real import REAL_AUDIO, real_audio_files
from .report import Section, Target, seconds

#: Hop between real windows (s) and most windows per recording, per class.
SPEECH_HOP, MUSIC_HOP, MUSIC_MAX_WINDOWS = 1.5, 3.0, 8
FEATURE_KINDS = ("flat", "pooled")
#: What each row measures: accuracy on the synthetic test split, then recall on each real class.
MEASURES = ("synthetic_test", "real_speech", "real_music")


@dataclass
class RealWindows:
    """Real 3-s windows: features, labels and the recording each window comes from."""

    features: np.ndarray  # (k, n_mels, frames) float32
    labels: np.ndarray  # (k,) 0 = music, 1 = speech
    recordings: np.ndarray  # (k,) file names


def window_starts(n_samples: int, *, window: int, hop: int, max_windows: int | None = None) -> list[int]:
    """Start samples of the windows of a recording: every ``hop`` while a window fits.

    Parameters
    ----------
    n_samples : int
        Length of the recording (a shorter one than ``window`` gets the single start 0; the caller
        pads it).
    window, hop : int
        Window length and hop, in samples.
    max_windows : int or None
        Keep at most this many, spread evenly from the first to the last (both kept).

    Returns
    -------
    list of int

    Examples
    --------
    >>> window_starts(10, window=4, hop=2)
    [0, 2, 4, 6]
    >>> window_starts(10, window=4, hop=2, max_windows=3)
    [0, 4, 6]
    """
    starts = list(range(0, max(n_samples - window, 0) + 1, hop))
    if max_windows is not None and len(starts) > max_windows:
        picks = np.linspace(0, len(starts) - 1, max_windows).round().astype(int)
        starts = [starts[i] for i in picks]
    return starts


def real_windows(root: Path = REAL_AUDIO) -> RealWindows | None:
    """Cut the real recordings under ``root``/speech and ``root``/music into 3-s windows.

    Returns None when either class folder has no recording.
    """
    from speechmusic.core.audio import decode
    from speechmusic.core.config import DEFAULT_PARAMS, LABELS
    from speechmusic.core.features import batch_features

    files = real_audio_files(Path(root))
    if not files["speech"] or not files["music"]:
        return None
    n, sr = DEFAULT_PARAMS.n_samples, DEFAULT_PARAMS.sample_rate
    plan = {"speech": (SPEECH_HOP, None), "music": (MUSIC_HOP, MUSIC_MAX_WINDOWS)}
    signals, labels, recordings = [], [], []
    for label, paths in files.items():
        hop, cap = plan[label]
        for path in paths:
            y = decode(path, sample_rate=sr)
            if y.size < n:
                y = np.pad(y, (0, n - y.size))
            for start in window_starts(y.size, window=n, hop=round(hop * sr), max_windows=cap):
                signals.append(y[start : start + n])
                labels.append(LABELS[label])
                recordings.append(path.name)
    return RealWindows(batch_features(np.stack(signals)), np.array(labels), np.array(recordings))


def _render_stored(seed: int, split: str, label: str, index: int) -> np.ndarray:
    """One synthetic dataset clip, as :func:`_as_stored` returns it."""
    from speechmusic.core.config import DEFAULT_PARAMS
    from speechmusic.data import synth

    sr = DEFAULT_PARAMS.sample_rate
    return _as_stored(synth.synthesize_clip(seed, split, label, index, sample_rate=sr,
                                            duration=DEFAULT_PARAMS.duration), sr)


def _as_stored(clip: np.ndarray, sample_rate: int) -> np.ndarray:
    """The clip as it reads back from the dataset's 16-bit WAV file (quantised in memory).

    Rendering in memory skips the disk, but not the quantisation: the numbers then match those of
    the dataset that ``build_synthetic_dataset`` writes and ``load_dataset`` reads.
    """
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, np.clip(clip, -1.0, 1.0), sample_rate, subtype="PCM_16", format="WAV")
    buffer.seek(0)
    return sf.read(buffer, dtype="float32")[0]


def synthetic_split(seed: int, split: str, per_class: int, *, n_jobs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Features ``(2 * per_class, n_mels, frames)`` and labels of one synthetic split (music first)."""
    from speechmusic.core.config import LABELS
    from speechmusic.core.features import batch_features

    jobs = [(seed, split, label, i) for label in ("music", "speech") for i in range(per_class)]
    if n_jobs == 1 or len(jobs) < 2:
        clips = [_render_stored(*job) for job in jobs]
    else:
        from joblib import Parallel, delayed

        clips = Parallel(n_jobs=n_jobs, batch_size=4)(delayed(_render_stored)(*job) for job in jobs)
    labels = np.array([LABELS[label] for _, _, label, _ in jobs])
    return batch_features(np.stack(clips)), labels


def evaluate_seed(seed: int, real: RealWindows, *, per_class: tuple[int, int] = (60, 20),
                  iterations: int = 2000, n_jobs: int = 1) -> dict:
    """Train on one seed's synthetic training split; test on its test split and on ``real``.

    Parameters
    ----------
    seed : int
        Seed of the synthetic dataset.
    real : RealWindows
        The real windows (the same for every seed).
    per_class : (int, int)
        Training and test clips per class.
    iterations : int
        Gradient-descent steps (learning rate 0.005, as in the lab).
    n_jobs : int
        Processes rendering the clips (-1: every core).

    Returns
    -------
    dict
        ``{"flat": {...}, "pooled": {...}}``, each with the accuracies ``synthetic_test``,
        ``real_speech`` and ``real_music`` (fractions), the counts behind them (``*_right`` /
        ``*_total``) and ``real_predictions`` (0/1 per real window).
    """
    from speechmusic.core.features import flatten_features, pooled_features
    from speechmusic.core.model import LogisticRegression

    train_x, train_y = synthetic_split(seed, "train", per_class[0], n_jobs=n_jobs)
    test_x, test_y = synthetic_split(seed, "test", per_class[1], n_jobs=n_jobs)
    vectors = {"flat": flatten_features, "pooled": pooled_features}
    results = {}
    for kind in FEATURE_KINDS:
        # Pooled features mix band means and spreads of different scales; the pixels share one.
        model = LogisticRegression(learning_rate=0.005, num_iterations=iterations, standardize=kind == "pooled")
        model.fit(vectors[kind](train_x), train_y)
        predicted_test = model.predict(vectors[kind](test_x))
        predicted_real = model.predict(vectors[kind](real.features))
        result = {"real_predictions": predicted_real}
        groups = {"synthetic_test": (predicted_test, test_y, slice(None)),
                  "real_speech": (predicted_real, real.labels, real.labels == 1),
                  "real_music": (predicted_real, real.labels, real.labels == 0)}
        for measure, (predicted, truth, chosen) in groups.items():
            right, total = int(np.sum(predicted[chosen] == truth[chosen])), int(np.size(truth[chosen]))
            result[f"{measure}_right"], result[f"{measure}_total"] = right, total
            result[measure] = right / total if total else float("nan")
        results[kind] = result
    return results


def _fraction(result: dict, measure: str) -> str:
    return f"{result[measure]:.3f} ({result[measure + '_right']}/{result[measure + '_total']})"


def _spread(values: list[float]) -> str:
    return f"{np.mean(values):.3f} ({min(values):.3f} – {max(values):.3f})"


def run(*, quick: bool = False, root: Path = REAL_AUDIO, per_class: tuple[int, int] = (60, 20),
        seeds: int | None = None, iterations: int = 2000, n_jobs: int | None = None) -> Section:
    """Benchmark 5 over seeds ``0 .. seeds - 1`` (default 5, 1 with ``quick``).

    Skipped, with the reason, when ``root`` lacks speech or music recordings or the synthetic
    generator is not available.
    """
    section = Section(title="5. Synthetic dataset: trained on generated clips, tested on real recordings")
    skip_targets = [Target("real-audio accuracy of the synthetic-trained model", "reported (no target)",
                           "skipped", None)]
    from .data import have_synthetic

    if not have_synthetic():
        section.skipped, section.targets = "speechmusic.data.synth is not available.", skip_targets
        return section
    real = real_windows(Path(root))
    if real is None:
        section.skipped = f"{root} is not present (or lacks speech/ and music/ recordings)."
        section.targets = skip_targets
        return section
    seeds = seeds or (1 if quick else 5)
    if n_jobs is None:
        # Rendering dominates (~70 ms a clip); worker start-up only pays off for full-size splits.
        n_jobs = -1 if sum(per_class) >= 20 else 1

    began = time.perf_counter()
    per_seed = [evaluate_seed(seed, real, per_class=per_class, iterations=iterations, n_jobs=n_jobs)
                for seed in range(seeds)]
    elapsed = time.perf_counter() - began

    shapes = {"flat": "flat spectrogram (16640 values)", "pooled": "pooled, standardised (256 values)"}
    rows = []
    for kind in FEATURE_KINDS:
        first = per_seed[0][kind]
        rows.append([shapes[kind], "seed 0"] + [_fraction(first, m) for m in MEASURES])
        if seeds > 1:
            rows.append([shapes[kind], f"mean of seeds 0–{seeds - 1} (min – max)"]
                        + [_spread([r[kind][m] for r in per_seed]) for m in MEASURES])
    section.headers = ["Features", "Trained on", "Synthetic test", "Real speech", "Real music"]
    section.rows = rows
    if seeds > 1:
        section.extra_tables.append((
            "Each seed (accuracy):",
            ["Seed"] + [f"{kind}: {m.replace('_', ' ')}" for kind in FEATURE_KINDS for m in MEASURES],
            [[str(seed)] + [f"{r[kind][m]:.3f}" for kind in FEATURE_KINDS for m in MEASURES]
             for seed, r in enumerate(per_seed)]))
    # Which recordings the errors come from (seed 0): a handful of files decide these figures.
    recording_rows = []
    for name in dict.fromkeys(real.recordings):  # file order, each once
        chosen = real.recordings == name
        label = int(real.labels[chosen][0])
        recording_rows.append([name, "speech" if label else "music", str(int(chosen.sum()))] + [
            f"{int(np.sum(per_seed[0][kind]['real_predictions'][chosen] == label))}" for kind in FEATURE_KINDS])
    section.extra_tables.append(("Seed 0, real windows classified right, per recording:",
                                 ["Recording", "Class", "Windows", "flat", "pooled"], recording_rows))

    summary = f"mean of {seeds} seeds" if seeds > 1 else "seed 0"
    section.targets = [
        Target(f"{kind} model trained on synthetic clips, real speech / music accuracy ({summary})",
               "reported (no target)",
               " / ".join(f"{np.mean([r[kind][m] for r in per_seed]):.3f}" for m in MEASURES[1:]), None)
        for kind in FEATURE_KINDS]
    n_speech, n_music = int(np.sum(real.labels == 1)), int(np.sum(real.labels == 0))
    section.notes += [
        f"Synthetic clips: {per_class[0]} + {per_class[1]} per class and seed (train + test), rendered in memory "
        "by speechmusic.data.synth.synthesize_clip and quantised to 16 bits as in the written dataset; each seed is "
        "a different dataset, the real windows are the same for all.",
        f"Model: the lab's LogisticRegression, lr 0.005, {iterations} iterations, from zero weights; real "
        "speech / music figures are the fractions of real windows of that class classified right.",
        f"Real windows from {Path(root).name}/: {n_speech} speech (hop {SPEECH_HOP:g} s) from "
        f"{len(set(real.recordings[real.labels == 1]))} recordings, {n_music} music (hop {MUSIC_HOP:g} s, at most "
        f"{MUSIC_MAX_WINDOWS} per recording, spread evenly) from {len(set(real.recordings[real.labels == 0]))} "
        "recordings. No parameter is fitted to them.",
        f"Rendering, features and training for {seeds} seed(s): {seconds(elapsed)}. Protocol and discussion: "
        "docs/synthetic.md, 'How realistic is it? (measured)'.",
    ]
    return section
