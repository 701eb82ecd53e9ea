"""The setup checklist: ``speechmusic check`` and ``python test_setup.py``."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, tone, write_audio

from speechmusic import cli
from speechmusic.teaching import setup_checklist
from speechmusic.teaching.setup_checklist import FAIL, OK, SKIP, WARN, run_checks


def by_name(results):
    return {r.name: r for r in results}


def test_ready_lab_passes_every_check(tiny_dataset):
    results = by_name(run_checks(tiny_dataset))
    assert not [r for r in results.values() if r.status == FAIL]
    for name in ("Python", "numpy", "soundfile", "audio round trip", "shapes", "value range", "load_dataset"):
        assert results[name].status == OK, results[name]
    assert results["train/music"].status == WARN  # 4 files: few, but usable
    assert "4 files" in results["train/music"].detail
    assert "(8, 128, 130)" in results["shapes"].detail and "(1, 8)" in results["shapes"].detail
    assert results["shapes"].detail.endswith("classes music, speech")  # names as text, not b'music'
    assert results["clip duration"].detail.startswith("16 of 16 files are 3-s clips")


def test_missing_data_fails_with_what_to_run(tmp_path):
    results = by_name(run_checks(tmp_path / "nowhere"))
    assert results["data folder"].status == FAIL
    assert "download_samples.py" in results["data folder"].hint
    assert results["dataset shapes and values"].status == SKIP


def test_missing_class_and_odd_lengths_are_reported(tiny_dataset):
    for f in (tiny_dataset / "test" / "speech").iterdir():
        f.unlink()
    write_audio(tiny_dataset / "train" / "music" / "blip.wav", tone(440.0, 0.4))
    write_audio(tiny_dataset / "train" / "music" / "long.wav", tone(440.0, 7.0))
    results = by_name(run_checks(tiny_dataset))
    assert results["test/speech"].status == FAIL and "no audio files" in results["test/speech"].detail
    assert results["clip duration"].status == WARN
    assert "1 longer" in results["clip duration"].detail and "blip.wav" in results["clip duration"].detail
    assert results["dataset shapes and values"].status == SKIP


def test_missing_required_package_fails_and_optional_warns(tiny_dataset, monkeypatch):
    monkeypatch.setattr(setup_checklist, "REQUIRED_PACKAGES",
                        setup_checklist.REQUIRED_PACKAGES + (("no_such_module_xyz", "no-such-package", "testing"),))
    monkeypatch.setattr(setup_checklist, "OPTIONAL_PACKAGES", (("also_missing_xyz", "also-missing", "extras"),))
    results = by_name(run_checks(tiny_dataset, load_features=False))
    assert results["no-such-package"].status == FAIL and "requirements.txt" in results["no-such-package"].hint
    assert results["also-missing"].status == WARN
    assert results["dataset shapes and values"].status == SKIP


def test_out_of_range_features_fail(tiny_dataset, monkeypatch):
    import speechmusic.data.dataset as dataset

    real = dataset.load_dataset

    def corrupted(*args, **kwargs):
        train_x, train_y, test_x, test_y, classes = real(*args, **kwargs)
        train_x[0, 0, 0] = np.nan
        return train_x, train_y, test_x, test_y, classes

    monkeypatch.setattr(dataset, "load_dataset", corrupted)
    assert by_name(run_checks(tiny_dataset))["value range"].status == FAIL


def test_check_command_exit_codes_and_json(tiny_dataset, tmp_path, capsys):
    assert cli.main(["check", "--data-dir", str(tiny_dataset), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "[ OK ] shapes" in out and "READY" in out and "NOT READY" not in out
    assert cli.main(["check", "--data-dir", str(tmp_path / "none"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ready"] is False
    assert {"group", "name", "status", "detail", "hint"} <= set(report["checks"][0])
    assert any(c["name"] == "data folder" and c["status"] == "fail" for c in report["checks"])


def test_repeated_hints_are_printed_once(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    cli.main(["check", "--data-dir", str(tmp_path / "data"), "--no-features"])
    out = capsys.readouterr().out
    assert out.count("download_samples.py --source synthetic") == 1 and "(see above)" in out


@pytest.mark.parametrize("ready", [True, False])
def test_setup_script_runs_the_same_checklist(tiny_dataset, tmp_path, ready):
    data = tiny_dataset if ready else tmp_path / "empty"
    done = subprocess.run([sys.executable, str(REPO_ROOT / "test_setup.py"), "--data-dir", str(data), "--quiet"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == (0 if ready else 1), done.stdout + done.stderr
    assert "speechmusic lab setup check" in done.stdout and "Traceback" not in done.stderr
    assert "[ OK ] audio_utils" in done.stdout  # found next to the script, whatever the working folder
    assert ("READY: the lab is set up" in done.stdout) == ready
    assert ("NOT READY" in done.stdout) == (not ready)


def test_setup_script_help():
    done = subprocess.run([sys.executable, str(REPO_ROOT / "test_setup.py"), "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "--data-dir" in done.stdout and "usage: test_setup.py" in done.stdout
