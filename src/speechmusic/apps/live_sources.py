"""Where ``listen`` hears from: a microphone, anything ffmpeg reads, or standard input.

Every source turns its input into consecutive mono float32 blocks at the model's sample rate
(about 0.1 s each) and is read through :meth:`Source.items`, which yields

* ``np.ndarray`` blocks of audio;
* :class:`Lost` when a stream drops (the stretch heard so far ends there);
* :class:`Resumed` when audio comes back after a drop, with the seconds without audio (a gap,
  written as a gap, not as silence);
* ``None`` about ten times a second when nothing arrived, so that the caller can stop promptly
  and refresh what it shows;

and ends when the input ends. A reader thread feeds a bounded queue, so the caller never blocks
in a read: Ctrl-C, SIGTERM and ``--duration`` take effect within a tenth of a second.

* :class:`FfmpegSource`: files, ``http(s)://`` Icecast/Shoutcast streams, HLS playlists, and every
  other input ``ffmpeg`` reads, decoded by an ``ffmpeg`` process to 32-bit float mono at the
  model's rate (resampled with libsoxr when ffmpeg has it, the resampler the package uses for
  files). A network input (a ``scheme://`` other than ``file:``) is a live stream: when it drops
  it is opened again with back-off (0.5 s, 1 s, 2 s ... at most 30 s between attempts); when the
  very first connection gives no audio it is one clear error.
* :class:`StdinSource`: a WAV (or another format libsndfile reads from a pipe) or raw PCM on
  standard input.
* :class:`MicrophoneSource`: a PortAudio input device through the ``sounddevice`` package (the
  optional extra ``speechmusic[live]``); :func:`portaudio` is the seam tests replace.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import soxr

from speechmusic.core.errors import AudioError, ParameterError, SpeechMusicError

#: Seconds of audio per block a source delivers (a live decision waits for at most one block).
BLOCK_SECONDS = 0.1
#: Seconds between heartbeats (``None`` items) when nothing arrives.
POLL_SECONDS = 0.1
#: Back-off between reconnection attempts: first delay, factor, longest delay (seconds).
BACKOFF = (0.5, 2.0, 30.0)
#: What to install when ffmpeg is missing.
FFMPEG_MISSING = ("ffmpeg is not installed, and listen needs it to read files and streams: install it "
                  "(Debian/Ubuntu: sudo apt-get install ffmpeg; macOS with Homebrew: brew install ffmpeg), "
                  "or give '-' and pipe WAV or raw PCM on standard input")
#: Raw PCM sample formats on standard input (``--raw-format``) and libsndfile's names for them.
RAW_FORMATS = {"s16le": "PCM_16", "s24le": "PCM_24", "s32le": "PCM_32", "f32le": "FLOAT", "u8": "PCM_U8"}


@dataclass(frozen=True)
class Lost:
    """The stream dropped (``reason`` says how); what was heard so far ends here."""

    reason: str


@dataclass(frozen=True)
class Resumed:
    """Audio came back after a drop; ``gap`` seconds of the stream were not heard."""

    gap: float


class SourceError(AudioError):
    """A source that gives no audio at all (a stream that never answers, a device that cannot open)."""


class _Mono:
    """Frames ``(n, channels)`` at ``rate`` -> mono float32 at ``target``: channel mean, streaming soxr."""

    def __init__(self, rate: int, target: int):
        self.resampler = None if rate == target else soxr.ResampleStream(rate, target, 1, dtype="float32", quality="HQ")

    def __call__(self, frames: np.ndarray, last: bool = False) -> np.ndarray:
        frames = np.asarray(frames, dtype=np.float32)
        y = frames.mean(axis=1, dtype=np.float32) if frames.ndim == 2 and frames.shape[1] > 1 else frames.reshape(-1)
        y = np.nan_to_num(np.ascontiguousarray(y), nan=0.0, posinf=1.0, neginf=-1.0)
        if self.resampler is not None:
            y = self.resampler.resample_chunk(y, last=last)
        return y.astype(np.float32, copy=False)


class Source:
    """A source of blocks fed by a reader thread (see the module notes)."""

    #: Human-readable name (a path, a URL, "microphone ...", "standard input").
    name = "source"
    #: True when audio arrives at the pace it is played (a microphone, a stream, --realtime).
    realtime = False

    def items(self) -> Iterator:
        raise NotImplementedError

    def close(self) -> None:
        """Stop reading (idempotent)."""


def _pump(read, output: queue.Queue, stop: threading.Event) -> None:
    """Reader thread: put what ``read()`` returns into ``output`` until it returns None or raises."""
    try:
        while not stop.is_set():
            block = read()
            if block is None:
                break
            if block.size:
                output.put(block)
    except Exception as error:  # the consumer reports it
        output.put(error)
    output.put(StopIteration())


# --- ffmpeg -----------------------------------------------------------------------------------------

def find_ffmpeg() -> str:
    """The ffmpeg executable (``$SPEECHMUSIC_FFMPEG`` or on the PATH); a clear error naming the package otherwise."""
    named = os.environ.get("SPEECHMUSIC_FFMPEG")
    found = shutil.which(named or "ffmpeg")
    if not found:
        raise SpeechMusicError(FFMPEG_MISSING)
    return found


def is_network(location: str) -> bool:
    """True for ``scheme://...`` inputs other than ``file:``: live streams, reconnected when they drop.

    Examples
    --------
    >>> is_network("http://radio.example/stream.mp3"), is_network("show.flac"), is_network("file:///tmp/a.wav")
    (True, False, False)
    """
    scheme, sep, _ = location.partition("://")
    return bool(sep) and scheme.isalpha() and scheme.lower() != "file" and len(scheme) > 1


_SOXR_CHECKED: dict[str, bool] = {}


def _has_soxr(ffmpeg: str) -> bool:
    """Whether this ffmpeg was built with libsoxr (asked once per executable)."""
    if ffmpeg not in _SOXR_CHECKED:
        try:
            build = subprocess.run([ffmpeg, "-hide_banner", "-buildconf"], capture_output=True, text=True, timeout=10)
            _SOXR_CHECKED[ffmpeg] = "libsoxr" in build.stdout + build.stderr
        except (OSError, subprocess.SubprocessError):
            _SOXR_CHECKED[ffmpeg] = False
    return _SOXR_CHECKED[ffmpeg]


class FfmpegSource(Source):
    """Audio decoded by an ``ffmpeg`` process: a file, a stream URL, an HLS playlist.

    Parameters
    ----------
    location : str
        What ``ffmpeg -i`` takes: a path or a URL.
    sample_rate : int
        The model's rate.
    realtime : bool
        Read a file at its own pace (``ffmpeg -re``) instead of as fast as it decodes.
    reconnect : bool or None
        Open the input again when it ends or drops (None: for network inputs, see :func:`is_network`).
    timeout : float
        Seconds without audio after which a connection counts as dropped (or, the first time,
        as never answering).
    """

    def __init__(self, location: str, *, sample_rate: int, realtime: bool = False, reconnect: bool | None = None,
                 timeout: float = 10.0):
        if timeout <= 0:
            raise ParameterError(f"timeout must be > 0 seconds, got {timeout}")
        self.location = str(location)
        self.name = self.location
        self.sample_rate = int(sample_rate)
        self.network = is_network(self.location)
        self.reconnect = self.network if reconnect is None else bool(reconnect)
        self.realtime = bool(realtime) or self.network
        self.timeout = float(timeout)
        if not self.network and not os.path.exists(self.location):
            raise AudioError(f"{self.location}: no such file")
        self.ffmpeg = find_ffmpeg()
        self._process: subprocess.Popen | None = None
        self._stop = threading.Event()

    def command(self) -> list[str]:
        """The ffmpeg command line (32-bit float mono at the model's rate on standard output)."""
        command = [self.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error"]
        if self.network:
            command += ["-rw_timeout", str(int(self.timeout * 1e6))]
        if self.realtime and not self.network:
            command += ["-re"]
        command += ["-i", self.location, "-vn", "-ac", "1"]
        if _has_soxr(self.ffmpeg):
            command += ["-af", "aresample=resampler=soxr:precision=20"]
        return command + ["-ar", str(self.sample_rate), "-f", "f32le", "-flush_packets", "1", "pipe:1"]

    def _start(self) -> tuple[subprocess.Popen, queue.Queue, threading.Event]:
        process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        self._process = process
        blocks: queue.Queue = queue.Queue(maxsize=64)
        stop = threading.Event()
        chunk = int(BLOCK_SECONDS * self.sample_rate) * 4
        remainder = bytearray()

        def read():
            data = os.read(process.stdout.fileno(), chunk)
            if not data:
                return None
            remainder.extend(data)
            usable = len(remainder) // 4 * 4
            block = np.frombuffer(bytes(remainder[:usable]), dtype="<f4").astype(np.float32)
            del remainder[:usable]
            return block

        threading.Thread(target=_pump, args=(read, blocks, stop), daemon=True, name="ffmpeg-reader").start()
        return process, blocks, stop

    def _end(self, process: subprocess.Popen, stop: threading.Event) -> str:
        """Stop a process; return the last line it wrote on stderr (why it ended), if any."""
        stop.set()
        if process.poll() is None:
            process.kill()
        try:
            _, err = process.communicate(timeout=5)
        except (subprocess.TimeoutExpired, ValueError, OSError):
            err = b""
        lines = [line.strip() for line in (err or b"").decode("utf-8", "replace").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    # long: one loop follows a connection through its life (first audio, drop, back-off, resume)
    # so that the timing of gaps and the first-connection error are decided in one place.
    def items(self) -> Iterator:
        delay = BACKOFF[0]
        heard_any = False
        lost_since: float | None = None  # monotonic time of the last audio before a drop
        while not self._stop.is_set():
            process, blocks, stop = self._start()
            got_audio = False
            last = time.monotonic()
            reason = ""
            while not self._stop.is_set():
                try:
                    item = blocks.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    if time.monotonic() - last > self.timeout:
                        reason = f"no audio for {self.timeout:g} s"
                        break
                    yield None
                    continue
                if isinstance(item, StopIteration):
                    break
                if isinstance(item, Exception):
                    reason = str(item)
                    break
                if not got_audio:
                    got_audio = True
                    if lost_since is not None:
                        yield Resumed(time.monotonic() - lost_since)
                        lost_since = None
                    delay = BACKOFF[0]
                heard_any = True
                last = time.monotonic()
                yield item
            message = self._end(process, stop) or reason
            if self._stop.is_set():
                return
            returncode = process.returncode
            if not heard_any:
                what = message or (f"ffmpeg exited with status {returncode}" if returncode else "no audio in it")
                raise SourceError(f"{self.location}: no audio ({what})")
            if not self.reconnect:
                if returncode not in (0, None) and message and not got_audio:
                    raise SourceError(f"{self.location}: {message}")
                return
            if got_audio:
                lost_since = last
                yield Lost(message or "the stream ended")
            waited = time.monotonic()
            while time.monotonic() - waited < delay and not self._stop.is_set():
                yield None
                time.sleep(min(POLL_SECONDS, delay))
            delay = min(delay * BACKOFF[1], BACKOFF[2])

    def close(self) -> None:
        self._stop.set()
        if self._process is not None and self._process.poll() is None:
            self._process.kill()


# --- standard input ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RawFormat:
    """Headerless PCM on standard input: sample rate, channels and sample format (a key of :data:`RAW_FORMATS`)."""

    rate: int
    channels: int = 1
    sample_format: str = "s16le"

    def __post_init__(self):
        if self.rate < 1 or self.channels < 1:
            raise ParameterError(f"raw PCM needs a rate >= 1 Hz and >= 1 channel, got {self.rate} Hz, {self.channels}")
        if self.sample_format not in RAW_FORMATS:
            raise ParameterError(f"unknown raw format {self.sample_format!r}; choose one of {', '.join(RAW_FORMATS)}")


class StdinSource(Source):
    """WAV (or any format libsndfile reads from a pipe) or raw PCM (``raw``) from a file descriptor."""

    def __init__(self, fd: int | None = None, *, sample_rate: int, raw: RawFormat | None = None):
        self.fd = sys.stdin.fileno() if fd is None else int(fd)
        self.sample_rate = int(sample_rate)
        self.raw = raw
        self.name = "standard input" + (f" (raw {raw.sample_format}, {raw.rate} Hz, {raw.channels} ch)" if raw else "")
        self._stop = threading.Event()

    def _open(self) -> sf.SoundFile:
        try:
            if self.raw is not None:
                return sf.SoundFile(self.fd, closefd=False, format="RAW", samplerate=self.raw.rate,
                                    channels=self.raw.channels, subtype=RAW_FORMATS[self.raw.sample_format],
                                    endian="FILE" if self.raw.sample_format == "u8" else "LITTLE")
            return sf.SoundFile(self.fd, closefd=False)
        except Exception as error:
            raise SourceError(f"standard input: cannot read audio ({error}); for headerless PCM give --raw-rate HZ "
                              f"(and --raw-channels, --raw-format)") from None

    def items(self) -> Iterator:
        audio = self._open()
        convert = _Mono(audio.samplerate, self.sample_rate)
        frames = max(1, int(BLOCK_SECONDS * audio.samplerate))

        done = [False]

        def read():
            if done[0]:
                return None
            data = audio.read(frames, dtype="float32", always_2d=True)
            done[0] = data.shape[0] < frames  # the end: flush the resampler
            return convert(data, last=done[0])

        yield from _consume(read, self._stop)

    def close(self) -> None:
        self._stop.set()


def _consume(read, stop: threading.Event) -> Iterator:
    """Run ``read`` in a reader thread and yield its blocks (and None while waiting) until it ends."""
    blocks: queue.Queue = queue.Queue(maxsize=64)
    threading.Thread(target=_pump, args=(read, blocks, stop), daemon=True, name="source-reader").start()
    while not stop.is_set():
        try:
            item = blocks.get(timeout=POLL_SECONDS)
        except queue.Empty:
            yield None
            continue
        if isinstance(item, StopIteration):
            return
        if isinstance(item, Exception):
            raise item if isinstance(item, SpeechMusicError) else AudioError(f"cannot read the input: {item}")
        yield item


# --- microphone -------------------------------------------------------------------------------------

PORTAUDIO_MISSING = ("the microphone needs PortAudio and its Python binding, the optional extra 'live': "
                     ".venv/bin/pip install -e '.[live]' (and the PortAudio library: Debian/Ubuntu sudo apt-get "
                     "install libportaudio2; macOS brew install portaudio)")


def portaudio():
    """The ``sounddevice`` module (PortAudio). The seam tests replace: they feed a fake device through it."""
    try:
        import sounddevice  # here: optional (speechmusic[live]) and loads the PortAudio library
    except (ImportError, OSError) as error:
        raise SpeechMusicError(f"{PORTAUDIO_MISSING} ({error})") from None
    return sounddevice


def input_devices() -> list[dict]:
    """The input devices PortAudio sees: ``[{"index", "name", "channels", "rate", "default"}]``."""
    sd = portaudio()
    default = sd.default.device[0] if isinstance(sd.default.device, (list, tuple)) else sd.default.device
    out = []
    for index, device in enumerate(sd.query_devices()):
        if device["max_input_channels"] > 0:
            out.append({"index": index, "name": device["name"], "channels": int(device["max_input_channels"]),
                        "rate": float(device["default_samplerate"]), "default": index == default})
    return out


class MicrophoneSource(Source):
    """An input device through PortAudio (``device``: a name, part of one, or an index; None: the default)."""

    realtime = True

    def __init__(self, device: str | int | None = None, *, sample_rate: int):
        self.sample_rate = int(sample_rate)
        self.device = device
        self._stop = threading.Event()
        self.overflows = 0
        sd = portaudio()
        try:
            info = sd.query_devices(device, "input")
        except Exception as error:
            raise SourceError(f"no input device {device!r} ({error}); 'speechmusic listen --list-devices' "
                              "lists them") from None
        self.name = f"microphone {info['name']!r}"
        self.channels = 1 if int(info["max_input_channels"]) >= 1 else 0
        try:  # the model's rate if the device takes it, else the device's own (then resampled)
            sd.check_input_settings(device=device, channels=1, samplerate=self.sample_rate, dtype="float32")
            self.rate = self.sample_rate
        except Exception:
            self.rate = int(info["default_samplerate"])
        self._sd = sd

    def items(self) -> Iterator:
        blocks: queue.Queue = queue.Queue(maxsize=256)
        convert = _Mono(self.rate, self.sample_rate)

        def callback(indata, frames, time_info, status):
            try:
                blocks.put_nowait(np.array(indata, dtype=np.float32, copy=True))
            except queue.Full:
                self.overflows += 1

        try:
            stream = self._sd.InputStream(device=self.device, channels=1, samplerate=self.rate, dtype="float32",
                                          blocksize=int(BLOCK_SECONDS * self.rate), callback=callback)
        except Exception as error:
            raise SourceError(f"{self.name}: cannot open it ({error})") from None
        with stream:
            while not self._stop.is_set():
                try:
                    frames = blocks.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    yield None
                    continue
                y = convert(frames)
                if y.size:
                    yield y

    def close(self) -> None:
        self._stop.set()
