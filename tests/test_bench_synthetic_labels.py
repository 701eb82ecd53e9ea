"""The realism measurement for the tools' labels (benchmarks/bench_synthetic_labels.py) on tiny inputs:
its windows, verdicts, tables and skip path. How good the numbers are is the benchmark's to report.
"""

from __future__ import annotations

import sys

import numpy as np
from conftest import REPO_ROOT, noise, tone, write_audio

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

HEADER = "id,label,category,repo\n"


def fake_real_world(root):
    """Four sources: two talk-like noise bursts, a tone (music), a quiet hiss (neither)."""
    rows = [("talk-a", "speech", "read", "one/repo"), ("talk-b", "speech", "read", "two/repo"),
            ("tune", "music", "a-cappella", "three/repo"), ("hiss", "neither", "silence-hiss", "four/repo")]
    write_audio(root / "speech" / "talk-a.wav", noise(4.0, seed=1))
    write_audio(root / "speech" / "talk-b.wav", noise(2.0, seed=2))  # shorter than a window: padded
    write_audio(root / "music" / "tune.wav", tone(330.0, 7.0))
    write_audio(root / "neither" / "hiss.wav", noise(3.5, amplitude=1e-4, seed=3))  # -80 dBFS: silence
    (root / "manifest.csv").write_text(HEADER + "".join(",".join(row) + "\n" for row in rows))
    return root


def test_real_clips_are_cut_into_3_s_windows_with_their_level(tmp_path):
    from benchmarks.bench_synthetic_labels import real_clips

    real = real_clips(fake_real_world(tmp_path / "rw"))
    assert [row["id"] for row in real.rows] == ["talk-a", "talk-b", "tune", "hiss"]
    np.testing.assert_array_equal(real.clip_index, [0, 1, 2, 2, 3])  # 4 s -> 1, 2 s -> 1 padded, 7 s -> 2, 3.5 s -> 1
    assert real.vectors.shape == (5, 42)
    assert real.level_db[4] < -60 < real.level_db[0]


def test_verdicts_tables_and_the_silence_rule(tmp_path):
    from benchmarks.bench_synthetic_labels import (
        confusion,
        loso_verdicts,
        real_clips,
        right,
        synthetic_set,
        table,
        verdicts,
    )

    real = real_clips(fake_real_world(tmp_path / "rw"))
    x, y = synthetic_set(0, ("speech", "music", "noise"), True, 3, cache=tmp_path / "cache")
    assert x.shape == (9, 42) and list(y) == ["speech"] * 3 + ["music"] * 3 + ["noise"] * 3
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 3
    again, _ = synthetic_set(0, ("speech", "music", "noise"), True, 3, cache=tmp_path / "cache")
    np.testing.assert_array_equal(x, again)  # read back from the cache
    called = verdicts(x, y, real)
    assert called[3] == "silence"  # every window of the hiss is below -60 dBFS
    assert set(called[:3]) <= {"speech", "music", "noise"}
    assert right(real.rows[3], "silence") and right(real.rows[3], "noise") and not right(real.rows[2], "speech")
    mixed = loso_verdicts(real, (x, y))
    assert len(mixed) == 4 and mixed[3] == "silence"
    lines = table(real, {"after": [called]})
    assert lines[0] == "| clips | n | after |"
    assert any(line.startswith("| music: a-cappella | 1 |") for line in lines)
    assert any(line.startswith("| neither: silence-hiss | 1 | 1 |") for line in lines)
    assert confusion(real, called)[-1].startswith("| neither | ")


def test_without_the_shared_set_it_says_so(tmp_path, capsys):
    from benchmarks.bench_synthetic_labels import main

    assert main(["--root", str(tmp_path / "absent")]) == 0
    assert "nothing to measure" in capsys.readouterr().out
