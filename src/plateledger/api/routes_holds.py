"""Held searches: the supervisors of each deciding agency (the owner for its law, sharing and
policy; the searcher's for its own policy) approve or reject their part; the officer resumes
once and follows their own requests (``/holds/mine``). Legal-hold requests: an officer asks for
a hold on reads of a search; the agency admin places or declines it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from plateledger.api.auth import CurrentUser, PlatformDep
from plateledger.api.schemas import Strict, search_result
from plateledger.errors import ForbiddenError
from plateledger.retention.legal_holds import MAX_HOLD_READS

router = APIRouter(tags=["holds"])


class DecisionIn(Strict):
    note: str = Field(min_length=1, max_length=2000, description="why approved or rejected")


class LegalHoldRequestIn(Strict):
    case_number: str = Field(min_length=2, max_length=40, description="the case to keep them for")
    read_ids: list[int] = Field(
        min_length=1,
        max_length=MAX_HOLD_READS,
        description="reads of the search, of your agency's networks",
    )
    note: str = Field(min_length=1, max_length=2000, description="why the reads must be kept")
    search_id: str | None = Field(
        None, max_length=80, description="the search the reads came from (checked)"
    )


class PlaceIn(Strict):
    expires_at: datetime = Field(description="review date: the hold lapses then (at most 2 years)")
    note: str = Field("", max_length=2000, description="why (empty: the officer's words)")


@router.get("/holds/mine", summary="Your own held searches and legal-hold requests")
def my_holds(user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    now = platform.holds.now()
    searches = [{**h.to_dict(), "state": h.state(now)} for h in platform.holds.mine(user)]
    legal = [r.to_dict() for r in platform.legal_hold_requests.mine(user)]
    return {"searches": searches, "legal_hold_requests": legal}


@router.post("/legal-hold-requests", status_code=201,
             summary="Ask your agency's admin for a legal hold on reads of a search")  # fmt: skip
def ask_legal_hold(
    body: LegalHoldRequestIn, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    made = platform.legal_hold_requests.request(
        user, body.case_number, sorted(set(body.read_ids)), body.note, body.search_id
    )
    return made.to_dict()


@router.get("/legal-hold-requests", summary="Your agency's pending legal-hold requests (admin)")
def pending_legal_holds(user: CurrentUser, platform: PlatformDep) -> list[dict[str, Any]]:
    return [r.to_dict() for r in platform.legal_hold_requests.pending(user)]


@router.post("/legal-hold-requests/{request_id}/place",
             summary="Place the legal hold a request asks for (admin)")  # fmt: skip
def place_legal_hold(
    request_id: str, body: PlaceIn, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    requests = platform.legal_hold_requests
    return requests.place(user, request_id, body.expires_at, body.note).to_dict()


@router.post("/legal-hold-requests/{request_id}/decline",
             summary="Decline a legal-hold request, with a note (admin)")  # fmt: skip
def decline_legal_hold(
    request_id: str, body: DecisionIn, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    return platform.legal_hold_requests.decline(user, request_id, body.note).to_dict()


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
