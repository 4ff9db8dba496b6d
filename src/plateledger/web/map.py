"""An offline map of sightings: camera points over simplified US state outlines, as inline SVG.

No tiles and no network: the outlines and city positions come from ``static/us-geo.json``
(Census cartographic boundaries, GeoNames cities; see ``static/us-geo.PROVENANCE.md``). The view
zooms to the points' extent; the projection is equirectangular, scaled by the cosine of the
view's middle latitude, which is close enough at city and state scale. Rendering is done by the
``_map.html`` template from the ``MapView`` built here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from plateledger.domain.types import Camera
from plateledger.web.common import HERE

GEO_FILE = HERE / "static" / "us-geo.json"
WIDTH, HEIGHT = 800, 480
US_VIEW = (24.0, -125.0, 50.0, -66.0)  # the lower 48: min_lat, min_lon, max_lat, max_lon
MIN_SPAN_DEG = 0.2
PAD = 0.12
MAX_CITY_LABELS = 24
MIN_STEP_PX = 1.5  # outline vertices closer than this to the last one drawn are skipped
MAX_STOP_NUMBERS = 3  # a site's label lists this many of the path's stop numbers, then "…"


@dataclass(frozen=True, slots=True)
class Place:
    """A point to draw: a camera (or a mobile unit's position) and how many reads it has."""

    key: str
    lat: float
    lon: float
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    r: float
    camera_ids: tuple[str, ...]  # every camera at this site
    title: str


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class MapView:
    width: int
    height: int
    states: tuple[tuple[str, str], ...]  # (state name, SVG path)
    points: tuple[Point, ...]
    cities: tuple[Label, ...]
    bounds: tuple[float, float, float, float]  # min_lat, min_lon, max_lat, max_lon shown
    projection: dict[str, float]  # for the box-drawing script: x = (lon-lon0)*kx, y = (lat0-lat)*ky
    summary: str
    route: tuple[tuple[float, float], ...] = ()  # the path in time order, SVG coordinates
    stops: tuple[Label, ...] = ()  # sequence numbers of the path's stops ("1, 4, 9…")
    arrows: tuple[tuple[float, float, float], ...] = ()  # x, y, degrees: mid-leg directions


@lru_cache(maxsize=1)
def geo() -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(GEO_FILE.read_bytes())
    return data


def camera_places(counts: Iterable[tuple[str, int]], cameras: Sequence[Camera]) -> list[Place]:
    """Places for (camera id, read count) pairs; unknown cameras are left out."""
    by_id: dict[str, Camera] = {c.id: c for c in cameras}
    totals: dict[str, int] = {}
    for camera_id, n in counts:
        totals[camera_id] = totals.get(camera_id, 0) + n
    return [
        Place(cid, by_id[cid].lat, by_id[cid].lon, by_id[cid].name, n)
        for cid, n in sorted(totals.items())
        if cid in by_id
    ]


def extent_of(places: Sequence[Place]) -> tuple[float, float, float, float]:
    """The places' bounding box, padded, at least MIN_SPAN_DEG a side (the lower 48 if none)."""
    if not places:
        return US_VIEW
    lats, lons = [p.lat for p in places], [p.lon for p in places]
    min_lat, max_lat, min_lon, max_lon = min(lats), max(lats), min(lons), max(lons)
    dlat = max(max_lat - min_lat, MIN_SPAN_DEG) * (1 + 2 * PAD)
    dlon = max(max_lon - min_lon, MIN_SPAN_DEG) * (1 + 2 * PAD)
    clat, clon = (min_lat + max_lat) / 2, (min_lon + max_lon) / 2
    return clat - dlat / 2, clon - dlon / 2, clat + dlat / 2, clon + dlon / 2


def sighting_map(
    places: Sequence[Place],
    width: int = WIDTH,
    height: int = HEIGHT,
    extent: tuple[float, float, float, float] | None = None,
    route: Sequence[tuple[float, float]] = (),
) -> MapView:
    """The map of ``places``, zoomed to their extent (or ``extent``), fitted to width x height;
    ``route`` (lat, lon pairs in time order) is drawn as a numbered path."""
    min_lat, min_lon, max_lat, max_lon = extent or extent_of(places)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = min(width / ((max_lon - min_lon) * kx), height / (max_lat - min_lat))
    # widen the shorter side so the view fills the frame
    half_lon = width / (scale * kx) / 2
    half_lat = height / scale / 2
    clat, clon = (min_lat + max_lat) / 2, (min_lon + max_lon) / 2
    bounds = (clat - half_lat, clon - half_lon, clat + half_lat, clon + half_lon)
    lon0, lat0 = bounds[1], bounds[2]
    proj = {"lon0": lon0, "lat0": lat0, "kx": scale * kx, "ky": scale}

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - lon0) * proj["kx"], (lat0 - lat) * proj["ky"]

    states = tuple(
        (s["name"], _path(s["rings"], xy)) for s in geo()["states"] if _overlaps(s["bbox"], bounds)
    )
    points = _points(places, xy)
    total = sum(p.count for p in places)
    summary = f"{len(places)} camera{'s' if len(places) != 1 else ''}"
    if total:
        summary += f", {total} read{'s' if total != 1 else ''}"
    line, stops = _route(route, xy)
    if line:
        summary += f", a path of {len(line)} stop{'s' if len(line) != 1 else ''} in time order"
    return MapView(
        width, height, states, points, _cities(bounds, xy, width, height), bounds,
        proj, summary, line, stops, _arrows(line),
    )  # fmt: skip


def _arrows(line: Sequence[tuple[float, float]]) -> tuple[tuple[float, float, float], ...]:
    """An arrowhead halfway along each leg of the path, pointing the way it was travelled."""
    out = []
    for (x0, y0), (x1, y1) in zip(line, line[1:], strict=False):
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        out.append((round((x0 + x1) / 2, 1), round((y0 + y1) / 2, 1), round(angle, 1)))
    return tuple(out)


def _route(
    route: Sequence[tuple[float, float]], xy: Any
) -> tuple[tuple[tuple[float, float], ...], tuple[Label, ...]]:
    """The path's vertices (a stop repeated in a row counts once) and, per site, the numbers
    of the stops made there: at most MAX_STOP_NUMBERS of them, then an ellipsis."""
    line: list[tuple[float, float]] = []
    numbers: dict[tuple[float, float], list[int]] = {}
    for lat, lon in route:
        x, y = xy(lat, lon)
        here = (round(x, 1), round(y, 1))
        if line and line[-1] == here:
            continue
        line.append(here)
        numbers.setdefault(here, []).append(len(line))
    stops = tuple(
        Label(x + 7, y + 14, ", ".join(map(str, ns[:MAX_STOP_NUMBERS]))
              + ("…" if len(ns) > MAX_STOP_NUMBERS else ""))
        for (x, y), ns in numbers.items()
    )  # fmt: skip
    return (tuple(line) if len(line) > 1 else ()), (stops if len(line) > 1 else ())


def _points(places: Sequence[Place], xy: Any) -> tuple[Point, ...]:
    """One point per site: cameras at the same spot (both directions of a road) share it, and
    its title names each with its count. Bigger counts, bigger points."""
    sites: dict[tuple[float, float], list[Place]] = {}
    for p in places:
        sites.setdefault((round(p.lat, 4), round(p.lon, 4)), []).append(p)
    counts = {key: sum(p.count for p in group) for key, group in sites.items()}
    biggest = max(counts.values(), default=1) or 1
    out = []
    for key, group in sorted(sites.items(), key=lambda kv: -counts[kv[0]]):  # small ones on top
        x, y = xy(*key)
        n = counts[key]
        r = 4 + 8 * math.sqrt(n / biggest) if n else 3.5
        ordered = sorted(group, key=lambda p: p.key)
        title = "; ".join(_title(p) for p in ordered)
        ids = tuple(p.key for p in ordered)
        out.append(Point(round(x, 1), round(y, 1), round(r, 1), ids, title))
    return tuple(out)


def _title(p: Place) -> str:
    if not p.count:
        return f"{p.name} ({p.key})"
    return f"{p.name} ({p.key}): {p.count} read{'' if p.count == 1 else 's'}"


def _overlaps(bbox: Sequence[float], bounds: tuple[float, float, float, float]) -> bool:
    min_lon, min_lat, max_lon, max_lat = bbox
    return not (
        max_lon < bounds[1] or min_lon > bounds[3] or max_lat < bounds[0] or min_lat > bounds[2]
    )


def _path(rings: Sequence[Sequence[float]], xy: Any) -> str:
    """SVG path data; at country scale most vertices fall within a pixel and are skipped."""
    parts = []
    for ring in rings:
        kept: list[tuple[float, float]] = []
        for i in range(0, len(ring), 2):
            x, y = xy(ring[i + 1], ring[i])
            if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= MIN_STEP_PX:
                kept.append((x, y))
        if len(kept) >= 3:
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in kept) + "Z")
    return "".join(parts)


def _cities(
    bounds: tuple[float, float, float, float], xy: Any, width: int, height: int
) -> tuple[Label, ...]:
    """City labels inside the view, largest first, skipping any that would overlap."""
    taken: list[tuple[float, float, float, float]] = []
    out = []
    for city in geo()["cities"]:
        x, y = xy(city["lat"], city["lon"])
        w = 7.0 * len(city["name"]) + 8
        box = (x - 3, y - 14, x + w, y + 4)
        if not (0 <= x <= width - w and 14 <= y <= height - 4):
            continue
        if any(
            not (box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3]) for b in taken
        ):
            continue
        taken.append(box)
        out.append(Label(round(x, 1), round(y, 1), city["name"]))
        if len(out) >= MAX_CITY_LABELS:
            break
    return tuple(out)
