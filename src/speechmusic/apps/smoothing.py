"""The smoothing stage of segmentation: a hidden Markov model over the labels, decoded by Viterbi.

The per-cell evidence (:mod:`speechmusic.apps.evidence`, ``(n_cells, K)`` log-probabilities
weighted by each cell's length in seconds) is smoothed by a hidden Markov model whose states emit
the labels. What the model is — which moves between states cost how much — is a
:class:`StateGraph`, the one place that says it. :func:`segmentation_graph` is the model ``segment``
and ``listen`` use (:func:`duration_graph`): each label has a *minimum duration* — a chain of states
that emit it and must be walked through before the label may end (music 3 s, speech, noise and
silence 4 s: :data:`~speechmusic.apps.segments.DEFAULT_MIN_DURATIONS`) — and every switch costs
``switch_penalty`` nats on top (0.5 by default). :func:`switch_graph` is the one-state-per-label
model without minimum durations (the smoothing of earlier versions, with a penalty of 5).

Why minimum durations rather than a larger penalty? A penalty must be paid by the evidence of a
stretch, so it swallows a short stretch of weak evidence — a 3-5 s jingle the classifier hears as
music with p 0.6-0.8 — as surely as a blip; a minimum duration costs a short stretch nothing once
it is long enough, and removes blips however confident they are. On benchmark 9's programmes
(real clips, models trained without the programme's sources; docs/commands.md, smoothing) the
penalty of 5 alone kept jingles 0.57 of their time and put 66 of 132 boundaries within 1 s; the
minimum durations with a penalty of 0.5 keep 0.85 and 108, at 26 found boundaries matched to no
true one instead of 13. Penalties 0-5 and minimum durations of 1-6 s were compared: chosen fold by
fold on the other folds' programmes, penalty 0 with minimums of 3-4 s won on every fold; a penalty of
0.5 is kept on top because it splits single-label material less often (49 times in 45 min of held-out
clips against 71; the penalty of 5 alone: 20). Per-pair transition costs learned from the
programmes' truth and cheaper entries into music did no better.

Why an HMM and not a median filter? A median filter counts votes and ignores how sure each vote
is, and its width sets one fixed minimum segment length. The HMM weighs confident decisions more
than hesitant ones (a short, clear jingle survives; a long stretch of coin flips does not fragment
the timeline), has a parameter with a meaning (the evidence a switch needs), and is exactly
optimal for that model at O(n) cost.

**Decoding.** :class:`Smoother` runs Viterbi's forward pass cell by cell and decides cells on
demand from the back-pointers of the current best state; decided cells are never revised. What
differs between offline and live is only *when* cells are decided, the decision rule:

* offline (``segment``, :func:`viterbi`): once, after the last cell — the exact most likely path;
* live (``listen``, :class:`FixedLag`): cell ``t`` as soon as the audio up to ``--latency``
  seconds past its end has been heard — fixed-lag decoding, which agrees with the whole-recording
  path wherever the evidence within the look-ahead settles it.

With the two labels music (0) and speech (1), the decoded path is the one of the classic two-state
model on log-odds (:func:`viterbi_two_state`): only the difference of the two evidence columns
matters, and ties go the same way (a cell stays in its state on a tie; the last cell takes the
lower label).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from speechmusic.apps.segments import DEFAULT_HOP, DEFAULT_MIN_DURATIONS, DEFAULT_SWITCH_PENALTY, Segment
from speechmusic.core.errors import ParameterError

#: Forward scores (nats, <= 0) are shifted back to a best of 0 when they fall below minus this.
#: Not on every cell: the offline path is then computed exactly as the classic two-state Viterbi did.
_RESCALE = 1e6


@dataclass(frozen=True)
class StateGraph:
    """The hidden Markov model the smoothing decodes: states, the label each emits, the cost of each move.

    Attributes
    ----------
    labels : tuple of str
        The K labels, in the order of the evidence columns (the classifier's ``class_names``).
    state_label : np.ndarray
        ``(N,)`` int: the label (column of the evidence) each state emits; N >= K.
    cost : np.ndarray
        ``(N, N)``: nats it costs to be in state ``i`` in one cell and in state ``j`` in the next
        (``np.inf``: not allowed). Zero on the diagonal in :func:`switch_graph`.
    start_cost : np.ndarray
        ``(N,)``: nats it costs to start in each state (``np.inf``: a state that cannot start).
    """

    labels: tuple[str, ...]
    state_label: np.ndarray
    cost: np.ndarray
    start_cost: np.ndarray

    def __post_init__(self):
        n = len(self.state_label)
        if np.shape(self.cost) != (n, n) or np.shape(self.start_cost) != (n,):
            raise ParameterError(f"a graph of {n} states needs a ({n}, {n}) cost matrix and {n} start costs")
        if n == 0 or np.min(self.state_label) < 0 or np.max(self.state_label) >= len(self.labels):
            raise ParameterError("every state must emit one of the labels")
        if np.any(np.isnan(self.cost)) or np.any(self.cost < 0) or np.any(np.isnan(self.start_cost)):
            raise ParameterError("costs must be numbers >= 0 (np.inf forbids a move)")

    @property
    def n_states(self) -> int:
        return len(self.state_label)


def switch_graph(labels: Sequence[str], switch_penalty: float = DEFAULT_SWITCH_PENALTY) -> StateGraph:
    """One state per label; staying costs nothing, any switch costs ``switch_penalty`` nats.

    So a stretch of another label becomes its own segment only when its evidence outweighs the two
    switches it needs (entering and leaving): 2 x 5 = 10 nats with a penalty of 5, about
    1.5 s of near-certain windows (p = 0.999), 2.2 s at p = 0.99, 4.6 s at p = 0.9 and 9 s of
    hesitant ones (p = 0.75) between two labels. A stretch at the very start or end of a recording
    needs only one switch.

    Examples
    --------
    >>> switch_graph(("music", "speech"), 5.0).cost.tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    return duration_graph(labels, switch_penalty, [1] * len(labels))


def duration_graph(labels: Sequence[str], switch_penalty: float, min_cells: Sequence[int]) -> StateGraph:
    """Each label a chain of ``min_cells`` states: a label lasts at least that many cells once entered.

    Label ``k`` has states ``k_1 .. k_d`` (``d = min_cells[k]``): a switch from the last state of
    one label to the first state of another costs ``switch_penalty``; ``k_i`` moves on to
    ``k_(i+1)`` for nothing and the last state stays for nothing. So a stretch of another label
    must last ``d`` cells and its evidence must outweigh its cells' evidence for the labels around
    it plus the two switches. A recording may start in any state and end in any (a stretch cut by
    the start or the end of the recording is not held to the minimum). With every ``min_cells`` 1
    it is :func:`switch_graph`: one state per label.

    Examples
    --------
    >>> graph = duration_graph(("music", "speech"), 1.0, (2, 1))
    >>> graph.state_label.tolist()
    [0, 0, 1]
    >>> graph.cost.tolist()
    [[inf, 0.0, inf], [inf, 0.0, 1.0], [1.0, inf, 0.0]]
    """
    if not (np.isfinite(switch_penalty) and switch_penalty >= 0):
        raise ParameterError(f"switch penalty must be a number >= 0, got {switch_penalty}")
    lengths = [int(d) for d in min_cells]
    if len(lengths) != len(labels) or min(lengths, default=1) < 1:
        raise ParameterError(f"need a minimum of >= 1 cell for each of the {len(labels)} labels, got {list(min_cells)}")
    last = np.cumsum(lengths) - 1  # each label's last (staying) state
    first = last - np.array(lengths) + 1
    n = int(last[-1]) + 1 if lengths else 0
    cost = np.full((n, n), np.inf)
    for k in range(len(labels)):
        chain = np.arange(first[k], last[k])
        cost[chain, chain + 1] = 0.0
        cost[last[k], last[k]] = 0.0
        cost[last[k], first] = float(switch_penalty)
        cost[last[k], first[k]] = np.inf if lengths[k] > 1 else 0.0
    return StateGraph(labels=tuple(labels), state_label=np.repeat(np.arange(len(labels)), lengths),
                      cost=cost, start_cost=np.zeros(n))


def segmentation_graph(labels: Sequence[str], switch_penalty: float = DEFAULT_SWITCH_PENALTY, *,
                       hop: float = DEFAULT_HOP,
                       min_durations: Mapping[str, float] | None = DEFAULT_MIN_DURATIONS) -> StateGraph:
    """The model ``segment`` and ``listen`` smooth with: the one place to change it.

    A :func:`duration_graph`: each label's minimum duration in ``min_durations`` (seconds; a label
    not in it, or ``min_durations`` None, has none) becomes ``round(seconds / hop)`` cells, at least
    one; every switch costs ``switch_penalty`` nats on top. Offline and live segmentation both call
    it, so they decode the same model.

    Examples
    --------
    >>> graph = segmentation_graph(("speech", "music", "silence"), hop=1.0)
    >>> graph.state_label.tolist()          # speech 4 s, music 3 s, silence 4 s
    [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    >>> segmentation_graph(("speech", "music"), 5.0, min_durations=None).cost.tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    if not (np.isfinite(hop) and hop > 0):
        raise ParameterError(f"hop must be a number of seconds > 0, got {hop}")
    seconds = dict(min_durations or {})
    if any(not (np.isfinite(v) and v >= 0) for v in seconds.values()):
        raise ParameterError(f"minimum durations must be seconds >= 0, got {seconds}")
    cells = [max(1, int(round(seconds.get(label, 0.0) / hop))) for label in labels]
    return duration_graph(labels, switch_penalty, cells)


class Smoother:
    """Viterbi decoding fed cell by cell, deciding cells on demand and never revising them.

    ``push(evidence)`` adds cells whose evidence is final; ``decide(upto, tail=...)`` fixes the
    labels of the cells not decided yet up to (not including) cell ``upto``, from the back-pointers
    of the state that is best after the last cell known — the pushed ones, then ``tail``: cells
    whose evidence may still grow (a live stream's newest cells), used for this decision only.
    Forward scores are brought back near 0 when they fall below ``-1e6`` nats (weeks of audio), so a
    stream of any length keeps its precision, and back-pointers are kept only for the cells not decided yet: memory is bounded by the
    look-ahead, not by the length.

    Parameters
    ----------
    graph : StateGraph

    Examples
    --------
    >>> smoother = Smoother(switch_graph(("music", "speech"), 2.0))
    >>> smoother.push(np.array([[0, 3.0], [0, 3.0], [0, -1.0]]))
    >>> smoother.decide(2).tolist()          # cells 0 and 1; cell 2 waits for more evidence
    [1, 1]
    >>> smoother.push(np.array([[0, 3.0], [0, -4.0], [0, -4.0], [0, -4.0]]))
    >>> smoother.decide(7).tolist()
    [1, 1, 0, 0, 0]
    """

    def __init__(self, graph: StateGraph):
        self.graph = graph
        self.pushed = 0  # cells whose evidence is final
        self.decided = 0  # cells whose label is fixed
        self._score: np.ndarray | None = None  # forward scores after the last pushed cell
        # Back-pointers of consecutive cells from _back_first on: back[c][j] is the best state of
        # cell c - 1 before state j in cell c. Only those of undecided cells (after the first) are kept.
        self._back: deque[np.ndarray] = deque()
        self._back_first = 1
        self._columns = np.arange(graph.n_states)
        self._diagonal = (self._columns, self._columns)

    def _emissions(self, evidence: np.ndarray | None) -> np.ndarray:
        """Each state's log-probability in each cell: the log-posterior of its label given the cell's evidence.

        ``-log(sum_j exp(E_j - E_k))`` for label k, from differences only: with two labels that is
        ``log sigmoid(+-e)`` of the log-odds ``e``, exactly as the classic two-state model computes it.
        """
        if evidence is None:
            return np.empty((0, self.graph.n_states))
        evidence = np.asarray(evidence, dtype=np.float64)
        if evidence.ndim != 2 or evidence.shape[1] != len(self.graph.labels):
            raise ParameterError(f"evidence must be (cells, {len(self.graph.labels)}), got shape {evidence.shape}")
        differences = evidence[:, np.newaxis, :] - evidence[:, :, np.newaxis]  # [cell, k, j] = E_j - E_k
        return -np.logaddexp.reduce(differences, axis=2)[:, self.graph.state_label]

    def _forward(self, score: np.ndarray | None, emissions: np.ndarray, backs: list) -> np.ndarray | None:
        """Run the forward pass over ``emissions`` from ``score``; append each cell's back-pointers to ``backs``."""
        cost = self.graph.cost
        for emit in emissions:
            if score is None:  # the first cell of the recording
                score = emit - self.graph.start_cost
                continue
            candidates = score[:, np.newaxis] - cost  # [from, to]
            best = candidates.argmax(axis=0)
            # On a tie, staying wins (the two-state model's rule).
            stay = candidates[self._diagonal] >= candidates[best, self._columns]
            best = np.where(stay, self._columns, best)
            score = candidates[best, self._columns] + emit
            if score.max() < -_RESCALE:  # weeks of cells: keep the scores where doubles are precise
                score = score - score.max()
            backs.append(best)
        return score

    def push(self, evidence: np.ndarray) -> None:
        """Add cells whose evidence is final, ``(n, K)`` weighted log-probabilities."""
        emissions = self._emissions(evidence)
        if not self._back:
            self._back_first = max(self.pushed, 1)
        backs: list = []
        self._score = self._forward(self._score, emissions, backs)
        self._back.extend(backs)
        self.pushed += len(emissions)
        self._forget()

    def path(self, tail: np.ndarray | None = None) -> np.ndarray:
        """The best states of the undecided cells (pushed, then ``tail``), as things stand; nothing is decided."""
        emissions = self._emissions(tail)
        backs = list(self._back)
        first = self._back_first if backs else max(self.pushed, 1)
        score = self._forward(self._score, emissions, backs)
        last = self.pushed + len(emissions) - 1  # the newest cell
        states = np.empty(last + 1 - self.decided, dtype=np.int64)
        if states.size == 0:
            return states
        states[-1] = int(np.argmax(score))  # on a tie, the lower state (the two-state model's rule)
        for cell in range(last, self.decided, -1):
            offset = cell - self.decided
            states[offset - 1] = backs[cell - first][states[offset]]
        return states

    def decide(self, upto: int, tail: np.ndarray | None = None) -> np.ndarray:
        """Fix the labels of cells ``decided .. upto - 1``; returns them (label indices, int64).

        ``upto`` may reach into ``tail`` (its cells count after the pushed ones); cells decided
        from the tail are final like the others, whatever their evidence becomes later.
        """
        n_tail = 0 if tail is None else len(tail)
        if not self.decided <= upto <= self.pushed + n_tail:
            raise ParameterError(f"cannot decide up to cell {upto}: {self.decided} decided, "
                                 f"{self.pushed} pushed + {n_tail} in the tail")
        if upto == self.decided:
            return np.empty(0, dtype=np.int64)
        states = self.path(tail)[: upto - self.decided]
        self.decided = upto
        self._forget()
        return self.graph.state_label[states]

    def _forget(self) -> None:
        """Drop the back-pointers no later decision needs: those of decided cells."""
        while self._back and self._back_first <= self.decided:
            self._back.popleft()
            self._back_first += 1


def viterbi(evidence: np.ndarray, graph: StateGraph) -> np.ndarray:
    """The most likely label of every cell given the whole evidence (offline smoothing).

    Parameters
    ----------
    evidence : np.ndarray
        ``(n_cells, K)`` log-probabilities per cell (up to a constant per cell: only differences
        between labels matter), weighted by the cell's length in seconds
        (:func:`speechmusic.apps.evidence.cell_label_evidence`).
    graph : StateGraph

    Returns
    -------
    np.ndarray
        int64 label index per cell, maximising the summed evidence of the labels minus the cost of
        the moves (:func:`switch_graph`: ``switch_penalty`` per switch).

    Examples
    --------
    >>> evidence = np.column_stack([np.zeros(7), [3.0, 3.0, -1.0, 3.0, -4.0, -4.0, -4.0]])
    >>> viterbi(evidence, switch_graph(("music", "speech"), 2.0))
    array([1, 1, 1, 1, 0, 0, 0])
    """
    smoother = Smoother(graph)
    smoother.push(evidence)
    return smoother.decide(smoother.pushed)


def viterbi_two_state(evidence: np.ndarray, *, switch_penalty: float = DEFAULT_SWITCH_PENALTY) -> np.ndarray:
    """Most likely music(0)/speech(1) sequence given per-cell log-odds of speech and a cost per switch.

    The two-label case of :func:`viterbi`: the evidence of music is 0, that of speech the log-odds.

    Parameters
    ----------
    evidence : np.ndarray
        Weighted log-odds of speech per cell (positive favours speech).
    switch_penalty : float
        Cost (nats) of changing state between two cells; 0 means no smoothing.

    Returns
    -------
    np.ndarray
        int64 state per cell, maximising ``sum(log p(state_i | cell_i)) - switch_penalty * switches``.

    Examples
    --------
    >>> viterbi_two_state(np.array([3.0, 3.0, -1.0, 3.0, -4.0, -4.0, -4.0]), switch_penalty=2.0)
    array([1, 1, 1, 1, 0, 0, 0])
    """
    evidence = np.asarray(evidence, dtype=np.float64).reshape(-1)
    graph = switch_graph(("music", "speech"), switch_penalty)
    if evidence.size == 0:
        return np.empty(0, dtype=np.int64)
    return viterbi(np.column_stack([np.zeros_like(evidence), evidence]), graph)


class WholeRecording:
    """Decision rule of offline ``segment``: nothing is decided until the recording has ended."""

    def ready(self, n_cells: int, hop: float, heard: float, *, final: bool, block: float = 0.0) -> int:
        """How many of the first ``n_cells`` cells may be decided now."""
        return n_cells if final else 0


@dataclass(frozen=True)
class FixedLag:
    """Decision rule of live ``listen``: decide a cell once ``latency`` seconds past its end have been heard.

    Audio arrives in blocks, so a cell is decided on the last block that still meets its deadline
    (``end + latency``): when the next block of the same length would pass it. The look-ahead is
    therefore ``latency`` minus at most one block, and the label of every moment is known at most
    ``latency`` + one hop after it was heard (the cell's length, plus the time to compute).
    """

    latency: float

    def __post_init__(self):
        if not (np.isfinite(self.latency) and self.latency >= 0):
            raise ParameterError(f"latency must be a number of seconds >= 0, got {self.latency}")

    def ready(self, n_cells: int, hop: float, heard: float, *, final: bool, block: float = 0.0) -> int:
        """How many of the first ``n_cells`` cells (cell ``c`` ends at ``(c + 1) * hop``) may be decided now."""
        if final:
            return n_cells
        deadline_reached = int(np.floor((heard + block - self.latency) / hop + 1e-9))
        return max(0, min(n_cells, deadline_reached))


def segments_from_states(states: np.ndarray, edges: np.ndarray, class_names=("music", "speech")) -> list[Segment]:
    """Merge runs of equal states into :class:`Segment` objects (``edges`` in seconds, ``n + 1`` values)."""
    states = np.asarray(states)
    if states.size == 0:
        return []
    change = np.flatnonzero(np.diff(states)) + 1
    firsts = np.concatenate([[0], change])
    lasts = np.concatenate([change, [states.size]])
    return [
        Segment(start=float(edges[a]), end=float(edges[b]), label=class_names[int(states[a])])
        for a, b in zip(firsts, lasts)
    ]
