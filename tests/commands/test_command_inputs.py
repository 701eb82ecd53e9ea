"""What the commands do with the inputs they are given: a file named twice, only unreadable files, a folder."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli as run
from conftest import tone, write_audio
from model_helpers import save_model


@pytest.fixture
def model(tiny_dataset, tmp_path):
    return save_model(tiny_dataset, tmp_path / "model.npz")


def test_predict_classifies_a_file_named_twice_once(model, tmp_path, capsys):
    folder = tmp_path / "in"
    clip = write_audio(folder / "x.wav", tone(440.0, 3.0))
    write_audio(folder / "y.wav", tone(660.0, 3.0))
    # by itself, inside the named folder, and under another spelling of its path
    code, out, _ = run(capsys, "predict", clip, folder, folder / ".." / "in" / "x.wav", "--model", model, "--json")
    results = json.loads(out)
    assert code == 0 and [r["file"] for r in results] == [str(clip), str(folder / "y.wav")]


def test_predict_of_only_unreadable_files_prints_no_empty_table(model, tmp_path, capsys):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVEjunk")
    code, out, err = run(capsys, "predict", broken, tmp_path / "missing.wav", "--model", model)
    assert code == 1
    assert out == ""  # no model line, no header without rows
    assert "broken.wav" in err and "missing.wav" in err


def test_segment_of_a_folder_without_out_dir_says_what_to_add(model, tmp_path, capsys):
    folder = tmp_path / "recordings"
    write_audio(folder / "x.wav", tone(440.0, 3.0))
    code, out, err = run(capsys, "segment", folder, "--model", model)
    assert code == 2 and out == ""
    assert f"{folder} is a folder" in err and "--out-dir DIR" in err and "no such file" not in err
