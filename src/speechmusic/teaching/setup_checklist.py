"""Is the lab ready? The checklist behind ``python test_setup.py`` and ``speechmusic check``.

Checks, in order, each reported as OK, WARN, FAIL or SKIP with a hint for what to do:

* **environment**: the Python version; the packages the lab needs (numpy, scipy, librosa,
  soundfile with its libsndfile and the formats it reads, soxr, matplotlib, tqdm, joblib) and
  those that open the notebook (ipykernel and a Jupyter front end); optional extras (nbclient
  for grading, scikit-learn for the notebook's bonus cross-check) only warn;
* **lab files**: ``audio_utils`` (what the notebook imports) can be imported;
* **audio**: a generated tone survives a write/decode/feature round trip: (128, 130) features in
  [0, 1], loudest in the right mel band;
* **data**: the data folder has ``train`` and ``test`` with ``music`` and ``speech`` audio files
  (counts), how long the files are (3-s clips, longer files, too short files), then
  ``load_dataset`` gives the lab's shapes, ``classes`` and values in [0, 1] with no NaN.

Only the standard library is imported at module level, so the checklist can still report a
missing numpy instead of crashing. The lab is ready (exit code 0) when nothing FAILs.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from speechmusic.core.config import CLASS_NAMES, DEFAULT_PARAMS, SPLITS

# Imports inside the checks below are on purpose: the checklist must run, and report, on an
# installation where numpy, soundfile, librosa or parts of this package are missing or broken;
# an import at the top would fail before the first line of the report.

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
_TAGS = {OK: "[ OK ]", WARN: "[WARN]", FAIL: "[FAIL]", SKIP: "[SKIP]"}

#: Fewer clips than this per class and split gives noisy accuracies: warn.
MIN_CLIPS_PER_CLASS = {"train": 20, "test": 5}
#: Files shorter than this are mostly zero padding: warn.
SHORT_FILE_SECONDS = 1.0
MIN_PYTHON = (3, 10)

#: (import name, pip name, why) of the packages the lab needs.
REQUIRED_PACKAGES = (
    ("numpy", "numpy", "arrays"),
    ("scipy", "scipy", "signal processing"),
    ("librosa", "librosa", "mel filters"),
    ("soundfile", "soundfile", "reading audio files"),
    ("soxr", "soxr", "resampling"),
    ("matplotlib", "matplotlib", "figures"),
    ("tqdm", "tqdm", "progress bars"),
    ("joblib", "joblib", "parallel feature extraction"),
    ("ipykernel", "ipykernel", "running the notebook"),
)
#: Packages that only some parts use: missing ones are warnings.
OPTIONAL_PACKAGES = (
    ("nbclient", "nbclient", "'speechmusic grade' and the notebook tests"),
    ("nbformat", "nbformat", "'speechmusic grade' and the notebook tests"),
    ("sklearn", "scikit-learn", "the notebook's bonus cross-check against scikit-learn"),
)
INSTALL_HINT = ("install everything the lab needs, from the repository folder: "
                "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt")


@dataclass
class CheckResult:
    """One line of the checklist."""

    group: str
    name: str
    status: str
    detail: str = ""
    hint: str = ""


class Checklist:
    """Collects :class:`CheckResult` lines, printing each as it is decided when ``echo`` is set."""

    def __init__(self, echo=None):
        self.results: list[CheckResult] = []
        self.echo = echo

    def add(self, group: str, name: str, status: str, detail: str = "", hint: str = "") -> CheckResult:
        result = CheckResult(group, name, status, detail, hint)
        self.results.append(result)
        if self.echo is not None:
            repeated = bool(hint) and any(r.hint == hint for r in self.results[:-1])
            self.echo(format_result(CheckResult(group, name, status, detail, "(see above)" if repeated else hint)))
        return result

    @property
    def ready(self) -> bool:
        return not any(r.status == FAIL for r in self.results)


def format_result(result: CheckResult) -> str:
    """``[ OK ] name: detail`` plus an indented hint line."""
    line = f"  {_TAGS[result.status]} {result.name}" + (f": {result.detail}" if result.detail else "")
    if result.hint and result.status in (WARN, FAIL):
        line += "\n" + "\n".join(f"         {h}" for h in result.hint.splitlines())
    return line


def _text(name) -> str:
    """A class name as text: the dataset stores them as bytes (``b"music"``), like the original lab."""
    return name.decode() if isinstance(name, bytes) else str(name)


def _installed_version(module_name: str, distribution: str) -> str | None:
    """The installed version of a package found without importing it; None when it is not installed."""
    try:
        if importlib.util.find_spec(module_name) is None:
            return None
    except (ImportError, ValueError):
        return None
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _version(module) -> str:
    return str(getattr(module, "__version__", "") or "")


def check_environment(checks: Checklist) -> None:
    """Python version and packages."""
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] >= MIN_PYTHON:
        checks.add("environment", "Python", OK, version)
    else:
        checks.add("environment", "Python", FAIL, f"{version} is too old",
                   f"the lab needs Python {'.'.join(map(str, MIN_PYTHON))} or newer")
    for module_name, pip_name, why in REQUIRED_PACKAGES + OPTIONAL_PACKAGES:
        required = (module_name, pip_name, why) in REQUIRED_PACKAGES
        if not required:
            # Optional packages only warn, so finding them is enough: importing nbformat, nbclient
            # and scikit-learn took 3 s of the checklist's 6.
            version = _installed_version(module_name, pip_name)
            if version is None:
                checks.add("environment", pip_name, WARN, f"not installed (needed for {why})",
                           f"only needed for {why}: .venv/bin/pip install {pip_name}")
            else:
                checks.add("environment", pip_name, OK, version)
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # ImportError, or a broken install raising something else
            reason = "not installed" if isinstance(error, ModuleNotFoundError) else f"broken install ({type(error).__name__}: {error})"
            checks.add("environment", pip_name, FAIL, f"{reason} (needed for {why})", INSTALL_HINT)
            continue
        detail = _version(module)
        if module_name == "soundfile":
            formats = module.available_formats()
            readable = [name for name in ("WAV", "FLAC", "OGG", "MP3") if name in formats]
            detail += f" (libsndfile {module.__libsndfile_version__}; reads {', '.join(f.lower() for f in readable)})"
            if "MP3" not in formats:
                checks.add("environment", pip_name, WARN, detail + ": no mp3 support",
                           "mp3 files will be skipped; upgrade: .venv/bin/pip install -U soundfile (libsndfile >= 1.1)")
                continue
        checks.add("environment", pip_name, OK, detail)
    front_ends = [
        f"{name} {version}" for name in ("notebook", "jupyterlab")
        if (version := _installed_version(name, name)) is not None
    ]
    if front_ends:
        checks.add("environment", "Jupyter", OK, ", ".join(front_ends))
    else:
        checks.add("environment", "Jupyter", WARN, "neither notebook nor jupyterlab is installed",
                   "open the notebook in VS Code, or install a front end: .venv/bin/pip install notebook")


def check_lab_files(checks: Checklist) -> None:
    """The package and the module the notebook imports."""
    try:
        import speechmusic  # here, like the imports below: the checklist reports a broken package itself

        checks.add("lab", "speechmusic package", OK, f"{speechmusic.__version__} ({Path(speechmusic.__file__).parent})")
    except Exception as error:  # pragma: no cover - this module is part of the package
        checks.add("lab", "speechmusic package", FAIL, str(error), INSTALL_HINT)
        return
    try:
        module = importlib.import_module("audio_utils")
        missing = [n for n in ("load_dataset", "load_audio_file") if not hasattr(module, n)]
        if missing:
            checks.add("lab", "audio_utils", FAIL, f"{module.__file__} lacks {', '.join(missing)}",
                       "another audio_utils.py shadows the lab's: rename it")
        else:
            checks.add("lab", "audio_utils", OK, f"importable ({module.__file__})")
    except ModuleNotFoundError as error:
        if error.name != "audio_utils":
            checks.add("lab", "audio_utils", FAIL, f"import fails: {error}", INSTALL_HINT)
            return
        repository = Path(__file__).resolve().parents[3]  # src/speechmusic/teaching -> repository root
        folder = repository if (repository / "audio_utils.py").is_file() else None
        if folder is not None:
            checks.add("lab", "audio_utils", WARN, f"not importable from here, found in {folder}",
                       f"start Jupyter from that folder (cd {folder}) so the notebook can import it")
        else:
            checks.add("lab", "audio_utils", FAIL, "not importable (the notebook imports it)",
                       "run this from the repository root (the folder with audio_utils.py)")
    except Exception as error:
        checks.add("lab", "audio_utils", FAIL, f"import fails: {type(error).__name__}: {error}", INSTALL_HINT)


def check_audio_pipeline(checks: Checklist) -> None:
    """Write a 1 kHz tone, decode it at another rate, and check its features."""
    try:
        import numpy as np
        import soundfile as sf

        from speechmusic.core.audio import load_clip
        from speechmusic.core.features import clip_features
        from speechmusic.core.mel import mel_band_edges
    except Exception as error:
        checks.add("audio", "audio round trip", SKIP, f"packages missing ({error})")
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tone.flac"
            sr = 44100
            t = np.arange(int(2.0 * sr)) / sr
            sf.write(str(path), 0.5 * np.sin(2 * np.pi * 1000.0 * t), sr)
            S = clip_features(load_clip(path))
        mel_centres = mel_band_edges(DEFAULT_PARAMS)[1:-1]
        loudest = int(np.argmax(S[:, :40].mean(axis=1)))  # first ~1 s: the tone, before the padding
        ok_band = abs(mel_centres[loudest] - 1000.0) < 150.0
        ok_range = bool(np.isfinite(S).all() and S.min() >= 0.0 and S.max() <= 1.0)
        if S.shape == DEFAULT_PARAMS.shape and ok_band and ok_range:
            checks.add("audio", "audio round trip", OK,
                       f"44.1 kHz flac -> 22050 Hz -> features {S.shape} in [0, 1], 1 kHz tone in mel band {loudest}")
        else:
            checks.add("audio", "audio round trip", FAIL,
                       f"features {S.shape}, range [{S.min():.3g}, {S.max():.3g}], loudest band {loudest} "
                       f"({mel_centres[loudest]:.0f} Hz, expected ~1000 Hz)", INSTALL_HINT)
    except Exception as error:
        checks.add("audio", "audio round trip", FAIL, f"{type(error).__name__}: {error}", INSTALL_HINT)


def check_data(checks: Checklist, data_dir: Path, *, load_features: bool = True, progress: bool = False) -> None:
    """Folder layout, file counts and lengths, then the loaded arrays' shapes and values."""
    from speechmusic.core.audio import find_audio_files  # imported here: the checklist reports broken imports itself
    from speechmusic.data.dataset import GET_DATA_HINT

    hint = GET_DATA_HINT.format(data_dir=data_dir)
    if not data_dir.is_dir():
        checks.add("data", "data folder", FAIL, f"{data_dir} does not exist", hint)
        checks.add("data", "dataset shapes and values", SKIP, "no data")
        return
    checks.add("data", "data folder", OK, str(data_dir.resolve()))

    counts: dict[tuple[str, str], list[Path]] = {}
    layout_ok = True
    for split in SPLITS:
        for name in CLASS_NAMES:
            folder = data_dir / split / name
            files = find_audio_files(folder) if folder.is_dir() else []
            counts[(split, name)] = files
            label = f"{split}/{name}"
            if not folder.is_dir():
                checks.add("data", label, FAIL, "folder missing", hint)
                layout_ok = False
            elif not files:
                checks.add("data", label, FAIL, "no audio files", hint)
                layout_ok = False
            elif len(files) < MIN_CLIPS_PER_CLASS[split]:
                checks.add("data", label, WARN, f"{len(files)} files",
                           f"few examples: accuracies will be noisy (aim for >= {MIN_CLIPS_PER_CLASS[split]})")
            else:
                checks.add("data", label, OK, f"{len(files)} files")
    for split in SPLITS:
        music, speech = len(counts[(split, "music")]), len(counts[(split, "speech")])
        if music and speech and max(music, speech) > 2 * min(music, speech):
            checks.add("data", f"{split} balance", WARN, f"{music} music vs {speech} speech",
                       "a lopsided split makes accuracy misleading: add files to the smaller class")

    all_files = [p for files in counts.values() for p in files]
    if all_files:
        _check_durations(checks, all_files)
    if not layout_ok:
        checks.add("data", "dataset shapes and values", SKIP, "fix the folders above first")
        return
    if not load_features:
        checks.add("data", "dataset shapes and values", SKIP, "not loaded (--no-features)")
        return
    _check_loaded(checks, data_dir, counts, progress=progress)


def _check_durations(checks: Checklist, files: list[Path]) -> None:
    import soundfile as sf

    target = DEFAULT_PARAMS.duration
    tolerance = 1.0 / DEFAULT_PARAMS.sample_rate + 1e-6
    exact, longer, shorter, too_short, unknown = 0, 0, 0, [], []
    for path in files:
        try:
            info = sf.info(str(path))
            seconds = info.frames / info.samplerate
        except Exception:
            unknown.append(path)
            continue
        if abs(seconds - target) <= tolerance:
            exact += 1
        elif seconds > target:
            longer += 1
        elif seconds < SHORT_FILE_SECONDS:
            too_short.append(path)
        else:
            shorter += 1
    parts = [f"{exact} of {len(files)} files are {target:g}-s clips"]
    if longer:
        parts.append(f"{longer} longer (a {target:g}-s window of each is used)")
    if shorter:
        parts.append(f"{shorter} shorter (zero-padded)")
    detail = "; ".join(parts)

    def names(paths):
        return ", ".join(p.name for p in paths[:3]) + (" ..." if len(paths) > 3 else "")

    if too_short:
        checks.add("data", "clip duration", WARN, f"{detail}; {len(too_short)} under {SHORT_FILE_SECONDS:g} s: {names(too_short)}",
                   "files that short are mostly zero padding: replace them with longer recordings")
    elif unknown:
        checks.add("data", "clip duration", WARN, f"{detail}; {len(unknown)} whose length cannot be read: {names(unknown)}",
                   "they may be undecodable (then skipped with a warning) or need ffmpeg")
    else:
        checks.add("data", "clip duration", OK, detail)


def _check_loaded(checks: Checklist, data_dir: Path, counts, *, progress: bool) -> None:
    import numpy as np

    from speechmusic.data.dataset import load_dataset

    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            train_x, train_y, test_x, test_y, classes = load_dataset(data_dir, progress=progress)
    except Exception as error:
        checks.add("data", "load_dataset", FAIL, f"{type(error).__name__}: {str(error).splitlines()[0]}",
                   "\n".join(str(error).splitlines()[1:]) or INSTALL_HINT)
        return
    seconds = time.perf_counter() - started
    skipped = [str(w.message) for w in caught if "skipped" in str(w.message)]
    if skipped:
        checks.add("data", "unreadable files", WARN, f"{len(skipped)} skipped: {skipped[0]}" + (" ..." if len(skipped) > 1 else ""),
                   "remove or convert them (wav/flac/ogg/mp3 always work)")
    checks.add("data", "load_dataset", OK, f"{train_x.shape[0]} train + {test_x.shape[0]} test clips in {seconds:.1f} s")

    n_mels, n_frames = DEFAULT_PARAMS.shape
    problems = []
    if train_x.ndim != 3 or train_x.shape[1:] != (n_mels, n_frames):
        problems.append(f"train_set_x_orig has shape {train_x.shape}, expected (m_train, {n_mels}, {n_frames})")
    if test_x.ndim != 3 or test_x.shape[1:] != (n_mels, n_frames):
        problems.append(f"test_set_x_orig has shape {test_x.shape}, expected (m_test, {n_mels}, {n_frames})")
    if train_y.shape != (1, train_x.shape[0]) or test_y.shape != (1, test_x.shape[0]):
        problems.append(f"label shapes {train_y.shape}, {test_y.shape}, expected (1, m_train), (1, m_test)")
    if list(classes) != [name.encode() for name in CLASS_NAMES]:
        problems.append(f"classes is {classes!r}, expected [b'music', b'speech']")
    if problems:
        checks.add("data", "shapes", FAIL, "; ".join(problems), "report this as a bug")
    else:
        checks.add("data", "shapes", OK,
                   f"train {train_x.shape}, labels {train_y.shape}; test {test_x.shape}, labels {test_y.shape}; "
                   f"classes {', '.join(_text(name) for name in classes)}")

    values = [x for x in (train_x, test_x) if x.size]
    finite = all(np.isfinite(x).all() for x in values)
    low = min(float(x.min()) for x in values) if values else 0.0
    high = max(float(x.max()) for x in values) if values else 0.0
    if not finite or low < 0.0 or high > 1.0:
        checks.add("data", "value range", FAIL, f"values in [{low:.3g}, {high:.3g}]" + ("" if finite else ", with NaN/inf"),
                   "delete the feature cache (DATA_DIR/.cache) and run again; if it persists, report a bug")
    else:
        silent = sum(int(np.sum(x.reshape(x.shape[0], -1).max(axis=1) == 0)) for x in values)
        detail = f"[{low:.2f}, {high:.2f}], no NaN, dtype {train_x.dtype}"
        if silent:
            checks.add("data", "value range", WARN, f"{detail}; {silent} silent clip(s) (all zeros)",
                       "silent files teach the model nothing: remove them")
        else:
            checks.add("data", "value range", OK, detail)


def run_checks(
    data_dir: str | Path | None = None,
    *,
    load_features: bool = True,
    echo=None,
    progress: bool = False,
) -> list[CheckResult]:
    """Run the whole checklist and return its lines (printing each as decided when ``echo`` is given).

    Parameters
    ----------
    data_dir : path-like or None
        Dataset folder (None: ``$SPEECHMUSIC_DATA``, else ``./data``).
    load_features : bool
        Also load the dataset and check shapes and values (uses and fills the feature cache).
    echo : callable or None
        Called with each formatted line, e.g. ``print``.
    progress : bool
        Show a progress bar while features are computed.
    """
    checks = Checklist(echo)
    if echo:
        echo("environment")
    check_environment(checks)
    if echo:
        echo("lab")
    check_lab_files(checks)
    check_audio_pipeline(checks)
    if echo:
        echo("data")
    try:
        from speechmusic.data.dataset import resolve_data_dir

        folder = resolve_data_dir(data_dir)
    except Exception as error:
        checks.add("data", "data folder", SKIP, f"cannot resolve it: {error}")
        return checks.results
    try:
        check_data(checks, folder, load_features=load_features, progress=progress)
    except ImportError as error:
        checks.add("data", "data checks", SKIP, f"packages missing ({error})")
    return checks.results
