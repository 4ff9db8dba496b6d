"""Assist-request queries on the DuckDB store (parameterised SQL only; table from migration
``0008_assist_requests``). Times are stored naive UTC and come back aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from plateledger.domain.types import AgencyId, UserId
from plateledger.sharing.assist_types import AssistRequest
from plateledger.store.base import Sql

_COLUMNS = (
    "id, agency_id, behalf_agency, case_number, own_case_number, requested_by, requested_at, "
    "created_by, created_at, expires_at, revoked_at, revoked_by, note"
)
_OF_AGENCY = (
    f"SELECT {_COLUMNS} FROM assist_requests WHERE agency_id = ? "
    "ORDER BY created_at DESC, id LIMIT ?"
)
_ONE = f"SELECT {_COLUMNS} FROM assist_requests WHERE id = ?"
_LIVE = (
    f"SELECT {_COLUMNS} FROM assist_requests WHERE agency_id = ? AND behalf_agency = ? "
    "AND revoked_at IS NULL AND expires_at > ? AND (case_number = ? OR own_case_number = ?) "
    "ORDER BY expires_at DESC, id LIMIT 1"
)


def insert(db: Sql, a: AssistRequest) -> None:
    db.execute(
        f"INSERT INTO assist_requests ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [a.id, a.agency_id, a.behalf_agency, a.case_number, a.own_case_number, a.requested_by,
         _naive(a.requested_at), a.created_by, _naive(a.created_at), _naive(a.expires_at),
         _naive(a.revoked_at), a.revoked_by, a.note],
    )  # fmt: skip


def revoke(db: Sql, assist_id: str, by: str, at: datetime) -> bool:
    """Mark a live assist request revoked; False if it is unknown or already revoked."""
    rows = db.execute(
        "UPDATE assist_requests SET revoked_at = ?, revoked_by = ? "
        "WHERE id = ? AND revoked_at IS NULL RETURNING id",
        [_naive(at), by, assist_id],
    )
    return bool(rows)


def one(db: Sql, assist_id: str) -> AssistRequest | None:
    rows = db.execute(_ONE, [assist_id])
    return _row(rows[0]) if rows else None


def of_agency(db: Sql, agency_id: str, limit: int = 1000) -> list[AssistRequest]:
    """The agency's assist requests (those it recorded), newest first."""
    return [_row(r) for r in db.execute(_OF_AGENCY, [agency_id, limit])]


def live(
    db: Sql, agency_id: str, behalf: str, case_number: str, at: datetime
) -> AssistRequest | None:
    """A live assist request of ``agency_id`` for ``behalf`` whose requesting or own case number
    is ``case_number`` (exact), not revoked and not expired at ``at``."""
    rows = db.execute(_LIVE, [agency_id, behalf, _naive(at), case_number, case_number])
    return _row(rows[0]) if rows else None


def _row(r: tuple[Any, ...]) -> AssistRequest:
    return AssistRequest(
        id=str(r[0]), agency_id=AgencyId(r[1]), behalf_agency=AgencyId(r[2]),
        case_number=str(r[3]), own_case_number=r[4], requested_by=str(r[5]),
        requested_at=_aware(r[6]), created_by=UserId(r[7]), created_at=_aware(r[8]),
        expires_at=_aware(r[9]), revoked_at=_aware(r[10]) if r[10] else None,
        revoked_by=r[11], note=str(r[12]),
    )  # fmt: skip


def _naive(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _aware(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC)
