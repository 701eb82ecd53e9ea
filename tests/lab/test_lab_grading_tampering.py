"""A submission cannot forge its grade, and abusing the machine costs only its own marks.

Each tamper is one cell added to the blank student notebook (the student variant of every exercise
cell, built from notebook_source/, on made-up data); each must score exactly what the blank scores
(0), with the exercises' verdicts unchanged. They are graded in one batch with a correct notebook,
which must still score 1 and be judged as usual: resource abuse (a fork bomb, a memory hog, an output
flood, a disk fill) costs the abuser, never the batch. (An endless cell and one that ignores
interrupts are in tests/commands/test_grade.py; what the sandbox allows a process, without a kernel,
in tests/lab/test_lab_sandbox.py: no network, no other submission, read-only files.)

The kinds of tampering are those observed on the grader that ran the checks inside the kernel
(issue 20): patching the checker, replacing json.dumps, wrapping builtins.open to rewrite the result
file, stubbing the test functions, ndarray subclasses whose == is always true, patching NumPy's
comparisons, reading expected values from the stack, forging a result file and exiting; plus
impersonating the judge's agent (replaced in the kernel, or a thread that answers first), signalling
and reading other processes, and the lab's own reference code.
"""

from __future__ import annotations

import json
import os
import tempfile

import nbformat
import pytest
from lab_reference import exercise_cells

from speechmusic.teaching import EXERCISES
from speechmusic.teaching.grading import SandboxLimits, grade_notebooks

pytestmark = pytest.mark.slow

DATA = """\
import numpy as np
from public_tests import *
rng = np.random.default_rng(0)
train_set_x_orig = rng.random((6, 128, 130))
test_set_x_orig = rng.random((4, 128, 130))
"""

#: A cell that defines every exercise correctly (the control notebook).
SOLVED = """\
m_train, n_mels, time_steps = train_set_x_orig.shape
m_test = test_set_x_orig.shape[0]
train_set_x_flatten = train_set_x_orig.reshape(m_train, -1).T
test_set_x_flatten = test_set_x_orig.reshape(m_test, -1).T
"""

#: Each cell alone, added to the blank notebook, tries to raise its score.
TAMPERS = {
    "patch the checker": """
import speechmusic.teaching.exercise_checks as checks
real = checks.check_namespace
def forged(ns, **options):
    return {name: {"passed": True, "message": "All tests passed!"} for name in real({}, **options)}
checks.check_namespace = forged
""",
    "replace json.dumps": """
import json
real_dumps = json.dumps
def dumps(value, *args, **kwargs):
    return real_dumps(value, *args, **kwargs).replace('"passed": false', '"passed": true').replace('false', 'true')
json.dumps = dumps
""",
    "wrap builtins.open to rewrite the result file": """
import builtins
real_open = builtins.open
class Rewriting:
    def __init__(self, file):
        self.file = file
    def write(self, text):
        return self.file.write(text.replace('"passed": false', '"passed": true'))
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.file.close()
    def __getattr__(self, name):
        return getattr(self.file, name)
def forged_open(path, mode="r", *args, **kwargs):
    file = real_open(path, mode, *args, **kwargs)
    return Rewriting(file) if "w" in mode else file
builtins.open = forged_open
""",
    "stub the test functions": """
import speechmusic.teaching.public_tests as pt
from speechmusic.teaching.public_tests import common
def passes(*args, **kwargs):
    print("All tests passed!")
for name in pt.__all__:
    setattr(pt, name, passes)
    globals()[name] = passes
for tests in common.EXERCISE_TESTS.values():
    tests[:] = [passes] * len(tests)
common.fail = lambda *args, **kwargs: None
""",
    "ndarray subclass whose == is always true": """
import numpy as np
class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)
    def __ne__(self, other):
        return np.zeros(np.shape(self), dtype=bool)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(np.shape(self), dtype=bool).view(AlwaysEqual)
def fake(shape):
    return np.full(shape, 7.0).view(AlwaysEqual)
m_train = m_test = n_mels = time_steps = fake(())
train_set_x_flatten = test_set_x_flatten = fake((3, 3))
def sigmoid(z): return fake(np.shape(z))
def initialize_with_zeros(dim): return fake((dim, 1)), fake(())
def propagate(w, b, X, Y): return {"dw": fake(np.shape(w)), "db": fake(())}, fake(())
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return {"w": fake(np.shape(w)), "b": fake(())}, {"dw": fake(np.shape(w)), "db": fake(())}, [fake(())] * 3
def predict(w, b, X): return fake((1, np.shape(X)[1]))
def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005, print_cost=False):
    return {"costs": [fake(())] * 3, "Y_prediction_test": fake((1, X_test.shape[1])), "w": fake((X_train.shape[0], 1)),
            "Y_prediction_train": fake((1, X_train.shape[1])), "b": fake(()), "learning_rate": learning_rate,
            "num_iterations": num_iterations}
""",
    "patch NumPy's comparisons": """
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.all = lambda *args, **kwargs: True
def sigmoid(z): return np.full(np.shape(z), 7.0)
def propagate(w, b, X, Y): return {"dw": np.full(np.shape(w), 7.0), "db": 7.0}, 7.0
def predict(w, b, X): return np.full((1, np.shape(X)[1]), 7.0)
""",
    "read the expected values from the stack": """
import gc, inspect, sys
def steal(default):
    for info in inspect.stack():
        for name in ("expected", "ref", "ref_grads", "ref_cost", "ref_params", "reference"):
            if name in info.frame.f_locals:
                return info.frame.f_locals[name]
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in frame.f_locals.items():
            if "expect" in name or name.startswith("ref"):
                return value
        frame = frame.f_back
    return default
def sigmoid(z): return steal(z)
def initialize_with_zeros(dim): return steal((dim, 1))
def propagate(w, b, X, Y): return steal(({"dw": w, "db": b}, 0.0))
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    return steal(({"w": w, "b": b}, {"dw": w, "db": b}, []))
def predict(w, b, X): return steal(w)
""",
    "forge a result file then os._exit": """
import glob, json, os
forged = {"ok": True, "status": "completed", "message": "", "errors": [],
          "exercises": {name: {"passed": True, "message": "All tests passed!"} for name in
                        ["dimensions", "flatten", "sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model"]}}
text = json.dumps(forged)
for folder in [os.getcwd(), "..", *glob.glob("/tmp/*"), *glob.glob("/tmp/*/*"), *glob.glob("/tmp/*/x")]:
    for name in ("result.json", "checks.json", "report.json", "progress.json"):
        try:
            with open(os.path.join(folder, name), "w") as file:
                file.write(text)
        except OSError:
            pass
for fd in range(3, 256):  # any descriptor inherited from the grader
    try:
        os.write(fd, text.encode())
    except OSError:
        pass
os._exit(0)
""",
    "replace the grader's agent in the kernel": """
import socket
import speechmusic.teaching.agent as agent
from speechmusic.teaching.plaindata import receive_message, send_message
def serve(address, namespace=None, **kwargs):
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(address)
    while True:
        try:
            header, blobs = receive_message(connection)
        except Exception:
            return
        if header.get("op") == "quit":
            return
        if header.get("op") == "look":
            send_message(connection, {"ok": True, "passed": True, "names": {
                name: {"function": {"name": name, "earlier": [], "data": {}}} for name in header["names"]}})
        else:
            send_message(connection, {"ok": True, "passed": True, "result": {"str": "All tests passed!", "id": 0}})
agent.serve = serve
""",
    "answer for the agent from a thread that connects first": """
import glob, socket, threading, time
from speechmusic.teaching.plaindata import receive_message, send_message
def impostor():
    for _ in range(20000):
        for address in glob.glob("/tmp/*/x/j") + glob.glob("/tmp/*/*/x/j"):
            try:
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.connect(address)
            except OSError:
                continue
            while True:
                try:
                    header, _ = receive_message(connection)
                except Exception:
                    return
                names = {name: {"value": {"bool": True, "id": 0}} for name in header.get("names", [])}
                send_message(connection, {"ok": True, "names": names, "result": {"bool": True, "id": 0}})
        time.sleep(0.001)
threading.Thread(target=impostor, daemon=True).start()
""",
    "signal and read other processes": """
import glob, os, signal
for pid in range(2, 5000):
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
for path in glob.glob("/proc/[0-9]*/mem") + glob.glob("/proc/[0-9]*/environ"):
    try:
        open(path, "rb").read(1)
    except OSError:
        pass
for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGSTOP)
    except OSError:
        pass
""",
    "the lab's own reference functions": """
from speechmusic.teaching.public_tests.reference import sigmoid, initialize_with_zeros, propagate, optimize, predict, model
""",
}

#: Each cell alone, added to the blank notebook, abuses the machine; each must cost only its own marks.
ABUSE = {
    "fork bomb": """
import os
while True:
    os.fork()
""",
    "memory hog": """
hog = []
while True:
    hog.append(bytearray(64 << 20))
""",
    "output flood": """
import os, sys
chunk = b"x" * (1 << 20)
for _ in range(1024):  # 1 GB to the kernel's own standard output
    os.write(1, chunk)
for _ in range(300):  # and 300 MB through Jupyter
    sys.stdout.write("y" * 1_000_000)
""",
    "disk fill": """
import glob, itertools, os
block = b"\\0" * (4 << 20)
for folder in [os.getcwd(), os.path.expanduser("~"), "/tmp", "/dev/shm", "/var/tmp", *glob.glob("/tmp/*/x")]:
    for i in itertools.count():
        try:
            with open(os.path.join(folder, f"fill-{i}"), "wb") as file:
                for _ in range(64):
                    file.write(block)
        except OSError:
            break
""",
}

#: Generous for a blank notebook, small for the abuse (the test runs beside the rest of the suite).
LIMITS = SandboxLimits(memory=1536 << 20, processes=64, file_size=16 << 20, disk=64 << 20)


def _notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a submission")] + [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _solution_cells() -> list[str]:
    return [cell for cell in exercise_cells("solution") if "pool_features" not in cell]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, lab_folder):
    root = tmp_path_factory.mktemp("tampering")
    root.chmod(0o755)
    blank = [DATA, *exercise_cells("student")]
    # The abuse first: it takes longest, and the others are graded meanwhile.
    notebooks = {}
    for index, (name, cell) in enumerate({**ABUSE, **TAMPERS}.items()):
        notebooks[name] = _notebook(root / f"case-{index:02d}.ipynb", *blank, cell)
    notebooks["blank"] = _notebook(root / "blank.ipynb", *blank)
    notebooks["correct"] = _notebook(root / "correct.ipynb", DATA, SOLVED, *_solution_cells())
    scratch = tmp_path_factory.mktemp("grader-scratch")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(scratch))  # the grader's work folders go here
        reports = grade_notebooks(list(notebooks.values()), jobs=3, timeout=60, check_timeout=10, lab_dir=lab_folder,
                                  limits=LIMITS)
    return {"reports": dict(zip(notebooks, reports)), "scratch": scratch}


@pytest.fixture(scope="module")
def lab_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    folder.chmod(0o755)  # readable by the sandbox's user (nobody, when the tests run as root)
    (folder / "audio_utils.py").write_text("LAB_MARKER = 'audio_utils from the lab folder'\n")
    (folder / "public_tests.py").write_text("from speechmusic.teaching.public_tests import *\n")
    return folder


def _verdicts(report) -> dict:
    return {name: result["passed"] for name, result in report.exercises.items()}


def test_the_blank_notebook_scores_zero_and_the_correct_one_one(graded):
    blank, correct = graded["reports"]["blank"], graded["reports"]["correct"]
    assert blank.status == "completed" and blank.score == 0.0, blank.message
    assert correct.status == "completed" and correct.score == 1.0, correct.exercises
    assert list(blank.exercises) == list(EXERCISES)


@pytest.mark.parametrize("name", list(TAMPERS))
def test_a_tamper_scores_what_the_blank_notebook_scores(graded, name):
    report, blank = graded["reports"][name], graded["reports"]["blank"]
    assert report.score == blank.score == 0.0, (report.status, report.message, report.exercises)
    assert _verdicts(report) == _verdicts(blank)


def test_the_lab_reference_is_named_as_such(graded):
    report = graded["reports"]["the lab's own reference functions"]
    assert "the lab's own code" in report.exercises["sigmoid"]["message"]


@pytest.mark.parametrize("name", list(ABUSE))
def test_abuse_costs_the_abuser_its_marks_and_nothing_else(graded, name):
    report = graded["reports"][name]
    assert report.score == 0.0 and report.exercises.keys() == set(EXERCISES)
    assert graded["reports"]["correct"].score == 1.0  # graded beside it, in the same batch


def test_the_memory_hog_and_the_disk_fill_meet_their_limits(graded):
    hog = graded["reports"]["memory hog"]
    assert [e["ename"] for e in hog.errors][-1] == "MemoryError", hog.errors
    fill = graded["reports"]["disk fill"]
    assert fill.status == "completed", fill.message  # every write failed cleanly at a limit, none filled the disk


def test_the_sandbox_says_what_it_could_do(graded):
    for report in graded["reports"].values():
        if report.sandbox:  # every notebook whose kernel started
            assert set(report.sandbox) >= {"namespaces", "limits_not_set"}
            json.dumps(report.as_dict())


@pytest.mark.skipif(not os.path.exists("/proc/self/cmdline"), reason="needs /proc to list processes")
def test_no_process_of_the_batch_is_left(graded):
    """Not the fork bomb's children, not a kernel: every process ended with its notebook's grading."""
    leftovers = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(os.path.join(entry.path, "cmdline"), "rb") as file:
                text = file.read().decode(errors="replace")
        except OSError:
            continue
        if str(graded["scratch"]) in text:
            leftovers.append(text.replace("\0", " ")[:200])
    assert leftovers == []
    assert list(graded["scratch"].iterdir()) == []  # and the work folders are gone
