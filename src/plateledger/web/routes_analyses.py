"""The analyses page: convoy, multi-place and frequent-visitor forms, their minimised results,
and the held page (resubmit once approved). Refusals render through the app's error page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from plateledger.domain.types import CameraId, User
from plateledger.errors import ValidationError
from plateledger.policy.purposes import selectable_purposes
from plateledger.search.analysis_tier import LABELS
from plateledger.search.analysis_types import (
    MAX_WINDOWS,
    AnalysisQuery,
    ConvoyQuery,
    FrequentVisitorQuery,
    MultiPlaceQuery,
    Place,
    PlaceWindow,
)
from plateledger.search.types import HeldSearch
from plateledger.web.common import Form, checked_form, platform_of, render, require_user
from plateledger.web.forms import parse_purpose
from plateledger.web.when import human_time

router = APIRouter()


@router.get("/analyses", response_class=HTMLResponse)
def analyses_page(request: Request) -> HTMLResponse:
    user = require_user(request)
    return _page(request, user)


def _page(request: Request, user: User) -> HTMLResponse:
    codes = {p.code: p.label for p in selectable_purposes()}
    policy = platform_of(request).analysis_policy.current()  # the own agency's networks
    tiers = {kind: sorted(codes[c] for c in policy.purposes(user.agency_id, kind) if c in codes)
             for kind in LABELS}  # fmt: skip
    cameras = sorted(platform_of(request).registry.visible_cameras(user), key=lambda c: c.id)
    return render(request, "analyses.html", user=user, purposes=codes, tiers=tiers,
                  labels=LABELS, cameras=cameras, windows=range(3))  # fmt: skip


def _time(form: Form, name: str) -> datetime:
    text = form.get(name)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(f"{name}: a date and time is required", {"field": name}) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _cameras(form: Form, name: str) -> tuple[CameraId, ...]:
    return tuple(CameraId(c.strip()) for c in form.get(name).split(",") if c.strip())


def _int(form: Form, name: str, default: int) -> int:
    text = form.get(name)
    try:
        return int(text) if text else default
    except ValueError as exc:
        raise ValidationError(f"{name}: must be a whole number", {"field": name}) from exc


def _query(kind: str, form: Form) -> AnalysisQuery:
    if kind == "convoy":
        return ConvoyQuery(form.get("plate"), _time(form, "time_from"), _time(form, "time_to"),
                           _int(form, "min_cameras", 2),
                           timedelta(seconds=_int(form, "delta_seconds", 120)))  # fmt: skip
    if kind == "multi-place":
        windows = tuple(
            PlaceWindow(Place(_cameras(form, f"cameras_{i}")), _time(form, f"time_from_{i}"),
                        _time(form, f"time_to_{i}"))
            for i in range(MAX_WINDOWS) if form.get(f"cameras_{i}")
        )  # fmt: skip
        return MultiPlaceQuery(windows)
    place = PlaceWindow(Place(_cameras(form, "cameras")), _time(form, "time_from"),
                        _time(form, "time_to"))  # fmt: skip
    return FrequentVisitorQuery(place, _int(form, "min_days", 3))


@router.post("/analyses/{kind}", response_class=HTMLResponse)
async def run_analysis(request: Request, kind: str) -> HTMLResponse:
    user = require_user(request)
    form = await checked_form(request, user)
    if kind not in ("convoy", "multi-place", "frequent-visitor"):
        raise ValidationError(f"kind: unknown analysis {kind!r}", {"field": "kind"})
    purpose = parse_purpose(form)
    query = _query(kind, form)
    platform = platform_of(request)
    result = await run_in_threadpool(platform.analyses.run, user, query, purpose)
    names = {c.id: c.name for c in platform.store.cameras()}
    agencies = {a.id: a.name for a in platform.store.agencies()}
    if isinstance(result, HeldSearch):
        return render(request, "analysis_held.html", 202, user=user, held=result,
                      excluded=result.details()["networks_excluded"],
                      agency_names=agencies)  # fmt: skip
    return render(request, "analysis_results.html", user=user, result=result,
                  label=LABELS[result.kind], camera_names=names, agency_names=agencies,
                  excluded=[d.to_dict() for d in result.networks_excluded],
                  human_time=human_time)  # fmt: skip
