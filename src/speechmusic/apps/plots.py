"""Figures shared by the demo, the command line and the benchmarks.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state, no display
needed) and saved atomically.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from speechmusic.apps.segments import LABEL_COLOURS, SegmentationResult
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import ParameterError
from speechmusic.core.fileio import write_bytes


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 110, overwrite: bool = False) -> Path:
    """Save ``fig`` as PNG at ``path`` atomically (an existing file is kept unless ``overwrite``).

    The image is rendered in memory first: the PNG writer seeks, which a pipe or device output
    (``--plot /dev/stdout``) cannot do.
    """
    image = io.BytesIO()
    fig.savefig(image, format="png", dpi=dpi, bbox_inches="tight")
    return write_bytes(path, image.getvalue(), overwrite=overwrite)


def _spectrogram_axes(ax, S: np.ndarray, params: FeatureParams, title: str, cmap: str = "magma"):
    extent = (0.0, params.duration, 0, params.n_mels)
    image = ax.imshow(S, origin="lower", aspect="auto", extent=extent, cmap=cmap, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("mel band")
    return image


def spectrogram_examples(
    X: np.ndarray, y: np.ndarray, *, class_names=("music", "speech"), per_class: int = 3,
    params: FeatureParams = DEFAULT_PARAMS, titles=None,
) -> Figure:
    """A grid of example spectrograms, one row per class.

    Parameters
    ----------
    X : np.ndarray
        Spectrograms ``(m, n_mels, frames)``.
    y : np.ndarray
        Labels ``(m,)``.
    class_names : sequence of str
        Name of each label.
    per_class : int
        Examples shown per class (the first ones of each class).
    params : FeatureParams
        For the axes' units.
    titles : sequence of str or None
        Title of each example (defaults to the class name and index).
    """
    y = np.asarray(y).reshape(-1)
    fig = Figure(figsize=(3.2 * per_class, 2.6 * len(class_names)), layout="constrained")
    axes = fig.subplots(len(class_names), per_class, squeeze=False)
    for label, name in enumerate(class_names):
        indices = np.flatnonzero(y == label)[:per_class]
        for k in range(per_class):
            ax = axes[label, k]
            if k >= len(indices):
                ax.set_axis_off()
                continue
            i = indices[k]
            title = titles[i] if titles is not None else f"{name} #{i}"
            image = _spectrogram_axes(ax, X[i], params, title)
    fig.colorbar(image, ax=axes, shrink=0.8, label="scaled level (0 = -80 dB, 1 = max)")
    return fig


def cost_curve(costs, *, record_every: int = 100, learning_rate: float | None = None) -> Figure:
    """The training cost against iterations."""
    fig = Figure(figsize=(6, 3.6), layout="constrained")
    ax = fig.subplots()
    iterations = np.arange(len(costs)) * record_every
    ax.plot(iterations, costs, marker="o", markersize=3)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost (cross-entropy)")
    title = "training cost"
    if learning_rate is not None:
        title += f" (learning rate {learning_rate:g})"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return fig


def weights_image(w: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> Figure:
    """The learned weights of the flattened-spectrogram model drawn as a spectrogram.

    Red bins push towards speech (y=1), blue bins towards music (y=0); the colour scale is
    symmetric around zero.
    """
    W = np.asarray(w, dtype=np.float64).reshape(params.shape)
    limit = float(np.max(np.abs(W))) or 1.0
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    image = _spectrogram_axes(ax, W, params, "learned weights: red = speech evidence, blue = music evidence", cmap="RdBu_r")
    image.set_clim(-limit, limit)
    fig.colorbar(image, ax=ax, label="weight")
    return fig


def plot_segmentation(result: SegmentationResult, *, title: str = "") -> Figure:
    """Figure with the waveform, a spectrogram, the window probabilities and the segment timeline.

    Needs a result computed with ``overview=True`` (:func:`speechmusic.apps.segmentation.segment_file`).
    Long recordings are drawn from the decimated overview (at most a few thousand points per
    row), so the figure's cost does not grow with the length. Labels are coloured as
    :data:`speechmusic.apps.segments.LABEL_COLOURS` says.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if result.overview is None:
        raise ParameterError("plot_segmentation needs a result computed with overview=True")
    picture = result.overview
    sr = picture.sample_rate
    duration = result.duration
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True, gridspec_kw={"height_ratios": [1.2, 2.0, 1.0, 0.6]})

    times, lower, upper = picture.envelope(int(round(duration * sr)))
    axes[0].fill_between(times, lower, upper, color="0.3", linewidth=0)
    axes[0].set_ylabel("amplitude")
    axes[0].set_ylim(-1.05, 1.05)
    axes[0].set_title(title or "speech / music segmentation", fontsize=10)

    image, seconds_per_column = picture.spectrogram()
    axes[1].imshow(
        image, origin="lower", aspect="auto", cmap="magma", interpolation="nearest",
        extent=(0.0, image.shape[1] * seconds_per_column, 0, image.shape[0]), vmin=0.0, vmax=1.0,
    )
    axes[1].set_ylabel("mel band")

    mids = (result.window_starts + result.window_ends) / 2
    axes[2].plot(mids, result.window_probability, ".", markersize=2 if mids.size > 500 else 4, color="0.2")
    axes[2].axhline(0.5, color="0.6", linewidth=0.8, linestyle="--")
    axes[2].set_ylim(-0.05, 1.05)
    axes[2].set_ylabel("p(speech)")

    for segment in result.segments:
        axes[3].axvspan(segment.start, segment.end, color=LABEL_COLOURS.get(segment.label, "0.5"), linewidth=0)
    axes[3].set_yticks([])
    axes[3].set_xlabel("time (s)")
    axes[3].set_xlim(0, duration)
    shown = [name for name in LABEL_COLOURS if any(s.label == name for s in result.segments)] or ["speech", "music"]
    axes[3].legend(
        handles=[Patch(color=LABEL_COLOURS[name], label=name) for name in shown],
        loc="upper right", fontsize=8, ncols=len(shown), framealpha=0.9,
    )
    return fig
