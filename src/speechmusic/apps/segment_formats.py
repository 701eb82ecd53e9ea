"""Segments as files: CSV, Audacity labels, Praat TextGrid and JSON (``speechmusic segment --format``)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

from speechmusic.apps.segmentation import Segment, SegmentationResult
from speechmusic.core.errors import ParameterError
from speechmusic.core.fileio import write_text

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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["start", "end", "label"])
    for s in segments:
        writer.writerow([f"{s.start:.3f}", f"{s.end:.3f}", s.label])
    return buffer.getvalue()


def segments_audacity(segments: Iterable[Segment]) -> str:
    r"""An Audacity label track: one ``start<TAB>end<TAB>label`` line per segment, in seconds.

    Audacity reads it with File > Import > Labels..., as one label track over the recording.

    Examples
    --------
    >>> segments_audacity([Segment(0.0, 2.5, "speech"), Segment(2.5, 4.0, "music")])
    '0.000000\t2.500000\tspeech\n2.500000\t4.000000\tmusic\n'
    """
    return "".join(f"{s.start:.6f}\t{s.end:.6f}\t{_one_line(s.label)}\n" for s in segments)


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


def segments_textgrid(segments: Iterable[Segment], *, duration: float, tier: str = "speech-music") -> str:
    r"""A Praat TextGrid (long text format) with one interval tier covering ``[0, duration]``.

    The intervals are the segments, labelled ``speech`` or ``music``. Praat requires an interval
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


#: Output formats of :func:`format_segments`, with the file suffix each usually has.
SEGMENT_FORMATS = {"csv": ".csv", "audacity": ".txt", "textgrid": ".TextGrid", "json": ".json"}


def format_segments(result: SegmentationResult, format: str = "csv", **fields) -> str:
    """The segments of ``result`` as text in ``format`` (a key of :data:`SEGMENT_FORMATS`).

    ``fields`` (such as ``file=..., model=...``) are added to the JSON format and ignored by the
    others.
    """
    if format == "csv":
        return segments_csv(result.segments)
    if format == "audacity":
        return segments_audacity(result.segments)
    if format == "textgrid":
        return segments_textgrid(result.segments, duration=result.duration)
    if format == "json":
        return segments_json(result, **fields)
    raise ParameterError(f"unknown segment format {format!r}; choose one of {', '.join(SEGMENT_FORMATS)}")


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
