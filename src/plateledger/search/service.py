"""The search path every request crosses.

    validate ─► policy: one Decision per owner network ─► search log entry (durable)
             ─► store lookups on allowed networks within their retention ─► ranked hits

Nothing reads a read before the log entry is committed; a failed log write fails the request.
Wildcard and fuzzy queries are answered from the in-memory plate dictionary first, then by exact
lookups of the matched plates: never an edit-distance scan over every read.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from plateledger.domain.plates import canonicalize
from plateledger.domain.types import Agency, User
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.policy.base import AccessRequest, Decision, PolicyEngine
from plateledger.policy.memo import Registry, registry_of
from plateledger.search import executor
from plateledger.search.bulk import (
    BulkHold,
    BulkLimits,
    area_time_hold,
    daily_reads_hold,
    pattern_hold,
)
from plateledger.search.hold_parts import Approval, HoldPart, split_hold
from plateledger.search.on_behalf import AssistLookup, require_assist
from plateledger.search.read_quota import ReadQuota
from plateledger.search.types import (
    OWNER_HELD_MESSAGE,
    HeldSearch,
    Hit,
    Purpose,
    SearchQuery,
    SearchRequest,
    SearchResponse,
    query_to_dict,
)
from plateledger.search.validate import resolve_filters, validate_purpose, validate_query
from plateledger.store.base import ReadStore, Scope

log = logging.getLogger(__name__)
RESUMED_HELD_MESSAGE = (
    "still held: the approval did not cover what holds these networks now, and it is spent; "
    "search again"
)


@dataclass(frozen=True, slots=True)
class SearchLogEntry:
    search_id: str
    at: datetime
    user: User
    kind: str  # "search", "timeline" or an analysis kind (search.analysis_types)
    purpose: Purpose
    query: Mapping[str, object]
    decisions: tuple[Decision, ...]


class HoldBook(Protocol):
    """Where searches waiting for a supervisor are kept (see ``search.holds``)."""

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
    ) -> None: ...

    def reusable(
        self, user: User, query: Mapping[str, object], purpose: Purpose
    ) -> SearchRequest | None:
        """The same search, approved and not yet resumed: its resume request, else None."""


class DecisionTier(Protocol):
    """A stricter tier over the policy's decisions (``search.analysis_tier``)."""

    def apply(self, decisions: Sequence[Decision]) -> tuple[Decision, ...]: ...


class SearchRecorder(Protocol):
    """Durable, write-ahead record of each search. Raises if the entry cannot be stored."""

    def record_search(self, entry: SearchLogEntry) -> None: ...


@dataclass
class Authorised:
    search_id: str
    searched: tuple[Decision, ...]
    excluded: tuple[Decision, ...]
    scope: Scope


class SearchService:
    def __init__(
        self,
        store: ReadStore,
        policy: PolicyEngine,
        recorder: SearchRecorder,
        dictionary: Callable[[], executor.PlateMatcher],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        holds: HoldBook | None = None,
        quota: ReadQuota | None = None,
        limits: BulkLimits | None = None,
        assists: AssistLookup | None = None,
        registry: Callable[[], Registry] | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.recorder = recorder
        self._dictionary = dictionary
        self._clock = clock
        self.holds = holds
        self.assists = assists  # None: every on-behalf search is held (no assist can be found)
        self.quota = quota
        self.limits = limits or (quota.limits if quota is not None else BulkLimits())
        #: agencies and networks as stored; ``policy.memo.DecisionMemo.registry`` keeps one per
        #: store version (and memoises decisions only over it)
        self.registry = registry or self._stored_registry

    def authorise(
        self,
        user: User,
        purpose: Purpose,
        kind: str,
        query: Mapping[str, object],
        *,
        one_to_one: bool = True,
        approval: Approval | None = None,
        bulk: BulkHold | None = None,
        tier: DecisionTier | None = None,
    ) -> Authorised | HeldSearch:
        """Policy decisions, then the durable log entry, then (if some networks are held) the
        hold, split by who decides each part (``search.hold_parts``). Raises ForbiddenError if
        every network is denied; returns a :class:`HeldSearch` if nothing may be searched until
        the deciding supervisors approve. With ``approval`` (a resumed search) the decisions are
        made afresh and only the approved holds are lifted; no new hold is recorded."""
        validate_purpose(purpose)
        now = self._clock()
        registry = self.registry()
        agencies = registry.agencies
        user_agency = agencies.get(user.agency_id)
        if user_agency is None:
            raise ForbiddenError(f"user {user.id} belongs to no registered agency")
        if purpose.on_behalf_of is not None and purpose.on_behalf_of not in agencies:
            raise ValidationError(
                f"on_behalf_of: unknown agency {purpose.on_behalf_of!r}",
                {"field": "on_behalf_of"},
            )
        behalf = agencies.get(purpose.on_behalf_of) if purpose.on_behalf_of else None
        request = AccessRequest(
            user, user_agency, purpose.purpose, purpose.case_number, purpose.reason,
            purpose.on_behalf_of, now, behalf, one_to_one, False,
        )  # fmt: skip
        decisions = tuple(self.policy.evaluate(request, registry.networks))
        if behalf is not None and behalf.id != user_agency.id:  # held without an assist request
            decisions = self._assisted(decisions, user_agency, behalf, purpose.case_number, now)
        if tier is not None:  # an analysis tier (search.analysis_tier), resumed runs included
            decisions = tier.apply(decisions)
        policy_rules = {d.network: d.rule_ids for d in decisions if d.decision == "hold"}
        if bulk is not None and approval is None:  # bulk ceilings: allowed networks become holds
            decisions = bulk.apply(decisions)
        if approval is not None:
            decisions = approval.apply(decisions)
        search_id = _new_search_id(now)
        entry = SearchLogEntry(search_id, now, user, kind, purpose, query, decisions)
        self.recorder.record_search(entry)  # write-ahead: before any read is touched
        searched = tuple(d for d in decisions if d.decision == "allow")
        excluded = tuple(d for d in decisions if d.decision != "allow")
        held = tuple(d for d in excluded if d.decision == "hold")
        if held and approval is None:
            parts = split_hold(held, user_agency, policy_rules, bulk.rule_id if bulk else None)
            if self.holds is not None:
                self.holds.hold(search_id, user, now, kind, purpose, query, held, parts)
            if not searched:
                return _held(search_id, excluded, parts, user_agency, bulk)
        if not searched:
            if held:  # a resumed search still held: its approval is spent, search again
                return HeldSearch(search_id, excluded, RESUMED_HELD_MESSAGE)
            details = {"search_id": search_id, "networks_excluded": [d.to_dict() for d in excluded]}
            raise ForbiddenError("no network may be searched for this request", details)
        scope = Scope({d.network: d.retention_cutoff for d in searched})
        return Authorised(search_id, searched, excluded, scope)

    def _stored_registry(self) -> Registry:
        return registry_of(self.store.agencies(), self.store.networks())

    def _assisted(
        self, decisions: tuple[Decision, ...], searcher: Agency, behalf: Agency, case: str,
        now: datetime,
    ) -> tuple[Decision, ...]:  # fmt: skip
        """On behalf of another agency: held without a live assist request (search.on_behalf)."""
        found = self.assists.live(searcher.id, behalf.id, case, now) if self.assists else None
        return require_assist(decisions, searcher, behalf, case, found)

    def search(self, request: SearchRequest) -> SearchResponse | HeldSearch:
        """Run ``request`` through policy and the log, then the lookups; a held request comes
        back as :class:`HeldSearch` (nothing read)."""
        started = time.perf_counter()
        query = validate_query(request.query)  # exact plates canonical, patterns normalised
        filters = resolve_filters(query, self.store.cameras())  # refused here: nothing logged
        approval = request.approval
        if approval is not None and query_to_dict(query) != dict(approval.query):
            raise ForbiddenError(
                f"the approval of {approval.search_id} covers another query or time window",
                {"field": "query", "search_id": approval.search_id},
            )
        if request.approved_hold_of is not None and approval is None:
            raise ForbiddenError("resume a held search through its approval", {"field": "query"})
        if approval is None and request.approved_hold_of is None and self.holds is not None:
            again = self.holds.reusable(request.user, query_to_dict(query), request.purpose)
            if again is not None:  # submitted again while approved: resumed, never held anew
                return self.search(again)
        held_of = approval.search_id if approval is not None else None
        logged = {**query_to_dict(query), "approved_hold_of": held_of}
        matcher = executor.MemoMatcher(self._dictionary())  # one dictionary answer per request
        auth = self.authorise(
            request.user, request.purpose, "search", logged,
            one_to_one=query.mode == "exact" and query.plate is not None, approval=approval,
            bulk=None if approval else self.bulk_hold(request.user, query, matcher),
        )  # fmt: skip
        if isinstance(auth, HeldSearch):
            return auth
        authorised_at = time.perf_counter()
        hits, has_more, total, matched = self._run(query, filters, auth.scope, matcher)
        done = time.perf_counter()
        self.count_returned(auth.search_id, len(hits), request.user)
        log.info(
            "search %s by %s: %s mode, %d hits", auth.search_id, request.user.id, query.mode,
            len(hits),
        )  # fmt: skip
        return SearchResponse(
            auth.search_id, tuple(hits), auth.searched, auth.excluded, has_more, total, matched,
            {"policy_and_log": round((authorised_at - started) * 1000, 2),
             "lookup": round((done - authorised_at) * 1000, 2)},
        )  # fmt: skip

    def bulk_hold(
        self, user: User, query: SearchQuery, matcher: executor.PlateMatcher | None = None
    ) -> BulkHold | None:
        """The first bulk-extraction ceiling (``search.bulk``) ``query`` passes, if any."""
        if query.plate is not None and query.mode != "exact":
            matcher = matcher or self._dictionary()
            matched = (
                len(matcher.wildcard(query.plate)) if query.mode == "wildcard"
                else len(matcher.fuzzy(canonicalize(query.plate), query.max_distance))
            )  # fmt: skip
            if (hold := pattern_hold(matched, self.limits)) is not None:
                return hold
        if (hold := area_time_hold(query, self.limits)) is not None:
            return hold
        return self.daily_hold(user, query.limit)

    def daily_hold(self, user: User, limit: int) -> BulkHold | None:
        """``bulk.daily_reads`` when ``limit`` more reads could pass the user's daily ceiling."""
        if self.quota is None:
            return None
        returned = self.quota.returned_today(user.id, self._clock())
        return daily_reads_hold(returned, limit, self.quota.ceiling(user.agency_id))

    def reads_left_today(self, user: User) -> int | None:
        """How many more reads the user may be returned today (``None``: no ceiling)."""
        if self.quota is None:
            return None
        returned = self.quota.returned_today(user.id, self._clock())
        return max(0, self.quota.ceiling(user.agency_id) - returned)

    def count_returned(self, search_id: str, returned: int, user: User) -> None:
        """Count the reads a search or timeline returned towards its user's daily ceiling."""
        if self.quota is not None:
            self.quota.record(search_id, returned, user.id, self._clock())

    def _run(
        self, query: SearchQuery, filters: executor.ReadFilters, scope: Scope,
        matcher: executor.PlateMatcher,
    ) -> tuple[Sequence[Hit], bool, int | None, int | None]:  # fmt: skip
        if query.plate is None:
            return executor.by_filters(self.store, query, filters, scope)
        if query.mode == "exact":
            return executor.exact(self.store, matcher, query, filters, scope)
        if query.mode == "wildcard":
            return executor.wildcard(self.store, matcher, query, filters, scope)
        return executor.fuzzy(self.store, matcher, query, filters, scope)


def _held(
    search_id: str, excluded: tuple[Decision, ...], parts: Sequence[HoldPart], searcher: Agency,
    bulk: BulkHold | None,
) -> HeldSearch:  # fmt: skip
    others = sorted({p.agency_id for p in parts} - {searcher.id})
    if others:
        agencies = ", ".join(sorted({*others, *(p.agency_id for p in parts)}))
        return HeldSearch(search_id, excluded, OWNER_HELD_MESSAGE.format(agencies=agencies))
    if bulk is not None:
        return HeldSearch(search_id, excluded, bulk.message)
    return HeldSearch(search_id, excluded)


def _new_search_id(now: datetime) -> str:
    return f"s-{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
