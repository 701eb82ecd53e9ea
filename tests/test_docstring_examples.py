"""The Examples sections of the package's docstrings run and print what they show.

Examples that need files the reader would have (``decode("speech.flac")``) are marked
``# doctest: +SKIP``; every other example is executed here, so documentation cannot drift from
the code.
"""

import doctest
import importlib
import pkgutil

import pytest

import speechmusic

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(speechmusic.__path__, prefix="speechmusic.")
    if not info.name.endswith("__main__")
)


def test_the_package_has_executable_examples():
    finder = doctest.DocTestFinder()
    examples = sum(
        len(test.examples) for name in MODULES for test in finder.find(importlib.import_module(name))
    )
    assert examples >= 20


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (details above)"
