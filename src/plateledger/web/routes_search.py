"""Search form, policy preview, results and a plate's timeline."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from plateledger.domain.types import Camera, User
from plateledger.errors import ValidationError
from plateledger.policy.purposes import selectable_purposes
from plateledger.search.timeline import timeline
from plateledger.search.types import HeldSearch, Purpose, SearchRequest, SearchResponse, Timeline
from plateledger.web.camera_picker import camera_groups
from plateledger.web.common import (
    Form,
    checked_form,
    platform_of,
    render,
    require_user,
    signed_in_principal,
)
from plateledger.web.facets import card_keys, facets
from plateledger.web.forms import (
    PAGE_SIZE,
    carried_fields,
    form_control,
    parse_bbox,
    parse_purpose,
    parse_search,
    preview,
)
from plateledger.web.map import MapView, Place, camera_places, extent_of, sighting_map
from plateledger.web.timeline_strip import by_day, time_strip
from plateledger.web.when import human_day, human_time, iso_time

log = logging.getLogger(__name__)
router = APIRouter()


def _names(request: Request) -> dict[str, Any]:
    """Agency and camera names, and the time formats, every page of this module uses."""
    store = platform_of(request).store
    return {
        "agency_names": {a.id: a.name for a in store.agencies()},
        "camera_names": {c.id: c.name for c in store.cameras()},
        "human_time": human_time, "human_day": human_day, "iso_time": iso_time,
    }  # fmt: skip


def _form_page(
    request: Request, user: User, form: Form | None, status: int = 200, **extra: Any
) -> HTMLResponse:
    store = platform_of(request).store
    cameras = sorted(platform_of(request).registry.visible_cameras(user), key=lambda c: c.id)
    groups = camera_groups(cameras, store.networks(), store.agencies(), user.agency_id)
    return render(
        request, "search.html", status, user=user, purposes=selectable_purposes(),
        cameras=cameras, camera_groups=groups, values=form.values() if form else {},
        chosen_cameras=set(form.all("camera")) if form else set(),
        place_map=_place_map(request, user, cameras, form), **_names(request), **extra,
    )  # fmt: skip


def _place_map(request: Request, user: User, cameras: list[Camera], form: Form | None) -> MapView:
    """The box-drawing map: every camera the user may pick, zoomed to the box already given,
    else to the cameras chosen, else to the user's own agency's cameras."""
    places = [Place(c.id, c.lat, c.lon, c.name, 0) for c in cameras]
    box = None
    if form is not None:
        try:
            box = parse_bbox(form)
        except ValidationError:
            box = None
    if box is not None:
        pad_lat, pad_lon = (box.max_lat - box.min_lat) / 2, (box.max_lon - box.min_lon) / 2
        extent = (box.min_lat - pad_lat, box.min_lon - pad_lon,
                  box.max_lat + pad_lat, box.max_lon + pad_lon)  # fmt: skip
        return sighting_map(places, extent=extent)
    chosen = set(form.all("camera")) if form is not None else set()
    focus = [p for p in places if p.key in chosen]
    if not focus:
        own = platform_of(request).registry.cameras_of_agency(user.agency_id)
        focus = [p for p in places if p.key in own]
    return sighting_map(places, extent=extent_of(focus) if focus else None)


def _hits_map(request: Request, response: SearchResponse) -> MapView:
    """Sightings of this page of results: fixed cameras at their site, mobile units where the
    read was taken."""
    cameras = platform_of(request).store.cameras()
    fixed = [(h.read.camera_id, 1) for h in response.hits if h.read.lat is None]
    places = camera_places(fixed, cameras)
    names = {c.id: c.name for c in cameras}
    for h in response.hits:
        r = h.read
        if r.lat is not None and r.lon is not None:
            places.append(Place(r.camera_id, r.lat, r.lon, names.get(r.camera_id, r.camera_id), 1))
    return sighting_map(places)


def _timeline_map(request: Request, t: Timeline) -> MapView:
    """The cameras that saw the plate, and the path through its sightings in time order."""
    cameras = platform_of(request).store.cameras()
    where = {c.id: (c.lat, c.lon) for c in cameras}
    route = [where[s.camera_id] for s in sorted(t.sightings, key=lambda s: s.start)
             if s.camera_id in where]  # fmt: skip
    places = camera_places([(c.camera_id, c.count) for c in t.per_camera], cameras)
    return sighting_map(places, route=route)


@router.get("/search")
def search_form(request: Request) -> HTMLResponse:
    user = require_user(request)
    return _form_page(request, user, None)


@router.post("/search")
async def search(request: Request) -> HTMLResponse:
    user = require_user(request)
    form = await checked_form(request, user)
    platform = platform_of(request)
    try:  # the API's checks, before the preview and again before the run (nothing logged)
        query, purpose = parse_search(form)
        if form.get("action") != "run":
            shown = await run_in_threadpool(preview, platform, user, query, purpose)
            return _form_page(request, user, form, preview=shown)
        asked = SearchRequest(user, query, purpose)
        response = await run_in_threadpool(platform.search.search, asked)
    except ValidationError as exc:
        return _refused(request, user, form, exc)
    if isinstance(response, HeldSearch):
        return held_page(request, user, response)
    log.info("ui search %s by %s: %d hits", response.search_id, user.id, len(response.hits))
    return results_page(request, user, response, purpose, form, query.offset, query.limit)


def _refused(request: Request, user: User, form: Form, exc: ValidationError) -> HTMLResponse:
    """The form again (422), everything typed kept, the refused field marked with the message
    (the field named as the API names it)."""
    details = exc.details if isinstance(exc.details, dict) else {}
    field = details.get("field") or next(iter(details.get("missing") or []), None)
    control = form_control(str(field)) if field else None
    return _form_page(request, user, form, 422, error=exc.message, error_field=control)


def held_page(request: Request, user: User, held: HeldSearch) -> HTMLResponse:
    """A held search or timeline: logged, nothing read; what held it, and where to follow it."""
    details = held.details()
    return render(
        request, "held.html", 202, user=user, search_id=held.search_id,
        excluded=details["networks_excluded"], message=held.message, **_names(request),
    )  # fmt: skip


def results_page(
    request: Request, user: User, response: SearchResponse, purpose: Purpose,
    form: Form | None = None, offset: int = 0, page_size: int = PAGE_SIZE,
) -> HTMLResponse:  # fmt: skip
    """The results page: a card per read (evidence crop first), the total and the facets of this
    page, the map, and paging when ``form`` holds the query to page through. Stored evidence
    crops of the reads shown are embedded (``data:`` URIs). Officers who may search may also
    pick reads for a legal hold (``hold_pick``)."""
    crops = platform_of(request).crops.data_uris(
        (h.read.crop_ref, h.read.owner_agency) for h in response.hits
    )
    names = _names(request)
    who = signed_in_principal(request)
    return render(
        request, "results.html", user=user, response=response, purpose=purpose,
        carried=carried_fields(form) if form is not None else None, offset=offset,
        page_size=page_size, hits_map=_hits_map(request, response), crops=crops,
        facets=facets(response.hits, names["agency_names"], names["camera_names"]),
        card_keys=card_keys, hold_pick=who is not None and who.can("search.run"), **names,
    )  # fmt: skip


@router.post("/timeline")
async def plate_timeline(request: Request) -> HTMLResponse:
    user = require_user(request)
    form = await checked_form(request, user)
    purpose = parse_purpose(form)
    plate = form.get("plate")
    if not plate:
        raise ValidationError("plate: required", {"field": "plate"})
    result = await run_in_threadpool(timeline, platform_of(request).search, user, plate, purpose)
    if isinstance(result, HeldSearch):
        return held_page(request, user, result)
    names = _names(request)
    return render(
        request, "timeline.html", user=user, t=result, purpose=purpose,
        timeline_map=_timeline_map(request, result), crops=_sighting_crops(request, result),
        strip=time_strip(result.sightings, names["camera_names"]),
        days=by_day(result.sightings), **names,
    )  # fmt: skip


def _sighting_crops(request: Request, t: Timeline) -> dict[int, str]:
    """Index of a sighting -> the ``data:`` URI of the crop of its first read that has one
    (reads the timeline search just returned)."""
    platform = platform_of(request)
    refs = platform.crops.refs_of_reads([i for s in t.sightings for i in s.read_ids])
    firsts = {n: next((refs[i] for i in s.read_ids if i in refs), None)
              for n, s in enumerate(t.sightings)}  # fmt: skip
    uris = platform.crops.data_uris(pair for pair in firsts.values() if pair is not None)
    return {n: uris[pair[0]] for n, pair in firsts.items() if pair is not None and pair[0] in uris}
