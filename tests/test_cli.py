import subprocess
import sys

import pytest
from conftest import REPO_ROOT, noise, write_audio

from speechmusic import cli


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in ("demo", "prepare"):
        assert name in out


def test_every_listed_command_module_registers_a_command():
    import argparse

    for module in cli.COMMANDS:
        assert module.__name__.startswith("speechmusic.commands.")
        subparsers = argparse.ArgumentParser().add_subparsers()
        module.register(subparsers)
        assert len(subparsers.choices) == 1


def test_errors_are_one_line_without_traceback(tmp_path, capsys):
    code = cli.main(["prepare", "--from-folder", str(tmp_path / "missing"), "--label", "speech", "--split", "train",
                     "--data-dir", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err and "no such folder" in err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(Exception, match="no such folder"):
        cli.main(["--debug", "prepare", "--from-folder", str(tmp_path / "missing"), "--label", "speech",
                  "--split", "train", "--data-dir", str(tmp_path / "d")])


def test_prepare_command_end_to_end(tmp_path, capsys):
    write_audio(tmp_path / "src" / "a.wav", noise(7.0))
    args = ["prepare", "--from-folder", str(tmp_path / "src"), "--label", "music", "--split", "train",
            "--data-dir", str(tmp_path / "d"), "--quiet"]
    assert cli.main(args) == 0
    assert "2 new clips" in capsys.readouterr().out
    assert cli.main(args) == 0
    second = capsys.readouterr().out
    assert "0 new clips" in second and "2 already present" in second
    assert len(list((tmp_path / "d" / "train" / "music").glob("*.wav"))) == 2


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "speechmusic", "--version"], capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0 and result.stdout.startswith("speechmusic ")
