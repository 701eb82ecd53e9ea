"""The tests the lab notebook runs after each exercise.

Each ``*_test`` function takes what the learner wrote (a function, or for exercises 1 and 2 the
variables), runs it on small fixed inputs (no dataset, well under a second) and either prints a
green "All tests passed!" or raises :class:`ExerciseFailure` (an :class:`AssertionError`) with a
message that says what was expected, what came back, and the likely cause. In Jupyter the failure
shows that message under the learner's own cell, without the test's internal frames.

How the likely cause is found (docs/exercise-tests.md has the details and the measured rate):

- **Computed wrong variants.** Besides the right answer, each test computes what the common wrong
  implementations return on the same inputs (a missing ``1/m``, a sign error, ``b`` added after the
  sigmoid, a sum over the wrong axis, ...). When the learner's value equals one of them, the message
  names that mistake instead of restating the formula.
- **Earlier exercises first.** When a function that calls an earlier exercise's function (``propagate``
  calls ``sigmoid``, ``model`` calls ``optimize``...) gives a wrong result, the earlier function is
  checked with its own test; only if it fails is the learner sent back to it. Otherwise the error is
  local and is explained as such.
- **The notebook's data first.** A function that reads the notebook's variables (``train_set_x``,
  ``toy_X``, ``m_train``...) instead of its parameters is told so before anything else, whatever
  the symptom: the test passes other data than the notebook.
- **Exceptions read in context.** An exception raised inside the learner's code is explained with
  what it usually means in this exercise: the arguments each function received (a call with its
  arguments in the wrong order, a dictionary unpacked like a tuple), the names of the operands whose
  shapes do not fit, ``np.zeros(dim, 1)``, ``math.exp`` or ``int()`` on an array, a function's results
  unpacked in the wrong order, arithmetic on a whole dictionary, a loop over a plain number, a
  misspelt parameter...
- **Second probes.** Mistakes one call cannot reveal (an iteration count off by one, a hard-coded
  learning rate or iteration count, a step scaled wrongly) are found by calling the function again
  with other settings and working out how many steps it took and with which rate.

Correct answers written differently pass: ``@``, ``np.dot`` or ``np.matmul``, ``np.mean`` or
``np.sum / m``, ``scipy.special.expit``, ``>= 0.5``, in-place updates, Python or NumPy floats,
float32 arithmetic, int or float 0/1 labels, copies or no copies.

The tests are split by concern: :mod:`.common` (constants, the failure type, the registry of tests,
reporting helpers), :mod:`.reference` (the reference answers), :mod:`.introspect` (what a learner's
function calls and reads; the earlier-exercise checks), :mod:`.explain` (exceptions in the learner's
code), :mod:`.calls` (calling the learner's function, checking results) and one module per pair of
exercises. Each exercise module registers its tests in ``common.EXERCISE_TESTS`` as it is imported;
the modules that need an exercise's tests (the earlier-exercise checks, the grader) look them up
there, so the imports only go one way: common <- reference <- introspect <- explain <- calls <-
exercises_*.
"""

from speechmusic.teaching.public_tests.common import ATOL, GREEN, PASSED, RESET, RTOL, YELLOW, ExerciseFailure, show
from speechmusic.teaching.public_tests.exercises_1_4 import (
    dimensions_test,
    flatten_test,
    initialize_with_zeros_test_1,
    initialize_with_zeros_test_2,
    sigmoid_test,
)
from speechmusic.teaching.public_tests.exercises_5_6 import optimize_test, propagate_test
from speechmusic.teaching.public_tests.exercises_7_8 import MODEL_KEYS, model_test, pool_features_test, predict_test
from speechmusic.teaching.public_tests.explain import explain_exception
from speechmusic.teaching.public_tests.progress import BonusNotDone, ExerciseNotDone, require_bonus, require_exercise

#: What ``from public_tests import *`` gives the notebook: the tests, and the stops of cells that cannot run yet.
__all__ = [
    "dimensions_test",
    "flatten_test",
    "sigmoid_test",
    "initialize_with_zeros_test_1",
    "initialize_with_zeros_test_2",
    "propagate_test",
    "optimize_test",
    "predict_test",
    "model_test",
    "pool_features_test",
    "require_exercise",
    "require_bonus",
]

# Also public, for the grader and the documentation (not star-exported to the notebook).
_ALSO_PUBLIC = (ExerciseFailure, explain_exception, show, PASSED, GREEN, YELLOW, RESET, RTOL, ATOL, MODEL_KEYS,
                ExerciseNotDone, BonusNotDone)
