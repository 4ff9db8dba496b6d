"""Held searches and legal-hold requests, followed to the end.

Supervisors: the agency's held searches with the full query, the policy's per-network decisions
and the reason's classifier evidence; they decide the ones that are not their own. Officers:
"My requests" lists their own held searches (pending, approved with Resume, denied with the
supervisor's note, expired, resumed) and their legal-hold requests; an approved search is
resumed once; reads picked in results are sent to the agency admin as a legal-hold request.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.domain.types import User
from plateledger.errors import ValidationError
from plateledger.policy.classifier import classify
from plateledger.retention.hold_requests import parse_read_ids
from plateledger.search.holds import Hold
from plateledger.search.types import HeldSearch
from plateledger.web.common import UI_PREFIX, checked_form, platform_of, render, require_user
from plateledger.web.routes_search import held_page, results_page
from plateledger.web.when import human_time, iso_time

router = APIRouter()
MAX_QUEUE = 200
STATES = ("pending", "approved", "denied", "expired", "used")


def _names(request: Request) -> dict[str, Any]:
    store = platform_of(request).store
    return {
        "agency_names": {a.id: a.name for a in store.agencies()},
        "camera_names": {c.id: c.name for c in store.cameras()},
        "human_time": human_time, "iso_time": iso_time,
    }  # fmt: skip


@router.get("/holds")
def held_queue(request: Request) -> HTMLResponse:
    user = require_user(request)
    book = platform_of(request).holds
    holds = book.pending(user.agency_id, MAX_QUEUE)
    items = [
        (h, classify(h.purpose.reason), book.held_decisions(h, user.agency_id),
         h.user_id == user.id)
        for h in holds
    ]  # fmt: skip
    decided = request.query_params.get("decided")
    return render(request, "holds.html", user=user, items=items, decided=decided,
                  **_names(request))  # fmt: skip


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


def requests_page(
    request: Request, user: User, status: int = 200, error: str = "", asked: str = ""
) -> HTMLResponse:
    """The user's own held searches by state, and their legal-hold requests."""
    platform = platform_of(request)
    now = platform.holds.now()
    groups: dict[str, list[Hold]] = {s: [] for s in STATES}
    for hold in platform.holds.mine(user):
        groups[hold.state(now)].append(hold)
    return render(
        request, "my_requests.html", status, user=user, groups=groups,
        legal=platform.legal_hold_requests.mine(user), error=error, asked=asked,
        **_names(request),
    )  # fmt: skip


@router.get("/requests")
def my_requests(request: Request) -> HTMLResponse:
    user = require_user(request)
    return requests_page(request, user, asked=request.query_params.get("asked", "")[:60])


@router.post("/legal-hold-requests")
async def ask_legal_hold(request: Request) -> Response:
    """Reads picked in results (``read_ids`` checkboxes) → a request to the agency admin."""
    user = require_user(request)
    form = await checked_form(request, user)
    try:
        ids = parse_read_ids(form.all("read_ids"))
        made = await run_in_threadpool(
            platform_of(request).legal_hold_requests.request, user,
            form.get("case_number")[:100], ids, form.get("note")[:2000],
            form.opt("search_id"),
        )  # fmt: skip
    except ValidationError as exc:
        return requests_page(request, user, 422, exc.message)
    return RedirectResponse(f"{UI_PREFIX}/requests?asked={made.id}", 303)
