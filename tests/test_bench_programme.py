"""Benchmark 9's measuring code: programmes, their truth, boundary matching and labelled time."""

import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, SR, noise, tone

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import bench_programme as bp  # noqa: E402


def _clips(songs: bool = True, neither: bool = True):
    speech = [(noise(3.0 + i, seed=i) * 0.3, f"talk {i}") for i in range(6)]
    music = [(tone(220.0 * (1 + i), 4.0, amplitude=0.3), f"tune {i}") for i in range(4)]
    song = [(tone(330.0, 12.0, amplitude=0.3), "song")] if songs else []
    rain = [(noise(6.0, seed=9) * 0.1, "rain")] if neither else []
    return bp.Clips(speech=speech, music=music, songs=song, neither=rain)


def test_a_programme_has_its_twelve_parts_with_jingles_between_talks():
    y, parts = bp.build_programme(_clips(), np.random.default_rng(0), SR)
    assert [p.kind for p in parts] == ["speech", "jingle", "speech", "song", "mix", "music", "noise", "speech",
                                       "silence", "mix", "jingle", "speech"]
    assert parts[0].start == 0 and parts[-1].end == pytest.approx(y.size / SR)
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    spoken = [p for p in parts if p.kind in ("speech", "mix")]
    assert [round(p.end - p.start, 3) for p in spoken] == [3.0, 4.0, 5.0, 6.0, 7.0, 8.0]  # each talk whole
    lengths = {p.kind: p.end - p.start for p in parts}
    assert all(3.0 <= p.end - p.start <= 8.0 for p in parts if p.kind == "jingle")
    assert 8.0 <= lengths["song"] <= 20.0 and 5.0 <= lengths["noise"] <= 12.0 and 2.0 <= lengths["silence"] <= 5.0
    assert all(p.level_db in bp.LEVELS_DB for p in parts if p.kind == "mix")
    assert np.abs(y).max() <= 1.0
    silence = next(p for p in parts if p.kind == "silence")
    quiet = y[int(silence.start * SR) + 1: int(silence.end * SR) - 1].astype(np.float64)
    assert 10 * np.log10(np.mean(quiet ** 2) + 1e-30) < -70  # digital silence or hiss at -75 dBFS
    truth = bp.truth_segments(parts)
    # Jingles and songs are music; speech over music is speech; noise and silence are their own labels.
    assert [label for _, _, label in truth] == ["speech", "music", "speech", "music", "speech", "music", "noise",
                                                "speech", "silence", "speech", "music", "speech"]
    assert len(bp.boundaries(truth)) == 11


def test_without_songs_or_neither_clips_the_programme_does_without():
    _, parts = bp.build_programme(_clips(songs=False, neither=False), np.random.default_rng(1), SR)
    kinds = [p.kind for p in parts]
    assert "song" not in kinds and "noise" not in kinds and kinds[3] == "music"


def test_boundaries_match_one_to_one_in_the_same_direction():
    true = [(10.0, "music->speech"), (20.0, "speech->music"), (30.0, "music->speech")]
    found = [(10.6, "music->speech"), (21.5, "speech->music"), (29.0, "speech->music"), (45.0, "music->speech")]
    errors, missed, spurious = bp.match_boundaries(true, found)
    assert errors == [0.6, 1.5] and missed == 1 and spurious == 2


def test_labelled_time_per_condition_and_per_label():
    parts = [bp.Part("music", 0.0, 10.0), bp.Part("mix", 10.0, 20.0, -10.0), bp.Part("speech", 20.0, 25.0),
             bp.Part("jingle", 25.0, 29.0), bp.Part("speech", 29.0, 35.0)]
    found = [(0.0, 12.0, "music"), (12.0, 25.0, "speech"), (25.0, 27.0, "music"), (27.0, 35.0, "speech")]
    right = bp.labelled_right(parts, found)
    assert right["music alone"] == pytest.approx((10.0, 10.0))
    assert right["speech over music -10 dB"] == pytest.approx((8.0, 10.0))
    assert right["jingle"] == pytest.approx((2.0, 4.0))
    tally = bp.Tally()
    tally.add(parts, found)
    assert tally.mix_share() == pytest.approx(0.8) and tally.overall() == pytest.approx(31 / 35)
    assert tally.label_share("music") == pytest.approx(12 / 14) and tally.label_share("speech") == pytest.approx(19 / 21)
    assert tally.share("jingle") == pytest.approx(0.5)
    assert sorted(tally.errors) == [0.0, 2.0, 2.0] and tally.within(1.0) == 1 and tally.missed == 0


def test_trim_silence_keeps_the_sound():
    y = np.concatenate([np.zeros(SR), tone(300.0, 1.0), np.zeros(SR // 2)])
    trimmed = bp.trim_silence(y, SR)
    assert abs(trimmed.size - SR) <= int(0.05 * SR)


def test_skipped_without_the_shared_set(tmp_path):
    section = bp.run(tmp_path, root=tmp_path / "missing")
    assert "is not present" in section.skipped and section.targets[0].met is None


@pytest.mark.slow
def test_tiny_run_on_a_stand_in_set(tmp_path):
    from test_evaluation import make_clip_folder

    root = make_clip_folder(tmp_path / "clips", sources=3, per_source=1)
    section = bp.run(tmp_path / "work", root=root, n_folds=2, synthetic_per_class=2, settings=((1.0, 8.0),))
    assert section.skipped is None
    names = [row[0] for row in section.rows]
    assert names[:2] == ["default recipe", "synthetic set only (`speechmusic train` on it)"]
    assert "boundaries not refined" in names[2]  # the default recipe with `segment --no-refine`
    assert "trained on these very clips" in names[-1]  # the shipped model, flagged
    sweep = section.extra_tables[0][2]
    assert [row[:2] for row in sweep] == [["1 s", "8"]]
    assert len(section.headers) == len(section.rows[0]) == 4 + len(bp.conditions()) + 4
    assert [t.what.split(" (")[0] for t in section.targets] == [
        "music labelled music", "jingles", "speech labelled speech", "speech over music labelled speech",
        "boundaries within 1 s"]
