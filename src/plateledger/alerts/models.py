"""Hotlists, entries, subscriptions and hits (read x entry) as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

Source = Literal["manual", "ncic", "shared"]
SOURCES: tuple[str, ...] = get_args(Source)
Priority = Literal["low", "normal", "high", "critical"]
PRIORITIES: tuple[str, ...] = get_args(Priority)
# exact: the same characters; confusable: O/0, B/8... differences only; fuzzy1/fuzzy2: up to
# one / two real edits on top of confusables (per-list threshold).
Strictness = Literal["exact", "confusable", "fuzzy1", "fuzzy2"]
STRICTNESS: tuple[str, ...] = get_args(Strictness)
MAX_DISTANCE: dict[str, int] = {"exact": 0, "confusable": 0, "fuzzy1": 1, "fuzzy2": 2}
Disposition = Literal["confirmed", "misread", "wrong_state", "entry_stale", "no_action"]
DISPOSITIONS: tuple[str, ...] = get_args(Disposition)
FALSE_HITS = frozenset({"misread", "wrong_state"})
HitStatus = Literal["new", "verified", "rejected", "closed"]


@dataclass(frozen=True, slots=True)
class Hotlist:
    id: str
    owner_agency: str
    name: str
    purpose: str  # a purpose code (policy/data/purposes.yaml); prohibited codes are kept as is
    purpose_class: str
    legal_basis: str
    source: Source
    refresh_hours: int | None  # expected refresh schedule; past it the list is stale
    priority: Priority
    strictness: Strictness
    share_with: tuple[str, ...]  # agency ids, state codes, or "*" (national)
    created_by: str
    created_at: datetime
    refreshed_at: datetime
    retired_at: datetime | None = None

    def stale(self, now: datetime) -> bool:
        if self.refresh_hours is None:
            return False
        return now - self.refreshed_at > timedelta(hours=self.refresh_hours)

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id, "owner_agency": self.owner_agency, "name": self.name,
            "purpose": self.purpose, "purpose_class": self.purpose_class,
            "legal_basis": self.legal_basis, "source": self.source,
            "refresh_hours": self.refresh_hours, "priority": self.priority,
            "strictness": self.strictness, "share_with": list(self.share_with),
            "created_by": self.created_by, "created_at": self.created_at,
            "refreshed_at": self.refreshed_at, "retired_at": self.retired_at,
            "stale": self.stale(now),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    hotlist_id: str
    plate: str  # canonical
    state: str | None  # issuing state; None when the source does not say
    reason: str
    case_number: str
    entered_by: str
    entered_at: datetime
    expires_at: datetime  # required
    vehicle: str = ""
    expired_at: datetime | None = None
    expired_by: str | None = None

    def active(self, now: datetime) -> bool:
        return self.expired_at is None and self.expires_at > now

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id, "hotlist_id": self.hotlist_id, "plate": self.plate,
            "state": self.state, "reason": self.reason, "case_number": self.case_number,
            "entered_by": self.entered_by, "entered_at": self.entered_at,
            "expires_at": self.expires_at, "vehicle": self.vehicle,
            "expired_at": self.expired_at, "expired_by": self.expired_by,
            "active": self.active(now),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Candidate:
    """One match found by the matcher, before the hit is stored: the raw read, the entry and
    the score are kept apart."""

    read_id: int
    row: int  # row of the ingested batch
    entry_id: str
    matched_plate: str
    read_plate: str  # the plate (or candidate plate) of the read that matched
    score: float  # similarity 0..1
    match_kind: str  # exact | confusable | fuzzy | candidate:<kind>


HIT_COLUMNS = (
    "id", "read_id", "hotlist_id", "entry_id", "agency_id", "camera_id", "read_ts", "read_plate",
    "read_state", "matched_plate", "entry_state", "state_mismatch", "score", "match_kind",
    "crop_ref", "created_at", "status", "verified_by", "verified_at", "disposition",
    "disposed_by", "disposed_at", "note",
)  # fmt: skip
