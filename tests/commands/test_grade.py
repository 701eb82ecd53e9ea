"""The grader: notebooks run in their own processes with time limits, and always get a report."""

import csv
import json
import textwrap
from pathlib import Path

import nbformat
import pytest

from speechmusic import cli
from speechmusic.teaching import grading
from speechmusic.teaching.grading import grade_notebook, grade_notebooks

EXERCISES = ("dimensions", "flatten", "sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model")

#: Correct answers to the eight exercises, on small made-up data (no dataset needed).
SOLUTION = textwrap.dedent('''
    import numpy as np
    rng = np.random.default_rng(0)
    train_set_x_orig = rng.random((6, 128, 130))
    test_set_x_orig = rng.random((4, 128, 130))
    m_train, n_mels, time_steps = train_set_x_orig.shape
    m_test = test_set_x_orig.shape[0]
    train_set_x_flatten = train_set_x_orig.reshape(m_train, -1).T
    test_set_x_flatten = test_set_x_orig.reshape(m_test, -1).T
    ---
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))
    ---
    def initialize_with_zeros(dim):
        return np.zeros((dim, 1)), 0.0
    ---
    def propagate(w, b, X, Y):
        m = X.shape[1]
        A = sigmoid(w.T @ X + b)
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        return {"dw": X @ (A - Y).T / m, "db": float(np.sum(A - Y) / m)}, float(np.squeeze(cost))
    ---
    def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
        costs = []
        for i in range(num_iterations):
            grads, cost = propagate(w, b, X, Y)
            w = w - learning_rate * grads["dw"]
            b = b - learning_rate * grads["db"]
            if i % 100 == 0:
                costs.append(cost)
        return {"w": w, "b": b}, grads, costs
    ---
    def predict(w, b, X):
        return (sigmoid(w.T @ X + b) > 0.5).astype(float)
    ---
    def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
        w, b = initialize_with_zeros(X_train.shape[0])
        params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
        w, b = params["w"], params["b"]
        return {"costs": costs, "Y_prediction_test": predict(w, b, X_test),
                "Y_prediction_train": predict(w, b, X_train), "w": w, "b": b,
                "learning_rate": learning_rate, "num_iterations": num_iterations}
''').split("---\n")


def write_notebook(path: Path, cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a submission")] + [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def lab_dir(tmp_path_factory):
    """A lab folder: the notebook's imports must work from the kernel."""
    folder = tmp_path_factory.mktemp("lab")
    (folder / "audio_utils.py").write_text("LAB_MARKER = 'audio_utils from the lab folder'\n")
    (folder / "public_tests.py").write_text("from speechmusic.teaching.public_tests import *\n")
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory, lab_dir):
    """Grade a batch of submissions once (two at a time); tests below read the reports."""
    pytest.importorskip("speechmusic.teaching.exercise_checks")
    root = tmp_path_factory.mktemp("submissions")
    data_dir = root / "my-data"
    data_dir.mkdir()
    env_check = textwrap.dedent(f'''
        import os, audio_utils, public_tests
        assert audio_utils.LAB_MARKER == 'audio_utils from the lab folder'
        assert os.environ["SPEECHMUSIC_DATA"] == {str(data_dir.resolve())!r}
        assert os.path.realpath(os.getcwd()) != {str(root.resolve())!r}
        open("written-by-notebook.txt", "w").write("scratch")
        import json, ipykernel
        if os.name == "posix":  # Unix sockets, not TCP ports that kernels started side by side could share
            assert json.loads(ipykernel.get_connection_info())["transport"] == "ipc"
    ''')
    wrong_sigmoid = "import math\ndef sigmoid(z):\n    return 1 / (1 + math.exp(-z))\n"
    bonus_left = write_notebook(root / "bonus-left.ipynb", SOLUTION + [
        "def pool_features(X_orig):\n    return pooled",  # the ungraded bonus, left as handed out
        "from public_tests import *\npool_features_test(pool_features)",
        "from public_tests import require_bonus\nrequire_bonus(pool_features)\npooled_train = pool_features(1)"])
    nb = nbformat.read(str(bonus_left), as_version=4)
    for cell in nb.cells[-3:]:
        cell.metadata["tags"] = ["bonus"]
    nbformat.write(nb, str(bonus_left))
    notebooks = {
        "good": write_notebook(root / "good.ipynb", [env_check] + SOLUTION),
        "partial": write_notebook(root / "partial.ipynb", SOLUTION[:1] + [wrong_sigmoid, "1 / 0"] + SOLUTION[2:]),
        "blank": write_notebook(root / "blank.ipynb", ["# YOUR CODE STARTS HERE\n# YOUR CODE ENDS HERE",
                                                       "raise NotImplementedError('exercise 3')"]),
        "died": write_notebook(root / "died.ipynb", SOLUTION[:2] + ["import os\nos._exit(3)"] + SOLUTION[2:]),
        "bonus left": bonus_left,
    }
    (root / "broken.ipynb").write_text("{ this is not json")
    notebooks["broken"] = root / "broken.ipynb"
    notebooks["missing"] = root / "missing.ipynb"
    before = {name: (p.read_bytes(), p.stat().st_mtime_ns) for name, p in notebooks.items() if p.exists()}
    # The command's default per-exercise limit (30 s): with 10 s, a machine loaded by other work
    # (load average 7 on 2 cores, measured) timed out a correct exercise's check.
    reports = grade_notebooks(list(notebooks.values()), jobs=2, timeout=120, check_timeout=30,
                              data_dir=data_dir, lab_dir=lab_dir)
    return {"root": root, "before": before, "paths": notebooks,
            "reports": dict(zip(notebooks, reports))}


@pytest.mark.slow
def test_a_correct_notebook_scores_one(graded):
    report = graded["reports"]["good"]
    assert report.status == "completed", report.message
    assert report.errors == []  # the environment checks in its first cell passed
    assert list(report.exercises) == list(EXERCISES)
    assert all(e["passed"] for e in report.exercises.values())
    assert report.score == 1.0 and report.passed == 8 and report.total == 8


@pytest.mark.slow
def test_submissions_are_never_modified_and_scratch_files_stay_out(graded):
    for name, (content, mtime) in graded["before"].items():
        path = graded["paths"][name]
        assert path.read_bytes() == content and path.stat().st_mtime_ns == mtime
    assert not (graded["root"] / "written-by-notebook.txt").exists()
    assert sorted(p.name for p in graded["root"].iterdir()) == sorted(
        ["good.ipynb", "partial.ipynb", "blank.ipynb", "died.ipynb", "broken.ipynb", "bonus-left.ipynb", "my-data"])


@pytest.mark.slow
def test_errors_are_recorded_and_other_exercises_still_graded(graded):
    report = graded["reports"]["partial"]
    assert report.status == "completed"
    # Numbered as Jupyter shows it, In [3] (the third code cell), and by position among all cells (4th).
    assert [(e["cell"], e["position"], e["ename"]) for e in report.errors] == [(3, 4, "ZeroDivisionError")]
    assert "1 cell raised" in report.message
    assert not report.exercises["sigmoid"]["passed"]
    assert report.exercises["sigmoid"]["message"]  # the checks explain what went wrong
    passed = [name for name, e in report.exercises.items() if e["passed"]]
    assert "sigmoid" not in passed and "dimensions" in passed and "initialize_with_zeros" in passed
    assert report.score == pytest.approx(len(passed) / 8)


@pytest.mark.slow
def test_the_ungraded_bonus_left_empty_costs_nothing_and_is_listed_apart(graded):
    report = graded["reports"]["bonus left"]
    assert report.score == 1.0 and report.status == "completed"
    assert report.errors == [] and report.message == ""  # a perfect submission lists no failing cell
    # SOLUTION's 7 code cells, then the bonus (defined, not called), its test and a cell that needs it.
    assert [(e["cell"], e["ename"]) for e in report.ungraded] == [(9, "ExerciseFailure"), (10, "BonusNotDone")]
    assert "the bonus is not done yet" in report.ungraded[1]["evalue"]


@pytest.mark.slow
def test_a_blank_notebook_scores_zero(graded):
    report = graded["reports"]["blank"]
    assert report.status == "completed"
    assert report.score == 0.0 and report.passed == 0
    assert [e["ename"] for e in report.errors] == ["NotImplementedError"]
    assert all("not defined" in e["message"] for e in report.exercises.values())


@pytest.mark.slow
def test_a_notebook_that_kills_its_kernel_gets_a_report(graded):
    report = graded["reports"]["died"]
    assert report.status == "kernel_died"
    assert "cell In [3]" in report.message and report.score == 0.0
    assert set(report.exercises) == set(EXERCISES)


@pytest.mark.slow
def test_unreadable_and_missing_notebooks_get_reports(graded):
    broken, missing = graded["reports"]["broken"], graded["reports"]["missing"]
    assert broken.status == "failed" and "not a readable notebook" in broken.message
    assert missing.status == "failed" and "no such file" in missing.message
    assert broken.score == missing.score == 0.0


@pytest.mark.slow
def test_reports_are_json_ready(graded):
    for report in graded["reports"].values():
        data = json.loads(json.dumps(report.as_dict()))
        assert set(data) >= {"notebook", "score", "exercises", "status", "errors", "passed", "total"}
        assert 0.0 <= data["score"] <= 1.0


@pytest.fixture(scope="module", autouse=True)
def stopped_in_background(tmp_path_factory, lab_dir):
    """Two notebooks that must be stopped, graded side by side in the background from the module's start.

    Each waits out its time limit idle (~12 s), so the module's other tests run meanwhile instead
    of the core standing idle; :func:`stopped` collects the reports.
    """
    from concurrent.futures import ThreadPoolExecutor

    pytest.importorskip("speechmusic.teaching.exercise_checks")
    root = tmp_path_factory.mktemp("stopped")
    endless = write_notebook(root / "hang.ipynb",
                             SOLUTION[:3] + ["import time\nwhile True:\n    time.sleep(0.05)"] + SOLUTION[3:])
    stubborn = "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n    except BaseException:\n        pass"
    ignores = write_notebook(root / "stubborn.ipynb", ["def sigmoid(z):\n    return z", stubborn])
    with pytest.MonkeyPatch.context() as patch, ThreadPoolExecutor(2) as pool:
        # The check cell's limit is 8 exercises x check_timeout + the grace, at least 5 s: a 1-s
        # grace (passed to the worker) keeps the stubborn notebook's wait at 5 s instead of 14 s.
        # Patched for the whole module (no other test here depends on the grace). The limits
        # include the kernel's start, which the module's other tests slow down: 8 s each.
        patch.setattr(grading, "CHECK_CELL_GRACE", 1.0)
        yield {"endless": pool.submit(grade_notebook, endless, timeout=8, check_timeout=5, lab_dir=lab_dir),
               "ignores interrupts": pool.submit(grade_notebook, ignores, timeout=8, check_timeout=0.5, lab_dir=lab_dir)}


@pytest.fixture(scope="module")
def stopped(stopped_in_background):
    return {name: future.result() for name, future in stopped_in_background.items()}


def test_a_worker_that_overruns_is_killed(tmp_path, lab_dir, monkeypatch):
    fake_python = tmp_path / "fake-python"
    fake_python.write_text("#!/bin/sh\nsleep 120\n")
    fake_python.chmod(0o755)
    monkeypatch.setattr(grading, "HARD_KILL_GRACE", 0.5)
    monkeypatch.setattr(grading, "CHECK_CELL_GRACE", 0.5)
    path = write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    report = grade_notebook(path, timeout=0.5, check_timeout=0.1, lab_dir=lab_dir, python=str(fake_python))
    assert report.status == "timeout" and "was stopped" in report.message
    assert report.seconds < 60 and report.score == 0.0  # killed long before its 120-s sleep ended


def test_a_worker_that_crashes_gets_a_report(tmp_path, lab_dir):
    fake_python = tmp_path / "crashing-python"
    fake_python.write_text("#!/bin/sh\necho 'Segmentation fault' >&2\nexit 139\n")
    fake_python.chmod(0o755)
    path = write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    report = grade_notebook(path, lab_dir=lab_dir, python=str(fake_python))
    assert report.status == "failed" and "exit code 139" in report.message and "Segmentation fault" in report.message


def test_lab_dir_must_hold_the_lab_files(tmp_path):
    from speechmusic.core.errors import SpeechMusicError

    with pytest.raises(SpeechMusicError, match="audio_utils.py"):
        grading.find_lab_dir(tmp_path)


@pytest.mark.slow
def test_grade_command_json_and_text(tmp_path, lab_dir, capsys):
    pytest.importorskip("speechmusic.teaching.exercise_checks")
    good = write_notebook(tmp_path / "good.ipynb", SOLUTION)
    blank = write_notebook(tmp_path / "blank.ipynb", ["x = 1"])
    code = cli.main(["grade", str(good), str(blank), "--lab-dir", str(lab_dir), "--json", "--jobs", "2", "--quiet"])
    out = capsys.readouterr().out
    reports = json.loads(out)
    assert code == 0 and isinstance(reports, list)
    assert [r["score"] for r in reports] == [1.0, 0.0]
    assert reports[0]["exercises"]["propagate"] == {"passed": True, "message": reports[0]["exercises"]["propagate"]["message"]}
    code = cli.main(["grade", str(blank), "--lab-dir", str(lab_dir), "--fail-under", "0.5"])
    out = capsys.readouterr().out
    assert code == 1
    assert "score 0.00 (0/8 exercises)" in out and "FAIL  sigmoid" in out


def test_grade_command_exit_code_for_unreadable_file(tmp_path, lab_dir, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("nope")
    code = cli.main(["grade", str(bad), "--lab-dir", str(lab_dir), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and isinstance(report, dict) and report["status"] == "failed"


def test_default_data_dir_is_the_lab_folders(tmp_path, monkeypatch):
    monkeypatch.delenv("SPEECHMUSIC_DATA", raising=False)
    assert grading.default_data_dir(None, tmp_path) is None  # no data folder there: leave it
    (tmp_path / "data").mkdir()
    assert grading.default_data_dir(None, tmp_path) == tmp_path / "data"
    assert grading.default_data_dir(tmp_path / "mine", tmp_path) == tmp_path / "mine"
    monkeypatch.setenv("SPEECHMUSIC_DATA", str(tmp_path / "from-env"))
    assert grading.default_data_dir(None, tmp_path) is None  # the grader's environment passes through


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to list processes")
def test_cancelling_stops_the_worker_and_its_kernel(tmp_path, lab_dir, monkeypatch):
    import tempfile
    import threading
    import time

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # the grader's temporary folders go here
    path = write_notebook(tmp_path / "hang.ipynb", ["import time\nwhile True:\n    time.sleep(0.05)"])  # idle, not spinning
    cancel = threading.Event()

    def cancel_once_the_kernel_runs():  # so that there is a worker and a kernel to stop
        for _ in range(1200):
            if list(scratch.glob("*/kernel.pid")):
                break
            time.sleep(0.05)
        cancel.set()

    threading.Thread(target=cancel_once_the_kernel_runs, daemon=True).start()
    try:
        report = grade_notebook(path, timeout=120, lab_dir=lab_dir, cancel=cancel)
    except KeyboardInterrupt:
        pass
    else:
        pytest.fail(f"not cancelled, graded instead: {report.status}: {report.message}")
    assert _processes_mentioning(str(scratch)) == []  # neither the worker nor the kernel is left
    assert list(scratch.iterdir()) == []  # and the temporary folder is gone


# Last in the module: their notebooks have been grading in the background since its start.
@pytest.mark.slow
def test_a_notebook_that_never_finishes_is_interrupted_and_still_graded(stopped):
    report = stopped["endless"]
    assert report.status == "timeout"
    assert "cell In [4]" in report.message and "interrupted" in report.message
    # What was defined before the endless cell is graded; what came after was never run.
    assert report.exercises["sigmoid"]["passed"] and report.exercises["initialize_with_zeros"]["passed"]
    assert not report.exercises["model"]["passed"]
    assert report.seconds < 60  # interrupted, not left to run


@pytest.mark.slow
def test_a_cell_that_ignores_interrupts_is_stopped(stopped):
    report = stopped["ignores interrupts"]
    assert report.status == "timeout" and "did not stop when interrupted" in report.message
    assert report.score == 0.0


def _without_one_over_m(cells):
    propagate = next(i for i, cell in enumerate(cells) if cell.lstrip().startswith("def propagate"))
    wrong = cells[propagate].replace('"dw": X @ (A - Y).T / m', '"dw": X @ (A - Y).T')
    assert wrong != cells[propagate]
    return cells[:propagate] + [wrong] + cells[propagate + 1:]


@pytest.mark.slow
def test_one_mistake_costs_one_exercise_and_the_gradebook_says_which(tmp_path, lab_dir, capsys):
    notebook = write_notebook(tmp_path / "one-over-m.ipynb", _without_one_over_m(SOLUTION))
    gradebook = tmp_path / "gradebook.csv"
    gradebook.write_text("an older gradebook\n")  # replaced
    code = cli.main(["grade", str(notebook), "--lab-dir", str(lab_dir), "--csv", str(gradebook), "--json",
                     "--memory-limit", "2"])
    alone = json.loads(capsys.readouterr().out)
    assert code == 0 and alone["judged"] == "alone"
    failed = [name for name, result in alone["exercises"].items() if not result["passed"]]
    assert failed == ["propagate"] and alone["score"] == 0.875  # a missing 1/m costs one exercise
    assert "1/m factor is missing" in alone["exercises"]["propagate"]["message"]
    assert "optimize passes with the reference propagate" in alone["exercises"]["optimize"]["message"]
    assert "your propagate (exercise 5) is wrong" in alone["exercises"]["optimize"]["message"]

    rows = list(csv.DictReader(gradebook.open()))
    assert list(rows[0]) == ["file", "score", *EXERCISES, "status", "seconds", "first_failure"]
    assert len(rows) == 1 and rows[0]["file"] == str(notebook) and rows[0]["score"] == "0.8750"
    assert [rows[0][name] for name in EXERCISES] == ["pass"] * 4 + ["fail"] + ["pass"] * 3
    assert rows[0]["status"] == "completed" and rows[0]["first_failure"].startswith("propagate: dw has the right shape but wrong values")
    assert not list(tmp_path.glob("*.part"))  # written atomically

    code = cli.main(["grade", str(notebook), "--lab-dir", str(lab_dir), "--json", "--cascade"])
    cascade = json.loads(capsys.readouterr().out)
    assert cascade["judged"] == "cascade"
    # With the learner's own propagate throughout, the one mistake also fails optimize and model.
    assert [name for name, result in cascade["exercises"].items() if not result["passed"]] == \
        ["propagate", "optimize", "model"]
    assert "calls your propagate (exercise 5)" in cascade["exercises"]["optimize"]["message"]
