"""Benchmark 3: ``segment`` on a long generated recording (one hour by default).

The recording alternates speech and music stretches of 20 s to 3 min (ground truth known), built
from the benchmark's generated clips, written as a 44.1 kHz mono 16-bit WAV so that decoding *and*
resampling are part of the cost. Models of ``train``'s default feature kind (``dynamics``) and of
the previous default (``pooled``) are trained on the clips of benchmark 1's small dataset; both
segment the same recording in the same run, so their speeds compare directly; so does the
``dynamics`` model with boundary refinement off (``segment --no-refine``, the previous behaviour).
Each row also counts the true boundaries found within 1 s (benchmark 9's matching).

Measured against a straightforward baseline in the same run: ``librosa.load`` of the whole file,
then per-window librosa features (the benchmark-1 recipe) for the same windows (3 s every
0.9985 s), classified, each window labelling the second around its centre. Both are also run in
a fresh process for their peak memory; ``segment`` streams the file in blocks, the baseline holds
all of it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import build_dataset
from .isolated import run_step
from .report import Section, Target, mib, ratio, seconds

TARGET_REALTIME = 300.0
RECORDING_RATE = 44100
#: Grid (seconds) on which labelled time is compared with the truth.
GRID = 0.1


def make_recording(path: Path, clip_dir: Path, *, duration: float, seed: int = 0) -> list[tuple[float, float, str]]:
    """Write the long recording; return its true segments ``(start, end, label)`` in seconds."""
    import soundfile as sf
    import soxr

    from speechmusic.core.fileio import atomic_path

    pools: dict[str, list[np.ndarray]] = {}
    for label in ("music", "speech"):
        for clip in sorted((Path(clip_dir) / "train" / label).glob("*.wav")):
            y, sr = sf.read(str(clip), dtype="float32")
            pools.setdefault(label, []).append(soxr.resample(y, sr, RECORDING_RATE).astype(np.float32))
    rng = np.random.default_rng(seed)
    truth, position, label = [], 0.0, rng.choice(["music", "speech"])
    with atomic_path(path, overwrite=True) as tmp:
        with sf.SoundFile(str(tmp), "w", RECORDING_RATE, 1, subtype="PCM_16", format="WAV") as out:
            while position < duration - 1e-9:
                length = min(float(rng.uniform(20, 180)), duration - position)
                n = int(round(length * RECORDING_RATE))
                gain = rng.uniform(0.4, 1.0)
                written = 0
                while written < n:
                    clip = pools[label][rng.integers(len(pools[label]))][: n - written]
                    out.write(np.clip(gain * clip, -1, 1))
                    written += clip.size
                truth.append((position, position + n / RECORDING_RATE, str(label)))
                position += n / RECORDING_RATE
                label = "speech" if label == "music" else "music"
    return truth


def timeline_accuracy(truth, segments) -> float:
    """Fraction of the recording's time (on a 0.1-s grid) given its true label."""
    end = truth[-1][1]
    grid = np.arange(0, end, GRID) + GRID / 2
    def labels(parts):
        out = np.full(grid.size, "", dtype=object)
        for start, stop, label in parts:
            out[(grid >= start) & (grid < stop)] = label
        return out
    return float(np.mean(labels(truth) == labels(segments)))


def boundary_summary(truth, segments) -> str:
    """``"k/n (median error s)"``: true boundaries found within 1 s (benchmark 9's matching)."""
    from .bench_programme import boundaries, match_boundaries

    true = boundaries([tuple(t) for t in truth])
    errors, _, _ = match_boundaries(true, boundaries([tuple(s) for s in segments]))
    within = sum(e <= 1.0 + 1e-9 for e in errors)
    return f"{within}/{len(true)} ({np.median(errors):.2f} s)" if errors else f"0/{len(true)}"


def benchmark_segmentation(path, classifier, *, repeats: int = 1, **options) -> dict:
    """Time :func:`speechmusic.apps.segmentation.segment_file` on a recording (best of ``repeats``).

    Returns
    -------
    dict
        ``duration_seconds`` (audio), ``elapsed_seconds`` (best of ``repeats``),
        ``realtime_factor`` (audio seconds per wall-clock second), ``n_windows``, ``n_segments``,
        ``peak_block_seconds`` (audio decoded per block: the memory bound).
    """
    from speechmusic.apps.segmentation import segment_file
    from speechmusic.apps.windows import DEFAULT_BLOCK_SECONDS

    best = None
    for _ in range(max(1, repeats)):
        result = segment_file(path, classifier, **options)
        if best is None or result.elapsed < best.elapsed:
            best = result
    return {
        "duration_seconds": round(best.duration, 3),
        "elapsed_seconds": round(best.elapsed, 4),
        "realtime_factor": round(best.realtime_factor, 1),
        "n_windows": int(best.window_probability.size),
        "n_segments": len(best.segments),
        "peak_block_seconds": options.get("block_duration", DEFAULT_BLOCK_SECONDS),
    }


def step_segment(recording: str, model: str, refine: bool = True) -> dict:
    from speechmusic.apps.pipeline import load_classifier
    from speechmusic.apps.segmentation import segment_file
    from speechmusic.core.executor import relax_malloc_trim

    relax_malloc_trim()  # what the segment command does in its process (commands/segment.py)
    result = segment_file(recording, load_classifier(model), refine=refine)
    return {"segments": [(s.start, s.end, s.label) for s in result.segments], "duration": result.duration,
            "windows": int(result.window_probability.size)}


def step_baseline(recording: str, model: str) -> dict:
    """The straightforward way: load everything, then window by window with librosa."""
    import librosa

    from speechmusic.apps.pipeline import load_classifier
    from speechmusic.apps.windows import hop_in_samples

    from .bench_features import librosa_window_features

    classifier = load_classifier(model)
    params = classifier.params
    y, sr = librosa.load(recording, sr=params.sample_rate)
    hop = hop_in_samples(1.0, params)
    starts = list(range(0, max(1, y.size - params.n_samples + 1), hop))
    features = np.stack([librosa_window_features(y[s : s + params.n_samples], params) for s in starts])
    probability = classifier.speech_probability(features)
    centres = (np.array(starts) + params.n_samples / 2) / sr
    half = hop / sr / 2
    segments = [(max(0.0, c - half) if i else 0.0, c + half if i < len(starts) - 1 else y.size / sr,
                 classifier.label_of(p)) for i, (c, p) in enumerate(zip(centres, probability))]
    return {"segments": segments, "duration": y.size / sr, "windows": len(starts)}


def run(work_dir: Path, *, quick: bool = False, duration: float | None = None, kind: str = "synthetic",
        per_class: tuple[int, int] = (60, 20), isolate: bool = True) -> Section:
    """Benchmark 3 on a recording of ``duration`` seconds (default 3600; 600 with ``quick``).

    ``isolate``: each pipeline in a fresh process, for its peak memory (False: in this process,
    no memory figures; the smoke test's tiny mode).
    """
    section = Section(title="3. segment on a long recording")
    try:
        from speechmusic.apps.pipeline import save_classifier, train_classifier
        from speechmusic.apps.segmentation import segment_file  # noqa: F401
    except ImportError as error:
        section.skipped = f"the segment code is not available in this checkout ({error})."
        section.targets = [Target("segment speed", f"≥ {TARGET_REALTIME:g}× real time", "not available", None)]
        return section
    from speechmusic.data.dataset import load_dataset

    duration = duration or (600.0 if quick else 3600.0)
    work_dir = Path(work_dir)
    clip_dir = work_dir / "features-small"
    build_dataset(clip_dir, n_train=per_class[0], n_test=per_class[1], kind=kind)
    train_x, train_y, _, _, _ = load_dataset(clip_dir, progress=False)
    from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND

    model_path = work_dir / "segment-model.npz"
    save_classifier(train_classifier(train_x, train_y), model_path, overwrite=True)
    pooled_path = work_dir / "segment-model-pooled.npz"
    save_classifier(train_classifier(train_x, train_y, feature_kind="pooled"), pooled_path, overwrite=True)
    recording = work_dir / f"long-recording-{int(duration)}s.wav"
    truth = make_recording(recording, clip_dir, duration=duration)

    ours = run_step("benchmarks.bench_segment:step_segment", recording=str(recording), model=str(model_path), isolate=isolate)
    unrefined = run_step("benchmarks.bench_segment:step_segment", recording=str(recording),
                             model=str(model_path), refine=False, isolate=isolate)
    pooled = run_step("benchmarks.bench_segment:step_segment", recording=str(recording), model=str(pooled_path), isolate=isolate)
    from speechmusic.apps.pipeline import default_model_path

    shipped = None
    if default_model_path().is_file():
        shipped = run_step("benchmarks.bench_segment:step_segment", recording=str(recording),
                               model=str(default_model_path()), isolate=isolate)
    base = run_step("benchmarks.bench_segment:step_baseline", recording=str(recording), model=str(model_path), isolate=isolate)
    audio = ours["result"]["duration"]
    factor = audio / ours["seconds"]
    runs = [(f"speechmusic segment_file (streaming, shared frames, HMM smoothing), "
             f"{DEFAULT_FEATURE_KIND} model trained here", ours),
            ("same, boundaries not refined (`segment --no-refine`)", unrefined),
            ("same, pooled model (previous default)", pooled)]
    if shipped is not None:
        runs.append(("same, the shipped default model (calibrated; what `segment FILE` uses)", shipped))
    runs.append(("baseline: librosa.load whole file + per-window librosa features", base))
    for name, r in runs:
        section.rows.append([name, seconds(r["seconds"]), ratio(audio / r["seconds"]),
                             ratio(base["seconds"] / r["seconds"]), mib(r["peak_rss_mib"]),
                             mib(None if r["peak_rss_mib"] is None else r["peak_rss_mib"] - r["start_rss_mib"]),
                             str(r["result"]["windows"]), f"{timeline_accuracy(truth, r['result']['segments']):.3f}",
                             boundary_summary(truth, r["result"]["segments"])])
    section.headers = ["Pipeline", "Time", "× real time", "Speed-up", "Peak RSS", "Added by the step",
                       "Windows", "Time labelled right", "Boundaries within 1 s (median error)"]
    length = f"{audio / 60:.0f} min" if audio >= 120 else f"{audio:.0f} s"
    # Start-up (reading the model, first blocks) dominates very short recordings: judge from 10 min.
    section.targets = [Target(f"segment, {length} recording", f"≥ {TARGET_REALTIME:g}× real time"
                              + ("" if audio >= 600 else " (judged from 10 min)"),
                              ratio(factor), factor >= TARGET_REALTIME if audio >= 600 else None)]
    if shipped is not None:
        shipped_factor = audio / shipped["seconds"]
        section.targets.append(Target(f"segment with the shipped default model, {length} recording",
                                      f"≥ {TARGET_REALTIME:g}× real time" + ("" if audio >= 600 else " (judged from 10 min)"),
                                      ratio(shipped_factor),
                                      shipped_factor >= TARGET_REALTIME if audio >= 600 else None))
    section.notes += [
        f"Recording: {length}, {RECORDING_RATE} Hz mono 16-bit WAV ({recording.stat().st_size / 2**20:.0f} MB), "
        f"{len(truth)} alternating speech/music stretches of 20-180 s built from the generated clips.",
        "Each pipeline runs once in a fresh Python process; times exclude the interpreter start and imports "
        "but include reading the model, decoding and resampling. The speechmusic rows relax glibc's malloc "
        "thresholds first, as the segment command does (core.executor.relax_malloc_trim); the baseline runs "
        "with the defaults. 'Time labelled right' compares the output "
        f"timeline with the truth on a {GRID:g}-s grid (models trained on benchmark 1's 120 training clips; "
        f"the baseline uses the {DEFAULT_FEATURE_KIND} model and has no smoothing; the shipped default model was "
        "trained on other data, real recordings among them, and labels these generated clips with its own "
        "convention).",
    ]
    return section
