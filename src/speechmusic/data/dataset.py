"""The dataset: folder layout, loading with a feature cache, and the lab's ``load_dataset``.

Layout::

    <data_dir>/train/music/*.wav     <data_dir>/train/speech/*.wav     (<data_dir>/train/noise/*.wav)
    <data_dir>/test/music/*.wav      <data_dir>/test/speech/*.wav      (<data_dir>/test/noise/*.wav)

The lab reads ``speech/`` and ``music/``; the tools' ``train`` also reads a ``noise/`` folder when
there is one (sound that is neither, :mod:`speechmusic.core.labels`).

Any format :mod:`speechmusic.core.audio` decodes may be placed there by hand (sub-folders too); each
file is one example (its clip is chosen by :func:`speechmusic.core.audio.fit_to_clip`). Files are read,
never modified. Non-audio files are ignored; undecodable audio files are skipped with a warning
that names them.

Feature cache: one memory-mapped file of float32 features per split and parameter key, with a
small index (file -> row, content digest, size, times, inode) beside it, under
``<data_dir>/.cache/features-v<N>-<params key>/``; see :mod:`speechmusic.data.feature_store` for the
layout and the rules. Renaming a file keeps its features; editing it or changing a parameter
misses the cache; damaged cache files are rebuilt with a warning naming them; a read-only data
folder just disables writing.

Decoding and features of the files the cache does not have run on every core: in threads for a
few hundred files, in worker processes for more (joblib/loky), or on a Dask cluster
(``scheduler="tcp://HOST:PORT"``, see :func:`map_on_dask_cluster`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from speechmusic.core.audio import find_audio_files, load_clip, load_clip_from_bytes
from speechmusic.core.config import (
    CLASS_NAMES,
    DATA_ENV_VAR,
    DEFAULT_PARAMS,
    LOAD_ORDER,
    SPLITS,
    FeatureParams,
    params_from_dict,
)
from speechmusic.core.errors import AudioError, DatasetError, ParameterError
from speechmusic.core.executor import run_tasks
from speechmusic.core.features import batch_features, clip_features, fft_on_one_core
from speechmusic.core.labels import LEARNED_LABELS, model_classes
from speechmusic.data.feature_store import (  # noqa: F401  (re-exported: the cache's names, where they always were)
    CACHE_DIR_NAME,
    CACHE_VERSION,
    FeatureStore,
    file_digest,
    store_folder,
)

#: Below this many files to decode, worker processes cost more than they save: starting them takes
#: about a second (each imports numpy, scipy and librosa); threads (the decoder, FFT and array
#: operations release the GIL) use every core from the first file. Measured on 2 cores
#: (benchmarks/, benchmark 1).
PARALLEL_MIN_FILES = 500
#: Files decoded per task: big enough to amortise the hand-off, small enough to keep the FFT's
#: temporaries in the CPU caches and the progress bar smooth.
CHUNK_FILES = 8

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


def split_labels(data_dir: str | os.PathLike, split: str = "train") -> tuple[str, ...]:
    """The labels a split has a folder for, in a model's column order (at least the lab's two are expected).

    Examples
    --------
    >>> split_labels("data")                                    # doctest: +SKIP
    ('speech', 'music', 'noise')
    """
    folder = Path(data_dir) / split
    present = [name for name in LEARNED_LABELS if (folder / name).is_dir()]
    if not set(CLASS_NAMES) <= set(present):
        return CLASS_NAMES
    return model_classes(present)


def list_split(data_dir: str | os.PathLike, split: str, *, labels=CLASS_NAMES) -> list[tuple[Path, int]]:
    """Audio files of one split with their labels, in a deterministic order.

    Parameters
    ----------
    data_dir : path-like
    split : {"train", "test"}
    labels : sequence of str
        The label folders to read; each file's label is its index in ``labels`` (the lab's
        default: music 0, speech 1).

    Order: speech before music (:data:`~speechmusic.core.config.LOAD_ORDER`), then the other labels,
    then by path relative to the label folder.

    Raises
    ------
    DatasetError
        The split or one of its label folders is missing or holds no audio file; the message says
        what to run.
    """
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    labels = tuple(labels)
    data_dir = Path(data_dir)
    hint = GET_DATA_HINT.format(data_dir=data_dir)
    if not data_dir.is_dir():
        raise DatasetError(f"data folder {data_dir} does not exist.\n{hint}")
    items: list[tuple[Path, int]] = []
    for name in [*LOAD_ORDER, *(n for n in labels if n not in LOAD_ORDER)]:
        if name not in labels:
            continue
        folder = data_dir / split / name
        if not folder.is_dir():
            needed = " and ".join(f"{split}/{n}" for n in sorted(labels))
            raise DatasetError(f"{folder} is missing: the dataset needs {needed}.\n{hint}")
        files = find_audio_files(folder)
        if not files:
            raise DatasetError(f"{folder} holds no audio files.\n{hint}")
        items.extend((p, labels.index(name)) for p in files)
    return items


def _decode_many(paths: list[str], params: FeatureParams,
                 lock=None) -> list[tuple[np.ndarray | None, str | None, list[str]]]:
    """Worker: (features, error, warnings) for each path.

    The decoder's warnings are collected and returned (a worker process or a cluster cannot show
    them). ``warnings.catch_warnings`` is process-wide, so threads pass a shared ``lock``: they
    take turns to decode (with the warnings of each file recorded) and compute the spectrograms,
    the bigger share of the work, side by side.
    """
    results = []
    clips, slots = [], []
    for path in paths:
        with lock or contextlib.nullcontext(), warnings.catch_warnings(record=True) as caught:
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


def _decode_many_on_one_core(paths: list[str], params: FeatureParams) -> list:
    """:func:`_decode_many` with its FFTs on one core: for workers that run one task per core
    (loky processes, Dask workers), where more FFT threads would only compete with each other."""
    with fft_on_one_core():
        return _decode_many(paths, params)


def _chunk_task(function, args: tuple, chunk: list):
    """``function(chunk, *args)``: one task of :func:`map_on_dask_cluster` (module level, so it pickles)."""
    return function(chunk, *args)


def map_on_dask_cluster(function, chunks: list, scheduler, *args) -> Iterator[tuple[int, Any]]:
    """Dask backend: ``(index, function(chunks[index], *args))`` for each chunk, in completion order.

    The tasks run through :func:`speechmusic.core.executor.run_tasks`, the backend of batch
    segmentation: one code path for the cluster. ``scheduler`` is the scheduler's address
    (``tcp://HOST:PORT``) or a connected ``distributed.Client``; the workers must be able to
    import speechmusic and read the files by the same paths (a shared folder). Tasks lost with a
    worker are re-run elsewhere by Dask; a task that raises is retried twice.

    Raises
    ------
    ParameterError
        The ``distributed`` package is missing (install ``speechmusic[cluster]``), or a task
        failed on the cluster (e.g. a worker without speechmusic). Files are never the cause:
        :func:`_decode_many` reports them as warnings.
    SpeechMusicError
        No scheduler answers at ``scheduler``.
    """
    task = functools.partial(_chunk_task, function, args)
    results: Any = run_tasks(task, chunks, scheduler=scheduler, retries=2, catch=(Exception,))  # a generator
    with contextlib.closing(results):  # the Dask client closes now, not when garbage-collected
        for result in results:
            if result.error is not None:
                raise ParameterError(
                    f"scheduler {scheduler}: a task failed on the cluster ({result.error}); "
                    "do the workers have speechmusic installed, in the same version?")
            yield result.index, result.value


def _decode_in_threads(chunks: list, params: FeatureParams, n_jobs: int) -> list:
    """``_decode_many`` of each chunk on ``n_jobs`` threads: the list of results, in chunk order.

    The FFT and numpy's array operations release the GIL, so threads use every core without the
    second it takes to start worker processes; each thread runs its FFTs on one core. Decoding
    takes turns (see :func:`_decode_many`), and the results are returned only when every thread
    is done, so that the caller's warnings are never emitted while a thread records warnings.
    """
    lock = threading.Lock()

    def work(chunk):
        with fft_on_one_core():
            return _decode_many(chunk, params, lock)

    with ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="speechmusic-decode") as pool:
        return list(pool.map(work, chunks))


def extract_features(
    paths: list[Path],
    *,
    params: FeatureParams = DEFAULT_PARAMS,
    cache: FeatureStore | None = None,
    n_jobs: int | None = None,
    progress: bool = True,
    dtype=np.float32,
    scheduler: str | None = None,
    mmap: bool = False,
) -> tuple[np.ndarray, list[int]]:
    """Features of many files, from the cache where possible, computed on every core otherwise.

    Parameters
    ----------
    paths : list of Path
        Audio files.
    params : FeatureParams
        Feature parameters.
    cache : FeatureStore or None
        The split's cache to read and fill (None: no cache).
    n_jobs : int or None
        Local workers for decoding (None or -1: every core; 1: in this thread only). Up to
        :data:`PARALLEL_MIN_FILES` files they are threads, from there on processes.
    progress : bool
        Show a progress bar when many files have to be decoded.
    dtype : numpy dtype
        Dtype of the returned features (float32, as stored, by default).
    scheduler : str or None
        ``tcp://HOST:PORT`` of a Dask scheduler: decode on that cluster instead (see
        :func:`map_on_dask_cluster`).
    mmap : bool
        With ``dtype=float32`` and every file in the cache: return a read-only memory-mapped view
        of the cache file instead of a copy (rows are read from disk as they are used). In any
        other case the array is in memory, read-only too.

    Returns
    -------
    features : np.ndarray
        ``(k, n_mels, n_frames)`` for the ``k`` files that could be read.
    kept : list of int
        Index into ``paths`` of each row of ``features``. Unreadable files are left out with a
        ``RuntimeWarning`` naming each one.
    """
    n = len(paths)
    dtype = np.dtype(dtype)
    if cache is not None:
        rows, digests, stamps = cache.lookup(paths)
        hits = np.flatnonzero(rows >= 0)
        if mmap and dtype == np.float32 and len(hits) == n:
            view = cache.view(rows)
            if view is not None:
                return view, list(range(n))
    else:
        rows, digests, stamps = np.full(n, -1, dtype=np.int64), [None] * n, [None] * n
        hits = np.empty(0, dtype=np.int64)
    out = np.empty((n, *params.shape), dtype=dtype)
    done = np.zeros(n, dtype=bool)
    if len(hits):
        bad = cache.read(rows[hits], out, hits)
        done[hits] = True
        done[hits[bad]] = False
        rows[hits[bad]] = -1
    todo = np.flatnonzero(~done).tolist()
    computed: set[int] = set()

    if todo:
        if n_jobs is None or n_jobs < 0:  # -1, as in joblib: every core
            n_jobs = os.cpu_count() or 1
        n_jobs = max(1, min(n_jobs, -(-len(todo) // CHUNK_FILES)))
        chunks = [todo[k : k + CHUNK_FILES] for k in range(0, len(todo), CHUNK_FILES)]
        names = [[str(paths[i]) for i in chunk] for chunk in chunks]
        source: Any  # a generator, a joblib generator or a list
        if scheduler is not None:
            source = map_on_dask_cluster(_decode_many_on_one_core, names, scheduler, params)  # (index, output)
        elif n_jobs == 1:
            source = (_decode_many(chunk, params) for chunk in names)
        elif len(todo) < PARALLEL_MIN_FILES:
            source = _decode_in_threads(names, params, n_jobs)
        else:
            from joblib import Parallel, delayed  # here: joblib starts its process machinery (loky) on import

            source = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_decode_many_on_one_core)(chunk, params) for chunk in names)
        outputs = source if scheduler is not None else enumerate(source)
        bar = tqdm(total=len(todo), desc="features", unit="file",
                   disable=not progress or len(todo) < PARALLEL_MIN_FILES)
        with bar, contextlib.closing(source) if hasattr(source, "close") else contextlib.nullcontext():
            # closing(): a generator's clean-up (the Dask client, joblib's pool) runs now, not when
            # it is garbage-collected
            for index, output in outputs:
                chunk = chunks[index]
                for i, (feature, error, notes) in zip(chunk, output):
                    for note in notes:
                        warnings.warn(note, RuntimeWarning, stacklevel=2)
                    if error is not None:
                        warnings.warn(f"skipped {error}", RuntimeWarning, stacklevel=2)
                        continue
                    out[i] = feature
                    done[i] = True
                    computed.add(i)
                bar.update(len(chunk))

    kept = np.flatnonzero(done).tolist()
    features = out if len(kept) == n else out[done]
    if cache is not None:
        cache.update(paths, rows, digests, stamps, features, kept, computed)
    if mmap:
        features.flags.writeable = False
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
    scheduler: str | None = None,
    mmap: bool = False,
    labels=CLASS_NAMES,
) -> tuple[np.ndarray, np.ndarray, list[Path]]:
    """Features, labels and paths of one split.

    Parameters
    ----------
    data_dir : path-like or None
        Dataset root (None: ``$SPEECHMUSIC_DATA``, else ``./data``).
    split : {"train", "test"}
    cache : bool
        Use and fill the feature cache under ``<data_dir>/.cache``.
    dtype : numpy dtype
        Feature dtype: float64 (default) or float32, which halves the memory.
    params : FeatureParams
        Feature parameters.
    n_jobs : int or None
        Local workers for decoding (None: every core).
    progress : bool
        Show a progress bar while decoding many files.
    scheduler : str or None
        ``tcp://HOST:PORT``: compute missing features on that Dask cluster.
    mmap : bool
        Return read-only features; with float32 and a warm cache, a memory-mapped view of the
        cache file (no copy in memory).
    labels : sequence of str
        The label folders to read (default the lab's music and speech; :func:`split_labels` tells
        which a folder has).

    Returns
    -------
    X : np.ndarray
        ``(m, n_mels, n_frames)`` of ``dtype``.
    y : np.ndarray
        ``(m,)`` int labels: indices into ``labels`` (for the lab music 0, speech 1).
    paths : list of Path
        The file of each example.

    Raises
    ------
    DatasetError
        Missing folder, or a class with no readable file (the message says what to run).
    """
    data_dir = resolve_data_dir(data_dir)
    labels = tuple(labels)
    items = list_split(data_dir, split, labels=labels)
    store = FeatureStore(data_dir, split, params) if cache else None
    features, kept = extract_features(
        [p for p, _ in items], params=params, cache=store, n_jobs=n_jobs, progress=progress, dtype=dtype,
        scheduler=scheduler, mmap=mmap,
    )
    y = np.array([items[i][1] for i in kept], dtype=np.int64)
    for label, name in enumerate(labels):
        if not np.any(y == label):
            raise DatasetError(
                f"{data_dir / split / name}: none of its audio files could be read (see the warnings above).\n"
                + GET_DATA_HINT.format(data_dir=data_dir)
            )
    return features, y, [items[i][0] for i in kept]


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
                 data_dir=None, scheduler: str | None = None, mmap: bool = False):
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
        ``np.zeros``; float32 features would be converted on every gradient step, but take half
        the memory (for a large training set, with the pooled or dynamics features).
    params : FeatureParams
        Feature parameters (the lab's by default); ``sr``, ``duration``, ``n_mels`` override theirs.
    n_jobs : int or None
        Local workers for decoding (None: every core).
    progress : bool
        Show a progress bar while decoding many files.
    scheduler : str or None
        ``tcp://HOST:PORT`` of a Dask scheduler: compute the features the cache lacks on that
        cluster (needs ``speechmusic[cluster]``; the workers read the files by the same paths).
    mmap : bool
        Return read-only arrays; with ``dtype=np.float32`` and a warm cache they are memory-mapped
        views of the cache files, so even a dataset larger than memory loads at once.

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
    options = dict(cache=cache, dtype=dtype, params=params, n_jobs=n_jobs, progress=progress,
                   scheduler=scheduler, mmap=mmap)
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
