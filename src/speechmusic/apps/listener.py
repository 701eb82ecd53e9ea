"""A whole listening session: stretches of audio between drops, gaps, and what is reported (``listen``).

:class:`Listener` consumes what a source yields (:mod:`speechmusic.apps.live_sources`): blocks go
to the current stretch's :class:`~speechmusic.apps.live.LiveSegmenter`; a drop (:class:`Lost`)
ends the stretch (its open segment closes where the audio stopped); when audio comes back
(:class:`Resumed`) the seconds without audio become a segment labelled ``gap`` and a new stretch
starts after it, so that the windows never straddle a hole. Times are seconds of the stream since
listening began, gaps included.

Each decided change becomes :class:`Event` objects for whoever reports them (the terminal, the
segments file, the live page): ``"open"`` (a segment begins: its start, label and probability)
and ``"close"`` (a segment is complete, ready to be written). The listener also keeps what a
status line or a page shows: the label now, since when, the time heard, the seconds of each
label, and the segments of the last hour (for the page's timeline).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from speechmusic.apps.live import LiveSegmenter
from speechmusic.apps.live_sources import Lost, Resumed
from speechmusic.apps.segments import Segment

#: The label of a stretch the stream did not deliver.
GAP = "gap"
#: Seconds of stream the page's timeline shows.
TIMELINE_SECONDS = 3600.0


@dataclass(frozen=True)
class Event:
    """``kind`` "open" (``time``, ``label``, ``probability``) or "close" (``segment``, ``probability``)."""

    kind: str
    time: float
    label: str
    probability: float = float("nan")
    segment: Segment | None = None


class Listener:
    """Segment a stream with gaps; see the module notes.

    Parameters
    ----------
    make_segmenter : callable
        Returns a new :class:`LiveSegmenter` for each stretch of audio.
    duration : float or None
        Stop after this many seconds of stream (gaps included); None: until the source ends.
    """

    def __init__(self, make_segmenter: Callable[[], LiveSegmenter], *, duration: float | None = None):
        self.make_segmenter = make_segmenter
        self.duration = duration
        self.segmenter = make_segmenter()
        self.offset = 0.0  # stream time at the start of the current stretch
        self.seconds: dict[str, float] = defaultdict(float)  # closed segments' seconds per label
        self.recent: deque[tuple[float, float, str]] = deque()  # closed segments of the last hour
        self.segments_closed = 0
        self.gap_since: float | None = None  # monotonic time when the current gap began
        self.gap_start = 0.0  # stream time where it began
        self.open_time: float | None = None
        self.open_label: str | None = None
        self.done = False

    # --- what is shown -------------------------------------------------------------------------

    @property
    def heard(self) -> float:
        """Seconds of stream so far (a gap in progress included)."""
        if self.gap_since is not None:
            return self.gap_start + (time.monotonic() - self.gap_since)
        return self.offset + self.segmenter.heard

    @property
    def label(self) -> str | None:
        return GAP if self.gap_since is not None else self.open_label

    @property
    def probability(self) -> float:
        return float("nan") if self.gap_since is not None else self.segmenter.probability

    @property
    def decided_until(self) -> float:
        return self.heard if self.gap_since is not None else self.offset + self.segmenter.decided_until

    def timeline(self) -> list[tuple[float, float, str]]:
        """The segments of the last hour, the open one up to what is decided."""
        out = list(self.recent)
        if self.label is not None and self.open_time is not None:
            out.append((self.open_time, max(self.open_time, self.decided_until), self.label))
        return out

    # --- the stream ----------------------------------------------------------------------------

    def remaining(self) -> float:
        """Seconds of stream left before ``duration`` (inf without one)."""
        return float("inf") if self.duration is None else max(0.0, self.duration - self.heard)

    def take(self, item) -> list[Event]:
        """Handle one item of a source: a block, :class:`Lost`, :class:`Resumed` or None (nothing new)."""
        if item is None:
            return []
        if isinstance(item, Lost):
            return self._lose()
        if isinstance(item, Resumed):
            return self._resume(item.gap)
        block = np.asarray(item, dtype=np.float32).reshape(-1)
        left = self.remaining()
        if left < block.size / self.segmenter.sample_rate:
            block = block[: int(round(left * self.segmenter.sample_rate))]
        events = self._report(self.segmenter.feed(block)) if block.size else []
        if self.remaining() <= 0:
            self.done = True
        return events

    def finish(self) -> list[Event]:
        """The end (the source ended, ``duration`` was reached, Ctrl-C, SIGTERM): close what is open."""
        if self.gap_since is not None:
            events = self._resume(time.monotonic() - self.gap_since, reopen=False)
        else:
            events = self._report(self.segmenter.finish())
        self.done = True
        return events

    def _lose(self) -> list[Event]:
        if self.gap_since is not None:
            return []
        events = self._report(self.segmenter.finish())
        self.gap_start = self.offset + self.segmenter.heard
        self.gap_since = time.monotonic()
        self.open_time, self.open_label = self.gap_start, GAP
        events.append(Event("open", self.gap_start, GAP))
        return events

    def _resume(self, gap: float, reopen: bool = True) -> list[Event]:
        if self.gap_since is None:  # audio came back before the drop was noticed: treat it as one
            events = self._lose()
        else:
            events = []
        if self.duration is not None:
            gap = min(gap, max(0.0, self.duration - self.gap_start))
        segment = Segment(self.gap_start, self.gap_start + gap, GAP)
        if segment.end > segment.start:
            events.append(self._close(segment, float("nan")))
        self.gap_since = None
        self.offset = segment.end
        self.open_time = self.open_label = None
        if reopen:
            self.segmenter = self.make_segmenter()
        if self.remaining() <= 0:
            self.done = True
        return events

    def _report(self, changes) -> list[Event]:
        events = []
        for change in changes:
            if change.closed is not None and change.closed.end > change.closed.start:
                closed = change.closed
                events.append(self._close(Segment(self.offset + closed.start, self.offset + closed.end, closed.label),
                                          change.closed_probability))
            if change.label:
                self.open_time, self.open_label = self.offset + change.time, change.label
                events.append(Event("open", self.open_time, change.label, change.probability))
        return events

    def _close(self, segment: Segment, probability: float) -> Event:
        if segment.end > segment.start:
            self.seconds[segment.label] += segment.duration
            self.recent.append((segment.start, segment.end, segment.label))
            self.segments_closed += 1
        while self.recent and self.recent[0][1] < segment.end - TIMELINE_SECONDS:
            self.recent.popleft()
        self.open_time = self.open_label = None
        return Event("close", segment.end, segment.label, probability, segment)
