"""What happens to a sound between the source and the file: rooms, background noise, channels.

The synthetic generator (:mod:`speechmusic.data.synth`) renders dry speech and music, then passes every
clip through :func:`recording_chain`, which draws a recording situation from a
:class:`ChainSettings` (one per class) and applies these effects, each of which is also usable on
its own:

* :func:`room_impulse_response` / :func:`reverberate`: a room with a given reverberation time
  (RT60) and direct-to-reverberant ratio (close microphone to far field);
* :func:`background_noise`: hiss (white to brown), mains hum with a fan, street-like traffic
  rumble, babble (several talkers) and a cafe (babble and clatter), mixed at an exact
  signal-to-noise ratio by :func:`mix_at_snr`;
* :func:`telephone`: 8 kHz narrowband (300-3400 Hz) through a telephone codec (G.711 mu-law or
  A-law, GSM 06.10, G.721 ADPCM);
* :func:`lossy_codec`: mp3, Ogg Vorbis or Opus at a modest to low bit rate;
* :func:`codec_roundtrip`: the real codecs behind both, encoded and decoded in memory by
  libsndfile (through soundfile, already a dependency), with their delay removed;
* :func:`bandlimit`: the steep cut-off of a resampled recording (8 kHz content in 16-kHz files).

All functions are pure: numpy in, numpy out, randomness only from the ``rng`` they are given, so
the same generator state gives the same result.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from math import gcd

import numpy as np
import soundfile as sf

from speechmusic.core.errors import ParameterError

# scipy.signal is imported inside the functions that use it: it takes ~0.5 s to import, and the
# command line and the notebook kernels import this package without synthesising anything.

#: Kinds of background noise :func:`background_noise` makes.
NOISE_KINDS = ("hiss", "hum", "street", "babble", "cafe")
#: Codecs :func:`telephone` applies (real codecs, through soundfile/libsndfile).
TELEPHONE_CODECS = ("none", "ulaw", "alaw", "gsm", "g721")
#: Sample rate of the telephone network.
TELEPHONE_RATE = 8000


# --------------------------------------------------------------------------------------------
# Small signal helpers (shared with the generator)
# --------------------------------------------------------------------------------------------


def rms(y: np.ndarray) -> float:
    """Root mean square of ``y`` (0 for an empty array)."""
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if np.size(y) else 0.0


def colored_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Noise with power spectrum ~ 1/f**exponent (0 white, 1 pink, 2 brown), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spectrum.size, dtype=float)
    f[0] = 1.0
    spectrum *= f ** (-exponent / 2.0)
    spectrum[0] = 0.0
    y = np.fft.irfft(spectrum, n)
    return y / (np.sqrt(np.mean(y**2)) + 1e-12)


def bandpass_noise(rng: np.random.Generator, n: int, low: float, high: float, sr: int, order: int = 2) -> np.ndarray:
    """White noise through a Butterworth band-pass (``high`` at or above Nyquist means high-pass)."""
    import scipy.signal
    noise = rng.standard_normal(n + 256)  # a short run-in so the filter starts settled
    nyquist = sr / 2
    high = min(high, 0.97 * nyquist)
    low = min(low, 0.9 * nyquist)  # bands above a low sample rate's Nyquist: the top that is left
    if 0 < low >= high:  # a band squeezed shut by a low sample rate: the octave below its top
        low = 0.5 * high
    if low <= 0:
        sos = scipy.signal.butter(order, high, "lowpass", fs=sr, output="sos")
    elif high >= 0.96 * nyquist:
        sos = scipy.signal.butter(order, low, "highpass", fs=sr, output="sos")
    else:
        sos = scipy.signal.butter(order, [low, high], "bandpass", fs=sr, output="sos")
    return scipy.signal.sosfilt(sos, noise)[256:]


def _unit(y: np.ndarray) -> np.ndarray:
    return y / (rms(y) + 1e-12)


# --------------------------------------------------------------------------------------------
# Rooms
# --------------------------------------------------------------------------------------------


def room_impulse_response(rng: np.random.Generator, sr: int, *, rt60: float, drr_db: float) -> np.ndarray:
    """Impulse response of a room: a direct path and a decaying noise tail.

    The tail is noise whose energy falls by 60 dB in ``rt60`` seconds (its high frequencies die
    twice as fast, as air and soft walls absorb them), after a short pre-delay, scaled so that
    the direct sound has ``drr_db`` dB more energy than everything after it: about +10 dB for a
    close microphone, 0 dB at the critical distance, negative in the far field.

    Parameters
    ----------
    rng : numpy.random.Generator
    sr : int
        Sample rate (Hz).
    rt60 : float
        Reverberation time in seconds (0.05 to 5).
    drr_db : float
        Direct-to-reverberant energy ratio in dB.

    Returns
    -------
    np.ndarray
        The impulse response, its direct path (value 1) at index 0.
    """
    return _impulse_response(rng, sr, rt60, 1.0 / (1.0 + 10 ** (drr_db / 10)))


def _impulse_response(rng: np.random.Generator, sr: int, rt60: float, wet: float) -> np.ndarray:
    """:func:`room_impulse_response` with the tail's share ``wet`` of the energy (DRR = (1 - wet) / wet)."""
    import scipy.signal
    if not 0.05 <= rt60 <= 5.0:
        raise ParameterError(f"rt60 must be between 0.05 and 5 seconds, got {rt60}")
    length = int(min(rt60, 2.5) * sr)
    t = np.arange(length) / sr
    tail = rng.standard_normal(length) * np.exp(-6.91 * t / rt60)
    # Darken the tail: split it into a low and a high part, the high part decaying twice as fast.
    sos = scipy.signal.butter(1, min(rng.uniform(2000, 5000), 0.45 * sr), "lowpass", fs=sr, output="sos")
    low = scipy.signal.sosfilt(sos, tail)
    tail = low + (tail - low) * np.exp(-6.91 * t / (0.5 * rt60))
    predelay = int(rng.uniform(0.002, 0.02) * sr)
    tail = np.concatenate([np.zeros(predelay), tail])
    tail *= np.sqrt(wet / (1.0 - wet + 1e-9)) / (np.sqrt(np.sum(tail**2)) + 1e-12)
    tail[0] += 1.0
    return tail


def reverberate(y: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """``y`` played in the room of impulse response ``ir`` (same length as ``y``: the tail is cut)."""
    import scipy.signal
    return scipy.signal.fftconvolve(np.asarray(y, dtype=np.float64), ir)[: np.size(y)]


# --------------------------------------------------------------------------------------------
# Background noise
# --------------------------------------------------------------------------------------------


def mix_at_snr(signal: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``signal + g * noise`` with ``g`` chosen so that signal power / noise power = ``snr_db``.

    Powers are mean squares over the whole clip (pauses included).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> s, n = rng.standard_normal(1000), rng.standard_normal(1000)
    >>> mixed = mix_at_snr(s, n, 10.0)
    >>> round(float(10 * np.log10(np.mean(s**2) / np.mean((mixed - s) ** 2))), 6)
    10.0
    """
    signal = np.asarray(signal, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    if signal.shape != noise.shape:
        raise ParameterError(f"signal and noise must have the same shape, got {signal.shape} and {noise.shape}")
    level = rms(signal)
    if level == 0 or rms(noise) == 0:
        return signal + 0.0
    return signal + noise * (level / rms(noise)) * 10 ** (-snr_db / 20)


def _hum(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Mains hum (50 or 60 Hz and its harmonics, sometimes buzzy) over a ventilation fan."""
    t = np.arange(n) / sr
    mains = rng.choice([50.0, 60.0])
    slope = rng.uniform(0.5, 2.0)  # buzz (rectified mains) keeps its upper harmonics
    hum = sum(np.sin(2 * np.pi * mains * h * t + rng.uniform(0, 2 * np.pi)) * h ** (-slope)
              for h in range(1, int(min(20, 0.45 * sr / mains))))
    fan = bandpass_noise(rng, n, rng.uniform(40, 150), rng.uniform(800, 3000), sr)
    blade = rng.uniform(80, 400)  # blade-pass tone of the fan
    fan += 0.3 * rms(fan) * np.sin(2 * np.pi * blade * t) * np.sqrt(2)
    return _unit(hum) + _unit(fan) * 10 ** (rng.uniform(-15, 3) / 20)


def _street(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Traffic: low broadband rumble that swells as vehicles pass, with tyre hiss on top."""
    import scipy.signal
    rumble = scipy.signal.sosfilt(scipy.signal.butter(2, rng.uniform(300, 1500), "lowpass", fs=sr, output="sos"),
                                  colored_noise(rng, n, rng.uniform(0.5, 1.5)))
    t = np.arange(n) / sr
    swell = np.full(n, 0.3)
    for _ in range(int(rng.integers(1, 4))):  # passing vehicles: bell-shaped swells of 2-6 s
        swell += np.exp(-0.5 * ((t - rng.uniform(-1, t[-1] + 1)) / rng.uniform(0.7, 2.0)) ** 2)
    tyres = bandpass_noise(rng, n, 1500, 6000, sr) * 10 ** (rng.uniform(-20, -8) / 20)
    return (_unit(rumble) + tyres) * swell


def _babble(rng: np.random.Generator, n: int, sr: int, voice: np.ndarray, talkers: int) -> np.ndarray:
    """Several talkers at once from one rendered voice: each talker is a copy read from another
    point of it at another speed (so another pitch, vocal tract and rhythm)."""
    voice = np.asarray(voice, dtype=np.float64)
    m = voice.size
    fade = min(int(0.02 * sr), m // 4)
    loop = voice.copy()
    if fade > 0:  # a seamless loop: cross-fade the end into the start
        ramp = np.linspace(0.0, 1.0, fade)
        loop[:fade] = voice[:fade] * ramp + voice[-fade:] * (1 - ramp)
        loop = loop[: m - fade]
    size = loop.size
    out = np.zeros(n)
    for _ in range(talkers):
        speed = rng.uniform(0.8, 1.25)
        position = (rng.uniform(0, size) + speed * np.arange(n)) % size
        i = position.astype(np.int64)
        frac = position - i
        talker = loop[i] * (1 - frac) + loop[(i + 1) % size] * frac
        out += _unit(talker) * 10 ** (rng.uniform(-6, 0) / 20)
    return out


def _clatter(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Cutlery and crockery: short bright ringing knocks at random times."""
    out = np.zeros(n)
    for _ in range(int(rng.poisson(3.0 * n / sr)) + 1):
        length = int(rng.uniform(0.03, 0.2) * sr)
        t = np.arange(length) / sr
        ring = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) for f in rng.uniform(2000, 0.45 * sr, 3))
        event = ring * np.exp(-t / rng.uniform(0.01, 0.06)) * rng.uniform(0.2, 1.0)
        start = int(rng.integers(0, n))
        end = min(start + length, n)
        out[start:end] += event[: end - start]
    return out


def background_noise(rng: np.random.Generator, n: int, sr: int, kind: str, *,
                     voice: Callable[[np.random.Generator, int, int], np.ndarray] | None = None) -> np.ndarray:
    """``n`` samples of background noise of one ``kind``, unit RMS.

    Parameters
    ----------
    rng : numpy.random.Generator
    n, sr : int
        Length (samples) and sample rate (Hz).
    kind : {"hiss", "hum", "street", "babble", "cafe"}
        hiss: white to brown noise (electronics, air); hum: mains hum and harmonics over a fan;
        street: traffic rumble with passing vehicles; babble: 3-8 talkers; cafe: many talkers
        further away, clatter and room tone.
    voice : callable or None
        ``voice(rng, n, sr)`` renders one dry talker; needed for "babble" and "cafe" (the
        generator passes its speech synthesiser).

    Returns
    -------
    np.ndarray
        float64, unit RMS.
    """
    import scipy.signal
    if kind not in NOISE_KINDS:
        raise ParameterError(f"unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}")
    if kind == "hiss":
        return colored_noise(rng, n, rng.choice([0.0, 0.5, 1.0, 1.5, 2.0]))
    if kind == "hum":
        return _unit(_hum(rng, n, sr))
    if kind == "street":
        return _unit(_street(rng, n, sr))
    if voice is None:
        raise ParameterError(f"{kind!r} noise needs a voice renderer (voice=...)")
    speech = voice(rng, n, sr)
    if kind == "babble":
        return _unit(_babble(rng, n, sr, speech, int(rng.integers(3, 9))))
    crowd = _babble(rng, n, sr, speech, int(rng.integers(6, 13)))
    crowd = scipy.signal.sosfilt(scipy.signal.butter(1, rng.uniform(2500, 5000), "lowpass", fs=sr, output="sos"), crowd)
    return _unit(_unit(crowd) + _unit(_clatter(rng, n, sr)) * 10 ** (rng.uniform(-14, -4) / 20)
                 + colored_noise(rng, n, 1.5) * 10 ** (rng.uniform(-20, -10) / 20))


# --------------------------------------------------------------------------------------------
# Channels and codecs
# --------------------------------------------------------------------------------------------


def bandlimit(y: np.ndarray, sr: int, low: float, high: float) -> np.ndarray:
    """Brick-wall band limit in the frequency domain with short cosine edges.

    Resampling filters and codecs cut very steeply, which a mel-spectrogram shows as an empty
    band above the cut-off; a gentle filter would not reproduce that.
    """
    spectrum = np.fft.rfft(y)
    f = np.fft.rfftfreq(np.size(y), 1.0 / sr)
    gain = np.ones_like(f)
    if high < sr / 2:
        edge = 0.03 * high
        gain *= np.clip((high - f) / edge, 0.0, 1.0)
    if low > 0:
        edge = 0.3 * low
        gain *= np.clip((f - (low - edge)) / edge, 0.0, 1.0)
    gain = 0.5 - 0.5 * np.cos(np.pi * gain)  # smooth the linear ramps
    return np.fft.irfft(spectrum * gain, np.size(y))


def _resample(y: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    import scipy.signal
    if from_rate == to_rate:
        return np.asarray(y, dtype=np.float64)
    g = gcd(int(from_rate), int(to_rate))
    return scipy.signal.resample_poly(y, to_rate // g, from_rate // g)


#: Codecs of :func:`codec_roundtrip`: (soundfile format, subtype, sample rates it accepts).
CODECS = {
    "mp3": ("MP3", "MPEG_LAYER_III", (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)),
    "vorbis": ("OGG", "VORBIS", None),
    "opus": ("OGG", "OPUS", (8000, 12000, 16000, 24000, 48000)),
    "ulaw": ("WAV", "ULAW", None),
    "alaw": ("WAV", "ALAW", None),
    "gsm": ("WAV", "GSM610", (8000,)),
    "g721": ("WAV", "G721_32", (8000,)),
}


def _align(coded: np.ndarray, reference: np.ndarray, max_lag: int) -> np.ndarray:
    """``coded`` shifted to line up with ``reference`` (codecs may add a delay), same length."""
    import scipy.signal
    n = reference.size
    coded = np.pad(coded, (0, max(n + max_lag - coded.size, 0)))
    if np.any(reference) and np.any(coded):
        correlation = scipy.signal.correlate(coded[: n + max_lag], reference, mode="valid", method="fft")
        lag = int(np.argmax(correlation))
    else:
        lag = 0
    return coded[lag : lag + n]


def codec_roundtrip(y: np.ndarray, sr: int, codec: str, *, compression: float | None = None) -> np.ndarray:
    """``y`` encoded with a real codec and decoded again (in memory, with libsndfile via soundfile).

    Parameters
    ----------
    y : np.ndarray
        Mono signal (peaks above 1 are scaled down for the codec and back up afterwards).
    sr : int
        Its sample rate; it must be one the codec accepts (8000 Hz for the telephone codecs
        "gsm" and "g721"; 8, 12, 16, 24 or 48 kHz for "opus").
    codec : {"mp3", "vorbis", "opus", "ulaw", "alaw", "gsm", "g721"}
        mp3, Ogg Vorbis and Opus: perceptual codecs, their bit rate set by ``compression``
        (0 = best quality, 1 = smallest file); ulaw, alaw: G.711 (8-bit companded telephone PCM);
        gsm: GSM 06.10 full rate (13 kbit/s mobile); g721: 32 kbit/s ADPCM.
    compression : float or None
        For mp3, vorbis and opus.

    Returns
    -------
    np.ndarray
        float64, the same length as ``y``, aligned with it (a codec's delay is removed).
    """
    if codec not in CODECS:
        raise ParameterError(f"unknown codec {codec!r}; choose one of {', '.join(CODECS)}")
    file_format, subtype, rates = CODECS[codec]
    if rates is not None and sr not in rates:
        raise ParameterError(f"the {codec} codec does not take {sr} Hz; use one of {', '.join(map(str, rates))}")
    y = np.asarray(y, dtype=np.float64)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    scale = 0.9 / peak if peak > 0.9 else 1.0
    buffer = io.BytesIO()
    options = {"compression_level": float(compression)} if compression is not None and file_format != "WAV" else {}
    sf.write(buffer, (y * scale).astype(np.float32), int(sr), format=file_format, subtype=subtype, **options)
    buffer.seek(0)
    decoded, _ = sf.read(buffer, dtype="float64", always_2d=False)
    return _align(decoded, y * scale, max_lag=int(0.1 * sr)) / scale


def telephone(y: np.ndarray, sr: int, rng: np.random.Generator, *, codec: str = "ulaw") -> np.ndarray:
    """``y`` as heard through a telephone line, returned at ``sr``.

    Band-pass 300-3400 Hz (with a little random variation of the edges), resampled to 8 kHz,
    coded with a telephone codec (:data:`TELEPHONE_CODECS`: G.711 mu-law or A-law, GSM 06.10,
    G.721 ADPCM), then resampled back. Nothing is left above 4 kHz. ``"none"`` is an analogue
    line: the band limit (200-350 to 3300-3700 Hz) only.
    """
    if codec not in TELEPHONE_CODECS:
        raise ParameterError(f"unknown telephone codec {codec!r}; choose one of {', '.join(TELEPHONE_CODECS)}")
    n = np.size(y)
    y = np.asarray(y, dtype=np.float64)
    if codec == "none":  # an analogue line: the band only
        return bandlimit(y, sr, rng.uniform(200, 350), min(rng.uniform(3300, 3700), 0.45 * sr))
    low = rng.uniform(250, 350)
    narrow = bandlimit(y, sr, low, min(rng.uniform(3300, 3500), 0.45 * sr))
    narrow = _resample(narrow, sr, TELEPHONE_RATE)
    peak = np.max(np.abs(narrow)) + 1e-12
    level = 10 ** (rng.uniform(-12, -1) / 20)  # how hot the line is driven
    narrow = codec_roundtrip(narrow / peak * level, TELEPHONE_RATE, codec) * peak / level
    wide = _resample(narrow, TELEPHONE_RATE, sr)[:n]
    if wide.size < n:
        wide = np.pad(wide, (0, n - wide.size))
    # The handset's own filters: the codec's low-frequency residue and images above 4 kHz go too.
    return bandlimit(wide, sr, low, 3700.0 if sr > 2 * 3700 else sr / 2)


def lossy_codec(y: np.ndarray, sr: int, rng: np.random.Generator, *, codec: str | None = None,
                compression: float | None = None) -> np.ndarray:
    """``y`` through a perceptual codec at a modest to low bit rate (files and streams on the web).

    ``codec``: "mp3", "vorbis" or "opus" (random by default); ``compression`` 0-1 (random
    0.5-0.95 by default: roughly 80 down to 16 kbit/s for mp3 at 22 kHz, where the encoder also
    cuts the top octave and leaves holes in the spectrum). Opus runs at 16 or 24 kHz and the
    result is resampled back to ``sr``.
    """
    codec = str(rng.choice(["mp3", "mp3", "vorbis", "opus"])) if codec is None else codec
    if codec not in ("mp3", "vorbis", "opus"):
        raise ParameterError(f"unknown lossy codec {codec!r}; choose mp3, vorbis or opus")
    compression = rng.uniform(0.5, 0.95) if compression is None else compression
    y = np.asarray(y, dtype=np.float64)
    rates = CODECS[codec][2]
    if rates is None or sr in rates:
        return codec_roundtrip(y, sr, codec, compression=compression)
    rate = max((r for r in rates if r <= sr), default=min(rates))
    coded = codec_roundtrip(_resample(y, sr, rate), rate, codec, compression=compression)
    out = _resample(coded, rate, sr)[: y.size]
    return np.pad(out, (0, y.size - out.size))


# --------------------------------------------------------------------------------------------
# The recording chain
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainSettings:
    """How often each recording situation occurs for one class of clips, and its ranges.

    Attributes
    ----------
    room_probability : float
        Share of clips recorded in a reverberant room.
    rt60_range : (float, float)
        Reverberation time (s).
    far_probability : float
        Share of the rooms heard from far away: the reverberant tail's share of the energy is
        drawn from ``far_wet_range`` (0.3-0.8: direct-to-reverberant ratio +3.7 to -6 dB) instead
        of ``near_wet_range`` (0.03-0.3: +15 to +3.7 dB).
    floor_snr_range : (float, float)
        Every clip has a quiet noise floor (hiss, sometimes hum): its SNR in dB re the active
        signal.
    noise_probability : float
        Share of clips with a loud background (``noise_kinds``, chosen with ``noise_weights``) at
        ``noise_snr_range`` dB (whole-clip powers, :func:`mix_at_snr`).
    rumble_probability : float
        Share of clips with strong infrasonic rumble (wind, handling).
    bandwidths : tuple of (str, float)
        Channel of the file and its share: "full", "16k" (8 kHz content), "11k" (5.5 kHz),
        "telephone" (:func:`telephone`), "lowpass" (a codec's 9-10.5 kHz low-pass), "lossy"
        (:func:`lossy_codec`). The same for both classes, so that the channel says nothing about
        the class.
    telephone_codecs, lossy_codecs : tuple of (str, float)
        The codecs of the "telephone" and "lossy" channels and their shares.
    """

    room_probability: float
    rt60_range: tuple[float, float]
    far_probability: float
    floor_snr_range: tuple[float, float]
    noise_probability: float
    noise_snr_range: tuple[float, float]
    rumble_probability: float
    near_wet_range: tuple[float, float] = (0.03, 0.3)
    far_wet_range: tuple[float, float] = (0.3, 0.8)
    noise_kinds: tuple[str, ...] = NOISE_KINDS
    noise_weights: tuple[float, ...] = (0.25, 0.15, 0.2, 0.2, 0.2)
    bandwidths: tuple[tuple[str, float], ...] = (
        ("full", 0.55), ("16k", 0.15), ("11k", 0.06), ("telephone", 0.12), ("lowpass", 0.05), ("lossy", 0.07),
    )
    telephone_codecs: tuple[tuple[str, float], ...] = (("none", 0.2), ("ulaw", 0.3), ("alaw", 0.1), ("gsm", 0.3), ("g721", 0.1))
    lossy_codecs: tuple[tuple[str, float], ...] = (("mp3", 0.5), ("vorbis", 0.25), ("opus", 0.25))


def recording_chain(
    y: np.ndarray,
    rng: np.random.Generator,
    sr: int,
    settings: ChainSettings,
    *,
    voice: Callable[[np.random.Generator, int, int], np.ndarray] | None = None,
    record: dict | None = None,
) -> np.ndarray:
    """Room, microphone colour, background noise, rumble and channel, drawn from ``settings``.

    ``voice`` renders a dry talker for babble and cafe backgrounds (without it those kinds are
    not drawn). ``record``, when given, receives what was drawn: ``rt60`` and ``drr_db`` (None
    without a room), ``noise`` and ``snr_db`` (None without a loud background), ``channel``.
    """
    import scipy.signal
    record = {} if record is None else record
    record.update(rt60=None, drr_db=None, noise=None, snr_db=None)
    n = np.size(y)
    y = np.asarray(y, dtype=np.float64)
    peak = np.max(np.abs(y)) if n else 0.0
    active = np.abs(y) > 0.05 * peak + 1e-12
    active_rms = rms(y[active]) if active.any() else 1.0
    if rng.random() < settings.room_probability:
        far = settings.far_probability > 0 and rng.random() < settings.far_probability
        record["rt60"] = rng.uniform(*settings.rt60_range)
        wet = rng.uniform(*(settings.far_wet_range if far else settings.near_wet_range))
        record["drr_db"] = 10 * np.log10((1 - wet) / wet)
        y = reverberate(y, _impulse_response(rng, sr, record["rt60"], wet))
    # Microphone / channel colour: a gentle first-order tilt up or down and a random low cut.
    if rng.random() < 0.7:
        sos = scipy.signal.butter(1, rng.uniform(1000, min(6000, 0.4 * sr)), "lowpass", fs=sr, output="sos")
        low = scipy.signal.sosfilt(sos, y)
        y = low + (y - low) * 10 ** (rng.uniform(-6, 4) / 20)
    if rng.random() < 0.25:
        sos = scipy.signal.butter(2, rng.uniform(20, 80), "highpass", fs=sr, output="sos")
        y = scipy.signal.sosfilt(sos, y)
    # A loud background: people, traffic, machines (0-20 dB below the signal).
    if settings.noise_probability > 0 and rng.random() < settings.noise_probability:
        kinds = [k for k in settings.noise_kinds if voice is not None or k not in ("babble", "cafe")]
        weights = np.array([w for k, w in zip(settings.noise_kinds, settings.noise_weights) if k in kinds])
        record["noise"] = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
        record["snr_db"] = rng.uniform(*settings.noise_snr_range)
        y = mix_at_snr(y, background_noise(rng, n, sr, record["noise"], voice=voice), record["snr_db"])
    # The noise floor below the signal: hiss and room tone, sometimes mains hum.
    floor = colored_noise(rng, n, rng.choice([0.5, 1.0, 1.5, 2.0, 2.0, 2.5]))
    if rng.random() < 0.2:
        mains = rng.choice([50.0, 60.0])
        t = np.arange(n) / sr
        hum = sum(np.sin(2 * np.pi * mains * h * t + rng.uniform(0, 6.3)) / h for h in (1, 2, 3, 4))
        floor = floor + hum * 10 ** (rng.uniform(-12, 0) / 20)
    y = y + _unit(floor) * active_rms * 10 ** (-rng.uniform(*settings.floor_snr_range) / 20)
    # Infrasonic rumble (wind, handling, building vibration): most real recordings carry it.
    rumble = colored_noise(rng, n, 2.0)
    rumble = scipy.signal.sosfilt(scipy.signal.butter(2, rng.uniform(30, 120), "lowpass", fs=sr, output="sos"), rumble)
    rumble_db = rng.uniform(12, 45) if rng.random() < settings.rumble_probability else rng.uniform(45, 70)
    y = y + _unit(rumble) * active_rms * 10 ** (-rumble_db / 20)
    return channel(y, sr, rng, settings, record=record)


def _draw(rng: np.random.Generator, options: tuple[tuple[str, float], ...]) -> str:
    """One of the (name, share) options (no draw when there is only one)."""
    names = [name for name, share in options if share > 0]
    shares = np.array([share for _, share in options if share > 0], dtype=float)
    return names[int(rng.choice(len(names), p=shares / shares.sum()))] if len(names) > 1 else names[0]


def channel(y: np.ndarray, sr: int, rng: np.random.Generator, settings: ChainSettings, *,
            record: dict | None = None) -> np.ndarray:
    """The file's channel, drawn from ``settings.bandwidths`` (see :class:`ChainSettings`).

    ``record["channel"]`` receives the name drawn (with the codec for "telephone" and "lossy").
    """
    record = {} if record is None else record
    name = _draw(rng, settings.bandwidths)
    record["channel"] = name
    nyquist = sr / 2
    if name == "full":
        return y
    if name == "16k":
        return bandlimit(y, sr, 0.0, rng.uniform(7600, 8000)) if nyquist > 8000 else y
    if name == "11k":
        return bandlimit(y, sr, 0.0, rng.uniform(5000, 5500)) if nyquist > 5500 else y
    if name == "telephone":
        codec = _draw(rng, settings.telephone_codecs)
        record["channel"] = f"telephone/{codec}"
        return telephone(y, sr, rng, codec=codec)
    if name == "lowpass":
        return bandlimit(y, sr, 0.0, rng.uniform(9000, 10500)) if nyquist > 10500 else y
    if name == "lossy":
        codec = _draw(rng, settings.lossy_codecs)
        record["channel"] = f"lossy/{codec}"
        return lossy_codec(y, sr, rng, codec=codec)
    raise ParameterError(f"unknown channel {name!r}")
