"""``speechmusic listen`` from standard input and a fed microphone: stopping cleanly and losing nothing but the open segment.

No sound card and no network: audio comes on standard input (raw PCM and WAV) or through the
PortAudio seam (:func:`speechmusic.apps.live_sources.portaudio`), which a test replaces by a fake
device. A real microphone is not exercised here (see docs/commands.md for checking one).
"""

from __future__ import annotations

import io
import json
import re
import signal
import threading
import time

import numpy as np
import pytest
import soundfile as sf
from conftest import SR, blas_threads, blas_threads_seen, run_cli, two_blas_threads
from listen_helpers import PARTS, Listen, pcm16, read_csv_segments
from model_helpers import alternating_recording, save_model

from speechmusic.apps import live_sources

pytestmark = pytest.mark.slow  # processes that start Python and are fed audio


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from conftest import make_dataset

    root = tmp_path_factory.mktemp("listen-model")
    return save_model(make_dataset(root / "data"), root / "tiny.npz")


@pytest.fixture(scope="module")
def programme():
    return alternating_recording(PARTS, seed=4)


def test_raw_pcm_on_stdin_is_labelled_to_its_end(model, programme, tmp_path):
    y, truth = programme
    out = tmp_path / "live.csv"
    listen = Listen("-", "--raw-rate", SR, "--model", model, "-o", out, "--latency", "1")
    listen.feed(pcm16(y))
    assert listen.close() == 0, listen.stderr()
    segments = read_csv_segments(out)
    assert [label for _, _, label in segments] == [label for _, _, label in truth]
    assert segments[-1][1] == pytest.approx(y.size / SR, abs=1e-3)
    assert [label for _, label in listen.changes()] == [label for _, _, label in truth]
    for (start, _, _), (true_start, _, _) in zip(segments[1:], truth[1:]):
        assert abs(start - true_start) <= 1.0
    assert "4 segments" in listen.stderr() and f"wrote {out}" in listen.stderr()


def test_a_wav_on_stdin_at_another_rate_in_stereo(model, programme, tmp_path):
    import soxr

    y, truth = programme
    stereo = np.stack([soxr.resample(y, SR, 44100)] * 2, axis=1)
    wav = io.BytesIO()
    sf.write(wav, stereo, 44100, format="WAV", subtype="PCM_16")
    listen = Listen("-", "--model", model, "--format", "json", "-o", tmp_path / "live.json", "--quiet")
    listen.feed(wav.getvalue())
    assert listen.close() == 0, listen.stderr()
    document = json.loads((tmp_path / "live.json").read_text())
    assert [s["label"] for s in document["segments"]] == [label for _, _, label in truth]
    assert document["source"] == "standard input" and document["duration"] == pytest.approx(y.size / SR, abs=0.01)
    assert document["latency"] == 2.0 and document["speech_seconds"] + document["music_seconds"] == pytest.approx(
        document["duration"], abs=0.01)
    assert document["silence_seconds"] == 0.0 and document["gap_seconds"] == 0.0  # every label is reported, as segment does
    # the smoothing it used: the minimum duration of each label it decided between, as segment records them
    assert document["min_durations"] == {"music": 3.0, "speech": 4.0, "silence": 4.0}


def test_min_duration_reaches_the_live_smoothing(model, tmp_path):
    y, _ = alternating_recording([("speech", 12.0), ("music", 4.5), ("speech", 12.0)], seed=4)
    found = {}
    for music in ("3", "10"):
        out = tmp_path / f"live-{music}.json"
        listen = Listen("-", "--raw-rate", SR, "--model", model, "--format", "json", "-o", out, "--quiet",
                        "--min-duration", f"music={music}", "--latency", "12")
        listen.feed(pcm16(y))
        assert listen.close() == 0, listen.stderr()
        document = json.loads(out.read_text())
        assert document["min_durations"]["music"] == float(music)
        found[music] = [s["label"] for s in document["segments"]]
    # as segment decides (its test): with a look-ahead longer than the minimum, which live decisions
    # need to hold a label that long (a shorter look-ahead decides before the minimum is over)
    assert found == {"3": ["speech", "music", "speech"], "10": ["speech"]}


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_close_the_open_segment_and_exit_0(model, programme, tmp_path, how):
    y, truth = programme
    out = tmp_path / "live.csv"
    listen = Listen("-", "--raw-rate", SR, "--model", model, "-o", out, "--latency", "1")
    fed = int(20.0 * SR)  # speech, music, and 3 s into the second speech part; stdin stays open
    listen.feed(pcm16(y[:fed]))
    listen.wait_for_lines(3)  # the second speech part has begun
    listen.process.send_signal(how)
    assert listen.process.wait(timeout=30) == 0, listen.stderr()
    segments = read_csv_segments(out)
    assert [label for _, _, label in segments] == ["speech", "music", "speech"]
    # The open segment is closed where the audio heard ends. That is not always all that was fed:
    # the third line can come before the last of the 20 s is read (it does when the smoothing
    # settles the change with a short look-ahead), so the summary line says how much was heard.
    heard = re.search(r"(\d+):(\d\d):(\d\d(?:\.\d)?) heard", listen.stderr())
    assert heard, listen.stderr()
    heard_seconds = 3600 * int(heard[1]) + 60 * int(heard[2]) + float(heard[3])
    assert segments[-2][1] < heard_seconds <= fed / SR + 1e-3
    assert segments[-1][1] == pytest.approx(heard_seconds, abs=0.051)
    assert "interrupted" not in listen.stderr()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_kill_9_loses_only_the_open_segment(model, programme, tmp_path, fmt):
    y, truth = programme
    out = tmp_path / f"live.{fmt}"
    listen = Listen("-", "--raw-rate", SR, "--model", model, "-o", out, "--format", fmt, "--latency", "1")
    listen.feed(pcm16(y[: int(31.0 * SR)]))
    listen.wait_for_lines(4)  # the fourth segment has opened: three are closed and written
    listen.process.kill()
    listen.process.wait(timeout=30)
    if fmt == "csv":
        segments = read_csv_segments(out)  # every line complete, the header first
    else:
        segments = [(s["start"], s["end"], s["label"]) for s in json.loads(out.read_text())["segments"]]
    assert [label for _, _, label in segments] == ["speech", "music", "speech"]
    changes = listen.changes()
    assert [round(start, 1) for start, _, _ in segments[1:]] == [round(t, 1) for t, _ in changes[1:3]]
    assert not list(tmp_path.glob(".*.part")) or fmt == "json"  # a rewrite cut short leaves only its temporary file


def test_options_and_errors(model, tmp_path, capsys, monkeypatch):
    existing = tmp_path / "exists.csv"
    existing.write_text("keep me\n")
    code, out, err = run_cli(capsys, "listen", "-", "--model", model, "-o", existing)
    assert code == 2 and "already exists" in err and existing.read_text() == "keep me\n"
    code, _, err = run_cli(capsys, "listen", "show.wav", "--raw-rate", "8000", "--model", model)
    assert code == 2 and "SOURCE '-'" in err
    code, _, err = run_cli(capsys, "listen", "-", "--raw-format", "f32le", "--model", model)
    assert code == 2 and "--raw-rate" in err
    code, _, err = run_cli(capsys, "listen", tmp_path / "missing.wav", "--model", model)
    assert code == 2 and "no such file" in err
    (tmp_path / "show.wav").write_bytes(b"")
    monkeypatch.setenv("SPEECHMUSIC_FFMPEG", str(tmp_path / "no-ffmpeg-here"))
    code, _, err = run_cli(capsys, "listen", tmp_path / "show.wav", "--model", model)
    assert code == 2 and "apt-get install ffmpeg" in err and "brew install ffmpeg" in err
    assert len(err.strip().splitlines()) == 1


class FakePortAudio:
    """What the tests need of the ``sounddevice`` module: one input device that plays a signal fast."""

    class default:
        device = (0, 1)

    def __init__(self, y: np.ndarray, rate: int, speed: float = 20.0):
        self.y, self.rate, self.speed = y, rate, speed
        self.opened = []

    def query_devices(self, device=None, kind=None):
        info = {"name": "Fake USB Microphone", "max_input_channels": 1, "default_samplerate": float(self.rate)}
        if device is None and kind is None:
            return [info, {"name": "Fake speaker", "max_input_channels": 0, "default_samplerate": 48000.0}]
        if device not in (None, 0, "Fake", "Fake USB Microphone"):
            raise ValueError(f"No input device matching {device!r}")
        return info

    def check_input_settings(self, device=None, channels=None, samplerate=None, dtype=None):
        if samplerate != self.rate:
            raise ValueError("Invalid sample rate")

    def InputStream(self, *, device, channels, samplerate, dtype, blocksize, callback):
        fake = self
        fake.opened.append({"device": device, "samplerate": samplerate, "channels": channels})

        class Stream:
            def __enter__(self):
                self.stop = threading.Event()

                def play():
                    for i in range(0, fake.y.size, blocksize):
                        if self.stop.is_set():
                            return
                        callback(fake.y[i : i + blocksize, np.newaxis], blocksize, None, None)
                        time.sleep(blocksize / samplerate / fake.speed)

                threading.Thread(target=play, daemon=True).start()
                return self

            def __exit__(self, *exc):
                self.stop.set()

        return Stream()


def test_the_microphone_path_through_the_portaudio_seam(model, programme, tmp_path, capsys, monkeypatch):
    import soxr

    y, truth = programme
    fake = FakePortAudio(soxr.resample(y, SR, 48000).astype(np.float32), 48000)  # the device's own rate
    monkeypatch.setattr(live_sources, "portaudio", lambda: fake)
    code, out, err = run_cli(capsys, "listen", "--list-devices")
    assert code == 0 and "Fake USB Microphone" in out and "(default)" in out and "speaker" not in out
    code, out, err = run_cli(capsys, "listen", "--device", "Fake", "--duration", "20", "--model", model,
                             "-o", tmp_path / "mic.csv")
    assert code == 0, err
    assert fake.opened == [{"device": "Fake", "samplerate": 48000, "channels": 1}]  # resampled to the model's rate
    segments = read_csv_segments(tmp_path / "mic.csv")
    assert [label for _, _, label in segments] == ["speech", "music", "speech"]
    assert segments[-1][1] == pytest.approx(20.0, abs=1e-3)
    assert "microphone 'Fake USB Microphone'" in err
    code, _, err = run_cli(capsys, "listen", "--device", "Nope", "--model", model)
    assert code == 2 and "--list-devices" in err


def test_the_live_loop_keeps_blas_to_one_thread(model, programme, tmp_path, capsys, monkeypatch):
    # A second OpenBLAS thread spins between the small pieces of live work: listen keeps one.
    from speechmusic.apps.listener import Listener

    y, _ = programme
    monkeypatch.setattr(live_sources, "portaudio", lambda: FakePortAudio(y[: 5 * SR].astype(np.float32), SR))
    seen = blas_threads_seen(monkeypatch, Listener, "take")
    with two_blas_threads():
        code, _, err = run_cli(capsys, "listen", "--device", "Fake", "--duration", "4", "--model", model, "--quiet")
        after = blas_threads()
    assert code == 0, err
    assert seen and all(threads == {1} for threads in seen)
    assert after == {2}  # the limit is lifted afterwards: only the live loop runs on one thread


def test_without_the_live_extra_the_microphone_names_what_to_install(model, capsys):
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError):
        pass
    else:
        pytest.skip("sounddevice and PortAudio are installed here")
    code, _, err = run_cli(capsys, "listen", "--model", model, "--duration", "1")
    assert code == 2 and ".[live]" in err and "libportaudio2" in err
