"""train, evaluate, predict and segment end to end through the command line, on generated audio."""

import json

import numpy as np
import pytest
from conftest import SR, noise, tone, write_audio
from conftest import run_cli as run
from model_helpers import alternating_recording, save_model, write_recording

from speechmusic import cli
from speechmusic.apps.pipeline import load_classifier
from speechmusic.apps.segment_formats import read_segments_csv


@pytest.fixture
def model(tiny_dataset, tmp_path):
    return save_model(tiny_dataset, tmp_path / "model.npz")


# ----------------------------------------------------------------------------------- train
def test_train_saves_a_model_with_its_recipe(tiny_dataset, tmp_path, capsys):
    path = tmp_path / "m.npz"
    code, out, _ = run(capsys, "train", "--data-dir", tiny_dataset, "--model", path, "--iterations", 200, "--quiet")
    assert code == 0 and out == ""
    clf = load_classifier(path)
    assert clf.feature_kind == "prosody" and clf.model.standardize  # train's default kind
    assert clf.metadata["n_train"] == 8 and clf.metadata["train_accuracy"] == 1.0
    assert clf.metadata["num_iterations"] == 200 and clf.metadata["learning_rate"] == 0.1
    assert clf.metadata["data_dir"] == str(tiny_dataset)
    assert clf.metadata["trained_at"]


def test_train_text_output_and_flat_features(tiny_dataset, tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--data-dir", tiny_dataset, "--model", tmp_path / "flat.npz",
                       "--features", "flat", "--iterations", 100, "--learning-rate", 0.05)
    assert code == 0
    assert "train accuracy: 100.0 %" in out and "saved" in out
    clf = load_classifier(tmp_path / "flat.npz")
    assert clf.feature_kind == "flat" and not clf.model.standardize and clf.model.learning_rate == 0.05


def test_train_json_summary(tiny_dataset, tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--data-dir", tiny_dataset, "--model", tmp_path / "m.npz", "--json",
                       "--iterations", 50, "--no-standardize")
    summary = json.loads(out)
    assert code == 0
    assert summary["n_train"] == 8 and summary["n_per_class"] == {"music": 4, "speech": 4}
    assert summary["standardize"] is False and summary["num_iterations"] == 50
    assert 0 <= summary["train_accuracy"] <= 1 and summary["validation_accuracy"] is None


def test_train_refuses_to_overwrite_before_any_work(tiny_dataset, tmp_path, capsys):
    path = tmp_path / "m.npz"
    path.write_bytes(b"precious")
    code, _, err = run(capsys, "train", "--data-dir", tiny_dataset, "--model", path)
    assert code == 2 and "already exists" in err and "--overwrite" in err
    assert path.read_bytes() == b"precious"
    code, _, _ = run(capsys, "train", "--data-dir", tiny_dataset, "--model", path, "--overwrite", "--quiet",
                     "--iterations", 10)
    assert code == 0 and load_classifier(path).metadata["num_iterations"] == 10


def test_train_validation_holds_out_whole_recordings(tiny_dataset, tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--data-dir", tiny_dataset, "--model", tmp_path / "m.npz", "--json",
                       "--validation", 0.5, "--seed", 3, "--iterations", 100)
    summary = json.loads(out)
    assert code == 0 and summary["n_validation"] == 4 and summary["n_fit"] == 4
    assert summary["validation_accuracy"] == 1.0  # tones vs noise generalise
    code, _, err = run(capsys, "train", "--data-dir", tiny_dataset, "--model", tmp_path / "x.npz", "--validation", 1.5)
    assert code == 2 and "between 0 and 1" in err


def test_validation_keeps_clips_of_one_recording_together(tmp_path):
    from speechmusic.data.splits import validation_mask

    labels = np.array([0] * 6 + [1] * 6)
    groups = ["a", "a", "a", "b", "b", "c", "d", "d", "e", "e", "f", "f"]
    for seed in range(10):
        held = validation_mask(labels, groups, 0.4, seed)
        for group in set(groups):
            members = [held[i] for i, g in enumerate(groups) if g == group]
            assert all(members) or not any(members)
        assert held[labels == 0].any() and (~held[labels == 0]).any()


def test_train_without_data_is_one_line_error(tmp_path, capsys):
    code, _, err = run(capsys, "train", "--data-dir", tmp_path / "none", "--model", tmp_path / "m.npz")
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    assert not (tmp_path / "m.npz").exists()


# -------------------------------------------------------------------------------- evaluate
def test_evaluate_json_has_accuracy_n_and_confusion(model, tiny_dataset, capsys):
    code, out, _ = run(capsys, "evaluate", "--data-dir", tiny_dataset, "--model", model, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["accuracy"] == 1.0 and report["n"] == 8
    assert report["labels"] == ["music", "speech"]
    assert report["confusion"] == [[4, 0], [0, 4]]
    assert report["per_class"]["speech"] == {"precision": 1.0, "recall": 1.0, "support": 4}
    assert report["misclassified"] == []


def test_evaluate_needs_only_the_test_split(model, tiny_dataset, tmp_path, capsys):
    import shutil

    only_test = tmp_path / "only-test"
    shutil.copytree(tiny_dataset / "test", only_test / "test")
    code, out, _ = run(capsys, "evaluate", "--data-dir", only_test, "--model", model)
    assert code == 0
    assert "accuracy: 100.0 %" in out and "confusion matrix" in out and "precision" in out


def test_evaluate_reports_mistakes(tiny_dataset, tmp_path, capsys):
    # Swap the test folders: every prediction is now wrong.
    import shutil

    swapped = tmp_path / "swapped" / "test"
    shutil.copytree(tiny_dataset / "test" / "music", swapped / "speech")
    shutil.copytree(tiny_dataset / "test" / "speech", swapped / "music")
    model = save_model(tiny_dataset, tmp_path / "m.npz")
    code, out, _ = run(capsys, "evaluate", "--data-dir", swapped.parent, "--model", model, "--json")
    report = json.loads(out)
    assert report["accuracy"] == 0.0 and report["confusion"] == [[0, 4], [4, 0]]
    assert len(report["misclassified"]) == 8
    assert {m["true"] for m in report["misclassified"]} == {"music", "speech"}


def test_classification_report_handles_a_class_never_predicted():
    from speechmusic.commands.evaluate import classification_report

    report = classification_report(np.array([0, 0, 1]), np.array([0, 0, 0]))
    assert report["per_class"]["speech"]["precision"] is None
    assert report["per_class"]["speech"]["recall"] == 0.0
    assert report["accuracy"] == pytest.approx(2 / 3)
    json.dumps(report, allow_nan=False)


def test_evaluate_with_a_bad_model_is_one_line_error(tiny_dataset, tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"junk")
    code, out, err = run(capsys, "evaluate", "--data-dir", tiny_dataset, "--model", bad)
    assert code == 2 and out == "" and err.count("\n") == 1 and "not a speechmusic model file" in err


# --------------------------------------------------------------------------------- predict
def test_predict_short_files(model, tmp_path, capsys):
    music = write_audio(tmp_path / "a tone.wav", tone(330.0, 2.0))
    burst = noise(3.0, seed=9)
    burst[: burst.size // 4] *= 0.05  # like the training "speech": noise that starts quietly
    speech = write_audio(tmp_path / "hiss.flac", burst)
    code, out, _ = run(capsys, "predict", music, speech, "--model", model, "--json")
    results = json.loads(out)
    assert code == 0 and [r["label"] for r in results] == ["music", "speech"]
    assert results[0]["probability_speech"] < 0.5 < results[1]["probability_speech"]
    assert all(r["windows"] == [] for r in results)
    code, out, _ = run(capsys, "predict", music, "--model", model, "--json")
    assert isinstance(json.loads(out), dict)  # one file: one object


def test_predict_long_file_gets_per_window_results(model, tmp_path, capsys):
    path, _ = write_recording(tmp_path / "long.wav", [("music", 6.0), ("speech", 6.0)])
    code, out, _ = run(capsys, "predict", path, "--model", model, "--json")
    result = json.loads(out)
    assert code == 0 and result["duration"] == pytest.approx(12.0)
    windows = result["windows"]
    assert [w["start"] for w in windows] == [0.0, 3.0, 6.0, 9.0]
    assert [w["label"] for w in windows] == ["music", "music", "speech", "speech"]
    assert result["probability_speech"] == pytest.approx(np.mean([w["probability_speech"] for w in windows]), abs=1e-5)
    code, out, _ = run(capsys, "predict", path, "--model", model, "--hop", 1.5)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith(f"model: {model} (")
    lines = lines[1:]
    assert lines[0].split() == ["label", "p(speech)", "p(music)", "file"]
    assert lines[1].startswith("speech ") or lines[1].startswith("music ")
    assert "(12.0 s, 7 windows:" in lines[1]
    window_lines = [line for line in lines if "    window " in line]
    assert len(window_lines) == 7  # windows at 0, 1.5, ..., 9: one line each
    assert window_lines[0].endswith("window 0.00-3.00 s") and window_lines[-1].endswith("window 9.00-12.00 s")
    assert [line.split()[0] for line in window_lines[:2]] == ["music", "music"]


def test_predict_folder_and_unreadable_files(model, tmp_path, capsys):
    folder = tmp_path / "in"
    write_audio(folder / "x.wav", tone(440.0, 3.0))
    (folder / "notes.txt").write_text("not audio")
    broken = folder / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVEjunk")
    code, out, err = run(capsys, "predict", folder, "--model", model)
    assert code == 1  # one file failed, the other is still reported
    assert "x.wav" in out and "broken.wav" in err and "notes.txt" not in out + err
    code, out, _ = run(capsys, "predict", folder, "--model", model, "--json")
    results = json.loads(out)
    assert {("error" in r) for r in results} == {True, False}



def test_predict_json_of_a_folder_is_a_list_even_with_one_recording(model, tmp_path, capsys):
    folder = tmp_path / "one"
    write_audio(folder / "x.wav", tone(440.0, 3.0))
    code, out, _ = run(capsys, "predict", folder, "--model", model, "--json")
    results = json.loads(out)
    assert code == 0 and isinstance(results, list) and len(results) == 1
    assert results[0]["file"] == str(folder / "x.wav")


def test_predict_digital_silence_is_reported_as_silence_and_carries_no_weight(model, tmp_path, capsys):
    sound, _ = write_recording(tmp_path / "sound.wav", [("speech", 6.0)], seed=4)
    code, out, _ = run(capsys, "predict", sound, "--model", model, "--json")
    alone = json.loads(out)
    # The same 6 s followed by 6 s of digital silence (a padded export, a recording left running).
    y, _ = alternating_recording([("speech", 6.0)], seed=4)
    padded = write_audio(tmp_path / "padded.wav", np.concatenate([y, np.zeros(6 * SR, np.float32)]))
    silent = write_audio(tmp_path / "silent.wav", np.zeros(4 * SR, np.float32))
    code, out, _ = run(capsys, "predict", padded, silent, "--model", model, "--json")
    padded_result, silent_result = json.loads(out)
    assert code == 0
    assert [w["label"] for w in padded_result["windows"]] == ["speech", "speech", "silence", "silence"]
    assert [w["probability_speech"] for w in padded_result["windows"][2:]] == [None, None]
    # The verdict is that of the sound alone, not dragged towards what an empty spectrogram scores.
    assert padded_result["probability_speech"] == pytest.approx(alone["probability_speech"], abs=1e-6)
    assert padded_result["label"] == alone["label"] == "speech"
    assert silent_result["label"] == "silence" and silent_result["probability_speech"] is None
    assert [w["label"] for w in silent_result["windows"]] == ["silence", "silence"]
    code, out, _ = run(capsys, "predict", padded, silent, "--model", model, "--summary")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith(f"model: {model} (")  # which model: the first line
    assert lines[1].split() == ["label", "p(speech)", "p(music)", "file"]  # a probability per label of the model
    assert "2 speech, 0 music, 2 silence" in lines[2] and len(lines) == 4  # --summary: no window lines
    assert lines[3].split()[:3] == ["silence", "-", "-"] and lines[3].endswith("silent.wav  (4.0 s, 2 windows: 0 speech, 0 music, 2 silence)")


@pytest.mark.parametrize("label", ["speech", "music"])
def test_segment_a_long_silent_gap_is_silence_and_a_pause_is_not(model, tmp_path, capsys, label):
    """8 s of digital silence inside one label is a silence segment (whatever an all-zero spectrogram
    scores, it does not pull the sound around it); half a second, a pause, stays inside the segment."""
    first, _ = alternating_recording([(label, 8.0)], seed=1)
    second, _ = alternating_recording([(label, 8.0)], seed=2)
    for gap, expected in ((8.0, [label, "silence", label]), (0.5, [label])):
        y = np.concatenate([first, np.zeros(int(gap * SR), np.float32), second])
        path = write_audio(tmp_path / f"gap-{gap}.wav", y)
        code, out, _ = run(capsys, "segment", path, "--model", model, "--quiet", "--json")
        summary = json.loads(out)
        assert code == 0 and [s["label"] for s in summary["segments"]] == expected
        if gap == 8.0:
            silence = summary["segments"][1]
            assert silence["start"] == pytest.approx(8.0, abs=1.0) and silence["end"] == pytest.approx(16.0, abs=1.0)
            assert summary["silence_seconds"] == pytest.approx(8.0, abs=1.5)
            assert summary[f"{label}_seconds"] + summary["silence_seconds"] == pytest.approx(24.0, abs=0.01)


def test_silence_db_sets_the_floor_and_off_keeps_only_digital_silence(model, tmp_path, capsys):
    """A stretch at -45 dBFS is sound under the default floor (-60) and silence under --silence-db -40;
    'off' (argparse cannot take a separate -inf as a value) leaves only digital silence as silence."""
    first, _ = alternating_recording([("music", 8.0)], seed=1)
    quiet = first[: 8 * SR] * (10 ** (-45 / 20) / float(np.sqrt(np.mean(first[: 8 * SR] ** 2))))
    path = write_audio(tmp_path / "quiet.wav", np.concatenate([first, quiet.astype(np.float32)]))
    labels = {}
    for floor in (None, "-40", "off"):
        extra = [] if floor is None else ["--silence-db", floor]
        code, out, err = run(capsys, "segment", path, "--model", model, "--quiet", "--json", *extra)
        assert code == 0, err
        labels[floor] = [s["label"] for s in json.loads(out)["segments"]]
    assert "silence" not in labels[None] and "silence" not in labels["off"]
    assert labels["-40"][-1] == "silence"
    silent = write_audio(tmp_path / "digital.wav", np.zeros(4 * SR, np.float32))
    code, out, _ = run(capsys, "predict", silent, "--model", model, "--json", "--silence-db", "off")
    assert code == 0 and json.loads(out)["label"] == "silence"
    with pytest.raises(SystemExit) as stop:
        cli.main(["segment", str(path), "--model", str(model), "--silence-db", "loud"])
    assert stop.value.code == 2 and "'loud' is not a number" in capsys.readouterr().err


# --------------------------------------------------------------------------------- segment
def test_segment_writes_csv_and_plot(model, tmp_path, capsys):
    path, truth = write_recording(tmp_path / "show.ogg", [("speech", 12.0), ("music", 15.0), ("speech", 10.0)], seed=3)
    csv_path, png = tmp_path / "out" / "seg.csv", tmp_path / "out" / "seg.png"
    code, out, err = run(capsys, "segment", path, "--model", model, "--csv", csv_path, "--plot", png)
    assert code == 0 and out == ""
    segments = read_segments_csv(csv_path)
    assert csv_path.read_text().splitlines()[0] == "start,end,label"
    assert [s.label for s in segments] == ["speech", "music", "speech"]
    assert abs(segments[1].start - 12.0) <= 2.0 and abs(segments[2].start - 27.0) <= 2.0
    assert segments[-1].end == pytest.approx(37.0, abs=0.01)
    assert png.stat().st_size > 10_000
    assert "3 segments" in err and "real time" in err
    # Existing outputs are kept unless --overwrite.
    before = csv_path.read_text()
    code, _, err = run(capsys, "segment", path, "--model", model, "--csv", csv_path)
    assert code == 2 and "--overwrite" in err and csv_path.read_text() == before
    code, _, _ = run(capsys, "segment", path, "--model", model, "--csv", csv_path, "--overwrite", "--quiet",
                     "--switch-penalty", 0)
    assert code == 0


def test_segment_csv_on_stdout_and_json(model, tmp_path, capsys):
    path, _ = write_recording(tmp_path / "show.wav", [("music", 8.0), ("speech", 8.0)], seed=5)
    code, out, _ = run(capsys, "segment", path, "--model", model, "--quiet")
    assert code == 0 and out.splitlines()[0] == "start,end,label" and len(out.splitlines()) == 3
    code, out, _ = run(capsys, "segment", path, "--model", model, "--quiet", "--json", "--hop", 0.5)
    summary = json.loads(out)
    assert [s["label"] for s in summary["segments"]] == ["music", "speech"]
    assert summary["duration"] == pytest.approx(16.0) and summary["hop"] == pytest.approx(0.5, abs=0.02)
    assert set(summary) >= {"file", "model", "n_windows", "speech_seconds", "music_seconds", "realtime_factor"}


def test_segment_errors(model, tiny_dataset, tmp_path, capsys):
    code, _, err = run(capsys, "segment", tmp_path / "missing.wav", "--model", model)
    assert code == 2 and "no such file" in err
    path, _ = write_recording(tmp_path / "a.wav", [("music", 5.0)])
    code, _, err = run(capsys, "segment", path, "--model", model, "--plot", tmp_path / "x.jpg")
    assert code == 2 and ".png" in err
    flat = save_model(tiny_dataset, tmp_path / "flat.npz", kind="flat")
    code, _, err = run(capsys, "segment", path, "--model", flat, "--window", 2)
    assert code == 2 and "pooled" in err
    code, _, err = run(capsys, "segment", path, "--model", model, "--window", 2, "--quiet")
    assert code == 0  # pooled models accept other window lengths


def test_every_command_has_examples_in_help(capsys):
    for name in ("train", "evaluate", "predict", "segment", "grade", "check"):
        with pytest.raises(SystemExit) as info:
            cli.main([name, "--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and f"speechmusic {name}" in out.replace("python test_setup.py", "speechmusic check")


@pytest.mark.parametrize("option, name", [("--csv", "pipe.csv"), ("--plot", "pipe.png")])
def test_segment_writes_into_a_pipe_without_overwrite(model, tmp_path, capsys, option, name):
    import os
    import stat
    import threading

    path, _ = write_recording(tmp_path / "a.wav", [("music", 6.0)])
    fifo = tmp_path / name
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, _, err = run(capsys, "segment", path, "--model", model, option, fifo, "--quiet")
    reader.join(timeout=30)
    assert code == 0, err
    expected_start = b"start,end,label" if option == "--csv" else b"\x89PNG"
    assert received and received[0].startswith(expected_start)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_outputs_to_a_pipe_are_written_into_it_not_replaced(model, tmp_path, capsys):
    import os
    import stat
    import threading

    path, _ = write_recording(tmp_path / "a.wav", [("music", 6.0)])
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    code, _, _ = run(capsys, "segment", path, "--model", model, "--csv", fifo, "--quiet", "--overwrite")
    reader.join(timeout=30)
    assert code == 0 and received and received[0].startswith("start,end,label")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a pipe, not replaced by a regular file
    code, _, err = run(capsys, "train", "--data-dir", tmp_path, "--model", fifo, "--overwrite")
    assert code == 2 and "not a regular file" in err and stat.S_ISFIFO(os.stat(fifo).st_mode)
    code, _, err = run(capsys, "segment", path, "--model", model, "--csv", tmp_path)
    assert code == 2 and "is a folder" in err
