"""Hotlists (governed lists, entries, subscriptions), alerts (SSE) and their verification."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from plateledger.alerts import tables
from plateledger.alerts.delivery import sse_stream
from plateledger.alerts.imports import parse_entries
from plateledger.alerts.verify import statistics
from plateledger.api.auth import Admin, CurrentUser, Investigator, PlatformDep
from plateledger.domain.csv_cells import safe_writer
from plateledger.errors import ForbiddenError, ValidationError

router = APIRouter(tags=["hotlists"])


class HotlistIn(BaseModel):
    name: str
    purpose: str
    legal_basis: str
    source: Literal["manual", "ncic", "shared"] = "manual"
    refresh_hours: int | None = Field(default=None, ge=1)
    priority: Literal["low", "normal", "high", "critical"] = "normal"
    strictness: Literal["exact", "confusable", "fuzzy1", "fuzzy2"] = "confusable"
    share_with: list[str] = []


class HotlistPatch(BaseModel):
    name: str | None = None
    legal_basis: str | None = None
    refresh_hours: int | None = Field(default=None, ge=1)
    priority: Literal["low", "normal", "high", "critical"] | None = None
    strictness: Literal["exact", "confusable", "fuzzy1", "fuzzy2"] | None = None
    share_with: list[str] | None = None


class EntryIn(BaseModel):
    plate: str
    state: str | None = None
    reason: str
    case_number: str = ""
    expires_at: datetime
    vehicle: str = ""


class EntryPatch(BaseModel):
    state: str | None = None
    reason: str | None = None
    case_number: str | None = None
    expires_at: datetime | None = None
    vehicle: str | None = None


class ImportIn(BaseModel):
    format: Literal["csv", "ncic"] = "csv"
    text: str
    mapping: dict[str, str] = {}
    default_expires_at: datetime | None = None


class VerifyIn(BaseModel):
    characters_match: bool
    state_match: bool
    entry_active: bool
    note: str = ""


class DispositionIn(BaseModel):
    disposition: Literal["confirmed", "misread", "wrong_state", "entry_stale", "no_action"]
    note: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/hotlists")
def create_hotlist(body: HotlistIn, user: Admin, platform: PlatformDep) -> dict[str, Any]:
    return platform.hotlists.lists.create(user, body.model_dump()).to_dict(_now())


@router.get("/hotlists")
def list_hotlists(user: CurrentUser, platform: PlatformDep) -> list[dict[str, Any]]:
    return [h.to_dict(_now()) for h in platform.hotlists.lists.visible(user)]


@router.get("/hotlists/stats")
def hotlist_stats(user: CurrentUser, platform: PlatformDep) -> list[dict[str, Any]]:
    if user.role not in ("auditor", "admin", "supervisor"):
        raise ForbiddenError("disposition statistics are for auditors, admins and supervisors")
    return statistics(platform.hotlists.engine, user)


@router.get("/hotlists/events", response_class=PlainTextResponse)
def hotlist_events(user: Admin, platform: PlatformDep) -> str:
    """The change log of the agency's lists as CSV, shaped like the vendor's event log."""
    own = [h.id for h in platform.hotlists.lists.visible(user) if h.owner_agency == user.agency_id]
    out = io.StringIO()
    writer = safe_writer(out)  # formula cells neutralised (domain.csv_cells)
    writer.writerow(["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"])
    for at, who, event, entity, details in tables.events(platform.store, own):
        writer.writerow([f"{at.isoformat()}Z", who, event, entity, details])
    return out.getvalue()


@router.get("/hotlists/{hotlist_id}")
def get_hotlist(hotlist_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    return _visible(platform, user, hotlist_id)


def _set_fields(body: BaseModel, nullable: set[str]) -> dict[str, Any]:
    """The fields a PATCH sets; ``null`` only where clearing a value means something."""
    fields = body.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in fields.items() if v is None and k not in nullable)
    if nulls:
        raise ValidationError(f"{', '.join(nulls)}: may not be null", {"field": nulls[0]})
    return fields


@router.patch("/hotlists/{hotlist_id}")
def update_hotlist(
    hotlist_id: str, body: HotlistPatch, user: Admin, platform: PlatformDep
) -> dict[str, Any]:
    fields = _set_fields(body, nullable={"refresh_hours"})
    return platform.hotlists.lists.update(user, hotlist_id, fields).to_dict(_now())


@router.delete("/hotlists/{hotlist_id}")
def retire_hotlist(hotlist_id: str, user: Admin, platform: PlatformDep) -> dict[str, Any]:
    return platform.hotlists.lists.retire(user, hotlist_id).to_dict(_now())


@router.post("/hotlists/{hotlist_id}/entries")
def add_entries(
    hotlist_id: str,
    user: Admin,
    platform: PlatformDep,
    body: EntryIn | list[EntryIn] = Body(...),  # noqa: B008
) -> dict[str, Any]:
    rows = [e.model_dump() for e in (body if isinstance(body, list) else [body])]
    entries = platform.hotlists.lists.add_entries(user, hotlist_id, rows)
    now = _now()
    return {"count": len(entries), "id": entries[0].id if entries else None,
            "entries": [e.to_dict(now) for e in entries]}  # fmt: skip


@router.get("/hotlists/{hotlist_id}/entries")
def list_entries(hotlist_id: str, user: CurrentUser, platform: PlatformDep) -> list[dict[str, Any]]:
    _visible(platform, user, hotlist_id)
    now = _now()
    return [e.to_dict(now) for e in tables.load_entries(platform.store, hotlist_id)]


@router.patch("/hotlists/{hotlist_id}/entries/{entry_id}")
def update_entry(
    hotlist_id: str, entry_id: str, body: EntryPatch, user: Admin, platform: PlatformDep
) -> dict[str, Any]:
    fields = _set_fields(body, nullable={"state"})
    entry = platform.hotlists.lists.update_entry(user, hotlist_id, entry_id, fields)
    return entry.to_dict(_now())


@router.post("/hotlists/{hotlist_id}/entries/{entry_id}/expire")
def expire_entry(
    hotlist_id: str, entry_id: str, user: Admin, platform: PlatformDep
) -> dict[str, Any]:
    return platform.hotlists.lists.expire_entry(user, hotlist_id, entry_id).to_dict(_now())


@router.post("/hotlists/{hotlist_id}/import")
def import_entries(
    hotlist_id: str, body: ImportIn, user: Admin, platform: PlatformDep
) -> dict[str, Any]:
    rows = parse_entries(body.text, body.format, body.mapping, body.default_expires_at)
    entries = platform.hotlists.lists.add_entries(user, hotlist_id, rows, how="import")
    return {"count": len(entries)}


@router.post("/hotlists/{hotlist_id}/subscriptions")
def subscribe(hotlist_id: str, user: Admin, platform: PlatformDep) -> dict[str, Any]:
    h = platform.hotlists.lists.subscribe(user, hotlist_id)
    return {"hotlist_id": h.id, "agency_id": user.agency_id, "subscribed": True}


@router.delete("/hotlists/{hotlist_id}/subscriptions")
def unsubscribe(hotlist_id: str, user: Admin, platform: PlatformDep) -> dict[str, Any]:
    platform.hotlists.lists.unsubscribe(user, hotlist_id)
    return {"hotlist_id": hotlist_id, "agency_id": user.agency_id, "subscribed": False}


@router.get("/alerts")
def list_alerts(user: CurrentUser, platform: PlatformDep) -> list[dict[str, Any]]:
    v = platform.hotlists.verification
    return [v.payload(hit) for hit in tables.load_hits(platform.store, user.agency_id)]


@router.get("/alerts/stream")
async def alert_stream(request: Request, user: CurrentUser, platform: PlatformDep) -> Any:
    """Server-sent events: the alerts of the lists the user's agency subscribes to."""

    async def audited(message: dict[str, Any]) -> None:  # each alert audited before it is sent
        await run_in_threadpool(platform.hotlists.webhooks.sse_sent, user, message)

    frames = sse_stream(platform.hotlists.engine.broker, user.agency_id, request.is_disconnected,
                        before_alert=audited)  # fmt: skip
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(frames, media_type="text/event-stream", headers=headers)


@router.get("/alerts/{alert_id}")
def get_alert(alert_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    v = platform.hotlists.verification
    return v.payload(v.get(user, alert_id))


@router.post("/alerts/{alert_id}/verify")
def verify_alert(
    alert_id: str, body: VerifyIn, user: Investigator, platform: PlatformDep
) -> dict[str, Any]:
    return platform.hotlists.verification.verify(
        user, alert_id, body.characters_match, body.state_match, body.entry_active, body.note
    )


@router.post("/alerts/{alert_id}/disposition")
def dispose_alert(
    alert_id: str, body: DispositionIn, user: Investigator, platform: PlatformDep
) -> dict[str, Any]:
    return platform.hotlists.verification.dispose(user, alert_id, body.disposition, body.note)


def _visible(platform: Any, user: Any, hotlist_id: str) -> dict[str, Any]:
    for h in platform.hotlists.lists.visible(user):
        if h.id == hotlist_id:
            result: dict[str, Any] = h.to_dict(_now())
            return result
    raise ForbiddenError("this list is neither your agency's nor subscribed by it")
