"""Shared helpers of the batch-segmentation tests: a folder of short programmes with known boundaries."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from conftest import make_dataset
from model_helpers import save_model, write_recording

#: Parts of a programme last this long (seconds): programmes of 10 to 20 s, boundaries known.
PART_SECONDS = (5.0, 8.0)
#: A found boundary counts as right within this many seconds of the true one (one hop plus smoothing).
BOUNDARY_TOLERANCE = 2.0


def tiny_model(folder: Path) -> Path:
    """The tests' tones-vs-noise model (music = tones, speech = noise), trained on a tiny dataset."""
    return save_model(make_dataset(folder / "data"), folder / "model.npz")


def make_programmes(root: Path, n: int, *, seed: int = 0, corrupt: bool = True) -> dict[str, list]:
    """``n`` programmes of two or three alternating parts under ``root`` (in sub-folders, wav and flac).

    Returns ``{relative path: [(start, end, label), ...]}``: the truth of each programme, and
    ``[]`` for the corrupt file (``b/broken.wav``, bytes that are no audio) when ``corrupt``.
    """
    rng = np.random.default_rng(seed)
    truth = {}
    for i in range(n):
        first = ("speech", "music")[i % 2]
        other = "music" if first == "speech" else "speech"
        labels = [first, other, first][: 2 + int(rng.integers(0, 2))]
        parts = [(label, float(np.round(rng.uniform(*PART_SECONDS), 1))) for label in labels]
        folder = ("a", "b/sub", "c")[i % 3]
        name = f"{folder}/programme-{i:03d}.{'flac' if i % 4 == 1 else 'wav'}"
        _, truth[name] = write_recording(root / name, parts, seed=seed * 1000 + i)
    if corrupt:
        broken = root / "b" / "broken.wav"
        broken.parent.mkdir(parents=True, exist_ok=True)
        broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 20)
        truth["b/broken.wav"] = []
    return truth


def read_segments(path: Path) -> list[tuple[float, float, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [(float(r["start"]), float(r["end"]), r["label"]) for r in csv.DictReader(handle)]


def assert_near_truth(found, truth) -> None:
    """Same labels in the same order, every boundary within :data:`BOUNDARY_TOLERANCE`."""
    assert [label for _, _, label in found] == [label for _, _, label in truth], (found, truth)
    for (start, _, _), (true_start, _, _) in zip(found[1:], truth[1:]):
        assert abs(start - true_start) <= BOUNDARY_TOLERANCE, (found, truth)
    assert abs(found[-1][1] - truth[-1][1]) < 0.01


def outputs_of(out_dir: Path) -> dict[str, bytes]:
    """Every segments file under ``out_dir`` (not the state records, summary or report): name -> bytes."""
    return {p.relative_to(out_dir).as_posix(): p.read_bytes() for p in sorted(out_dir.rglob("*.csv"))
            if p.name != "summary.csv" and ".speechmusic-batch" not in p.parts}


def without_timing(rows: list[dict]) -> list[dict]:
    """Summary rows without the columns that depend on the run (which worker, how long)."""
    return [{k: v for k, v in row.items() if k not in ("seconds_taken", "worker")} for row in rows]
