"""Searches held for a supervisor: record, approve or reject, then resume.

A search whose reason is vague where an agency requires specific reasons, or whose reason may
be a prohibited purpose where the owner's law forbids it, is held on those networks. A
supervisor of the searcher's own agency approves (or rejects) it with a note; the officer then
resumes it, which runs the same request again — through policy and the search log — with the
supervisor's approval counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

from plateledger.domain.types import AgencyId, User
from plateledger.errors import ConflictError, ForbiddenError, NotFoundError
from plateledger.policy.base import Decision
from plateledger.search.service import SearchLogEntry, SearchRecorder
from plateledger.search.types import Purpose, SearchRequest, query_from_dict
from plateledger.store.read_query import naive_utc


class HoldTable(Protocol):
    def save_hold(self, row: Sequence[Any]) -> None: ...
    def hold(self, search_id: str) -> tuple[Any, ...] | None: ...
    def pending_holds(self, agency_id: str, limit: int) -> list[str]: ...
    def decide_hold(
        self, search_id: str, status: str, by: str, at: datetime, note: str
    ) -> bool: ...


@dataclass(frozen=True, slots=True)
class Hold:
    search_id: str
    user_id: str
    agency_id: str
    created_at: datetime
    kind: str
    purpose: Purpose
    query: dict[str, Any]
    held_networks: tuple[str, ...]
    status: str
    decided_by: str | None
    note: str | None
    rules: tuple[str, ...] = ()  # the rule ids that held it (e.g. bulk.area_time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "search_id": self.search_id, "user": self.user_id, "agency": self.agency_id,
            "created_at": self.created_at.isoformat(), "kind": self.kind,
            "purpose": self.purpose.purpose, "case_number": self.purpose.case_number,
            "reason": self.purpose.reason, "on_behalf_of": self.purpose.on_behalf_of,
            "held_networks": list(self.held_networks), "status": self.status,
            "decided_by": self.decided_by, "note": self.note, "rules": list(self.rules),
        }  # fmt: skip


class StoreHoldBook:
    def __init__(self, table: HoldTable, recorder: SearchRecorder) -> None:
        self._table = table
        self._recorder = recorder

    def hold(
        self,
        search_id: str,
        user: User,
        at: datetime,
        kind: str,
        purpose: Purpose,
        query: Mapping[str, object],
        held: Sequence[Decision],
    ) -> None:
        request = {"kind": kind, "query": dict(query), "purpose": purpose.purpose,
                   "case_number": purpose.case_number, "reason": purpose.reason,
                   "on_behalf_of": purpose.on_behalf_of,
                   "rules": sorted({r for d in held for r in d.rule_ids})}  # fmt: skip
        self._table.save_hold(
            [search_id, user.id, user.agency_id, naive_utc(at),
             orjson.dumps(request).decode(), [d.network for d in held]]
        )  # fmt: skip

    def get(self, search_id: str) -> Hold:
        row = self._table.hold(search_id)
        if row is None:
            raise NotFoundError(f"no held search {search_id}")
        request = orjson.loads(row[4])
        purpose = Purpose(
            request["purpose"], request["case_number"], request["reason"],
            AgencyId(request["on_behalf_of"]) if request["on_behalf_of"] else None,
        )  # fmt: skip
        return Hold(
            row[0], row[1], row[2], row[3].replace(tzinfo=UTC), request["kind"], purpose,
            request["query"], tuple(row[5]), row[6], row[7], row[9],
            tuple(request.get("rules") or ()),
        )  # fmt: skip

    def pending(self, agency_id: str, limit: int = 200) -> list[Hold]:
        """The agency's searches waiting for a supervisor, oldest first (at most ``limit``)."""
        return [self.get(i) for i in self._table.pending_holds(agency_id, limit)]

    def decide(self, search_id: str, supervisor: User, approve: bool, note: str) -> Hold:
        hold = self.get(search_id)
        if supervisor.role != "supervisor" or supervisor.agency_id != hold.agency_id:
            raise ForbiddenError("only a supervisor of the searcher's agency may decide this")
        if supervisor.id == hold.user_id:
            raise ForbiddenError("a supervisor may not approve their own search")
        now = datetime.now(UTC)
        status = "approved" if approve else "rejected"
        if not self._table.decide_hold(search_id, status, supervisor.id, now, note):
            raise ConflictError(f"search {search_id} was already {hold.status}")
        self._recorder.record_search(
            SearchLogEntry(
                f"{search_id}:{status}",
                now,
                supervisor,
                f"hold_{status}",
                hold.purpose,
                {"search_id": search_id, "note": note},
                (),
            )  # fmt: skip
        )
        return self.get(search_id)

    def resume(self, search_id: str, user: User) -> SearchRequest:
        hold = self.get(search_id)
        if user.id != hold.user_id:
            raise ForbiddenError("only the officer who ran the search may resume it")
        if hold.status != "approved":
            raise ConflictError(f"search {search_id} is {hold.status}, not approved")
        if hold.kind != "search":
            raise ConflictError(f"held {hold.kind} requests are resumed by repeating them")
        return SearchRequest(user, query_from_dict(hold.query), hold.purpose, search_id)
