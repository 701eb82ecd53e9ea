"""Label every stretch of a recording of any length with the model's labels or silence (``speechmusic segment``).

Segmentation is five stages, which offline ``segment`` (this module) and live ``listen``
(:mod:`speechmusic.apps.live`) share; only the smoothing's decision rule differs:

1. **Blocks.** A recording is read as consecutive mono blocks at the model's sample rate
   (:func:`speechmusic.apps.windows.open_blocks`: a file streamed in 30-s blocks, or a signal in
   memory); a live stream brings its own blocks (:mod:`speechmusic.apps.live_sources`).
2. **Windows.** The model classifies windows of its clip length (3 s) every ``hop`` seconds (1 s
   by default), cut from the blocks with bounded memory (:mod:`speechmusic.apps.windows`).
3. **Evidence** (:mod:`speechmusic.apps.evidence`). Each window's probabilities over the model's
   labels become floored log-probabilities (a window of digital silence: no evidence), shared
   among the one-hop cells whose centre it covers, so that every window counts once; each cell's
   evidence is weighted by its length in seconds, so the smoothing means the same whatever the hop.
4. **Smoothing** (:mod:`speechmusic.apps.smoothing`): a hidden Markov model over the labels,
   decoded by Viterbi. Each label has a minimum duration (music 3 s, speech, noise and silence
   4 s: :data:`~speechmusic.apps.segments.DEFAULT_MIN_DURATIONS`), a chain of states emitting it;
   every switch costs ``switch_penalty`` nats of evidence on top (0.5 by default). Offline, the most
   likely path given the whole recording. So a stretch of another label inside the recording lasts
   at least its minimum and becomes its own segment only when its evidence over those cells
   outweighs the label around it plus the two switches it needs; a stretch at the very start or
   end of the recording is not held to the minimum and needs one switch, which is why the edge
   cells must not be over-weighted (stage 3). Chosen on benchmark 9's held-out programmes against
   the penalty of 5 alone of earlier versions (jingles kept 0.85 of their time instead of 0.57,
   108 of 132 boundaries within 1 s instead of 66; :mod:`speechmusic.apps.smoothing`).
   Consecutive cells with the same label form a segment; boundaries fall on cell edges (a
   resolution of one hop), the last segment ends at the end of the recording.
5. **Boundary refinement** (:func:`refine_boundaries`, on by default). The smoothing decides
   *whether* the class changes; *where* is decided again around each boundary only: candidates
   within ``DEFAULT_REFINE_RADIUS`` (2 s), two spectrogram frames apart, are scored by how much
   the sound changes there (:func:`spectral_change_score`: the 2 s before and the 2 s after, as
   cepstra of the lab's mel spectrogram, modelled by a Gaussian each against one for both, the
   classic BIC change-point test), and the boundary moves to the best one. Only a few seconds
   around each boundary are read again (``excerpt``), so memory stays bounded and the cost grows
   with the number of boundaries. On benchmark 9 (real programmes, held-out models) 77 of 91
   boundaries land within 1 s (median error 0.03 s) against 55 (0.71 s) on the one-hop grid; the
   14 others are not found at all (short stretches the smoothing or the classifier misses).
   Scoring candidates with the model's own windows instead (a window ending and one starting at
   the candidate) did worse (75/91, 0.10 s) at two model windows per candidate: a window
   straddling a change can look *more* speech-like than clean speech (it did to the tests'
   tone-vs-noise model), which pulls boundaries into the music.

Output: :mod:`speechmusic.apps.segment_formats` (CSV, Audacity labels, Praat TextGrid, JSON); the
figure of a result is :func:`speechmusic.apps.plots.plot_segmentation` (long recordings are drawn
from a decimated overview collected while streaming, so the figure costs bounded memory too).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from speechmusic.apps.evidence import (
    LevelMeter,
    cell_evidence,
    cell_label_evidence,
    segmentation_labels,
    window_evidence,
    with_silence,
)
from speechmusic.apps.pipeline import Classifier
from speechmusic.apps.refinement import change_log_likelihood, refine_boundaries, refine_segments, spectral_change_score
from speechmusic.apps.segments import (
    DEFAULT_HOP,
    DEFAULT_MIN_DURATIONS,
    DEFAULT_REFINE_RADIUS,
    DEFAULT_SWITCH_PENALTY,
    OVERVIEW_ENVELOPE_BINS,
    OVERVIEW_SPECTROGRAM_COLUMNS,
    PROB_FLOOR,
    REFINE_CONTEXT,
    REFINE_STEP_FRAMES,
    Overview,
    Segment,
    SegmentationResult,
    min_durations_of,
)
from speechmusic.apps.smoothing import (
    duration_graph,
    segmentation_graph,
    segments_from_states,
    switch_graph,
    viterbi,
    viterbi_two_state,
)
from speechmusic.apps.windows import DEFAULT_BATCH, DEFAULT_BLOCK_SECONDS, SlidingWindows, hop_in_samples, open_blocks
from speechmusic.core.audio import decode, duration_of
from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.core.executor import one_blas_thread
from speechmusic.core.labels import DEFAULT_SILENCE_DB


def check_options(classifier: Classifier, window: float | None, hop: float, switch_penalty: float):
    """``(params, hop_samples)`` for these options, checked (one error naming the option that is wrong)."""
    params = classifier.window_params(window)
    hop_samples = hop_in_samples(hop, params)
    if hop_samples > params.n_samples:
        raise ParameterError(f"hop ({hop:g} s) must not be longer than the window ({params.duration:g} s)")
    if not (np.isfinite(switch_penalty) and switch_penalty >= 0):
        raise ParameterError(f"switch penalty must be a number >= 0, got {switch_penalty}")
    return params, hop_samples


# long: one pass over the stream (windows, evidence, smoothing, refinement, overview) sharing its
# per-recording state; each step is a call already.
def segment_blocks(
    blocks: Iterable[np.ndarray],
    classifier: Classifier,
    *,
    window: float | None = None,
    hop: float = DEFAULT_HOP,
    switch_penalty: float = DEFAULT_SWITCH_PENALTY,
    expected_duration: float | None = None,
    overview: bool = False,
    progress: bool = False,
    batch_size: int = DEFAULT_BATCH,
    name: str = "recording",
    refine: bool = True,
    excerpt=None,
    silence_db: float = DEFAULT_SILENCE_DB,
    min_durations=DEFAULT_MIN_DURATIONS,
) -> SegmentationResult:
    """Segment a recording given as consecutive mono blocks at the model's sample rate.

    See :func:`segment_file` for the parameters; ``expected_duration`` sizes the progress bar and
    the overview (it may be None when ``overview`` is False). Boundaries are refined
    (:func:`refine_boundaries`) when ``refine`` is true and ``excerpt`` is given:
    ``excerpt(start, n)`` returns ``n`` samples of the recording from sample ``start`` (blocks
    alone cannot be read twice, and keeping them all would cost memory that grows with the length).
    """
    # One BLAS thread: a second one only spins between the many small products (one_blas_thread).
    with one_blas_thread():
        started = time.perf_counter()
        params, hop_samples = check_options(classifier, window, hop, switch_penalty)
        sr = params.sample_rate
        meter = LevelMeter(hop_samples, silence_db=silence_db)
        expected_samples = int(round((expected_duration or 0.0) * sr))
        picture = Overview(sr, expected_samples or sr, params.n_mels, params.hop_length) if overview else None

        bar = tqdm(
            total=round(expected_duration, 1) if expected_duration else None,
            desc=f"segment {name}",
            unit="s",
            disable=not progress,
            leave=False,
            bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s audio [{elapsed}<{remaining}]",
        )

        def watched(source: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
            position = 0
            for block in source:
                block = np.asarray(block, dtype=np.float32).reshape(-1)
                meter.push(block)
                if picture is not None:
                    picture.add_block(block, position)
                position += block.size
                yield block

        windows = SlidingWindows(watched(blocks), params=params, hop_samples=hop_samples, batch_size=batch_size)
        starts, probabilities, evidences = [], [], []
        with bar:
            for batch in windows:
                starts.append(batch.starts)
                probability, evidence = window_evidence(classifier, batch.features, batch.levels, silence_db=silence_db)
                probabilities.append(probability)
                evidences.append(evidence)
                done = (int(batch.starts[-1]) + params.n_samples) / sr  # audio classified so far
                bar.update(max(0.0, min(done, bar.total or done) - bar.n))
                if picture is not None:
                    picture.add_windows(batch.starts, batch.features)
        if not windows.n_samples:
            raise AudioError(f"{name}: contains no audio samples")
        duration = windows.n_samples / sr
        window_starts = np.concatenate(starts) / sr
        window_ends = np.minimum(window_starts + params.duration, duration)
        hop_seconds = hop_samples / sr
        edges, cells = cell_label_evidence(window_starts, window_ends, np.concatenate(evidences),
                                           duration=duration, hop=hop_seconds)
        meter.finish()
        cells = with_silence(cells, meter.silent_share(0, len(cells)))
        names = segmentation_labels(classifier.class_names)
        weights = np.diff(edges)  # seconds per cell: evidence per second of audio
        graph = segmentation_graph(names, switch_penalty, hop=hop_seconds, min_durations=min_durations)
        labels = viterbi(cells * weights[:, np.newaxis], graph)
        segments = segments_from_states(labels, edges, names)
        refined = bool(refine and excerpt is not None)
        if refined:
            segments = refine_segments(segments, excerpt, params, duration_samples=windows.n_samples)
        speech = names.index("speech")
        window_probabilities = np.concatenate(probabilities)
        return SegmentationResult(
            segments=segments,
            window_starts=window_starts,
            window_ends=window_ends,
            window_probability=window_probabilities[:, speech],
            window_probabilities=window_probabilities,
            labels=names,
            cell_edges=edges,
            cell_log_odds=cells[:, speech] - np.logaddexp.reduce(np.delete(cells, speech, axis=1), axis=1),
            duration=duration,
            window=params.duration,
            hop=hop_seconds,
            switch_penalty=float(switch_penalty),
            min_durations=min_durations_of(names, min_durations),
            elapsed=time.perf_counter() - started,
            overview=picture,
            refined=refined,
        )


def segment_file(
    path: str | os.PathLike,
    classifier: Classifier,
    *,
    window: float | None = None,
    hop: float = DEFAULT_HOP,
    switch_penalty: float = DEFAULT_SWITCH_PENALTY,
    overview: bool = False,
    progress: bool = False,
    block_duration: float = DEFAULT_BLOCK_SECONDS,
    refine: bool = True,
    silence_db: float = DEFAULT_SILENCE_DB,
    min_durations=DEFAULT_MIN_DURATIONS,
) -> SegmentationResult:
    """Segment a recording file into speech, music, noise (for a model that knows it) and silence.

    Parameters
    ----------
    path : path-like
        Any recording the package decodes; files libsndfile reads are streamed in blocks, so
        memory does not depend on the length.
    classifier : Classifier
        A loaded model (:func:`speechmusic.apps.pipeline.load_classifier`).
    window : float or None
        Window length in seconds (None: the model's clip length, 3 s; other lengths need a
        ``dynamics`` or ``pooled`` model).
    hop : float
        Seconds between window starts; rounded to whole spectrogram frames (1.0 -> 0.9985 s).
    switch_penalty : float
        Evidence (nats) a switch between two labels must earn, on top of the minimum durations.
    overview : bool
        Keep a decimated waveform and spectrogram for :func:`plot_segmentation`.
    progress : bool
        Show a progress bar (seconds of audio).
    block_duration : float
        Seconds read per block.
    refine : bool
        Refine each boundary on a 0.09-s grid after smoothing (:func:`refine_boundaries`): only
        a few seconds around each boundary are read again, so memory stays bounded.
    silence_db : float
        The energy floor in dBFS (:data:`speechmusic.core.labels.DEFAULT_SILENCE_DB`): stretches
        quieter than it are silence (:func:`speechmusic.apps.evidence.with_silence`).
    min_durations : mapping of str to float, or None
        The shortest segment of each label in seconds
        (:data:`~speechmusic.apps.segments.DEFAULT_MIN_DURATIONS`: music 3 s, the others 4 s);
        None: no minimum (with ``switch_penalty=0``, no smoothing at all: each cell's most likely label).

    Returns
    -------
    SegmentationResult

    Examples
    --------
    >>> from speechmusic.apps.pipeline import load_classifier                      # doctest: +SKIP
    >>> result = segment_file("radio.flac", load_classifier("model.npz"))     # doctest: +SKIP
    >>> [(s.start, s.end, s.label) for s in result.segments]                  # doctest: +SKIP
    [(0.0, 41.3, 'speech'), (41.3, 220.6, 'music'), ...]
    """
    params = classifier.window_params(window)
    sr = params.sample_rate
    blocks, duration = open_blocks(path, sample_rate=sr, block_duration=block_duration)
    if duration_of(path) is None:
        # The fallback decoder has decoded the whole file already (see open_blocks): refine from
        # that signal instead of decoding the file again from its start for every boundary.
        whole = np.concatenate(list(blocks))
        blocks = [whole]

        def excerpt(start: int, n: int) -> np.ndarray:
            return whole[start : start + n]
    else:

        def excerpt(start: int, n: int) -> np.ndarray:
            # A margin on each side keeps the resampler's edge effects out of the excerpt.
            margin = int(0.1 * sr)
            first = max(0, start - margin)
            y = decode(path, sample_rate=sr, offset=first / sr, duration=(start + n + margin - first) / sr)
            return y[start - first : start - first + n]

    return segment_blocks(
        blocks,
        classifier,
        window=window,
        hop=hop,
        switch_penalty=switch_penalty,
        expected_duration=duration,
        overview=overview,
        progress=progress,
        name=Path(path).name,
        refine=refine,
        excerpt=excerpt,
        silence_db=silence_db,
        min_durations=min_durations,
    )


def segment_signal(y: np.ndarray, classifier: Classifier, **options) -> SegmentationResult:
    """:func:`segment_file` for a signal already in memory (mono, at the model's sample rate)."""
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    sr = classifier.params.sample_rate

    def excerpt(start: int, n: int) -> np.ndarray:
        return y[start : start + n]

    return segment_blocks([y], classifier, expected_duration=y.size / sr, excerpt=excerpt, **options)




# The results' types and defaults live in segments.py, the stages in evidence.py, smoothing.py and
# refinement.py; their names are importable from here, the segmenter's front door.
__all__ = [
    "DEFAULT_HOP",
    "DEFAULT_MIN_DURATIONS",
    "DEFAULT_REFINE_RADIUS",
    "DEFAULT_SWITCH_PENALTY",
    "OVERVIEW_ENVELOPE_BINS",
    "OVERVIEW_SPECTROGRAM_COLUMNS",
    "Overview",
    "PROB_FLOOR",
    "REFINE_CONTEXT",
    "REFINE_STEP_FRAMES",
    "Segment",
    "SegmentationResult",
    "change_log_likelihood",
    "refine_boundaries",
    "spectral_change_score",
    "cell_evidence",
    "cell_label_evidence",
    "duration_graph",
    "segment_blocks",
    "segment_file",
    "segment_signal",
    "segmentation_graph",
    "segments_from_states",
    "switch_graph",
    "viterbi",
    "viterbi_two_state",
    "window_evidence",
]
