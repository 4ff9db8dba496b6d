"""Search form fields → the search model, and the policy preview (no search is logged)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from plateledger.api.schemas import checked_search, query_of
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.policy.base import AccessRequest, Decision
from plateledger.policy.purposes import purpose as purpose_code
from plateledger.search.types import Purpose, SearchQuery
from plateledger.search.validate import resolve_filters, validate_purpose, validate_query
from plateledger.store.base import BBox
from plateledger.web.common import Form, number_field, time_field

MODES = ("exact", "wildcard", "fuzzy")
PAGE_SIZE = 50
BBOX_FIELDS = ("bbox_min_lat", "bbox_min_lon", "bbox_max_lat", "bbox_max_lon")
PAGING_FIELDS = frozenset({"csrf_token", "action", "offset"})


@dataclass(frozen=True, slots=True)
class Preview:
    searched: tuple[Decision, ...]
    excluded: tuple[Decision, ...]


def parse_search(form: Form) -> tuple[SearchQuery, Purpose]:
    """The form's search, checked as the API checks a search: the form's own fields first (a
    number that is not one), then the API's request model (``api.schemas.SearchIn``), then the
    search path's ``validate_query``. A refused field is named as the API names it."""
    mode = form.get("mode", "exact")
    if mode not in MODES:
        raise ValidationError(f"mode: unknown mode {mode!r}", {"field": "mode"})
    near = None
    if form.opt("near_lat") or form.opt("near_lon"):
        near = {"lat": number_field(form, "near_lat"), "lon": number_field(form, "near_lon"),
                "radius_km": number_field(form, "near_radius_km", "5")}  # fmt: skip
    box = parse_bbox(form)
    query = {
        "plate": form.opt("plate"), "mode": mode,
        "max_distance": _int(form, "max_distance", "1"),
        "time_from": time_field(form, "time_from"), "time_to": time_field(form, "time_to"),
        "cameras": form.all("camera"), "near": near,
        "bbox": asdict(box) if box is not None else None,
        "plate_state": form.opt("plate_state"), "color": form.opt("color"),
        "vehicle_type": form.opt("vehicle_type"), "make": form.opt("make"),
        "limit": min(_int(form, "limit", str(PAGE_SIZE)), 500),
        "offset": _int(form, "offset", "0"),
    }  # fmt: skip
    body = checked_search({"query": query, "purpose": form.get("purpose"),
                           "case_number": form.get("case_number"),
                           "reason": form.get("reason")})  # fmt: skip
    checked = query_of(body.query)
    validate_query(checked)
    return checked, parse_purpose(form)


def form_control(field: str) -> str:
    """The form control a refused field belongs to: ``query.near.lat`` → ``near_lat``."""
    name = field.removeprefix("query.").replace(".", "_")
    return "camera" if name == "cameras" else name


def parse_bbox(form: Form) -> BBox | None:
    """The drawn (or typed) box: all four edges or none, in range, south < north, west < east."""
    given = [name for name in BBOX_FIELDS if form.opt(name)]
    if not given:
        return None
    if len(given) < len(BBOX_FIELDS):
        missing = next(name for name in BBOX_FIELDS if name not in given)
        raise ValidationError(f"{missing}: give all four edges of the box", {"field": missing})
    min_lat, min_lon, max_lat, max_lon = (number_field(form, name) for name in BBOX_FIELDS)
    for name, value, bound in zip(BBOX_FIELDS, (min_lat, min_lon, max_lat, max_lon),
                                  (90, 180, 90, 180), strict=True):  # fmt: skip
        if not -bound <= value <= bound:
            raise ValidationError(f"{name}: must be between -{bound} and {bound}", {"field": name})
    if min_lat >= max_lat:
        raise ValidationError("bbox_min_lat: south edge must be below the north edge",
                              {"field": "bbox_min_lat"})  # fmt: skip
    if min_lon >= max_lon:
        raise ValidationError("bbox_min_lon: west edge must be left of the east edge",
                              {"field": "bbox_min_lon"})  # fmt: skip
    return BBox(min_lat, min_lon, max_lat, max_lon)


def carried_fields(form: Form) -> list[tuple[str, str]]:
    """The query's fields, as hidden inputs for the next/previous page (plate in the body)."""
    return [(k, v) for k in form.values() if k not in PAGING_FIELDS for v in form.all(k)]


def parse_purpose(form: Form) -> Purpose:
    purpose = Purpose(form.get("purpose"), form.get("case_number"), form.get("reason"))
    validate_purpose(purpose)
    purpose_code(purpose.purpose)
    return purpose


def preview(platform: Platform, user: User, query: SearchQuery, purpose: Purpose) -> Preview:
    """What policy would decide for each network, without logging or running anything. The
    query's cameras and area are resolved first, as a run resolves them (unknown cameras are
    refused here, not after the preview)."""
    resolve_filters(query, platform.store.cameras())
    agencies = {a.id: a for a in platform.store.agencies()}
    own = agencies.get(user.agency_id)
    if own is None:
        raise ForbiddenError(f"user {user.id} belongs to no registered agency")
    pairs = [
        (n, agencies[n.agency_id]) for n in platform.store.networks() if n.agency_id in agencies
    ]
    request = AccessRequest(
        user, own, purpose.purpose, purpose.case_number, purpose.reason, None,
        datetime.now(UTC), None, query.mode == "exact" and query.plate is not None,
    )  # fmt: skip
    decisions = platform.policy.evaluate(request, pairs)
    return Preview(
        tuple(d for d in decisions if d.decision == "allow"),
        tuple(d for d in decisions if d.decision != "allow"),
    )


def _int(form: Form, name: str, default: str) -> int:
    try:
        return int(form.get(name) or default)
    except ValueError:
        raise ValidationError(f"{name}: not a whole number", {"field": name}) from None
