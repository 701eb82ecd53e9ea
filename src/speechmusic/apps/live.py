"""Live segmentation: the stages of ``segment`` over a stream, deciding with a fixed look-ahead (``listen``).

A :class:`LiveSegmenter` takes the blocks of one continuous stretch of audio as they arrive and
runs the same stages as offline segmentation (:mod:`speechmusic.apps.segmentation`): windows
(:class:`~speechmusic.apps.windows.WindowCutter`, each window as soon as its last sample is
there), evidence (:func:`~speechmusic.apps.evidence.window_evidence` per window,
:func:`~speechmusic.apps.evidence.cell_label_evidence` per cell), smoothing (the same
:class:`~speechmusic.apps.smoothing.Smoother` on the same graph) and boundary refinement
(:func:`~speechmusic.apps.refinement.refine_boundary`). Only the decision rule differs: offline
decides after the last cell, live decides each cell once ``latency`` seconds past its end have
been heard (:class:`~speechmusic.apps.smoothing.FixedLag`), from the back-pointers of the best
state at the newest cell, and never revises it. The newest cells, whose windows are not all
there yet, take part in that decision with the evidence of the windows heard so far.

Each boundary is refined as it is decided, on the recent audio kept for that (a few seconds):
the candidates reach two hops further back than offline's 2 s (a change is decided from the
evidence after it, so the smoothing's boundary tends to come late), and forward as far as the
audio heard allows (with the default 2-s latency about 1 s). Memory is bounded: the windows of
undecided cells, the back-pointers of the look-ahead, the recent audio.

Every decision follows the best path at its moment, and successive moments can have different
best paths: their decisions can leave a segment of a single cell where the smoothing holds that
label to several (most often noise or music between a silence and speech), which offline has
none of. Such a segment is folded into the next one when the next label is decided: nothing was
written for it yet (a segment is written when it closes), so nothing written changes, and the
next segment begins where it began (when the labels on both sides are the same, as with a short
pause inside speech, that label is written as two segments meeting there). Measured on benchmark
11's programmes at latencies 1, 2, 3 and 5 s: agreement with offline 0.953, 0.973, 0.986, 0.997 without folding and 0.969, 0.978,
0.991, 0.997 with it; offline's boundaries matched within 1 s 124, 130, 134, 137 of 138 without
and 127, 131, 136, 137 with; extra live boundaries 48, 34, 14, 0 without and 18, 14, 4, 0 with.
On 12 other programmes of the same clips (other seeds) at the same latencies: agreement 0.964,
0.970, 0.987, 0.994 without and 0.979, 0.981, 0.994, 0.994 with; 109, 108, 114, 117 of 120
boundaries without and 116, 114, 116, 117 with. Folding runs of two cells as well lost boundaries
(119 of 138 at 2 s): those are mostly real.

:meth:`LiveSegmenter.feed` and :meth:`LiveSegmenter.finish` return :class:`Change` events: a
segment closed (its refined end) and the next one opened, with the probability of its label.
Time is counted in seconds from the start of the stretch; :mod:`speechmusic.apps.listener` adds
the offset of each stretch in a stream with gaps.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from speechmusic.apps.evidence import (
    LevelMeter,
    cell_label_evidence,
    segmentation_labels,
    window_evidence,
    with_silence,
)
from speechmusic.apps.refinement import REFINE_CONTEXT, refine_boundary, refinement_grid, spectral_change_score
from speechmusic.apps.segmentation import check_options
from speechmusic.apps.segments import (
    DEFAULT_HOP,
    DEFAULT_MIN_DURATIONS,
    DEFAULT_SWITCH_PENALTY,
    Segment,
    min_durations_of,
)
from speechmusic.apps.smoothing import FixedLag, Smoother, segmentation_graph
from speechmusic.apps.windows import WindowCutter
from speechmusic.core.errors import ParameterError
from speechmusic.core.labels import DEFAULT_SILENCE_DB

#: Default look-ahead of ``listen`` (seconds of audio heard past a cell's end before it is decided).
DEFAULT_LATENCY = 2.0
#: Live refinement looks this many hops further back than offline's radius. Measured on 13
#: programmes from the shared real clips (benchmark 11) with the shipped model at the default
#: latency: boundaries within 1 s of offline's 51/60 with no extension, 57 with one hop, 59 with
#: two, 58 with latency + one hop (agreement of the time 0.971, 0.980, 0.986, 0.983).
LATE_CELLS = 2


@dataclass(frozen=True)
class Change:
    """A decided change of label: ``closed`` ended and ``label`` began at ``time``.

    ``closed`` is None for the first segment, and when the open segment was decided for one cell
    only where its label's minimum is longer: that segment is folded into the new one, which then
    begins where it began (see :class:`LiveSegmenter`).

    ``probability`` is the mean probability of ``label`` over the cells of the new segment known
    when it was decided (its look-ahead included); ``closed_probability`` the mean probability of
    the closed segment's label over its cells.
    """

    time: float
    label: str
    probability: float
    closed: Segment | None = None
    closed_probability: float = float("nan")


@dataclass
class _Open:
    """The segment not closed yet: where it starts (s), its label (index), its cells' summed probability of it."""

    start: float
    label: int
    probability_sum: float = 0.0
    cells: int = 0

    @property
    def probability(self) -> float:
        return self.probability_sum / max(self.cells, 1)


def _posterior(rows: np.ndarray) -> np.ndarray:
    """Probability of each label given a cell's (unweighted) evidence: the softmax of the row."""
    rows = np.asarray(rows, dtype=np.float64)
    return np.exp(rows - np.logaddexp.reduce(rows, axis=-1, keepdims=True))


class LiveSegmenter:
    """Segment one continuous stretch of audio as it arrives, with a fixed look-ahead.

    Parameters
    ----------
    classifier : Classifier
        A loaded model (:func:`speechmusic.apps.pipeline.resolve_classifier`).
    window, hop, switch_penalty, min_durations
        As :func:`speechmusic.apps.segmentation.segment_file`.
    latency : float
        Seconds of audio heard past the end of a cell before its label is decided.
    refine : bool
        Refine each boundary as it is decided.
    rule : decision rule or None
        When cells are decided (:class:`~speechmusic.apps.smoothing.FixedLag` of ``latency`` by
        default; :class:`~speechmusic.apps.smoothing.WholeRecording` decides everything at the end,
        as ``segment`` does).
    silence_db : float
        The energy floor (dBFS): quieter stretches are silence, as in ``segment``.

    Attributes
    ----------
    heard : float
        Seconds of audio fed so far.
    decided_until : float
        End of the last decided cell, in seconds.
    label, probability : str or None, float
        The open segment's label and the mean probability of it so far (None before the first decision).
    provisional : str or None
        The label of the newest cell on the current best path (not decided yet).

    Examples
    --------
    >>> live = LiveSegmenter(load_default_classifier(), latency=2.0)     # doctest: +SKIP
    >>> for block in blocks:                                           # doctest: +SKIP
    ...     for change in live.feed(block):
    ...         print(change.time, change.label)
    >>> changes = live.finish()                                        # doctest: +SKIP
    """

    def __init__(self, classifier, *, window: float | None = None, hop: float = DEFAULT_HOP,
                 switch_penalty: float = DEFAULT_SWITCH_PENALTY, latency: float = DEFAULT_LATENCY,
                 refine: bool = True, rule=None, silence_db: float = DEFAULT_SILENCE_DB,
                 min_durations=DEFAULT_MIN_DURATIONS):
        self.classifier = classifier
        self.params, self.hop_samples = check_options(classifier, window, hop, switch_penalty)
        self.sample_rate = self.params.sample_rate
        self.hop = self.hop_samples / self.sample_rate
        self.labels = segmentation_labels(classifier.class_names)
        self.silence_db = float(silence_db)
        self._meter = LevelMeter(self.hop_samples, silence_db=silence_db)
        self.latency = float(latency)
        self.rule = FixedLag(self.latency) if rule is None else rule
        self.refine = bool(refine)
        self.min_durations = min_durations_of(self.labels, min_durations)  # as outputs record them
        self._cutter = WindowCutter(params=self.params, hop_samples=self.hop_samples, eager=True)
        self._smoother = Smoother(segmentation_graph(self.labels, switch_penalty, hop=self.hop, min_durations=min_durations))
        self._window_seconds = self.params.duration
        # Cells each label lasts at least on any one best path (its chain of states in the graph).
        self._min_cells = np.bincount(self._smoother.graph.state_label, minlength=len(self.labels))
        # Windows that still cover a cell whose evidence is not final: (start s, evidence row).
        self._windows: deque[tuple[float, np.ndarray]] = deque()
        self._grid_windows = 0  # windows on the hop grid so far (window j covers cells j - 2 .. j)
        # Unweighted evidence rows of the cells pushed but not decided (for probabilities).
        self._rows: deque[np.ndarray] = deque()
        self._tail_rows = np.empty((0, len(self.labels)))
        self._finished = False
        self._open: _Open | None = None
        self._boundary_at: int | None = None  # the previous boundary, unrefined and refined (samples)
        self._boundary_moved: int | None = None
        self.provisional: str | None = None
        # Recent audio for refinement: enough for the look-ahead, the radius and the context.
        step, radius, margin = refinement_grid(self.params)
        self._refine_grid = (step, radius, margin)
        keep_seconds = self.latency + self.hop + self._window_seconds + (radius + 2 * margin) / self.sample_rate + 1.0
        self._keep = int(keep_seconds * self.sample_rate)
        self._recent = np.empty(0, dtype=np.float32)
        self._recent_start = 0
        self._score = spectral_change_score(self._excerpt, self.params, context_seconds=REFINE_CONTEXT)

    # --- what the terminal and the page show ------------------------------------------------------

    @property
    def heard(self) -> float:
        return self._cutter.n_samples / self.sample_rate

    @property
    def decided_until(self) -> float:
        return min(self._smoother.decided * self.hop, self.heard)

    @property
    def label(self) -> str | None:
        return None if self._open is None else self.labels[self._open.label]

    @property
    def probability(self) -> float:
        return float("nan") if self._open is None else self._open.probability

    @property
    def memory_items(self) -> int:
        """Windows, cells and back-pointers held (bounded by the look-ahead; for the memory tests)."""
        return len(self._windows) + len(self._rows) + len(self._smoother._back)

    # --- the stream ------------------------------------------------------------------------------

    def feed(self, block: np.ndarray) -> list[Change]:
        """Add the next samples (mono float32 at the model's rate); return the changes decided now."""
        if self._finished:
            raise ParameterError("feed() after finish()")
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if block.size == 0:
            return []
        self._remember(block)
        self._meter.push(block)
        for batch in self._cutter.push(block):
            self._add_windows(batch)
        return self._advance(final=False, block=block.size / self.sample_rate)

    def finish(self) -> list[Change]:
        """The stretch has ended: decide every cell left and close the open segment at the end.

        The last change (if any) is followed by a final :class:`Change` whose ``label`` is empty
        and whose ``closed`` is the last segment, ending where the audio ended.
        """
        if self._finished:
            return []
        for batch in self._cutter.finish():
            self._add_windows(batch, last=True)
        self._meter.finish()
        self._finished = True
        if self._cutter.n_samples == 0:
            return []
        changes = self._advance(final=True, block=0.0)
        if self._open is not None:
            closed = Segment(self._open.start, self.heard, self.labels[self._open.label])
            changes.append(Change(self.heard, "", float("nan"), closed, self.probability))
            self._open = None
        return changes

    def _remember(self, block: np.ndarray) -> None:
        self._recent = np.concatenate([self._recent, block])
        if self._recent.size > 2 * self._keep:
            drop = self._recent.size - self._keep
            self._recent = self._recent[drop:].copy()
            self._recent_start += drop

    def _excerpt(self, start: int, n: int) -> np.ndarray:
        first = start - self._recent_start
        y = self._recent[max(0, first) : max(0, first + n)]
        if first < 0:  # refinement bounds keep candidates inside; this is a safety net
            y = np.concatenate([np.zeros(min(n, -first), dtype=np.float32), y])
        return y

    def _add_windows(self, batch, last: bool = False) -> None:
        _, evidence = window_evidence(self.classifier, batch.features, batch.levels, silence_db=self.silence_db)
        for start, row in zip(batch.starts, evidence):
            self._windows.append((int(start) / self.sample_rate, row))
        if not last:
            self._grid_windows += len(batch.starts)

    # --- evidence, decisions, segments -----------------------------------------------------------

    def _cell_rows(self, final: bool) -> tuple[np.ndarray, np.ndarray, int]:
        """Evidence rows (unweighted) and weights of the cells from the first not pushed on; how many are final."""
        first = self._smoother.pushed
        nothing = np.empty((0, len(self.labels))), np.empty(0), 0
        if final:
            duration = self.heard
        else:
            if self._grid_windows == 0:
                return nothing
            newest_end = (self._grid_windows - 1) * self.hop + self._window_seconds
            duration = int(np.ceil(newest_end / self.hop - 0.5 - 1e-9)) * self.hop  # cells a window covers
        # Windows that cover no cell from `first` on will never be needed again.
        centre = (first + 0.5) * self.hop
        while self._windows and self._windows[0][0] + self._window_seconds <= centre:
            self._windows.popleft()
        if not self._windows or duration <= first * self.hop + 1e-9:
            return nothing
        starts = np.array([w[0] for w in self._windows])
        ends = np.minimum(starts + self._window_seconds, duration) if final else starts + self._window_seconds
        edges, rows = cell_label_evidence(starts, ends, np.stack([w[1] for w in self._windows]),
                                          duration=duration, hop=self.hop, first_cell=first)
        rows = with_silence(rows, self._meter.silent_share(first, len(rows)))
        # Cell c is final once window c, the last that covers it, is there (or the stream has ended).
        n_final = len(rows) if final else max(0, min(len(rows), self._grid_windows - first))
        return rows, np.diff(edges), n_final

    def _advance(self, *, final: bool, block: float) -> list[Change]:
        rows, weights, n_final = self._cell_rows(final)
        smoother = self._smoother
        if n_final:
            already = max(0, smoother.decided - smoother.pushed)  # decided earlier from the tail
            smoother.push(rows[:n_final] * weights[:n_final, np.newaxis])
            self._rows.extend(rows[already:n_final])
        self._tail_rows = rows[n_final:]
        tail = rows[n_final:] * weights[n_final:, np.newaxis]
        known = smoother.pushed + len(tail)
        upto = max(smoother.decided, min(known, self.rule.ready(known, self.hop, self.heard, final=final, block=block)))
        if known <= smoother.decided:
            return []
        path = smoother.graph.state_label[smoother.path(tail)]
        self.provisional = self.labels[int(path[-1])]
        if upto == smoother.decided:
            return []
        first = smoother.decided
        labels = smoother.decide(upto, tail)
        self._meter.forget(smoother.decided)
        # Rows of the cells from `base` on: those pushed and not decided before, then the tail.
        base = smoother.pushed - len(self._rows)
        known_rows = np.concatenate([np.array(self._rows).reshape(-1, len(self.labels)), self._tail_rows])
        posteriors = _posterior(known_rows[first - base :])
        changes = []
        for offset, label in enumerate(labels):
            if self._open is None or label != self._open.label:
                changes.append(self._change(first + offset, int(label), posteriors, path, offset))
            self._open.probability_sum += posteriors[offset, label]
            self._open.cells += 1
        for _ in range(min(len(labels), len(self._rows))):
            self._rows.popleft()
        return changes

    def _change(self, cell: int, label: int, posteriors, path_labels, offset: int) -> Change:
        """Close the open segment at cell ``cell`` (refined) and open one of ``label``."""
        # The new label's probability over its cells known now (the look-ahead's included).
        run = offset
        while run < len(path_labels) and path_labels[run] == label:
            run += 1
        probability = float(np.mean(posteriors[offset:max(run, offset + 1), label]))
        if self._open is None:
            self._open = _Open(0.0, label)
            return Change(0.0, self.labels[label], probability)
        before = self.labels[self._open.label]
        # The cell's edge as offline computes it; a refined boundary in samples, as offline refinement gives it.
        boundary = cell * self.hop
        if self.refine:
            boundary = self._refined(cell * self.hop_samples, before, self.labels[label]) / self.sample_rate
        if self._open.cells == 1 < self._min_cells[self._open.label]:
            # Left by decisions from different best paths (module docstring): fold it into the new
            # segment. The refinement still counts this boundary as the last one, so the next is
            # looked for after it (measured: a boundary more within 1 s of offline's on both sets).
            self._open = _Open(self._open.start, label)
            return Change(self._open.start, self.labels[label], probability)
        closed = Segment(self._open.start, boundary, before)
        closed_probability = self._open.probability
        self._open = _Open(boundary, label)
        return Change(closed.end, self.labels[label], probability, closed, closed_probability)

    def _refined(self, at: int, before: str, after: str) -> int:
        """The boundary at sample ``at`` moved as offline refinement would, within the audio heard."""
        step, radius, margin = self._refine_grid
        previous_at, previous_moved = self._boundary_at, self._boundary_moved
        # A change is decided from evidence that comes after it, so the smoothing's boundary can lag
        # the true one by a cell or two (the windows straddling a change): look that much further back.
        back = radius + LATE_CELLS * (self.hop_samples // step) * step
        low = max(at - back, margin, self._recent_start + margin,
                  (previous_at + at) / 2 + step if previous_at is not None else 0,
                  previous_moved + step if previous_moved is not None else 0)
        high = min(at + radius, self._cutter.n_samples - margin)
        moved = refine_boundary(at, self._score, before, after, low=low, high=high,
                                radius_samples=back, step_samples=step)
        self._boundary_at, self._boundary_moved = at, moved
        return moved
