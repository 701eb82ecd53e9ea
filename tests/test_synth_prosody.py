"""Tests of the synthetic talkers' languages and of song against speech (synth_prosody, synth_styles).

Each property is measured on plans or rendered audio of fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from speechmusic.data import synth
from speechmusic.data.synth import prosody as synth_prosody
from speechmusic.data.synth import styles as synth_styles
from speechmusic.data.synth.conditions import WORLD

SR = 22050
N = 66150


def _plans_with_rhythm(monkeypatch, name: str, count: int = 6):
    monkeypatch.setattr(synth.voice, "random_rhythm", lambda rng, weights=None: synth_prosody.RHYTHMS[name])
    plans = []
    for i in range(count):
        rng = np.random.default_rng([11, i])
        plan = synth.voice._plan_speech(rng, N, SR)
        synth.voice._pitch_track(rng, plan)
        plans.append(plan)
    return plans


def _syllable_rate(plans) -> float:
    """Syllables per second of speaking time (phrases only, pauses left out)."""
    syllables = sum(len(p.syllable_times) for p in plans)
    speaking = sum(end - start for p in plans for start, end in p.phrases)
    return syllables / speaking


def test_rhythm_families_speak_at_their_own_rates(monkeypatch):
    rates = {name: _syllable_rate(_plans_with_rhythm(monkeypatch, name)) for name in synth_prosody.RHYTHMS}
    # Mora-timed talk is the fastest, then syllable-timed; stress-timed talk has long stressed syllables.
    assert rates["mora"] > rates["syllable"] > rates["stress"]
    assert 2.5 < rates["stress"] < 6.5 and rates["mora"] > 5.5


def _within_syllable_movement(plan) -> float:
    """Mean absolute pitch change (semitones) from the start to the end of each syllable."""
    st = 12 * np.log2(plan.f0)
    moves = []
    for start, end in plan.phrases:
        times = [t for t in plan.syllable_times if start <= t < end] + [end]
        for a, b in zip(times[:-1], times[1:]):
            first, last = int(a * SR / synth.common._HOP) + 2, int(b * SR / synth.common._HOP) - 2
            if 0 <= first < last < plan.n_frames:
                moves.append(abs(st[last] - st[first]))
    return float(np.mean(moves))


def test_tone_languages_move_pitch_inside_each_syllable(monkeypatch):
    tonal = np.mean([_within_syllable_movement(p) for p in _plans_with_rhythm(monkeypatch, "tone")])
    syllabic = np.mean([_within_syllable_movement(p) for p in _plans_with_rhythm(monkeypatch, "syllable")])
    assert tonal > 1.3 * syllabic


def test_tone_contours_have_their_shapes():
    x = np.linspace(0, 1, 21)
    assert np.all(np.diff(synth_prosody.tone_contour("rising", x)) > 0)
    assert np.all(np.diff(synth_prosody.tone_contour("falling", x)) < 0)
    dip = synth_prosody.tone_contour("dipping", x)
    assert 5 <= np.argmin(dip) <= 15 and dip.min() < dip[0] - 1
    assert np.ptp(synth_prosody.tone_contour("high", x, span=2.0)) < 1.5


def test_speech_pitch_stays_in_range_without_holding_still_at_the_limits(monkeypatch):
    for plan in _plans_with_rhythm(monkeypatch, "tone"):
        assert plan.f0.min() >= 80 and plan.f0.max() <= 250
        # The soft limit bends the track: no run of identical values as a hard clip would make.
        assert np.max(np.abs(np.diff(np.log2(plan.f0)))) > 0
        assert np.mean(np.diff(plan.f0) == 0) < 0.01


def _held_share(f0: np.ndarray, hop_seconds: float) -> float:
    """Share of 200-ms stretches whose pitch (vibrato averaged out) stays within half a semitone."""
    st = 12 * np.log2(f0)
    smooth = max(int(0.25 / hop_seconds), 1)  # averages out vibrato of 4-8 Hz
    kernel = np.ones(smooth) / smooth
    local = np.convolve(st, kernel, "valid")
    span = max(int(0.2 / hop_seconds), 2)
    windows = np.lib.stride_tricks.sliding_window_view(local, span)[:: span // 2]
    return float(np.mean(np.ptp(windows, axis=1) < 0.5))


def test_song_holds_quantised_notes_where_speech_glides():
    import librosa

    rng = np.random.default_rng(5)
    timbre = synth.music._random_timbre(rng, "voice")
    notes, t = [], 0.0
    while t < 3.0:
        length = rng.uniform(0.4, 0.8)
        notes.append((t, length * 0.95, float(60 + rng.choice([0, 2, 4, 5, 7, 9]) - 12), 0.8))
        t += length
    sung = synth.music._render_singing(rng, notes, timbre, 0.0, N, SR, 8000.0)
    spoken, plan = synth.voice._dry_speech(np.random.default_rng(6), N, SR)
    hop = 256
    shares = {}
    for name, y in (("sung", sung), ("spoken", spoken)):
        f0, voiced, _ = librosa.pyin(y, fmin=70, fmax=500, sr=SR, frame_length=2048, hop_length=hop)
        runs = np.split(f0, np.flatnonzero(~voiced))  # voiced stretches
        held = [_held_share(r[~np.isnan(r)], hop / SR) for r in runs if np.sum(~np.isnan(r)) > 0.5 * SR / hop]
        shares[name] = np.mean(held) if held else 0.0
    assert shares["sung"] > 0.6
    assert shares["spoken"] < shares["sung"] - 0.3


@pytest.mark.slow
def test_speech_over_music_is_speech_with_a_quieter_music_bed(monkeypatch):
    """Clips with a music bed are speech clips; the bed sits 10-25 dB below the voice."""
    with_bed = []
    for i in range(40):
        rng = synth.clip_rng(0, "train", "speech", i, "world")
        _, plan = synth.clips._render_speech(rng, N, SR, WORLD)
        if plan.music_bed_db is not None:
            with_bed.append((i, plan.music_bed_db))
    assert 1 <= len(with_bed) <= 12  # about 12 %
    index, bed_db = with_bed[0]
    assert WORLD.music_bed_db[0] <= bed_db <= WORLD.music_bed_db[1]
    # Measured before the room, noise and channel (which differ with the bed's level).
    monkeypatch.setattr(synth.clips, "recording_chain", lambda y, rng, sr, settings, voice=None, record=None: y)
    clip = synth.synthesize_clip(0, "train", "speech", index, conditions="world").astype(np.float64)
    # The same clip with the bed muted: every other random choice is the same.
    monkeypatch.setattr(synth.clips, "_dry_music", lambda rng, n, sr, cond: (np.zeros(n), {}))
    voice_only = synth.synthesize_clip(0, "train", "speech", index, conditions="world").astype(np.float64)
    gain = np.dot(clip, voice_only) / np.dot(voice_only, voice_only)
    residual = clip - gain * voice_only
    measured = 10 * np.log10(np.mean((gain * voice_only) ** 2) / np.mean(residual**2))
    assert measured == pytest.approx(bed_db, abs=0.5)


def test_world_style_keeps_to_its_mode_over_a_drone():
    found = 0
    for i in range(150):
        plan = synth.music._plan_music(synth.clip_rng(1, "train", "music", i, "world"), 3.0, WORLD)
        if plan.style != "world":
            continue
        found += 1
        allowed = {(plan.tonic + step) % 12 for step in synth_styles.WORLD_SCALES[plan.scale]}
        for _, notes, _ in plan.parts:
            assert all(int(midi) % 12 in allowed for _, _, midi, _ in notes)
        melody, drone = plan.parts[0][1], plan.parts[1][1]
        assert {int(m) % 12 for _, _, m, _ in drone} == {plan.tonic % 12, (plan.tonic + 7) % 12}
        assert len(melody) > 0
    assert found >= 4


def test_the_lab_preset_has_neither_world_music_nor_other_languages():
    for i in range(60):
        assert synth.music._plan_music(synth.clip_rng(0, "train", "music", i), 3.0).style != "world"
        plan = synth.voice._plan_speech(synth.clip_rng(0, "train", "speech", i), N, SR)
        assert {voice.rhythm.name for _, _, voice in plan.voices} <= {"stress"}


def test_hand_drums_ring_at_the_tonic():
    kit = synth_styles.hand_drum_kit(np.random.default_rng(0), SR, 220.0)
    assert set(kit) == {"dayan", "bayan", "frame", "slap"}
    spectrum = np.abs(np.fft.rfft(kit["dayan"], 8 * SR))
    f = np.fft.rfftfreq(8 * SR, 1 / SR)
    assert abs(f[np.argmax(spectrum)] - 220.0) < 5.0
