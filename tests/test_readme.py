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


def _code_lines():
    """Every line of the README's ```bash blocks."""
    for block in re.findall(r"```bash\n(.+?)\n```", README, flags=re.S):
        yield from (line.strip() for line in block.splitlines() if line.strip())


def test_readme_is_a_page_not_the_manual():
    assert len(README.splitlines()) <= 300


def test_every_command_in_the_readme_uses_the_projects_environment():
    """One convention: commands work as written in a new shell, so each runs a program from .venv/bin."""
    for line in _code_lines():
        first = line.split()[0]
        assert first.startswith(".venv/bin/") or line.startswith("python3 -m venv .venv"), line
    # The same in the inline examples: no bare `python x.py`, `speechmusic x` or `jupyter x`.
    for command in re.findall(r"`([^`\n]+)`", README):
        words = command.split()
        if len(words) > 1 and words[0] in ("python", "speechmusic", "jupyter", "pytest", "pip"):
            raise AssertionError(f"bare command in the README: {command}")


def test_readme_commands_and_links_exist():
    from speechmusic.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for name in re.findall(r"\.venv/bin/speechmusic ([a-z-]+)", README):
        assert name in commands, name
    table = README.split("### Every command", 1)[1].split("\n## ", 1)[0]
    for name in commands:
        assert f"| `{name}` |" in table, f"the README's command table misses {name}"
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README):
        if not target.startswith("http"):
            assert (REPO_ROOT / target).exists(), target


def test_the_troubleshooting_rows_for_unwritten_exercises_give_the_right_advice():
    """Exercises 1 and 2 stop with 'exercise N is not done yet' (not a NameError to run cells above for)."""
    from speechmusic.teaching.public_tests import ExerciseNotDone, require_exercise

    rows = [line for line in README.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0].splitlines()
            if line.startswith("| `")]
    try:
        require_exercise(1, {})
    except ExerciseNotDone as stop:
        said = str(stop)
    row = next(row for row in rows if "is not done yet" in row and "exercise 1" in row)
    assert said.startswith(row.split("`")[1].split(",")[0])  # the row quotes what the notebook says
    assert "YOUR CODE STARTS HERE" in row and "cells above" not in row
    assert not any("'m_train'" in row and "cells above" in row for row in rows)
    assert any("the bonus is not done yet" in row and "not graded" in row for row in rows)
