import json
import shutil
from pathlib import Path

import pytest
from conftest import SYNTHETIC, copy_dataset
from PIL import Image

from speechmusic import cli
from speechmusic.commands import demo
from speechmusic.commands.demo import run_demo
from speechmusic.core.errors import DatasetError


def _png_size(path):
    with Image.open(path) as image:
        return image.size


def test_demo_on_existing_dataset_writes_metrics_and_figures(tiny_dataset, tmp_path):
    out = tmp_path / "out"
    lines = []
    metrics = run_demo(tiny_dataset, out, iterations=300, learning_rate=0.05, log=lines.append)
    assert not metrics["synthetic_data_generated"]
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["train_accuracy"] == metrics["train_accuracy"] == 1.0  # tones vs noise are separable
    assert 0.0 <= saved["test_accuracy"] <= 1.0
    assert {"features_seconds", "train_seconds"} <= set(saved["timings"])
    assert saved["m_train"] == 8 and saved["num_iterations"] == 300
    for name in ("example_spectrograms.png", "cost_curve.png", "weights.png"):
        width, height = _png_size(out / name)
        assert width > 200 and height > 200
    assert any(line.startswith("test accuracy: ") for line in lines)
    assert set(saved["pooled_features"]) == {"train_accuracy", "test_accuracy"}
    assert saved["pooled_features"]["train_accuracy"] == 1.0
    assert any("time-pooled features" in line for line in lines)


@pytest.mark.slow
def test_demo_main_job_on_an_empty_folder(tmp_path, synthetic_dataset, monkeypatch):
    """The quick start's path: no data -> the synthetic set is generated, trained on, reported."""

    # The generator is deterministic (each clip depends only on seed, split, class and index, see
    # test_synth), and the session has already run it with the demo's settings: the demo's call
    # gets that result copied instead of spending another half minute on the same files. The
    # call itself (its folder and settings) is checked here.
    calls = []

    def generate(data_dir, **options):
        calls.append((Path(data_dir), options))
        if {k: options.get(k) for k in SYNTHETIC} != SYNTHETIC:
            raise AssertionError(f"the demo asked for another synthetic set than the default: {options}")
        assert not Path(data_dir).exists() or not any(Path(data_dir).iterdir())
        copy_dataset(synthetic_dataset, Path(data_dir), n_train=SYNTHETIC["n_train"], n_test=SYNTHETIC["n_test"])
        shutil.copy2(synthetic_dataset / "SYNTHETIC_README.txt", Path(data_dir) / "SYNTHETIC_README.txt")

    monkeypatch.setattr(demo, "build_synthetic_dataset", generate)  # where run_demo looks it up
    data, out = tmp_path / "data", tmp_path / "out"
    lines = []
    metrics = run_demo(data, out, log=lines.append)
    assert [path for path, _ in calls] == [data]
    assert metrics["synthetic_data_generated"] and "generate_seconds" in metrics["timings"]
    assert (metrics["m_train"], metrics["m_test"]) == (120, 40)
    assert (data / "SYNTHETIC_README.txt").is_file()
    clips = sorted(p.name for p in data.rglob("*.wav"))
    assert len(clips) == 160 and all(name.startswith("synthetic-") for name in clips)
    # Floors, well below what was measured (flat 0.80, pooled 0.925 with seed 0) and far above
    # chance (0.5): they catch a broken pipeline, not a tuned number.
    assert metrics["train_accuracy"] == 1.0
    assert metrics["test_accuracy"] >= 0.7
    assert metrics["pooled_features"]["test_accuracy"] >= 0.85
    assert f"test accuracy: {100 * metrics['test_accuracy']:.1f} %" in lines

    again = run_demo(data, tmp_path / "out2", log=lambda line: None)
    assert not again["synthetic_data_generated"]
    assert again["test_accuracy"] == metrics["test_accuracy"]  # deterministic, data reused as is


def test_demo_does_not_mix_synthetic_data_into_a_partial_dataset(tiny_dataset, tmp_path):
    for p in (tiny_dataset / "test" / "music").iterdir():
        p.unlink()
    with pytest.raises(DatasetError, match="only generates data into a folder that holds no audio"):
        run_demo(tiny_dataset, tmp_path / "out", iterations=10)
    assert not list((tiny_dataset / "test" / "music").iterdir())


def test_demo_rerun_replaces_its_own_outputs(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["demo", "--data-dir", str(tiny_dataset), "--out", str(out), "--iterations", "20"]) == 0
    first = (out / "metrics.json").read_text()
    assert cli.main(["demo", "--data-dir", str(tiny_dataset), "--out", str(out), "--iterations", "40"]) == 0
    assert json.loads((out / "metrics.json").read_text())["num_iterations"] == 40 != json.loads(first)["num_iterations"]
    output = capsys.readouterr().out
    assert "test accuracy:" in output
    assert f"replaced example_spectrograms.png, cost_curve.png, weights.png, metrics.json in {out} (written by an earlier demo run)" in output


def test_demo_bad_learning_rate_is_refused_before_any_work(tiny_dataset, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--data-dir", str(tiny_dataset), "--out", str(tmp_path / "o"), "--learning-rate", "-1"])
    assert info.value.code == 2
    assert "argument --learning-rate: must be a number > 0, got -1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_demo_keeps_files_it_did_not_write_and_says_so_before_any_work(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "results"
    out.mkdir()
    (out / "weights.png").write_bytes(b"my own figure")
    (out / "notes.txt").write_text("mine")
    empty_data = tmp_path / "empty"
    code = cli.main(["demo", "--data-dir", str(empty_data), "--out", str(out), "--iterations", "20"])
    err = capsys.readouterr().err
    assert code == 2 and f"{out / 'weights.png'} exists and was not written by an earlier demo run" in err
    assert "--overwrite" in err and "--out DIR" in err
    assert (out / "weights.png").read_bytes() == b"my own figure"
    assert not empty_data.exists()  # refused before generating any data
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "weights.png"]

    # --overwrite replaces the demo's output names, and only those.
    code = cli.main(["demo", "--data-dir", str(tiny_dataset), "--out", str(out), "--iterations", "20", "--overwrite"])
    assert code == 0 and "replaced weights.png" in capsys.readouterr().out
    assert (out / "weights.png").read_bytes().startswith(b"\x89PNG") and (out / "notes.txt").read_text() == "mine"


def test_demo_treats_a_changed_output_as_not_its_own(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["demo", "--data-dir", str(tiny_dataset), "--out", str(out), "--iterations", "20"]) == 0
    recorded = json.loads((out / "metrics.json").read_text())
    assert recorded["written_by"] == "speechmusic demo"
    assert sorted(recorded["outputs"]) == ["cost_curve.png", "example_spectrograms.png", "weights.png"]
    (out / "cost_curve.png").write_bytes(b"edited by hand")
    capsys.readouterr()
    assert cli.main(["demo", "--data-dir", str(tiny_dataset), "--out", str(out), "--iterations", "20"]) == 2
    assert "cost_curve.png exists and was not written by an earlier demo run (or changed since)" in capsys.readouterr().err
    assert (out / "cost_curve.png").read_bytes() == b"edited by hand"
    assert json.loads((out / "metrics.json").read_text()) == recorded  # nothing replaced


def test_demo_out_must_be_a_folder(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "report.txt"
    out.write_text("mine")
    assert cli.main(["demo", "--data-dir", str(tiny_dataset), "--out", str(out)]) == 2
    assert "--out must be a folder" in capsys.readouterr().err and out.read_text() == "mine"
