"""The download machinery against a local server: mirrors, retries, resume, checksums, cache."""

from __future__ import annotations

import hashlib

import pytest

from sources.archive_server import closed_port_url
from speechmusic.core.errors import ParameterError
from speechmusic.data.sources.download import (
    ArchiveSpec,
    Checksum,
    ChecksumError,
    DownloadError,
    download_archive,
    expected_checksum,
    find_cached,
    manual_instructions,
    parse_sha256,
)
from speechmusic.data.sources.streaming import RemoteStream

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB, recognisable at every offset
SHA = hashlib.sha256(PAYLOAD).hexdigest()


def spec_for(*urls, size=None, sha256=None, md5=None, filename="payload.tar.gz", aliases=()):
    return ArchiveSpec(filename=filename, urls=tuple(urls), size=size, sha256=sha256, md5=md5, aliases=aliases)


def test_download_verifies_and_caches(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD)
    spec = spec_for(url, size=len(PAYLOAD), sha256=SHA)
    path = download_archive(spec, tmp_path, checksum=expected_checksum(spec), progress=False)
    assert path == tmp_path / "payload.tar.gz"
    assert path.read_bytes() == PAYLOAD
    assert not (tmp_path / "payload.tar.gz.part").exists()
    assert (tmp_path / "payload.tar.gz.verified").is_file()
    # A second call uses the cache: no request at all.
    before = len(server.state.requests)
    assert download_archive(spec, tmp_path, checksum=expected_checksum(spec), progress=False) == path
    assert len(server.state.requests) == before


def test_interrupted_transfer_is_resumed_with_range_on_the_next_run(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD)
    server.drop("payload.tar.gz", after=300_000)
    spec = spec_for(url, sha256=SHA)
    with pytest.raises(DownloadError, match="kept in .*payload.tar.gz.part"):
        download_archive(spec, tmp_path, checksum=expected_checksum(spec), retries=0, progress=False)
    part = tmp_path / "payload.tar.gz.part"
    assert part.stat().st_size == 300_000
    assert not (tmp_path / "payload.tar.gz").exists()

    path = download_archive(spec, tmp_path, checksum=expected_checksum(spec), retries=0, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.gets("payload.tar.gz")[-1][2] == "bytes=300000-"
    assert not part.exists()


def test_dropped_connection_is_retried_within_one_call(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD)
    server.drop("payload.tar.gz", after=100_000, times=2)
    spec = spec_for(url, sha256=SHA)
    path = download_archive(spec, tmp_path, checksum=expected_checksum(spec), retries=2, progress=False)
    assert path.read_bytes() == PAYLOAD
    ranges = [r[2] for r in server.gets("payload.tar.gz")]
    assert ranges == [None, "bytes=100000-", "bytes=100000-"]


def test_server_without_range_support_restarts_from_zero(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD)
    server.state.range_support = False
    server.drop("payload.tar.gz", after=200_000)
    spec = spec_for(url, sha256=SHA)
    path = download_archive(spec, tmp_path, checksum=expected_checksum(spec), retries=1, progress=False)
    assert path.read_bytes() == PAYLOAD


def test_checksum_mismatch_discards_the_download(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD)
    spec = spec_for(url)
    wrong = Checksum("sha256", "0" * 64)
    with pytest.raises(ChecksumError, match="checksum mismatch") as info:
        download_archive(spec, tmp_path, checksum=wrong, progress=False)
    assert SHA in str(info.value)  # says what it got
    assert list(tmp_path.iterdir()) == []


def test_md5_is_used_when_no_sha256_is_published(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD)
    good = spec_for(url, md5=hashlib.md5(PAYLOAD).hexdigest())
    assert expected_checksum(good).algorithm == "md5"
    assert download_archive(good, tmp_path / "a", checksum=expected_checksum(good), progress=False).is_file()
    bad = spec_for(url, md5="0" * 32)
    with pytest.raises(ChecksumError):
        download_archive(bad, tmp_path / "b", checksum=expected_checksum(bad), progress=False)


def test_wrong_size_against_published_size_is_reported(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD[:1000])
    spec = spec_for(url, size=len(PAYLOAD), sha256=SHA)
    with pytest.raises(ChecksumError, match="instead of the published"):
        download_archive(spec, tmp_path, checksum=expected_checksum(spec), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_mirrors_are_tried_in_order(server, tmp_path):
    missing = server.url("gone/payload.tar.gz")
    server.state.status["/flaky/payload.tar.gz"] = [503, 503, 503]
    flaky = server.url("flaky/payload.tar.gz")
    good = server.add("good/payload.tar.gz", PAYLOAD)
    spec = spec_for(missing, flaky, good, sha256=SHA)
    path = download_archive(spec, tmp_path, checksum=expected_checksum(spec), retries=1, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert len(server.gets("gone/payload.tar.gz")) == 1  # 404: no retry on that mirror
    assert len(server.gets("flaky/payload.tar.gz")) == 2  # 503: retried once, then the next mirror


def test_transient_errors_are_retried_on_the_same_mirror(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD)
    server.state.status["/payload.tar.gz"] = [503, 429]
    spec = spec_for(url, sha256=SHA)
    assert download_archive(spec, tmp_path, checksum=expected_checksum(spec), retries=2, progress=False).is_file()
    assert len(server.gets("payload.tar.gz")) == 3


def test_unreachable_host_gives_every_failure_and_manual_instructions(tmp_path):
    spec = spec_for(closed_port_url("payload.tar.gz"), closed_port_url("payload.tar.gz"), size=12345)
    with pytest.raises(DownloadError) as info:
        download_archive(spec, tmp_path, checksum=None, retries=1, progress=False, timeout=(2, 2))
    message = str(info.value)
    assert message.count("Connection refused") == 4  # two mirrors, two attempts each
    assert str(tmp_path / "payload.tar.gz") in message  # where to put a manual download
    assert "curl -L -C - -o" in message
    assert not (tmp_path / "payload.tar.gz").exists()


def test_unreachable_mirror_is_left_after_two_attempts_whatever_the_retries(tmp_path, server):
    dead = closed_port_url("payload.tar.gz")
    with pytest.raises(DownloadError) as info:
        download_archive(spec_for(dead), tmp_path, checksum=None, retries=5, progress=False)
    assert str(info.value).count("Connection refused") == 2
    with pytest.raises(DownloadError) as info:
        RemoteStream(spec_for(dead), retries=5, progress=False)
    assert str(info.value).count("Connection refused") == 2
    # ... and the next mirror is used.
    good = server.add("payload.tar.gz", PAYLOAD)
    spec = spec_for(dead, good, sha256=SHA)
    assert download_archive(spec, tmp_path, checksum=expected_checksum(spec), retries=5, progress=False).is_file()


def test_cached_file_with_wrong_checksum_is_reported_and_kept(tmp_path):
    (tmp_path / "payload.tar.gz").write_bytes(b"not the archive")
    spec = spec_for("http://127.0.0.1:9/unused", sha256=SHA)
    with pytest.raises(ChecksumError, match="Delete"):
        download_archive(spec, tmp_path, checksum=expected_checksum(spec), progress=False)
    assert (tmp_path / "payload.tar.gz").read_bytes() == b"not the archive"


def test_alias_files_are_found_but_not_held_to_the_published_checksum(tmp_path):
    spec = spec_for("http://127.0.0.1:9/x", sha256=SHA, aliases=("other.zip",))
    (tmp_path / "other.zip").write_bytes(b"zip")
    found = find_cached(spec, tmp_path)
    assert found == tmp_path / "other.zip"
    assert expected_checksum(spec, path=found) is None
    assert expected_checksum(spec, path=found, sha256="a" * 64) == Checksum("sha256", "a" * 64)
    assert expected_checksum(spec, verify=False) is None


def test_parse_sha256_rejects_anything_but_64_hex_digits():
    assert parse_sha256("AB" * 32) == "ab" * 32
    for bad in ("", "xyz", "a" * 63, "g" * 64):
        with pytest.raises(ParameterError):
            parse_sha256(bad)


def test_manual_instructions_name_the_cache_file_and_every_mirror(tmp_path):
    spec = spec_for("https://a.example/f.tar.gz", "https://b.example/f.tar.gz", filename="f.tar.gz", size=2048)
    text = manual_instructions(spec, tmp_path)
    assert "https://a.example/f.tar.gz" in text and "https://b.example/f.tar.gz" in text
    assert str(tmp_path / "f.tar.gz") in text
    assert "2.0 KiB" in text


# --- streaming ----------------------------------------------------------------------------------


def read_all(stream, chunk=50_000) -> bytes:
    out = bytearray()
    while True:
        block = stream.read(chunk)
        if not block:
            return bytes(out)
        out += block


def test_stream_reads_everything_and_verifies(server):
    url = server.add("payload.tar.gz", PAYLOAD)
    with RemoteStream(spec_for(url), checksum=Checksum("sha256", SHA), progress=False) as stream:
        assert read_all(stream) == PAYLOAD
        assert stream.verify() is True
        assert stream.total == len(PAYLOAD)


def test_stream_resumes_after_a_drop_with_range(server):
    url = server.add("payload.tar.gz", PAYLOAD)
    server.drop("payload.tar.gz", after=250_000)
    with RemoteStream(spec_for(url), checksum=Checksum("sha256", SHA), retries=1, progress=False) as stream:
        assert read_all(stream) == PAYLOAD
        assert stream.verify()
    assert [r[2] for r in server.gets("payload.tar.gz")] == [None, "bytes=250000-"]


def test_stream_resume_without_range_support_skips_what_was_read(server):
    url = server.add("payload.tar.gz", PAYLOAD)
    server.state.range_support = False
    server.drop("payload.tar.gz", after=250_000)
    with RemoteStream(spec_for(url), checksum=Checksum("sha256", SHA), retries=1, progress=False) as stream:
        assert read_all(stream) == PAYLOAD
        assert stream.verify()


def test_stream_gives_up_after_the_retries(server):
    url = server.add("payload.tar.gz", PAYLOAD)
    server.drop("payload.tar.gz", after=100_000, times=5)
    with RemoteStream(spec_for(url), retries=1, progress=False) as stream:
        with pytest.raises(DownloadError, match="broke off"):
            read_all(stream)


def test_stream_checksum_mismatch_and_partial_read(server):
    url = server.add("payload.tar.gz", PAYLOAD)
    with RemoteStream(spec_for(url), checksum=Checksum("sha256", "f" * 64), progress=False) as stream:
        stream.read(1000)
        with pytest.raises(DownloadError, match="not read to its end"):
            stream.verify()
        read_all(stream)
        with pytest.raises(ChecksumError, match="mismatch"):
            stream.verify()


def test_stream_unreachable(tmp_path):
    with pytest.raises(DownloadError, match="Connection refused"):
        RemoteStream(spec_for(closed_port_url()), retries=0, progress=False)


def test_chunked_responses_without_a_length(server, tmp_path):
    url = server.add("payload.tar.gz", PAYLOAD)
    server.state.chunked = True
    spec = spec_for(url, size=len(PAYLOAD) * 2)  # a size that does not match only sizes the progress bar
    with RemoteStream(spec, checksum=Checksum("sha256", SHA), progress=False) as stream:
        assert read_all(stream) == PAYLOAD
        assert stream.total is None and stream.verify()
    pinned = expected_checksum(spec, sha256=SHA)
    assert download_archive(spec, tmp_path, checksum=pinned, progress=False).read_bytes() == PAYLOAD
