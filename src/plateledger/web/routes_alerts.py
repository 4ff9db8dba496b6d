"""The alert queue: hotlist hits for the officer's agency, verified by a person before any action.

The page lists the agency's alerts with the crop reference, the hotlist entry and the
verification checklist; a same-origin script (``static/alerts.js``) listens on the UI's own
server-sent-event stream (session cookie, the alerts broker's queue) and inserts new alerts as
server-rendered cards. Without JavaScript the page is current on every reload. Verification and
dispositions call ``Verification`` exactly as the API does, so the same rules apply.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from plateledger.alerts import tables
from plateledger.alerts.delivery import sse_stream
from plateledger.alerts.models import DISPOSITIONS
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import ConflictError, ValidationError
from plateledger.web.common import checked_form, platform_of, render, require_user

log = logging.getLogger(__name__)
router = APIRouter()
QUEUE_SIZE = 100
CHECKS = ("characters_match", "state_match", "entry_active")


def _card(platform: Platform, hit: dict[str, Any]) -> dict[str, Any]:
    """What one alert card shows: the alert as delivered, the stored hit, the entry and the
    evidence crop as a ``data:`` URI when one is stored (the alert is the agency's own)."""
    alert = platform.hotlists.verification.payload(hit)
    entry = tables.load_entry(platform.store, hit["entry_id"])
    ref = hit.get("crop_ref")
    owner = _camera_owner(platform, hit["camera_id"])
    crop = platform.crops.data_uris([(ref, owner)]).get(ref or "")
    return {"a": alert, "hit": hit, "entry": entry, "crop": crop}


def _camera_owner(platform: Platform, camera_id: str) -> str:
    """The agency owning the camera's network (the read's owner), or ``""`` if unknown."""
    owners = {n.id: n.agency_id for n in platform.store.networks()}
    camera = next((c for c in platform.store.cameras() if c.id == camera_id), None)
    return owners.get(camera.network_id, "") if camera is not None else ""


def _queue(platform: Platform, user: User) -> list[dict[str, Any]]:
    hits = tables.load_hits(platform.store, user.agency_id, QUEUE_SIZE)
    return [_card(platform, h) for h in hits]


def _page(request: Request, user: User, status: int = 200, **extra: Any) -> HTMLResponse:
    platform = platform_of(request)
    cards = _queue(platform, user)
    return render(
        request, "alerts.html", status, user=user,
        open_cards=[c for c in cards if c["hit"]["disposition"] is None],
        closed_cards=[c for c in cards if c["hit"]["disposition"] is not None],
        dispositions=DISPOSITIONS, camera_names={c.id: c.name for c in platform.store.cameras()},
        **extra,
    )  # fmt: skip


@router.get("/alerts")
def alerts_page(request: Request) -> HTMLResponse:
    user = require_user(request)
    return _page(request, user)


@router.get("/alerts/stream")
async def alerts_stream(request: Request) -> StreamingResponse:
    """Server-sent events for this page: the id of each new alert of the user's agency (the
    card itself is fetched, server-rendered, from ``/alerts/{id}/card``)."""
    user = require_user(request)
    hotlists = platform_of(request).hotlists

    async def audited(message: dict[str, Any]) -> None:  # each alert audited before it is sent
        await run_in_threadpool(hotlists.webhooks.sse_sent, user, message)

    frames = sse_stream(hotlists.engine.broker, user.agency_id, request.is_disconnected, _frame,
                        b"retry: 3000\n: connected\n\n", audited)  # fmt: skip
    headers = {"X-Accel-Buffering": "no"}
    return StreamingResponse(frames, media_type="text/event-stream", headers=headers)


def _frame(message: dict[str, Any]) -> bytes:
    """Only ids and the disposition go to the page: the card carries the rest."""
    event = "notice" if message.get("event") == "notice" else "alert"
    data = {"alert_id": str(message.get("alert_id", ""))}
    if event == "notice":
        data["disposition"] = str(message.get("disposition", ""))
    return f"event: {event}\n".encode() + b"data: " + orjson.dumps(data) + b"\n\n"


@router.get("/alerts/{alert_id}/card")
def alert_card(request: Request, alert_id: str) -> HTMLResponse:
    user = require_user(request)
    platform = platform_of(request)
    hit = platform.hotlists.verification.get(user, alert_id)
    return render(
        request, "alert_card.html", user=user, card=_card(platform, hit),
        dispositions=DISPOSITIONS, camera_names={c.id: c.name for c in platform.store.cameras()},
    )  # fmt: skip


@router.post("/alerts/{alert_id}/verify")
async def verify(request: Request, alert_id: str) -> HTMLResponse:
    user = require_user(request)
    form = await checked_form(request, user)
    chars, state, active = (form.get(name) == "yes" for name in CHECKS)
    verification = platform_of(request).hotlists.verification
    try:
        result = await run_in_threadpool(
            verification.verify, user, alert_id, chars, state, active, form.get("note")[:2000]
        )
    except (ConflictError, ValidationError) as exc:
        return _page(request, user, exc.status, error=exc.message)
    log.info("ui alert %s checked by %s: %s", alert_id, user.id, result["status"])
    if result["actionable"]:
        notice = f"Alert {alert_id} verified: every check passed, the alert is actionable."
    else:
        failed = ", ".join(k.replace("_", " ") for k, ok in result["checks"].items() if not ok)
        notice = f"Alert {alert_id} rejected (not actionable): {failed}."
    return _page(request, user, notice=notice)


@router.post("/alerts/{alert_id}/disposition")
async def dispose(request: Request, alert_id: str) -> HTMLResponse:
    user = require_user(request)
    form = await checked_form(request, user)
    verification = platform_of(request).hotlists.verification
    try:
        await run_in_threadpool(
            verification.dispose, user, alert_id, form.get("disposition"), form.get("note")[:2000]
        )
    except (ConflictError, ValidationError) as exc:
        return _page(request, user, exc.status, error=exc.message)
    log.info("ui alert %s disposed by %s", alert_id, user.id)
    label = form.get("disposition").replace("_", " ")
    return _page(request, user, notice=f"Alert {alert_id} closed: {label}.")
