"""Held searches: the supervisors of each deciding agency (the owner for its law, sharing and
policy; the searcher's for its own policy) approve or reject their part; the officer resumes
once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from plateledger.api.auth import CurrentUser, PlatformDep
from plateledger.api.schemas import Strict, search_result
from plateledger.errors import ForbiddenError

router = APIRouter(tags=["holds"])


class DecisionIn(Strict):
    note: str = Field(min_length=1, max_length=2000, description="why approved or rejected")


@router.get("/searches/{search_id}/hold", summary="A held search and its status")
def get_hold(search_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    hold = platform.holds.get(search_id)
    if user.agency_id != hold.agency_id and hold.part_for(user.agency_id) is None:
        raise ForbiddenError("this held search belongs to another agency")
    return hold.to_dict(user.agency_id)


@router.post(
    "/searches/{search_id}/approve",
    summary="Approve your agency's part of a held search (supervisor); single use, 24 h",
)
def approve(
    search_id: str, body: DecisionIn, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    return platform.holds.decide(search_id, user, True, body.note).to_dict(user.agency_id)


@router.post("/searches/{search_id}/reject", summary="Reject your agency's part of a held search")
def reject(
    search_id: str, body: DecisionIn, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    return platform.holds.decide(search_id, user, False, body.note).to_dict(user.agency_id)


@router.post(
    "/searches/{search_id}/resume",
    response_model=None,
    summary="Run an approved search (its officer)",
)
async def resume(
    search_id: str, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any] | JSONResponse:
    request = platform.holds.resume(search_id, user)
    return search_result(await run_in_threadpool(platform.search.search, request))
