"""Validation of analysis queries (errors name the field, as the API spells it) and places
resolved into read filters. A refused query is never logged as a search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from plateledger.domain.plates import canonicalize
from plateledger.domain.types import Camera
from plateledger.errors import ValidationError
from plateledger.search.analysis_types import (
    MAX_CONVOY_DELTA,
    MAX_CONVOY_WINDOW,
    MAX_PLACE_WINDOW,
    MAX_VISITOR_WINDOW,
    MAX_WINDOWS,
    MIN_WINDOWS,
    AnalysisQuery,
    ConvoyQuery,
    MultiPlaceQuery,
    PlaceWindow,
)
from plateledger.search.geo import cameras_in_bbox, cameras_near, circle_bbox
from plateledger.search.validate import MAX_RADIUS_KM
from plateledger.store.base import ReadFilters


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", {"field": field})


def validate_analysis(query: AnalysisQuery, cameras: Sequence[Camera]) -> AnalysisQuery:
    """The query with its plate canonical, or a ValidationError naming the field."""
    if isinstance(query, ConvoyQuery):
        return _convoy(query)
    if isinstance(query, MultiPlaceQuery):
        count = len(query.windows)
        if not MIN_WINDOWS <= count <= MAX_WINDOWS:
            raise _fail("windows", f"give {MIN_WINDOWS} to {MAX_WINDOWS} windows, not {count}")
        for i, window in enumerate(query.windows):
            _window(window, f"windows[{i}]", MAX_PLACE_WINDOW, cameras)
        return query
    _window(query.place, "place", MAX_VISITOR_WINDOW, cameras)
    if not 2 <= query.min_days <= 90:
        raise _fail("min_days", "must be between 2 and 90")
    return query


def _convoy(query: ConvoyQuery) -> ConvoyQuery:
    plate = canonicalize(query.plate) if query.plate else ""
    if not 2 <= len(plate) <= 10:
        raise _fail("plate", "must be a plate of 2 to 10 letters and digits")
    _times(query.time_from, query.time_to, "", MAX_CONVOY_WINDOW)
    if not 1 <= query.min_cameras <= 50:
        raise _fail("min_cameras", "must be between 1 and 50")
    if not timedelta(seconds=1) <= query.delta <= MAX_CONVOY_DELTA:
        raise _fail("delta_seconds", f"must be between 1 and {MAX_CONVOY_DELTA.seconds}")
    return replace(query, plate=plate)


def _times(start: datetime, end: datetime, prefix: str, longest: timedelta) -> None:
    for name, value in (("time_from", start), ("time_to", end)):
        if value.tzinfo is None:
            raise _fail(prefix + name, "must carry a time zone (e.g. 2024-05-01T12:00:00Z)")
    if end <= start:
        raise _fail(prefix + "time_to", "must be after time_from")
    if end - start > longest:
        raise _fail(prefix + "time_to", f"the window may be at most {_span(longest)} long")


def _span(value: timedelta) -> str:
    hours = int(value.total_seconds() // 3600)
    return f"{hours // 24} days" if hours % 24 == 0 and hours > 24 else f"{hours} hours"


def _window(
    window: PlaceWindow, prefix: str, longest: timedelta, cameras: Sequence[Camera]
) -> None:
    dot = f"{prefix}."
    _times(window.time_from, window.time_to, dot, longest)
    place = window.place
    given = [n for n, v in (("cameras", place.cameras), ("bbox", place.bbox),
                            ("near", place.near)) if v]  # fmt: skip
    if len(given) != 1:
        raise _fail(dot + "cameras", "give exactly one of cameras, bbox or near")
    known = {c.id for c in cameras}
    unknown = [c for c in place.cameras if c not in known]
    if unknown:
        raise _fail(dot + "cameras", f"unknown camera(s) {', '.join(unknown[:10])}")
    if place.near is not None and not 0 < place.near.radius_km <= MAX_RADIUS_KM:
        raise _fail(dot + "near.radius_km", f"must be in (0, {MAX_RADIUS_KM}]")


def place_filters(window: PlaceWindow, cameras: Sequence[Camera]) -> ReadFilters:
    """The window's reads: its fixed cameras, and mobile reads inside its box or circle."""
    place = window.place
    if place.near is not None:
        near = place.near
        found = cameras_near(cameras, near.lat, near.lon, near.radius_km)
        bbox = circle_bbox(near.lat, near.lon, near.radius_km)
        return ReadFilters(window.time_from, window.time_to, found, bbox)
    if place.bbox is not None:
        found = cameras_in_bbox(cameras, place.bbox)
        return ReadFilters(window.time_from, window.time_to, found, place.bbox)
    return ReadFilters(window.time_from, window.time_to, frozenset(place.cameras))
