"""Tests of the synthetic music with voices (speechmusic.data.synth.singing and .songs).

What a speech detector must hear in it, measured on the audio with independent tools (librosa's
pitch tracker, onset detector and chroma), not read back from the plan: notes held in tune,
vibrato of the singer's depth and rate, the singer's formant, a hummed voice's muffled spectrum,
breaths in the rests, a choir on its chords, rap on the beat grid, jingles of 3-8 s that end on
a held chord. Clips are deterministic, so fixed seeds cannot flake.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from speechmusic.core.errors import ParameterError
from speechmusic.data import synth
from speechmusic.data.synth import songs
from speechmusic.data.synth.conditions import LAB, WORLD
from speechmusic.data.synth.music import _draw_style
from speechmusic.data.synth.singing import lyrics, random_singer, sing
from speechmusic.data.synth.voice import _dry_speech

SR = 22050


def semitones(f0: np.ndarray, midi: float) -> np.ndarray:
    return 12 * np.log2(f0 / 440.0) + 69 - midi


def pitch_track(y: np.ndarray, hop: int = 256, frame: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    import librosa

    f0 = librosa.yin(np.asarray(y, dtype=float), fmin=60, fmax=1100, sr=SR, frame_length=frame, hop_length=hop)
    return np.arange(f0.size) * hop / SR, f0


def without_slips(offsets: np.ndarray) -> np.ndarray:
    """Pitch offsets (semitones) without the frames where the tracker slipped (octaves, fifths away)."""
    return offsets[np.abs(offsets - np.median(offsets)) < 2]


def band_db(y: np.ndarray, low: float, high: float) -> float:
    f = np.fft.rfftfreq(y.size, 1 / SR)
    power = np.abs(np.fft.rfft(y)) ** 2
    return 10 * np.log10(power[(f >= low) & (f < high)].sum() + 1e-30)


def scale_line(singer, starts_lengths, steps=(0, 2, 4, 5, 7, 5, 4)):
    base = singer.low + 3
    return [(start, length, float(base + steps[i % len(steps)]), 0.9) for i, (start, length) in enumerate(starts_lengths)]


# ------------------------------------------------------------------ singers


def test_a_cappella_notes_hold_their_pitch():
    """Over the middle of every note (at least a quarter of a second of it, a vibrato cycle or more),
    the yin pitch sits on the note (its mean within 0.3 semitone: the vibrato averages out) for
    held, lyrical and fast lines of several singers."""
    checked, paces = 0, set()
    for seed in range(4):
        n = 5 * SR
        _, plan = songs._dry_piece(np.random.default_rng([seed, 19]), n, SR, WORLD, "a-cappella")
        times, f0 = pitch_track(plan.details["voice"])
        paces.add(plan.details["pace"])
        for start, length, midi, _ in plan.details["notes"]:
            start -= plan.pre_roll
            a, b = max(start + 0.2 * length, 0.0), min(start + 0.8 * length, n / SR)
            if b - a < 0.25:
                continue
            off = without_slips(semitones(f0[(times > a) & (times < b)], midi))
            assert abs(np.mean(off)) < 0.3, (seed, start, midi)
            checked += 1
    assert checked >= 8 and len(paces) >= 2


def test_a_straight_tone_stays_within_a_fifth_of_a_semitone_frame_by_frame():
    singer = dataclasses.replace(random_singer(np.random.default_rng(1), "tenor", "folk"), vibrato_depth=0.0, scoop=0.0)
    notes = scale_line(singer, [(0.1 + 0.7 * i, 0.65) for i in range(5)])
    y = sing(np.random.default_rng(2), singer, notes, lyrics(np.random.default_rng(3), [5], "words"), n=4 * SR, sr=SR)
    times, f0 = pitch_track(y)
    for start, length, midi, _ in notes:
        middle = semitones(f0[(times > start + 0.2 * length) & (times < start + 0.8 * length)], midi)
        steady = without_slips(middle)
        assert steady.size >= 0.85 * middle.size and np.all(np.abs(steady) < 0.2)


def test_vibrato_has_the_singers_rate_and_depth():
    singer = dataclasses.replace(random_singer(np.random.default_rng(4), "soprano", "classical"),
                                 vibrato_depth=0.5, vibrato_rate=5.5, vibrato_delay=0.2)
    y = sing(np.random.default_rng(5), singer, [(0.1, 2.5, 72.0, 0.9)], [("", "a")], n=3 * SR, sr=SR)
    times, f0 = pitch_track(y, hop=128, frame=1024)  # 46 ms: short beside a vibrato cycle (the 93-ms default halves it)
    held = without_slips(semitones(f0[(times > 0.9) & (times < 2.4)], 72.0))
    spectrum = np.abs(np.fft.rfft((held - held.mean()) * np.hanning(held.size), 4096))
    rate = np.fft.rfftfreq(4096, 128 / SR)[np.argmax(spectrum)]
    assert rate == pytest.approx(5.5, abs=0.4)
    # a sine of depth d swings between -d and +d: its RMS is d / sqrt(2)
    assert np.sqrt(2) * held.std() == pytest.approx(0.5, rel=0.35)
    # and it sets in after the onset: the first 0.15 s hold still
    onset = without_slips(semitones(f0[(times > 0.15) & (times < 0.27)], 72.0))
    assert onset.std() < 0.35 * held.std()


def test_a_trained_voice_rings_near_3_khz():
    notes = [(0.1, 1.5, 52.0, 0.9)]
    rings = []
    for ring in (0.0, 1.0):
        singer = dataclasses.replace(random_singer(np.random.default_rng(6), "baritone", "classical"), ring=ring, ring_hz=2700.0)
        y = sing(np.random.default_rng(7), singer, notes, [("", "a")], n=2 * SR, sr=SR)
        rings.append(band_db(y, 2300, 3300) - band_db(y, 300, 2000))
    assert rings[1] > rings[0] + 6.0, rings


def test_humming_is_muffled():
    singer = random_singer(np.random.default_rng(8), "alto", "pop")
    notes = scale_line(singer, [(0.1 + 0.6 * i, 0.55) for i in range(4)])
    text = lyrics(np.random.default_rng(9), [4], "hum")
    sung = sing(np.random.default_rng(10), singer, notes, lyrics(np.random.default_rng(9), [4], "vocalise"), n=3 * SR, sr=SR)
    hummed = sing(np.random.default_rng(10), singer, notes, text, n=3 * SR, sr=SR, hum=True)
    tilt = [band_db(y, 1500, 8000) - band_db(y, 100, 1000) for y in (sung, hummed)]
    assert tilt[1] < tilt[0] - 15.0, tilt


def test_a_breath_is_heard_in_the_rest_between_phrases():
    singer = random_singer(np.random.default_rng(11), "tenor", "pop")
    notes = scale_line(singer, [(0.1, 0.6), (0.7, 0.8), (2.1, 0.6), (2.7, 0.8)])  # a 0.6-s rest at 1.5-2.1 s
    y = sing(np.random.default_rng(12), singer, notes, lyrics(np.random.default_rng(13), [2, 2], "vocalise"),
             n=4 * SR, sr=SR)

    def level(a, b):
        return 10 * np.log10(np.mean(y[int(a * SR):int(b * SR)] ** 2) + 1e-30)

    rest, vowels = level(1.55, 2.05), level(0.2, 1.4)
    assert vowels - 45 < rest < vowels - 20  # an inhalation: audible, far below the singing
    after = level(3.7, 3.95)  # past the last note nothing sounds
    assert after < rest - 20


def test_sing_checks_its_text():
    singer = random_singer(np.random.default_rng(0))
    with pytest.raises(ParameterError):
        sing(np.random.default_rng(0), singer, [(0.0, 1.0, 60.0, 0.9)], [], n=SR, sr=SR)
    with pytest.raises(ParameterError):
        lyrics(np.random.default_rng(0), [3], "scat")
    with pytest.raises(ParameterError):
        random_singer(np.random.default_rng(0), "countertenor")


# ------------------------------------------------------------------ pieces


def test_choir_sings_the_chords_together():
    """At the middle of each chord every part's note sounds (a spectral peak at its fundamental,
    15 dB over the median of a spectrum full of four voices' harmonics), and the parts make a
    chord: three pitch classes or more."""
    n = 4 * SR
    chords, full = 0, 0
    for seed in range(2):
        _, plan = songs._dry_piece(np.random.default_rng([seed, 3]), n, SR, WORLD, "choir")
        voices, parts = plan.details["voices"], plan.details["parts"]
        assert len(parts) >= 3
        for k, (start, length, _) in enumerate(plan.details["chords"]):
            middle = start - plan.pre_roll + length / 2
            if length < 0.4 or middle - 0.1 < 0 or middle + 0.1 > n / SR:
                continue
            frame = voices[int((middle - 0.1) * SR):int((middle + 0.1) * SR)]
            spectrum = np.abs(np.fft.rfft(frame * np.hanning(frame.size), 16384))
            f = np.fft.rfftfreq(16384, 1 / SR)
            floor = np.median(spectrum[(f > 80) & (f < 2000)])
            for part in parts:
                hz = 440 * 2 ** ((part[k][2] - 69) / 12)
                peak = spectrum[(f > hz * 0.97) & (f < hz * 1.03)].max()
                assert 20 * np.log10(peak / floor) > 15, (seed, k, part[k][2])
            chords += 1
            full += len({int(part[k][2]) % 12 for part in parts}) >= 3
    assert chords >= 3 and full >= 0.6 * chords, (chords, full)


def onsets_on_grid(y: np.ndarray, grid: float, origin: float) -> float:
    """Share of the vowel onsets (rises of the energy below 1 kHz) within 30 ms of a grid point."""
    import librosa

    mel = librosa.feature.melspectrogram(y=np.asarray(y, dtype=float), sr=SR, hop_length=128, n_mels=40, fmax=1000)
    envelope = librosa.onset.onset_strength(S=librosa.power_to_db(mel), sr=SR, hop_length=128)
    onsets = librosa.onset.onset_detect(onset_envelope=envelope, sr=SR, hop_length=128, units="time")
    phase = ((onsets - origin) / grid) % 1.0
    return float(np.mean(np.minimum(phase, 1 - phase) * grid < 0.03))


def test_rap_syllables_sit_on_the_beat_grid():
    rap, talk = [], []
    for seed in range(3):
        n = 5 * SR
        _, plan = songs._dry_piece(np.random.default_rng([seed, 5]), n, SR, WORLD, "rap")
        assert plan.groove in ("boombap", "trap")
        rap.append(onsets_on_grid(plan.details["voice"], plan.details["grid"], -plan.pre_roll))
        speech, _ = _dry_speech(np.random.default_rng([seed, 6]), n, SR, WORLD)
        talk.append(onsets_on_grid(speech, plan.details["grid"], -plan.pre_roll))
        rate = len([t for t in plan.details["syllables"] if 0 <= t < n / SR]) / (n / SR)
        assert 2.5 < rate < 8.0  # a talker's syllable rate
    # The same measure on talk is what chance gives (60 ms out of a 150-230 ms grid step).
    assert np.mean(rap) > 0.55 and np.mean(rap) > np.mean(talk) + 0.25, (rap, talk)


def test_jingles_last_3_to_8_seconds_and_end_on_a_held_chord():
    import librosa

    lengths = []
    for seed in range(3):
        y = synth.synthesize_jingle(np.random.default_rng(seed), conditions="world")
        lengths.append(y.size / SR)
        assert y.dtype == np.float32 and np.all(np.isfinite(y))
    assert all(3.0 <= length <= 8.0 for length in lengths) and len(set(lengths)) == 3
    for seed in range(3):
        length = 3.0 + 2.5 * seed
        n = int(length * SR)
        mix, plan = songs._dry_jingle(np.random.default_rng([seed, 8]), n, SR, length=length, whole=True)
        level = librosa.amplitude_to_db(librosa.feature.rms(y=mix, frame_length=1024, hop_length=256)[0], ref=1.0)
        times = np.arange(level.size) * 256 / SR
        hold = (times > plan.details["chord_start"] + 0.1) & (times < length - 0.35)
        assert level[times < 0.15].max() > level.max() - 10  # it starts with the stab
        assert level[times > length - 0.08].max() < np.median(level[hold]) - 6  # the chord dies away at the end
        chroma = librosa.feature.chroma_stft(y=mix, sr=SR, hop_length=256)[:, hold].sum(axis=1)
        classes = sorted({int(m) % 12 for m in plan.details["chord"]})
        assert chroma[classes].sum() / chroma.sum() > 0.6


@pytest.mark.parametrize("style", songs.SONG_STYLES)
def test_every_new_style_makes_finished_clips_of_any_length(style):
    for duration, sr in ((2.0, SR), (6.0, 16000)):  # a dataset clip, a programme's stretch
        y = synth.synthesize_music(np.random.default_rng(1), sample_rate=sr, duration=duration, conditions="world", style=style)
        assert y.shape == (int(round(duration * sr)),) and y.dtype == np.float32
        assert np.all(np.isfinite(y)) and 10 ** (-12.1 / 20) <= np.max(np.abs(y)) <= 1.0
    again = synth.synthesize_music(np.random.default_rng(1), sample_rate=SR, duration=2.0, conditions="world", style=style)
    first = synth.synthesize_music(np.random.default_rng(1), sample_rate=SR, duration=2.0, conditions="world", style=style)
    np.testing.assert_array_equal(first, again)


def test_unknown_style_is_refused():
    with pytest.raises(ParameterError, match="a-cappella"):
        synth.synthesize_music(np.random.default_rng(0), style="opera house")
    with pytest.raises(ParameterError):
        synth.synthesize_jingle(np.random.default_rng(0), duration=0.5)


# ------------------------------------------------------------------ presets


def test_world_draws_the_new_styles_with_their_shares_and_the_lab_never():
    draws = [_draw_style(np.random.default_rng([i, 1]), WORLD) for i in range(3000)]
    for style, share in WORLD.sung_styles.items():
        assert np.mean([d == style for d in draws]) == pytest.approx(share, abs=0.015)
    lab = {_draw_style(np.random.default_rng([i, 2]), LAB) for i in range(500)}
    assert lab.isdisjoint(songs.SONG_STYLES)
    beds = {_draw_style(np.random.default_rng([i, 3]), WORLD, sung=False) for i in range(500)}
    assert beds.isdisjoint(songs.SONG_STYLES)


def test_a_clip_that_keeps_its_classic_style_keeps_its_audio():
    """Carving the new styles out of the top of each classic style's share leaves the other clips
    as they were: the same style and the same random stream after it."""
    from dataclasses import replace

    before = replace(WORLD, sung_styles={})
    kept = 0
    for i in range(12):
        style = _draw_style(synth.clip_rng(0, "train", "music", i, "world"), WORLD)
        if style in songs.SONG_STYLES:
            continue
        assert style == _draw_style(synth.clip_rng(0, "train", "music", i, "world"), before)
        a, _ = synth.clips._render_music(synth.clip_rng(0, "train", "music", i, "world"), SR, SR, WORLD)
        b, _ = synth.clips._render_music(synth.clip_rng(0, "train", "music", i, "world"), SR, SR, before)
        np.testing.assert_array_equal(a, b)
        kept += 1
        if kept == 3:
            break
    assert kept == 3
