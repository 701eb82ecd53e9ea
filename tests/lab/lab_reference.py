"""The notebook's own solution code, taken from the lab source, for tests that need a correct answer.

Executing the exercise cells of ``notebook_source/audio_classification_logreg.py`` (solution variant) means
the tests check the very code the solution notebook contains, not a copy that could drift.

The tests never read the notebooks at the top of the repository: the student notebook there is the
learner's, filled in as they work (issue 20). :func:`build_lab` writes both notebooks from the source
into a folder, as the build writes them in a fresh clone, beside the two files their imports need.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import numpy as np

from speechmusic.teaching.build import SOURCE, TARGETS, parse_percent, render, render_code
from speechmusic.teaching.public_tests import ExerciseNotDone, require_exercise

REPO = Path(__file__).resolve().parents[2]
FUNCTION_NAMES = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model", "pool_features")


def exercise_cells(variant: str = "solution") -> list[str]:
    """Code of every exercise cell (tagged "exercise", and the bonus's own, which defines pool_features), in order."""
    cells = parse_percent((REPO / SOURCE).read_text(encoding="utf-8"))
    return [
        "\n".join(render_code(cell.lines, variant))
        for cell in cells
        if cell.kind == "code" and ("exercise" in cell.metadata.get("tags", []) or
                                    "bonus" in cell.metadata.get("tags", []) and cell.lines[0].startswith("def "))
    ]


def solution_namespace(train_set_x_orig: np.ndarray | None = None, test_set_x_orig: np.ndarray | None = None,
                       variant: str = "solution") -> dict:
    """A namespace like the notebook's after its exercise cells ran.

    With the two dataset arrays, exercises 1 and 2 (variables) run too; without them, only the
    function definitions are executed.
    """
    ns: dict = {"np": np, "__name__": "lab_notebook", "require_exercise": require_exercise}
    if train_set_x_orig is not None:
        ns.update(train_set_x_orig=train_set_x_orig, test_set_x_orig=test_set_x_orig,
                  train_set_y=np.zeros((1, len(train_set_x_orig)), dtype=int),
                  test_set_y=np.zeros((1, len(test_set_x_orig)), dtype=int))
    for code in exercise_cells(variant):
        defines_function = code.lstrip().startswith("def ")
        if not defines_function and train_set_x_orig is None:
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(compile(code, "<exercise cell>", "exec"), ns)
            except (NameError, ExerciseNotDone):  # the student's blanks
                if variant == "solution":
                    raise
    return ns


def solution_functions() -> dict:
    """The seven functions of the solution (the eight exercises minus the two variable ones, plus the bonus)."""
    ns = solution_namespace()
    return {name: ns[name] for name in FUNCTION_NAMES}


def fake_dataset(m_train: int = 5, m_test: int = 3, n_mels: int = 128, time_steps: int = 130, seed: int = 0):
    """Random spectrogram-shaped arrays (the checks of exercises 1 and 2 only look at shapes and order)."""
    rng = np.random.default_rng(seed)
    return rng.random((m_train, n_mels, time_steps)), rng.random((m_test, n_mels, time_steps))


#: The files beside the notebooks that their imports need (``import audio_utils``, ``from public_tests import *``).
SEED_FILES = ("audio_utils.py", "public_tests.py")


def build_notebooks(folder: Path) -> dict[str, Path]:
    """Write the student and solution notebooks, built from the source, into ``folder`` (the clone's layout)."""
    paths = {}
    for variant, text in render((REPO / SOURCE).read_text(encoding="utf-8")).items():
        path = folder / TARGETS[variant]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths[variant] = path
    return paths


def build_lab(folder: Path) -> dict[str, Path]:
    """A lab folder as a fresh clone has it: the source, the two seed files and both notebooks built from the source."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SOURCE).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / SOURCE, folder / SOURCE)
    for name in SEED_FILES:
        shutil.copy(REPO / name, folder / name)
    return build_notebooks(folder)
