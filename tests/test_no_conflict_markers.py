"""No file of the repository keeps the markers of an unresolved merge (one once reached main).

The learner's notebook (the top-level ``audio_classification_logreg.ipynb``, and its backups) is not
the repository's to check: it is never read by the tests.
"""

import re
import subprocess

from conftest import REPO_ROOT

MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.M)
SKIP = {".venv", ".git", "data", "node_modules", "__pycache__", "demo_output", ".pytest_cache"}
LEARNERS = re.compile(r"audio_classification_logreg.*\.ipynb")


def _repository_files():
    """The files git tracks (a learner's own files are not the repository's), else every file below the root."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, timeout=30, check=True)
        return [REPO_ROOT / name for name in listed.stdout.decode().split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        return list(REPO_ROOT.rglob("*"))


def test_no_file_holds_merge_conflict_markers():
    found = []
    for path in _repository_files():
        relative = path.relative_to(REPO_ROOT)
        if any(part in SKIP or part.endswith(".egg-info") for part in relative.parts):
            continue
        if len(relative.parts) == 1 and LEARNERS.fullmatch(relative.name):
            continue
        if path.suffix in {".py", ".md", ".toml", ".txt", ".cfg", ".csv", ".ipynb", ".yml", ".yaml"} or path.name == "run":
            if path.is_file() and MARKER.search(path.read_text(encoding="utf-8", errors="replace")):
                found.append(str(path.relative_to(REPO_ROOT)))
    assert not found, f"unresolved merge markers in: {found}"
