"""Every command's --help is wrapped by the terminal, at its width, never by the source file."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from plateledger.cli.help_text import unwrap
from plateledger.cli.main import app
from plateledger.cli.reference import _commands

MID_SENTENCE = re.compile(r"[^.:;!?]$")
CONTINUES = re.compile(r"^[a-z(`'\"]")


def every_help() -> list[list[str]]:
    """The argument lists of every command and group, root included (`<cmd> --help`)."""
    leaves = [name.split()[1:] for name, _ in _commands(typer.main.get_command(app), "x")]
    groups = {tuple(leaf[:i]) for leaf in leaves for i in range(len(leaf))}
    return [list(g) for g in sorted(groups)] + leaves


def hand_breaks(text: str, columns: int) -> list[str]:
    """Lines that end mid-sentence although the next line's first word would have fitted: the
    wrapper would have put it there, so the break was in the text (panels take 4 columns)."""
    found = []
    lines = text.splitlines()
    for line, following in zip(lines, lines[1:], strict=False):
        this = line.rstrip().rstrip("│").rstrip()
        then = following.strip().strip("│").strip()
        if not this.strip(" │") or not then:
            continue
        fits = len(this) + 1 + len(then.split()[0]) <= columns - 4
        if fits and MID_SENTENCE.search(this) and CONTINUES.match(then):
            found.append(f"{this.strip(' │')!r} ⏎ {then[:40]!r}")
    return found


@pytest.mark.parametrize("columns", [60, 200])
def test_no_help_paragraph_is_broken_by_hand(columns: int) -> None:
    runner = CliRunner()
    broken = []
    commands = every_help()
    assert len(commands) > 60  # the walk found the whole tree (groups and leaves)
    for args in commands:
        result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": str(columns)})
        assert result.exit_code == 0, (args, result.stderr)
        width = max(len(line) for line in result.stdout.splitlines())
        assert width <= columns, (args, width)  # wrapped at the terminal's width
        broken += [
            f"{' '.join(args) or '<root>'}: {b}" for b in hand_breaks(result.stdout, columns)
        ]
    assert broken == []


def test_unwrap_joins_paragraph_lines_and_keeps_lists_and_verbatim_blocks() -> None:
    text = """First line
    goes on.

    Second paragraph wraps
    here and ends.

    - a list item
    - another item
      indented example

    \b
    kept
    as is"""
    assert unwrap(text) == (
        "First line goes on.\n\nSecond paragraph wraps here and ends.\n\n"
        "- a list item\n- another item\n  indented example\n\n\b\nkept\nas is"
    )
