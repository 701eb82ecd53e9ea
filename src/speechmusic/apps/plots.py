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

from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
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
