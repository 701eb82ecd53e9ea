"""DownloadOptions: how to download, one frozen value from fetch to the opening of an archive."""

from __future__ import annotations

import dataclasses

import pytest

import speechmusic.data.sources as sources
from speechmusic.data.sources import engine
from speechmusic.data.sources.download import DEFAULT_RETRIES, DownloadOptions


def test_options_are_frozen_with_the_documented_defaults(tmp_path):
    options = DownloadOptions()
    assert options.verify and not options.keep_archive and options.progress and options.retries == DEFAULT_RETRIES
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.verify = False  # type: ignore[misc]
    assert options.cache_for(tmp_path) == tmp_path / ".cache" / "downloads"
    assert DownloadOptions(cache_dir=tmp_path / "c").cache_for(tmp_path / "data") == tmp_path / "c"
    assert set(options.network()) == {"progress", "timeout", "retries", "backoff", "session"}


def test_loose_keywords_replace_fields_and_unknown_ones_are_refused():
    base = DownloadOptions(retries=7)
    merged = DownloadOptions.of(base, verify=False)
    assert (merged.verify, merged.retries) == (False, 7) and base.verify  # the original is unchanged
    assert DownloadOptions.of(base) is base
    with pytest.raises(TypeError, match="verfy"):
        DownloadOptions.of(None, verfy=False)


def test_fetch_passes_one_value_down_to_collect(tmp_path, monkeypatch):
    seen = []

    def fake_collect(source, data_dir, **kwargs):
        seen.append(kwargs)
        raise sources.DownloadError("stop here")

    monkeypatch.setattr(sources, "collect", fake_collect)
    with pytest.raises(sources.DownloadError):
        sources.fetch("gtzan", tmp_path, n_train=1, n_test=1, verify=False, retries=1, progress=False,
                      cache_dir=tmp_path / "cache", log=lambda *a: None)
    (kwargs,) = seen
    download = kwargs["download"]
    assert isinstance(download, DownloadOptions)
    assert (download.verify, download.retries, download.progress) == (False, 1, False)
    assert download.cache_dir == tmp_path / "cache"
    assert not {"verify", "retries", "progress", "cache_dir", "timeout", "backoff", "session"} & set(kwargs)


def test_collect_hands_the_same_value_to_the_member_opening(tmp_path, monkeypatch):
    seen = []

    def fake_open(source, spec, stack, *, cache_dir, archive_path, sha256, download, staging_dir):
        seen.append((download, cache_dir))
        raise sources.DownloadError("stop here")

    monkeypatch.setattr(engine, "_open_members", fake_open)
    options = DownloadOptions(verify=False, progress=False, cache_dir=tmp_path / "cache")
    with pytest.raises(sources.DownloadError):
        engine.collect(sources.archive_sources()["gtzan"], tmp_path / "data", n_train=1, n_test=1, download=options,
                       retries=2)
    ((download, cache_dir),) = seen
    assert download == dataclasses.replace(options, retries=2) and cache_dir == tmp_path / "cache"
