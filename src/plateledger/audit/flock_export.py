"""Audit views as files people already analyse: the Flock Organization and Network Audit CSV
layouts (column names and order as in real 2024–2026 releases), and JSONL.

Every row is redacted first (``redaction``); the log itself is never changed. The Flock layouts
list searches only, so they take ``search`` and ``timeline`` entries (allowed, held and denied)
and skip other events (approvals, purges); JSONL takes every entry, as
``{"index": i, "entry": {...}}``.

Column mapping (a column with no counterpart is left empty):

    ID                       subject.search_id
    Name                     user_id (a per-export pseudonym under the public profile)
    Org Name                 the agency's name when known, else agency_id
                             (+ "(on behalf of <agency>)" when the search named one)
    Total Networks Searched  len(subject.networks_searched): 0 for a fully denied attempt
    Total Devices Searched   cameras of the networks searched, counted in the registry at export
                             time (or len(query.cameras) when the search named cameras)
    Time Frame               query.time_from / query.time_to, two lines "<t> UTC"
    License Plate            query.plate (``[redacted]`` under records-request and public)
    Reason                   "<purpose>: <reason>" — the layouts have no offense-type column
    Case #                   subject.case_number
    Filters                  the other query fields, "name: value; ..." (mode if not exact)
    Search Time              at, as "M/D/YYYY, h:mm:ss AM UTC"
    Search Type              "search" for searches, "lookup" for plate timelines, "convoy",
                             "multiGeo" (multi-place), "frequentVisitor"
    Text Prompt, Moderation  empty (no free-form search; no vendor moderation notes)

The outcome (allowed, held, denied) and the per-network decisions have no column and appear
only in JSONL.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from plateledger.audit.redaction import check_profile, new_salt, redact
from plateledger.domain.csv_cells import safe_writer
from plateledger.domain.types import Agency, Camera
from plateledger.errors import ValidationError

ORGANIZATION_AUDIT_COLUMNS = (
    "ID", "Name", "Org Name", "Total Networks Searched", "Time Frame", "License Plate", "Reason",
    "Case #", "Filters", "Search Time", "Search Type", "Text Prompt", "Moderation",
)  # fmt: skip
NETWORK_AUDIT_COLUMNS = (
    "Name", "Org Name", "Total Networks Searched", "Total Devices Searched", "Time Frame",
    "License Plate", "Reason", "Case #", "Filters", "Search Time", "Search Type",
)  # fmt: skip
LAYOUTS = {"flock-org": ORGANIZATION_AUDIT_COLUMNS, "flock-network": NETWORK_AUDIT_COLUMNS}
FORMATS = ("jsonl", "flock-org", "flock-network")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "flock-org": "text/csv",
               "flock-network": "text/csv"}  # fmt: skip
#: Search Type per event type (Flock's exports name convoy and multi-place `convoy`, `multiGeo`)
SEARCH_TYPES = {"search": "search", "timeline": "lookup", "convoy": "convoy",
                "multi_place": "multiGeo", "frequent_visitor": "frequentVisitor"}  # fmt: skip
SEARCH_EVENTS = frozenset(SEARCH_TYPES)
_NOT_FILTERS = frozenset({"plate", "time_from", "time_to", "limit", "offset", "max_distance"})


def export_lines(
    entries: Iterable[tuple[int, dict[str, Any]]],
    fmt: str,
    *,
    profile: str = "internal",
    salt: bytes | None = None,
    agency_names: Mapping[str, str] | None = None,
    devices: Mapping[str, int] | None = None,
) -> Iterator[bytes]:
    """The export as UTF-8 lines (a CSV header first). ``salt`` defaults to a fresh one, so
    two calls give unlinkable pseudonyms; ``devices`` maps network id to camera count."""
    check_profile(profile)
    if fmt not in FORMATS:
        raise ValidationError(f"format: must be one of {', '.join(FORMATS)}", {"field": "format"})
    key = new_salt() if salt is None else salt
    redacted = ((i, redact(e, profile, key)) for i, e in entries)
    if fmt == "jsonl":
        return (orjson.dumps({"index": i, "entry": e}) + b"\n" for i, e in redacted)
    return _csv_lines(redacted, LAYOUTS[fmt], agency_names or {}, devices)


def flock_time(value: datetime) -> str:
    """``M/D/YYYY, h:mm:ss AM UTC``, as in Flock's Search Time column."""
    t = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    hour = t.hour % 12 or 12
    half = "AM" if t.hour < 12 else "PM"
    return f"{t.month}/{t.day}/{t.year}, {hour}:{t.minute:02d}:{t.second:02d} {half} UTC"


def _org(agency: str, behalf: object, names: Mapping[str, str]) -> str:
    """The searcher's agency, and the agency it searched for when it named one."""
    own = names.get(agency, agency)
    if not isinstance(behalf, str) or not behalf:
        return own
    return f"{own} (on behalf of {names.get(behalf, behalf)})"


def flock_row(
    entry: dict[str, Any],
    columns: tuple[str, ...],
    agency_names: Mapping[str, str],
    devices: Mapping[str, int] | None,
) -> list[str]:
    """One (already redacted) search entry as cells of ``columns``."""
    subject = entry.get("subject") or {}
    query = subject.get("query") or {}
    agency = entry.get("agency_id") or ""
    cells = {
        "ID": _text(subject.get("search_id")),
        "Name": _text(entry.get("user_id")),
        "Org Name": _org(agency, subject.get("on_behalf_of"), agency_names),
        "Total Networks Searched": str(len(subject.get("networks_searched") or ())),
        "Total Devices Searched": _devices(subject, query, devices),
        "Time Frame": _time_frame(query),
        "License Plate": _text(query.get("plate")),
        "Reason": _reason(subject),
        "Case #": _text(subject.get("case_number")),
        "Filters": _filters(query),
        "Search Time": flock_time(datetime.fromisoformat(entry["at"])),
        "Search Type": SEARCH_TYPES.get(str(entry.get("event_type")), "search"),
    }
    return [cells.get(column, "") for column in columns]


def _csv_lines(
    entries: Iterable[tuple[int, dict[str, Any]]],
    columns: tuple[str, ...],
    agency_names: Mapping[str, str],
    devices: Mapping[str, int] | None,
) -> Iterator[bytes]:
    yield _csv_line(list(columns))
    for _, entry in entries:
        if entry.get("event_type") in SEARCH_EVENTS:
            yield _csv_line(flock_row(entry, columns, agency_names, devices))


def _csv_line(cells: list[str]) -> bytes:
    buf = io.StringIO()
    safe_writer(buf).writerow(cells)  # formula cells neutralised (domain.csv_cells)
    return buf.getvalue().encode("utf-8")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _reason(subject: Mapping[str, Any]) -> str:
    purpose, reason = _text(subject.get("purpose")), _text(subject.get("reason"))
    return f"{purpose}: {reason}" if purpose and reason else purpose or reason


def _devices(
    subject: Mapping[str, Any], query: Mapping[str, Any], devices: Mapping[str, int] | None
) -> str:
    if query.get("cameras"):
        return str(len(query["cameras"]))
    if devices is None:
        return ""
    return str(sum(devices.get(n, 0) for n in subject.get("networks_searched") or ()))


def _time_frame(query: Mapping[str, Any]) -> str:
    ends = [query.get("time_from"), query.get("time_to")]
    if not any(ends):
        return ""
    return "\n".join(flock_time(datetime.fromisoformat(t)) if t else "" for t in ends)


def _filters(query: Mapping[str, Any]) -> str:
    parts = []
    for name, value in sorted(query.items()):
        if name in _NOT_FILTERS or value in (None, "", [], {}):
            continue
        if name == "mode" and value == "exact":
            continue
        text = _value(value)
        if name == "mode" and value == "fuzzy" and query.get("max_distance") is not None:
            text = f"fuzzy (distance {query['max_distance']})"
        parts.append(f"{name}: {text}")
    return "; ".join(parts)


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def registry_context(
    agencies: Iterable[Agency], cameras: Iterable[Camera]
) -> tuple[dict[str, str], dict[str, int]]:
    """(agency names by id, camera counts by network id) for the Org Name and Devices columns."""
    names: dict[str, str] = {a.id: a.name for a in agencies}
    devices: dict[str, int] = {}
    for camera in cameras:
        devices[camera.network_id] = devices.get(camera.network_id, 0) + 1
    return names, devices
