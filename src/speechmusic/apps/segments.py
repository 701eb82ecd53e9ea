"""The results of segmentation: :class:`Segment`, :class:`Overview`, :class:`SegmentationResult`, and the defaults."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from speechmusic.core.labels import COLOURS, LABEL_NAMES

#: Default distance between window starts, in seconds (rounded to whole spectrogram frames).
DEFAULT_HOP = 1.0
#: Default cost of one switch between two labels, in nats of evidence, on top of the minimum durations.
DEFAULT_SWITCH_PENALTY = 0.5
#: Default shortest segment of each label, in seconds (rounded to whole cells of one hop, at least one):
#: a 3-s jingle is music of its own, a pause or a blip of another label shorter than about 4 s is not.
#: A label not named here has no minimum. Chosen with the penalty on benchmark 9's held-out programmes
#: (penalty 0-5 nats x minimum 1-6 s; docs/commands.md, smoothing): boundaries within 1 s 66 -> 108 of
#: 132, jingles 0.57 -> 0.85, time right 0.84 -> 0.91 against the penalty of 5 alone.
DEFAULT_MIN_DURATIONS = MappingProxyType({"music": 3.0, "speech": 4.0, "noise": 4.0, "silence": 4.0})
#: Window probabilities are kept this far from 0 and 1 (log-odds within +-6.9).
PROB_FLOOR = 1e-3
#: Boundary refinement (:func:`refine_boundaries`): how far around each boundary the HMM found to
#: look (seconds), the grid step in spectrogram frames (2 x 512 samples = 46 ms at 22050 Hz), and
#: the seconds of sound compared on each side of a candidate (:func:`spectral_change_score`).
#: Chosen on benchmark 9's held-out programmes (radius 1, 1.5, 2 s x context 1, 1.5, 2, 3 s: 71-77 of
#: 91 boundaries within 1 s, against 55 unrefined; 2 s and 2 s: 77, all those the smoothing found).
DEFAULT_REFINE_RADIUS = 2.0
REFINE_STEP_FRAMES = 2
REFINE_CONTEXT = 2.0
#: The colour of each label wherever segments are drawn: the figure of ``segment --plot``, the batch
#: report's timelines, the live page of ``listen --serve``: the labels' own colours
#: (:data:`speechmusic.core.labels.COLOURS`), and ``gap``, a stretch a live stream did not deliver
#: (a dropped connection), which is not a label (dark, to stand apart from silence's light grey).
LABEL_COLOURS = {**COLOURS, "gap": "#525252"}
#: Upper bounds of the overview kept for plotting.
OVERVIEW_ENVELOPE_BINS = 4000
OVERVIEW_SPECTROGRAM_COLUMNS = 1500


def label_colour_css(selector: str = ".segment.{label}") -> tuple[str, str]:
    """CSS for the label colours of :data:`~speechmusic.apps.segments.LABEL_COLOURS`: variables and rules.

    Returns ``("--speech: #...; --music: #...; ...", ".segment.speech { background: var(--speech); } ...")``,
    for the batch report and the live page of ``listen --serve``.
    """
    variables = " ".join(f"--{label}: {colour};" for label, colour in LABEL_COLOURS.items())
    rules = "\n".join(selector.format(label=label) + f" {{ background: var(--{label}); }}" for label in LABEL_COLOURS)
    return variables, rules


def min_durations_of(labels, min_durations) -> dict | None:
    """The minimum durations (seconds) of ``labels`` that ``min_durations`` gives, for outputs; None for None.

    Examples
    --------
    >>> min_durations_of(("speech", "music", "silence"), DEFAULT_MIN_DURATIONS)
    {'speech': 4.0, 'music': 3.0, 'silence': 4.0}
    """
    if min_durations is None:
        return None
    return {label: float(min_durations[label]) for label in labels if label in min_durations}


@dataclass(frozen=True)
class Segment:
    """One stretch of a single class: ``start`` and ``end`` in seconds, ``label`` a class name."""

    start: float
    end: float
    label: str

    @property
    def duration(self) -> float:
        return self.end - self.start

    def as_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "label": self.label}


@dataclass
class Overview:
    """A decimated picture of a recording collected while it streams: min/max envelope and spectrogram.

    Memory is bounded by :data:`OVERVIEW_ENVELOPE_BINS` and :data:`OVERVIEW_SPECTROGRAM_COLUMNS`
    whatever the length of the recording.
    """

    sample_rate: int
    expected_samples: int
    n_mels: int
    hop_length: int
    envelope_min: np.ndarray = field(init=False)
    envelope_max: np.ndarray = field(init=False)
    bin_samples: int = field(init=False)
    spec_sum: np.ndarray = field(init=False)
    spec_count: np.ndarray = field(init=False)
    column_samples: float = field(init=False)

    def __post_init__(self):
        expected = max(int(self.expected_samples), 1)
        self.bin_samples = max(1, -(-expected // OVERVIEW_ENVELOPE_BINS))
        n_bins = -(-expected // self.bin_samples) + 1
        self.envelope_min = np.zeros(n_bins, dtype=np.float32)
        self.envelope_max = np.zeros(n_bins, dtype=np.float32)
        n_frames = expected / self.hop_length
        columns = int(max(1, min(OVERVIEW_SPECTROGRAM_COLUMNS, math.ceil(n_frames))))
        self.column_samples = expected / columns
        self.spec_sum = np.zeros((columns + 1, self.n_mels), dtype=np.float64)
        self.spec_count = np.zeros(columns + 1, dtype=np.int64)

    def add_block(self, block: np.ndarray, start: int) -> None:
        """Fold samples ``block`` (starting at sample ``start``) into the envelope."""
        if block.size == 0:
            return
        bins = (start + np.arange(block.size)) // self.bin_samples
        bins = np.minimum(bins, self.envelope_min.size - 1)
        edges = np.flatnonzero(np.diff(bins)) + 1
        firsts = np.concatenate([[0], edges])
        ids = bins[firsts]
        np.minimum.at(self.envelope_min, ids, np.minimum.reduceat(block, firsts))
        np.maximum.at(self.envelope_max, ids, np.maximum.reduceat(block, firsts))

    def add_windows(self, starts: np.ndarray, features: np.ndarray) -> None:
        """Fold window spectrograms (``features[k]`` starting at sample ``starts[k]``) into the picture."""
        n_frames = features.shape[2]
        centres = starts[:, np.newaxis] + self.hop_length * np.arange(n_frames)[np.newaxis, :]
        columns = np.minimum((centres / self.column_samples).astype(np.int64), self.spec_count.size - 1)
        frames = np.swapaxes(features, 1, 2).reshape(-1, features.shape[1])
        np.add.at(self.spec_sum, columns.reshape(-1), frames)
        np.add.at(self.spec_count, columns.reshape(-1), 1)

    def envelope(self, n_samples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(times, lower, upper)`` of the waveform envelope over the first ``n_samples``."""
        n = max(1, -(-n_samples // self.bin_samples))
        times = (np.arange(n) + 0.5) * self.bin_samples / self.sample_rate
        return times, self.envelope_min[:n], self.envelope_max[:n]

    def spectrogram(self) -> tuple[np.ndarray, float]:
        """``(image (n_mels, columns), seconds per column)``; columns never reached stay 0."""
        used = int(np.flatnonzero(self.spec_count)[-1]) + 1 if self.spec_count.any() else 1
        image = self.spec_sum[:used] / np.maximum(self.spec_count[:used], 1)[:, np.newaxis]
        return image.T.astype(np.float32), self.column_samples / self.sample_rate


@dataclass
class SegmentationResult:
    """Everything :func:`segment_file` found.

    Attributes
    ----------
    segments : list of Segment
        Smoothed segments covering ``[0, duration]``.
    window_starts, window_ends : np.ndarray
        Seconds.
    window_probability : np.ndarray
        Probability of speech of each window (before smoothing).
    window_probabilities : np.ndarray or None
        ``(n_windows, K)``: each window's probability of each of the model's labels.
    labels : tuple of str
        The labels the smoothing decided between: the model's, then silence.
    cell_edges : np.ndarray
        Cell boundaries in seconds (``n_cells + 1``).
    cell_log_odds : np.ndarray
        Evidence per cell (window log-odds shared among the cells, speech positive; see
        :func:`cell_evidence`).
    duration : float
        Length of the recording in seconds.
    window, hop : float
        Window length and the hop actually used (rounded to spectrogram frames), in seconds.
    switch_penalty : float
    min_durations : dict or None
        The smoothing's minimum duration of each label decided between, in seconds
        (:func:`min_durations_of`); None: no minimum.
    elapsed : float
        Wall-clock seconds spent (reading, features, classification, smoothing).
    overview : Overview or None
        Decimated waveform and spectrogram, when asked for (plots).
    refined : bool
        True when the boundaries were refined (:func:`refine_boundaries`); False when refinement
        was turned off or impossible (blocks given without a way to read them again).
    """

    segments: list[Segment]
    window_starts: np.ndarray
    window_ends: np.ndarray
    window_probability: np.ndarray
    cell_edges: np.ndarray
    cell_log_odds: np.ndarray
    duration: float
    window: float
    hop: float
    switch_penalty: float
    elapsed: float
    overview: Overview | None = None
    refined: bool = False
    window_probabilities: np.ndarray | None = None
    labels: tuple = ("music", "speech", "silence")
    min_durations: dict | None = None

    @property
    def realtime_factor(self) -> float:
        """Seconds of audio processed per second of wall-clock time."""
        return self.duration / self.elapsed if self.elapsed > 0 else float("inf")

    def seconds_of(self, label: str) -> float:
        """Total duration of the segments labelled ``label``."""
        return float(sum(s.duration for s in self.segments if s.label == label))

    def as_dict(self) -> dict:
        """JSON-ready summary (see docs/commands.md, ``segment --json``)."""
        return {
            "duration": round(self.duration, 3),
            "window": round(self.window, 6),
            "hop": round(self.hop, 6),
            "switch_penalty": self.switch_penalty,
            "min_durations": self.min_durations,
            "refined_boundaries": self.refined,
            "n_windows": int(self.window_probability.size),
            "labels": list(self.labels),
            **{f"{label}_seconds": round(self.seconds_of(label), 3) for label in LABEL_NAMES},
            "elapsed_seconds": round(self.elapsed, 3),
            "realtime_factor": round(self.realtime_factor, 1),
            "segments": [s.as_dict() for s in self.segments],
        }
