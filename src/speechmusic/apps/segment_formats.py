"""Segments as files: CSV, Audacity labels, Praat TextGrid and JSON (``segment --format``, ``listen --format``).

:data:`FORMATS` is the one registry: each format renders a whole file from segments, and the
formats that can grow one line at a time (CSV, Audacity) say what an empty file holds and what
one more segment adds. :class:`SegmentLog` is the file ``listen --output`` keeps as segments
close: it appends a line to those, and rewrites the others (TextGrid, JSON) whole and atomically,
so the file is valid after every segment, whatever happens to the process.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from speechmusic.apps.segmentation import Segment, SegmentationResult
from speechmusic.core.errors import ParameterError
from speechmusic.core.fileio import atomic_path, write_text

# --- output formats -----------------------------------------------------------------------------
# One pure function per format (segments -> text), one dispatcher and one atomic writer, so that a
# command writing many recordings' segments (or a script) reuses exactly what `segment` writes.


def segments_csv(segments: Iterable[Segment]) -> str:
    """CSV text with header ``start,end,label``; times in seconds with millisecond precision.

    Examples
    --------
    >>> print(segments_csv([Segment(0.0, 2.5, "speech"), Segment(2.5, 4.0, "music")]), end="")
    start,end,label
    0.000,2.500,speech
    2.500,4.000,music
    """
    return _CSV_HEADER + "".join(_csv_line(s) for s in segments)


_CSV_HEADER = "start,end,label\n"


def _csv_line(segment: Segment) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([f"{segment.start:.3f}", f"{segment.end:.3f}", segment.label])
    return buffer.getvalue()


def _audacity_line(segment: Segment) -> str:
    return f"{segment.start:.6f}\t{segment.end:.6f}\t{_one_line(segment.label)}\n"


def segments_audacity(segments: Iterable[Segment]) -> str:
    r"""An Audacity label track: one ``start<TAB>end<TAB>label`` line per segment, in seconds.

    Audacity reads it with File > Import > Labels..., as one label track over the recording.

    Examples
    --------
    >>> segments_audacity([Segment(0.0, 2.5, "speech"), Segment(2.5, 4.0, "music")])
    '0.000000\t2.500000\tspeech\n2.500000\t4.000000\tmusic\n'
    """
    return "".join(_audacity_line(s) for s in segments)


def _one_line(text: str) -> str:
    """A label safe for line- and tab-separated formats."""
    return " ".join(str(text).split())


def _praat_number(seconds: float) -> str:
    """Seconds as Praat prints them: no trailing zeros, millisecond precision (``2.5``, ``120``)."""
    text = f"{round(float(seconds), 3):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _praat_string(text: str) -> str:
    """A Praat text literal: in double quotes, a double quote written twice."""
    return '"' + str(text).replace('"', '""') + '"'


#: Name of the TextGrid's interval tier (it holds every label: speech, music, noise, silence).
TEXTGRID_TIER = "labels"


def segments_textgrid(segments: Iterable[Segment], *, duration: float, tier: str = TEXTGRID_TIER) -> str:
    r"""A Praat TextGrid (long text format) with one interval tier covering ``[0, duration]``.

    The intervals are the segments, labelled with their labels (speech, music, noise, silence).
    Praat requires an interval
    tier to cover the whole grid without gaps: stretches no segment covers (none, for the output
    of :func:`segment_file`) become intervals with an empty label.

    Parameters
    ----------
    segments : iterable of Segment
        In time order, within ``[0, duration]``.
    duration : float
        Length of the recording in seconds (the grid's ``xmax``).
    tier : str
        Name of the interval tier.

    Examples
    --------
    >>> text = segments_textgrid([Segment(0.0, 2.5, "speech"), Segment(2.5, 4.0, "music")], duration=4.0)
    >>> print("\n".join(text.splitlines()[:4]))
    File type = "ooTextFile"
    Object class = "TextGrid"
    <BLANKLINE>
    xmin = 0
    """
    end = float(duration)
    if not end > 0:
        raise ParameterError(f"a TextGrid needs a duration > 0, got {duration}")
    intervals: list[tuple[str, str, str]] = []  # (xmin, xmax, label), numbers as written
    position = "0"
    for segment in segments:
        start, stop = _praat_number(max(0.0, segment.start)), _praat_number(min(end, segment.end))
        if float(stop) <= float(start):
            continue
        if float(start) > float(position):
            intervals.append((position, start, ""))
        elif float(start) < float(position):
            raise ParameterError("segments overlap or are not in time order: cannot write a TextGrid")
        intervals.append((start, stop, segment.label))
        position = stop
    if float(position) < float(_praat_number(end)) or not intervals:
        intervals.append((position, _praat_number(end), ""))
    xmax = intervals[-1][1]
    lines = [
        'File type = "ooTextFile"',
        'Object class = "TextGrid"',
        "",
        "xmin = 0",
        f"xmax = {xmax}",
        "tiers? <exists>",
        "size = 1",
        "item []:",
        "    item [1]:",
        '        class = "IntervalTier"',
        f"        name = {_praat_string(tier)}",
        "        xmin = 0",
        f"        xmax = {xmax}",
        f"        intervals: size = {len(intervals)}",
    ]
    for number, (start, stop, label) in enumerate(intervals, start=1):
        lines += [
            f"        intervals [{number}]:",
            f"            xmin = {start}",
            f"            xmax = {stop}",
            f"            text = {_praat_string(label)}",
        ]
    return "\n".join(lines) + "\n"


def segments_json(result: SegmentationResult, **fields) -> str:
    """JSON: ``fields`` (e.g. ``file``, ``model``) then the summary and the segments (see ``as_dict``)."""
    return json.dumps({**fields, **result.as_dict()}, indent=2, allow_nan=False) + "\n"


@dataclass(frozen=True)
class SegmentFormat:
    """One output format: its usual suffix, how a whole file is written, and whether it can grow by lines.

    Attributes
    ----------
    suffix : str
        The file suffix it usually has.
    document : callable
        ``document(segments, duration, fields) -> str``: the whole file; ``fields`` is the JSON
        summary (``file``, ``model``, ... and what :meth:`SegmentationResult.as_dict` holds).
    header : str or None
        For formats that grow one segment at a time: the text of a file with no segment yet.
    line : callable or None
        ... and ``line(segment) -> str``, what one more segment appends.
    """

    suffix: str
    document: Callable[[list, float, dict], str]
    header: str | None = None
    line: Callable[[Segment], str] | None = None

    @property
    def appendable(self) -> bool:
        return self.line is not None


def _json_document(segments, duration, fields) -> str:
    return json.dumps({**fields, "segments": [s.as_dict() for s in segments]}, indent=2, allow_nan=False) + "\n"


#: Every output format, by the name ``--format`` takes.
FORMATS: dict[str, SegmentFormat] = {
    "csv": SegmentFormat(".csv", lambda segments, duration, fields: segments_csv(segments),
                         header=_CSV_HEADER, line=_csv_line),
    "audacity": SegmentFormat(".txt", lambda segments, duration, fields: segments_audacity(segments),
                              header="", line=_audacity_line),
    "textgrid": SegmentFormat(".TextGrid", lambda segments, duration, fields: segments_textgrid(segments, duration=duration)),
    "json": SegmentFormat(".json", _json_document),
}
#: Output formats of :func:`format_segments`, with the file suffix each usually has.
SEGMENT_FORMATS = {name: spec.suffix for name, spec in FORMATS.items()}


def format_segments(result: SegmentationResult, format: str = "csv", **fields) -> str:
    """The segments of ``result`` as text in ``format`` (a key of :data:`FORMATS`).

    ``fields`` (such as ``file=..., model=...``) are added to the JSON format and ignored by the
    others.
    """
    return segment_format(format).document(result.segments, result.duration, {**fields, **result.as_dict()})


def segment_format(name: str) -> SegmentFormat:
    """The :class:`SegmentFormat` called ``name``; an unknown name is a ParameterError listing the others."""
    if name not in FORMATS:
        raise ParameterError(f"unknown segment format {name!r}; choose one of {', '.join(FORMATS)}")
    return FORMATS[name]


def write_segments(
    result: SegmentationResult, path: str | os.PathLike, format: str = "csv", *, overwrite: bool = False, **fields
) -> Path:
    """Write the segments of ``result`` to ``path`` in ``format``, atomically.

    An existing file is kept (``FileExistsError``) unless ``overwrite``; a device or pipe
    (``/dev/stdout``) is written into directly (see :func:`speechmusic.core.fileio.atomic_path`).
    """
    return write_text(path, format_segments(result, format, **fields), overwrite=overwrite)


def write_segments_csv(segments: Iterable[Segment], path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write segments as CSV atomically (an existing file is kept unless ``overwrite``).

    A device or pipe (``/dev/stdout``) is written into directly (see :func:`fileio.atomic_path`).
    """
    return write_text(path, segments_csv(segments), overwrite=overwrite)


def read_segments_csv(path: str | os.PathLike) -> list[Segment]:
    """Read a CSV written by :func:`write_segments_csv`."""
    with open(path, newline="", encoding="utf-8") as f:
        return [Segment(float(r["start"]), float(r["end"]), r["label"]) for r in csv.DictReader(f)]


class SegmentLog:
    """A segments file that grows as segments close (``listen --output``), valid after every segment.

    CSV and Audacity files get their header when the log opens and one line per segment, each
    written in one system call and flushed to disk (``fsync``): a crash or ``kill -9`` can lose
    only a segment that was not closed yet. TextGrid and JSON cannot grow by appending (the
    TextGrid's header counts the intervals, JSON closes its brackets), so each segment rewrites the
    whole file atomically (temporary file + rename): the file on disk is always the previous
    complete version or the new one. A TextGrid file appears with the first segment (a TextGrid
    cannot be empty); the JSON file at once, with no segments.

    Parameters
    ----------
    path : path-like
        The file. An existing one is kept (``FileExistsError``) unless ``overwrite``.
    format : str
        A key of :data:`FORMATS`.
    overwrite : bool
        Replace an existing file.
    fields : callable or None
        ``fields(segments) -> dict``: the JSON document's fields besides ``segments`` (a summary
        of what was heard so far).
    """

    def __init__(self, path: str | os.PathLike, format: str = "csv", *, overwrite: bool = False,
                 fields: Callable[[list], dict] | None = None):
        self.path = Path(path)
        self.format = segment_format(format)
        self.fields = fields or (lambda segments: {})
        self.segments: list[Segment] = []  # kept only for the formats written whole
        self.count = 0
        self._overwrite = overwrite
        self._fd: int | None = None
        if not overwrite and self.path.is_file():
            raise FileExistsError(f"{self.path} already exists")
        if self.format.appendable:
            write_text(self.path, self.format.header or "", overwrite=overwrite)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        elif format == "json":
            self._rewrite()

    def add(self, segment: Segment) -> None:
        """Write one more closed segment."""
        self.count += 1
        if self._fd is not None:
            os.write(self._fd, self.format.line(segment).encode("utf-8"))
            os.fsync(self._fd)
            return
        self.segments.append(segment)
        self._rewrite()

    def _rewrite(self) -> None:
        end = self.segments[-1].end if self.segments else 0.0
        text = self.format.document(self.segments, end, self.fields(self.segments))
        with atomic_path(self.path, overwrite=self._overwrite) as tmp:
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        self._overwrite = True  # from now on the file is ours to replace

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
