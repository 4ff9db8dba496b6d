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
        "INSERT OR REPLACE INTO declarations (id, agency_id, state, kind, signed_at, expires_at, "
        "document_ref, filed_by, filed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [d.id, d.agency_id, d.state, d.kind, _ts(d.signed_at), _ts(d.expires_at), d.document_ref,
         d.filed_by, _ts(d.filed_at)],
    )  # fmt: skip


def decide_declaration(
    con: duckdb.DuckDBPyConnection, declaration_id: str, owner: str, status: str, by: str,
    at: datetime, note: str,
) -> str | None:  # fmt: skip
    """Record ``owner``'s decision; return the status it replaced (None: it was pending)."""
    before = con.execute(
        "SELECT status FROM declaration_decisions WHERE declaration_id = ? AND owner_agency = ?",
        [declaration_id, owner],
    ).fetchone()
    con.execute(
        "INSERT OR REPLACE INTO declaration_decisions VALUES (?, ?, ?, ?, ?, ?)",
        [declaration_id, owner, status, by, naive_utc(at), note],
    )
    return None if before is None else str(before[0])


def load_declarations(con: duckdb.DuckDBPyConnection) -> list[Declaration]:
    decided: dict[str, dict[str, set[AgencyId]]] = {}
    for d_id, owner, status in con.execute(
        "SELECT declaration_id, owner_agency, status FROM declaration_decisions"
    ).fetchall():
        decided.setdefault(d_id, {}).setdefault(status, set()).add(AgencyId(owner))
    rows = con.execute(
        "SELECT id, agency_id, state, kind, signed_at, expires_at, document_ref, filed_by, "
        "filed_at FROM declarations ORDER BY agency_id, id"
    ).fetchall()
    return [
        Declaration(
            r[0],
            AgencyId(r[1]),
            r[2],
            cast(DeclarationKind, r[3]),
            _aware(r[4]),
            _maybe(r[5]),
            r[6],
            frozenset(decided.get(r[0], {}).get("accepted", ())),
            frozenset(decided.get(r[0], {}).get("rejected", ())),
            r[7],
            _maybe(r[8]),
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
        "INSERT INTO search_holds (search_id, user_id, agency_id, created_at, request_json, "
        "held_networks, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
        list(row),
    )


def save_hold_part(con: duckdb.DuckDBPyConnection, row: Sequence[Any]) -> None:
    """(search_id, agency_id, networks, rules, evidence_json): one decider's pending part."""
    con.execute(
        "INSERT INTO hold_parts VALUES (?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL)", list(row)
    )


def load_hold(con: duckdb.DuckDBPyConnection, search_id: str) -> tuple[Any, ...] | None:
    row = con.execute(
        "SELECT search_id, user_id, agency_id, created_at, request_json, held_networks, status, "
        "decided_by, decided_at, note, used_at FROM search_holds WHERE search_id = ?",
        [search_id],
    ).fetchone()
    return tuple(row) if row else None


def load_hold_parts(con: duckdb.DuckDBPyConnection, search_id: str) -> list[tuple[Any, ...]]:
    """(agency_id, networks, rules, evidence_json, status, decided_by, decided_at, note)."""
    rows = con.execute(
        "SELECT agency_id, networks, rules, evidence_json, status, decided_by, decided_at, note "
        "FROM hold_parts WHERE search_id = ? ORDER BY agency_id",
        [search_id],
    ).fetchall()
    return [tuple(r) for r in rows]


def pending_holds(con: duckdb.DuckDBPyConnection, agency_id: str, limit: int) -> list[str]:
    """Ids of the searches with a part waiting for a supervisor of ``agency_id``, oldest first
    (unused: a resumed search's approval is spent)."""
    rows = con.execute(
        "SELECT h.search_id FROM search_holds h JOIN hold_parts p USING (search_id) "
        "WHERE p.agency_id = ? AND p.status = 'pending' AND h.used_at IS NULL "
        "ORDER BY h.created_at LIMIT ?",
        [agency_id, limit],
    ).fetchall()
    return [str(r[0]) for r in rows]


def decide_hold_part(
    con: duckdb.DuckDBPyConnection, search_id: str, agency_id: str, status: str, by: str,
    at: datetime, note: str,
) -> bool:  # fmt: skip
    """Decide ``agency_id``'s pending part of an unused hold; then the hold's status follows
    its parts (pending while any is; approved if any was approved; else rejected)."""
    row = con.execute(
        "UPDATE hold_parts SET status = ?, decided_by = ?, decided_at = ?, note = ? "
        "WHERE search_id = ? AND agency_id = ? AND status = 'pending' AND search_id IN "
        "(SELECT search_id FROM search_holds WHERE used_at IS NULL) RETURNING search_id",
        [status, by, naive_utc(at), note, search_id, agency_id],
    ).fetchone()
    if row is None:
        return False
    con.execute(
        "UPDATE search_holds SET status = (SELECT CASE WHEN bool_or(status = 'pending') "
        "THEN 'pending' WHEN bool_or(status = 'approved') THEN 'approved' ELSE 'rejected' END "
        "FROM hold_parts WHERE search_id = ?), decided_by = ?, decided_at = ?, note = ? "
        "WHERE search_id = ?",
        [search_id, by, naive_utc(at), note, search_id],
    )
    return True


def use_hold(con: duckdb.DuckDBPyConnection, search_id: str, at: datetime) -> bool:
    """Spend an approval: true for the one caller that marks the hold used."""
    row = con.execute(
        "UPDATE search_holds SET used_at = ?, status = 'used' "
        "WHERE search_id = ? AND used_at IS NULL RETURNING search_id",
        [naive_utc(at), search_id],
    ).fetchone()
    return row is not None


def _aware(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC)


def _maybe(ts: datetime | None) -> datetime | None:
    return None if ts is None else _aware(ts)
