"""Admin pages of one agency: overview, cameras, retention and legal holds, hotlists.

Sharing and "who can search our data" are in ``routes_admin_sharing``; users and tokens in
``routes_admin_users``. Every page is for the agency's admin only and shows the agency's own
things only; every change goes through the platform operation the API and CLI use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.alerts import admin_rows
from plateledger.domain.types import User
from plateledger.errors import ValidationError
from plateledger.web.common import (
    UI_PREFIX,
    Form,
    checked_form,
    number_field,
    platform_of,
    render,
    require_user,
)

router = APIRouter(prefix="/admin")
SECTIONS = (
    ("cameras", "Cameras"),
    ("retention", "Retention and legal holds"),
    ("sharing", "Sharing and declarations"),
    ("access", "Who can search our data"),
    ("users", "Users and tokens"),
    ("hotlists", "Hotlists"),
    ("webhooks", "Webhooks"),
)


def admin_page(
    request: Request, user: User, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    agency = platform_of(request).registry.own_agency(user)
    return render(
        request, template, status, user=user, agency=agency, sections=SECTIONS,
        done=request.query_params.get("done"), **context,
    )  # fmt: skip


async def form_or_error(
    request: Request,
    user: User,
    change: Callable[[Form], Awaitable[Response]],
    page: Callable[[Request, User, int, str], HTMLResponse],
) -> Response:
    """Run a change from a CSRF-checked form; bad input re-renders the page naming the field."""
    form = await checked_form(request, user)
    try:
        return await change(form)
    except ValidationError as exc:
        return page(request, user, 422, exc.message)


def done(section: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"{UI_PREFIX}/admin/{section}?done={quote(what)}", 303)


def int_field(form: Form, name: str, *, optional: bool = False) -> int | None:
    text = form.get(name)
    if not text and optional:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationError(f"{name}: not a whole number", {"field": name}) from None


@router.get("")
def overview(request: Request) -> HTMLResponse:
    user = require_user(request)
    return admin_page(request, user, "admin.html")


def _cameras_page(request: Request, user: User, status: int = 200, error: str = "") -> HTMLResponse:
    registry = platform_of(request).registry
    rows = registry.agency_cameras(user)
    networks = registry.own_networks(user)
    return admin_page(request, user, "admin_cameras.html", status, rows=rows, networks=networks,
                      error=error)  # fmt: skip


@router.get("/cameras")
def cameras_page(request: Request) -> HTMLResponse:
    return _cameras_page(request, require_user(request))


@router.post("/cameras")
async def register_camera(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        heading = form.get("heading")
        await run_in_threadpool(
            platform_of(request).registry.register_camera, user, form.get("camera_id"),
            form.get("network_id"), form.get("name"), number_field(form, "lat"),
            number_field(form, "lon"), number_field(form, "heading") if heading else None,
            form.get("mobile") == "on",
        )  # fmt: skip
        return done("cameras", f"camera {form.get('camera_id')}")

    return await form_or_error(request, user, change, _cameras_page)


@router.post("/cameras/{camera_id}/active")
async def set_camera_active(request: Request, camera_id: str) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        active = form.get("active") == "true"
        await run_in_threadpool(
            platform_of(request).registry.set_camera_active, user, camera_id, active
        )
        return done("cameras", f"camera {camera_id} {'reactivated' if active else 'retired'}")

    return await form_or_error(request, user, change, _cameras_page)


def _retention_page(
    request: Request, user: User, status: int = 200, error: str = ""
) -> HTMLResponse:
    platform = platform_of(request)
    return admin_page(
        request, user, "admin_retention.html", status, error=error,
        view=platform.retention_settings.view(user),
        holds=platform.legal_holds.of_agency(user),
        requests=platform.legal_hold_requests.pending(user),
    )  # fmt: skip


@router.get("/retention")
def retention(request: Request) -> HTMLResponse:
    return _retention_page(request, require_user(request))


@router.post("/retention")
async def set_retention(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        days = int_field(form, "retention_days", optional=True)
        await run_in_threadpool(platform_of(request).retention_settings.change, user, days)
        return done("retention", "retention")

    return await form_or_error(request, user, change, _retention_page)


@router.post("/legal-holds")
async def place_hold(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        ids = []
        for part in form.get("read_ids").replace(",", " ").split():
            if not part.isdigit():
                raise ValidationError("read_ids: read ids are whole numbers", {"field": "read_ids"})
            ids.append(int(part))
        await run_in_threadpool(
            platform_of(request).legal_holds.place, user,
            form.get("case_number")[:100], ids, form.get("note")[:2000],
            _review_date(form.get("expires_on")),
        )  # fmt: skip
        return done("retention", "hold")

    return await form_or_error(request, user, change, _retention_page)


@router.post("/legal-hold-requests/{request_id}/decide")
async def decide_hold_request(request: Request, request_id: str) -> Response:
    """Place the hold an officer asked for (review date required) or decline it (note)."""
    user = require_user(request)

    async def change(form: Form) -> Response:
        requests = platform_of(request).legal_hold_requests
        decision, note = form.get("decision"), form.get("note")[:2000]
        if decision == "place":
            until = _review_date(form.get("expires_on"))
            await run_in_threadpool(requests.place, user, request_id, until, note)
        elif decision == "decline":
            await run_in_threadpool(requests.decline, user, request_id, note)
        else:
            raise ValidationError("decision: place or decline", {"field": "decision"})
        return done("retention", f"request {request_id} {decision}d")

    return await form_or_error(request, user, change, _retention_page)


@router.post("/legal-holds/release")
async def release_hold(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        await run_in_threadpool(
            platform_of(request).legal_holds.release, user,
            form.get("case_number")[:100], form.get("note")[:2000],
        )  # fmt: skip
        return done("retention", "hold released")

    return await form_or_error(request, user, change, _retention_page)


def _review_date(text: str) -> datetime:
    """A hold's review date (``YYYY-MM-DD``) as the end of that day, UTC."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("expires_at: give the review date as YYYY-MM-DD",
                              {"field": "expires_at"}) from None  # fmt: skip
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _hotlists_page(
    request: Request, user: User, status: int = 200, error: str = ""
) -> HTMLResponse:
    rows = admin_rows.agency_hotlists(user, store=platform_of(request).store)
    return admin_page(request, user, "admin_hotlists.html", status, rows=rows, error=error)


@router.get("/hotlists")
def hotlists(request: Request) -> HTMLResponse:
    return _hotlists_page(request, require_user(request))


@router.post("/hotlists/{hotlist_id}/subscription")
async def subscription(request: Request, hotlist_id: str) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        lists = platform_of(request).hotlists.lists
        action = form.get("action")
        if action == "subscribe":
            await run_in_threadpool(lists.subscribe, user, hotlist_id)
        elif action == "unsubscribe":
            await run_in_threadpool(lists.unsubscribe, user, hotlist_id)
        else:
            raise ValidationError("action: subscribe or unsubscribe", {"field": "action"})
        return done("hotlists", action)

    return await form_or_error(request, user, change, _hotlists_page)
