"""``listen`` on internet-radio-like streams served on 127.0.0.1: real-time pace, many times real time, a drop, a silent server.

The server (:class:`listen_helpers.StreamServer`) streams an Ogg Vorbis or MP3 file over HTTP at a
chosen pace and can drop a connection mid-stream and refuse the next one, as a radio server that
restarts does. ffmpeg decodes (``.ci/run`` installs it); without it these tests skip.
"""

from __future__ import annotations

import shutil
import time

import pytest
import soundfile as sf
from conftest import SR
from listen_helpers import PARTS, Listen, StreamServer, read_csv_segments, silent_server
from model_helpers import alternating_recording, save_model

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from conftest import make_dataset

    root = tmp_path_factory.mktemp("stream-model")
    return save_model(make_dataset(root / "data"), root / "tiny.npz")


@pytest.fixture(scope="module")
def encoded(tmp_path_factory):
    """The programme as Ogg Vorbis and as MP3 (what radio streams carry), and its truth."""
    y, truth = alternating_recording(PARTS, seed=4)
    folder = tmp_path_factory.mktemp("streams")
    sf.write(folder / "show.ogg", y, SR, format="OGG", subtype="VORBIS")
    sf.write(folder / "show.mp3", y, SR, format="MP3", subtype="MPEG_LAYER_III")
    return folder, y.size / SR, truth


def test_a_stream_many_times_faster_than_real_time_that_drops_and_comes_back(model, encoded, tmp_path):
    folder, seconds, truth = encoded
    # The first connection drops at 60 % of the programme, the next is refused, the third plays it all.
    server = StreamServer(folder / "show.mp3", seconds=seconds, speed=25.0,
                          plan=[("part", 0.6), ("refuse",), ("all",)])
    out = tmp_path / "radio.csv"
    try:
        listen = Listen(server.url, "--model", model, "-o", out, "--timeout", "5", "--latency", "1",
                        "--duration", str(seconds * 1.6 + 3), stdin=False)
        code = listen.close(timeout=120)
    finally:
        server.close()
    assert code == 0, listen.stderr()
    assert server.served[:3] == ["part", "refuse", "all"]
    segments = read_csv_segments(out)
    labels = [label for _, _, label in segments]
    gap = labels.index("gap")
    first, second = labels[:gap], labels[gap + 1 :]
    # before the drop: the programme's first 60 % (its first three parts); after: it again from the start
    assert first == ["speech", "music", "speech"]
    assert second[:4] == [label for _, _, label in truth]
    start, end, _ = segments[gap]
    assert start == pytest.approx(0.6 * seconds, abs=0.6)  # where the audio stopped (an MP3 frame or so)
    assert 0.4 <= end - start <= 10.0  # the back-off waited at least 0.5 s, then 1 s, between attempts
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(segments, segments[1:]))  # no hole, no overlap
    assert "reconnecting" in listen.stderr()
    assert any(label == "gap" for _, label in listen.changes())


def test_a_stream_at_real_time_pace_is_labelled_as_it_plays(model, encoded, tmp_path):
    folder, seconds, truth = encoded
    server = StreamServer(folder / "show.ogg", seconds=seconds, speed=1.0)
    out = tmp_path / "radio.csv"
    try:
        began = time.monotonic()
        listen = Listen(server.url, "--model", model, "-o", out, "--latency", "1", "--duration", "13", stdin=False)
        code = listen.close(timeout=120)
        took = time.monotonic() - began
    finally:
        server.close()
    assert code == 0, listen.stderr()
    assert took >= 12.0  # it played at the stream's pace
    segments = read_csv_segments(out)
    assert [label for _, _, label in segments] == ["speech", "music"]
    assert segments[-1][1] == pytest.approx(13.0, abs=1e-3)
    # The change to music (about 8 s in) was printed while the stream played: at most latency + one
    # hop after it was heard. The first line (speech from 0 s) comes once the first 3-s window is
    # complete, about 3 s into the stream, so measured from it the change may take latency + hop.
    # (ffmpeg holds the first seconds of a stream while it probes its format, so the first line is
    # the clock's zero, not the start of the process.)
    (first, _), (second, line) = listen.lines
    music_at = listen.changes()[1][0]
    assert line.split()[1] == "music" and abs(music_at - 8.0) <= 1.0
    assert second - first <= music_at + 1.0 + 1.0


def test_a_stream_that_never_answers_is_one_clear_error(model):
    sock, url = silent_server()
    try:
        began = time.monotonic()
        listen = Listen(url, "--model", model, "--timeout", "2", stdin=False)
        code = listen.close(timeout=60)
    finally:
        sock.close()
    assert code == 2
    errors = [line for line in listen.stderr().splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and url in errors[0] and "no audio" in errors[0], listen.stderr()
    assert time.monotonic() - began < 30


def test_a_file_through_ffmpeg_as_fast_as_it_decodes(model, encoded, tmp_path):
    folder, seconds, truth = encoded
    listen = Listen(folder / "show.ogg", "--model", model, "-o", tmp_path / "show.TextGrid", "--format", "textgrid",
                    "--quiet", stdin=False)
    assert listen.close(timeout=60) == 0, listen.stderr()
    from segment_readers import parse_textgrid

    grid = parse_textgrid((tmp_path / "show.TextGrid").read_text())
    (tier,) = grid["tiers"]
    assert [text for _, _, text in tier["intervals"]] == [label for _, _, label in truth]
    assert grid["xmax"] == pytest.approx(seconds, abs=0.05)


def test_an_hls_playlist_served_on_127_0_0_1(model, encoded, tmp_path):
    import functools
    import subprocess
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    folder, seconds, truth = encoded
    hls = tmp_path / "hls"
    hls.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(folder / "show.ogg"), "-c:a", "aac", "-f", "hls",
                    "-hls_time", "4", "-hls_playlist_type", "vod", str(hls / "show.m3u8")], check=True)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(hls))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/show.m3u8"
        listen = Listen(url, "--model", model, "-o", tmp_path / "hls.csv", "--no-reconnect", "--quiet", stdin=False)
        code = listen.close(timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0, listen.stderr()
    segments = read_csv_segments(tmp_path / "hls.csv")
    assert [label for _, _, label in segments] == [label for _, _, label in truth]  # a VOD playlist ends: no gap
    assert segments[-1][1] == pytest.approx(seconds, abs=0.2)
