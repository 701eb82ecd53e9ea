"""A notebook written for the original lab runs, unchanged, against this repository.

``original_style_lab.ipynb`` (beside this file) is written the way notebooks for the original lab
are: ``from audio_utils import load_dataset, load_audio_file`` and ``from public_tests import *``,
the standard solutions filled in (``predict`` with a loop, ``optimize`` with ``copy.deepcopy``,
``cost = np.squeeze(np.array(cost))``), its own asserts after each exercise
(``assert type(grads["db"]) == np.float64``, ``assert w.shape == (dim, 1)``, ...), a cost printed
every 100 iterations, and ``load_audio_file(my_audio, sr=22050, duration=3.0, n_mels=n_mels)`` on
a file of the learner's. Before the drop-in API that last call failed with ``TypeError:
load_audio_file() got an unexpected keyword argument 'sr'`` (issue 13).

It runs the way a learner runs it: in a folder holding ``data/`` and the recording, with
``load_dataset()``'s default data folder (no ``SPEECHMUSIC_DATA``), importing ``audio_utils`` and
``public_tests`` from the repository root.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import execute_notebook
from lab_data import make_lab_dataset
from lab_reference import REPO

pytestmark = pytest.mark.slow

nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).with_name("original_style_lab.ipynb")
TESTS_IN_THE_NOTEBOOK = ("sigmoid_test", "initialize_with_zeros_test_1", "initialize_with_zeros_test_2",
                         "propagate_test", "optimize_test", "predict_test", "model_test")


@pytest.fixture(scope="module")
def original_run(tmp_path_factory) -> nbformat.NotebookNode:
    folder = tmp_path_factory.mktemp("original-lab")
    data, _ = make_lab_dataset(folder / "data", n_train=10, n_test=5, seed=1)
    shutil.copy(sorted((data / "test" / "speech").glob("*.wav"))[0], folder / "my_clip.wav")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SPEECHMUSIC_DATA", raising=False)
        patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        patch.setenv("MPLBACKEND", "Agg")
        return execute_notebook(notebook, folder=folder, allow_errors=True)


def _outputs(notebook, output_type):
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
            if o.output_type == output_type]


def _stdout(notebook) -> str:
    return "".join(o.get("text", "") for o in _outputs(notebook, "stream") if o.get("name") == "stdout")


def test_the_notebook_imports_this_repositorys_helpers():
    source = "\n".join(cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells)
    assert "from audio_utils import load_dataset, load_audio_file" in source
    assert "from public_tests import *" in source
    assert "load_audio_file(my_audio, sr=22050, duration=3.0, n_mels=n_mels)" in source
    assert 'assert type(grads["db"]) == np.float64' in source


def test_it_runs_to_the_end_without_an_error(original_run):
    errors = [f"{o.ename}: {o.evalue}" for o in _outputs(original_run, "error")]
    assert errors == []
    code_cells = [cell for cell in original_run.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)


def test_every_public_test_it_calls_passes(original_run):
    source = "\n".join(cell.source for cell in original_run.cells if cell.cell_type == "code")
    for name in TESTS_IN_THE_NOTEBOOK:
        assert f"{name}(" in source, name
    assert _stdout(original_run).count("All tests passed!") == len(TESTS_IN_THE_NOTEBOOK)


def test_it_trains_prints_costs_and_classifies_the_learners_recording(original_run):
    out = _stdout(original_run)
    assert "training clips: m_train = 20" in out and "one spectrogram: n_mels = 128, time_steps = 130" in out
    assert "it's a 'speech' clip." in out  # training clip 3: the speech examples come first
    costs = re.findall(r"^Cost after iteration (\d+): ([\d.]+)$", out, re.MULTILINE)
    assert [int(i) for i, _ in costs] == list(range(0, 2000, 100))
    assert float(costs[-1][1]) < float(costs[0][1])
    assert re.search(r"^train accuracy: [\d.]+ %$", out, re.MULTILINE)
    assert re.search(r'^y = [01]\.0, the model hears "(speech|music)" clip\.$', out, re.MULTILINE)
