"""Pydantic models at the HTTP edge (requests and responses), and conversions from domain values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import pydantic
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from plateledger.api.errors import error_body, field_problems
from plateledger.domain.types import CameraId, Read
from plateledger.errors import ValidationError
from plateledger.policy.base import Decision
from plateledger.search.types import (
    HeldSearch,
    Hit,
    Near,
    SearchQuery,
    SearchResponse,
    Timeline,
)
from plateledger.search.validate import MAX_PLATE_INPUT, MAX_RADIUS_KM
from plateledger.store.base import BBox


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BBoxIn(Strict):
    min_lat: float = Field(ge=-90, le=90)
    min_lon: float = Field(ge=-180, le=180)
    max_lat: float = Field(ge=-90, le=90)
    max_lon: float = Field(ge=-180, le=180)


class NearIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=MAX_RADIUS_KM)


class QueryIn(Strict):
    plate: str | None = Field(
        None, max_length=MAX_PLATE_INPUT, description="plate, pattern or fuzzy target"
    )
    mode: Literal["exact", "wildcard", "fuzzy"] = "exact"
    max_distance: int = Field(1, ge=0, le=2, description="fuzzy: non-confusable edits allowed")
    time_from: datetime | None = None
    time_to: datetime | None = None
    cameras: list[str] = Field(default_factory=list, max_length=1000)
    bbox: BBoxIn | None = None
    near: NearIn | None = None
    plate_state: str | None = Field(None, max_length=3)
    color: str | None = Field(None, max_length=40)
    vehicle_type: str | None = Field(None, max_length=40)
    make: str | None = Field(None, max_length=40)
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=100_000)


class SearchIn(Strict):
    query: QueryIn
    purpose: str = Field(min_length=1, max_length=64, description="purpose code")
    case_number: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    on_behalf_of: str | None = Field(None, max_length=100, description="agency id")


def checked_search(data: Mapping[str, Any]) -> SearchIn:
    """``data`` (a search as the API takes it) checked by the API's model, or refused with a
    :class:`ValidationError` naming the fields as the API's 422 does (``query.near.lat``)."""
    try:
        return SearchIn.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = field_problems(exc.errors())
        first = problems[0]
        raise ValidationError(
            f"{first['field']}: {first['message']}",
            {"field": first["field"], "problems": problems},
        ) from None


def query_of(q: QueryIn) -> SearchQuery:
    """The domain query of a checked request body."""
    return SearchQuery(
        plate=q.plate, mode=q.mode, max_distance=q.max_distance, time_from=q.time_from,
        time_to=q.time_to, cameras=tuple(CameraId(c) for c in q.cameras),
        bbox=BBox(q.bbox.min_lat, q.bbox.min_lon, q.bbox.max_lat, q.bbox.max_lon)
        if q.bbox else None,
        near=Near(q.near.lat, q.near.lon, q.near.radius_km) if q.near else None,
        plate_state=q.plate_state, color=q.color, vehicle_type=q.vehicle_type, make=q.make,
        limit=q.limit, offset=q.offset,
    )  # fmt: skip


def decision_out(d: Decision) -> dict[str, Any]:
    return d.to_dict()


def read_out(r: Read) -> dict[str, Any]:
    v = r.vehicle
    return {
        "read_id": int(r.id),
        "camera_id": r.camera_id,
        "network_id": r.network_id,
        "owner_agency": r.owner_agency,
        "ts": r.ts.isoformat(),
        "plate": r.plate,
        "plate_raw": r.plate_raw,
        "plate_state": r.plate_state,
        "state_confidence": r.state_confidence,
        "confidence": r.confidence,
        "candidates": [{"plate": c.plate, "confidence": c.confidence} for c in r.candidates],
        "vehicle": {
            "color": v.color,
            "color_confidence": v.color_confidence,
            "type": v.type,
            "type_confidence": v.type_confidence,
            "make": v.make,
            "make_confidence": v.make_confidence,
        },
        "crop_ref": r.crop_ref,
        "engine": r.engine,
        "lat": r.lat,
        "lon": r.lon,
    }


def hit_out(h: Hit) -> dict[str, Any]:
    return {**read_out(h.read), "score": h.score, "why": h.why}


def timeline_out(t: Timeline) -> dict[str, Any]:
    return {
        "search_id": t.search_id,
        "plate": t.plate,
        "total_reads": t.total_reads,
        "first_seen": t.first_seen.isoformat() if t.first_seen else None,
        "last_seen": t.last_seen.isoformat() if t.last_seen else None,
        "per_camera": [
            {
                "camera_id": c.camera_id,
                "owner_agency": c.owner_agency,
                "count": c.count,
                "first_seen": c.first_seen.isoformat(),
                "last_seen": c.last_seen.isoformat(),
            }
            for c in t.per_camera
        ],
        "sightings": [
            {
                "camera_id": s.camera_id,
                "owner_agency": s.owner_agency,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "read_ids": list(s.read_ids),
                "best_confidence": s.best_confidence,
            }
            for s in t.sightings
        ],
        "networks_searched": [decision_out(d) for d in t.networks_searched],
        "networks_excluded": [decision_out(d) for d in t.networks_excluded],
        "truncated": t.truncated,
    }


def search_body(resp: SearchResponse) -> dict[str, Any]:
    held = [d.network for d in resp.networks_excluded if d.decision == "hold"]
    return {
        "search_id": resp.search_id,
        "status": "partially_held" if held else "complete",
        "results": [hit_out(h) for h in resp.hits],
        "has_more": resp.has_more,
        "total": resp.total,
        "matched_plates": resp.matched_plates,
        "networks_searched": [decision_out(d) for d in resp.networks_searched],
        "networks_excluded": [decision_out(d) for d in resp.networks_excluded],
        "held_networks": held,
        "timings_ms": resp.timings_ms,
    }


def held_response(held: HeldSearch) -> JSONResponse:
    """A held search: 202 Accepted, nothing read, the per-network decisions that held it."""
    return JSONResponse(
        {"search_id": held.search_id, "status": "held", "message": held.message, "results": [],
         "has_more": False, "networks_searched": [],
         "networks_excluded": held.details()["networks_excluded"]},
        202,
    )  # fmt: skip


def search_result(resp: SearchResponse | HeldSearch) -> dict[str, Any] | JSONResponse:
    """The body of a search that ran, or the 202 response of one that is held."""
    return held_response(resp) if isinstance(resp, HeldSearch) else search_body(resp)


def held_timeline(held: HeldSearch) -> JSONResponse:
    """A held timeline: 202 with the error envelope, as every non-result answer of the API."""
    return JSONResponse(error_body("held", held.message, held.details()), 202)
