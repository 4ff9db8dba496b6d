"""Help text wrapped by the terminal, not by the source file.

Docstrings and ``help=`` strings are wrapped at the source's 100 columns; Typer's rich help
keeps those line breaks (outside a command's first paragraph), so a paragraph came out broken
mid-sentence at every terminal width. :func:`unwrap_app` joins each paragraph into one line
once, when the CLI is assembled, for every command, group and option; the terminal then wraps
it. Kept as written: blank lines between paragraphs, a paragraph starting with ``\\b`` (click's
"do not rewrap" mark), list items (``- ``, ``* ``, ``1. ``) and indented lines (examples).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, get_type_hints

import typer
from typer.models import CommandInfo, ParameterInfo, TyperInfo

_KEEP_LINE = re.compile(r"^(\s+\S|[-*•] |\d+[.)] )")


def unwrap(text: str) -> str:
    """``text`` with each paragraph on one line (see the module doc for what is kept)."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(p if p.startswith("\b") else _join(p) for p in paragraphs)


def _join(paragraph: str) -> str:
    lines = paragraph.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if _KEEP_LINE.match(line):
            out.append(line)
        else:
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
    return "\n".join(out)


def unwrap_app(app: typer.Typer) -> None:
    """Unwrap the help of ``app``, its commands, groups and options, recursively."""
    if isinstance(app.info.help, str):
        app.info.help = unwrap(app.info.help)
    if app.registered_callback is not None:
        _command(app.registered_callback)
    for command in app.registered_commands:
        _command(command)
    for group in app.registered_groups:
        _group(group)


def _command(info: CommandInfo | TyperInfo) -> None:
    if isinstance(info.help, str):
        info.help = unwrap(info.help)
    if inspect.isfunction(info.callback):  # a group's may be a DefaultPlaceholder
        _callback(info.callback)


def _group(info: TyperInfo) -> None:
    _command(info)
    if info.typer_instance is not None:
        unwrap_app(info.typer_instance)


def _callback(func: Callable[..., Any]) -> None:
    """The docstring (Typer's help when none is given) and each option's or argument's help."""
    target = inspect.unwrap(func)
    for f in {func, target}:
        if f.__doc__:
            f.__doc__ = unwrap(f.__doc__)
    for param in _parameter_infos(target):
        if isinstance(param.help, str):
            param.help = unwrap(param.help)


def _parameter_infos(func: Callable[..., Any]) -> list[ParameterInfo]:
    hints = get_type_hints(func, include_extras=True)
    found = [m for hint in hints.values() for m in getattr(hint, "__metadata__", ())]
    found += [p.default for p in inspect.signature(func).parameters.values()]
    return [p for p in found if isinstance(p, ParameterInfo)]
