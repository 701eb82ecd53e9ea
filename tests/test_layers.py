"""The package's layers, checked from the source: lower layers never import higher ones.

core -> data -> apps -> teaching -> commands (each may import the ones before it), and nothing
imports ``speechmusic.cli`` but the entry point (``speechmusic/__main__.py``). Imports are read
with ``ast`` from every module, including imports inside functions; see docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "speechmusic"
LAYERS = ("core", "data", "apps", "teaching", "commands")
MAX_LINES = 700


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``speechmusic...`` module a file imports (absolute or relative, at any depth)."""
    return _imports_in(path.read_text(encoding="utf-8"), _module_name(path), is_package=path.name == "__init__.py")


def _imports_in(source: str, module_name: str, *, is_package: bool) -> set[str]:
    package = module_name if is_package else module_name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import submodule`
    return {name for name in found if name == "speechmusic" or name.startswith("speechmusic.")}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_lives_in_a_layer():
    outside = {_module_name(p) for p in MODULES if _layer(_module_name(p)) is None}
    # the package's own __init__, the entry point and its module are the only ones above the layers
    assert outside == {"speechmusic", "speechmusic.__main__", "speechmusic.cli"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_lower_layers_never_import_higher_ones(path):
    layer = _layer(_module_name(path))
    if layer is None:
        return
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    wrong = sorted(m for m in _imports(path) if _layer(m) is not None and _layer(m) not in allowed)
    assert not wrong, f"{_module_name(path)} ({layer}) imports a higher layer: {wrong}"


def test_only_the_entry_point_imports_the_cli():
    importers = sorted(_module_name(p) for p in MODULES
                       if any(m == "speechmusic.cli" or m.startswith("speechmusic.cli.") for m in _imports(p)))
    assert importers == ["speechmusic.__main__"]


def test_the_import_reader_sees_every_kind_of_import():
    # the checks above are only as good as _imports_in: relative imports, imports inside
    # functions and `from package import submodule` must all be seen
    source = "from ..apps import pipeline\n\ndef f():\n    import speechmusic.commands.common\n"
    found = _imports_in(source, "speechmusic.core.probe", is_package=False)
    assert {"speechmusic.apps", "speechmusic.apps.pipeline", "speechmusic.commands.common"} <= found
    assert _layer("speechmusic.apps.pipeline") == "apps" and _layer("speechmusic.cli") is None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_no_module_is_over_700_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO_ROOT)} has {lines} lines (at most {MAX_LINES}): split it by concern"


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function without its docstring."""
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_a_function_over_80_lines_says_why(path):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    unexplained = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _code_lines(node) > 80:
            i = node.lineno - 2  # the comment block right above the def
            while i >= 0 and lines[i].strip().startswith("#") and not lines[i].strip().startswith("# long:"):
                i -= 1
            if not (i >= 0 and lines[i].strip().startswith("# long:")):
                unexplained.append(f"{node.name} ({_code_lines(node)} lines)")
    assert not unexplained, f"{path.relative_to(REPO_ROOT)}: split these or say why above the def ('# long: ...'): {unexplained}"
