"""Test helpers: tiny archives in each source's real layout, and a local HTTP server to serve them
(archives under their names, single repository files in raw.githubusercontent.com's layout).

Nothing here touches the internet: the server listens on 127.0.0.1 on a port the system picks,
and every test passes its address explicitly (``--url`` / ``--mirror`` / ``urls=``).
"""

from __future__ import annotations

import io
import re
import socket
import tarfile
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import soundfile as sf

# --- audio ------------------------------------------------------------------------------------


def voice(seconds: float, sr: int, seed: int, lead_silence: float = 0.4) -> np.ndarray:
    """A speech-like test signal: noise bursts at syllable rate over a buzz, after some silence."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    t = np.arange(n) / sr
    f0 = 110 + 40 * rng.random()
    buzz = np.sign(np.sin(2 * np.pi * f0 * t)) * 0.2 + 0.05 * rng.standard_normal(n)
    syllables = 0.5 * (1 + np.sin(2 * np.pi * 4.0 * t + rng.random() * 6)) ** 2
    y = (buzz * syllables).astype(np.float32) * 0.5
    y[: int(lead_silence * sr)] = 0.0
    return y


def melody(seconds: float, sr: int, seed: int) -> np.ndarray:
    """A music-like test signal: a few harmonic notes in sequence."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    y = np.zeros(n, dtype=np.float32)
    step = int(0.25 * sr)
    for start in range(0, n, step):
        freq = 220 * 2 ** (rng.integers(0, 12) / 12)
        t = np.arange(min(step, n - start)) / sr
        note = sum(np.sin(2 * np.pi * freq * k * t) / k for k in (1, 2, 3))
        y[start : start + t.size] = 0.2 * note * np.exp(-3 * t)
    return y


def encode(y: np.ndarray, sr: int, fmt: str) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, y, sr, format=fmt, subtype="PCM_16")
    return buffer.getvalue()


# --- archives in the real layouts -------------------------------------------------------------


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def librispeech_tar(
    subset: str = "dev-clean",
    speakers: tuple[int, ...] = (84, 174, 251, 422, 652, 777, 1272, 1462),
    utterances: int = 3,
    seconds: float = 3.6,
) -> bytes:
    """``LibriSpeech/<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<utt>.flac`` + transcripts + docs."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        _add_dir(tar, "LibriSpeech")
        for doc in ("README.TXT", "LICENSE.TXT", "SPEAKERS.TXT", "CHAPTERS.TXT", "BOOKS.TXT"):
            _add_bytes(tar, f"LibriSpeech/{doc}", f"{doc} of the test archive\n".encode())
        _add_dir(tar, f"LibriSpeech/{subset}")
        for speaker in speakers:
            chapter = 1000 + speaker
            folder = f"LibriSpeech/{subset}/{speaker}/{chapter}"
            _add_dir(tar, f"LibriSpeech/{subset}/{speaker}")
            _add_dir(tar, folder)
            lines = []
            for u in range(utterances):
                stem = f"{speaker}-{chapter}-{u:04d}"
                _add_bytes(tar, f"{folder}/{stem}.flac", encode(voice(seconds, 16000, seed=speaker * 100 + u), 16000, "FLAC"))
                lines.append(f"{stem} SOME WORDS")
            _add_bytes(tar, f"{folder}/{speaker}-{chapter}.trans.txt", ("\n".join(lines) + "\n").encode())
    return out.getvalue()


def gtzan_tar(n_per_class: int = 6, seconds: float = 6.5) -> bytes:
    """``music_speech/{music,speech}_wav/<name>.wav`` at 22050 Hz."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        _add_dir(tar, "music_speech")
        for label in ("music", "speech"):
            _add_dir(tar, f"music_speech/{label}_wav")
            for i in range(n_per_class):
                y = melody(seconds, 22050, seed=i) if label == "music" else voice(seconds, 22050, seed=50 + i, lead_silence=0.0)
                _add_bytes(tar, f"music_speech/{label}_wav/{label}{i:02d}.wav", encode(y, 22050, "WAV"))
    return out.getvalue()


def gtzan_zip(n_per_class: int = 4, seconds: float = 6.5) -> bytes:
    """The Kaggle-style zip: ``music_wav/`` and ``speech_wav/`` at the top level."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for label in ("music", "speech"):
            for i in range(n_per_class):
                y = melody(seconds, 22050, seed=i) if label == "music" else voice(seconds, 22050, seed=50 + i, lead_silence=0.0)
                zf.writestr(f"{label}_wav/{label}{i:02d}.wav", encode(y, 22050, "WAV"))
    return out.getvalue()


def musan_tar(n_tracks: int = 8, seconds: float = 6.5) -> bytes:
    """``musan/music/<collection>/music-<collection>-NNNN.wav`` (16 kHz) next to speech and noise."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        _add_dir(tar, "musan")
        _add_bytes(tar, "musan/README", b"MUSAN test archive\n")
        _add_bytes(tar, "musan/speech/librivox/speech-librivox-0000.wav", encode(voice(3.5, 16000, 1), 16000, "WAV"))
        _add_bytes(tar, "musan/noise/free-sound/noise-free-sound-0000.wav",
                   encode(0.1 * np.random.default_rng(0).standard_normal(16000 * 2).astype(np.float32), 16000, "WAV"))
        for collection, count in (("fma", n_tracks // 2), ("jamendo", n_tracks - n_tracks // 2)):
            folder = f"musan/music/{collection}"
            # The licence list first, the annotations last (after the tracks).
            licences = "\n=============\n".join(
                f"music-{collection}-{i:04d}\nCC BY 4.0 test licence {i}\nhttps://example.invalid/{i}"
                for i in range(count) if i != 1  # track 1 has no entry
            )
            _add_bytes(tar, f"{folder}/LICENSE", licences.encode())
            for i in range(count):
                _add_bytes(tar, f"{folder}/music-{collection}-{i:04d}.wav", encode(melody(seconds, 16000, 10 + i), 16000, "WAV"))
            notes = "".join(f"music-{collection}-{i:04d} pop N Artist_{collection}_{i}\n" for i in range(count))
            _add_bytes(tar, f"{folder}/ANNOTATIONS", notes.encode())
    return out.getvalue()


def hostile_tar(kind: str, *, valid_prefix: bytes | None = None) -> bytes:
    """A LibriSpeech-looking tar.gz with one hostile member of ``kind`` after a few good ones.

    kinds: traversal, absolute, symlink, hardlink, device, fifo, oversized.
    """
    good = encode(voice(3.6, 16000, 7), 16000, "FLAC")
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for u in range(2):
            _add_bytes(tar, f"LibriSpeech/dev-clean/84/1084/84-1084-{u:04d}.flac", good)
        evil = tarfile.TarInfo("LibriSpeech/dev-clean/85/1085/85-1085-0000.flac")
        if kind == "traversal":
            evil.name = "LibriSpeech/dev-clean/../../../evil/85-1085-0000.flac"
            evil.size = len(good)
            tar.addfile(evil, io.BytesIO(good))
        elif kind == "absolute":
            evil.name = "/tmp/speechmusic-evil/85-1085-0000.flac"
            evil.size = len(good)
            tar.addfile(evil, io.BytesIO(good))
        elif kind == "symlink":
            evil.type = tarfile.SYMTYPE
            evil.linkname = "/etc/passwd"
            tar.addfile(evil)
        elif kind == "hardlink":
            evil.type = tarfile.LNKTYPE
            evil.linkname = "../../../../etc/passwd"
            tar.addfile(evil)
        elif kind == "device":
            evil.type = tarfile.CHRTYPE
            evil.devmajor, evil.devminor = 1, 3
            tar.addfile(evil)
        elif kind == "fifo":
            evil.type = tarfile.FIFOTYPE
            tar.addfile(evil)
        elif kind == "oversized":
            # A header that declares 600 MiB; the data never follows (the check happens first).
            evil.size = 600 * 2**20
            tar.fileobj.write(evil.tobuf(tar.format, tar.encoding, tar.errors))
        else:  # pragma: no cover - test bug
            raise ValueError(kind)
        if kind == "oversized":
            tar.closed = True  # skip writing the end-of-archive blocks after a partial member
            tar.fileobj.close()
    return out.getvalue()


def zip_with(names_and_data: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in names_and_data:
            zf.writestr(name, data)
    return out.getvalue()


# --- HTTP server ------------------------------------------------------------------------------


@dataclass
class ServerState:
    files: dict = field(default_factory=dict)  # path -> bytes
    range_support: bool = True
    drop_after: dict = field(default_factory=dict)  # path -> bytes sent before the connection drops
    drops_left: dict = field(default_factory=dict)  # path -> how many more requests drop
    status: dict = field(default_factory=dict)  # path -> list of statuses to answer first (e.g. [503])
    requests: list = field(default_factory=list)  # (method, path (decoded), Range header)
    raw_paths: list = field(default_factory=list)  # request paths as sent (percent-encoded)
    chunked: bool = False  # answer with Transfer-Encoding: chunked (no Content-Length)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: ServerState

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        state = self.server.state
        raw_path = self.path.split("?", 1)[0]
        state.raw_paths.append(raw_path)
        path = unquote(raw_path)  # like a real server: /a%20b.ogg names the file "a b.ogg"
        range_header = self.headers.get("Range")
        state.requests.append(("GET", path, range_header))
        queued = state.status.get(path)
        if queued:
            code = queued.pop(0)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = state.files.get(path)
        if data is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = 0
        match = re.match(r"bytes=(\d+)-$", range_header or "")
        if match and state.range_support:
            start = int(match.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "application/octet-stream")
        if state.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 65536):
                piece = body[i : i + 65536]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes" if state.range_support else "none")
        self.end_headers()
        if state.drops_left.get(path, 0) > 0:
            state.drops_left[path] -= 1
            cut = max(0, state.drop_after[path] - start)
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading early (a stream that had enough)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that hang up early (streams stop once they have enough) are expected


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 serving :attr:`state.files`."""

    def __init__(self):
        self.state = ServerState()
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + "/" + path.lstrip("/")

    def add(self, path: str, data: bytes) -> str:
        self.state.files["/" + path.lstrip("/")] = data
        return self.url(path)

    def add_raw(self, repo: str, commit: str, path: str, data: bytes) -> str:
        """Serve ``data`` where raw.githubusercontent.com serves a repository file: ``/<repo>/<commit>/<path>``."""
        return self.add(f"{repo}/{commit}/{path}", data)

    def drop(self, path: str, after: int, times: int = 1) -> None:
        self.state.drop_after["/" + path.lstrip("/")] = after
        self.state.drops_left["/" + path.lstrip("/")] = times

    def gets(self, path: str) -> list:
        return [r for r in self.state.requests if r[1] == "/" + path.lstrip("/")]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port_url(name: str = "dev-clean.tar.gz") -> str:
    """An address on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


def clips_under(data_dir: Path) -> list[Path]:
    """Every clip in the dataset layout (the cache does not count)."""
    return sorted(p for split in ("train", "test") for p in (Path(data_dir) / split).rglob("*.wav"))


# --- a guard: tests may only talk to 127.0.0.1 -------------------------------------------------

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def forbid_internet(monkeypatch) -> None:
    """Make any connection or name lookup beyond this machine fail loudly inside the test."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in LOCAL_HOSTS and not host.startswith("/"):
            raise AssertionError(f"test tried to reach {address!r}: only 127.0.0.1 is allowed")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOCAL_HOSTS and host is not None:
            raise AssertionError(f"test tried to resolve {host!r}: only 127.0.0.1 is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
