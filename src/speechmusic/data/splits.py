"""Held-out validation splits that keep the clips of one recording on one side.

Clips cut from one recording must stay on one side of a validation split, or the score measures
memory of that recording rather than generalisation. ``speechmusic train --validation`` uses these.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from speechmusic.core.config import CLASS_NAMES
from speechmusic.core.errors import DatasetError, ParameterError
from speechmusic.data.manifest import DatasetManifest

__all__ = ["recording_groups", "validation_mask"]


def recording_groups(paths: list[Path], data_dir: Path) -> list[str]:
    """Which recording each clip came from (manifest's ``original``), else the clip itself.

    Clips cut from one recording must stay on one side of a validation split, or the score
    measures memory of that recording rather than generalisation.
    """
    origin = {}
    for record in DatasetManifest.load(data_dir):
        origin[(data_dir / record.path).resolve()] = f"{record.source}:{record.original}"
    return [origin.get(Path(p).resolve(), str(p)) for p in paths]


def validation_mask(labels: np.ndarray, groups: list[str], fraction: float, seed: int,
                    class_names=CLASS_NAMES) -> np.ndarray:
    """Boolean mask of held-out clips: about ``fraction`` of each class's recordings, chosen by ``seed``.

    Each class keeps at least one recording on each side; clips of one group (recording) stay
    together. The messages name ``--validation``, the option of ``speechmusic train`` that sets
    ``fraction``.

    Parameters
    ----------
    labels : np.ndarray, shape (m,)
        Each clip's label: an index into ``class_names`` (the lab's 0 music, 1 speech by default).
    groups : list of str
        The recording each clip came from (:func:`recording_groups`).
    fraction : float
        Share of each class's recordings to hold out, strictly between 0 and 1.
    seed : int
        Seed of the choice.
    class_names : sequence of str
        The labels' names (for the messages).

    Returns
    -------
    np.ndarray of bool, shape (m,)
    """
    if not 0 < fraction < 1:
        raise ParameterError(f"--validation must be between 0 and 1 (exclusive), got {fraction}")
    rng = np.random.default_rng(seed)
    held = np.zeros(len(labels), dtype=bool)
    for label in range(len(class_names)):
        by_group: dict[str, list[int]] = defaultdict(list)
        for i in np.flatnonzero(labels == label):
            by_group[groups[i]].append(int(i))
        names = sorted(by_group)
        if len(names) < 2:
            raise DatasetError(
                f"--validation needs at least two {class_names[label]} recordings in the training split, "
                f"found {len(names)}"
            )
        count = min(len(names) - 1, max(1, int(round(fraction * len(names)))))
        for name in rng.choice(names, size=count, replace=False):
            held[by_group[name]] = True
    return held
