"""A miniature real-world set for tests: generated originals in the formats the real one has, and
its list in the packaged format (checksums computed here).

Originals: WAV (16-bit, 8-bit unsigned at 8 kHz, 32-bit float), FLAC (24-bit stereo at 48 kHz),
Ogg Vorbis (stereo, two clips cut from one file) and MP3; one path holds spaces, ``#``, ``%`` and
parentheses (all must be URL-encoded); two repositories share an owner (they must share a split).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from sources.archive_server import melody, voice
from speechmusic.data.sources.real_world import FIELDS


@dataclass(frozen=True)
class Original:
    repo: str
    path: str
    data: bytes

    @property
    def commit(self) -> str:
        return hashlib.sha1(self.repo.encode()).hexdigest()  # a fixed 40-hex "commit" per repository

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _encode(y: np.ndarray, sr: int, fmt: str, subtype: str) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, y, sr, format=fmt, subtype=subtype)
    return buffer.getvalue()


def _stereo(y: np.ndarray) -> np.ndarray:
    return np.stack([y, 0.8 * y], axis=1)


def originals() -> dict[str, Original]:
    """name -> original file (deterministic)."""
    return {
        "talk": Original("alpha/speech-samples", "audio/talk.wav",
                         _encode(voice(7.0, 16000, seed=1), 16000, "WAV", "PCM_16")),
        "interview": Original("alpha/more-speech", "clips/interview.wav",
                              _encode(voice(8.0, 16000, seed=2, lead_silence=0.1), 16000, "WAV", "PCM_16")),
        "call": Original("beta/call-centre", "calls/call 1.wav",
                         _encode(voice(12.0, 8000, seed=3, lead_silence=0.0), 8000, "WAV", "PCM_U8")),
        "reading": Original("gamma/voices", "data/read aloud #1 (50%).flac",
                            _encode(_stereo(voice(10.0, 48000, seed=4, lead_silence=0.2)), 48000, "FLAC", "PCM_24")),
        "theme": Original("delta/game", "music/Main Theme.ogg",
                          _encode(_stereo(melody(20.0, 44100, seed=5)), 44100, "OGG", "VORBIS")),
        "song": Original("epsilon/songs", "song.mp3",
                         _encode(melody(12.0, 22050, seed=6), 22050, "MP3", "MPEG_LAYER_III")),
        "loop": Original("zeta/loops", "loops/drum-loop.wav",
                         _encode(melody(7.0, 32000, seed=7), 32000, "WAV", "FLOAT")),
    }


#: (id, label, original, start_s, duration_s, licence, attribution)
CLIPS = (
    ("talk-whole", "speech", "talk", 0.0, 7.0, "CC0 (README.md)", "Alpha speech samples, talk.wav"),
    ("interview", "speech", "interview", 1.0, 6.0, "MIT (repository LICENSE)", "Alpha, interview.wav"),
    ("call-centre", "speech", "call", 2.0, 8.0, "Apache-2.0 (repository LICENSE)", "Beta call centre, call 1.wav"),
    ("reading", "speech", "reading", 1.0, 8.0, "CC BY 4.0 (CREDITS.md)", "Gamma voices, reader Ann Example"),
    ("theme-a", "music", "theme", 3.0, 7.0, "CC BY-SA 4.0 (ATTRIBUTIONS.md)", "Delta game, Main Theme by Bo Composer"),
    ("theme-b", "music", "theme", 12.0, 6.5, "CC BY-SA 4.0 (ATTRIBUTIONS.md)", "Delta game, Main Theme by Bo Composer"),
    ("song", "music", "song", 0.0, 9.0, "CC BY 3.0 (LICENSE.md)", "Epsilon songs, song.mp3 by Cy Singer"),
    ("loop", "music", "loop", 0.0, 7.0, "CC BY (version not given)", "Zeta loops, drum-loop.wav"),
)


def write_manifest(path: Path, files: dict[str, Original], clips=CLIPS, *, wrong_sha: str | None = None) -> Path:
    """The list in the packaged format (``wrong_sha``: the id whose checksum is deliberately wrong)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for clip_id, label, name, start, duration, licence, attribution in clips:
            original = files[name]
            sha = original.sha256 if clip_id != wrong_sha else "0" * 64
            writer.writerow(dict(id=clip_id, label=label, category="test", language="en" if label == "speech" else "",
                                 recording=name, repo=original.repo, commit=original.commit, path=original.path,
                                 source_sha256=sha, start_s=start, duration_s=duration, licence=licence,
                                 attribution=attribution))
    return path


def serve(server, files: dict[str, Original], *, skip: tuple[str, ...] = ()) -> None:
    """Put the originals on a local server in raw.githubusercontent.com's layout."""
    for name, original in files.items():
        if name not in skip:
            server.add_raw(original.repo, original.commit, original.path, original.data)
