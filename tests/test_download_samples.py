"""``download_samples.py``: the menu never hangs without a terminal; --source runs non-interactively."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sources.archive_server import (
    LocalServer,
    clips_under,
    closed_port_url,
    forbid_internet,
    gtzan_tar,
    librispeech_tar,
)

from speechmusic.commands.download_menu import main
from speechmusic.data.sources.probe import ProbeResult, probe_network

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


def online(urls):
    """Stands in for the network check in tests about other parts of the menu."""
    return ProbeResult(True, ("http://example.invalid/",), "http://example.invalid/", 0.0)


def run_script(*args, timeout=120):
    return subprocess.run([sys.executable, str(SCRIPT), *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)


def test_menu_without_a_terminal_exits_nonzero_without_waiting(tmp_path):
    result = run_script("--data-dir", str(tmp_path / "data"), timeout=60)
    assert result.returncode == 2
    # It refuses, says why and what to pass instead, and does not print a menu it cannot ask (issue 20).
    assert result.stdout == ""
    assert "--source" in result.stderr and "not a terminal" in result.stderr
    for source in ("synthetic", "librispeech", "gtzan", "musan", "pitchshift", "real-world", "quickstart"):
        assert source in result.stderr
    assert "1) Speech from LibriSpeech" not in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
def test_non_interactive_synthetic_end_to_end(tmp_path):
    data = tmp_path / "data"
    result = run_script("--source", "synthetic", "--data-dir", str(data), "--train", "2", "--test", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    from speechmusic.data.dataset import load_dataset

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
    code = main(["--data-dir", str(tmp_path / "d")], stdin=FakeTerminal(), input_fn=answers("4"), probe=online)
    assert code == 0
    out = capsys.readouterr().out
    assert "speechmusic prepare --from-folder" in out and "--label music" in out
    assert not (tmp_path / "d").exists()


def test_menu_quit_and_end_of_input(tmp_path):
    assert main(["--data-dir", str(tmp_path)], stdin=FakeTerminal(), input_fn=answers("q"), probe=online) == 0
    assert main(["--data-dir", str(tmp_path)], stdin=FakeTerminal(), input_fn=answers(), probe=online) == 1


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
    err = capsys.readouterr().err
    assert err.startswith("error: could not download dev-clean.tar.gz")
    # every download failure says how to go on without the network, with the exact command
    assert err.rstrip().endswith(".venv/bin/python download_samples.py --source synthetic")
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


# --- offline is a first-class path ------------------------------------------------------------------


def test_network_probe_answers_from_a_local_server_and_not_from_a_closed_port():
    with LocalServer() as server:
        result = probe_network([closed_port_url(), server.url("dev-clean.tar.gz")])
        assert result.reachable and result.answered == server.base + "/"
        assert len(result.hosts) == 2  # every host asked, at once
    result = probe_network([closed_port_url(), closed_port_url("music_speech.tar.gz")])
    assert not result.reachable and result.answered is None
    assert "no answer from 127.0.0.1:" in result.describe()
    # A refused connection fails at once: the line says so rather than "within 0.0 s" (issue 20).
    assert "within 0.0 s" not in result.describe() and "failed at once" in result.describe()
    waited = ProbeResult(False, ("http://10.0.0.1/",), None, 3.02, 3.0)
    assert waited.describe() == "no answer from 10.0.0.1 within 3 s"
    assert probe_network([]).reachable  # nothing to ask: nothing to fail


def test_offline_menu_says_so_and_enter_builds_the_synthetic_set(tmp_path, capsys):
    data = tmp_path / "data"
    # The download hosts are a closed port on this machine: the real check runs and gets no answer.
    prompts = []

    def enter(prompt):
        prompts.append(prompt)
        return ""

    code = main(["--data-dir", str(data), "--mirror", closed_port_url("").rstrip("/"), "--train", "1", "--test", "1",
                 "--quiet"], stdin=FakeTerminal(), input_fn=enter)
    assert code == 0
    out = capsys.readouterr().out
    assert "Checking the network ... no answer from 127.0.0.1:" in out and "You seem to be offline" in out
    assert ".venv/bin/python download_samples.py --source synthetic" in out
    assert prompts == ["Choice [5]: "]
    clips = clips_under(data)
    assert len(clips) == 4 and all(p.name.startswith("synthetic-") for p in clips)


def test_offline_menu_does_not_start_a_download_unless_confirmed(tmp_path, capsys):
    prompts = []

    def ask(prompt):
        prompts.append(prompt)
        return ["3", "", "q"][len(prompts) - 1]

    with LocalServer() as server:
        code = main(["--data-dir", str(tmp_path / "data"), "--mirror", server.base, "--quiet"], stdin=FakeTerminal(),
                    input_fn=ask, probe=lambda urls: ProbeResult(False, (server.base + "/",), None, 3.0))
        assert server.state.requests == []  # nothing was tried
    assert code == 0
    assert prompts[0] == "Choice [5]: " and "Try anyway" in prompts[1] and prompts[2] == "Choice [5]: "
    assert "Not downloading. Choose 5" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()


def test_offline_menu_downloads_when_confirmed(tmp_path):
    data = tmp_path / "data"
    with LocalServer() as server:
        server.add("dev-clean.tar.gz", librispeech_tar(speakers=(1, 2, 3), utterances=1))
        code = main(["--data-dir", str(data), "--mirror", server.base, "--no-verify", "--train", "2", "--test", "1",
                     "--quiet"], stdin=FakeTerminal(), input_fn=answers("1", "y"),
                    probe=lambda urls: ProbeResult(False, (server.base + "/",), None, 3.0))
    assert code == 0 and len(clips_under(data)) == 3


def test_online_menu_enter_runs_the_quick_start(tmp_path, capsys):
    data = tmp_path / "data"
    with LocalServer() as server:
        server.add("dev-clean.tar.gz", librispeech_tar(speakers=(1, 2, 3, 4), utterances=1))
        server.add("music_speech.tar.gz", gtzan_tar(n_per_class=3))
        code = main(["--data-dir", str(data), "--mirror", server.base, "--no-verify", "--train", "2", "--test", "1",
                     "--quiet"], stdin=FakeTerminal(), input_fn=answers(""))
    assert code == 0
    out = capsys.readouterr().out
    assert f"{server.base}/ answered" in out and "offline" not in out
    assert {p.parent.name for p in clips_under(data)} == {"speech", "music"}


def test_help_shows_defaults_and_the_menu(tmp_path):
    result = run_script("--help", timeout=60)
    assert result.returncode == 0
    out = " ".join(result.stdout.split())  # argparse wraps lines
    for text in ("(default: 60)", "(default: 20)", "(default: 3)", "Enter picks 3, or 5 when no download host answers",
                 "1) Speech from LibriSpeech", "322 MiB", "Runs: --source librispeech",
                 "2) Test music", "NOT real music", "Runs: --source pitchshift",
                 "3) Quick start", "283 MiB", "Runs: --source quickstart",
                 "4) Instructions", "prints instructions",
                 "5) Offline", "no download", "Runs: --source synthetic",
                 "6) Real-world set", "61 MiB", "Runs: --source real-world",
                 ".venv/bin/python download_samples.py --source synthetic"):
        assert text in out, text
