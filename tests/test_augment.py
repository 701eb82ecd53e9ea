"""Harder copies of recordings: the test conditions and speech laid over a music bed."""

import numpy as np
import pytest
from conftest import SR, noise, tone

from speechmusic.apps import augment
from speechmusic.core.errors import ParameterError


def test_test_conditions_are_what_they_say_and_repeat_exactly():
    y = 0.5 * noise(4.0, seed=3)
    noisy, rate, subtype = augment.degrade(y, SR, "noisy", key="clip-a")
    assert rate == SR and subtype == "PCM_16" and noisy.shape == y.shape
    snr = 10 * np.log10(np.mean(y.astype(np.float64) ** 2) / np.mean((noisy - y) ** 2))
    assert snr == pytest.approx(augment.TEST_NOISE_SNR_DB, abs=0.3)
    again, _, _ = augment.degrade(y, SR, "noisy", key="clip-a")
    other, _, _ = augment.degrade(y, SR, "noisy", key="clip-b")
    assert np.array_equal(noisy, again) and not np.array_equal(noisy, other)  # seeded by the clip id
    phone, rate, subtype = augment.degrade(y, SR, "telephone", key="clip-a")
    assert rate == 8000 and subtype == "ULAW" and abs(phone.size - 4 * 8000) <= 2
    assert len(np.unique(np.round(phone * 32768))) <= 256  # 8-bit mu-law: at most 256 levels
    snippet, rate, _ = augment.degrade(y, SR, "snippet", key="clip-a")
    assert snippet.size == SR and np.allclose(snippet, y[int(1.5 * SR): int(2.5 * SR)], atol=1 / 32768)
    with pytest.raises(ParameterError, match="unknown condition"):
        augment.degrade(y, SR, "underwater", key="x")


def test_active_level_ignores_pauses_and_the_mix_puts_the_bed_where_asked():
    voice = tone(200.0, 2.0, amplitude=0.4)
    voice[SR // 2: SR] = 0.0  # a pause: does not make the voice quieter
    assert augment.active_rms(voice, SR) == pytest.approx(0.4 / np.sqrt(2), rel=0.02)
    bed = tone(440.0, 2.0, amplitude=0.9)
    for level in (-5.0, -10.0, -20.0):
        mix = augment.speech_over_music(voice, bed, level, SR)
        measured = 20 * np.log10(augment.active_rms(mix - voice, SR) / augment.active_rms(voice, SR))
        assert measured == pytest.approx(level, abs=0.1)
    loud = augment.speech_over_music(0.95 * voice / 0.4, bed, -5.0, SR)
    assert np.abs(loud).max() <= 1.0  # scaled down rather than clipped
    with pytest.raises(ParameterError, match="same length"):
        augment.speech_over_music(voice, bed[:-1], -10.0, SR)


def test_coloured_noise_slopes():
    rng = np.random.default_rng(0)
    for exponent, expected in ((0.0, 1.0), (1.0, 0.5), (2.0, 0.25)):
        power = np.abs(np.fft.rfft(augment.coloured_noise(2**16, rng, exponent=exponent))) ** 2
        # Power per Hz an octave up, relative: 2 ** -exponent.
        ratio = power[2048:4096].mean() / power[1024:2048].mean()
        assert ratio == pytest.approx(expected, rel=0.15)
