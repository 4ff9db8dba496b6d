"""Row sources: CSV (streamed, quoted multi-line cells), XLSX (every sheet, read-only mode),
portal JSON snapshots (``search_audit_csv`` list), JSONL of plateledger's own audit entries.
Each yields lists of cells; a callback reports bytes read for the progress bar."""

from __future__ import annotations

import csv
import io
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import orjson

from plateledger.errors import ValidationError

Progress = Callable[[int], None]
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def csv_rows(path: Path, progress: Progress | None = None) -> Iterator[list[str]]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        for n, row in enumerate(csv.reader(text)):
            if progress is not None and n % 10_000 == 0:
                progress(raw.tell())
            yield row
        if progress is not None:
            progress(raw.tell())


# What openpyxl raises on a damaged workbook (zip, deflate or XML damage, missing parts).
_XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, ParseError, KeyError, ValueError, TypeError,
                IndexError, AttributeError, OSError, EOFError)  # fmt: skip


def _bad_xlsx(path: Path, exc: Exception) -> ValidationError:
    return ValidationError(
        f"{path.name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})",
        {"file": str(path)},
    )


def xlsx_sheets(path: Path) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """(sheet name, its rows as text cells); datetimes are kept as ISO text. A damaged
    workbook raises ``ValidationError`` naming the file (when opened or while reading)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheets = list(book.worksheets)
    except (InvalidFileException, *_XLSX_ERRORS) as exc:
        raise _bad_xlsx(path, exc) from None
    try:
        for sheet in sheets:
            yield sheet.title, _sheet_rows(path, sheet)
    finally:
        book.close()


def _sheet_rows(path: Path, sheet: Any) -> Iterator[list[str]]:
    try:
        for row in sheet.iter_rows(values_only=True):
            yield _cells(row)
    except _XLSX_ERRORS as exc:
        raise _bad_xlsx(path, exc) from None


def _cells(row: tuple[Any, ...]) -> list[str]:
    out = []
    for value in row:
        if value is None:
            out.append("")
        elif hasattr(value, "isoformat"):
            out.append(value.isoformat())
        else:
            out.append(str(value))
    return out


def portal_json(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """(agency name, search-audit rows) of an archived transparency-portal snapshot."""
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValidationError(
            f"{path.name}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            {"file": str(path), "line": exc.lineno},
        ) from None
    if not isinstance(doc, dict):
        return "", []
    rows = doc.get("search_audit_csv") or doc.get("search_audit_rows") or []
    agency = str(doc.get("crawled_name") or doc.get("crawled_slug") or "")
    return agency, [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def is_portal_json(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(1).strip()
    return head == b"{" and path.suffix.lower() == ".json"


def jsonl_entries(path: Path) -> Iterator[dict[str, Any]]:
    """Own audit entries: raw canonical entries or ``{"index": i, "entry": {...}}`` lines."""
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise ValidationError(
                    f"{path.name}: line {number}: malformed JSON ({exc.msg})",
                    {"file": str(path), "row": number},
                ) from None
            if isinstance(doc, dict):
                entry = doc.get("entry", doc)
                if isinstance(entry, dict):
                    yield entry
