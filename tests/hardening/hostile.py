"""Builders of hostile inputs shared by the hardening tests."""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050


def wav_bytes(y: np.ndarray, sr: int = SR, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, y, sr, subtype=subtype, format="WAV")
    return buffer.getvalue()


def reference_signal(seconds: float = 1.0, sr: int = SR) -> np.ndarray:
    t = np.arange(int(round(seconds * sr))) / sr
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def _patched(data: bytes, offset: int, new: bytes) -> bytes:
    out = bytearray(data)
    out[offset : offset + len(new)] = new
    return bytes(out)


def _good() -> bytes:
    # 16-bit mono WAV with the canonical 44-byte header: fmt fields at fixed offsets.
    data = wav_bytes(reference_signal())
    assert data[36:40] == b"data", "soundfile no longer writes a canonical header"
    return data


def unreadable_files() -> dict[str, bytes]:
    """Byte strings no decoder should accept, by a descriptive name."""
    good = _good()
    return {
        "zero-length": b"",
        "text named .wav": b"These are my notes, not audio.\n" * 20,
        "random bytes": np.random.default_rng(0).bytes(6000),
        "all zero bytes": bytes(6000),
        "bad RIFF magic": _patched(good, 0, b"XXXX"),
        "bad WAVE magic": _patched(good, 8, b"ABCD"),
        "unknown format tag": _patched(good, 20, struct.pack("<H", 0x1234)),
        "zero channels": _patched(good, 22, struct.pack("<H", 0)),
        "zero sample rate": _patched(good, 24, struct.pack("<I", 0)),
        "zero bits per sample": _patched(good, 34, struct.pack("<H", 0)),
        "header cut short": good[:30],
        "header without samples": good[:44],
        "RIFF header only": b"RIFF\x00\x00\x00\x00WAVE",
        "html error page": b"<!DOCTYPE html><html><body>404 Not Found</body></html>",
    }


def damaged_but_readable() -> dict[str, tuple[bytes, int]]:
    """Damaged files that still hold samples: (bytes, number of intact samples at the start)."""
    good = _good()
    n = (len(good) - 44) // 2
    return {
        "data size larger than the file": (_patched(good, 40, struct.pack("<I", 0xFFFFFFF0)), n),
        "RIFF size too small": (_patched(good, 4, struct.pack("<I", 10)), n),
        "truncated in the samples": (good[:1000], (1000 - 44) // 2),
        "truncated mid-sample": (good[:1001], (1000 - 44) // 2),
    }


def snapshot(folder: Path) -> dict[str, str]:
    """Digest of every file under ``folder`` (to prove sources were not touched)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def check_features(S: np.ndarray) -> None:
    """The lab's contract for one clip's features."""
    assert S.shape == (128, 130)
    assert np.isfinite(S).all()
    assert S.min() >= 0.0 and S.max() <= 1.0
