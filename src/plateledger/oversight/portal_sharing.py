"""Sharing lists from transparency-portal snapshots into the ``sharing`` table, and what each
portal publishes about its agency into ``portal_profiles`` (for the scoreboard).

A Flock portal snapshot (JSON, one per agency and date) lists ``sharing_outbound`` (who receives
the agency's data) and ``sharing_inbound`` by organisation name only. The partner's state and
kind are inferred from the name (``classify_partner``): a state code or state name in it, federal
terms, private-organisation terms, and placeholders such as "DUPLICATE PLEASE DELETE". A
``portal_snapshots.csv`` summary (one row per portal: retention, prohibited uses, counts) adds
profiles for agencies without a JSON snapshot; it has no partner names.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import orjson
import pyarrow as pa

from plateledger.domain.plate_formats import state_name
from plateledger.domain.types import US_STATES

PartnerKind = Literal["public", "federal", "private", "placeholder"]
PROFILE_DDL = (
    "CREATE TABLE IF NOT EXISTS portal_profiles (slug TEXT, agency TEXT, state TEXT, "
    "archived TEXT, source TEXT, retention_days BIGINT, cameras BIGINT, searches_30d BIGINT, "
    "prohibited_uses TEXT, shares_out BIGINT, shares_in BIGINT)"
)
SHARING_FIELDS = ("source", "agency", "direction", "partner", "partner_state", "partner_kind")
PROFILE_FIELDS = ("slug", "agency", "state", "archived", "source", "retention_days", "cameras",
                  "searches_30d", "prohibited_uses", "shares_out", "shares_in")  # fmt: skip
_CODES = frozenset(US_STATES)
_NAMES = {state_name(c).lower(): c for c in US_STATES}
_NAME_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _NAMES), key=len)[::-1]) + r")\b")
_ALIASES = (
    (re.compile(r"^cal\b|\bcal fire\b|\bNCRIC\b|\bCHP\b", re.I), "CA"),
    (re.compile(r"\bNYS\b", re.I), "NY"),
    (re.compile(r"\bKBI\b"), "KS"),
    (re.compile(r"\bMOCIC\b"), "MO"),
)
_PLACEHOLDER = re.compile(r"\b(delete|duplicate|decommissioned|test|demo|dnu|old)\b", re.I)
_PRIVATE = re.compile(
    r"\b(inc|llc|corp|corporation|company|hoa|homeowners|mall|apartments|properties|"
    r"national center for missing|ncmec|private)\b",
    re.I,
)
_FEDERAL_EXTRA = ("HIDTA", "U.S.", "United States", "Federal", "Bureau of")


@dataclass(frozen=True, slots=True)
class Partner:
    state: str | None
    kind: PartnerKind


def state_of(name: str) -> str | None:
    """A state from an organisation's name: its last state code ('Ankeny IA PD'), a slug's
    ('napa-ca-pd'), else a state's name ('Colorado State Patrol'), else a known alias."""
    strict: list[str] = [t for t in re.findall(r"\b([A-Z]{2})\b", name) if t in _CODES]
    if len(strict) > 1 and strict[-1] == "SD":
        strict.pop()  # 'Los Angeles County CA SD': a sheriff's department, not South Dakota
    if strict:
        return strict[-1]
    if " " not in name:  # a slug: 'napa-ca-pd'
        slug = [t.upper() for t in name.lower().split("-") if t.upper() in _CODES]
        if len(slug) > 1 and slug[-1] == "SD":
            slug.pop()
        if slug:
            return slug[-1]
    named = _NAME_RE.findall(name.lower())
    if named:
        return _NAMES[named[0]]
    for pattern, code in _ALIASES:
        if pattern.search(name):
            return code
    return None


def classify_partner(name: str, federal_terms: Iterable[str]) -> Partner:
    """State and kind of a sharing partner named in a portal's list."""
    terms = (*federal_terms, *_FEDERAL_EXTRA)
    federal = re.compile("|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in terms))
    if _PLACEHOLDER.search(name):
        kind: PartnerKind = "placeholder"
    elif federal.search(name):
        kind = "federal"
    elif _PRIVATE.search(name):
        kind = "private"
    else:
        kind = "public"
    return Partner(None if kind == "federal" else state_of(name), kind)


def import_portal_sharing(
    con: duckdb.DuckDBPyConnection, files: Iterable[Path], federal_terms: Iterable[str]
) -> int:
    """Read every portal JSON snapshot and ``portal_snapshots.csv`` among ``files`` into
    ``sharing`` and ``portal_profiles``; returns the number of sharing rows added."""
    con.execute(PROFILE_DDL).fetchall()
    terms = tuple(federal_terms)
    added = 0
    for path in files:
        suffix = path.suffix.lower()
        if suffix == ".json":
            added += _portal_json(con, path, terms)
        elif suffix == ".csv" and _is_snapshot_csv(path):
            _snapshot_csv(con, path)
    return added


def _portal_json(con: duckdb.DuckDBPyConnection, path: Path, terms: tuple[str, ...]) -> int:
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        return 0  # the search importer reports malformed files
    if not isinstance(doc, dict) or "sharing_outbound" not in doc:
        return 0
    slug = str(doc.get("crawled_slug") or path.stem)
    agency = str(doc.get("crawled_name") or slug)
    out, inbound = _names(doc.get("sharing_outbound")), _names(doc.get("sharing_inbound"))
    rows = []
    for direction, names in (("outbound", out), ("inbound", inbound)):
        for partner in names:
            p = classify_partner(partner, terms)
            rows.append((path.name, agency, direction, partner, p.state, p.kind))
    _insert(con, "sharing", SHARING_FIELDS, rows)
    profile = (slug, agency, state_of(slug) or state_of(agency), str(doc.get("archived_date")),
               path.name, _int(doc.get("data_retention_days")), _int(doc.get("camera_count")),
               _int(doc.get("searches_30d")), _text(doc.get("prohibited_uses")), len(out),
               len(inbound))  # fmt: skip
    _insert(con, "portal_profiles", PROFILE_FIELDS, [profile])
    return len(rows)


def _is_snapshot_csv(path: Path) -> bool:
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f), [])
    return {"slug", "retention", "n_share_out"} <= set(header)


def _snapshot_csv(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [
            (
                r["slug"],
                r.get("name") or r["slug"],
                state_of(r["slug"]) or state_of(r["name"]),
                r.get("archived_date"),
                path.name,
                _int(r.get("retention")),
                _int(r.get("camera_count")),
                _int(r.get("searches_30d")),
                _text(r.get("prohibited_uses")),
                _int(r.get("n_share_out")),
                _int(r.get("n_share_in")),
            )  # fmt: skip
            for r in csv.DictReader(f)
            if r.get("slug")
        ]
    _insert(con, "portal_profiles", PROFILE_FIELDS, rows)


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, fields: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    if not rows:
        return
    columns = {name: [r[i] for r in rows] for i, name in enumerate(fields)}
    con.register("_sharing_rows", pa.table(columns))
    con.execute(f"INSERT INTO {table} SELECT * FROM _sharing_rows").fetchall()
    con.unregister("_sharing_rows")


def _names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if isinstance(v, str) and v.strip()]


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip().replace(",", ""))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None
