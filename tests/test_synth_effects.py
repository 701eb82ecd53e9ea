"""Tests of the recording effects of the synthetic generator (speechmusic.data.synth.effects).

Each effect is checked on its own against a property one can measure: the decay time of a room,
the power ratio of a mix, the band of a telephone line, the coding noise and holes of real codecs.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from speechmusic.core.errors import ParameterError
from speechmusic.data.synth import effects as fx

SR = 22050


def _talker(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """A crude stand-in for a dry voice: a gliding harmonic tone in syllable-rate bursts with pauses."""
    t = np.arange(n) / sr
    f0 = 120 * 2 ** (rng.uniform(-0.3, 0.3) + 0.2 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    tone = sum(np.sin(k * phase) / k for k in range(1, 20))
    syllables = np.clip(np.sin(2 * np.pi * rng.uniform(3.5, 5.0) * t + rng.uniform(0, 6.3)), 0, None)
    phrases = (np.sin(2 * np.pi * 0.4 * t + rng.uniform(0, 6.3)) > -0.3).astype(float)
    return tone * syllables * phrases


@pytest.fixture
def babble_voice():
    return _talker


def _edc_rt60(y: np.ndarray, sr: int) -> float:
    """Reverberation time from the Schroeder energy decay curve, fitted between -5 and -25 dB (T20)."""
    edc = np.cumsum((y**2)[::-1])[::-1]
    edc_db = 10 * np.log10(edc / edc[0] + 1e-30)
    t = np.arange(y.size) / sr
    chosen = (edc_db <= -5) & (edc_db >= -25)
    slope = np.polyfit(t[chosen], edc_db[chosen], 1)[0]
    return -60.0 / slope


def _band_share_db(y: np.ndarray, sr: int, low: float, high: float) -> float:
    f = np.fft.rfftfreq(y.size, 1 / sr)
    power = np.abs(np.fft.rfft(y)) ** 2
    return 10 * np.log10(power[(f >= low) & (f < high)].sum() / power.sum() + 1e-300)


@pytest.mark.parametrize("rt60", [0.3, 0.8, 1.6])
@pytest.mark.parametrize("drr_db", [-5.0, 0.0])
def test_reverb_makes_a_click_decay_in_rt60(rt60, drr_db):
    click = np.zeros(3 * SR)
    click[SR // 5] = 1.0
    for seed in range(3):
        ir = fx.room_impulse_response(np.random.default_rng(seed), SR, rt60=rt60, drr_db=drr_db)
        out = fx.reverberate(click, ir)
        assert out.shape == click.shape
        assert np.max(np.abs(out[: SR // 5])) < 1e-9  # nothing before the click (FFT rounding aside)
        assert _edc_rt60(out[SR // 5 :], SR) == pytest.approx(rt60, rel=0.12)
        # The direct path stands drr_db above everything that follows it.
        assert 10 * np.log10(ir[0] ** 2 / np.sum(ir[1:] ** 2)) == pytest.approx(drr_db, abs=0.01)


def test_dry_click_has_no_decay_to_compare():
    # The reverberant click's energy lasts; the dry click's is all in one sample. With the direct
    # path as loud as the tail (DRR 0 dB), the share after 100 ms is about half of the tail's
    # exponential decay by then: 0.5 * 10 ** (-6 * 0.1 / 0.5) = 0.032.
    click = np.zeros(SR)
    click[100] = 1.0
    out = fx.reverberate(click, fx.room_impulse_response(np.random.default_rng(0), SR, rt60=0.5, drr_db=0.0))
    late = np.sum(out[100 + int(0.1 * SR) :] ** 2) / np.sum(out**2)
    assert late == pytest.approx(0.5 * 10 ** (-6 * 0.1 / 0.5), rel=0.5) and np.sum(click[101:] ** 2) == 0


def test_room_rejects_an_impossible_reverberation_time():
    with pytest.raises(ParameterError, match="rt60"):
        fx.room_impulse_response(np.random.default_rng(0), SR, rt60=0.0, drr_db=0.0)


@pytest.mark.parametrize("kind", fx.NOISE_KINDS)
@pytest.mark.parametrize("snr_db", [0.0, 5.0, 12.0, 20.0])
def test_noise_of_every_kind_mixes_at_the_stated_snr(kind, snr_db, babble_voice):
    rng = np.random.default_rng(7)
    signal = np.sin(2 * np.pi * 220 * np.arange(SR) / SR) * (np.arange(SR) < SR // 2)  # half of it silent
    noise = fx.background_noise(rng, SR, SR, kind, voice=babble_voice)
    assert noise.shape == (SR,) and np.all(np.isfinite(noise))
    assert fx.rms(noise) == pytest.approx(1.0, rel=1e-6)
    mixed = fx.mix_at_snr(signal, noise, snr_db)
    measured = 10 * np.log10(np.mean(signal**2) / np.mean((mixed - signal) ** 2))
    assert measured == pytest.approx(snr_db, abs=0.5)


def test_noise_is_deterministic_and_kinds_differ(babble_voice):
    a = fx.background_noise(np.random.default_rng(1), SR, SR, "street")
    b = fx.background_noise(np.random.default_rng(1), SR, SR, "street")
    np.testing.assert_array_equal(a, b)
    spectra = {}
    for kind in ("hiss", "hum", "street", "babble"):
        y = fx.background_noise(np.random.default_rng(1), 2 * SR, SR, kind, voice=babble_voice)
        spectra[kind] = _band_share_db(y, SR, 0, 500)
    # Traffic and hum are low-pitched; hiss and babble have most of their energy above 500 Hz.
    assert spectra["street"] > -3 and spectra["hum"] > -6
    assert spectra["babble"] < spectra["street"]


def test_hum_sits_on_mains_harmonics():
    y = fx.background_noise(np.random.default_rng(4), 4 * SR, SR, "hum")
    f = np.fft.rfftfreq(y.size, 1 / SR)
    power = np.abs(np.fft.rfft(y)) ** 2
    mains = 50.0 if power[np.argmin(np.abs(f - 50))] > power[np.argmin(np.abs(f - 60))] else 60.0
    fundamental = power[np.argmin(np.abs(f - mains))]
    neighbourhood = np.median(power[(f > mains - 15) & (f < mains + 15)])
    assert fundamental > 100 * neighbourhood


def test_babble_is_less_modulated_than_one_talker(babble_voice):
    """Many talkers fill each other's pauses: the envelope of babble is flatter than a voice's."""
    def envelope_depth(y):
        frames = np.lib.stride_tricks.sliding_window_view(y, 512)[::256]
        level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
        return np.percentile(level, 90) - np.percentile(level, 10)

    talker = babble_voice(np.random.default_rng(5), 3 * SR, SR)
    crowd = fx.background_noise(np.random.default_rng(5), 3 * SR, SR, "babble", voice=babble_voice)
    assert envelope_depth(crowd) < envelope_depth(talker) - 6


def test_babble_needs_a_voice():
    with pytest.raises(ParameterError, match="voice"):
        fx.background_noise(np.random.default_rng(0), SR, SR, "babble")
    with pytest.raises(ParameterError, match="unknown noise kind"):
        fx.background_noise(np.random.default_rng(0), SR, SR, "rain")


@pytest.mark.parametrize("codec", fx.TELEPHONE_CODECS)
@pytest.mark.parametrize("sr", [16000, 22050, 44100])
def test_telephone_keeps_only_the_300_to_3400_hz_band(codec, sr):
    x = fx.colored_noise(np.random.default_rng(0), 2 * sr, 0.5)
    y = fx.telephone(x, sr, np.random.default_rng(1), codec=codec)
    assert y.shape == x.shape and np.all(np.isfinite(y))
    assert _band_share_db(y, sr, 4000, sr / 2) < -60  # nothing above 4 kHz
    assert _band_share_db(y, sr, 0, 150) < -30  # and little below the band
    assert _band_share_db(y, sr, 250, 3500) > -0.5  # the voice band carries the signal


@pytest.mark.parametrize("codec, low, high", [("ulaw", 33, 42), ("alaw", 33, 42), ("g721", 12, 25), ("gsm", -3, 8)])
def test_telephone_codecs_add_their_own_coding_noise(codec, low, high):
    """On noise, G.711 keeps about 38 dB SNR, 32-kbit/s ADPCM about 19 dB, and GSM 06.10 (which
    codes a spectral envelope and a coarse excitation, not the waveform) very little."""
    x = fx.colored_noise(np.random.default_rng(0), 2 * 8000, 0.5) * 0.2
    coded = fx.codec_roundtrip(x, 8000, codec)
    assert coded.shape == x.shape
    snr = 10 * np.log10(np.sum(x**2) / np.sum((coded - x) ** 2))
    assert low < snr < high


def test_codec_roundtrip_is_aligned_deterministic_and_checked():
    x = fx.colored_noise(np.random.default_rng(0), SR, 1.0) * 0.1
    a = fx.codec_roundtrip(x, SR, "mp3", compression=0.3)
    np.testing.assert_array_equal(a, fx.codec_roundtrip(x, SR, "mp3", compression=0.3))
    assert np.corrcoef(a, x)[0, 1] > 0.9  # no delay left
    with pytest.raises(ParameterError, match="does not take"):
        fx.codec_roundtrip(x, SR, "gsm")
    with pytest.raises(ParameterError, match="unknown codec"):
        fx.codec_roundtrip(x, SR, "aac")


def test_telephone_rejects_an_unknown_codec():
    with pytest.raises(ParameterError, match="codec"):
        fx.telephone(np.zeros(SR), SR, np.random.default_rng(0), codec="opus")


def _holes(z):
    """Share of time-frequency cells (below 8.6 kHz) more than 30 dB below their frame's loudest."""
    _, _, Z = scipy.signal.stft(z, fs=SR, nperseg=512)
    level = 20 * np.log10(np.abs(Z[5:200]) + 1e-12)
    return np.mean(level < level.max(axis=0, keepdims=True) - 30)


@pytest.mark.parametrize("codec", ["mp3", "vorbis", "opus"])
def test_low_bit_rate_codecs_cut_the_top_or_punch_holes(codec):
    x = fx.colored_noise(np.random.default_rng(0), 3 * SR, 1.0) * 0.1
    x *= 1 + 0.8 * np.sin(2 * np.pi * 3 * np.arange(x.size) / SR)  # a changing level, like music
    y = fx.lossy_codec(x, SR, np.random.default_rng(1), codec=codec, compression=0.95)
    assert y.shape == x.shape and np.all(np.isfinite(y))
    top = _band_share_db(y, SR, 8000, SR / 2) - _band_share_db(x, SR, 8000, SR / 2)
    assert top < -6 or _holes(y) > _holes(x) + 0.05
    snr = 10 * np.log10(np.sum(x**2) / np.sum((y - x) ** 2))
    assert snr > 3  # still the same sound


def test_mp3_at_a_low_bit_rate_loses_more_than_at_a_high_one():
    x = fx.colored_noise(np.random.default_rng(0), 3 * SR, 1.0) * 0.1
    good = fx.lossy_codec(x, SR, np.random.default_rng(1), codec="mp3", compression=0.2)
    poor = fx.lossy_codec(x, SR, np.random.default_rng(1), codec="mp3", compression=0.95)
    assert _band_share_db(poor, SR, 6000, SR / 2) < _band_share_db(good, SR, 6000, SR / 2) - 6
    assert _holes(poor) > _holes(good)


def test_bandlimit_removes_energy_above_the_cut_off():
    x = fx.colored_noise(np.random.default_rng(2), SR, 0.0)
    y = fx.bandlimit(x, SR, 0.0, 5000.0)
    assert _band_share_db(y, SR, 5000, SR / 2) < -60
    spectrum_x, spectrum_y = np.fft.rfft(x), np.fft.rfft(y)
    passband = np.fft.rfftfreq(x.size, 1 / SR) < 4800  # below the short edge the signal is untouched
    np.testing.assert_allclose(spectrum_y[passband], spectrum_x[passband], atol=1e-6 * np.abs(spectrum_x).max())


def test_recording_chain_is_deterministic_and_keeps_the_length(babble_voice):
    settings = fx.ChainSettings(room_probability=1.0, rt60_range=(0.5, 0.5), far_probability=1.0,
                                floor_snr_range=(40, 40), noise_probability=1.0, noise_snr_range=(10, 10),
                                rumble_probability=0.5, bandwidths=(("telephone", 1.0),))
    x = np.sin(2 * np.pi * 300 * np.arange(SR) / SR)
    a = fx.recording_chain(x, np.random.default_rng(3), SR, settings, voice=babble_voice)
    b = fx.recording_chain(x, np.random.default_rng(3), SR, settings, voice=babble_voice)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and np.all(np.isfinite(a))
    assert _band_share_db(a, SR, 4000, SR / 2) < -60  # the chosen channel was applied last
