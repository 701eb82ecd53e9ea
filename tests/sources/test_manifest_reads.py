"""One read of the data folder's manifest.csv per operation (issue 11: one owner of the manifest).

The loader of :mod:`speechmusic.data.manifest` is wrapped to count how often each folder's
``manifest.csv`` is read while a real download (local server, real archive layout), a quick start
of two sources, a real-world fetch and a ``prepare`` of several recordings run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from sources.real_world_set import originals, serve, write_manifest
from speechmusic.data import manifest as manifest_module
from speechmusic.data.ingest import prepare_from_folder, read_manifest
from speechmusic.data.sources import fetch, real_world


@pytest.fixture
def reads(monkeypatch):
    """Counter: manifest.csv path -> times the file was read."""
    counted: Counter = Counter()
    real = manifest_module._read_manifest_file

    def counting(path):
        records, stamp = real(path)
        if stamp is not None:  # the file was there and was read
            counted[Path(path).resolve()] += 1
        return records, stamp

    monkeypatch.setattr(manifest_module, "_read_manifest_file", counting)
    return counted


def test_a_download_reads_the_manifest_once_also_when_it_exists(server, tmp_path, libri_dev, reads):
    data = tmp_path / "data"
    url = server.add("dev-clean.tar.gz", libri_dev)
    fetch("librispeech", data, n_train=4, n_test=2, url=url, verify=False, progress=False, log=lambda _: None)
    assert len(read_manifest(data)) == 6
    reads.clear()
    # more clips into the same folder: the manifest is there now and is read exactly once
    [report] = fetch("librispeech", data, n_train=6, n_test=3, url=url, verify=False, progress=False,
                     log=lambda _: None)
    assert reads == {(data / "manifest.csv").resolve(): 1}
    assert sum(report.written.values()) > 0
    assert len(read_manifest(data)) == 6 + sum(report.written.values())


def test_the_quick_start_reads_the_manifest_once_for_both_sources(server, tmp_path, libri_dev, gtzan_archive,
                                                                 reads):
    data = tmp_path / "data"
    server.add("dev-clean.tar.gz", libri_dev)
    server.add("music_speech.tar.gz", gtzan_archive)
    fetch("librispeech", data, n_train=1, n_test=1, mirror=server.base, verify=False, progress=False,
          log=lambda _: None)
    reads.clear()
    reports = fetch("quickstart", data, n_train=3, n_test=1, mirror=server.base, verify=False, progress=False,
                    log=lambda _: None)
    assert [r.source for r in reports] == ["librispeech", "gtzan"]
    assert reads == {(data / "manifest.csv").resolve(): 1}
    # what the second source saw included what the first had just saved: nothing was lost
    sources = Counter(r.source for r in read_manifest(data))
    assert sources == {"librispeech": 4, "gtzan": 4}


def test_a_real_world_fetch_reads_the_manifest_once(server, tmp_path, reads):
    files = originals()
    serve(server, files)
    listing = write_manifest(tmp_path / "list.csv", files)
    data = tmp_path / "data"
    real_world.fetch(data, n_train=1, n_test=1, manifest=listing, base_url=server.base, progress=False)
    reads.clear()
    report = real_world.fetch(data, n_train=2, n_test=1, manifest=listing, base_url=server.base, progress=False)
    assert sum(report.written.values()) > 0
    # present counts, the writer's "already there?", the commit and the attribution: one read
    assert reads == {(data / "manifest.csv").resolve(): 1}
    assert (data / real_world.ATTRIBUTION_NAME).is_file()


def test_prepare_reads_the_manifest_once_though_it_saves_after_every_recording(tmp_path, reads):
    source = tmp_path / "recordings"
    source.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        sf.write(str(source / f"talk{i}.wav"), (0.2 * rng.standard_normal(22050 * 4)).astype(np.float32), 22050)
    data = tmp_path / "data"
    prepare_from_folder(source, data_dir=data, label="speech", split="train", progress=False)
    reads.clear()
    more = tmp_path / "more"
    more.mkdir()
    for i in range(3):
        sf.write(str(more / f"song{i}.wav"), (0.2 * rng.standard_normal(22050 * 4)).astype(np.float32), 22050)
    report = prepare_from_folder(more, data_dir=data, label="music", split="train", progress=False)
    assert report.clips_written == 3
    assert reads == {(data / "manifest.csv").resolve(): 1}
    assert Counter(r.label for r in read_manifest(data)) == {"speech": 3, "music": 3}
