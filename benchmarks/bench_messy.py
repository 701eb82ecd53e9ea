"""Benchmark 6: messy recordings. Does the default model survive what users actually send?

Users' audio is rarely a clean 3-s clip at 22050 Hz: phone calls at 8 kHz, one-second snippets,
low-bitrate MP3, clips padded with silence, quiet recordings, 24-bit stereo at 44.1 kHz. This
benchmark trains the **default command-line model** exactly as a user would (the offline synthetic
dataset written by :func:`speechmusic.data.synth.build_synthetic_dataset`, 60 + 20 clips per class,
seed 0; :func:`speechmusic.apps.pipeline.train_classifier` with its defaults, i.e. ``speechmusic
train``; saved and loaded back as a model file), then classifies degraded copies of the real
recordings in ``../shared/real-audio`` with :func:`speechmusic.apps.pipeline.predict_file`, the code
behind ``speechmusic predict`` (files longer than one window: the file-level label, the mean of
the windows' probabilities).

The real recordings are first cut into excerpts of 3-10 s (see :func:`excerpt_spans`); each
excerpt is then written once per condition (:data:`CONDITIONS`) into the work folder. The sources
are only read. Nothing real is used for training. The real ``other/`` folder (neither speech nor
music) is reported separately, as a curiosity: which label does each condition push it towards?
"""

from __future__ import annotations

import shutil
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechmusic.apps.augment import telephone  # noqa: F401 (one home for the telephone line)

from .bench_real import REAL_AUDIO
from .report import Section, Target, seconds

#: The conditions, in report order, with what each file is.
CONDITIONS: dict[str, str] = {
    "clean": "the excerpt as it is: 16-bit WAV, mono, at the recording's own rate (22050 Hz here)",
    "telephone": "resampled to 8 kHz, band-limited to 300-3400 Hz (4th-order Butterworth band-pass), "
                 "8-bit mu-law WAV (G.711, as phone networks carry it); the file itself is at 8 kHz, "
                 "so the pipeline resamples it up",
    "mp3": "MP3 at about 32 kbit/s constant bitrate, mono (libsndfile's encoder, compression level 0.85)",
    "snippets": "one-second excerpts as their own files (up to 3 per excerpt: its first, middle and last "
                "second; a shorter excerpt gives itself); the pipeline zero-pads each to one 3-s window",
    "padded": "1.5 s of digital silence, the excerpt, 1.5 s of digital silence (16-bit WAV)",
    "quiet": "the sound scaled to a peak of -40 dBFS, plus white noise at -80 dBFS RMS (16-bit WAV)",
    "stereo": "44.1 kHz, 24-bit, two channels (the right one at 0.6 x the left, a panned source); "
              "the pipeline averages the channels and resamples down",
}
CLASSES = ("speech", "music")

#: Excerpt lengths (s) drawn uniformly in this range, cut one after the other from each recording.
EXCERPT_SECONDS = (3.0, 10.0)
#: Most excerpts kept per recording, spread evenly (long music tracks would swamp the 3 speech files).
MAX_EXCERPTS = {"speech": None, "music": 4, "other": 2}
SNIPPET_SECONDS, SNIPPETS_PER_EXCERPT = 1.0, 3
PAD_SECONDS = 1.5
QUIET_PEAK_DBFS, QUIET_NOISE_DBFS = -40.0, -80.0
#: libsndfile's MP3 encoder: 0 = best quality; 0.85 gives ~32 kbit/s CBR at 22050 Hz mono.
MP3_COMPRESSION_LEVEL = 0.85
STEREO_RATE, STEREO_SUBTYPE, STEREO_RIGHT_GAIN = 44100, "PCM_24", 0.6


def _seed(*parts: str) -> int:
    """A stable seed from names (Python's ``hash`` of a string changes between runs)."""
    return zlib.crc32("/".join(parts).encode("utf-8"))


def excerpt_spans(n_samples: int, sample_rate: int, *, rng: np.random.Generator,
                  seconds_range: tuple[float, float] = EXCERPT_SECONDS,
                  max_excerpts: int | None = None) -> list[tuple[int, int]]:
    """Consecutive, non-overlapping excerpts ``[start, stop)`` of random length in ``seconds_range``.

    A recording shorter than the shortest length gives itself whole; a leftover end shorter than
    that is dropped. With ``max_excerpts``, at most that many are kept, spread evenly over the
    recording (first and last kept).

    Examples
    --------
    >>> spans = excerpt_spans(20 * 100, 100, rng=np.random.default_rng(0))
    >>> all(300 <= stop - start <= 1000 for start, stop in spans), spans[0][0]
    (True, 0)
    >>> excerpt_spans(150, 100, rng=np.random.default_rng(0))
    [(0, 150)]
    """
    low, high = (int(round(s * sample_rate)) for s in seconds_range)
    if n_samples < low:
        return [(0, n_samples)] if n_samples > 0 else []
    spans, start = [], 0
    while n_samples - start >= low:
        length = min(int(rng.integers(low, high + 1)), n_samples - start)
        spans.append((start, start + length))
        start += length
    if max_excerpts is not None and len(spans) > max_excerpts:
        picks = np.linspace(0, len(spans) - 1, max_excerpts).round().astype(int)
        spans = [spans[i] for i in picks]
    return spans


def snippets(y: np.ndarray, sample_rate: int, *, seconds: float = SNIPPET_SECONDS,
             count: int = SNIPPETS_PER_EXCERPT) -> list[np.ndarray]:
    """Up to ``count`` excerpts of ``seconds`` each, evenly spread from the start to the end of ``y``.

    Examples
    --------
    >>> [len(s) for s in snippets(np.zeros(250), 100)]
    [100, 100, 100]
    >>> [s.size for s in snippets(np.zeros(50), 100)]      # shorter than a snippet: kept whole
    [50]
    """
    n = int(round(seconds * sample_rate))
    if len(y) <= n:
        return [np.asarray(y, dtype=np.float32)]
    starts = np.unique(np.linspace(0, len(y) - n, count).round().astype(int))
    return [np.asarray(y[s : s + n], dtype=np.float32) for s in starts]


def pad_with_silence(y: np.ndarray, sample_rate: int, *, seconds: float = PAD_SECONDS) -> np.ndarray:
    """``seconds`` of digital silence (exact zeros), ``y``, and ``seconds`` of silence again."""
    pad = int(round(seconds * sample_rate))
    return np.pad(np.asarray(y, dtype=np.float32), (pad, pad))


def make_quiet(y: np.ndarray, *, rng: np.random.Generator, peak_dbfs: float = QUIET_PEAK_DBFS,
               noise_dbfs: float = QUIET_NOISE_DBFS) -> np.ndarray:
    """``y`` scaled so that its peak is ``peak_dbfs``, plus white noise of ``noise_dbfs`` RMS."""
    y = np.asarray(y, dtype=np.float64)
    peak = np.max(np.abs(y)) if y.size else 0.0
    scaled = y * (10 ** (peak_dbfs / 20) / peak) if peak > 0 else y
    return (scaled + 10 ** (noise_dbfs / 20) * rng.standard_normal(y.size)).astype(np.float32)


def to_stereo(y: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    """Two channels at 44.1 kHz, the right one quieter: ``((n, 2) signal, 44100)``."""
    from speechmusic.core.audio import resample

    wide = resample(y, orig_sr=sample_rate, target_sr=STEREO_RATE)
    return np.stack([wide, STEREO_RIGHT_GAIN * wide], axis=1), STEREO_RATE


def write_mp3(path: Path, y: np.ndarray, sample_rate: int) -> Path:
    """Write a low-bitrate MP3 atomically (never over an existing file)."""
    import soundfile as sf

    from speechmusic.core.fileio import atomic_path

    with atomic_path(path) as tmp:
        sf.write(str(tmp), np.clip(y, -1.0, 1.0), sample_rate, format="MP3",
                 compression_level=MP3_COMPRESSION_LEVEL, bitrate_mode="CONSTANT")
    return Path(path)


def mp3_available() -> bool:
    """True when this libsndfile can write MP3 (libsndfile >= 1.1 built with LAME)."""
    import soundfile as sf

    return "MP3" in sf.available_formats()


def write_conditions(y: np.ndarray, sample_rate: int, folder: Path, stem: str) -> dict[str, list[Path]]:
    """Write one excerpt (mono float32) under every condition; returns condition -> files.

    Files go to ``folder/<condition>/<stem>[-k].<ext>``.
    """
    from speechmusic.core.fileio import write_wav

    folder = Path(folder)
    rng = np.random.default_rng(_seed(stem))
    files: dict[str, list[Path]] = {}
    files["clean"] = [write_wav(folder / "clean" / f"{stem}.wav", y, sample_rate)]
    narrow, narrow_rate = telephone(y, sample_rate)
    files["telephone"] = [write_wav(folder / "telephone" / f"{stem}.wav", narrow, narrow_rate, subtype="ULAW")]
    files["mp3"] = [write_mp3(folder / "mp3" / f"{stem}.mp3", y, sample_rate)]
    files["snippets"] = [write_wav(folder / "snippets" / f"{stem}-{k}.wav", s, sample_rate)
                         for k, s in enumerate(snippets(y, sample_rate))]
    files["padded"] = [write_wav(folder / "padded" / f"{stem}.wav", pad_with_silence(y, sample_rate), sample_rate)]
    files["quiet"] = [write_wav(folder / "quiet" / f"{stem}.wav", make_quiet(y, rng=rng), sample_rate)]
    wide, wide_rate = to_stereo(y, sample_rate)
    files["stereo"] = [write_wav(folder / "stereo" / f"{stem}.wav", wide, wide_rate, subtype=STEREO_SUBTYPE)]
    return files


@dataclass
class MessyFile:
    """One degraded file and what it should be classified as."""

    path: Path
    condition: str
    label: str  # "speech", "music" or "other"
    recording: str


def recordings(root: Path) -> dict[str, list[Path]]:
    """Audio files of ``root``/speech, /music and /other (empty lists when absent)."""
    from speechmusic.core.audio import is_audio_path

    root = Path(root)
    return {label: sorted(p for p in (root / label).glob("*") if p.is_file() and is_audio_path(p))
            if (root / label).is_dir() else [] for label in (*CLASSES, "other")}


def make_messy_set(root: Path, out_dir: Path) -> tuple[list[MessyFile], dict[str, int]]:
    """Cut every recording of ``root`` into excerpts and write each under every condition.

    Returns the files and the number of excerpts per class.
    """
    import warnings

    from speechmusic.core.audio import decode
    from speechmusic.core.config import DEFAULT_PARAMS

    sr = DEFAULT_PARAMS.sample_rate  # the recordings' own rate here; decode() resamples any other
    items: list[MessyFile] = []
    excerpts = {}
    for label, paths in recordings(root).items():
        excerpts[label] = 0
        for index, path in enumerate(paths):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = decode(path, sample_rate=sr)
            spans = excerpt_spans(y.size, sr, rng=np.random.default_rng(_seed(label, path.name)),
                                  max_excerpts=MAX_EXCERPTS[label])
            for k, (start, stop) in enumerate(spans):
                # Short ASCII names: some sources have spaces, quotes and brackets in theirs.
                written = write_conditions(y[start:stop], sr, Path(out_dir) / label, f"{label}{index:02d}-{k:02d}")
                items += [MessyFile(p, condition, label, path.name) for condition, ps in written.items() for p in ps]
            excerpts[label] += len(spans)
    return items, excerpts


def train_default(data_dir: Path, model_path: Path, *, feature_kind: str | None = None):
    """Train as ``speechmusic train --data-dir DATA --model M [--features KIND]`` does, save, load back.

    ``feature_kind`` None: ``train``'s default kind.
    """
    from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND, load_classifier, save_classifier, train_classifier
    from speechmusic.data.dataset import load_split

    X, y, _ = load_split(data_dir, "train", progress=False)
    classifier = train_classifier(X, y, feature_kind=feature_kind or DEFAULT_FEATURE_KIND)
    save_classifier(classifier, model_path, overwrite=True)
    return load_classifier(model_path)


def classify(items: list[MessyFile], classifier) -> np.ndarray:
    """File-level probability of speech of each file, as ``speechmusic predict`` computes it."""
    from speechmusic.apps.pipeline import predict_file

    # None means digital silence throughout (not expected from excerpts of real recordings): NaN,
    # which is then counted as "not speech".
    probabilities = (predict_file(item.path, classifier).probability_speech for item in items)
    return np.array([np.nan if p is None else p for p in probabilities], dtype=np.float64)


def _accuracy(items: list[MessyFile], said_speech: np.ndarray, condition: str, label: str) -> tuple[int, int]:
    chosen = np.array([i.condition == condition and i.label == label for i in items])
    right = said_speech[chosen] if label == "speech" else ~said_speech[chosen]
    return int(right.sum()), int(chosen.sum())


def condition_table(items: list[MessyFile], probabilities: np.ndarray) -> tuple[list[list[str]], dict]:
    """Rows per condition: counts, speech and music accuracy, balanced accuracy, change against clean."""
    said_speech = probabilities > 0.5
    scores = {}
    for condition in CONDITIONS:
        (sr_, st), (mr, mt) = (_accuracy(items, said_speech, condition, label) for label in CLASSES)
        speech, music = (sr_ / st if st else float("nan")), (mr / mt if mt else float("nan"))
        scores[condition] = {"speech": speech, "music": music, "balanced": (speech + music) / 2,
                             "counts": (sr_, st, mr, mt)}
    clean = scores["clean"]
    rows = []
    for condition, s in scores.items():
        sr_, st, mr, mt = s["counts"]
        delta = lambda key: "–" if condition == "clean" else f"{100 * (s[key] - clean[key]):+.0f}"  # noqa: E731, B023 (used in this iteration)
        rows.append([condition, f"{st} / {mt}", f"{s['speech']:.2f} ({sr_}/{st})", delta("speech"),
                     f"{s['music']:.2f} ({mr}/{mt})", delta("music"), f"{s['balanced']:.2f}", delta("balanced")])
    return rows, scores


HEADERS = ["Condition", "Files (speech / music)", "Speech acc.", "Δ speech (points)", "Music acc.",
           "Δ music (points)", "Balanced", "Δ balanced"]


def run(work_dir: Path, *, root: Path = REAL_AUDIO, per_class: tuple[int, int] = (60, 20),
        flat: bool = True) -> Section:
    """Benchmark 6 (skipped, with the reason, without speech and music recordings or the generator).

    Parameters
    ----------
    work_dir : Path
        Folder for the synthetic dataset (reused when already there), the model files and the
        degraded copies (rewritten on each run).
    root : Path
        Folder with ``speech/``, ``music/`` (and optionally ``other/``) recordings.
    per_class : (int, int)
        Synthetic clips per class (train, test); the default command-line model uses 60 + 20.
    flat : bool
        Also test the lab's flat model (flattened spectrogram, lr 0.005, 2000 iterations).
    """
    section = Section(title="6. Messy recordings: the default model on degraded real audio")
    skip_targets = [Target("messy recordings, worst balanced-accuracy change against clean (default model)",
                           "reported (no target)", "skipped", None)]
    from .data import have_synthetic

    files = recordings(Path(root))
    if not files["speech"] or not files["music"]:
        section.skipped = f"{root} is not present (or lacks speech/ and music/ recordings)."
        section.targets = skip_targets
        return section
    if not have_synthetic():
        section.skipped, section.targets = "speechmusic.data.synth is not available.", skip_targets
        return section
    if not mp3_available():  # pragma: no cover - libsndfile >= 1.1 writes MP3
        section.skipped = "this libsndfile cannot write MP3 (needs libsndfile >= 1.1)."
        section.targets = skip_targets
        return section
    from speechmusic.data.synth import build_synthetic_dataset

    work_dir = Path(work_dir)
    data_dir = work_dir / f"synthetic-{per_class[0]}-{per_class[1]}-seed0"
    began = time.perf_counter()
    build_synthetic_dataset(data_dir, n_train=per_class[0], n_test=per_class[1], seed=0, progress=False)
    from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND

    models = {f"default ({DEFAULT_FEATURE_KIND}, standardised)": train_default(data_dir, work_dir / "messy-default.npz")}
    if flat:
        models["lab's flat model"] = train_default(data_dir, work_dir / "messy-flat.npz", feature_kind="flat")
    trained = time.perf_counter() - began

    out_dir = work_dir / "messy-audio"
    shutil.rmtree(out_dir, ignore_errors=True)
    began = time.perf_counter()
    items, excerpts = make_messy_set(Path(root), out_dir)
    written = time.perf_counter() - began
    began = time.perf_counter()
    probabilities = {name: classify(items, model) for name, model in models.items()}
    predicted = time.perf_counter() - began

    names = list(models)
    section.headers = HEADERS
    section.rows, scores = condition_table(items, probabilities[names[0]])
    for name in names[1:]:
        rows, _ = condition_table(items, probabilities[name])
        section.extra_tables.append((f"The same files, {name} (flattened spectrogram, lr 0.005, 2000 iterations):",
                                     HEADERS, rows))
    others = [i for i in items if i.label == "other"]
    if others:
        rows = []
        for condition in CONDITIONS:
            chosen = np.array([i.label == "other" and i.condition == condition for i in items])
            rows.append([condition, str(int(chosen.sum()))]
                        + [f"{np.mean(probabilities[name][chosen] > 0.5):.2f}" for name in names])
        section.extra_tables.append(("Curiosity: real 'other' recordings (neither class), fraction called speech:",
                                     ["Condition", "Files"] + names, rows))

    worst = min((c for c in CONDITIONS if c != "clean"), key=lambda c: scores[c]["balanced"])
    change = 100 * (scores[worst]["balanced"] - scores["clean"]["balanced"])
    section.targets = [Target("messy recordings, worst balanced-accuracy change against clean (default model)",
                              "reported (no target)", f"{worst}: {change:+.0f} points "
                              f"({scores['clean']['balanced']:.2f} -> {scores[worst]['balanced']:.2f})", None)]
    section.notes += [
        f"Model: trained as `speechmusic train` does with its defaults ({DEFAULT_FEATURE_KIND} features, "
        f"standardised, lr 0.1, 1000 iterations) on the synthetic dataset only ({per_class[0]} + {per_class[1]} "
        "clips per class, seed 0; training split), saved and loaded back; every file classified by "
        "`pipeline.predict_file`, the code of `speechmusic predict` (file label = mean of its 3-s windows' "
        "probabilities > 0.5; a file of at most 3 s is one window, zero-padded at the end).",
        f"Excerpts: each real recording cut into consecutive excerpts of {EXCERPT_SECONDS[0]:g}-"
        f"{EXCERPT_SECONDS[1]:g} s (random lengths, seeded by file name; a recording shorter than "
        f"{EXCERPT_SECONDS[0]:g} s is one excerpt; at most {MAX_EXCERPTS['music']} per music recording, "
        f"spread evenly): {excerpts['speech']} speech excerpts from {len(files['speech'])} recordings, "
        f"{excerpts['music']} music excerpts from {len(files['music'])}. Nothing real is used for training.",
        *(f"Condition '{name}': {what}." for name, what in CONDITIONS.items()),
        "Silence: dynamics and pooled features leave out silent frames (zero padding, digital silence; see "
        "speechmusic.core.features.analysis_frames and pooled_features), so a 1-s file or a silence-padded one is "
        "summarised by its sound alone; the flat model has one weight per frame and position and cannot do that.",
        "Δ columns: change of accuracy against the clean condition, in percentage points. With 3 speech "
        "recordings every speech figure is coarse: one recording more or less right moves it a lot.",
        f"Times: synthetic set and training {seconds(trained)}, writing {len(items)} degraded files "
        f"{seconds(written)}, classifying them with {len(models)} model(s) {seconds(predicted)}.",
    ]
    return section
