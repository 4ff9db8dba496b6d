"""Convoy, multi-place and frequent-visitor analyses through the search path.

    validate ─► policy per owner network ─► analysis tier (purpose list, prohibited reason,
    supervisor hold) ─► search log entry of the kind (durable) ─► SQL over scoped reads
    ─► plates meeting the threshold, capped

A held analysis is resumed by repeating it once approved (``approved_repeat`` of the hold
book): the same query and purpose, judged afresh, with only the approved holds lifted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from plateledger.domain.types import User
from plateledger.search.analysis_tier import AnalysisTier
from plateledger.search.analysis_types import (
    MAX_PLATES,
    AnalysisKind,
    AnalysisQuery,
    AnalysisResult,
    ConvoyQuery,
    Evidence,
    MultiPlaceQuery,
    PlateRow,
    kind_of,
)
from plateledger.search.analysis_validate import place_filters, validate_analysis
from plateledger.search.hold_parts import Approval
from plateledger.search.service import SearchService
from plateledger.search.types import HeldSearch, Purpose
from plateledger.store import analysis_query as aq
from plateledger.store.base import ReadFilters, Scope, Sql

log = logging.getLogger(__name__)


class Approvals(Protocol):
    """The hold book as analyses use it (``search.holds.StoreHoldBook``)."""

    def approved_repeat(
        self, user: User, kind: str, query: Mapping[str, object], purpose: Purpose
    ) -> Approval | None: ...


class Tiers(Protocol):
    """The owners' analysis policy as analyses use it: read afresh for each request
    (``search.analysis_policy.AnalysisPolicies``, or a fixed ``AnalysisPolicy``)."""

    def tier(self, kind: AnalysisKind, purpose: str, reason: str) -> AnalysisTier: ...


@dataclass(frozen=True, slots=True)
class Analyses:
    """Runs analyses with the search service's policy, log and store."""

    service: SearchService
    policy: Tiers
    sql: Sql  # the service's store, as SQL (``DuckDBStore``)
    approvals: Approvals | None = None

    def run(
        self, user: User, query: AnalysisQuery, purpose: Purpose
    ) -> AnalysisResult | HeldSearch:
        """Authorise, log (write-ahead, with the kind), then run ``query`` on the allowed
        networks within their retention; a held request returns :class:`HeldSearch`."""
        store = self.service.store
        query = validate_analysis(query, store.cameras())  # refused here: nothing logged
        kind = kind_of(query)
        asked = query.to_dict()
        approval = (
            self.approvals.approved_repeat(user, kind, asked, purpose) if self.approvals else None
        )
        logged = {**asked, "approved_hold_of": approval.search_id if approval else None}
        tier = self.policy.tier(kind, purpose.purpose, purpose.reason)
        auth = self.service.authorise(
            user, purpose, kind, logged, one_to_one=False, approval=approval, tier=tier
        )
        if isinstance(auth, HeldSearch):
            return auth
        rows = self._execute(query, auth.scope)
        plates = tuple(_row(r) for r in rows[:MAX_PLATES])
        self.service.count_returned(auth.search_id, len(plates), user)
        log.info("%s %s by %s: %d plates", kind, auth.search_id, user.id, len(plates))
        return AnalysisResult(auth.search_id, kind, plates, len(rows) > MAX_PLATES,
                              auth.searched, auth.excluded)  # fmt: skip

    def _execute(self, query: AnalysisQuery, scope: Scope) -> list[aq.Row]:
        store = self.sql
        reg = aq.Registry.load(store)
        cameras = self.service.store.cameras()
        if isinstance(query, ConvoyQuery):
            window = ReadFilters(query.time_from, query.time_to)
            return aq.convoy(store, reg, query.plate, window, scope, delta=query.delta,
                              min_cameras=query.min_cameras, limit=MAX_PLATES + 1)  # fmt: skip
        if isinstance(query, MultiPlaceQuery):
            windows = [place_filters(w, cameras) for w in query.windows]
            return aq.multi_place(store, reg, windows, scope, limit=MAX_PLATES + 1)
        place = place_filters(query.place, cameras)
        return aq.frequent_visitors(store, reg, place, scope, min_days=query.min_days,
                                     limit=MAX_PLATES + 1)  # fmt: skip


def _row(row: aq.Row) -> PlateRow:
    plate, score, gap, evidence = row
    return PlateRow(
        plate, score, tuple(Evidence(c, t, s, n) for c, t, s, n in evidence),
        None if gap is None else round(gap, 3),
    )  # fmt: skip
