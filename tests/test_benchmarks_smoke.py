"""Smoke test of benchmarks/: the quick path's code on tiny inputs, so the benchmark code cannot rot.

It checks that every benchmark runs and writes a complete report; it asserts nothing about speed
(timings belong in the benchmark's own output, not in tests).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, noise, tone, write_audio

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.mark.slow
def test_tiny_run_of_every_benchmark_writes_a_complete_report(tmp_path, capsys):
    from benchmarks.__main__ import main
    from benchmarks.isolated import run_isolated

    # A stand-in for ../shared/real-audio: two short recordings per class, a name with spaces.
    real = tmp_path / "real audio"
    for i in range(2):
        write_audio(real / "speech" / f"talk ({i}).wav", noise(4.0, seed=i) * np.repeat(
            (np.arange(8) % 2).astype(np.float32), 11025))
        write_audio(real / "music" / f"tune {i}.ogg", tone(330.0 * (i + 1), 4.0), format="OGG")
    # A stand-in for ../shared/real-world: a manifest and clips from a few sources.
    from test_evaluation import make_clip_folder

    real_world = make_clip_folder(tmp_path / "real world", sources=3, per_source=1)
    out = tmp_path / "report.md"

    assert main(["--tiny", "--work-dir", str(tmp_path / "work"), "--output", str(out),
                 "--real-audio", str(real), "--real-world", str(real_world)]) == 0

    text = out.read_text(encoding="utf-8")
    assert text == capsys.readouterr().out.rstrip("\n") + "\n"
    for heading in ("## Machine", "## Targets", "## 1. Dataset features", "## 2. Training",
                    "## 3. segment", "## 4. Real recordings", "## 5. Synthetic dataset",
                    "## 7. Real recordings from many sources", "## 8. Side by side with pyAudioAnalysis",
                    "## 9. Programmes: every second labelled", "## 10. Batch segment",
                    "## 11. listen: live labels against segment"):
        assert heading in text
    for fact in ("| CPU |", "| Cores |", "| Memory |", "| Python |", "| numpy |", "| librosa |", "| BLAS |",
                 "Other programs' CPU use"):
        assert fact in text
    assert "Skipped" not in text  # every benchmark really ran
    assert "agreement with librosa | max \\|difference\\| ≤ 0.002 | " in text
    agreement = [line for line in text.splitlines() if "| agreement with librosa |" in line][0]
    assert agreement.rstrip().endswith("| yes |")  # both pipelines computed the same features
    assert "leave one recording out (4 folds)" in text
    assert "one core kept busy by another program" in text
    batch = [line for line in text.splitlines() if line.startswith("| 10. Batch segment") and "corrupt file" in line][0]
    assert batch.rstrip().endswith("| yes |")  # every way of running wrote the same outputs and summary

    # The fresh-process runner (used for peak memory) reports time and memory.
    report = run_isolated("benchmarks.bench_features:step_load", data_dir=str(tmp_path / "work" / "features-small"),
                          cache=True)
    assert report["result"] == 8
    assert report["peak_rss_mib"] >= report["start_rss_mib"] > 0


def test_unknown_benchmark_name_is_refused():
    from benchmarks.__main__ import build_parser, run

    with pytest.raises(SystemExit, match="unknown benchmark"):
        run(build_parser().parse_args(["--only", "features,nonsense", "--no-save"]))
