"""Searches held for a supervisor: record, decide (per deciding agency), then resume once.

A search whose reason is vague where an agency requires specific reasons, or whose reason may
be a prohibited purpose where a law or policy forbids it, is held on those networks. Each hold
is split by who raised it (``search.hold_parts``): the owner agency's supervisors decide holds
raised by the owner's law, sharing or policy, on the owner's networks; the searcher's
supervisors decide only holds raised by the searcher's own policy, state law or ceilings. The
officer then resumes it once — the same query and time window, within 24 hours of the approval
— which runs it again through policy and the search log, lifting only the approved holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import orjson

from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import AgencyId, NetworkId, User
from plateledger.errors import ConflictError, ForbiddenError, NotFoundError
from plateledger.policy.base import Decision
from plateledger.search import hold_tables
from plateledger.search.hold_parts import APPROVAL_LIFETIME, Approval, HoldPart, approval_of
from plateledger.search.service import SearchLogEntry, SearchRecorder
from plateledger.search.types import Purpose, SearchRequest, query_from_dict, query_to_dict
from plateledger.store.read_query import naive_utc


class HoldTable(Protocol):
    hold_decisions: int  # hold parts decided since the store opened

    def save_hold(self, row: Sequence[Any]) -> None: ...
    def save_hold_part(self, row: Sequence[Any]) -> None: ...
    def hold(self, search_id: str) -> tuple[Any, ...] | None: ...
    def hold_parts(self, search_id: str) -> list[tuple[Any, ...]]: ...
    def pending_holds(self, agency_id: str, limit: int) -> list[str]: ...
    def decide_hold_part(
        self, search_id: str, agency_id: str, status: str, by: str, at: datetime, note: str
    ) -> bool: ...
    def use_hold(self, search_id: str, at: datetime) -> bool: ...
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


#: Where a held search stands for its officer ("My requests"): waiting; approved (some part
#: live, not yet resumed); denied (every part rejected); expired (approved, lapsed unused);
#: used (resumed: the approval is spent)
HoldState = Literal["pending", "approved", "denied", "expired", "used"]


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
    parts: tuple[HoldPart, ...] = ()  # who decides which networks (search.hold_parts)
    used_at: datetime | None = None  # when the approval was spent by a resumed search

    def part_for(self, agency_id: str) -> HoldPart | None:
        return next((p for p in self.parts if p.agency_id == agency_id), None)

    def state(self, at: datetime) -> HoldState:
        """Where it stands at ``at`` for the officer who ran it."""
        if self.used_at is not None:
            return "used"
        if any(p.live(at) for p in self.parts):
            return "approved"
        if any(p.status == "pending" for p in self.parts):
            return "pending"
        return "expired" if any(p.status == "approved" for p in self.parts) else "denied"

    def same_request(
        self, query: Mapping[str, object], purpose: Purpose, kind: str = "search"
    ) -> bool:
        """Whether ``query`` (``query_to_dict``) and ``purpose`` are exactly what was held."""
        held = {k: v for k, v in self.query.items() if k != "approved_hold_of"}
        return self.kind == kind and held == dict(query) and self.purpose == purpose

    def to_dict(self, viewer: str | None = None) -> dict[str, Any]:
        """As the API shows it; ``viewer`` (an agency id): only that agency's part, unless it
        is the searcher's agency (which sees every part of its officer's search)."""
        parts = [p for p in self.parts if viewer in (None, self.agency_id, p.agency_id)]
        return {
            "search_id": self.search_id, "user": self.user_id, "agency": self.agency_id,
            "created_at": self.created_at.isoformat(), "kind": self.kind,
            "purpose": self.purpose.purpose, "case_number": self.purpose.case_number,
            "reason": self.purpose.reason, "on_behalf_of": self.purpose.on_behalf_of,
            "query": self.query,
            "held_networks": [n for p in parts for n in p.networks]
            if viewer not in (None, self.agency_id) else list(self.held_networks),
            "status": self.status, "decided_by": self.decided_by, "note": self.note,
            "rules": list(self.rules), "decisions": [p.to_dict() for p in parts],
            "used_at": self.used_at.isoformat() if self.used_at else None,
        }  # fmt: skip


class StoreHoldBook:
    def __init__(self, table: HoldTable, recorder: SearchRecorder, clock: Clock = utc_now):
        self._table = table
        self._recorder = recorder
        self._clock = clock
        self._no_approvals: dict[str, int] = {}  # user -> hold_decisions when it had none

    def hold(
        self,
        search_id: str,
        user: User,
        at: datetime,
        kind: str,
        purpose: Purpose,
        query: Mapping[str, object],
        held: Sequence[Decision],
        parts: Sequence[HoldPart],
    ) -> None:
        request = {"kind": kind, "query": dict(query), "purpose": purpose.purpose,
                   "case_number": purpose.case_number, "reason": purpose.reason,
                   "on_behalf_of": purpose.on_behalf_of,
                   "rules": sorted({r for p in parts for r in p.rules})}  # fmt: skip
        self._table.save_hold(
            [search_id, user.id, user.agency_id, naive_utc(at),
             orjson.dumps(request).decode(), [d.network for d in held]]
        )  # fmt: skip
        for p in parts:
            self._table.save_hold_part(
                [search_id, p.agency_id, list(p.networks), list(p.rules),
                 orjson.dumps(list(p.evidence)).decode()]
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
        parts = tuple(
            HoldPart(AgencyId(p[0]), tuple(NetworkId(n) for n in p[1]), tuple(p[2]),
                     tuple(orjson.loads(p[3])), p[4], p[5], _aware(p[6]), p[7])
            for p in self._table.hold_parts(search_id)
        )  # fmt: skip
        return Hold(
            row[0], row[1], row[2], row[3].replace(tzinfo=UTC), request["kind"], purpose,
            request["query"], tuple(row[5]), row[6], row[7], row[9],
            tuple(request.get("rules") or ()), parts, _aware(row[10]),
        )  # fmt: skip

    def pending(self, agency_id: str, limit: int = 200) -> list[Hold]:
        """Searches with a part waiting for a supervisor of ``agency_id`` (the searcher's
        agency, or an owner whose rules held them), oldest first (at most ``limit``)."""
        return [self.get(i) for i in self._table.pending_holds(agency_id, limit)]

    def now(self) -> datetime:
        """The book's clock (a hold's state depends on when it is read)."""
        return self._clock()

    def mine(self, user: User, limit: int = 200) -> list[Hold]:
        """The user's own held searches, newest first (at most ``limit``)."""
        return [self.get(i) for i in hold_tables.holds_of_user(self._table, user.id, limit)]

    def held_decisions(self, hold: Hold, viewer: str) -> list[dict[str, Any]]:
        """The per-network decisions logged when ``hold`` was held (why it was held), as the
        agency ``viewer`` may see them: all for the searcher's agency, else its own networks."""
        logged = hold_tables.logged_search(self._table, hold.search_id)
        decisions = logged[1] if logged else []
        part = hold.part_for(viewer)
        own = set(part.networks) if part else set()
        return [d for d in decisions if viewer == hold.agency_id
                or d.get("owner_agency") == viewer or d.get("network") in own]  # fmt: skip

    def searched_networks(self, search_id: str) -> tuple[str, frozenset[str]] | None:
        """``(user id, networks it read)`` of a logged search, or None if none is logged."""
        logged = hold_tables.logged_search(self._table, search_id)
        if logged is None:
            return None
        allowed = frozenset(str(d["network"]) for d in logged[1] if d.get("decision") == "allow")
        return logged[0], allowed

    def reusable(
        self, user: User, query: Mapping[str, object], purpose: Purpose
    ) -> SearchRequest | None:
        """The same search submitted again while its approval is live and unused: resumed
        (the approval spent, its time window pinned) instead of held anew; else None."""
        now = self._clock()
        for search_id in self._approvals(user.id, now - APPROVAL_LIFETIME):
            hold = self.get(search_id)
            if hold.state(now) == "approved" and hold.same_request(query, purpose):
                return self.resume(hold.search_id, user)
        return None

    def approved_repeat(
        self, user: User, kind: str, query: Mapping[str, object], purpose: Purpose
    ) -> Approval | None:
        """A held ``kind`` request (an analysis) repeated while approved and unused: its
        approval, spent now (used once); else None."""
        now = self._clock()
        for search_id in self._approvals(user.id, now - APPROVAL_LIFETIME):
            hold = self.get(search_id)
            if (hold.state(now) == "approved" and hold.same_request(query, purpose, kind)
                    and self._table.use_hold(search_id, now)):  # fmt: skip
                return approval_of(search_id, dict(query), hold.parts, now)
        return None

    def _approvals(self, user_id: str, since: datetime) -> list[str]:
        """``hold_tables.unused_approvals``, skipped while no hold part was decided since the
        user last had none (the common case: every search asks). Only a decision can add an
        approval; time and use only take them away."""
        decided = self._table.hold_decisions
        if self._no_approvals.get(user_id) == decided:
            return []
        found = hold_tables.unused_approvals(self._table, user_id, since)
        if not found:
            self._no_approvals[user_id] = decided
        return found

    def decide(self, search_id: str, supervisor: User, approve: bool, note: str) -> Hold:
        """Decide the supervisor's agency's part of a hold: only the networks and rules that
        agency decides (403 when it decides none, 409 when already decided or resumed)."""
        hold = self.get(search_id)
        part = hold.part_for(supervisor.agency_id)
        if supervisor.role != "supervisor" or part is None:
            deciders = ", ".join(p.agency_id for p in hold.parts) or hold.agency_id
            raise ForbiddenError(f"only a supervisor of {deciders} may decide this")
        if supervisor.id == hold.user_id:
            raise ForbiddenError("a supervisor may not approve their own search")
        now = self._clock()
        status = "approved" if approve else "rejected"
        if not self._table.decide_hold_part(search_id, part.agency_id, status, supervisor.id,
                                            now, note):  # fmt: skip
            raise ConflictError(f"search {search_id} was already {part.status} or resumed")
        decided = self.get(search_id).part_for(part.agency_id)
        expires = decided.expires_at if decided is not None else None
        self._recorder.record_search(
            SearchLogEntry(
                f"{search_id}:{status}:{part.agency_id}",
                now,
                supervisor,
                f"hold_{status}",
                hold.purpose,
                {
                    "search_id": search_id,
                    "note": note,
                    "decided_for": part.agency_id,
                    "networks": list(part.networks),
                    "rules": list(part.rules),
                    "evidence": [dict(e) for e in part.evidence],
                    **({"expires_at": expires.isoformat()} if expires else {}),
                },
                (),
            )  # fmt: skip
        )
        return self.get(search_id)

    def resume(self, search_id: str, user: User) -> SearchRequest:
        """Spend the approval: the held query, its time window ending when it was held, with
        the approved networks and rules (409 if not approved, lapsed or already resumed)."""
        hold = self.get(search_id)
        if user.id != hold.user_id:
            raise ForbiddenError("only the officer who ran the search may resume it")
        if hold.kind != "search":
            raise ConflictError(f"held {hold.kind} requests are resumed by repeating them")
        if hold.used_at is not None:
            raise ConflictError(f"search {search_id} was already resumed: an approval is used once")
        now = self._clock()
        if not any(p.live(now) for p in hold.parts):
            lapsed = any(p.status == "approved" for p in hold.parts)
            why = "its approval expired" if lapsed else f"it is {hold.status}, not approved"
            raise ConflictError(f"search {search_id} cannot be resumed: {why}")
        fields = {k: v for k, v in hold.query.items() if k != "approved_hold_of"}
        if not fields.get("time_to"):  # the approved window ends when the search was held
            fields["time_to"] = hold.created_at.isoformat()
        query = query_from_dict(fields)
        if not self._table.use_hold(search_id, now):
            raise ConflictError(f"search {search_id} was already resumed: an approval is used once")
        approval = approval_of(search_id, query_to_dict(query), hold.parts, now)
        return SearchRequest(user, query, hold.purpose, search_id, approval)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)
