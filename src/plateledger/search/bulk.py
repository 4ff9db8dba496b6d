"""Bulk-extraction ceilings: a search that would sweep up many vehicles is held for a supervisor.

A search is *held* (logged, nothing read, a supervisor of the searcher's agency approves or
rejects it, see ``search.holds``) instead of run when

- ``bulk.pattern_plates``: its wildcard or fuzzy pattern matches more distinct plates than
  ``max_matched_plates``;
- ``bulk.area_time``: it gives no plate and its place × time window is too large: box (or
  ``near`` circle) area in km² × duration in days over ``max_area_km2_days``, and, when a camera
  list is given, cameras × days over ``max_camera_days`` (with both an area and cameras, only
  their intersection is searched, so it is held when both products are over);
- ``bulk.daily_reads``: the reads it may return (its ``limit``) on top of the reads already
  returned to the same user today (UTC) would pass the user's daily ceiling (set per agency,
  see ``search.read_quota``).

The hold is a per-network ``hold`` decision carrying the rule id above (policy verdicts are not
changed: networks that policy allowed are turned into holds, networks policy held keep their
hold and gain the rule id, denied ones stay denied), so it goes through the same write-ahead
search log and hold book as a policy hold, and the API and the UI show the rule id and its
explanation. A supervisor approving a search held for a vague reason therefore also sees that it
is a bulk search: a resumed (approved) search is not held again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from plateledger.policy.base import Decision
from plateledger.policy.wording import sentences
from plateledger.search.geo import EARTH_RADIUS_KM
from plateledger.search.types import SearchQuery
from plateledger.store.base import BBox

PATTERN_PLATES = "bulk.pattern_plates"
AREA_TIME = "bulk.area_time"
DAILY_READS = "bulk.daily_reads"


@dataclass(frozen=True, slots=True)
class BulkLimits:
    """The ceilings (documented in docs/search.md, "Bulk-extraction ceilings")."""

    max_matched_plates: int = 2_000
    max_area_km2_days: float = 50_000.0  # e.g. a 1,500 km² county for 30 days
    max_camera_days: float = 3_000.0  # e.g. 100 cameras for 30 days
    default_daily_reads: int = 5_000  # per user and UTC day unless the agency sets its own


@dataclass(frozen=True, slots=True)
class BulkHold:
    """Why a search is held as bulk: the rule id and a plain explanation (no plate text)."""

    rule_id: str
    explanation: str

    @property
    def message(self) -> str:
        return (
            f"held ({self.rule_id}): {self.explanation}; a supervisor of your agency must approve"
        )

    def apply(self, decisions: Iterable[Decision]) -> tuple[Decision, ...]:
        """Each network policy allowed or held becomes a hold carrying this rule; a denied
        network stays denied."""
        return tuple(
            replace(
                d,
                decision="hold",
                rule_ids=(*d.rule_ids, self.rule_id),
                explanation=sentences(d.explanation, f"Held: {self.explanation}"),
            )  # fmt: skip
            if d.decision in ("allow", "hold")
            else d
            for d in decisions
        )


def bbox_area_km2(box: BBox) -> float:
    """Area of a latitude/longitude box on the sphere, in km²."""
    lat1, lat2 = math.radians(box.min_lat), math.radians(box.max_lat)
    width = math.radians(max(0.0, box.max_lon - box.min_lon))
    return EARTH_RADIUS_KM**2 * width * abs(math.sin(lat2) - math.sin(lat1))


def window_days(query: SearchQuery) -> float | None:
    """The query's time window in days (None when it is open on either side)."""
    if query.time_from is None or query.time_to is None:
        return None
    return max(0.0, (query.time_to - query.time_from).total_seconds() / 86_400)


def pattern_hold(matched: int, limits: BulkLimits) -> BulkHold | None:
    """``bulk.pattern_plates`` when a pattern matched more plates than the ceiling."""
    if matched <= limits.max_matched_plates:
        return None
    return BulkHold(
        PATTERN_PLATES,
        f"the pattern matches {matched:,} plates (ceiling {limits.max_matched_plates:,})",
    )


def area_time_hold(query: SearchQuery, limits: BulkLimits) -> BulkHold | None:
    """``bulk.area_time`` for a search without a plate whose place × time window is too big."""
    if query.plate is not None:
        return None
    days = window_days(query)
    if days is None:  # validation requires a window without a plate; be safe anyway
        return BulkHold(AREA_TIME, "a search without a plate needs a bounded time window")
    over: list[str] = []
    area = _area_km2(query)
    if area is not None:
        if area * days <= limits.max_area_km2_days:
            return None
        over.append(
            f"{area:,.0f} km² × {days:,.1f} days = {area * days:,.0f} km²·days "
            f"(ceiling {limits.max_area_km2_days:,.0f})"
        )
    if query.cameras:
        camera_days = len(query.cameras) * days
        if camera_days <= limits.max_camera_days:
            return None
        over.append(
            f"{len(query.cameras)} cameras × {days:,.1f} days = {camera_days:,.0f} camera·days "
            f"(ceiling {limits.max_camera_days:,.0f})"
        )
    if not over:  # no place at all: everything in the window
        over.append("no place given")
    return BulkHold(AREA_TIME, "place × time window too large without a plate: " + "; ".join(over))


def daily_reads_hold(returned: int, limit: int, ceiling: int) -> BulkHold | None:
    """``bulk.daily_reads`` when this search could take the user past the daily ceiling."""
    if returned + limit <= ceiling:
        return None
    return BulkHold(
        DAILY_READS,
        f"{returned:,} reads already returned to you today (UTC); this search may return "
        f"{limit:,} more, past your agency's daily ceiling of {ceiling:,}",
    )


def _area_km2(query: SearchQuery) -> float | None:
    if query.near is not None:
        return math.pi * query.near.radius_km**2
    if query.bbox is not None:
        return bbox_area_km2(query.bbox)
    return None
