"""How close does ``build-model --download`` get to the shipped model (built from ../shared/real-world)?

The shared copy is canonical: the shipped weights are built from it, and the reproduction test
compares against it. ``--download`` builds the same folder from the originals at their public
addresses; that cannot run here (no internet), so this script measures it in two parts:

1. **Whole-file clips** (60 of 124: the original is the clip). The shared copy's files are served
   from a local HTTP server in raw.githubusercontent.com's layout and
   ``build_real_world_folder`` fetches them, checks their sha256 and writes the folder: those clips
   come out byte-identical (the other 64 originals are not on this machine; the server answers 404).
2. **Cut clips.** WAV and FLAC cuts (15) are sample-exact in both, so they decode to the same
   samples. Ogg Vorbis and MP3 cuts (49) differ: the shared copy was cut by stream copy, snapping to
   codec packets (its start can be a few tens of milliseconds from ``start_s``); the download path
   decodes the whole original and cuts at ``start_s`` exactly (16-bit FLAC). Without the originals
   the difference is *simulated*: each of those clips is decoded and shifted by a random offset of up
   to +-40 ms (seeded by its id; start trimmed or padded, length kept), and written as 16-bit FLAC,
   which is what the download path's clip is up to the exact offset.

The model is then rebuilt from the simulated folder (``--no-measure``) and compared with the one built
from the shared copy: weights, calibration, and the probabilities both give to every 3-s window of the
shared clips and of ../shared/real-audio.

Run from the repository folder (needs ../shared; about 3 minutes)::

    .venv/bin/python docs/experiments/default_model_download_closeness.py
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import sys
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
SHARED = REPO.parent / "shared" / "real-world"
REAL_AUDIO = REPO.parent / "shared" / "real-audio"
MAX_SHIFT_S = 0.040


def main() -> None:
    import soundfile as sf
    from sources.archive_server import LocalServer

    from speechmusic.apps.default_model import build_default_model
    from speechmusic.apps.evaluation import load_clip_windows
    from speechmusic.apps.pipeline import load_classifier
    from speechmusic.data.sources import real_world, real_world_folder

    if not (SHARED / "manifest.csv").is_file():
        sys.exit(f"{SHARED} is not present")
    warnings.simplefilter("ignore")
    rows = {r["id"]: r for r in csv.DictReader(open(SHARED / "manifest.csv", newline="", encoding="utf-8"))}
    entries = real_world.load_manifest()
    clips = {e.id: next((SHARED / e.label).glob(f"{e.id}.*")) for e in entries}
    whole = {e.id for e in entries if hashlib.sha256(clips[e.id].read_bytes()).hexdigest() == e.source_sha256}

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # 1. whole-file clips through the real download code, from a local server
        with LocalServer() as server:
            for e in entries:
                if e.id in whole:
                    server.add_raw(e.repo, e.commit, e.path, clips[e.id].read_bytes())
            report = real_world_folder.build_real_world_folder(tmp / "downloaded", base_url=server.base, progress=False,
                                                        allow_missing=True)
        same = sum((tmp / "downloaded" / e.label / clips[e.id].name).is_file()
                   and (tmp / "downloaded" / e.label / clips[e.id].name).read_bytes() == clips[e.id].read_bytes()
                   for e in entries if e.id in whole)
        print(f"1. downloaded from a local server: {len(report.written)} clips written, {len(report.missing)} "
              f"originals not on this machine; whole-file clips byte-identical to the shared copy: {same}/{len(whole)}")

        # 2. the simulated download folder: the shared copy with every Ogg/MP3 cut shifted and re-encoded
        folder = tmp / "simulated"
        shutil.copytree(SHARED, folder)
        shifted = []
        for e in entries:
            row = rows[e.id]
            if e.id in whole or row["codec"] not in ("vorbis", "mp3"):
                continue
            data, rate = sf.read(str(clips[e.id]), dtype="float32", always_2d=True)
            rng = np.random.default_rng(zlib.crc32(e.id.encode()))
            shift = int(round(rng.uniform(-MAX_SHIFT_S, MAX_SHIFT_S) * rate))
            moved = data[shift:] if shift >= 0 else np.concatenate([np.zeros((-shift, data.shape[1]), np.float32), data])
            moved = np.pad(moved, ((0, max(0, data.shape[0] - moved.shape[0])), (0, 0)))[: data.shape[0]]
            (folder / e.label / clips[e.id].name).unlink()
            sf.write(str(folder / e.label / f"{e.id}.flac"), np.clip(moved, -1, 1), rate, subtype="PCM_16")
            shifted.append(shift / rate)
        print(f"2. simulated download folder: {len(shifted)} Ogg/MP3 cuts shifted by "
              f"{min(shifted) * 1000:+.0f} to {max(shifted) * 1000:+.0f} ms and written as 16-bit FLAC")

        built = {}
        for name, source in (("shared", SHARED), ("simulated", folder)):
            result = build_default_model(source, tmp / f"{name}.npz", measure_model=False)
            built[name] = load_classifier(tmp / f"{name}.npz")
            print(f"   built from {name}: {result.seconds:.0f} s")
        a, b = built["shared"], built["simulated"]
        relative = np.abs(a.model.coef_ - b.model.coef_) / np.abs(a.model.coef_).max()
        print(f"3. weights: largest difference {relative.max():.4f} of the largest weight; intercept "
              f"{a.model.intercept_:.4f} vs {b.model.intercept_:.4f}; calibration a {a.calibration.a:.4f} vs "
              f"{b.calibration.a:.4f}, b {a.calibration.b:.4f} vs {b.calibration.b:.4f}")
        for what, root in (("the shared clips", SHARED), ("../shared/real-audio", REAL_AUDIO)):
            if not root.is_dir():
                continue
            windows = load_clip_windows(root) if (root / "manifest.csv").is_file() else None
            if windows is None:
                from speechmusic.apps.evaluation import load_clip_windows as lcw

                windows = lcw(root)
            pa, pb = a.speech_probability(windows.features), b.speech_probability(windows.features)
            flips = int(np.sum((pa > 0.5) != (pb > 0.5)))
            print(f"   {what}: {pa.size} windows, largest |difference| of p(speech) {np.max(np.abs(pa - pb)):.4f}, "
                  f"mean {np.mean(np.abs(pa - pb)):.5f}; labels that differ: {flips}")


if __name__ == "__main__":
    main()
