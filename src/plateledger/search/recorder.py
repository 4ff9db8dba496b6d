"""The search log on the embedded store: the write-ahead record of every search request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast

import orjson

from plateledger.audit.events import EVENT_TYPES, AuditEvent, EventType, Outcome, search_event
from plateledger.audit.log import AuditLog
from plateledger.search.service import SearchLogEntry
from plateledger.store.read_query import naive_utc

#: Search-log kinds written as search events (the analyses: ``search.analysis_types``)
SEARCH_KINDS = frozenset({"search", "timeline", "convoy", "multi_place", "frequent_visitor"})


class SearchLogTable(Protocol):
    def record_search(self, row: Sequence[Any]) -> None: ...


class StoreSearchRecorder:
    """Writes each entry to the store's ``search_log`` table in its own committed statement."""

    def __init__(self, table: SearchLogTable) -> None:
        self._table = table

    def record_search(self, entry: SearchLogEntry) -> None:
        p = entry.purpose
        self._table.record_search(
            [
                entry.search_id,
                naive_utc(entry.at),
                entry.user.id,
                entry.user.agency_id,
                entry.kind,
                p.purpose,
                p.case_number,
                p.reason,
                p.on_behalf_of,
                orjson.dumps(dict(entry.query)).decode(),
                orjson.dumps([d.to_dict() for d in entry.decisions]).decode(),
            ]
        )


class AuditedRecorder:
    """Write-ahead record of every search in the tamper-evident audit log, then in the
    queryable ``search_log`` table. If the audit append fails, the search fails."""

    def __init__(self, audit: AuditLog, table: SearchLogTable, component: str = "api") -> None:
        self._audit = audit
        self._table = StoreSearchRecorder(table)
        self._component = component

    def record_search(self, entry: SearchLogEntry) -> None:
        self._audit.append(audit_event(entry, self._component))
        self._table.record_search(entry)


def audit_event(entry: SearchLogEntry, component: str) -> AuditEvent:
    """The audit event for a search-log entry (searches, timelines, holds, purges)."""
    p = entry.purpose
    searched = [d.network for d in entry.decisions if d.decision == "allow"]
    excluded = [d.network for d in entry.decisions if d.decision != "allow"]
    outcome: Outcome = "success"
    if entry.decisions and not searched:
        outcome = "held" if any(d.decision == "hold" for d in entry.decisions) else "denied"
    if entry.kind in SEARCH_KINDS:  # searches, timelines and the analyses (search_event)
        kind = cast(EventType, entry.kind)
        return search_event(
            at=entry.at, component=component, user_id=entry.user.id,
            agency_id=entry.user.agency_id, outcome=outcome, search_id=entry.search_id,
            purpose=p.purpose, case_number=p.case_number, reason=p.reason,
            on_behalf_of=p.on_behalf_of, query=dict(entry.query), decisions=entry.decisions,
            networks_searched=searched, networks_excluded=excluded, result_count=None,
            event_type=kind,
        )  # fmt: skip
    subject = {"search_id": entry.search_id, "purpose": p.purpose, "case_number": p.case_number,
               "reason": p.reason, **dict(entry.query)}  # fmt: skip
    raw = entry.query.get("networks")
    networks = tuple(str(n) for n in raw) if isinstance(raw, list | tuple) else ()
    if entry.kind not in EVENT_TYPES:
        raise ValueError(f"unknown audit event type {entry.kind!r}")
    return AuditEvent(
        entry.at, component, cast(EventType, entry.kind), entry.user.id, entry.user.agency_id,
        "success", subject, networks,
    )  # fmt: skip
