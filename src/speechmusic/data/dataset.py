"""The dataset: folder layout, loading with a feature cache, and the lab's ``load_dataset``.

Layout::

    <data_dir>/train/music/*.wav     <data_dir>/train/speech/*.wav
    <data_dir>/test/music/*.wav      <data_dir>/test/speech/*.wav

Any format :mod:`speechmusic.core.audio` decodes may be placed there by hand (sub-folders too); each
file is one example (its clip is chosen by :func:`speechmusic.core.audio.fit_to_clip`). Files are read,
never modified. Non-audio files are ignored; undecodable audio files are skipped with a warning
that names them.

Feature cache: ``<data_dir>/.cache/features-v<N>-<params key>/<ab>/<digest>.npy``, one float32
array per file, keyed by a BLAKE2 digest of the file's bytes and a hash of every feature
parameter. Renaming a file keeps its entry; editing it or changing a parameter misses the cache.
Entries are written atomically, so concurrent loaders and interrupted runs leave only complete
entries; an unreadable entry is recomputed; a read-only data folder just disables writing.

So that a warm load need not read and hash every recording again, ``digests.json`` in the cache
folder remembers each file's digest together with its size, modification and status-change times
and inode; the digest is reused only while all four are unchanged. Any write to a file changes its
status-change time, even when the modification time is set back afterwards, and a file changed in
the last few seconds before it was hashed is not remembered (coarse file-system clocks could hide
a second edit). The memo is an optimisation only: missing, damaged or unwritable, it is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from speechmusic.core.audio import find_audio_files, load_clip, load_clip_from_bytes
from speechmusic.core.config import (
    CLASS_NAMES,
    DATA_ENV_VAR,
    DEFAULT_PARAMS,
    LABELS,
    LOAD_ORDER,
    SPLITS,
    FeatureParams,
    params_from_dict,
)
from speechmusic.core.errors import AudioError, DatasetError, ParameterError
from speechmusic.core.features import batch_features, clip_features
from speechmusic.core.fileio import save_npy, write_text

#: Bump when the feature computation changes in a way the parameters do not capture.
CACHE_VERSION = 1
CACHE_DIR_NAME = ".cache"
#: File (in the cache folder) remembering the digest of each recording; see the module notes.
DIGEST_MEMO_NAME = "digests.json"
#: Files changed less than this long before they are hashed are not remembered (FAT clocks tick in 2 s).
DIGEST_MEMO_SETTLE_NS = 3_000_000_000
_DIGEST_PATTERN = re.compile(r"[0-9a-f]{32}")
#: Below this many files to decode, a process pool costs more than it saves: starting it takes
#: about a second (each worker imports numpy, scipy and librosa), while in one process the FFT and
#: the matrix products already use every core. Measured on 2 cores (benchmarks/, benchmark 1):
#: the lab's 160 clips load in 0.45 s in one process against 1.3 s with a new pool; a running pool
#: saves 20-30 %, so it pays off from a few thousand files on a first load.
PARALLEL_MIN_FILES = 500

GET_DATA_HINT = (
    "Get data first, in the repository folder, for example:\n"
    "  .venv/bin/python download_samples.py --source synthetic --data-dir {data_dir}   (offline, seconds)\n"
    "  .venv/bin/python download_samples.py                          (menu; option 3 = real speech + music)\n"
    "or add your own recordings: .venv/bin/speechmusic prepare --from-folder SRC --label speech|music "
    "--split train|test --data-dir {data_dir}"
)


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data folder: ``data_dir`` if given, else ``$SPEECHMUSIC_DATA``, else ``./data``."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_ENV_VAR) or "data"
    return Path(data_dir).expanduser()


def list_split(data_dir: str | os.PathLike, split: str) -> list[tuple[Path, int]]:
    """Audio files of one split with their labels, in a deterministic order.

    Order: speech before music (:data:`~speechmusic.core.config.LOAD_ORDER`), then by path relative
    to the class folder.

    Raises
    ------
    DatasetError
        The split or one of its class folders is missing or holds no audio file; the message says
        what to run.
    """
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    data_dir = Path(data_dir)
    hint = GET_DATA_HINT.format(data_dir=data_dir)
    if not data_dir.is_dir():
        raise DatasetError(f"data folder {data_dir} does not exist.\n{hint}")
    items: list[tuple[Path, int]] = []
    for name in LOAD_ORDER:
        folder = data_dir / split / name
        if not folder.is_dir():
            raise DatasetError(f"{folder} is missing: the dataset needs {split}/music and {split}/speech.\n{hint}")
        files = find_audio_files(folder)
        if not files:
            raise DatasetError(f"{folder} holds no audio files.\n{hint}")
        items.extend((p, LABELS[name]) for p in files)
    return items


@dataclass
class FeatureCache:
    """Per-file feature cache under ``<data_dir>/.cache`` (see the module notes)."""

    root: Path
    params: FeatureParams = DEFAULT_PARAMS
    writable: bool = True
    _memo: dict | None = field(default=None, repr=False)
    _memo_changed: bool = field(default=False, repr=False)

    @classmethod
    def for_data_dir(cls, data_dir: str | os.PathLike, params: FeatureParams = DEFAULT_PARAMS) -> FeatureCache:
        folder = Path(data_dir) / CACHE_DIR_NAME / f"features-v{CACHE_VERSION}-{params.key()}"
        return cls(root=folder, params=params)

    def _entry(self, digest: str) -> Path:
        return self.root / digest[:2] / f"{digest}.npy"

    def get(self, digest: str) -> np.ndarray | None:
        """The cached features, or None when absent or unusable."""
        path = self._entry(digest)
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if array.shape != self.params.shape or array.dtype != np.float32 or not np.isfinite(array).all():
            return None
        if array.min() < 0.0 or array.max() > 1.0:  # features are in [0, 1]: anything else is damage
            return None
        return array

    def digest(self, path: Path) -> str:
        """Content digest of ``path``, read and hashed only when the file changed since last time.

        Raises ``OSError`` when the file cannot be read.
        """
        if self._memo is None:
            try:
                memo = json.loads((self.root / DIGEST_MEMO_NAME).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                memo = {}
            self._memo = memo if isinstance(memo, dict) else {}
        info = os.stat(path)
        stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        key = os.path.abspath(path)
        known = self._memo.get(key)
        if (isinstance(known, list) and len(known) == 2 and known[0] == stamp
                and isinstance(known[1], str) and _DIGEST_PATTERN.fullmatch(known[1])):
            return known[1]
        digest = file_digest(Path(path).read_bytes())
        if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > DIGEST_MEMO_SETTLE_NS:
            self._memo[key] = [stamp, digest]
            self._memo_changed = True
        return digest

    def save_digests(self) -> None:
        """Write the digest memo if it learnt something (silently skipped when it cannot be written)."""
        if not self._memo_changed or not self.writable:
            return
        memo = {key: value for key, value in self._memo.items() if os.path.exists(key)}
        try:
            write_text(self.root / DIGEST_MEMO_NAME, json.dumps(memo), overwrite=True)
        except OSError:
            pass  # an optimisation only; put() reports an unwritable cache
        self._memo_changed = False

    def put(self, digest: str, features: np.ndarray) -> None:
        """Store features; on an unwritable folder, warn once and stop trying."""
        if not self.writable:
            return
        try:
            save_npy(self._entry(digest), np.asarray(features, dtype=np.float32), overwrite=True)
        except OSError as error:
            self.writable = False
            warnings.warn(
                f"feature cache disabled: cannot write to {self.root} ({error.strerror or error}); "
                "features will be recomputed on every load",
                RuntimeWarning,
                stacklevel=3,
            )


def file_digest(data: bytes) -> str:
    """Content key of a file: BLAKE2b (128 bit) of its bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _decode_many(paths: list[str], params: FeatureParams) -> list[tuple[np.ndarray | None, str | None, list[str]]]:
    """Worker: (features, error, warnings) for each path. Runs in a separate process for big loads."""
    results = []
    clips, slots = [], []
    for path in paths:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                clip = load_clip_from_bytes(Path(path).read_bytes(), name=path, params=params)
                error = None
            except (AudioError, OSError) as exc:
                clip, error = None, str(exc)
            except Exception as exc:  # a decoder failing in an unforeseen way must not end the load
                clip, error = None, f"{path}: cannot decode audio: {type(exc).__name__}: {exc}"

        results.append([None, error, [str(w.message) for w in caught]])
        if clip is not None:
            clips.append(clip)
            slots.append(len(results) - 1)
    if clips:
        features = batch_features(np.stack(clips), params=params)
        for slot, feature in zip(slots, features):
            results[slot][0] = feature
    return [tuple(r) for r in results]


def extract_features(
    paths: list[Path],
    *,
    params: FeatureParams = DEFAULT_PARAMS,
    cache: FeatureCache | None = None,
    n_jobs: int | None = None,
    progress: bool = True,
) -> tuple[np.ndarray, list[int]]:
    """Features of many files, from the cache where possible, in parallel otherwise.

    Parameters
    ----------
    paths : list of Path
        Audio files.
    params : FeatureParams
        Feature parameters.
    cache : FeatureCache or None
        Cache to read and fill (None: no cache).
    n_jobs : int or None
        Worker processes for decoding (None: all cores when there are many files; 1: in process).
    progress : bool
        Show a progress bar when files have to be decoded.

    Returns
    -------
    features : np.ndarray
        float32 ``(k, n_mels, n_frames)`` for the ``k`` files that could be read.
    kept : list of int
        Index into ``paths`` of each row of ``features``. Unreadable files are left out with a
        ``RuntimeWarning`` naming each one.
    """
    results: list[np.ndarray | None] = [None] * len(paths)
    digests: list[str | None] = [None] * len(paths)
    todo: list[int] = []
    for i, path in enumerate(paths):
        if cache is not None:
            try:
                digests[i] = cache.digest(path)
            except OSError:
                pass  # reported by the decoder below
            else:
                results[i] = cache.get(digests[i])
        if results[i] is None:
            todo.append(i)

    if todo:
        if n_jobs is None:
            n_jobs = (os.cpu_count() or 1) if len(todo) >= PARALLEL_MIN_FILES else 1
        n_jobs = max(1, min(n_jobs, len(todo)))
        # Chunks: big enough to amortise process hand-off, small enough for a smooth progress bar.
        size = max(1, min(32, -(-len(todo) // (4 * n_jobs))))
        chunks = [todo[k : k + size] for k in range(0, len(todo), size)]
        bar = tqdm(total=len(todo), desc="features", unit="file", disable=not progress or len(todo) < PARALLEL_MIN_FILES)
        if n_jobs == 1:
            outputs = (_decode_many([str(paths[i]) for i in chunk], params) for chunk in chunks)
        else:
            from joblib import Parallel, delayed  # here: joblib starts its process machinery (loky) on import

            outputs = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_decode_many)([str(paths[i]) for i in chunk], params) for chunk in chunks
            )
        with bar:
            for chunk, output in zip(chunks, outputs):
                for i, (feature, error, notes) in zip(chunk, output):
                    for note in notes:
                        warnings.warn(note, RuntimeWarning, stacklevel=2)
                    if error is not None:
                        warnings.warn(f"skipped {error}", RuntimeWarning, stacklevel=2)
                        continue
                    results[i] = feature
                    if cache is not None and digests[i] is not None:
                        cache.put(digests[i], feature)
                bar.update(len(chunk))
    if cache is not None:
        cache.save_digests()

    kept = [i for i, r in enumerate(results) if r is not None]
    if kept:
        features = np.stack([results[i] for i in kept])
    else:
        features = np.empty((0, *params.shape), dtype=np.float32)
    return features, kept


def load_split(
    data_dir: str | os.PathLike | None,
    split: str,
    *,
    cache: bool = True,
    dtype=np.float64,
    params: FeatureParams = DEFAULT_PARAMS,
    n_jobs: int | None = None,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray, list[Path]]:
    """Features, labels and paths of one split.

    Returns
    -------
    X : np.ndarray
        ``(m, n_mels, n_frames)`` of ``dtype``.
    y : np.ndarray
        ``(m,)`` int labels (music 0, speech 1).
    paths : list of Path
        The file of each example.

    Raises
    ------
    DatasetError
        Missing folder, or a class with no readable file (the message says what to run).
    """
    data_dir = resolve_data_dir(data_dir)
    items = list_split(data_dir, split)
    feature_cache = FeatureCache.for_data_dir(data_dir, params) if cache else None
    features, kept = extract_features(
        [p for p, _ in items], params=params, cache=feature_cache, n_jobs=n_jobs, progress=progress
    )
    labels = np.array([items[i][1] for i in kept], dtype=np.int64)
    for label, name in enumerate(CLASS_NAMES):
        if not np.any(labels == label):
            raise DatasetError(
                f"{data_dir / split / name}: none of its audio files could be read (see the warnings above).\n"
                + GET_DATA_HINT.format(data_dir=data_dir)
            )
    return features.astype(dtype, copy=False), labels, [items[i][0] for i in kept]


#: The original lab's keyword arguments for feature settings, and the FeatureParams field each sets.
LAB_KEYWORDS = {"sr": "sample_rate", "duration": "duration", "n_mels": "n_mels", "n_fft": "n_fft",
                "hop_length": "hop_length"}
_LAB_VALUES = "sr=22050, duration=3.0, n_mels=128, n_fft=2048, hop_length=512"


def apply_lab_keywords(params: FeatureParams, function: str, **values) -> FeatureParams:
    """``params`` with the original lab's keyword arguments applied (``None`` keeps a value).

    ``function`` names the caller in error messages. Raises :class:`~speechmusic.core.errors.ParameterError`
    for a value the feature computation cannot use, naming the lab's values.
    """
    changes = {LAB_KEYWORDS[key]: value for key, value in values.items() if value is not None}
    if not changes:
        return params
    try:
        return params_from_dict({**params.as_dict(), **changes})
    except ParameterError as error:
        given = ", ".join(f"{key}={value!r}" for key, value in values.items() if value is not None)
        problem = str(error).replace("sample_rate", "sr")  # in the caller's words
        raise ParameterError(f"{function}({given}): {problem}. The lab's settings are {_LAB_VALUES}.") from None


def load_dataset(data_path=None, sr=None, duration=None, n_mels=None, *, cache=True, dtype=np.float64,
                 params: FeatureParams = DEFAULT_PARAMS, n_jobs: int | None = None, progress: bool = True,
                 data_dir=None):
    """Load the lab's dataset.

    The first four parameters are those of the original lab's ``load_dataset(data_path='data',
    sr=22050, duration=3.0, n_mels=128)``, in the same order; the rest are keyword-only.

    Parameters
    ----------
    data_path : path-like or None
        Dataset root; None means ``$SPEECHMUSIC_DATA``, else ``./data``. (``data_dir=`` is
        accepted as another name for it.)
    sr, duration, n_mels : number or None
        Sample rate (Hz), clip length (s) and mel bands; None keeps the value of ``params``
        (the lab's 22050, 3.0 and 128). Other values work: features get another shape.
    cache : bool
        Use and fill the feature cache under ``<data_dir>/.cache``.
    dtype : numpy dtype
        Feature dtype. float64 (default) matches the float64 weights learners create with
        ``np.zeros``; float32 features would be converted on every gradient step.
    params : FeatureParams
        Feature parameters (the lab's by default); ``sr``, ``duration``, ``n_mels`` override theirs.
    n_jobs : int or None
        Worker processes for decoding (None: automatic).
    progress : bool
        Show a progress bar while decoding many files.

    Returns
    -------
    train_set_x_orig : np.ndarray, shape (m_train, 128, 130)
        Speech examples first, then music (in file-name order within a class).
    train_set_y : np.ndarray, shape (1, m_train), int (speech 1, music 0)
    test_set_x_orig : np.ndarray, shape (m_test, 128, 130)
    test_set_y : np.ndarray, shape (1, m_test)
    classes : np.ndarray
        ``np.array([b"music", b"speech"])``: ``classes[label]`` names a label.

    Raises
    ------
    DatasetError
        Missing folder or empty class (the message says what to run).
    ParameterError
        A feature setting the computation cannot use.

    Examples
    --------
    >>> train_x, train_y, test_x, test_y, classes = load_dataset("data")   # doctest: +SKIP
    >>> train_x.shape[1:], classes[train_y[0, 0]]                          # doctest: +SKIP
    ((128, 130), b'speech')
    >>> load_dataset("data", sr=22050, duration=3.0, n_mels=128)          # doctest: +SKIP
    """
    if data_dir is not None:
        if data_path is not None:
            raise ParameterError("load_dataset: give the data folder once, as data_path (or data_dir), not both")
        data_path = data_dir
    params = apply_lab_keywords(params, "load_dataset", sr=sr, duration=duration, n_mels=n_mels)
    options = dict(cache=cache, dtype=dtype, params=params, n_jobs=n_jobs, progress=progress)
    train_x, train_y, _ = load_split(data_path, "train", **options)
    test_x, test_y, _ = load_split(data_path, "test", **options)
    classes = np.array([name.encode() for name in CLASS_NAMES])
    return train_x, train_y.reshape(1, -1), test_x, test_y.reshape(1, -1), classes


def load_audio_file(file_path: str | os.PathLike, sr=None, duration=None, n_mels=None, n_fft=None, hop_length=None,
                    *, params: FeatureParams = DEFAULT_PARAMS, dtype=np.float64) -> np.ndarray:
    """Features of one recording of any length or format, as the dataset would compute them.

    The first six parameters are those of the original lab's ``load_audio_file(file_path,
    sr=22050, duration=3.0, n_mels=128, n_fft=2048, hop_length=512)``, in the same order.

    Parameters
    ----------
    file_path : path-like
        The recording.
    sr, duration, n_mels, n_fft, hop_length : number or None
        Sample rate (Hz), clip length (s), mel bands, FFT size and hop (samples); None keeps the
        value of ``params`` (the lab's 22050, 3.0, 128, 2048, 512). Other values work; the
        spectrogram then has another shape (a model trained on the lab's must get the lab's).
    params : FeatureParams
        Feature parameters; the keywords above override theirs.
    dtype : numpy dtype
        Output dtype (float64 by default, like :func:`load_dataset`).

    Returns
    -------
    np.ndarray
        ``(n_mels, frames)`` spectrogram in [0, 1]: ``(128, 130)`` with the lab's settings.

    Raises
    ------
    AudioError
        The file is missing or cannot be decoded.
    ParameterError
        A feature setting the computation cannot use.

    Examples
    --------
    >>> S = load_audio_file("my_recording.mp3", sr=22050, duration=3.0, n_mels=128)  # doctest: +SKIP
    >>> S.shape                                                                       # doctest: +SKIP
    (128, 130)
    """
    params = apply_lab_keywords(params, "load_audio_file", sr=sr, duration=duration, n_mels=n_mels, n_fft=n_fft,
                                hop_length=hop_length)
    return clip_features(load_clip(file_path, params=params), params=params).astype(dtype, copy=False)
