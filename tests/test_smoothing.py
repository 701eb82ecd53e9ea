"""The smoothing and evidence stages for K labels: the two-label case is today's path, cell for cell."""

import itertools

import numpy as np
import pytest

from speechmusic.apps.evidence import cell_evidence, cell_label_evidence, share_among_cells, window_evidence
from speechmusic.apps.smoothing import (
    FixedLag,
    Smoother,
    StateGraph,
    WholeRecording,
    duration_graph,
    segmentation_graph,
    switch_graph,
    viterbi,
    viterbi_two_state,
)
from speechmusic.core.errors import ParameterError

LABELS = ("music", "speech")


def classic_two_state(evidence, switch_penalty):
    """The two-state Viterbi the segmenter used before the stages were split (the reference)."""
    evidence = np.asarray(evidence, dtype=np.float64)
    n = evidence.size
    emit = np.stack([-np.logaddexp(0.0, evidence), -np.logaddexp(0.0, -evidence)], axis=1)
    back = np.zeros((n, 2), dtype=np.int8)
    score = emit[0].copy()
    for i in range(1, n):
        stay0, switch0 = score[0], score[1] - switch_penalty
        stay1, switch1 = score[1], score[0] - switch_penalty
        back[i, 0] = 0 if stay0 >= switch0 else 1
        back[i, 1] = 1 if stay1 >= switch1 else 0
        score = np.array([max(stay0, switch0), max(stay1, switch1)]) + emit[i]
    states = np.empty(n, dtype=np.int64)
    states[-1] = int(score[1] > score[0])
    for i in range(n - 1, 0, -1):
        states[i - 1] = back[i, states[i]]
    return states


def _evidence_with_ties(rng, n):
    # Saturated windows (p at the floor) make many cells exactly equal: the paths then tie exactly,
    # and only the same arithmetic breaks the ties the same way.
    values = rng.choice([-6.906755, 6.906755, 0.0, -1.0, 2.3, 6.906755 / 3], size=n)
    weights = rng.choice([1.0, 0.9985, 0.5], size=n)
    return values * weights


@pytest.mark.parametrize("seed", range(5))
def test_two_labels_give_exactly_the_classic_path(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        n = int(rng.integers(1, 80))
        log_odds = _evidence_with_ties(rng, n) if rng.random() < 0.5 else rng.normal(scale=4.0, size=n)
        penalty = float(rng.choice([0.0, 2.0, 5.0, 8.0, rng.uniform(0, 10)]))
        expected = classic_two_state(log_odds, penalty)
        assert viterbi_two_state(log_odds, switch_penalty=penalty).tolist() == expected.tolist()
        evidence = np.column_stack([np.zeros(n), log_odds])
        assert viterbi(evidence, switch_graph(LABELS, penalty)).tolist() == expected.tolist()


def test_three_labels_match_brute_force():
    rng = np.random.default_rng(7)
    labels = ("speech", "music", "noise")
    for _ in range(25):
        n = 6
        evidence = rng.normal(scale=3.0, size=(n, 3))
        penalty = float(rng.uniform(0, 6))
        log_posterior = evidence - np.logaddexp.reduce(evidence, axis=1, keepdims=True)
        best, best_score = None, -np.inf
        for path in itertools.product(range(3), repeat=n):
            path = np.array(path)
            score = log_posterior[np.arange(n), path].sum() - penalty * np.count_nonzero(np.diff(path))
            if score > best_score + 1e-12:
                best, best_score = path, score
        assert viterbi(evidence, switch_graph(labels, penalty)).tolist() == best.tolist()


def test_per_label_costs_live_in_the_graph():
    # Leaving music is cheap, entering it dear: a short music stretch inside speech is absorbed,
    # with the symmetric penalty it is kept.
    evidence = np.column_stack([np.zeros(13), [3.0] * 5 + [-4.0] * 3 + [3.0] * 5])  # music 0, speech 1
    assert viterbi(evidence, switch_graph(LABELS, 5.0)).tolist() == [1] * 5 + [0] * 3 + [1] * 5
    graph = StateGraph(labels=LABELS, state_label=np.array([0, 1]), cost=np.array([[0.0, 1.0], [20.0, 0.0]]),
                       start_cost=np.zeros(2))
    assert viterbi(evidence, graph).tolist() == [1] * 13


def test_a_minimum_duration_is_a_chain_of_states():
    # Music must last 3 cells: three music states walked through in order (music 0, speech 1).
    inf = np.inf
    cost = np.array([
        # to: m1   m2   m3   speech
        [inf, 0.0, inf, inf],   # m1 -> m2 only
        [inf, inf, 0.0, inf],   # m2 -> m3 only
        [inf, inf, 0.0, 2.0],   # m3 stays or leaves
        [2.0, inf, inf, 0.0],   # speech enters music at m1
    ])
    graph = StateGraph(labels=LABELS, state_label=np.array([0, 0, 0, 1]), cost=cost,
                       start_cost=np.array([0.0, inf, inf, 0.0]))
    evidence = np.column_stack([np.zeros(8), [3.0] * 3 + [-9.0] * 2 + [3.0] * 3])  # 2 strong music cells
    assert viterbi(evidence, switch_graph(LABELS, 2.0)).tolist() == [1, 1, 1, 0, 0, 1, 1, 1]
    assert viterbi(evidence, graph).tolist() in ([1, 1, 0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0, 1, 1])


def test_graph_checks_its_shape_and_costs():
    with pytest.raises(ParameterError):
        StateGraph(labels=LABELS, state_label=np.array([0, 1]), cost=np.zeros((3, 3)), start_cost=np.zeros(2))
    with pytest.raises(ParameterError):
        StateGraph(labels=LABELS, state_label=np.array([0, 2]), cost=np.zeros((2, 2)), start_cost=np.zeros(2))
    with pytest.raises(ParameterError):
        switch_graph(LABELS, -1.0)


def test_deciding_in_pieces_at_the_end_is_the_whole_path():
    rng = np.random.default_rng(3)
    evidence = np.column_stack([np.zeros(200), rng.normal(scale=2.0, size=200)])
    whole = viterbi(evidence, switch_graph(LABELS, 5.0))
    smoother = Smoother(switch_graph(LABELS, 5.0))
    for piece in np.array_split(evidence, 13):
        smoother.push(piece)
    assert smoother.decide(200).tolist() == whole.tolist()
    assert len(smoother._back) == 0  # nothing kept once decided


def test_fixed_lag_decisions_are_final_and_memory_stays_bounded():
    rng = np.random.default_rng(4)
    n = 3000
    truth = np.repeat(rng.integers(0, 2, size=n // 30), 30)
    evidence = np.column_stack([np.zeros(n), np.where(truth == 1, 2.0, -2.0) + rng.normal(scale=2.0, size=n)])
    smoother = Smoother(switch_graph(LABELS, 5.0))
    decided, lag, most_kept = [], 5, 0
    for i in range(n):
        smoother.push(evidence[i : i + 1])
        decided += smoother.decide(max(smoother.decided, i + 1 - lag)).tolist()
        most_kept = max(most_kept, len(smoother._back))
    decided += smoother.decide(n).tolist()
    assert len(decided) == n and most_kept <= lag + 1
    whole = viterbi(evidence, switch_graph(LABELS, 5.0))
    assert np.mean(np.array(decided) == whole) > 0.97  # a look-ahead of 5 cells mostly agrees


def test_tail_cells_can_be_decided_and_are_not_revised():
    smoother = Smoother(switch_graph(LABELS, 1.0))
    smoother.push(np.array([[0.0, 3.0], [0.0, 3.0]]))
    # the newest cell's evidence is partial (a tail): decide it from what is there
    assert smoother.decide(3, tail=np.array([[0.0, 2.0]])).tolist() == [1, 1, 1]
    smoother.push(np.array([[0.0, -9.0], [0.0, -9.0]]))  # cell 2's final evidence says music after all
    assert smoother.decide(4).tolist() == [0]  # cell 2 stays decided; cell 3 follows the new evidence
    with pytest.raises(ParameterError):
        smoother.decide(2)


def test_decision_rules():
    rule = FixedLag(2.0)
    assert rule.ready(10, 1.0, heard=2.9, final=False) == 0
    assert rule.ready(10, 1.0, heard=3.0, final=False) == 1  # cell 0 ends at 1 s; 1 + 2 heard
    assert rule.ready(10, 1.0, heard=2.95, final=False, block=0.1) == 1  # the next block would be late
    assert rule.ready(3, 1.0, heard=60.0, final=False) == 3
    assert rule.ready(10, 1.0, heard=4.0, final=True) == 10
    assert WholeRecording().ready(10, 1.0, heard=100.0, final=False) == 0
    assert WholeRecording().ready(10, 1.0, heard=100.0, final=True) == 10
    with pytest.raises(ParameterError):
        FixedLag(-1.0)


def test_cells_of_a_stream_so_far_equal_those_of_the_whole():
    rng = np.random.default_rng(5)
    hop, window = 22016 / 22050, 3.0
    starts = np.arange(40) * hop
    ends = starts + window
    values = np.column_stack([np.zeros(40), rng.normal(size=40), rng.normal(size=40)])
    edges, whole = share_among_cells(starts, ends, values, duration=float(ends[-1]), hop=hop)
    # cells 20..29, from the windows that cover them, as a live stream computes them
    keep = ends > 20 * hop
    part_edges, part = share_among_cells(starts[keep], ends[keep], values[keep], duration=30 * hop, hop=hop,
                                         first_cell=20)
    # the same sums, accumulated from another start: equal to the last few bits
    np.testing.assert_allclose(part, whole[20:30], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(part_edges, edges[20:31])


def test_two_label_evidence_is_the_log_odds():
    class Scripted:
        def predict_proba(self, features):
            p = np.array([0.9, 0.2, 1.0, 0.0, 0.5])
            return np.column_stack([1 - p, p])

        def silent(self, features):
            return np.array([False, False, False, False, True])

    probability, evidence = window_evidence(Scripted(), np.zeros((5, 2, 2)))
    p = np.array([0.9, 0.2, 0.999, 0.001, 0.5])
    np.testing.assert_array_equal(evidence[:, 0], 0.0)
    np.testing.assert_allclose(evidence[:, 1], np.log(p / (1 - p)))
    assert probability[4].tolist() == [0.5, 0.5]  # silence: no evidence
    starts = np.arange(5.0)
    _, cells = cell_label_evidence(starts, starts + 3, evidence, duration=7.0, hop=1.0)
    _, log_odds = cell_evidence(starts, starts + 3, probability[:, 1], duration=7.0, hop=1.0)
    np.testing.assert_array_equal(cells[:, 1], log_odds)  # bit for bit


def test_three_label_evidence_is_relative_to_the_first_label():
    class ThreeLabels:
        def predict_proba(self, features):
            return np.array([[0.7, 0.2, 0.1], [0.0, 0.0, 1.0]])

        def silent(self, features):
            return np.array([False, False])

    _, evidence = window_evidence(ThreeLabels(), np.zeros((2, 2, 2)))
    np.testing.assert_allclose(evidence[0], np.log([0.7, 0.2, 0.1]) - np.log(0.7))
    np.testing.assert_allclose(evidence[1], [0.0, 0.0, np.log(0.999 / 0.001)])  # floored both ways


def _runs(labels):
    """Lengths of the runs of equal labels, the first and last left out (cut by the recording's edges)."""
    change = np.flatnonzero(np.diff(labels)) + 1
    return np.diff(change).tolist()


def test_minimum_durations_hold_inside_the_recording_and_are_exactly_optimal():
    rng = np.random.default_rng(7)
    labels = ("speech", "music", "noise")
    for _ in range(40):
        n = int(rng.integers(20, 60))
        evidence = rng.normal(scale=3.0, size=(n, 3))
        minimum = rng.integers(1, 5, size=3)
        graph = duration_graph(labels, float(rng.uniform(0, 2)), minimum)
        path = viterbi(evidence, graph)
        change = np.flatnonzero(np.diff(path)) + 1
        for a, b in zip(change[:-1], change[1:]):  # every inner run lasts at least its label's minimum
            assert b - a >= minimum[path[a]], (path.tolist(), minimum.tolist())
    # Exactly optimal: on short recordings, the best of every labelling that keeps the minimum inside.
    for _ in range(20):
        n = 7
        evidence = rng.normal(scale=3.0, size=(n, 2))
        minimum, penalty = (3, 2), 0.5
        path = viterbi(evidence, duration_graph(("music", "speech"), penalty, minimum))
        log_p = evidence - np.logaddexp.reduce(evidence, axis=1, keepdims=True)

        def score(states, log_p=log_p, penalty=penalty):
            return log_p[np.arange(states.size), states].sum() - penalty * np.count_nonzero(np.diff(states))

        allowed = [np.array(c) for c in itertools.product((0, 1), repeat=n)
                   if all(r >= minimum[c[a]] for r, a in zip(_runs(np.array(c)), np.flatnonzero(np.diff(c))[:-1] + 1))]
        assert score(path) == pytest.approx(max(score(c) for c in allowed))


def test_without_minimum_durations_the_graph_is_the_switch_graph():
    labels = ("speech", "music", "noise", "silence")
    plain = segmentation_graph(labels, 5.0, min_durations=None)
    assert plain.cost.tolist() == switch_graph(labels, 5.0).cost.tolist()
    assert duration_graph(labels, 5.0, (1, 1, 1, 1)).cost.tolist() == switch_graph(labels, 5.0).cost.tolist()
    # Seconds become cells of one hop: 3 s of music is 3 cells at a hop of 1 s, 6 at 0.5 s.
    assert np.count_nonzero(segmentation_graph(labels, hop=0.5).state_label == 1) == 6
    with pytest.raises(ParameterError):
        segmentation_graph(labels, hop=0.0)
    with pytest.raises(ParameterError):
        duration_graph(labels, 1.0, (0, 1, 1, 1))


def test_fixed_lag_on_the_default_graph_mostly_agrees_with_the_whole_path():
    rng = np.random.default_rng(8)
    n = 3000
    truth = np.repeat(rng.integers(0, 4, size=n // 12), 12)
    evidence = 2.0 * np.eye(4)[truth] + rng.normal(scale=1.5, size=(n, 4))
    graph = segmentation_graph(("speech", "music", "noise", "silence"), hop=1.0)
    smoother, decided, lag = Smoother(graph), [], 2
    for i in range(n):
        smoother.push(evidence[i : i + 1])
        decided += smoother.decide(max(smoother.decided, i + 1 - lag)).tolist()
    decided += smoother.decide(n).tolist()
    whole = viterbi(evidence, graph)
    assert np.mean(np.array(decided) == whole) > 0.9
    assert np.mean(whole == truth) > np.mean(np.argmax(evidence, axis=1) == truth)  # smoothing helps
