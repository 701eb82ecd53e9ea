"""A read-only data folder (a shared class drive, a mounted CD, a locked-down lab machine).

Two ways to get one:

* **Really read-only** (chmod): the honest test, but the test suite often runs as root (CI
  containers), and root writes through permission bits. Those tests detect that and skip, saying so.
* **Simulated**: the file system calls the package uses to create files and folders
  (``Path.mkdir``, ``tempfile.mkstemp``, ``os.link``, ``os.replace``) raise
  ``PermissionError(EACCES)`` for anything inside the data folder. These always run.
"""

from __future__ import annotations

import errno
import os
import pathlib
import stat
import tempfile
import warnings

import numpy as np
import pytest
from conftest import make_dataset, noise, write_audio
from hostile import snapshot

from speechmusic.cli import main as cli_main
from speechmusic.data import dataset, ingest


def load_all(root, cache=True):
    train_x, _, test_x, _, _ = dataset.load_dataset(root, cache=cache, progress=False)
    return np.concatenate([train_x, test_x])


# ----------------------------------------------------------------------------- really read-only
def _set_writable(root, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~bits)


@pytest.fixture
def chmod_read_only(tmp_path):
    root = make_dataset(tmp_path / "data", n=2)
    _set_writable(root, False)
    probe = root / "probe"
    try:
        probe.touch()
    except PermissionError:
        pass
    else:
        probe.unlink()
        _set_writable(root, True)
        pytest.skip("running as root (or on a file system without permissions): chmod cannot make a folder "
                    "read-only here; the simulated read-only tests in this file cover the same behaviour")
    try:
        yield root
    finally:
        _set_writable(root, True)


def test_really_read_only_folder_loads_without_cache(chmod_read_only):
    root = chmod_read_only
    before = snapshot(root)
    with pytest.warns(RuntimeWarning, match="feature cache disabled"):
        got = load_all(root)
    assert got.shape == (8, 128, 130) and np.isfinite(got).all()
    assert snapshot(root) == before and not (root / dataset.CACHE_DIR_NAME).exists()


def test_really_read_only_folder_refuses_ingest_clearly(chmod_read_only, tmp_path, capsys):
    source = tmp_path / "src"
    write_audio(source / "talk.wav", noise(4.0))
    code = cli_main(["prepare", "--from-folder", str(source), "--label", "speech", "--split", "train",
                     "--data-dir", str(chmod_read_only), "--quiet"])
    assert code == 2 and "Permission denied" in capsys.readouterr().err


# ----------------------------------------------------------------------------- simulated
@pytest.fixture
def simulate_read_only(monkeypatch):
    """Make every folder passed to the returned function read-only for the package's writes."""
    protected: list[pathlib.Path] = []

    def inside(path) -> bool:
        path = pathlib.Path(os.path.abspath(path))
        return any(path == root or root in path.parents for root in protected)

    def refuse(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    real_mkdir, real_mkstemp, real_link, real_replace = pathlib.Path.mkdir, tempfile.mkstemp, os.link, os.replace

    def mkdir(self, *args, **kwargs):
        if inside(self) and not self.is_dir():
            refuse(self)
        return real_mkdir(self, *args, **kwargs)

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and inside(dir):
            refuse(dir)
        return real_mkstemp(*args, dir=dir, **kwargs)

    def link(src, dst, *args, **kwargs):
        if inside(dst):
            refuse(dst)
        return real_link(src, dst, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        if inside(dst):
            refuse(dst)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(os, "link", link)
    monkeypatch.setattr(os, "replace", replace)
    return lambda root: protected.append(pathlib.Path(os.path.abspath(root)))


def test_simulated_read_only_folder_loads_with_one_warning_per_split(tmp_path, simulate_read_only):
    root = make_dataset(tmp_path / "data", n=2)
    expected = load_all(root, cache=False)
    simulate_read_only(root)
    before = snapshot(root)
    with pytest.warns(RuntimeWarning, match="feature cache disabled.*Permission denied") as record:
        got = load_all(root)
    assert sum("feature cache disabled" in str(w.message) for w in record) == 2
    np.testing.assert_array_equal(got, expected)
    assert snapshot(root) == before  # nothing created, nothing changed


def test_simulated_read_only_folder_with_a_warm_cache_reads_it_silently(tmp_path, simulate_read_only, monkeypatch):
    root = make_dataset(tmp_path / "data", n=2)
    expected = load_all(root)  # fills the cache while writable
    simulate_read_only(root)

    def must_not_decode(*args, **kwargs):
        raise AssertionError("a warm cache must not decode anything")

    monkeypatch.setattr(dataset, "load_clip_from_bytes", must_not_decode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = load_all(root)
    np.testing.assert_array_equal(got, expected)


def test_simulated_read_only_folder_refuses_ingest_clearly_and_loses_nothing(tmp_path, simulate_read_only, capsys):
    root = make_dataset(tmp_path / "data", n=2)
    source = tmp_path / "src"
    write_audio(source / "talk.wav", noise(7.0))
    simulate_read_only(root)
    before_data, before_source = snapshot(root), snapshot(source)
    with pytest.raises(PermissionError):
        ingest.prepare_from_folder(source, data_dir=root, label="speech", split="train", progress=False)
    code = cli_main(["prepare", "--from-folder", str(source), "--label", "music", "--split", "test",
                     "--data-dir", str(root), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error:") and "Permission denied" in err
    assert snapshot(root) == before_data and snapshot(source) == before_source
