"""docs/commands.md is the command reference: it must name every command and option the code has."""

from __future__ import annotations

import argparse
import re

import pytest
from conftest import REPO_ROOT

from speechmusic.cli import build_parser

DOC = (REPO_ROOT / "docs" / "commands.md").read_text(encoding="utf-8")


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


#: Command names as typed (build-model), from the parser itself.
COMMANDS = tuple(_subparsers())


def _section(name: str) -> str:
    match = re.search(rf"^## `speechmusic {name}`.*?$(.*?)(?=^## |\Z)", DOC, flags=re.M | re.S)
    assert match, f"docs/commands.md has no section '## `speechmusic {name}`'"
    return match.group(1)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_and_choice_of_a_command_is_in_its_section(name):
    section = _section(name)
    parser = _subparsers()[name]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
            continue  # hidden options (for tests) are not part of the reference
        for option in action.option_strings:
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", section), f"{name}: {option} is not documented"
        if action.metavar and not action.option_strings:
            assert f"{action.metavar}" in section, f"{name}: positional {action.metavar} is not documented"
        for choice in action.choices or ():
            assert str(choice) in section, f"{name}: {action.option_strings} choice {choice!r} is not documented"


@pytest.mark.parametrize("name", COMMANDS)
def test_the_synopsis_uses_the_metavars_of_the_help(name):
    """The usage block of each section names the same arguments as ``--help`` (MODEL, not M)."""
    section = _section(name)
    synopsis = re.search(r"```\n(.*?)```", section, flags=re.S).group(1)
    for action in _subparsers()[name]._actions:
        if action.metavar and action.option_strings:
            assert any(f"{option} {action.metavar}" in " ".join(synopsis.split()) for option in action.option_strings), (
                name, action.metavar)


def test_every_command_is_in_the_table():
    for name in COMMANDS:
        assert f"| [`{name}`]" in DOC, name
