"""Segment many recordings in one resumable run: ``speechmusic segment INPUT... --out-dir DIR``.

What a run does (:func:`segment_batch`):

1. **Inputs** (:func:`expand_inputs`): files, folders (searched recursively for audio files, see
   :func:`speechmusic.core.audio.find_audio_files`) and ``@LIST`` files (one file or folder per line,
   relative to the list's own folder; blank lines and lines starting with ``#`` are ignored).
   The same recording named twice is segmented once.
2. **Outputs** (:func:`plan_outputs`): one segments file per recording under DIR, at the
   recording's path relative to the deepest folder holding every input (a folder given as an
   input counts as itself), with the format's suffix: ``segment archive/ --out-dir out`` writes
   ``archive/2021/show.mp3`` to ``out/2021/show.csv``. When two recordings would share an
   output (``show.mp3`` and ``show.wav``), or an output would take the name of the summary, the
   report or an input, both keep their whole name: ``show.mp3.csv``.
3. **Resume**: a small state record per recording (``DIR/.speechmusic-batch/<output>.json``, JSON,
   written atomically) holds the input's size and modification time (and its SHA-256 with
   ``check_content``), the settings (format, model file's SHA-256, window, hop, switch penalty,
   the smoothing's minimum durations, boundary refinement),
   the SHA-256 of the output and the recording's summary and segments. A recording is skipped when
   its record matches the input and the settings and its output file is exactly the one recorded;
   otherwise it is segmented again. The record is written *before* the output (files are
   published by rename, :mod:`speechmusic.core.fileio`), so a run killed at any point leaves either a
   finished output its record vouches for, or a recording that the next run does again; a
   temporary ``.*.part`` file is never at an output's name, so it is never taken as done.
4. **Work**: the recordings left are segmented by :func:`speechmusic.core.executor.run_tasks`, in this
   process, on local processes (``jobs``) or on a Dask cluster (``scheduler``); each worker
   reads its recording itself (in blocks: memory per task is bounded whatever the length) and
   sends back the segments; this process writes the outputs as results arrive.
5. **Summary**: ``DIR/summary.csv`` (:data:`SUMMARY_COLUMNS`), one row per recording in input
   order, and the report ``DIR/index.html`` (:mod:`speechmusic.apps.batch_report`).

An existing file at an output's name that this command did not write (no record vouches for it,
or it was edited since) is never replaced without ``overwrite``: that recording fails with a reason
saying so. (Keeping a Praat TextGrid next to its recording is common, and a hand-corrected one is
somebody's work.)
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tqdm.auto import tqdm

from speechmusic.apps.batch_report import write_report
from speechmusic.apps.evidence import segmentation_labels
from speechmusic.apps.pipeline import resolve_classifier
from speechmusic.apps.segment_formats import SEGMENT_FORMATS, format_segments
from speechmusic.apps.segmentation import (
    DEFAULT_HOP,
    DEFAULT_MIN_DURATIONS,
    DEFAULT_SWITCH_PENALTY,
    check_options,
    segment_file,
)
from speechmusic.apps.smoothing import segmentation_graph
from speechmusic.core.audio import find_audio_files
from speechmusic.core.errors import ParameterError
from speechmusic.core.executor import TaskResult, check_backend, run_tasks
from speechmusic.core.fileio import write_bytes, write_text
from speechmusic.core.labels import DEFAULT_SILENCE_DB, LABEL_NAMES

#: Columns of ``DIR/summary.csv``, in order.
SUMMARY_COLUMNS = ("file", "status", "duration_s", *(f"{label}_s" for label in LABEL_NAMES), "segments", "seconds_taken",
                   "worker",
                   "error")
SUMMARY_NAME = "summary.csv"
REPORT_NAME = "index.html"
#: Folder under DIR holding the state records (hidden: it is bookkeeping, not a result).
STATE_FOLDER = ".speechmusic-batch"
#: Version of the state record's layout; a record of another version is not trusted.
STATE_VERSION = 1
_HASH_BLOCK = 1 << 20


# --- inputs and outputs ---------------------------------------------------------------------------

def _read_list(list_file: Path) -> list[Path]:
    try:
        text = list_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(f"@{list_file}: no such list file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ParameterError(f"@{list_file}: cannot read the list ({error})") from None
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            entry = Path(line).expanduser()
            entries.append(entry if entry.is_absolute() else list_file.parent / entry)
    if not entries:
        raise ParameterError(f"@{list_file}: the list names no recordings")
    return entries


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Path]]:
    """The recordings named by files, folders and ``@LIST`` files, and the folders named.

    Parameters
    ----------
    inputs : iterable of path-like
        As given on the command line. ``@name`` is a list file (one file or folder per line,
        relative to the list's folder; ``#`` starts a comment line). A path that does not exist is
        kept: it becomes a failed row naming it, and the others are still done.

    Returns
    -------
    recordings : list of Path
        In the order given, each folder's audio files in its place (sorted), without repeats (the
        same file reached twice is kept where it first appears).
    folders : list of Path
        The folders among the inputs (they anchor the mirrored output paths, see
        :func:`plan_outputs`).

    Raises
    ------
    ParameterError
        A list file that is missing, unreadable or empty; a folder without audio files.
    """
    recordings: list[Path] = []
    folders: list[Path] = []
    seen: set[str] = set()

    def add(path: Path, from_list: Path | None) -> None:
        if path.is_dir():
            found = find_audio_files(path)
            if not found:
                where = f" (listed in @{from_list})" if from_list else ""
                raise ParameterError(f"{path}{where}: no audio files in this folder")
            folders.append(path)
            for recording in found:
                add(recording, from_list)
            return
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            recordings.append(path)

    for item in inputs:
        text = os.fspath(item)
        if text.startswith("@") and len(text) > 1:
            list_file = Path(text[1:]).expanduser()
            for entry in _read_list(list_file):
                add(entry, list_file)
        else:
            add(Path(text), None)
    if not recordings:
        raise ParameterError("no recordings to segment")
    return recordings, folders


@dataclass(frozen=True)
class Recording:
    """One recording of a batch and where its results go.

    Attributes
    ----------
    path : Path
        The input as named (or found in a folder).
    name : str
        Its path relative to the batch's root, with ``/`` separators (``2021/show.mp3``).
    output : str
        Its segments file, relative to DIR (``2021/show.csv``).
    """

    path: Path
    name: str
    output: str


def plan_outputs(recordings: Sequence[Path], folders: Sequence[Path] = (), *, fmt: str = "csv") -> list[Recording]:
    """Where each recording's segments go, relative to the output folder.

    The recording's path relative to the deepest folder that holds every input (each folder in
    ``folders`` counts as itself, each file as its parent folder), with the suffix of ``fmt``
    instead of its own; recordings whose outputs would coincide (``a.mp3``, ``a.wav``), or coincide
    with the summary, the report or an input, keep their whole name (``a.mp3.csv``).

    Examples
    --------
    >>> [r.output for r in plan_outputs([Path("arc/2021/a.mp3"), Path("arc/2021/a.wav"), Path("arc/b.flac")])]
    ['2021/a.mp3.csv', '2021/a.wav.csv', 'b.csv']
    """
    if fmt not in SEGMENT_FORMATS:
        raise ParameterError(f"unknown segment format {fmt!r}; choose one of {', '.join(SEGMENT_FORMATS)}")
    suffix = SEGMENT_FORMATS[fmt]
    absolute = [Path(os.path.abspath(p)) for p in recordings]
    anchors = [os.path.abspath(f) for f in folders] + [str(p.parent) for p in absolute]
    root = Path(os.path.commonpath(anchors))
    names = [PurePosixPath(*p.relative_to(root).parts) for p in absolute]
    short = [str(n.with_suffix(suffix)) for n in names]
    taken: dict[str, int] = {}
    for candidate in short:
        key = candidate.lower()  # a case-insensitive file system would merge them too
        taken[key] = taken.get(key, 0) + 1
    reserved = {SUMMARY_NAME, REPORT_NAME} | {n.as_posix().lower() for n in names}
    outputs = []
    for name, candidate in zip(names, short):
        if taken[candidate.lower()] > 1 or candidate.lower() in reserved or candidate.startswith(STATE_FOLDER + "/"):
            candidate = str(name) + suffix
        outputs.append(candidate)
    return [Recording(path, str(name), output) for path, name, output in zip(recordings, names, outputs)]


# --- the work done for one recording (in a worker) -------------------------------------------------

@dataclass(frozen=True)
class SegmentJob:
    """One recording to segment, as sent to a worker (small and picklable).

    ``model`` is a model file's path, or None for the model shipped with speechmusic (the
    worker's own installation).
    """

    path: str
    model: str | None
    window: float | None = None
    hop: float = DEFAULT_HOP
    switch_penalty: float = DEFAULT_SWITCH_PENALTY
    hash_input: bool = False
    refine: bool = True
    silence_db: float = DEFAULT_SILENCE_DB
    min_durations: dict | None = field(default_factory=lambda: dict(DEFAULT_MIN_DURATIONS))


@functools.lru_cache(maxsize=4)
def _cached_classifier(model: str | None, stamp: tuple):
    return resolve_classifier(model)


def _worker_classifier(model: str | None):
    """The classifier, loaded once per worker process (and again if the file changes)."""
    stamp = ()
    if model is not None:
        info = os.stat(model)
        stamp = (info.st_size, info.st_mtime_ns)
    return _cached_classifier(model, stamp)


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in 1-MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def segment_job(job: SegmentJob) -> dict:
    """Segment one recording (runs in a worker): the result without the per-window arrays.

    Returns
    -------
    dict
        ``result`` (:class:`speechmusic.apps.segments.SegmentationResult` without its overview)
        and ``sha256`` of the input when ``job.hash_input`` (else None).
    """
    result = segment_file(job.path, _worker_classifier(job.model), window=job.window, hop=job.hop,
                          switch_penalty=job.switch_penalty, min_durations=job.min_durations, refine=job.refine,
                          progress=False, silence_db=job.silence_db)
    return {"result": result, "sha256": file_sha256(job.path) if job.hash_input else None}


# --- state records ---------------------------------------------------------------------------------

def input_fingerprint(path: Path, *, content: bool = False) -> dict | None:
    """``{"size", "mtime_ns"}`` (and ``"sha256"`` when ``content``) of a file; None if it is not a file."""
    try:
        info = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    fingerprint = {"size": info.st_size, "mtime_ns": info.st_mtime_ns}
    if content:
        fingerprint["sha256"] = file_sha256(path)
    return fingerprint


def _same_input(recorded: dict, now: dict, content: bool) -> bool:
    if recorded.get("size") != now["size"]:
        return False
    if content:  # the bytes decide (copies and restores change modification times)
        return recorded.get("sha256") is not None and recorded.get("sha256") == now.get("sha256")
    return recorded.get("mtime_ns") == now["mtime_ns"]


class StateStore:
    """The state records of one output folder (``DIR/.speechmusic-batch``)."""

    def __init__(self, out_dir: Path):
        self.folder = Path(out_dir) / STATE_FOLDER

    def path(self, recording: Recording) -> Path:
        return self.folder / (recording.output + ".json")

    def load(self, recording: Recording) -> dict | None:
        """The record of ``recording``, or None (missing, unreadable or another version)."""
        try:
            record = json.loads(self.path(recording).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("version") == STATE_VERSION else None

    def save(self, recording: Recording, record: dict) -> None:
        write_text(self.path(recording), json.dumps(record, indent=1, allow_nan=False) + "\n", overwrite=True)

    def forget(self, recording: Recording) -> None:
        self.path(recording).unlink(missing_ok=True)


def _output_sha256(path: Path) -> str | None:
    try:
        return file_sha256(path) if path.is_file() else None
    except OSError:
        return None


# --- the run ---------------------------------------------------------------------------------------

@dataclass
class BatchOutcome:
    """What :func:`segment_batch` did.

    Attributes
    ----------
    rows : list of dict
        One summary row per recording (keys :data:`SUMMARY_COLUMNS`), in input order.
    segments : list of list
        ``[start, end, label]`` per segment, per recording (empty for failures).
    recordings : list of Recording
    summary_path, report_path : Path or None
    elapsed : float
        Wall-clock seconds of the whole run.
    """

    rows: list[dict]
    segments: list[list]
    recordings: list[Recording]
    summary_path: Path | None = None
    report_path: Path | None = None
    elapsed: float = 0.0
    counts: dict = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(row["status"] == "failed" for row in self.rows)

    def seconds_of_audio(self, status: str | None = None) -> float:
        return sum(float(row["duration_s"] or 0) for row in self.rows if status in (None, row["status"]))


def _number(value: float) -> str:
    return f"{value:.3f}"


def _ok_row(file: str, result, seconds: float, worker: str) -> dict:
    return {"file": file, "status": "ok", "duration_s": _number(result.duration),
            **{f"{label}_s": _number(result.seconds_of(label)) for label in LABEL_NAMES},
            "segments": str(len(result.segments)), "seconds_taken": _number(seconds), "worker": worker, "error": ""}


def _failed_row(file: str, reason: str, seconds: float = 0.0, worker: str = "") -> dict:
    return {"file": file, "status": "failed", "duration_s": "", **{f"{label}_s": "" for label in LABEL_NAMES},
            "segments": "", "seconds_taken": _number(seconds), "worker": worker, "error": " ".join(reason.split())}


def summary_csv(rows: Iterable[dict]) -> str:
    """The text of ``summary.csv``: a header of :data:`SUMMARY_COLUMNS`, then one line per row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def read_summary(path: str | os.PathLike) -> list[dict]:
    """The rows of a ``summary.csv`` as dicts of strings."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def segment_batch(
    inputs: Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    model: str | os.PathLike | None = None,
    fmt: str = "csv",
    window: float | None = None,
    hop: float = DEFAULT_HOP,
    switch_penalty: float = DEFAULT_SWITCH_PENALTY,
    min_durations: Mapping[str, float] | None = DEFAULT_MIN_DURATIONS,
    refine: bool = True,
    silence_db: float = DEFAULT_SILENCE_DB,
    jobs: int = 1,
    scheduler=None,
    check_content: bool = False,
    overwrite: bool = False,
    report: bool = True,
    progress: bool = False,
    on_result: Callable[[Recording, dict], None] | None = None,
) -> BatchOutcome:
    """Segment every recording named by ``inputs`` into ``out_dir``; resumable (see the module notes).

    Parameters
    ----------
    inputs : iterable of path-like
        Files, folders and ``@LIST`` files (:func:`expand_inputs`).
    out_dir : path-like
        Output folder (created if needed).
    model : path-like or None
        Model file; None: the model shipped with speechmusic.
    fmt : str
        Output format, a key of :data:`speechmusic.apps.segment_formats.SEGMENT_FORMATS`.
    window, hop, switch_penalty, min_durations, refine, silence_db :
        As for :func:`speechmusic.apps.segmentation.segment_file`.
    jobs : int
        Local worker processes (1: this process).
    scheduler : str, distributed.Client or None
        A Dask scheduler's address (``tcp://HOST:PORT``) or client: run on that cluster.
    check_content : bool
        Decide whether an input changed by its SHA-256 (reads every input once more) instead of
        its size and modification time.
    overwrite : bool
        Segment every recording again and replace any existing output.
    report : bool
        Write ``index.html``.
    progress : bool
        Show a progress bar (recordings, hours of audio) on stderr.
    on_result : callable or None
        Called with ``(recording, row)`` after each recording is finished and saved (in completion
        order); for progress displays and tests.

    Returns
    -------
    BatchOutcome

    Raises
    ------
    ParameterError
        Bad inputs or options (before any work).
    """
    began = time.perf_counter()
    check_backend(jobs=jobs, scheduler=scheduler)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ParameterError(f"{out_dir} is a file: --out-dir needs a folder")
    paths, folders = expand_inputs(inputs)
    recordings = plan_outputs(paths, folders, fmt=fmt)

    classifier = resolve_classifier(model)  # fails now, not in every worker, when the model is bad
    check_options(classifier, window, hop, switch_penalty)  # so do impossible window/hop/penalty values
    segmentation_graph(segmentation_labels(classifier.class_names), switch_penalty, hop=hop,
                       min_durations=min_durations)  # and impossible minimum durations
    model_path = None if model is None else os.path.abspath(model)
    settings = {"format": fmt, "model_sha256": file_sha256(classifier.path), "window": window,
                "hop": float(hop), "switch_penalty": float(switch_penalty), "refine": bool(refine),
                "silence_db": float(silence_db),
                # The smoothing's minimum durations: records of versions that had none (no key) are redone.
                "min_durations": None if min_durations is None else {k: float(v) for k, v in min_durations.items()}}
    out_dir.mkdir(parents=True, exist_ok=True)
    store = StateStore(out_dir)

    rows, segments, fingerprints, todo = _what_is_left(recordings, store, settings, out_dir, check_content=check_content,
                                                       overwrite=overwrite)
    # Absolute paths: a cluster's workers do not share this process's working folder.
    jobs_list = [SegmentJob(os.path.abspath(recordings[i].path), model_path, window, float(hop), float(switch_penalty),
                            check_content, bool(refine), float(silence_db), settings["min_durations"]) for i in todo]
    bar = _progress_bar(len(todo), enabled=progress)
    audio_done = 0.0
    try:
        for task in run_tasks(segment_job, jobs_list, jobs=jobs, scheduler=scheduler):
            i = todo[task.index]
            rows[i], segments[i] = _save_result(task, recordings[i], fingerprints[i], settings, out_dir, store,
                                                overwrite=overwrite, model_path=classifier.path)
            if rows[i]["status"] == "ok":
                audio_done += float(rows[i]["duration_s"])
            bar.set_postfix_str(f"{audio_done / 3600:.2f} h audio", refresh=False)
            bar.update(1)
            if on_result is not None:
                on_result(recordings[i], rows[i])
    finally:
        bar.close()

    outcome = BatchOutcome(rows=rows, segments=segments, recordings=recordings)
    outcome.summary_path = write_text(out_dir / SUMMARY_NAME, summary_csv(rows), overwrite=True)
    if report:
        outcome.report_path = write_report(out_dir, recordings, rows, segments, title=f"speechmusic segment: {out_dir}",
                                           model=classifier.name)
    outcome.elapsed = time.perf_counter() - began
    outcome.counts = {status: sum(r["status"] == status for r in rows) for status in ("ok", "skipped", "failed")}
    return outcome


def _what_is_left(recordings: list[Recording], store: StateStore, settings: dict, out_dir: Path, *,
                  check_content: bool, overwrite: bool) -> tuple[list, list, list, list[int]]:
    """Rows and segments of the recordings done before (skipped) or missing (failed), and the indices left to do.

    Returns ``(rows, segments, fingerprints, todo)``: per recording its summary row (None when it is
    to do), its segments, its input's fingerprint; and the positions of the recordings to segment.
    """
    rows: list[dict | None] = [None] * len(recordings)
    segments: list[list] = [[] for _ in recordings]
    fingerprints: list[dict | None] = [None] * len(recordings)
    todo: list[int] = []
    for i, recording in enumerate(recordings):
        fingerprint = input_fingerprint(recording.path)
        fingerprints[i] = fingerprint
        if fingerprint is None:
            reason = f"{recording.path}: no such file" if not recording.path.exists() else f"{recording.path}: not a file"
            rows[i] = _failed_row(str(recording.path), reason)
            continue
        record = None if overwrite else store.load(recording)
        if check_content and record is not None and record.get("input", {}).get("size") == fingerprint["size"]:
            # Hash here only what may be skipped; the workers hash the rest while they read it.
            fingerprint["sha256"] = file_sha256(recording.path)
        if (record is not None and record.get("settings") == settings
                and _same_input(record.get("input", {}), fingerprint, check_content)
                and _output_sha256(out_dir / recording.output) == record.get("output_sha256")):
            rows[i] = {**record["row"], "file": str(recording.path), "status": "skipped", "error": ""}
            segments[i] = record.get("segments", [])
        else:
            todo.append(i)
    return rows, segments, fingerprints, todo


def _save_result(task: TaskResult, recording: Recording, fingerprint: dict, settings: dict, out_dir: Path,
                 store: StateStore, *, overwrite: bool, model_path: str) -> tuple[dict, list]:
    """Write one finished recording's output and state record; its summary row and segments."""
    file = str(recording.path)
    if not task.ok:
        store.forget(recording)  # a record of an earlier success must not vouch for the old output
        return _failed_row(file, task.error, task.seconds, task.worker), []
    result = task.value["result"]
    text = format_segments(result, settings["format"], file=file, model=model_path)
    data = text.encode("utf-8")
    output_sha = hashlib.sha256(data).hexdigest()
    target = out_dir / recording.output
    existing = _output_sha256(target)
    previous = store.load(recording)
    # Ours: the output the last record vouches for, or the one it was about to replace (a run
    # killed between writing the record and publishing the output).
    ours = previous is not None and existing in (previous.get("output_sha256"), previous.get("replaces_sha256"))
    if existing is not None and existing != output_sha and not ours and not overwrite:
        return _failed_row(file, f"{target} exists and was not written by this command (or was edited since): move it "
                                 "away or add --overwrite to replace it", task.seconds, task.worker), []
    row = _ok_row(file, result, task.seconds, task.worker)
    seg = [[round(s.start, 3), round(s.end, 3), s.label] for s in result.segments]
    if task.value.get("sha256"):
        fingerprint = {**fingerprint, "sha256": task.value["sha256"]}
    # The record first, then the output: a run killed in between leaves a record whose output is
    # missing (or the old one), which the next run does not take as done.
    store.save(recording, {"version": STATE_VERSION, "input": fingerprint, "settings": settings,
                           "output": recording.output, "output_sha256": output_sha, "replaces_sha256": existing,
                           "row": row, "segments": seg})
    if existing != output_sha:
        write_bytes(target, data, overwrite=True)
    return row, seg


def _progress_bar(total: int, *, enabled: bool):
    return tqdm(total=total, desc="segment", unit="rec", disable=not enabled, file=sys.stderr,
                bar_format="{l_bar}{bar}| {n}/{total} recordings [{elapsed}<{remaining}{postfix}]")
