"""The notebook's own solution code, taken from the lab source, for tests that need a correct answer.

Executing the exercise cells of ``notebook_source/audio_classification_logreg.py`` (solution variant) means
the tests check the very code the solution notebook contains, not a copy that could drift.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np

from speechmusic.teaching.build import SOURCE, parse_percent, render_code

REPO = Path(__file__).resolve().parents[2]
FUNCTION_NAMES = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model", "pool_features")


def exercise_cells(variant: str = "solution") -> list[str]:
    """Code of every cell tagged "exercise" or "bonus", in notebook order."""
    cells = parse_percent((REPO / SOURCE).read_text(encoding="utf-8"))
    return [
        "\n".join(render_code(cell.lines, variant))
        for cell in cells
        if cell.kind == "code" and {"exercise", "bonus"} & set(cell.metadata.get("tags", []))
    ]


def solution_namespace(train_set_x_orig: np.ndarray | None = None, test_set_x_orig: np.ndarray | None = None,
                       variant: str = "solution") -> dict:
    """A namespace like the notebook's after its exercise cells ran.

    With the two dataset arrays, exercises 1 and 2 (variables) run too; without them, only the
    function definitions are executed.
    """
    ns: dict = {"np": np, "__name__": "lab_notebook"}
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
            except NameError:
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
