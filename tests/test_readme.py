"""The README's quick start is what CI runs, and what it promises exists."""

import re

from conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start_commands():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, flags=re.S)


def test_quick_start_has_exactly_two_one_line_commands():
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    demo, tests = commands
    assert "requirements.txt" in demo and "speechmusic demo" in demo
    assert "requirements-dev.txt" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command():
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert _quick_start_commands()[1] in ci


def test_files_the_readme_names_exist():
    for name in ("requirements.txt", "requirements-dev.txt", "audio_utils.py", "src/speechmusic/core/config.py"):
        assert (REPO_ROOT / name).is_file(), name
