"""Search and timeline endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from plateledger.api.auth import CurrentUser, Investigator, PlatformDep
from plateledger.api.schemas import (
    SearchIn,
    Strict,
    held_timeline,
    query_of,
    search_result,
    timeline_out,
)
from plateledger.domain.types import AgencyId
from plateledger.errors import ForbiddenError
from plateledger.search.read_quota import MAX_DAILY_READS
from plateledger.search.timeline import timeline
from plateledger.search.types import HeldSearch, Purpose, SearchRequest

router = APIRouter(tags=["search"])


@router.post(
    "/searches",
    response_model=None,
    summary="Search reads",
    description=(
        "Exact, wildcard (`?` one character, `*` any run) or confusion-aware fuzzy plate search "
        "with filters. Every search carries a purpose code, case number and reason; policy "
        "decides per owner network and the search is logged before any read is touched."
    ),
)
async def post_search(
    body: SearchIn, user: Investigator, platform: PlatformDep
) -> dict[str, Any] | JSONResponse:
    purpose = Purpose(
        body.purpose, body.case_number, body.reason,
        AgencyId(body.on_behalf_of) if body.on_behalf_of else None,
    )  # fmt: skip
    request = SearchRequest(user, query_of(body.query), purpose)
    return search_result(await run_in_threadpool(platform.search.search, request))


@router.get("/plates/{plate}/timeline", response_model=None, summary="A plate's timeline")
async def get_timeline(
    plate: str,
    user: Investigator,
    platform: PlatformDep,
    purpose: Annotated[str, Query(min_length=1, max_length=64)],
    case_number: Annotated[str, Query(min_length=1, max_length=100)],
    reason: Annotated[str, Query(min_length=1, max_length=2000)],
    on_behalf_of: Annotated[str | None, Query(max_length=100)] = None,
    time_from: Annotated[datetime | None, Query(alias="from")] = None,
    time_to: Annotated[datetime | None, Query(alias="to")] = None,
) -> dict[str, Any] | JSONResponse:
    p = Purpose(purpose, case_number, reason, AgencyId(on_behalf_of) if on_behalf_of else None)
    t = await run_in_threadpool(timeline, platform.search, user, plate, p, time_from, time_to)
    return held_timeline(t) if isinstance(t, HeldSearch) else timeline_out(t)


class ReadCeilingBody(Strict):
    daily_read_ceiling: int | None = Field(
        description="reads a user of the agency may be returned per UTC day before further "
        "searches are held for a supervisor; null: the default",
        ge=1,
        le=MAX_DAILY_READS,
    )


def _ceiling_out(platform: PlatformDep, agency_id: str) -> dict[str, Any]:
    quota = platform.read_quota
    return {"agency_id": agency_id, "daily_read_ceiling": quota.ceiling(agency_id),
            "setting": quota.setting(agency_id),
            "default": quota.limits.default_daily_reads}  # fmt: skip


@router.get(
    "/agencies/{agency_id}/read-ceiling", summary="The agency's daily read ceiling per user"
)
def get_read_ceiling(agency_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    if agency_id != user.agency_id:
        raise ForbiddenError("an agency's read ceiling is shown to its own users")
    return _ceiling_out(platform, agency_id)


@router.put(
    "/agencies/{agency_id}/read-ceiling",
    summary="Set the agency's daily read ceiling per user (admin; audited)",
)
def set_read_ceiling(
    agency_id: str, body: ReadCeilingBody, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    if agency_id != user.agency_id:
        raise ForbiddenError("an agency's read ceiling is set by its own admin")
    platform.read_quota.set_ceiling(user, body.daily_read_ceiling)
    return _ceiling_out(platform, agency_id)
