"""``download_samples.py``: the menu never hangs without a terminal; --source runs non-interactively."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sources.archive_server import LocalServer, clips_under, forbid_internet, librispeech_tar
from speechmusic.download_menu import main

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "download_samples.py"


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch):
    forbid_internet(monkeypatch)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def answers(*replies):
    queue = list(replies)

    def ask(prompt):
        if not queue:
            raise EOFError
        return queue.pop(0)

    return ask


def run_script(*args, timeout=120):
    return subprocess.run([sys.executable, str(SCRIPT), *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)


def test_menu_without_a_terminal_exits_nonzero_without_waiting(tmp_path):
    result = run_script("--data-dir", str(tmp_path / "data"), timeout=60)
    assert result.returncode == 2
    for entry in ("1) Speech from LibriSpeech", "2) Test music: pitch-shifted", "NOT real music", "3) Quick start",
                  "4) Instructions", "5) Offline"):
        assert entry in result.stdout
    assert "--source" in result.stderr and "not a terminal" in result.stderr
    assert not (tmp_path / "data").exists()


def test_non_interactive_synthetic_end_to_end(tmp_path):
    data = tmp_path / "data"
    result = run_script("--source", "synthetic", "--data-dir", str(data), "--train", "2", "--test", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    from speechmusic.dataset import load_dataset

    train_x, train_y, test_x, test_y, classes = load_dataset(data, cache=False)
    assert train_x.shape == (4, 128, 130) and test_x.shape == (2, 128, 130)
    assert train_y.tolist() == [[1, 1, 0, 0]] and test_y.tolist() == [[1, 0]]  # speech first
    assert np.all((train_x >= 0) & (train_x <= 1))
    assert list(classes) == [b"music", b"speech"]


def test_non_interactive_librispeech_from_a_local_mirror(tmp_path):
    data = tmp_path / "data"
    with LocalServer() as server:
        url = server.add("dev-clean.tar.gz", librispeech_tar(speakers=(1, 2, 3, 4), utterances=1))
        result = run_script("--source", "librispeech", "--data-dir", str(data), "--url", url, "--no-verify",
                            "--train", "3", "--test", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    assert len(clips_under(data)) == 4


def test_menu_instructions_entry(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path / "d")], stdin=FakeTerminal(), input_fn=answers("4"))
    assert code == 0
    out = capsys.readouterr().out
    assert "speechmusic prepare --from-folder" in out and "--label music" in out
    assert not (tmp_path / "d").exists()


def test_menu_quit_and_end_of_input(tmp_path):
    assert main(["--data-dir", str(tmp_path)], stdin=FakeTerminal(), input_fn=answers("q")) == 0
    assert main(["--data-dir", str(tmp_path)], stdin=FakeTerminal(), input_fn=answers()) == 1


def test_menu_runs_the_chosen_source_after_a_wrong_answer(tmp_path, capsys):
    data = tmp_path / "data"
    with LocalServer() as server:
        server.add("dev-clean.tar.gz", librispeech_tar(speakers=(1, 2, 3), utterances=1))
        code = main(["--data-dir", str(data), "--mirror", server.base, "--no-verify", "--train", "2", "--test", "1",
                     "--quiet"], stdin=FakeTerminal(), input_fn=answers("7", "1"))
    assert code == 0
    out = capsys.readouterr().out
    assert "please answer one of" in out
    assert len(list((data / "train" / "speech").glob("librispeech-*.wav"))) == 2


def test_menu_pitchshift_entry_says_what_it_is(tmp_path, capsys):
    data = tmp_path / "data"
    with LocalServer() as server:
        server.add("test-clean.tar.gz", librispeech_tar("test-clean", speakers=(5, 6), utterances=1))
        code = main(["--data-dir", str(data), "--mirror", server.base, "--no-verify", "--train", "1", "--test", "1",
                     "--quiet"], stdin=FakeTerminal(), input_fn=answers("2"))
    assert code == 0
    assert "pitch-shifted speech, not music" in capsys.readouterr().out
    assert [p.name.startswith("pitchshifted-speech-") for p in clips_under(data)] == [True, True]


def test_errors_are_one_line_and_nonzero(tmp_path, capsys):
    from sources.archive_server import closed_port_url

    code = main(["--source", "librispeech", "--data-dir", str(tmp_path / "data"), "--url", closed_port_url(),
                 "--retries", "0", "--quiet"])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: could not download dev-clean.tar.gz")
    assert clips_under(tmp_path / "data") == []


def test_every_online_source_from_a_local_mirror_makes_valid_clips(tmp_path):
    import soundfile as sf

    from sources.archive_server import gtzan_tar, musan_tar

    with LocalServer() as server:
        server.add("dev-clean.tar.gz", librispeech_tar(speakers=(1, 2, 3, 4), utterances=1))
        server.add("test-clean.tar.gz", librispeech_tar("test-clean", speakers=(5, 6, 7), utterances=1))
        server.add("music_speech.tar.gz", gtzan_tar(n_per_class=3))
        server.add("musan.tar.gz", musan_tar(n_tracks=4))
        expected = {"librispeech": {"speech"}, "gtzan": {"music", "speech"}, "musan": {"music"},
                    "pitchshift": {"music"}, "quickstart": {"music", "speech"}}
        for source, labels in expected.items():
            data = tmp_path / source
            code = main(["--source", source, "--data-dir", str(data), "--mirror", server.base, "--no-verify",
                         "--train", "2", "--test", "1", "--quiet"])
            assert code == 0, source
            for split, n in (("train", 2), ("test", 1)):
                for label in ("music", "speech"):
                    clips = sorted((data / split / label).glob("*.wav"))
                    assert len(clips) == (n if label in labels else 0), (source, split, label)
                    for clip in clips:
                        info = sf.info(str(clip))
                        assert (info.samplerate, info.channels, info.frames) == (22050, 1, 66150)
