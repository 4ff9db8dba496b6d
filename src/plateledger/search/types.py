"""The search query model (frozen values shared by the API, the CLI and the executor)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from plateledger.domain.types import AgencyId, CameraId, Read, User
from plateledger.policy.base import Decision
from plateledger.search.hold_parts import Approval
from plateledger.store.base import BBox

PlateMode = Literal["exact", "wildcard", "fuzzy"]
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Near:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class SearchQuery:
    plate: str | None = None
    mode: PlateMode = "exact"
    max_distance: int = 1
    time_from: datetime | None = None
    time_to: datetime | None = None
    cameras: tuple[CameraId, ...] = ()
    bbox: BBox | None = None
    near: Near | None = None
    plate_state: str | None = None
    color: str | None = None
    vehicle_type: str | None = None
    make: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Purpose:
    """Why a search is run. Every search carries one; the audit log records it."""

    purpose: str
    case_number: str
    reason: str
    on_behalf_of: AgencyId | None = None


@dataclass(frozen=True, slots=True)
class SearchRequest:
    user: User
    query: SearchQuery
    purpose: Purpose
    approved_hold_of: str | None = None  # the held search whose approval this request uses
    approval: Approval | None = None  # what that approval allows (search.hold_parts)


@dataclass(frozen=True, slots=True)
class Hit:
    read: Read
    score: float
    why: str


@dataclass(frozen=True, slots=True)
class SearchResponse:
    search_id: str
    hits: tuple[Hit, ...]
    networks_searched: tuple[Decision, ...]
    networks_excluded: tuple[Decision, ...]
    has_more: bool
    total: int | None = None
    matched_plates: int | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CameraCount:
    camera_id: CameraId
    owner_agency: AgencyId
    count: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class Sighting:
    """Consecutive reads of one plate at one camera (one vehicle pass)."""

    camera_id: CameraId
    owner_agency: AgencyId
    start: datetime
    end: datetime
    read_ids: tuple[int, ...]
    best_confidence: float | None


@dataclass(frozen=True, slots=True)
class Timeline:
    search_id: str
    plate: str
    total_reads: int
    first_seen: datetime | None
    last_seen: datetime | None
    per_camera: tuple[CameraCount, ...]
    sightings: tuple[Sighting, ...]
    networks_searched: tuple[Decision, ...]
    networks_excluded: tuple[Decision, ...]
    truncated: bool


HELD_MESSAGE = "held: a supervisor of your agency must approve this search first"
OWNER_HELD_MESSAGE = (
    "held: the supervisors of the agencies whose rules held it ({agencies}) must approve this "
    "search first, each for its own networks"
)


@dataclass(frozen=True, slots=True)
class HeldSearch:
    """A search (or timeline) held for a supervisor: it is logged, nothing was read, and no
    held network may be searched until the supervisors deciding it approve (the owner's for
    the owner's law, sharing and policy; the searcher's for its own policy). A normal
    outcome of the search path, returned (not raised); the faces render it (202 in the API)."""

    search_id: str
    networks_excluded: tuple[Decision, ...]
    message: str = HELD_MESSAGE

    def details(self) -> dict[str, Any]:
        """``search_id`` and the per-network decisions, as the API and the UI show them."""
        return {
            "search_id": self.search_id,
            "networks_excluded": [d.to_dict() for d in self.networks_excluded],
        }


def query_to_dict(query: SearchQuery) -> dict[str, Any]:
    """JSON-ready form for the search log."""
    out: dict[str, Any] = {}
    for name in query.__dataclass_fields__:
        value = getattr(query, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, BBox | Near):
            value = {k: getattr(value, k) for k in value.__dataclass_fields__}
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


def query_from_dict(data: dict[str, Any]) -> SearchQuery:
    """Inverse of ``query_to_dict`` (for searches resumed after a supervisor's approval)."""
    fields = dict(data)
    fields.pop("approved_hold_of", None)
    for name in ("time_from", "time_to"):
        if fields.get(name):
            fields[name] = datetime.fromisoformat(fields[name])
    if fields.get("bbox"):
        fields["bbox"] = BBox(**fields["bbox"])
    if fields.get("near"):
        fields["near"] = Near(**fields["near"])
    fields["cameras"] = tuple(fields.get("cameras") or ())
    return SearchQuery(**fields)
