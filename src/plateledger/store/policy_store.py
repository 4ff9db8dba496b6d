"""Sharing agreements, declarations, agency policies, held searches and legal holds: the
policy-side tables of the DuckDB store (a mixin of ``DuckDBStore``; cached where every search
reads them)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb

from plateledger.domain.sharing import AgencyPolicy, Declaration, SharingAgreement
from plateledger.domain.types import Agency, AgencyId
from plateledger.store import policy_tables
from plateledger.store.read_query import Keys


class PolicyTables:
    _write_lock: threading.Lock
    _agreements: list[SharingAgreement]
    _declarations: list[Declaration]
    _policies: dict[AgencyId, AgencyPolicy]
    _agencies: list[Agency]  # DuckDBStore's registry caches
    _keys: Keys
    hold_decisions: int = 0  # hold parts decided since the store opened (StoreHoldBook)

    def _cur(self) -> duckdb.DuckDBPyConnection:
        raise NotImplementedError  # DuckDBStore provides this thread's cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._cur().execute(sql, list(params)).fetchall()

    def _load_policy_tables(self) -> None:
        cur = self._cur()
        self._agreements = policy_tables.load_agreements(cur)
        self._declarations = policy_tables.load_declarations(cur)
        self._policies = {p.agency_id: p for p in policy_tables.load_policies(cur)}

    def policy_version(self) -> tuple[object, ...]:
        """What every policy decision depends on in the store, as its cached objects: the
        agencies, networks and cameras, agreements, declarations (with their decisions) and
        agency policies. Every write method reloads and *replaces* these objects (never
        mutates them), so any write gives a tuple whose items are not all the same objects
        (``is``) as before. ``policy.memo`` keys its decisions on it."""
        return (self._agencies, self._keys, self._agreements, self._declarations, self._policies)

    def save_agreement(self, agreement: SharingAgreement) -> None:
        with self._write_lock:
            policy_tables.save_agreement(self._cur(), agreement)
            self._load_policy_tables()

    def agreements(self) -> list[SharingAgreement]:
        return list(self._agreements)

    def save_declaration(self, declaration: Declaration) -> None:
        with self._write_lock:
            policy_tables.save_declaration(self._cur(), declaration)
            self._load_policy_tables()

    def declarations(self) -> list[Declaration]:
        return list(self._declarations)

    def save_agency_policy(self, policy: AgencyPolicy) -> None:
        with self._write_lock:
            policy_tables.save_policy(self._cur(), policy)
            self._load_policy_tables()

    def agency_policies(self) -> dict[AgencyId, AgencyPolicy]:
        return dict(self._policies)

    def decide_declaration(
        self, declaration_id: str, owner: str, status: str, by: str, at: datetime, note: str
    ) -> str | None:
        with self._write_lock:
            before = policy_tables.decide_declaration(
                self._cur(), declaration_id, owner, status, by, at, note
            )
            self._load_policy_tables()
        return before

    def save_hold(self, row: Sequence[Any]) -> None:
        policy_tables.save_hold(self._cur(), row)

    def save_hold_part(self, row: Sequence[Any]) -> None:
        policy_tables.save_hold_part(self._cur(), row)

    def hold(self, search_id: str) -> tuple[Any, ...] | None:
        return policy_tables.load_hold(self._cur(), search_id)

    def hold_parts(self, search_id: str) -> list[tuple[Any, ...]]:
        return policy_tables.load_hold_parts(self._cur(), search_id)

    def pending_holds(self, agency_id: str, limit: int) -> list[str]:
        return policy_tables.pending_holds(self._cur(), agency_id, limit)

    def decide_hold_part(
        self, search_id: str, agency_id: str, status: str, by: str, at: datetime, note: str
    ) -> bool:
        with self._write_lock:
            try:
                return policy_tables.decide_hold_part(
                    self._cur(), search_id, agency_id, status, by, at, note
                )
            finally:  # after the commit, and after a failure too: see StoreHoldBook._approvals
                self.hold_decisions += 1

    def use_hold(self, search_id: str, at: datetime) -> bool:
        with self._write_lock:
            return policy_tables.use_hold(self._cur(), search_id, at)

    # --- legal holds and purge receipts ---
    def add_legal_hold(
        self, case_number: str, read_ids: Sequence[int], by: str, note: str,
        expires_at: datetime | None = None,
    ) -> int:  # fmt: skip
        until = expires_at.astimezone(UTC).replace(tzinfo=None) if expires_at else None
        rows = [(case_number, int(r), by, note, until) for r in read_ids]
        self._cur().executemany(
            "INSERT OR IGNORE INTO legal_holds (case_number, read_id, created_by, created_at, "
            "note, expires_at) VALUES (?, ?, ?, now(), ?, ?)", rows,
        )  # fmt: skip
        return len(rows)

    def legal_hold_ids(self, case_number: str) -> list[int]:
        rows = self.execute(
            "SELECT read_id FROM legal_holds WHERE case_number = ? ORDER BY 1", [case_number]
        )
        return [int(r[0]) for r in rows]

    def purge_receipts(self) -> list[tuple[Any, ...]]:
        return self.execute("SELECT * FROM purge_receipts ORDER BY purged_at, day")
