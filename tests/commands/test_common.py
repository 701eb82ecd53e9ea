"""Helpers shared by the commands: expanding the files and folders named on a command line."""

from pathlib import Path

import pytest

from speechmusic import cli
from speechmusic.commands.common import expand_folders
from speechmusic.commands.grade import notebooks_in
from speechmusic.core.audio import find_audio_files
from speechmusic.core.errors import ParameterError


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_folders_are_replaced_in_place_and_other_paths_kept_as_given(tmp_path):
    folder = tmp_path / "in"
    b, a = touch(folder / "b.wav"), touch(folder / "a.wav")
    first, missing = touch(tmp_path / "z.wav"), tmp_path / "missing.wav"
    calls = []

    def find(path):
        calls.append(path)
        return sorted(path.iterdir())

    expanded = expand_folders([first, folder, missing, str(first)], find=find, what="things")
    # Order of the command line, the folder's files where the folder was; a missing path and a
    # repeated one are left for the command to report or process.
    assert expanded == [first, a, b, missing, first]
    assert all(isinstance(p, Path) for p in expanded)
    assert calls == [folder]


def test_a_folder_without_the_files_sought_is_an_error_naming_it(tmp_path):
    empty = tmp_path / "empty"
    touch(empty / "notes.txt")
    with pytest.raises(ParameterError, match=r"empty: no audio files in this folder"):
        expand_folders([empty], find=find_audio_files, what="audio files")


def test_a_notebook_folder_stands_for_its_own_visible_notebooks(tmp_path):
    b, a = touch(tmp_path / "b.ipynb"), touch(tmp_path / "a.ipynb")
    touch(tmp_path / ".hidden.ipynb")
    touch(tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb")
    touch(tmp_path / "sub" / "c.ipynb")  # not searched: only the folder's own notebooks
    touch(tmp_path / "notes.txt")
    (tmp_path / "folder.ipynb").mkdir()
    assert notebooks_in(tmp_path) == [a, b]


def test_grade_refuses_a_folder_without_notebooks(tmp_path, capsys):
    touch(tmp_path / "a.py")
    assert cli.main(["grade", str(tmp_path)]) == 2
    assert f"{tmp_path}: no .ipynb files in this folder" in capsys.readouterr().err
