"""Fixtures for the data-source tests: a local HTTP server and archives in the real layouts.

Archives are built once per test session (they take a fraction of a second each) and served
from 127.0.0.1 only; no test reaches the internet.
"""

from __future__ import annotations

import pytest

from sources.archive_server import LocalServer, forbid_internet, gtzan_tar, librispeech_tar, musan_tar


@pytest.fixture
def server():
    with LocalServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch):
    """Any attempt to reach beyond 127.0.0.1 fails the test (a missing --url would show up here)."""
    forbid_internet(monkeypatch)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """Retries happen at once: tests check that they happen, not how long they wait."""
    from speechmusic.data.sources import download

    monkeypatch.setattr(download, "_sleep", lambda seconds: None)


@pytest.fixture(scope="session")
def libri_dev() -> bytes:
    """dev-clean layout: 8 speakers x 3 utterances of 3.6 s (16 kHz FLAC)."""
    return librispeech_tar("dev-clean")


@pytest.fixture(scope="session")
def libri_test() -> bytes:
    """test-clean layout with other speakers."""
    return librispeech_tar("test-clean", speakers=(1089, 1188, 121, 237, 260, 2830))


@pytest.fixture(scope="session")
def gtzan_archive() -> bytes:
    return gtzan_tar()


@pytest.fixture(scope="session")
def musan_archive() -> bytes:
    return musan_tar()
