"""Time the real-world source against a local server, with the real files it can serve.

The shared copy of the set (``../shared/real-world``) holds, for 60 of its 124 clips, the whole
original file (its sha256 equals ``source_sha256``). This script serves exactly those 60 files on
127.0.0.1 in raw.githubusercontent.com's layout (the other 64 answer HTTP 404, as a vanished file
would) and times, in fresh temporary folders:

1. the lab source, every clip the served originals give (``real_world.fetch`` with large counts);
2. the same again with a warm cache (cutting and writing only);
3. ``build_real_world_folder`` (network), and checks that its files are byte-identical to the shared copy.

It also prints the lower bound of the download size of all 113 originals (whole-file clips count
their own size; a cut clip's original is at least ``(start_s + duration_s)`` at the clip's bitrate).

Run from the repository folder (needs ``../shared/real-world``)::

    .venv/bin/python docs/experiments/real_world_local_server.py
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from sources.archive_server import LocalServer  # noqa: E402

from speechmusic.data.sources import real_world, real_world_folder  # noqa: E402

SHARED = REPO.parent / "shared" / "real-world"


def main() -> None:
    if not (SHARED / "manifest.csv").is_file():
        sys.exit(f"{SHARED} is not present")
    entries = real_world.load_manifest()
    clips = {e.id: next((SHARED / e.label).glob(f"{e.id}.*")) for e in entries}
    lower_bound = {}
    for e in entries:
        size = clips[e.id].stat().st_size
        whole = hashlib.sha256(clips[e.id].read_bytes()).hexdigest() == e.source_sha256
        estimate = size if whole else size / e.duration_s * e.end_s
        lower_bound[e.source_sha256] = max(lower_bound.get(e.source_sha256, 0), estimate, 0)
    print(f"shared copy: {sum(p.stat().st_size for p in clips.values()) / 2**20:.1f} MiB in {len(clips)} clips; "
          f"{len(lower_bound)} originals, at least {sum(lower_bound.values()) / 2**20:.1f} MiB")

    with LocalServer() as server, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        served = 0
        for e in entries:
            data = clips[e.id].read_bytes()
            if hashlib.sha256(data).hexdigest() == e.source_sha256:
                server.add_raw(e.repo, e.commit, e.path, data)
                served += 1
        print(f"serving {served} originals from {server.base}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the 64 vanished originals
            start = time.perf_counter()
            report = real_world.fetch(tmp / "data", n_train=1000, n_test=1000, base_url=server.base, progress=False)
            cold = time.perf_counter() - start
            written = report.total_written
            start = time.perf_counter()
            real_world.fetch(tmp / "again", n_train=1000, n_test=1000, base_url=server.base, progress=False,
                             cache_dir=tmp / "data" / ".cache" / "downloads")
            warm = time.perf_counter() - start
            start = time.perf_counter()
            folder = real_world_folder.build_real_world_folder(tmp / "folder", base_url=server.base, progress=False,
                                                        allow_missing=True)
            build = time.perf_counter() - start
        lab_bytes = sum(p.stat().st_size for p in (tmp / "data").rglob("realworld-*.wav"))
        identical = sum((tmp / "folder" / e.label / clips[e.id].name).is_file()
                        and (tmp / "folder" / e.label / clips[e.id].name).read_bytes() == clips[e.id].read_bytes()
                        for e in entries)
        print(f"lab source: {written} 3-s clips ({dict(report.written)}), {lab_bytes / 2**20:.1f} MiB, from "
              f"{report.bytes_read / 2**20:.1f} MiB of originals: {cold:.1f} s with downloads, {warm:.1f} s from the cache")
        print(f"folder: {len(folder.written)} clips in {build:.1f} s; byte-identical to the shared copy: {identical}")


if __name__ == "__main__":
    main()
