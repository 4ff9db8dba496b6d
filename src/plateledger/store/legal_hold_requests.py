"""Legal-hold requests on the DuckDB store (parameterised SQL only): an officer asks the agency
admin to keep reads picked from search results; the admin places the hold or declines.

A row is ``(id, agency_id, requested_by, requested_at, case_number, read_ids, note, search_id,
status, decided_by, decided_at, decision_note, expires_at)``; times are naive UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from plateledger.store.base import Sql

_COLUMNS = (
    "id, agency_id, requested_by, requested_at, case_number, read_ids, note, search_id, status, "
    "decided_by, decided_at, decision_note, expires_at"
)
_INSERT = (
    f"INSERT INTO legal_hold_requests ({_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL, NULL)"
)
_BY_ID = f"SELECT {_COLUMNS} FROM legal_hold_requests WHERE id = ?"
_OF_AGENCY = (
    f"SELECT {_COLUMNS} FROM legal_hold_requests WHERE agency_id = ? AND status = ? "
    "ORDER BY requested_at, id LIMIT ?"
)
_OF_USER = (
    f"SELECT {_COLUMNS} FROM legal_hold_requests WHERE requested_by = ? "
    "ORDER BY requested_at DESC, id LIMIT ?"
)
_DECIDE = (
    "UPDATE legal_hold_requests SET status = ?, decided_by = ?, decided_at = ?, "
    "decision_note = ?, expires_at = ? WHERE id = ? AND agency_id = ? AND status = 'pending' "
    "RETURNING id"
)


def _naive(ts: datetime | None) -> datetime | None:
    return None if ts is None else ts.astimezone(UTC).replace(tzinfo=None)


def add_request(
    db: Sql, request_id: str, agency_id: str, user_id: str, at: datetime, case_number: str,
    read_ids: Sequence[int], note: str, search_id: str | None,
) -> None:  # fmt: skip
    """Store a pending request."""
    db.execute(
        _INSERT,
        [request_id, agency_id, user_id, _naive(at), case_number, list(read_ids), note,
         search_id],
    )  # fmt: skip


def request_row(db: Sql, request_id: str) -> tuple[Any, ...] | None:
    """The request's row, or None."""
    rows = db.execute(_BY_ID, [request_id])
    return rows[0] if rows else None


def requests_of_agency(db: Sql, agency_id: str, status: str, limit: int) -> list[tuple[Any, ...]]:
    """The agency's requests in ``status``, oldest first (at most ``limit``)."""
    return db.execute(_OF_AGENCY, [agency_id, status, limit])


def requests_of_user(db: Sql, user_id: str, limit: int) -> list[tuple[Any, ...]]:
    """The user's own requests, newest first (at most ``limit``)."""
    return db.execute(_OF_USER, [user_id, limit])


def decide_request(
    db: Sql, request_id: str, agency_id: str, status: str, by: str, at: datetime, note: str,
    expires_at: datetime | None,
) -> bool:  # fmt: skip
    """Settle a pending request of ``agency_id``: true for the one caller that did."""
    rows = db.execute(
        _DECIDE, [status, by, _naive(at), note, _naive(expires_at), request_id, agency_id]
    )
    return bool(rows)


def reads_with_networks(db: Sql, read_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """``read_id -> (network id, owner agency id)`` of those of ``read_ids`` that exist."""
    rows = db.execute(
        "SELECT r.read_id, n.id, n.agency_id FROM (SELECT read_id, network_key FROM reads "
        "UNION ALL SELECT read_id, network_key FROM reads_hot) r JOIN networks n "
        "ON n.key = r.network_key WHERE list_contains(?::UBIGINT[], r.read_id)",
        [list(read_ids)],
    )
    return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}
