"""Convoy, multi-place and frequent-visitor analyses: their queries and minimised results.

These are the searches most open to abuse (associates, protest attendees, clinic visitors), so
each is its own purpose tier (``search.analysis_tier``) and returns only the plates meeting its
threshold, capped at :data:`MAX_PLATES`, with no other reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from plateledger.domain.types import CameraId
from plateledger.policy.base import Decision
from plateledger.search.types import Near
from plateledger.store.base import BBox

AnalysisKind = Literal["convoy", "multi_place", "frequent_visitor"]
ANALYSIS_KINDS: tuple[AnalysisKind, ...] = ("convoy", "multi_place", "frequent_visitor")
#: Every analysis returns at most this many plates (minimisation).
MAX_PLATES = 50
MAX_CONVOY_WINDOW = timedelta(days=31)
MAX_CONVOY_DELTA = timedelta(minutes=30)
MAX_PLACE_WINDOW = timedelta(hours=24)  # one multi-place window
MAX_VISITOR_WINDOW = timedelta(days=90)
MIN_WINDOWS, MAX_WINDOWS = 2, 5


@dataclass(frozen=True, slots=True)
class Place:
    """Cameras, a box, or a point and radius (one of them)."""

    cameras: tuple[CameraId, ...] = ()
    bbox: BBox | None = None
    near: Near | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cameras": list(self.cameras),
            "bbox": _fields(self.bbox),
            "near": _fields(self.near),
        }


@dataclass(frozen=True, slots=True)
class PlaceWindow:
    place: Place
    time_from: datetime
    time_to: datetime

    def to_dict(self) -> dict[str, Any]:
        return {**self.place.to_dict(), "time_from": self.time_from.isoformat(),
                "time_to": self.time_to.isoformat()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConvoyQuery:
    """Vehicles seen at ≥ ``min_cameras`` of the target's cameras within ±``delta``."""

    plate: str
    time_from: datetime
    time_to: datetime
    min_cameras: int = 2
    delta: timedelta = timedelta(minutes=2)

    def to_dict(self) -> dict[str, Any]:
        return {"plate": self.plate, "time_from": self.time_from.isoformat(),
                "time_to": self.time_to.isoformat(), "min_cameras": self.min_cameras,
                "delta_seconds": int(self.delta.total_seconds())}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MultiPlaceQuery:
    """Plates seen in every one of 2–5 place-and-time windows."""

    windows: tuple[PlaceWindow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"windows": [w.to_dict() for w in self.windows]}


@dataclass(frozen=True, slots=True)
class FrequentVisitorQuery:
    """Plates seen at one place on ≥ ``min_days`` distinct UTC days of the window."""

    place: PlaceWindow
    min_days: int = 3

    def to_dict(self) -> dict[str, Any]:
        return {**self.place.to_dict(), "min_days": self.min_days}


AnalysisQuery = ConvoyQuery | MultiPlaceQuery | FrequentVisitorQuery


@dataclass(frozen=True, slots=True)
class Evidence:
    """One co-sighting (convoy), one window (multi-place) or one visit summary."""

    camera_id: CameraId | None
    target_ts: datetime | None
    seen_ts: datetime
    reads: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"camera_id": self.camera_id,
                "target_ts": self.target_ts.isoformat() if self.target_ts else None,
                "seen_ts": self.seen_ts.isoformat(), "reads": self.reads}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlateRow:
    """A plate meeting the threshold: ``score`` is co-sighting cameras (convoy), windows
    (multi-place) or distinct days (frequent visitor); ``gap_seconds`` ranks convoy ties."""

    plate: str
    score: int
    evidence: tuple[Evidence, ...]
    gap_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"plate": self.plate, "score": self.score, "gap_seconds": self.gap_seconds,
                "evidence": [e.to_dict() for e in self.evidence]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    search_id: str
    kind: AnalysisKind
    plates: tuple[PlateRow, ...]
    truncated: bool  # more plates met the threshold than MAX_PLATES
    networks_searched: tuple[Decision, ...]
    networks_excluded: tuple[Decision, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "search_id": self.search_id, "kind": self.kind,
            "plates": [p.to_dict() for p in self.plates], "truncated": self.truncated,
            "networks_searched": [d.to_dict() for d in self.networks_searched],
            "networks_excluded": [d.to_dict() for d in self.networks_excluded],
        }  # fmt: skip


def kind_of(query: AnalysisQuery) -> AnalysisKind:
    if isinstance(query, ConvoyQuery):
        return "convoy"
    return "multi_place" if isinstance(query, MultiPlaceQuery) else "frequent_visitor"


def _fields(value: BBox | Near | None) -> dict[str, float] | None:
    if value is None:
        return None
    return {k: getattr(value, k) for k in value.__dataclass_fields__}


__all__ = ["ANALYSIS_KINDS", "AnalysisKind", "AnalysisQuery", "AnalysisResult",
           "ConvoyQuery", "Evidence", "FrequentVisitorQuery", "MultiPlaceQuery", "Place",
           "PlaceWindow", "PlateRow", "kind_of"]  # fmt: skip
