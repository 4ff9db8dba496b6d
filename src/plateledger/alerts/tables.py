"""Hotlist tables on the DuckDB store (created by migration ``0006_hotlists``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pyarrow as pa

from plateledger.alerts.models import HIT_COLUMNS, Entry, Hotlist
from plateledger.store.duckdb_store import DuckDBStore

_HOTLIST_COLS = (
    "id, owner_agency, name, purpose, purpose_class, legal_basis, source, refresh_hours, "
    "priority, strictness, share_with, created_by, created_at, refreshed_at, retired_at"
)
_ENTRY_COLS = (
    "id, hotlist_id, plate, state, reason, case_number, entered_by, entered_at, expires_at, "
    "vehicle, expired_at, expired_by"
)


def naive(ts: datetime | None) -> datetime | None:
    """UTC wall time without tzinfo, as DuckDB TIMESTAMP columns hold it."""
    if ts is None:
        return None
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def aware(ts: datetime | None) -> datetime | None:
    return None if ts is None else ts.replace(tzinfo=UTC)


def save_hotlist(store: DuckDBStore, h: Hotlist) -> None:
    store.execute(
        f"INSERT OR REPLACE INTO hotlists ({_HOTLIST_COLS}) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [h.id, h.owner_agency, h.name, h.purpose, h.purpose_class, h.legal_basis, h.source,
         h.refresh_hours, h.priority, h.strictness, list(h.share_with), h.created_by,
         naive(h.created_at), naive(h.refreshed_at), naive(h.retired_at)],
    )  # fmt: skip


def _hotlist(r: Sequence[Any]) -> Hotlist:
    return Hotlist(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], tuple(r[10]), r[11],
        cast(datetime, aware(r[12])), cast(datetime, aware(r[13])), aware(r[14]),
    )  # fmt: skip


def load_hotlists(store: DuckDBStore) -> list[Hotlist]:
    rows = store.execute(f"SELECT {_HOTLIST_COLS} FROM hotlists ORDER BY created_at, id")
    return [_hotlist(r) for r in rows]


def load_hotlist(store: DuckDBStore, hotlist_id: str) -> Hotlist | None:
    rows = store.execute(f"SELECT {_HOTLIST_COLS} FROM hotlists WHERE id = ?", [hotlist_id])
    return _hotlist(rows[0]) if rows else None


def save_entries(store: DuckDBStore, entries: Sequence[Entry]) -> None:
    """Insert or replace entries in one statement (an Arrow table: fast for big imports)."""
    if not entries:
        return
    ts = pa.timestamp("us")
    batch = pa.table({
        "id": [e.id for e in entries], "hotlist_id": [e.hotlist_id for e in entries],
        "plate": [e.plate for e in entries], "state": [e.state for e in entries],
        "reason": [e.reason for e in entries], "case_number": [e.case_number for e in entries],
        "entered_by": [e.entered_by for e in entries],
        "entered_at": pa.array([naive(e.entered_at) for e in entries], ts),
        "expires_at": pa.array([naive(e.expires_at) for e in entries], ts),
        "vehicle": [e.vehicle for e in entries],
        "expired_at": pa.array([naive(e.expired_at) for e in entries], ts),
        "expired_by": pa.array([e.expired_by for e in entries], pa.string()),
    })  # fmt: skip
    con = store._cur()
    name = f"entries_in_{threading.get_ident()}"
    con.register(name, batch)
    try:
        con.execute(f"INSERT OR REPLACE INTO hotlist_entries ({_ENTRY_COLS}) "
                    f"SELECT {_ENTRY_COLS} FROM {name}")  # fmt: skip
    finally:
        con.unregister(name)


def _entry(r: Sequence[Any]) -> Entry:
    return Entry(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], cast(datetime, aware(r[7])),
        cast(datetime, aware(r[8])), r[9], aware(r[10]), r[11],
    )  # fmt: skip


def load_entries(store: DuckDBStore, hotlist_id: str | None = None) -> list[Entry]:
    where, params = ("WHERE hotlist_id = ?", [hotlist_id]) if hotlist_id else ("", [])
    rows = store.execute(f"SELECT {_ENTRY_COLS} FROM hotlist_entries {where} ORDER BY id", params)
    return [_entry(r) for r in rows]


def active_entry_columns(store: DuckDBStore, now: datetime) -> pa.Table:
    """id, hotlist_id, plate of the entries active at ``now`` (Arrow: cheap at a million)."""
    sql = (
        "SELECT id, hotlist_id, plate FROM hotlist_entries "
        "WHERE expired_at IS NULL AND expires_at > ?"
    )
    table: pa.Table = store._cur().sql(sql, params=[naive(now)]).to_arrow_table()
    return table


def load_entry(store: DuckDBStore, entry_id: str) -> Entry | None:
    rows = store.execute(f"SELECT {_ENTRY_COLS} FROM hotlist_entries WHERE id = ?", [entry_id])
    return _entry(rows[0]) if rows else None


def entry_counts(store: DuckDBStore, now: datetime) -> dict[str, tuple[int, int]]:
    """Per hotlist id: (all entries, entries still active at ``now``)."""
    rows = store.execute(
        "SELECT hotlist_id, count(*), count(*) FILTER (WHERE expired_at IS NULL AND "
        "expires_at > ?) FROM hotlist_entries GROUP BY hotlist_id",
        [naive(now)],
    )
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


def subscriptions(store: DuckDBStore) -> list[tuple[str, str]]:
    """(hotlist id, agency id) of every subscription."""
    rows = store.execute("SELECT hotlist_id, agency_id FROM hotlist_subscriptions ORDER BY 1, 2")
    return [(str(r[0]), str(r[1])) for r in rows]


def suppressions(store: DuckDBStore) -> set[tuple[str, str, str]]:
    rows = store.execute("SELECT entry_id, plate, state FROM hotlist_suppressions")
    return {(str(r[0]), str(r[1]), str(r[2])) for r in rows}


def insert_hit(store: DuckDBStore, hit: dict[str, Any]) -> None:
    values = [naive(v) if isinstance(v, datetime) else v for v in (hit[c] for c in HIT_COLUMNS)]
    marks = ", ".join("?" for _ in HIT_COLUMNS)
    store.execute(f"INSERT INTO hotlist_hits ({', '.join(HIT_COLUMNS)}) VALUES ({marks})", values)


def load_hit(store: DuckDBStore, hit_id: str) -> dict[str, Any] | None:
    rows = store.execute(
        f"SELECT {', '.join(HIT_COLUMNS)} FROM hotlist_hits WHERE id = ?", [hit_id]
    )
    return _hit(rows[0]) if rows else None


def load_hits(store: DuckDBStore, agency_id: str, limit: int = 100) -> list[dict[str, Any]]:
    rows = store.execute(
        f"SELECT {', '.join(HIT_COLUMNS)} FROM hotlist_hits WHERE agency_id = ? "
        "ORDER BY created_at DESC LIMIT ?",
        [agency_id, limit],
    )
    return [_hit(r) for r in rows]


def _hit(row: Sequence[Any]) -> dict[str, Any]:
    return {
        c: aware(v) if isinstance(v, datetime) else v for c, v in zip(HIT_COLUMNS, row, strict=True)
    }


def update_hit(store: DuckDBStore, hit_id: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    params = [naive(v) if isinstance(v, datetime) else v for v in values.values()]
    store.execute(f"UPDATE hotlist_hits SET {sets} WHERE id = ?", [*params, hit_id])


def record_event(
    store: DuckDBStore, at: datetime, user: str, event: str, entity: str, details: str, list_id: str
) -> None:
    store.execute(
        "INSERT INTO hotlist_events VALUES (?, ?, ?, ?, ?, ?)",
        [naive(at), user, event, entity, details, list_id],
    )


def events(store: DuckDBStore, hotlist_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    if not hotlist_ids:
        return []
    return store.execute(
        "SELECT event_at, user_id, event_type, entity_type, entity_details FROM hotlist_events "
        "WHERE list_contains(?, hotlist_id) ORDER BY event_at",
        [list(hotlist_ids)],
    )


def insert_webhook(
    store: DuckDBStore, hook_id: str, agency_id: str, url: str, secret: str, created_by: str,
    created_at: datetime,
) -> None:  # fmt: skip
    """A webhook for the agency's alerts (live until revoked)."""
    store.execute(
        "INSERT INTO webhooks VALUES (?, ?, ?, ?, ?, ?, NULL)",
        [hook_id, agency_id, url, secret, created_by, naive(created_at)],
    )
