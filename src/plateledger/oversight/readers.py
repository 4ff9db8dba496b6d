"""Row sources: CSV (streamed, quoted multi-line cells), XLSX (every sheet, read-only mode),
portal JSON snapshots (``search_audit_csv`` list), JSONL of plateledger's own audit entries.
Each yields lists of cells; a callback reports bytes read for the progress bar."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

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


def xlsx_sheets(path: Path) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """(sheet name, its rows as text cells); datetimes are kept as ISO text."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            yield sheet.title, (_cells(r) for r in sheet.iter_rows(values_only=True))
    finally:
        book.close()


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
    doc = orjson.loads(path.read_bytes())
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
        for line in f:
            if not line.strip():
                continue
            doc = orjson.loads(line)
            if isinstance(doc, dict):
                entry = doc.get("entry", doc)
                if isinstance(entry, dict):
                    yield entry
