"""Boundary refinement: moving each boundary the smoothing found to where the sound changes most."""

from __future__ import annotations

import numpy as np

from speechmusic.apps.segments import DEFAULT_REFINE_RADIUS, REFINE_CONTEXT, REFINE_STEP_FRAMES, Segment
from speechmusic.core.dynamics import _dct_basis
from speechmusic.core.features import mel_power

# --- boundary refinement ------------------------------------------------------------------------
# The HMM places a boundary on a cell edge (one hop of resolution), and 3-s windows smear a hard
# cut over three cells. Refinement looks again, on a grid of two spectrogram frames, only around
# each boundary found: the cost grows with the number of boundaries, not with the recording's length.


def refine_boundaries(
    segments: list[Segment],
    score,
    *,
    sample_rate: int,
    duration_samples: int,
    radius_samples: int,
    step_samples: int,
    margin_samples: int = 0,
) -> list[Segment]:
    """Move each boundary between two segments to the best-scoring candidate near it.

    The candidates of a boundary are the times on a grid of ``step_samples`` within
    ``radius_samples`` of it, at least ``margin_samples`` from the recording's start and end (so
    the analysis around a candidate fits in the recording), and short of half-way to the
    neighbouring boundaries, so refined boundaries keep their order and every segment keeps a
    positive length. The boundary moves to the candidate with the highest ``score``; ties go to the
    candidate nearest where it was.

    Parameters
    ----------
    segments : list of Segment
        Consecutive segments covering ``[0, duration]`` (as :func:`segments_from_states` returns them).
    score : callable
        ``score(candidates, before, after) -> np.ndarray``: how likely the change from label
        ``before`` to label ``after`` is at each candidate (sample indices, an increasing int64
        array on the grid), higher is better; e.g. :func:`spectral_change_score`.
    sample_rate : int
        Samples per second of the segments' times.
    duration_samples, radius_samples, step_samples, margin_samples : int
        Recording length, search radius, grid step and the margin kept from the recording's
        edges, in samples.

    Returns
    -------
    list of Segment
        The same segments (labels unchanged, still covering the recording without gaps) with
        refined boundaries.

    Examples
    --------
    A score that peaks at 10.3 s, and segments whose boundary is at 10.0 s:

    >>> score = lambda candidates, before, after: -np.abs(candidates - 1030)
    >>> refine_boundaries([Segment(0.0, 10.0, "music"), Segment(10.0, 20.0, "speech")], score,
    ...                   sample_rate=100, duration_samples=2000, radius_samples=150, step_samples=10)
    [Segment(start=0.0, end=10.3, label='music'), Segment(start=10.3, end=20.0, label='speech')]
    """
    if len(segments) < 2 or step_samples < 1 or radius_samples < step_samples:
        return list(segments)
    at = [int(round(s.end * sample_rate)) for s in segments[:-1]]  # boundaries in samples
    moved = list(at)
    for i, b in enumerate(at):
        low = max(b - radius_samples, margin_samples,
                  (at[i - 1] + b) / 2 + step_samples if i > 0 else 0,
                  moved[i - 1] + step_samples if i > 0 else 0)
        high = min(b + radius_samples, duration_samples - margin_samples,
                   (b + at[i + 1]) / 2 - step_samples if i + 1 < len(at) else duration_samples)
        moved[i] = refine_boundary(b, score, segments[i].label, segments[i + 1].label, low=low, high=high,
                                   radius_samples=radius_samples, step_samples=step_samples)
    edges = [0.0] + [m / sample_rate for m in moved] + [segments[-1].end]
    return [Segment(edges[j], edges[j + 1], s.label) for j, s in enumerate(segments)]


def refine_boundary(boundary: int, score, before: str, after: str, *, low: float, high: float,
                    radius_samples: int, step_samples: int) -> int:
    """The best-scoring candidate for one boundary (sample index), or the boundary itself.

    The candidates are ``boundary + k * step_samples`` for ``|k * step_samples| <= radius_samples``
    inside ``[low, high]``; with fewer than two of them the boundary stays. Ties go to the
    candidate nearest the boundary. :func:`refine_boundaries` uses it for every boundary of a
    recording, a live stream (:mod:`speechmusic.apps.live`) for each boundary as it is decided,
    with ``high`` no later than the audio heard allows.
    """
    reach = radius_samples // step_samples
    k = np.arange(-reach, reach + 1)
    candidates = boundary + k * step_samples
    keep = (candidates >= low) & (candidates <= high)
    if keep.sum() < 2:
        return boundary
    candidates, k = candidates[keep], k[keep]
    values = np.asarray(score(candidates, before, after), dtype=np.float64)
    best = int(np.argmax(np.where(np.isfinite(values), values, -np.inf) - 1e-9 * np.abs(k)))
    return int(candidates[best])


def change_log_likelihood(frames: np.ndarray, candidates: np.ndarray, half: int) -> np.ndarray:
    """Log-likelihood ratio of "two sounds" against "one sound" around each candidate frame.

    The ``half`` frames before candidate ``c`` (``frames[c - half:c]``) and the ``half`` frames
    from it on (``frames[c:c + half]``) are each modelled by a Gaussian with a full covariance,
    against a single Gaussian for all ``2 * half`` frames::

        LLR(c) = half * (2 log|S| - log|S_before| - log|S_after|) / 2

    the classic test for an acoustic change point (the Bayesian information criterion without its
    penalty, which is the same for every candidate of equal ``half``). It is large where the
    frames' distribution changes, which a hard cut or a voice starting over a music bed does.

    Parameters
    ----------
    frames : np.ndarray
        ``(n_frames, d)`` feature vectors in time order.
    candidates : array of int
        Frame indices with ``half <= c <= n_frames - half``.
    half : int
        Frames on each side.

    Returns
    -------
    np.ndarray
        One value per candidate.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(0, 1, (60, 2)), rng.normal(3, 1, (60, 2))])
    >>> int(np.arange(20, 101)[np.argmax(change_log_likelihood(x, np.arange(20, 101), 20))])
    60
    """
    x = np.asarray(frames, dtype=np.float64)
    c = np.asarray(candidates, dtype=np.int64)
    d = x.shape[1]
    # Cumulative sums of x and of x x^T give every stretch's mean and covariance in O(1).
    s1 = np.concatenate([np.zeros((1, d)), np.cumsum(x, axis=0)])
    s2 = np.concatenate([np.zeros((1, d, d)), np.cumsum(x[:, :, None] * x[:, None, :], axis=0)])
    # A floor on the variances keeps silence or a pure tone (a singular covariance) finite.
    ridge = 1e-3 * max(float(np.mean(np.var(x, axis=0))), 1e-12) * np.eye(d)

    def log_det(a, b):
        n = (b - a)[:, None, None].astype(np.float64)
        mean = (s1[b] - s1[a]) / n[:, :, 0]
        cov = (s2[b] - s2[a]) / n - mean[:, :, None] * mean[:, None, :]
        return np.linalg.slogdet(cov + ridge)[1]

    both = log_det(c - half, c + half)
    return half * (2 * both - log_det(c - half, c) - log_det(c, c + half)) / 2


def spectral_change_score(excerpt, params, *, context_seconds: float, n_coefficients: int = 13):
    """``score`` for :func:`refine_boundaries`: :func:`change_log_likelihood` of cepstra around each candidate.

    ``excerpt(start, n)`` returns ``n`` samples of the recording from sample ``start`` at the
    model's rate. For a boundary's candidates, the stretch from ``context_seconds`` before the
    first to ``context_seconds`` after the last is read once, and its spectrogram frames (the
    lab's mel spectrogram, ``params``) become ``n_coefficients`` cepstral coefficients (DCT of the
    log mel bands: the spectral envelope, insensitive to pitch). Candidates must lie on the frame
    grid (multiples of ``params.hop_length`` apart).
    """
    L = params.hop_length
    half = max(2, int(round(context_seconds * params.sample_rate / L)))
    basis = _dct_basis(params.n_mels, n_coefficients)

    def score(candidates: np.ndarray, before: str = "", after: str = "") -> np.ndarray:
        candidates = np.asarray(candidates, dtype=np.int64)
        first = int(candidates[0]) - half * L
        n = int(candidates[-1]) + half * L - first
        y = np.asarray(excerpt(first, n), dtype=np.float32).reshape(-1)
        if y.size < n:  # a decoder gave a few samples less at the very end
            y = np.pad(y, (0, n - y.size))
        mel = mel_power(y, params=params).astype(np.float64)  # frame j is centred on sample first + j * L
        log_mel = np.log10(np.maximum(mel, 1e-10 * max(float(mel.max()), 1e-30)))
        cepstra = (basis @ log_mel).T
        return change_log_likelihood(cepstra, (candidates - first) // L, half)

    return score


def refinement_grid(params) -> tuple[int, int, int]:
    """``(step, radius, margin)`` in samples: the candidate grid of :func:`refine_segments` for ``params``.

    Two spectrogram frames per step, :data:`DEFAULT_REFINE_RADIUS` seconds each way (a whole
    number of steps), and a margin of :data:`REFINE_CONTEXT` seconds (whole frames) kept from the
    audio's edges so that the context compared around a candidate is there.
    """
    sr, hop_length = params.sample_rate, params.hop_length
    step = REFINE_STEP_FRAMES * hop_length
    margin = int(round(REFINE_CONTEXT * sr / hop_length)) * hop_length
    radius = max(step, int(round(DEFAULT_REFINE_RADIUS * sr / step)) * step)
    return step, radius, margin


def refine_segments(segments: list[Segment], excerpt, params, *, duration_samples: int) -> list[Segment]:
    """:func:`refine_boundaries` with :func:`spectral_change_score` on :func:`refinement_grid` (what ``segment`` does).

    ``excerpt(start, n)`` returns ``n`` samples of the recording from sample ``start`` at the
    model's rate; ``duration_samples`` is the recording's length.
    """
    step, radius, margin = refinement_grid(params)
    return refine_boundaries(
        segments,
        spectral_change_score(excerpt, params, context_seconds=REFINE_CONTEXT),
        sample_rate=params.sample_rate,
        duration_samples=duration_samples,
        radius_samples=radius,
        step_samples=step,
        margin_samples=margin,
    )
