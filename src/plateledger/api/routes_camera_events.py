"""Plate events pushed by cameras plateledger does not make: POST /cameras/{camera_id}/events.

The caller's token must be bound to that camera (``plateledger camera-token``): a camera's
credential posts for that camera only. The body is a vendor's documented event (``vendor``:
``hikvision`` XML, ``axis`` JSON, ``dahua`` ``TrafficJunction`` text/JSON or ``milesight``
HTTP Post JSON; by default told apart by the body), mapped by ``ingest.vendors``,
``ingest.dahua`` and ``ingest.milesight`` and stored through the
same intake as ``POST /reads``: validated, crops written, reads appended durably with their
``ingest`` audit entry, the event id marked seen, all before the answer; a resent event is
answered ``duplicates: 1`` and stored once.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from plateledger.api.auth import CurrentPrincipal, CurrentUser, PlatformDep
from plateledger.app.camera_tokens import bound_camera
from plateledger.app.event_intake import EventIntake, EventReport
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import ForbiddenError
from plateledger.ingest.dahua import dahua
from plateledger.ingest.milesight import milesight
from plateledger.ingest.vendors import VENDORS, Adapter

router = APIRouter(tags=["reads"])

MAX_EVENT_BYTES = 2 * 1024 * 1024
Vendor = Literal["hikvision", "axis", "dahua", "milesight"]
ADAPTERS: dict[str, Adapter] = {**VENDORS, "dahua": dahua, "milesight": milesight}


def _intake(request: Request, platform: Platform) -> EventIntake:
    """One event intake per app (its lock serialises the duplicate check and the append)."""
    state = request.app.state
    found = getattr(state, "event_intake", None)
    if not isinstance(found, EventIntake):
        found = EventIntake(platform)
        state.event_intake = found
    return found


def _vendor(chosen: Vendor | None, body: bytes, content_type: str) -> Vendor:
    if chosen is not None:
        return chosen
    if "xml" in content_type or body.lstrip().startswith(b"<"):
        return "hikvision"
    if content_type.startswith("multipart/") and b"EventNotificationAlert" in body:
        return "hikvision"
    if body.lstrip().startswith(b"Events[") or b"TrafficJunction" in body:
        return "dahua"
    if b'"resolution_width"' in body and b'"plate"' in body:
        return "milesight"
    return "axis"


def _ingest(
    intake: EventIntake, platform: Platform, user: User, camera_id: str, vendor: Vendor,
    body: bytes, ctype: str,
) -> EventReport:  # fmt: skip
    events = ADAPTERS[vendor](body, ctype or None, camera_id)
    cameras = platform.registry.known_cameras() & {camera_id}
    return intake.ingest(
        events, source=f"camera:{camera_id}", audit_source=f"camera:{vendor}", cameras=cameras,
        by=user,
    )  # fmt: skip


@router.post(
    "/cameras/{camera_id}/events",
    summary="Ingest a camera's plate event",
    description=(
        "A plate event as the camera vendor documents it: `vendor=hikvision` (ISAPI "
        "`EventNotificationAlert` XML with `ANPR`, alone or multipart with the plate picture) or "
        "`vendor=axis` (AXIS License Plate Verifier push JSON) or `vendor=dahua` (a Dahua "
        "`TrafficJunction` event: `Events[0].…=` text lines or JSON, alone or multipart with "
        "its picture) or `vendor=milesight` (a Milesight LPR camera's HTTP Post JSON); "
        "without `vendor`, XML is Hikvision, a body naming `TrafficJunction` Dahua, JSON with "
        "`plate` and `resolution_width` Milesight, other JSON Axis. The token must be bound "
        "to the camera (`plateledger camera-token`). Stored durably before the answer; a "
        "resent event id is dropped (`duplicates`); errors name the vendor's field. See "
        "docs/ingest.md."
    ),
    responses={200: {"description": "counts and per-event errors"}, 422: {"description": "none"}},
)
async def post_camera_events(
    camera_id: str, request: Request, user: CurrentUser, who: CurrentPrincipal,
    platform: PlatformDep, vendor: Annotated[Vendor | None, Query()] = None,
) -> JSONResponse:  # fmt: skip
    token = who.token
    bound = await run_in_threadpool(bound_camera, platform, token.token_id) if token else None
    if bound != camera_id:
        raise ForbiddenError(
            f"this token is not bound to camera {camera_id!r}: issue one with "
            "`plateledger camera-token`"
        )
    body = await request.body()
    if len(body) > MAX_EVENT_BYTES:
        return JSONResponse({"error": {"code": "too_large", "message": "body over 2 MiB"}}, 413)
    ctype = request.headers.get("content-type") or ""  # as sent: a boundary is case-sensitive
    chosen = _vendor(vendor, body, ctype.lower())
    intake = _intake(request, platform)
    report = await run_in_threadpool(
        _ingest, intake, platform, user, camera_id, chosen, body, ctype
    )
    status = 422 if report.rejected and not report.stored and not report.duplicates else 200
    return JSONResponse(report.to_dict(), status)
