"""Supervisors: the agency's held searches, with the reason's classifier evidence; decide them.
Officers: resume a search once it is approved."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.errors import ValidationError
from plateledger.policy.classifier import classify
from plateledger.search.types import HeldSearch
from plateledger.web.common import UI_PREFIX, checked_form, platform_of, render, require_user
from plateledger.web.routes_search import held_page, results_page

router = APIRouter()
MAX_QUEUE = 200


@router.get("/holds")
def held_queue(request: Request) -> HTMLResponse:
    user = require_user(request)
    holds = platform_of(request).holds.pending(user.agency_id, MAX_QUEUE)
    items = [(h, classify(h.purpose.reason)) for h in holds]
    decided = request.query_params.get("decided")
    return render(request, "holds.html", user=user, items=items, decided=decided)


@router.post("/holds/{search_id}/decide")
async def decide(request: Request, search_id: str) -> Response:
    user = require_user(request)
    form = await checked_form(request, user)
    decision = form.get("decision")
    note = form.get("note")
    if decision not in ("approve", "reject"):
        raise ValidationError("decision: approve or reject", {"field": "decision"})
    if not note:
        raise ValidationError("note: say why you approve or reject", {"field": "note"})
    hold = await run_in_threadpool(
        platform_of(request).holds.decide, search_id, user, decision == "approve", note[:2000]
    )
    return RedirectResponse(f"{UI_PREFIX}/holds?decided={hold.status}", 303)


@router.post("/holds/{search_id}/resume")
async def resume(request: Request, search_id: str) -> HTMLResponse:
    user = require_user(request)
    await checked_form(request, user)
    platform = platform_of(request)
    search_request = platform.holds.resume(search_id, user)
    response = await run_in_threadpool(platform.search.search, search_request)
    if isinstance(response, HeldSearch):
        return held_page(request, user, response)
    return results_page(request, user, response, search_request.purpose)
