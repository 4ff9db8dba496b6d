"""Import files and directories into the analysis model (``model``), streaming in batches.

Layout detection per file (or per XLSX sheet): a header row is matched against ``LAYOUTS``;
a file without a header is matched by its width; header rows repeated mid-file are skipped; a
generic CSV is read through a column mapping (``{"columns": {field: header}}`` in YAML).
Own audit entries come from JSONL files or a plateledger data directory (``own_log``).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import yaml

from plateledger.errors import ValidationError
from plateledger.oversight import readers, sharing_lists
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
from plateledger.oversight.sheets import HEAD_ROWS, Plan, agency_from_name, classify
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
class SheetNote:
    """One file or sheet in the import summary: its kind, rows imported, the agency its rows
    are attributed to and where that name came from (a column, --agency, the file name)."""

    source: str
    kind: str
    rows: int
    agency: str | None
    agency_from: str
    note: str


@dataclass(frozen=True, slots=True)
class ImportStats:
    files: tuple[FileStats, ...]
    unknown: tuple[str, ...]  # files found in a directory whose layout is unknown (messages)
    rows: int
    duplicates: int
    events: int
    sheets: tuple[SheetNote, ...] = ()
    sharing: int = 0
    timezone: str = "UTC"


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
    agency: str | None = None,
    tz: str | None = None,
) -> ImportStats:
    """Every file, every sheet: classified (``sheets.classify``), searches and events imported,
    sharing lists into ``sharing``, other sheets noted and skipped. ``agency`` names the agency
    of rows without an agency column; ``tz`` is the zone of times that name none."""
    searches = Batch(con, "raw_searches", SEARCH_COLUMNS)
    events = Batch(con, "events", EVENT_COLUMNS)
    ctx = _Context(columns, searches, events, zone(tz), con)
    stats: list[FileStats] = []
    unknown: list[str] = []
    notes: list[SheetNote] = []
    for path, named in expand(paths):
        report = None if progress is None else _bind(progress, path.name)
        for source, rows, found in _tables(path, report):
            name, origin = _agency_of(path, agency, found)
            head = list(itertools.islice(rows, HEAD_ROWS))
            plan = classify(head, source, columns)
            body = itertools.chain(head[plan.header_row :], rows)
            if plan.kind == "unknown" and named and ":" not in source and plan.error:
                raise plan.error
            if plan.kind == "unknown":
                unknown.append(plan.note)
            if plan.mapping is not None and "agency" in plan.mapping.index:
                origin = "agency column (else " + origin + ")"
            n, name, origin = _read(plan, source, body, (name, origin), ctx, stats)
            notes.append(SheetNote(source, plan.kind, n, name, origin, plan.note))
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
    return ImportStats(
        tuple(stats),
        tuple(unknown),
        read,
        dups,
        events.rows,
        tuple(notes),
        ctx.sharing,
        tz or "UTC",
    )


@dataclass(slots=True)
class _Context:
    columns: dict[str, str] | None
    searches: Batch
    events: Batch
    local: tzinfo | None
    con: duckdb.DuckDBPyConnection
    sharing: int = 0


def zone(name: str | None) -> tzinfo | None:
    """The IANA zone named by ``--tz`` (None: times without a zone are UTC)."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"unknown time zone {name!r} (an IANA name such as America/Los_Angeles)",
            {"field": "tz"},
        ) from None


def _agency_of(path: Path, given: str | None, found: str | None) -> tuple[str | None, str]:
    if given:
        return given, "--agency"
    if found:
        return found, "portal snapshot"
    inferred = agency_from_name(path.stem)
    return inferred, "file name" if inferred else "none found (use --agency)"


def _read(
    plan: Plan,
    source: str,
    body: Iterator[list[str]],
    named: tuple[str | None, str],
    ctx: _Context,
    stats: list[FileStats],
) -> tuple[int, str | None, str]:
    """Import one classified table; returns the rows taken from it and its agency."""
    agency, origin = named
    if plan.kind in ("searches", "events"):
        fs = _import_table(source, body, agency, ctx.columns, ctx.searches, ctx.events,
                           first_line=plan.header_row + 1, local=ctx.local)  # fmt: skip
        stats.append(fs)
        return fs.rows, agency, origin
    if plan.kind == "sharing" and plan.sharing is not None:
        next(body, None)  # the header row
        given = None if origin == "file name" else agency  # the list names it better
        rows, found = sharing_lists.rows(body, plan.sharing, source, given, fallback=agency)
        if rows:
            ctx.con.executemany("INSERT INTO sharing VALUES (?, ?, ?, ?, ?, ?)", rows)
        ctx.sharing += len(rows)
        if given is None and found != agency:
            origin = "Networks I'm Sharing column"
        return len(rows), found, origin
    for _ in body:  # drain the sheet (a streamed XLSX reader reads on)
        pass
    return 0, agency, origin


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
    *,
    first_line: int = 1,
    local: tzinfo | None = None,
) -> FileStats:
    mapping: Mapping | None = None
    header_key: list[str] = []
    n = skipped = 0
    for line, cells in enumerate(rows, start=first_line):
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
            events.add(_event(cells, mapping, source, line, local))
            n += 1
            continue
        row = _search(cells, mapping, source, line, agency, local)
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
    cells: list[str],
    m: Mapping,
    source: str,
    line: int,
    agency: str | None,
    local: tzinfo | None = None,
) -> dict[str, Any] | None:
    g = _get
    raw_at = g(cells, m, "at")
    date = clean(g(cells, m, "date"))
    if date and raw_at and parse_time(raw_at) is None:
        raw_at = f"{date.split('T')[0]}{' ' if '-' in date else ', '}{raw_at}"
    at = parse_time(raw_at, local)
    if at is None:
        return None
    start, end = time_frame(g(cells, m, "time_frame"))
    if "frame_start" in m.index:
        start, end = (
            parse_time(g(cells, m, "frame_start"), local),
            parse_time(g(cells, m, "frame_end"), local),
        )
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


def _event(
    cells: list[str], m: Mapping, source: str, line: int, local: tzinfo | None = None
) -> dict[str, Any]:
    details = _get(cells, m, "entity_details") or ""
    plate = _PLATE.search(details)
    return {
        "source": source,
        "source_row": line,
        "at_utc": parse_time(_get(cells, m, "at"), local),
        "user_id": clean(_get(cells, m, "user")),
        "agency": None,
        "action": (clean(_get(cells, m, "event_type")) or "").lower(),
        "entity_type": clean(_get(cells, m, "entity_type")),
        "plate": plate.group(1).upper() if plate else None,
        "details": clean(details),
    }
