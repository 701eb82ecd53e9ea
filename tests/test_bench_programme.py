"""Benchmark 9's measuring code: programmes, their truth, boundary matching and labelled time."""

import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, SR, noise, tone

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import bench_programme as bp  # noqa: E402


def test_a_programme_has_its_ten_parts_and_every_level_once():
    speech = [noise(3.0 + i, seed=i) * 0.3 for i in range(6)]
    music = [tone(220.0 * (1 + i), 4.0, amplitude=0.3) for i in range(5)]
    y, parts = bp.build_programme(speech, music, np.random.default_rng(0), SR)
    assert [p.kind for p in parts] == ["music", "mix", "music", "speech", "music", "mix", "speech", "mix", "music",
                                       "mix"]
    assert sorted(p.level_db for p in parts if p.kind == "mix") == sorted(bp.LEVELS_DB)
    assert parts[0].start == 0 and parts[-1].end == pytest.approx(y.size / SR)
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    speech_parts = [p for p in parts if p.kind != "music"]
    assert [round(p.end - p.start, 3) for p in speech_parts] == [3.0, 4.0, 5.0, 6.0, 7.0, 8.0]  # each clip whole
    assert np.abs(y).max() <= 1.0
    truth = bp.truth_segments(parts)
    # speech, mix, speech in a row (parts 6-8) is one speech segment: speech over music is speech.
    assert [label for _, _, label in truth] == ["music", "speech", "music", "speech", "music", "speech", "music",
                                                "speech"]
    assert len(bp.boundaries(truth)) == 7


def test_boundaries_match_one_to_one_in_the_same_direction():
    true = [(10.0, "music->speech"), (20.0, "speech->music"), (30.0, "music->speech")]
    found = [(10.6, "music->speech"), (21.5, "speech->music"), (29.0, "speech->music"), (45.0, "music->speech")]
    errors, missed, spurious = bp.match_boundaries(true, found)
    assert errors == [0.6, 1.5] and missed == 1 and spurious == 2


def test_labelled_time_per_condition():
    parts = [bp.Part("music", 0.0, 10.0), bp.Part("mix", 10.0, 20.0, -10.0), bp.Part("speech", 20.0, 25.0)]
    found = [(0.0, 12.0, "music"), (12.0, 25.0, "speech")]
    right = bp.labelled_right(parts, found)
    assert right["music alone"] == pytest.approx((10.0, 10.0))
    assert right["speech over music -10 dB"] == pytest.approx((8.0, 10.0))
    tally = bp.Tally()
    tally.add(parts, found)
    assert tally.mix_share() == pytest.approx(0.8) and tally.overall() == pytest.approx(23 / 25)
    assert tally.errors == [2.0] and tally.within(1.0) == 0 and tally.missed == 0


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
    section = bp.run(tmp_path / "work", root=root, n_folds=2, synthetic_per_class=2, penalties=(5.0,), hops=(1.0,))
    assert section.skipped is None
    names = [row[0] for row in section.rows]
    assert names[:3] == ["default recipe", "default recipe without the speech-over-music mixes",
                         "synthetic set only (`speechmusic train` on it)"]
    assert "trained on these very clips" in names[-1]  # the shipped model, flagged
    assert "boundaries not refined" in names[3]  # the default recipe with `segment --no-refine`
    sweep = section.extra_tables[0][2]
    assert [row[2] for row in sweep] == ["no", "yes (default)"]  # refined and not, same hop and penalty
    assert len(section.headers) == len(section.rows[0]) == 2 + 6 + 4
    assert section.targets[0].what.startswith("speech over music labelled speech")
