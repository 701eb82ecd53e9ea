"""The evidence stage of segmentation: what the windows say about each one-hop cell, for K labels.

Offline ``segment`` and live ``listen`` run the same stages (:mod:`speechmusic.apps.segmentation`,
:mod:`speechmusic.apps.live`): blocks of samples -> windows (:mod:`speechmusic.apps.windows`) ->
**evidence** (this module) -> smoothing (:mod:`speechmusic.apps.smoothing`) -> boundary refinement
(:mod:`speechmusic.apps.refinement`).

1. **Per window**, :func:`window_evidence`: the classifier's probability of each of its labels
   (``classifier.class_names``, K of them), each kept inside ``[PROB_FLOOR, 1 - PROB_FLOOR]`` so
   that one over-confident window cannot outvote its neighbours (a log-ratio between two labels is
   then at most ``log(999)`` = 6.9 nats), as log-probabilities relative to the first label (only
   differences between labels matter). A window of digital silence carries no evidence: every
   label gets ``1 / K``, so a silent gap takes the label of the sound around it.
2. **Per cell**, :func:`cell_label_evidence`: the timeline is cut into cells of one hop, and
   each window's log-probabilities are shared among the cells whose centre it covers (three with
   the defaults): a cell gets the sum of its windows' values divided by ``max(count, full)``, where
   ``full`` is the number of windows that covers a cell inside the recording. Inside the recording
   that is the mean of the covering windows; the first and last cells of a recording, covered by
   fewer windows, get proportionally less, so that *every window counts once* (a plain mean would
   count the first and last windows up to 1 + 1/2 + 1/3 times, and the recording's edges are where
   a stray segment is cheapest: it needs one switch instead of two). A live stream computes the
   same function on the windows heard so far: its newest cells, still waiting for windows, get
   the share of the windows already there.

3. **Silence**, :class:`LevelMeter` and :func:`with_silence`: silence is not a label of the model
   but a level rule (:data:`speechmusic.core.labels.DEFAULT_SILENCE_DB`). The samples' level is
   measured in frames of :data:`LEVEL_FRAME` samples as they stream; each cell's *silent share* is
   the share of its frames quieter than the floor. The cell's evidence becomes one more column:
   the model's labels share ``1 - s`` of the cell and silence takes ``s`` (each kept inside
   ``[PROB_FLOOR, 1 - PROB_FLOOR]``), so a silent cell costs every sounding label 6.9 nats and the
   smoothing decides whether it is long enough to be a segment of its own (a breath inside speech is
   not: one silent cell earns less than the two switches it needs). A window quieter than the floor
   carries no evidence for the model's labels, as a window of digital silence: its spectrogram is
   the room's hiss scaled up to the range of a loud sound.

With two labels (music, speech) the second column is the log-odds of speech, ``log(p / (1 - p))``,
and :func:`cell_evidence` is that column alone, for the tools that reason in log-odds.
"""

from __future__ import annotations

import math

import numpy as np

from speechmusic.apps.segments import PROB_FLOOR
from speechmusic.core.errors import ParameterError
from speechmusic.core.labels import DEFAULT_SILENCE_DB, SILENCE

#: Samples per frame of the level meter (93 ms at 22050 Hz; about 11 frames per one-second cell).
LEVEL_FRAME = 2048


def window_evidence(classifier, features: np.ndarray, levels: np.ndarray | None = None, *,
                    silence_db: float = DEFAULT_SILENCE_DB) -> tuple[np.ndarray, np.ndarray]:
    """Each window's probabilities over the classifier's labels, and its evidence for each label.

    Parameters
    ----------
    classifier : Classifier
        Anything with ``predict_proba(features) -> (m, K)`` (columns in ``class_names`` order) and
        ``silent(features) -> (m,) bool`` (:class:`speechmusic.apps.pipeline.Classifier`).
    features : np.ndarray
        Window spectrograms ``(m, n_mels, frames)``.
    levels : np.ndarray or None
        Each window's level in dBFS (:class:`speechmusic.apps.windows.WindowBatch`); windows below
        ``silence_db`` carry no evidence, as digital silence. None: only digital silence.
    silence_db : float
        The energy floor.

    Returns
    -------
    probability : np.ndarray
        ``(m, K)`` probabilities; rows of silence are ``1 / K`` (no evidence).
    evidence : np.ndarray
        ``(m, K)`` log-probabilities relative to the first label, ``log p_k - log p_0``, each
        probability first kept inside ``[PROB_FLOOR, 1 - PROB_FLOOR]`` (column 0 is 0). Only the
        differences between labels matter to the smoothing, so a row of log-probabilities is
        given up to a constant. With two labels, column 1 is the log-odds ``log(p / (1 - p))``.

    Examples
    --------
    >>> class Fixed:                                   # a classifier that says 0.2 / 0.8
    ...     def predict_proba(self, features): return np.array([[0.2, 0.8]])
    ...     def silent(self, features): return np.array([False])
    >>> probability, evidence = window_evidence(Fixed(), np.ones((1, 4, 4)))
    >>> np.round(evidence, 4).tolist()                 # log(0.8 / 0.2)
    [[0.0, 1.3863]]
    """
    probability = np.array(classifier.predict_proba(features), dtype=np.float64, ndmin=2)
    quiet = np.asarray(classifier.silent(features), dtype=bool)
    if levels is not None:
        quiet = quiet | (np.asarray(levels) < silence_db)
    probability[quiet] = 1.0 / probability.shape[1]
    if probability.shape[1] == 2:
        # Two labels: p_0 = 1 - p_1, and log1p(-p) is the accurate log(1 - p).
        evidence = np.zeros_like(probability)
        evidence[:, 1] = _log_odds(probability[:, 1])
        return probability, evidence
    log_p = np.log(np.clip(probability, PROB_FLOOR, 1.0 - PROB_FLOOR))
    return probability, log_p - log_p[:, :1]


def _log_odds(probability: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probability, dtype=np.float64), PROB_FLOOR, 1.0 - PROB_FLOOR)
    return np.log(p) - np.log1p(-p)


def share_among_cells(
    window_starts: np.ndarray,
    window_ends: np.ndarray,
    values: np.ndarray,
    *,
    duration: float,
    hop: float,
    first_cell: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``[0, duration]`` into cells of ``hop`` seconds and share each window's values among its cells.

    A window covers the cells whose centre lies inside ``[start, end)``. A cell gets the sum of its
    windows' values divided by ``max(count, full)``: ``count`` windows cover it and ``full =
    floor(window / hop)`` cover every cell inside the recording (the window length is the longest
    window span given). Cells no window covers (only possible with gaps between windows) take the
    nearest window's values.

    Parameters
    ----------
    window_starts, window_ends : np.ndarray
        Window spans in seconds.
    values : np.ndarray
        ``(m,)`` or ``(m, K)`` values per window (log-odds, log-probabilities).
    duration : float
        End of the last cell in seconds (the recording's length, or for a live stream the end of
        the cells wanted so far).
    hop : float
        Cell length in seconds.
    first_cell : int
        Compute cells ``first_cell, first_cell + 1, ...`` only (a live stream's undecided cells);
        every window covering one of them must be given.

    Returns
    -------
    edges : np.ndarray
        Cell boundaries in seconds (the last cell may be shorter), ``n + 1`` values for ``n`` cells.
    cell_values : np.ndarray
        ``(n,)`` or ``(n, K)``, as described above.
    """
    if hop <= 0 or duration <= 0:
        raise ParameterError("hop and duration must be positive")
    starts = np.asarray(window_starts, dtype=np.float64)
    ends = np.asarray(window_ends, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if starts.size == 0:
        raise ParameterError("no windows to smooth")
    n_cells = max(1, int(math.ceil(duration / hop - 1e-9)))
    if not 0 <= first_cell < n_cells:
        raise ParameterError(f"first_cell must be in [0, {n_cells}), got {first_cell}")
    edges = np.minimum(np.arange(first_cell, n_cells + 1) * hop, duration)
    edges[-1] = duration
    centres = (edges[:-1] + edges[1:]) / 2
    n = centres.size
    # A window covers the cells whose centre lies in [start, end): cells first..last-1.
    first = np.searchsorted(centres, starts, side="left")
    last = np.searchsorted(centres, ends, side="left")
    total = np.zeros((n + 1, *values.shape[1:]))
    count = np.zeros(n + 1)
    np.add.at(total, first, values)
    np.add.at(total, last, -values)
    np.add.at(count, first, 1)
    np.add.at(count, last, -1)
    total, count = np.cumsum(total, axis=0)[:-1], np.cumsum(count)[:-1]
    uncovered = count < 0.5
    if uncovered.any():
        nearest = np.abs(((starts + ends) / 2)[np.newaxis, :] - centres[uncovered, np.newaxis]).argmin(axis=1)
        total[uncovered], count[uncovered] = values[nearest], 1
    # Windows covering an inner cell: floor(window / hop) or one more (hops are rounded to frames).
    full = max(1, int(math.floor(float(np.max(ends - starts)) / hop + 1e-9)))
    divisor = np.maximum(count, full)
    return edges, total / (divisor if values.ndim == 1 else divisor[:, np.newaxis])


def cell_label_evidence(
    window_starts: np.ndarray,
    window_ends: np.ndarray,
    evidence: np.ndarray,
    *,
    duration: float,
    hop: float,
    first_cell: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's share of its windows' evidence (:func:`window_evidence`), ``(n_cells, K)``; see :func:`share_among_cells`.

    Examples
    --------
    >>> starts = np.array([0.0, 1.0, 2.0, 3.0])
    >>> evidence = np.tile([0.0, np.log(4.0)], (4, 1))                 # music 0.2, speech 0.8
    >>> edges, cells = cell_label_evidence(starts, starts + 3.0, evidence, duration=6.0, hop=1.0)
    >>> np.round(cells[:, 1], 4).tolist()   # log(4) shared: the edge cells get less
    [0.4621, 0.9242, 1.3863, 1.3863, 0.9242, 0.4621]
    """
    evidence = np.asarray(evidence, dtype=np.float64)
    if evidence.ndim != 2:
        raise ParameterError(f"evidence must be (windows, labels), got shape {evidence.shape}")
    return share_among_cells(window_starts, window_ends, evidence, duration=duration, hop=hop, first_cell=first_cell)


def cell_evidence(
    window_starts: np.ndarray,
    window_ends: np.ndarray,
    probability: np.ndarray,
    *,
    duration: float,
    hop: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Two labels: each cell's share of its windows' log-odds of speech (see :func:`share_among_cells`).

    Parameters
    ----------
    window_starts, window_ends : np.ndarray
        Window spans in seconds.
    probability : np.ndarray
        Probability of speech of each window (kept inside ``[PROB_FLOOR, 1 - PROB_FLOOR]``).
    duration : float
        Length of the recording in seconds.
    hop : float
        Cell length in seconds.

    Returns
    -------
    edges : np.ndarray
        ``n_cells + 1`` cell boundaries in seconds (the last cell may be shorter).
    log_odds : np.ndarray
        ``n_cells`` log-odds per cell (speech positive).

    Examples
    --------
    >>> starts = np.array([0.0, 1.0, 2.0, 3.0])
    >>> p = 1 / (1 + np.exp(-np.array([3.0, 3.0, 3.0, 3.0])))   # log-odds 3 each
    >>> edges, log_odds = cell_evidence(starts, starts + 3.0, p, duration=6.0, hop=1.0)
    >>> np.round(log_odds, 6).tolist()   # edges covered by 1 or 2 windows of the full 3
    [1.0, 2.0, 3.0, 3.0, 2.0, 1.0]
    """
    return share_among_cells(window_starts, window_ends, _log_odds(probability), duration=duration, hop=hop)


class LevelMeter:
    """The level of a stream in frames of :data:`LEVEL_FRAME` samples, and each cell's silent share.

    Blocks are pushed as they arrive (:meth:`push`); only per-cell counts are kept (how many of
    the cell's frames there are, and how many are quieter than the floor), so memory grows with
    the number of cells, not of samples, and :meth:`forget` drops the cells a live stream has
    decided. A frame belongs to the cell its centre falls in.

    Parameters
    ----------
    hop_samples : int
        Samples per cell (the segmentation's hop).
    silence_db : float
        The energy floor (dBFS, RMS over a frame); ``-inf``: only frames of digital silence are silent.

    Examples
    --------
    >>> meter = LevelMeter(4096, silence_db=-60.0)
    >>> meter.push(np.concatenate([np.full(4096, 0.1), np.zeros(4096), np.full(2048, 1e-4)]).astype(np.float32))
    >>> meter.finish()
    >>> meter.silent_share(0, 3).tolist()    # -20 dBFS, digital silence, -80 dBFS (half a cell)
    [0.0, 1.0, 1.0]
    """

    def __init__(self, hop_samples: int, *, silence_db: float = DEFAULT_SILENCE_DB):
        if hop_samples < 1:
            raise ParameterError(f"hop_samples must be >= 1, got {hop_samples}")
        if np.isnan(silence_db) or silence_db == np.inf:
            raise ParameterError(f"silence_db must be a number or -inf, got {silence_db}")
        self.hop_samples = int(hop_samples)
        self.silence_db = float(silence_db)
        self._floor_power = 10.0 ** (self.silence_db / 10.0)
        self._partial = np.empty(0, dtype=np.float64)  # samples of the frame not complete yet (squared)
        self._frames = 0  # complete frames so far
        self._counts: dict[int, list[int]] = {}  # cell -> [frames, silent frames]

    def push(self, block: np.ndarray) -> None:
        """Add the next samples."""
        squares = np.square(np.asarray(block, dtype=np.float64).reshape(-1))
        if self._partial.size:
            squares = np.concatenate([self._partial, squares])
        n = squares.size // LEVEL_FRAME
        self._add(squares[: n * LEVEL_FRAME].reshape(n, LEVEL_FRAME).mean(axis=1), LEVEL_FRAME)
        self._partial = squares[n * LEVEL_FRAME:]

    def finish(self) -> None:
        """The stream has ended: the last, shorter frame counts too."""
        if self._partial.size:
            self._add(np.array([self._partial.mean()]), self._partial.size)
            self._partial = np.empty(0, dtype=np.float64)

    def _add(self, power: np.ndarray, length: int) -> None:
        if power.size == 0:
            return
        first = self._frames * LEVEL_FRAME
        centres = first + np.arange(power.size) * LEVEL_FRAME + length / 2
        cells = (centres // self.hop_samples).astype(np.int64)
        silent = (power < self._floor_power) | (power == 0)
        for cell in np.unique(cells):
            mine = cells == cell
            count = self._counts.setdefault(int(cell), [0, 0])
            count[0] += int(mine.sum())
            count[1] += int(silent[mine].sum())
        self._frames += power.size

    def silent_share(self, first: int, n: int) -> np.ndarray:
        """Share of silent frames in cells ``first .. first + n - 1`` (0 for a cell no frame has reached yet)."""
        out = np.zeros(n)
        for i in range(n):
            frames, quiet = self._counts.get(first + i, (0, 0))
            if frames:
                out[i] = quiet / frames
        return out

    def forget(self, before: int) -> None:
        """Drop the counts of cells before ``before`` (decided: never asked for again)."""
        for cell in [c for c in self._counts if c < before]:
            del self._counts[cell]


def with_silence(rows: np.ndarray, silent_share: np.ndarray) -> np.ndarray:
    """Cell evidence of the model's K labels ``(n, K)`` with silence as one more column ``(n, K + 1)``.

    The rows' labels share ``1 - s`` of each cell, silence ``s`` (its silent share), both kept inside
    ``[PROB_FLOOR, 1 - PROB_FLOOR]``; the result is log-probabilities (up to a constant per row, like
    the input).

    Examples
    --------
    >>> rows = np.array([[0.0, np.log(9.0)], [0.0, np.log(9.0)]])       # 0.1 / 0.9 each
    >>> np.round(np.exp(with_silence(rows, np.array([0.0, 1.0]))), 4).tolist()
    [[0.0999, 0.8991, 0.001], [0.0001, 0.0009, 0.999]]
    """
    rows = np.asarray(rows, dtype=np.float64)
    s = np.clip(np.asarray(silent_share, dtype=np.float64), PROB_FLOOR, 1.0 - PROB_FLOOR)[:, np.newaxis]
    log_p = rows - np.logaddexp.reduce(rows, axis=1, keepdims=True)
    return np.concatenate([log_p + np.log1p(-s), np.log(s)], axis=1)


def segmentation_labels(class_names) -> tuple[str, ...]:
    """The labels segmentation decides between: the model's, then silence (the level rule)."""
    return (*tuple(class_names), SILENCE)
