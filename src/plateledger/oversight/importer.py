"""Import files and directories into the analysis model (``model``), streaming in batches.

Layout detection per file (or per XLSX sheet): a header row is matched against ``LAYOUTS``;
a file without a header is matched by its width; header rows repeated mid-file are skipped; a
generic CSV is read through a column mapping (``{"columns": {field: header}}`` in YAML).
Own audit entries come from JSONL files or a plateledger data directory (``own_log``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from plateledger.oversight import readers
from plateledger.oversight.layouts import (
    Mapping,
    UnknownLayoutError,
    detect,
    detect_headerless,
    is_header,
    mapping_from_columns,
    normalise,
)
from plateledger.oversight.model import EVENT_COLUMNS, SEARCH_COLUMNS, Batch, finish
from plateledger.oversight.own_log import entry_row
from plateledger.oversight.values import clean, parse_int, parse_time, time_frame

log = logging.getLogger(__name__)
SUFFIXES = (".csv", ".xlsx", ".json", ".jsonl", ".ndjson")
_PLATE = re.compile(r"(?:License(?: Plate)?|Plate)\s*:\s*([A-Za-z0-9-]+)", re.I)


@dataclass(frozen=True, slots=True)
class FileStats:
    source: str
    layout: str
    rows: int
    skipped: int


@dataclass(frozen=True, slots=True)
class ImportStats:
    files: tuple[FileStats, ...]
    unknown: tuple[str, ...]  # files found in a directory whose layout is unknown (messages)
    rows: int
    duplicates: int
    events: int


def expand(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """(file, named explicitly); directories are walked for known suffixes."""
    out: list[tuple[Path, bool]] = []
    for p in paths:
        if p.is_dir():
            out.extend((f, False) for f in sorted(p.rglob("*")) if f.suffix.lower() in SUFFIXES)
        else:
            out.append((p, True))
    return out


def load_mapping(path: Path) -> dict[str, str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    columns = doc.get("columns", doc) if isinstance(doc, dict) else {}
    return {str(k): str(v) for k, v in columns.items()}


def import_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[Path],
    *,
    columns: dict[str, str] | None = None,
    own_entries: Iterable[dict[str, Any]] = (),
    progress: Callable[[str, int], None] | None = None,
) -> ImportStats:
    searches = Batch(con, "raw_searches", SEARCH_COLUMNS)
    events = Batch(con, "events", EVENT_COLUMNS)
    stats: list[FileStats] = []
    unknown: list[str] = []
    for path, named in expand(paths):
        report = None if progress is None else _bind(progress, path.name)
        for source, rows, agency in _tables(path, report):
            try:
                stats.append(_import_table(source, rows, agency, columns, searches, events))
            except UnknownLayoutError as exc:
                if named:
                    raise
                unknown.append(exc.message)
    own = 0
    for n, entry in enumerate(own_entries):
        row = entry_row(entry, n)
        if row is not None:
            (searches if row.pop("_table") == "searches" else events).add(row)
            own += 1
    if own:
        stats.append(FileStats("own-log", "plateledger-audit", own, 0))
    searches.flush()
    events.flush()
    read, dups = finish(con)
    return ImportStats(tuple(stats), tuple(unknown), read, dups, events.rows)


def _bind(progress: Callable[[str, int], None], name: str) -> readers.Progress:
    return lambda done: progress(name, done)


def _tables(
    path: Path, progress: readers.Progress | None
) -> Iterator[tuple[str, Iterator[list[str]], str | None]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        for sheet, rows in readers.xlsx_sheets(path):
            yield f"{path.name}:{sheet}", rows, None
    elif suffix == ".json" and readers.is_portal_json(path):
        agency, dicts = readers.portal_json(path)
        header = list(dicts[0]) if dicts else ["id", "userId", "searchDate"]
        body = ([str(d.get(h) or "") for h in header] for d in dicts)
        yield path.name, iter([header, *body]), agency or None
    elif suffix in (".jsonl", ".ndjson"):
        return
    else:
        yield path.name, readers.csv_rows(path, progress), None


def own_entries_from(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    for path, _ in expand(paths):
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            yield from readers.jsonl_entries(path)


def _import_table(
    source: str,
    rows: Iterator[list[str]],
    agency: str | None,
    columns: dict[str, str] | None,
    searches: Batch,
    events: Batch,
) -> FileStats:
    mapping: Mapping | None = None
    header_key: list[str] = []
    n = skipped = 0
    for line, cells in enumerate(rows, start=1):
        if not any(c.strip() for c in cells):
            continue
        if mapping is None:
            mapping, is_data = _first(cells, source, columns)
            header_key = [normalise(c) for c in cells] if not is_data else []
            if not is_data:
                continue
        elif (
            header_key
            and normalise(cells[0]) == header_key[0]
            and [normalise(c) for c in cells] == header_key
        ):
            continue  # a header row repeated mid-file
        if mapping.layout.kind == "event":
            events.add(_event(cells, mapping, source, line))
            n += 1
            continue
        row = _search(cells, mapping, source, line, agency)
        if row is None:
            skipped += 1
        else:
            searches.add(row)
            n += 1
    if mapping is None:
        raise UnknownLayoutError(source, [], "flock-org-13", ["a header row"])
    return FileStats(source, mapping.layout.name, n, skipped)


def _first(cells: list[str], source: str, columns: dict[str, str] | None) -> tuple[Mapping, bool]:
    if columns:
        try:
            return mapping_from_columns(columns, cells, source), False
        except UnknownLayoutError:
            pass
    if is_header(cells):
        return detect(cells, source), False
    return detect_headerless(cells, source), True


def _get(cells: list[str], m: Mapping, name: str) -> str | None:
    i = m.index.get(name)
    return cells[i] if i is not None and i < len(cells) else None


def _search(
    cells: list[str], m: Mapping, source: str, line: int, agency: str | None
) -> dict[str, Any] | None:
    g = _get
    raw_at = g(cells, m, "at")
    date = clean(g(cells, m, "date"))
    if date and raw_at and parse_time(raw_at) is None:
        raw_at = f"{date.split('T')[0]}{' ' if '-' in date else ', '}{raw_at}"
    at = parse_time(raw_at)
    if at is None:
        return None
    start, end = time_frame(g(cells, m, "time_frame"))
    plate = clean(g(cells, m, "plate"))
    return {
        "source": source,
        "source_row": line,
        "layout": m.layout.name,
        "origin": "imported",
        "search_id": clean(g(cells, m, "search_id")),
        "at_utc": at,
        "user_id": clean(g(cells, m, "user")),
        "agency": clean(g(cells, m, "agency")) or clean(g(cells, m, "agency_slug")) or agency,
        "reason": clean(g(cells, m, "reason")),
        "case_number": clean(g(cells, m, "case_number")),
        "case_published": "case_number" in m.index,
        "offense_type": clean(g(cells, m, "offense_type")),
        "network_count": parse_int(g(cells, m, "network_count")),
        "camera_count": parse_int(g(cells, m, "camera_count")),
        "plate": plate.upper() if plate else None,
        "on_behalf_of": None,
        "outcome": None,
        "search_type": clean(g(cells, m, "search_type")),
        "frame_start": start,
        "frame_end": end,
        "filters": clean(g(cells, m, "filters")),
    }


def _event(cells: list[str], m: Mapping, source: str, line: int) -> dict[str, Any]:
    details = _get(cells, m, "entity_details") or ""
    plate = _PLATE.search(details)
    return {
        "source": source,
        "source_row": line,
        "at_utc": parse_time(_get(cells, m, "at")),
        "user_id": clean(_get(cells, m, "user")),
        "agency": None,
        "action": (clean(_get(cells, m, "event_type")) or "").lower(),
        "entity_type": clean(_get(cells, m, "entity_type")),
        "plate": plate.group(1).upper() if plate else None,
        "details": None,
    }
