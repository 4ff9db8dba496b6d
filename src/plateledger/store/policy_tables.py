"""Sharing agreements, declarations, agency policies and held searches on a DuckDB connection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import duckdb

from plateledger.domain.sharing import (
    AgencyPolicy,
    Declaration,
    DeclarationKind,
    GranteeKind,
    ProtectedActivity,
    SharingAgreement,
)
from plateledger.domain.types import AgencyId, NetworkId
from plateledger.store.read_query import naive_utc


def _ts(value: datetime | None) -> datetime | None:
    return None if value is None else naive_utc(value)


def save_agreement(con: duckdb.DuckDBPyConnection, a: SharingAgreement) -> None:
    con.execute(
        "INSERT OR REPLACE INTO sharing_agreements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [a.id, a.network_id, a.grantee_kind, a.grantee, a.radius_km, sorted(a.purposes),
         a.created_by, _ts(a.created_at), _ts(a.expires_at), _ts(a.revoked_at), a.note],
    )  # fmt: skip


def load_agreements(con: duckdb.DuckDBPyConnection) -> list[SharingAgreement]:
    rows = con.execute("SELECT * FROM sharing_agreements ORDER BY network_id, id").fetchall()
    return [
        SharingAgreement(
            id=r[0],
            network_id=NetworkId(r[1]),
            grantee_kind=cast(GranteeKind, r[2]),
            grantee=r[3],
            radius_km=r[4],
            purposes=frozenset(r[5]),
            created_by=r[6],
            created_at=_aware(r[7]),
            expires_at=_maybe(r[8]),
            revoked_at=_maybe(r[9]),
            note=r[10],
        )  # fmt: skip
        for r in rows
    ]


def save_declaration(con: duckdb.DuckDBPyConnection, d: Declaration) -> None:
    con.execute(
        "INSERT OR REPLACE INTO declarations VALUES (?, ?, ?, ?, ?, ?, ?)",
        [d.id, d.agency_id, d.state, d.kind, _ts(d.signed_at), _ts(d.expires_at), d.document_ref],
    )


def load_declarations(con: duckdb.DuckDBPyConnection) -> list[Declaration]:
    rows = con.execute("SELECT * FROM declarations ORDER BY agency_id, id").fetchall()
    return [
        Declaration(
            r[0],
            AgencyId(r[1]),
            r[2],
            cast(DeclarationKind, r[3]),
            _aware(r[4]),
            _maybe(r[5]),
            r[6],
        )  # fmt: skip
        for r in rows
    ]


def save_policy(con: duckdb.DuckDBPyConnection, p: AgencyPolicy) -> None:
    con.execute(
        "INSERT OR REPLACE INTO agency_policies (agency_id, require_specific_reason, "
        "prohibited_purposes, protected_activity) VALUES (?, ?, ?, ?)",
        [p.agency_id, p.require_specific_reason, sorted(p.prohibited_purposes),
         p.protected_activity],
    )  # fmt: skip


def load_policies(con: duckdb.DuckDBPyConnection) -> list[AgencyPolicy]:
    rows = con.execute(
        "SELECT agency_id, require_specific_reason, prohibited_purposes, protected_activity "
        "FROM agency_policies ORDER BY agency_id"
    ).fetchall()
    return [AgencyPolicy(AgencyId(r[0]), bool(r[1]), frozenset(r[2]), _setting(r[3])) for r in rows]


def _setting(value: object) -> ProtectedActivity:
    return "hold" if value == "hold" else "deny"  # anything else keeps the floor


def save_hold(con: duckdb.DuckDBPyConnection, row: Sequence[Any]) -> None:
    con.execute(
        "INSERT INTO search_holds VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL)",
        list(row),
    )


def load_hold(con: duckdb.DuckDBPyConnection, search_id: str) -> tuple[Any, ...] | None:
    row = con.execute("SELECT * FROM search_holds WHERE search_id = ?", [search_id]).fetchone()
    return tuple(row) if row else None


def pending_holds(con: duckdb.DuckDBPyConnection, agency_id: str, limit: int) -> list[str]:
    """Ids of the agency's searches still waiting for a supervisor, oldest first."""
    rows = con.execute(
        "SELECT search_id FROM search_holds WHERE agency_id = ? AND status = 'pending' "
        "ORDER BY created_at LIMIT ?",
        [agency_id, limit],
    ).fetchall()
    return [str(r[0]) for r in rows]


def decide_hold(
    con: duckdb.DuckDBPyConnection, search_id: str, status: str, by: str, at: datetime, note: str
) -> bool:
    row = con.execute(
        "UPDATE search_holds SET status = ?, decided_by = ?, decided_at = ?, note = ? "
        "WHERE search_id = ? AND status = 'pending' RETURNING search_id",
        [status, by, naive_utc(at), note, search_id],
    ).fetchone()
    return row is not None


def _aware(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC)


def _maybe(ts: datetime | None) -> datetime | None:
    return None if ts is None else _aware(ts)
