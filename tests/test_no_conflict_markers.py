"""No file of the repository keeps the markers of an unresolved merge (one once reached main)."""

import re

from conftest import REPO_ROOT

MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.M)
SKIP = {".venv", ".git", "data", "node_modules", "__pycache__", "demo_output", ".pytest_cache"}


def test_no_file_holds_merge_conflict_markers():
    found = []
    for path in REPO_ROOT.rglob("*"):
        if any(part in SKIP or part.endswith(".egg-info") for part in path.relative_to(REPO_ROOT).parts):
            continue
        if path.suffix in {".py", ".md", ".toml", ".txt", ".cfg", ".csv", ".ipynb", ".yml", ".yaml"} or path.name == "run":
            if path.is_file() and MARKER.search(path.read_text(encoding="utf-8", errors="replace")):
                found.append(str(path.relative_to(REPO_ROOT)))
    assert not found, f"unresolved merge markers in: {found}"
