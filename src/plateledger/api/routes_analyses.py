"""Convoy, multi-place and frequent-visitor endpoints: each its own purpose tier, held for a
supervisor by default (202), refused per network (403), minimised results (``search.analyses``);
and the owner's analysis policy (``search.analysis_policy``), set by the agency's admin.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from plateledger.api.auth import CurrentUser, Investigator, PlatformDep
from plateledger.api.schemas import BBoxIn, NearIn, Strict, held_timeline
from plateledger.domain.types import AgencyId, CameraId, User
from plateledger.errors import ForbiddenError
from plateledger.search.analysis_policy import KindSetting
from plateledger.search.analysis_types import (
    MAX_WINDOWS,
    MIN_WINDOWS,
    AnalysisKind,
    AnalysisQuery,
    ConvoyQuery,
    FrequentVisitorQuery,
    MultiPlaceQuery,
    Place,
    PlaceWindow,
)
from plateledger.search.types import HeldSearch, Near, Purpose
from plateledger.store.base import BBox

router = APIRouter(tags=["search"])


class PurposeIn(Strict):
    purpose: str = Field(min_length=1, max_length=64, description="purpose code")
    case_number: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    on_behalf_of: str | None = Field(None, max_length=100, description="agency id")


class PlaceWindowIn(Strict):
    cameras: list[str] = Field(default_factory=list, max_length=200)
    bbox: BBoxIn | None = None
    near: NearIn | None = None
    time_from: datetime
    time_to: datetime


class ConvoyIn(PurposeIn):
    plate: str = Field(min_length=1, max_length=32, description="the target plate")
    time_from: datetime
    time_to: datetime
    min_cameras: int = Field(2, ge=1, le=50, description="co-sighting cameras needed (k)")
    delta_seconds: int = Field(120, ge=1, le=1800, description="± seconds of the target's read")


class MultiPlaceIn(PurposeIn):
    windows: list[PlaceWindowIn] = Field(min_length=MIN_WINDOWS, max_length=MAX_WINDOWS)


class FrequentVisitorIn(PurposeIn):
    place: PlaceWindowIn
    min_days: int = Field(3, ge=2, le=90, description="distinct UTC days needed (k)")


def _window(w: PlaceWindowIn) -> PlaceWindow:
    box = BBox(w.bbox.min_lat, w.bbox.min_lon, w.bbox.max_lat, w.bbox.max_lon) if w.bbox else None
    near = Near(w.near.lat, w.near.lon, w.near.radius_km) if w.near else None
    place = Place(tuple(CameraId(c) for c in w.cameras), box, near)
    return PlaceWindow(place, w.time_from, w.time_to)


async def _run(
    platform: PlatformDep, user: User, query: AnalysisQuery, body: PurposeIn
) -> dict[str, Any] | JSONResponse:
    behalf = AgencyId(body.on_behalf_of) if body.on_behalf_of else None
    purpose = Purpose(body.purpose, body.case_number, body.reason, behalf)
    result = await run_in_threadpool(platform.analyses.run, user, query, purpose)
    return held_timeline(result) if isinstance(result, HeldSearch) else result.to_dict()


_HELD = "Held for a supervisor by default (202); refused per network (403)."


@router.post(
    "/searches/convoy",
    response_model=None,
    summary="Convoy analysis",
    description="Vehicles seen at ≥ k of the target plate's cameras within ±Δt of it, "
    f"ranked, with the closest co-sighting per camera; at most 50 plates. {_HELD}",
)
async def post_convoy(
    body: ConvoyIn, user: Investigator, platform: PlatformDep
) -> dict[str, Any] | JSONResponse:  # fmt: skip
    query = ConvoyQuery(body.plate, body.time_from, body.time_to, body.min_cameras,
                        timedelta(seconds=body.delta_seconds))  # fmt: skip
    return await _run(platform, user, query, body)


@router.post("/searches/multi-place", response_model=None, summary="Multi-place search",
             description="Plates seen in each of 2–5 place-and-time windows (each at most 24 "
             f"hours); at most 50 plates. {_HELD}")  # fmt: skip
async def post_multi_place(
    body: MultiPlaceIn, user: Investigator, platform: PlatformDep
) -> dict[str, Any] | JSONResponse:
    query = MultiPlaceQuery(tuple(_window(w) for w in body.windows))
    return await _run(platform, user, query, body)


@router.post("/searches/frequent-visitor", response_model=None, summary="Frequent visitors",
             description="Plates seen at one place on ≥ k distinct UTC days of a window of at "
             f"most 90 days; at most 50 plates. {_HELD}")  # fmt: skip
async def post_frequent_visitor(
    body: FrequentVisitorIn, user: Investigator, platform: PlatformDep
) -> dict[str, Any] | JSONResponse:
    query = FrequentVisitorQuery(_window(body.place), body.min_days)
    return await _run(platform, user, query, body)


class KindPolicyIn(Strict):
    purposes: list[str] | None = Field(
        max_length=100,
        description="purpose codes this kind is allowed for on the agency's networks; null: "
        "the built-in defaults; []: never allowed",
    )
    waive_supervisor_hold: bool = Field(
        False, description="run allowed analyses of this kind without a supervisor's approval"
    )


class AnalysisPolicyIn(Strict):
    agency_id: str | None = Field(None, max_length=100, description="if given: the path's id")
    kinds: dict[AnalysisKind, KindPolicyIn] = Field(
        min_length=1, description="the kinds to set (others stay as they are)"
    )


@router.get("/agencies/{agency_id}/analysis-policy", tags=["sharing"],
            summary="The agency's analysis policy (purposes per kind, the hold)")  # fmt: skip
def get_analysis_policy(agency_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    return platform.analysis_policy.show(user, agency_id)


@router.put("/agencies/{agency_id}/analysis-policy", tags=["sharing"],
            summary="Set the agency's analysis policy (admin; audited; next search)")  # fmt: skip
async def put_analysis_policy(
    agency_id: str, body: AnalysisPolicyIn, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    if body.agency_id is not None and body.agency_id != agency_id:
        raise ForbiddenError("agency_id: the body names another agency than the path",
                             {"field": "agency_id"})  # fmt: skip
    changes: dict[str, KindSetting] = {
        kind: KindSetting(None if k.purposes is None else frozenset(k.purposes),
                          k.waive_supervisor_hold)
        for kind, k in body.kinds.items()
    }  # fmt: skip
    return await run_in_threadpool(platform.analysis_policy.set, user, agency_id, changes)
