"""Search form, policy preview, results and a plate's timeline."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from plateledger.domain.types import User
from plateledger.errors import HeldForApproval, ValidationError
from plateledger.policy.purposes import selectable_purposes
from plateledger.search.timeline import timeline
from plateledger.search.types import SearchRequest
from plateledger.web.common import Form, checked_form, platform_of, render, require_user
from plateledger.web.forms import parse_purpose, parse_search, preview

log = logging.getLogger(__name__)
router = APIRouter()
INVESTIGATORS = ("officer", "supervisor")


def _names(request: Request) -> dict[str, Any]:
    store = platform_of(request).store
    return {
        "agency_names": {a.id: a.name for a in store.agencies()},
        "camera_names": {c.id: c.name for c in store.cameras()},
    }


def _form_page(
    request: Request, user: User, form: Form | None, status: int = 200, **extra: Any
) -> HTMLResponse:
    cameras = platform_of(request).visible_cameras(user)
    return render(
        request, "search.html", status, user=user, purposes=selectable_purposes(),
        cameras=sorted(cameras, key=lambda c: c.id), values=form.values() if form else {},
        chosen_cameras=set(form.all("camera")) if form else set(), **_names(request), **extra,
    )  # fmt: skip


@router.get("/search")
def search_form(request: Request) -> HTMLResponse:
    user = require_user(request, *INVESTIGATORS)
    return _form_page(request, user, None)


@router.post("/search")
async def search(request: Request) -> HTMLResponse:
    user = require_user(request, *INVESTIGATORS)
    form = await checked_form(request, user)
    platform = platform_of(request)
    try:
        query, purpose = parse_search(form)
    except ValidationError as exc:
        return _form_page(request, user, form, 422, error=exc.message)
    if form.get("action") != "run":
        shown = await run_in_threadpool(preview, platform, user, query, purpose)
        return _form_page(request, user, form, preview=shown)
    try:
        response = await run_in_threadpool(
            platform.search.search, SearchRequest(user, query, purpose)
        )
    except HeldForApproval as held:
        details = held.details if isinstance(held.details, dict) else {}
        return render(
            request, "held.html", 202, user=user, search_id=details.get("search_id"),
            excluded=details.get("networks_excluded", []), message=held.message,
            **_names(request),
        )  # fmt: skip
    log.info("ui search %s by %s: %d hits", response.search_id, user.id, len(response.hits))
    return render(
        request, "results.html", user=user, response=response, purpose=purpose,
        **_names(request),
    )  # fmt: skip


@router.post("/timeline")
async def plate_timeline(request: Request) -> HTMLResponse:
    user = require_user(request, *INVESTIGATORS)
    form = await checked_form(request, user)
    purpose = parse_purpose(form)
    plate = form.get("plate")
    if not plate:
        raise ValidationError("plate: required", {"field": "plate"})
    result = await run_in_threadpool(timeline, platform_of(request).search, user, plate, purpose)
    return render(request, "timeline.html", user=user, t=result, purpose=purpose, **_names(request))
