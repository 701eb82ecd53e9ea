"""Readers for the segment output formats, written for the tests (the program under test only writes them)."""

from __future__ import annotations

import re


def parse_textgrid(text: str) -> dict:
    """``{"xmin", "xmax", "tiers": [{"class", "name", "xmin", "xmax", "intervals": [(xmin, xmax, text)]}]}``.

    Follows the long text format line by line and checks every count it declares.
    """
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == 'File type = "ooTextFile"' and lines[1] == 'Object class = "TextGrid"'
    assert lines[2] == ""
    position = 3

    def take(key: str) -> str:
        nonlocal position
        line = lines[position]
        position += 1
        match = re.fullmatch(rf"{re.escape(key)} = (.*)", line)
        assert match, f"line {position}: expected {key!r}, got {line!r}"
        return match.group(1)

    def string(value: str) -> str:
        assert value.startswith('"') and value.endswith('"'), value
        return value[1:-1].replace('""', '"')

    def expect(line: str) -> None:
        nonlocal position
        assert lines[position] == line, f"line {position + 1}: expected {line!r}, got {lines[position]!r}"
        position += 1

    grid = {"xmin": float(take("xmin")), "xmax": float(take("xmax")), "tiers": []}
    expect("tiers? <exists>")
    size = int(take("size"))
    expect("item []:")
    for number in range(1, size + 1):
        expect(f"item [{number}]:")
        tier = {"class": string(take("class")), "name": string(take("name")),
                "xmin": float(take("xmin")), "xmax": float(take("xmax")), "intervals": []}
        count = int(take("intervals: size"))
        for k in range(1, count + 1):
            expect(f"intervals [{k}]:")
            tier["intervals"].append((float(take("xmin")), float(take("xmax")), string(take("text"))))
        grid["tiers"].append(tier)
    assert all(line == "" for line in lines[position:]), "text after the last tier"
    return grid


def parse_audacity(text: str) -> list[tuple[float, float, str]]:
    """Audacity's label import: tab-separated start, end, label per line."""
    rows = []
    for line in text.splitlines():
        start, end, label = line.split("\t")
        rows.append((float(start), float(end), label))
    return rows
