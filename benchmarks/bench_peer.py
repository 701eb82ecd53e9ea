"""Benchmark 8: side by side with a peer, pyAudioAnalysis, on the same leave-one-source-out folds.

pyAudioAnalysis (PyPI ``pyAudioAnalysis``, a benchmark-only dependency: ``.venv/bin/pip install
-e .[bench]``) is trained the way its documentation describes for a speech/music classifier
(``audioTrainTest.extract_features_and_train([music_dir, speech_dir], 1.0, 1.0, 0.05, 0.05, "svm",
...)``): its own short-term features (50-ms frames: energy, zero-crossing rate, spectral shape,
MFCCs, chroma, with deltas), averaged into mid-term statistics over 1-s windows and then over the
whole file (one vector per file), standardised, and a linear SVM whose C is chosen by its own
``evaluate_classifier`` (repeated group-aware train/validation splits, best macro F1). A held-out
file is scored as its ``file_classification`` does.

Both systems see the same clips: each clip of ``../shared/real-world`` is decoded once with
:func:`speechmusic.core.audio.decode` (mono, 22050 Hz) and written as a 16-bit WAV into the work folder
(pyAudioAnalysis reads files itself and reads only WAV without ffmpeg). Both are evaluated on the
same folds: each of the sources (manifest ``repo``) held out in turn.

To keep the run short, pyAudioAnalysis's per-file features are extracted once (its
``multiple_directory_feature_extraction``, which ``extract_features_and_train`` calls first; the
features of a file do not depend on the fold), then each fold repeats the rest of
``extract_features_and_train`` on the training files only: ``evaluate_classifier`` with the
training files' sources as groups, ``StandardScaler``, ``train_svm``. Its random splits are seeded
(``numpy.random.seed``) so that runs repeat.

Also reported, for reference: pyAudioAnalysis's pretrained speech/music model shipped in the
package (``svm_rbf_sm``), which needs no training.
"""

from __future__ import annotations

import contextlib
import io
import time
import warnings
from pathlib import Path

import numpy as np

from .bench_loso import REAL_WORLD, have_real_world
from .report import Section, Target, seconds

#: pyAudioAnalysis's documented settings for a speech/music classifier.
MID_WINDOW, MID_STEP, SHORT_WINDOW, SHORT_STEP = 1.0, 1.0, 0.05, 0.05
#: Its SVM C grid (as extract_features_and_train uses for "svm").
SVM_C = (0.001, 0.01, 0.5, 1.0, 5.0, 10.0, 20.0)
INSTALL_HINT = ".venv/bin/pip install -e .[bench]"


def peer_available() -> str | None:
    """None when pyAudioAnalysis can be imported, else why not (a sentence)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pyAudioAnalysis import MidTermFeatures, audioTrainTest  # noqa: F401
    except Exception as error:  # ImportError, or a dependency failing at import
        return f"pyAudioAnalysis is not installed or does not import ({type(error).__name__}: {error}); " \
               f"install the benchmark extra: {INSTALL_HINT}"
    return None


@contextlib.contextmanager
def _quiet():
    """pyAudioAnalysis prints a line per file and per experiment: keep the report readable."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def write_wavs(data, out: Path) -> dict[str, Path]:
    """Each clip of ``data`` (ClipWindows) decoded to mono 22050 Hz 16-bit WAV under ``out/<label>/``."""
    import soundfile as sf

    from speechmusic.core.audio import decode

    paths = {}
    for clip in data.clips:
        path = Path(out) / clip.label_name / f"{clip.id}.wav"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            y = decode(clip.path, sample_rate=22050)
            sf.write(str(path), np.clip(y, -1.0, 1.0), 22050, subtype="PCM_16")
        paths[clip.id] = path
    return paths


def peer_file_features(folders: list[Path]) -> tuple[np.ndarray, list[str], list[int]]:
    """pyAudioAnalysis's per-file feature vectors of the WAVs in ``folders`` (one class per folder).

    Returns the matrix, the file stems and the class index (position in ``folders``) of each row.
    """
    from pyAudioAnalysis import MidTermFeatures as aF

    with _quiet():
        features, _, file_names = aF.multiple_directory_feature_extraction(
            [str(f) for f in folders], MID_WINDOW, MID_STEP, SHORT_WINDOW, SHORT_STEP, compute_beat=False)
    rows, stems, classes = [], [], []
    for index, (matrix, names) in enumerate(zip(features, file_names)):
        matrix = np.atleast_2d(matrix)
        rows.append(matrix)
        stems += [Path(n).stem for n in names]
        classes += [index] * len(names)
    return np.concatenate(rows), stems, classes


def peer_train(features: np.ndarray, classes: np.ndarray, groups: list[str], *, seed: int = 0, n_exp: int = -1):
    """pyAudioAnalysis's training on given per-file features, as ``extract_features_and_train`` does.

    Returns ``(svm, mean, std, chosen_C)``.
    """
    from pyAudioAnalysis import audioTrainTest as aT
    from sklearn.preprocessing import StandardScaler

    per_class = [features[classes == c] for c in (0, 1)]
    np.random.seed(seed)  # its splits and the SVM's probability calibration draw from numpy's global state
    with _quiet():
        best = aT.evaluate_classifier(per_class, ["music", "speech"], "svm", np.array(SVM_C), 1,
                                      list(groups), n_exp=n_exp, train_percentage=0.90)
    X, y = aT.features_to_matrix(per_class)
    scaler = StandardScaler()
    X = scaler.fit_transform(X)
    with _quiet():
        svm = aT.train_svm(X, y, best)
    return svm, scaler.mean_, scaler.scale_, float(best)


def peer_speech_probability(svm, mean, std, features: np.ndarray) -> np.ndarray:
    """P(speech) of each file as ``file_classification`` computes it (class 1 = speech)."""
    from pyAudioAnalysis import audioTrainTest as aT

    out = []
    for row in features:
        _, probability = aT.classifier_wrapper(svm, "svm", (row - mean) / std)
        out.append(float(probability[1]))
    return np.array(out)


def pretrained_probabilities(paths: list[Path]) -> np.ndarray:
    """P(speech) from pyAudioAnalysis's shipped speech/music model (``svm_rbf_sm``), or NaN where it fails."""
    import pyAudioAnalysis
    from pyAudioAnalysis import audioTrainTest as aT

    model = Path(pyAudioAnalysis.__file__).parent / "data" / "models" / "svm_rbf_sm"
    out = []
    for path in paths:
        with _quiet():
            _, probability, classes = aT.file_classification(str(path), str(model), "svm_rbf")
        if not isinstance(classes, (list, tuple)) or "speech" not in classes:
            out.append(np.nan)
            continue
        out.append(float(probability[list(classes).index("speech")]))
    return np.array(out)


def run(work_dir: Path, *, root: Path = REAL_WORLD, n_exp: int = -1, pretrained: bool = True) -> Section:
    """Benchmark 8 (skipped, with the reason, without ../shared/real-world or pyAudioAnalysis)."""
    section = Section(title="8. Side by side with pyAudioAnalysis (same leave-one-source-out folds)")
    target = "ahead of pyAudioAnalysis (balanced accuracy)"
    root = Path(root)
    if not have_real_world(root):
        section.skipped = f"{root} is not present (or lacks manifest.csv, speech/ and music/)."
    else:
        section.skipped = peer_available()
    if section.skipped:
        section.targets = [Target("leave-one-source-out, ours vs pyAudioAnalysis", target, "skipped", None)]
        return section

    from speechmusic.apps import evaluation as ev
    from speechmusic.apps.pipeline import DEFAULT_FEATURE_KIND

    work_dir = Path(work_dir)
    # The peer tells speech from music only: both systems are compared on those two labels' clips.
    data = ev.load_clip_windows(root, labels=("speech", "music"))
    began = time.perf_counter()
    ours = ev.leave_one_source_out(data, feature_kind=DEFAULT_FEATURE_KIND)
    ours_seconds = time.perf_counter() - began

    wav_dir = work_dir / "peer-wav"
    paths = write_wavs(data, wav_dir)
    began = time.perf_counter()
    features, stems, classes = peer_file_features([wav_dir / "music", wav_dir / "speech"])
    extract_seconds = time.perf_counter() - began
    row_of = {stem: i for i, stem in enumerate(stems)}
    order = [row_of[c.id] for c in data.clips]  # pyAudioAnalysis lists files by name within a class
    features, classes = features[order], np.asarray(classes)[order]
    if not np.array_equal(classes, data.labels):
        raise RuntimeError("pyAudioAnalysis's class folders do not match the clip labels")
    sources = data.sources
    probability = np.full(len(data.clips), np.nan)
    chosen = {}
    began = time.perf_counter()
    for held_out in sorted(set(sources)):
        test = sources == held_out
        svm, mean, std, c = peer_train(features[~test], classes[~test], list(sources[~test]), n_exp=n_exp)
        chosen[held_out] = c
        probability[test] = peer_speech_probability(svm, mean, std, features[test])
    train_seconds = time.perf_counter() - began
    peer = ev.ClipScores.from_speech_probability(list(data.clips), probability, fold=list(sources))

    systems = [(f"speechmusic ({DEFAULT_FEATURE_KIND} features, logistic regression)", ours),
               ("pyAudioAnalysis (mid-term features, linear SVM), trained on the same folds", peer)]
    if pretrained:
        began = time.perf_counter()
        shipped = ev.ClipScores.from_speech_probability(list(data.clips), pretrained_probabilities(
            [paths[c.id] for c in data.clips]), fold=["pretrained"] * len(data.clips))
        pretrained_seconds = time.perf_counter() - began
        systems.append(("pyAudioAnalysis's pretrained svm_rbf_sm (no training here; reference)", shipped))
    rows = []
    for name, s in systems:
        m = s.summary()
        rows.append([name, f"{m['balanced_accuracy']:.3f}", f"{m['auc']:.3f}", f"{m['speech_right']}/{m['speech_clips']}",
                     f"{m['music_right']}/{m['music_clips']}"])
    section.headers = ["System", "Balanced acc.", "AUC", "Speech right", "Music right"]
    section.rows = rows

    tables = [{(r["label"], r["category"]): r for r in s.table("category")} for _, s in systems]
    category_rows = []
    for key in sorted(tables[0], key=lambda k: (k[0], -tables[0][k]["clips"], k[1])):
        category_rows.append([key[0], key[1], str(tables[0][key]["clips"])] + [str(t[key]["right"]) for t in tables])
    section.extra_tables.append((
        "Per category (clips right):",
        ["Class", "Category", "Clips", "speechmusic", "pyAudioAnalysis (same folds)"]
        + (["pyAudioAnalysis pretrained"] if pretrained else []),
        category_rows))

    ours_score, peer_score = ours.balanced_accuracy(), peer.balanced_accuracy()
    section.targets = [Target("leave-one-source-out, ours vs pyAudioAnalysis", target,
                              f"{ours_score:.3f} vs {peer_score:.3f}", ours_score > peer_score)]
    values = sorted(chosen.values())
    wrong = "; ".join(f"{w['id']} ({w['label']}, {w['category']})" for w in peer.wrong()) or "none"
    section.notes += [
        f"{len(data.clips)} clips from {len(set(sources))} sources; one fold per source. Clip verdicts: ours "
        "= mean of the 3-s windows' probabilities (as `predict`); pyAudioAnalysis = one vector per file "
        "(as its `file_classification`).",
        f"pyAudioAnalysis settings: mid-term window/step {MID_WINDOW:g}/{MID_STEP:g} s, short-term "
        f"{SHORT_WINDOW:g}/{SHORT_STEP:g} s, no beat features, linear SVM, C chosen per fold from "
        f"{', '.join(f'{c:g}' for c in SVM_C)} by its evaluate_classifier (macro F1, "
        f"{'automatic number of' if n_exp == -1 else n_exp} group-aware splits); chosen C: median "
        f"{values[len(values) // 2]:g}, range {values[0]:g}-{values[-1]:g}.",
        f"Time: ours {seconds(ours_seconds)} for all folds (features from the windows loaded once); "
        f"pyAudioAnalysis {seconds(extract_seconds)} feature extraction + {seconds(train_seconds)} "
        "parameter search and training over the folds"
        + (f"; pretrained model {seconds(pretrained_seconds)}." if pretrained else "."),
        f"Misclassified by pyAudioAnalysis (same folds): {wrong}.",
        f"pyAudioAnalysis {_version()} with scikit-learn {_version('sklearn')}.",
    ]
    return section


def _version(module: str = "pyAudioAnalysis") -> str:
    from importlib.metadata import PackageNotFoundError, version

    name = {"sklearn": "scikit-learn"}.get(module, module)
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover
        return "?"


__all__ = ["run", "peer_available", "write_wavs", "peer_file_features", "peer_train", "peer_speech_probability"]
