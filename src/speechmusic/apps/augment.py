"""Harder copies of real recordings: noise, the telephone band, a snippet, speech over a music bed.

Used in two ways, always on signals in memory (mono float32; nothing here reads or writes files):

* to **measure**: the degraded test conditions of leave-one-source-out (:data:`TEST_CONDITIONS`:
  pink noise at 10 dB SNR, an 8-kHz mu-law telephone line, the middle second alone), the same ones
  benchmark 7 writes to disk (``benchmarks/bench_loso.py`` calls :func:`degrade`);
* to **train** the shipped default model (:mod:`speechmusic.apps.default_model`): speech laid over
  music at -5 to -20 dB, labelled speech (the broadcast convention: a voice over a music bed is
  speech), and, when measured useful, noisy and telephone copies whose noise *differs* from the
  test conditions' (white and brown noise at random SNR, not pink at 10 dB), so that a gain on the
  test conditions is not a gain on the exact noise it is tested with.

Levels are measured on the *active* part of a signal (:func:`active_rms`): a speech clip's pauses
and a file's digital silence would otherwise make it look quieter than it sounds.
"""

from __future__ import annotations

import io
import zlib

import numpy as np
import soundfile as sf

from speechmusic.core.audio import resample
from speechmusic.core.errors import ParameterError

#: Degraded test conditions of leave-one-source-out, in report order ("clean" = as it is).
TEST_CONDITIONS = ("clean", "noisy", "telephone", "snippet")
#: Pink noise of the "noisy" test condition, dB below the clip's power.
TEST_NOISE_SNR_DB = 10.0
#: The telephone line: sample rate and pass band (Hz).
TELEPHONE_RATE, TELEPHONE_BAND = 8000, (300.0, 3400.0)
#: Length of the "snippet" test condition (the middle of the clip), seconds.
SNIPPET_SECONDS = 1.0
#: Frames (50 ms) quieter than this below the loudest frame do not count as active.
ACTIVE_FLOOR_DB = 40.0


def seed_of(key: str) -> int:
    """A stable 32-bit seed from a text key (a clip id): the same on every machine and run.

    Examples
    --------
    >>> seed_of("voices-musi-beh") == seed_of("voices-musi-beh") != seed_of("voices-none-clo")
    True
    """
    return zlib.crc32(key.encode("utf-8"))


def coloured_noise(n: int, rng: np.random.Generator, *, exponent: float = 1.0) -> np.ndarray:
    """Gaussian noise whose power falls as ``1 / f**exponent``: 0 white, 1 pink, 2 brown (float64).

    Examples
    --------
    >>> noise = coloured_noise(22050, np.random.default_rng(0), exponent=1.0)
    >>> noise.shape, bool(abs(noise.mean()) < 1e-9)
    ((22050,), True)
    """
    if n <= 0:
        return np.zeros(0)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    if exponent:
        spectrum[1:] /= np.arange(1, spectrum.size) ** (exponent / 2)
    spectrum[0] = 0.0
    return np.fft.irfft(spectrum, n=n)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Noise whose power falls as 1/f (equal energy per octave, like much room and street noise)."""
    return coloured_noise(n, rng, exponent=1.0)


def add_noise(y: np.ndarray, snr_db: float, rng: np.random.Generator, *, exponent: float = 1.0) -> np.ndarray:
    """``y`` plus coloured noise ``snr_db`` below its mean power, scaled down only if it would clip.

    The signal's power is its mean square over the whole clip (as benchmark 7 has always measured it).
    """
    y = np.asarray(y, dtype=np.float64)
    noise = coloured_noise(y.size, rng, exponent=exponent)
    power = float(np.mean(y**2)) if y.size else 0.0
    noise *= np.sqrt(power / max(float(np.mean(noise**2)), 1e-30)) * 10 ** (-snr_db / 20)
    z = (y + noise).astype(np.float32)
    return z / max(1.0, float(np.abs(z).max()) if z.size else 1.0)


def telephone(y: np.ndarray, sample_rate: int, *, band: tuple[float, float] = TELEPHONE_BAND) -> tuple[np.ndarray, int]:
    """A telephone version of a mono signal: resampled to 8 kHz, band-passed. Returns ``(signal, 8000)``."""
    import scipy.signal  # here: slow to import, and the command line imports this module for build-model

    narrow = resample(np.asarray(y, dtype=np.float32), orig_sr=sample_rate, target_sr=TELEPHONE_RATE)
    sos = scipy.signal.butter(4, band, btype="bandpass", fs=TELEPHONE_RATE, output="sos")
    return scipy.signal.sosfilt(sos, narrow).astype(np.float32), TELEPHONE_RATE


def _through_wav(y: np.ndarray, sample_rate: int, subtype: str) -> np.ndarray:
    """``y`` written as a WAV of ``subtype`` and read back (the coding a file of that kind applies)."""
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(y, -1.0, 1.0), sample_rate, subtype=subtype, format="WAV")
    buffer.seek(0)
    data, _ = sf.read(buffer, dtype="float32")
    return data


def degrade(y: np.ndarray, sample_rate: int, condition: str, *, key: str) -> tuple[np.ndarray, int, str]:
    """A test-condition copy of a clip: ``(signal, its sample rate, the WAV subtype to store it in)``.

    Parameters
    ----------
    y : np.ndarray
        Mono signal at ``sample_rate``.
    condition : {"noisy", "telephone", "snippet"}
        noisy: pink noise at :data:`TEST_NOISE_SNR_DB` dB SNR, seeded by ``key``; telephone:
        :func:`telephone` (the signal is 8-kHz band-limited; stored as 8-bit mu-law); snippet: the
        middle :data:`SNIPPET_SECONDS` (zero-padded to one window by whoever classifies it).
    key : str
        Seeds the noise (the clip id), so that a copy is the same wherever it is made.

    Returns
    -------
    signal : np.ndarray
        float32, as written to a file of ``subtype`` and read back (16-bit or mu-law coding applied),
        so a copy made in memory equals one written to disk and decoded.
    sample_rate : int
    subtype : str
        ``"PCM_16"`` or ``"ULAW"``.
    """
    y = np.asarray(y, dtype=np.float32)
    if condition == "noisy":
        z = add_noise(y, TEST_NOISE_SNR_DB, np.random.default_rng(seed_of(key)))
        sr, subtype = sample_rate, "PCM_16"
    elif condition == "telephone":
        z, sr = telephone(y, sample_rate)
        subtype = "ULAW"
    elif condition == "snippet":
        half = int(SNIPPET_SECONDS * sample_rate) // 2
        z, sr, subtype = y[max(0, y.size // 2 - half): y.size // 2 + half], sample_rate, "PCM_16"
    else:
        raise ParameterError(f"unknown condition {condition!r}; choose one of {', '.join(TEST_CONDITIONS[1:])}")
    return _through_wav(z, sr, subtype), sr, subtype


def active_rms(y: np.ndarray, sample_rate: int, *, floor_db: float = ACTIVE_FLOOR_DB) -> float:
    """Root mean square of the active 50-ms frames of ``y`` (those within ``floor_db`` of the loudest).

    Pauses between words and digital silence are left out, so a talk and a song that sound equally
    loud measure about equally loud. 0 for a silent signal.

    Examples
    --------
    >>> sr = 1000
    >>> tone = np.sin(2 * np.pi * 50 * np.arange(sr) / sr)
    >>> round(active_rms(tone, sr), 3), round(active_rms(np.concatenate([tone, np.zeros(3 * sr)]), sr), 3)
    (0.707, 0.707)
    """
    y = np.asarray(y, dtype=np.float64)
    frame = max(1, int(0.05 * sample_rate))
    n = y.size // frame
    if n == 0:
        return float(np.sqrt(np.mean(y**2))) if y.size else 0.0
    power = np.mean(y[: n * frame].reshape(n, frame) ** 2, axis=1)
    loudest = float(power.max())
    if loudest <= 0:
        return 0.0
    active = power >= loudest * 10 ** (-floor_db / 10)
    return float(np.sqrt(power[active].mean()))


def loop_to_length(y: np.ndarray, n: int, *, start: int = 0) -> np.ndarray:
    """``n`` samples of ``y`` from ``start``, wrapping around to its beginning as often as needed.

    Examples
    --------
    >>> loop_to_length(np.arange(4.0), 6, start=1).tolist()
    [1.0, 2.0, 3.0, 0.0, 1.0, 2.0]
    """
    y = np.asarray(y)
    if y.size == 0:
        raise ParameterError("cannot loop an empty signal")
    index = (start + np.arange(n)) % y.size
    return y[index]


def speech_over_music(speech: np.ndarray, music: np.ndarray, level_db: float, sample_rate: int) -> np.ndarray:
    """Speech with a music bed under it, the music's active level ``level_db`` relative to the speech's.

    ``level_db`` -10 means the music is 10 dB quieter than the voice (a typical bed under a radio
    presenter; -5 is a loud bed, -20 a faint one). The two signals must have the same length. The
    mix is scaled down only if it would clip.

    Examples
    --------
    >>> sr = 8000
    >>> voice = 0.5 * np.sin(2 * np.pi * 200 * np.arange(sr) / sr)
    >>> bed = 0.9 * np.sin(2 * np.pi * 440 * np.arange(sr) / sr)
    >>> mix = speech_over_music(voice, bed, -20.0, sr)
    >>> round(float(20 * np.log10(active_rms(mix - voice, sr) / active_rms(voice, sr))), 1)
    -20.0
    """
    speech = np.asarray(speech, dtype=np.float64)
    music = np.asarray(music, dtype=np.float64)
    if speech.shape != music.shape:
        raise ParameterError(f"speech and music must have the same length, got {speech.size} and {music.size}")
    voice, bed = active_rms(speech, sample_rate), active_rms(music, sample_rate)
    gain = 0.0 if bed == 0 else voice / bed * 10 ** (level_db / 20)
    mix = speech + gain * music
    peak = float(np.abs(mix).max()) if mix.size else 0.0
    return (mix / max(1.0, peak)).astype(np.float32)
