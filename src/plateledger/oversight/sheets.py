"""What a sheet (or a CSV file) of a records-request production holds, decided from its first
rows: an audit log of searches, a sharing list, users, totals, a hotlist or event log, the
cover letter or request text, or nothing. The header row may be below a title block; the
agency may be named by the user or inferred from the file name (and said so in the summary)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from plateledger.oversight import sharing_lists
from plateledger.oversight.layouts import (
    Mapping,
    UnknownLayoutError,
    detect,
    detect_headerless,
    is_header,
    mapping_from_columns,
    normalise,
)

SheetKind = Literal[
    "searches", "sharing", "users", "totals", "events", "hotlist", "cover", "empty", "unknown"
]
HEAD_ROWS = 30  # rows looked at to find the header and decide the kind
_USERS = {"email", "role", "roles", "user role", "username", "user name", "first name",
          "last name", "badge", "last login", "last active", "status", "title"}  # fmt: skip
_HOTLIST = {"hotlist", "hotlist name", "hot list", "hot list name", "list name", "alert type"}
_PLATE = {"plate", "license plate", "plate number", "license", "lpn"}
_COVER = re.compile(
    r"public records|records request|records act|pursuant|foia|cpra|\bpra\b|request(?:ed)? "
    r"(?:for|by|no)|responsive records|custodian",
    re.I,
)
_AGENCY_WORDS = {"pd", "so", "police", "sheriff", "sheriffs", "county", "city", "town",
                 "department", "dept", "marshal", "university", "patrol", "parish",
                 "dps"}  # fmt: skip
_NOISE = {"audit", "audits", "search", "searches", "log", "logs", "export", "network",
          "organization", "org", "flock", "cpra", "pra", "foia", "records", "request",
          "corrected", "raw", "final", "data", "report", "csv", "xlsx", "sheet", "shared",
          "sharednetworks", "networks", "sharing", "list"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Plan:
    """The kind of a sheet, where its header row is (index into its rows), the search or event
    mapping or sharing layout to read it with, and a note for the import summary."""

    kind: SheetKind
    header_row: int
    note: str
    mapping: Mapping | None = None
    sharing: sharing_lists.SharingLayout | None = None
    error: UnknownLayoutError | None = None


def classify(head: Sequence[list[str]], source: str, columns: dict[str, str] | None = None) -> Plan:
    title = source.rsplit(":", 1)[1] if ":" in source else ""
    filled = [(i, c) for i, c in enumerate(head) if any(x.strip() for x in c)]
    if not filled:
        return Plan("empty", 0, "no cells")
    first_error: UnknownLayoutError | None = None
    for i, cells in filled:
        plan, error = _header_plan(i, cells, source, title, columns)
        if plan is not None:
            return plan
        first_error = first_error or error
    return _headerless(filled, source, title, first_error)


def _header_plan(
    i: int, cells: list[str], source: str, title: str, columns: dict[str, str] | None
) -> tuple[Plan | None, UnknownLayoutError | None]:
    lay = sharing_lists.header(cells, title)
    if lay is not None:
        return Plan("sharing", i, "sharing list", sharing=lay), None
    if columns:
        try:
            return Plan(
                "searches", i, "column mapping", mapping_from_columns(columns, cells, source)
            ), None
        except UnknownLayoutError:
            pass
    if not is_header(cells):
        return None, None
    try:
        m = detect(cells, source)
    except UnknownLayoutError as exc:
        return None, exc
    kind: SheetKind = "events" if m.layout.kind == "event" else "searches"
    note = f"{'header on row ' + str(i + 1) + '; ' if i else ''}layout {m.layout.name}"
    return Plan(kind, i, note, mapping=m), None


def _headerless(
    filled: list[tuple[int, list[str]]],
    source: str,
    title: str,
    error: UnknownLayoutError | None,
) -> Plan:
    i, cells = filled[0]
    try:
        return Plan("searches", i, "no header row", mapping=detect_headerless(cells, source))
    except UnknownLayoutError as exc:
        error = error or exc
    words = {normalise(c) for _, row in filled for c in row if c.strip()}
    text = " ".join(c for _, row in filled for c in row)
    t = normalise(title)
    kind: SheetKind = "unknown"
    if "hotlist" in t or "hot list" in t or (words & _HOTLIST and words & _PLATE):
        kind = "hotlist"
    elif len(words & _USERS) >= 2 or "user" in t:
        kind = "users"
    elif "total" in t or any(w.startswith("total") for w in words):
        kind = "totals"
    elif "request" in t or "cover" in t or (_COVER.search(text) and _narrow(filled)):
        kind = "cover"
    note = (
        f"{kind} sheet: not imported"
        if kind != "unknown"
        else (error.message if error else "no header row found")
    )
    return Plan(kind, i, note, error=error)


def _narrow(filled: list[tuple[int, list[str]]]) -> bool:
    """Text laid out as a letter: no row with more than three cells."""
    return all(sum(1 for c in row if c.strip()) <= 3 for _, row in filled)


def agency_from_name(stem: str) -> str | None:
    """An agency named in a file name (``...-Okaloosa_County_FL_SO-Audit``), or None: kept
    only when a word such as PD, SO, Police, County or City is in it."""
    words = [w for w in re.split(r"[\s_\-.]+", stem) if w.isalpha() and w.lower() not in _NOISE]
    if not words or not any(w.lower() in _AGENCY_WORDS for w in words):
        return None
    return " ".join(words)
