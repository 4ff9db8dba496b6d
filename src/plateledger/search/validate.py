"""Validation of search queries and purposes; area filters resolved into cameras."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from plateledger.domain.plates import canonicalize, strip_separators
from plateledger.domain.types import Camera
from plateledger.errors import ValidationError
from plateledger.search.geo import cameras_in_bbox, cameras_near, circle_bbox
from plateledger.search.types import MAX_LIMIT, Purpose, SearchQuery
from plateledger.store.base import ReadFilters

PURPOSE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
#: Literal plate characters (A-Z, 0-9, after normalisation) a wildcard or fuzzy pattern needs:
#: fewer would match a large share of every plate ever read (see docs/search.md).
MIN_PATTERN_LITERALS = 3
#: The longest plate, pattern or fuzzy target a query may give, as typed (the API's schema bound).
MAX_PLATE_INPUT = 32
MAX_RADIUS_KM = 500


def validate_purpose(purpose: Purpose) -> None:
    missing = [
        name
        for name in ("purpose", "case_number", "reason")
        if not str(getattr(purpose, name) or "").strip()
    ]
    if missing:
        raise ValidationError(f"every search must carry {', '.join(missing)}", {"missing": missing})
    if not PURPOSE_CODE.match(purpose.purpose):
        raise ValidationError(
            f"purpose: {purpose.purpose!r} is not a purpose code (lower-case, e.g. "
            "'stolen_vehicle')",
            {"field": "purpose"},
        )


def validate_query(query: SearchQuery) -> SearchQuery:
    """Refuse a query naming the field at fault (the API's names: ``query.near.lat``), and
    return it with its plate normalised as it is searched. Everything a query can be refused
    for before it runs is checked here, so a refused query is never logged as a search."""
    if query.mode not in ("exact", "wildcard", "fuzzy"):
        raise ValidationError(f"query.mode: unknown mode {query.mode!r}", {"field": "query.mode"})
    if query.plate is not None:
        query = replace(query, plate=_check_plate(query.plate, query.mode))
    _check_area(query)
    if query.mode == "fuzzy" and not 0 <= query.max_distance <= 2:
        raise ValidationError(
            "query.max_distance: must be 0, 1 or 2", {"field": "query.max_distance"}
        )
    if not 1 <= query.limit <= MAX_LIMIT:
        raise ValidationError(
            f"query.limit: must be between 1 and {MAX_LIMIT}", {"field": "query.limit"}
        )
    if query.offset < 0:
        raise ValidationError("query.offset: must be ≥ 0", {"field": "query.offset"})
    if query.time_from and query.time_to and query.time_from >= query.time_to:
        raise ValidationError(
            "query.time_from must be before query.time_to", {"field": "query.time_from"}
        )
    if query.plate is None and not _has_selective_filter(query):
        raise ValidationError(
            "query: give a plate, or a time window together with cameras or an area",
            {"field": "query.plate"},
        )
    return query


def _check_plate(plate: str, mode: str) -> str:
    if not plate.strip():
        raise ValidationError("query.plate: empty", {"field": "query.plate"})
    if len(plate) > MAX_PLATE_INPUT:
        raise ValidationError(
            f"query.plate: at most {MAX_PLATE_INPUT} characters", {"field": "query.plate"}
        )
    if mode != "exact":
        return _check_pattern(plate, wildcards=mode == "wildcard")
    try:
        return canonicalize(plate)
    except ValidationError as exc:  # the plate's own fault, under the query's field name
        raise ValidationError(f"query.{exc.message}", {"field": "query.plate"}) from None


def _check_area(query: SearchQuery) -> None:
    """Coordinates in range, a radius in (0, 500] km: the bounds of the API's schema."""
    points: list[tuple[str, float, float]] = []
    if query.near is not None:
        near = query.near
        points += [("query.near.lat", near.lat, 90), ("query.near.lon", near.lon, 180)]
        if not 0 < near.radius_km <= MAX_RADIUS_KM:
            raise ValidationError(
                f"query.near.radius_km: must be in (0, {MAX_RADIUS_KM}]",
                {"field": "query.near.radius_km"},
            )
    if query.bbox is not None:
        b = query.bbox
        points += [
            ("query.bbox.min_lat", b.min_lat, 90), ("query.bbox.min_lon", b.min_lon, 180),
            ("query.bbox.max_lat", b.max_lat, 90), ("query.bbox.max_lon", b.max_lon, 180),
        ]  # fmt: skip
    for field, value, bound in points:
        if not -bound <= value <= bound:  # also refuses NaN
            raise ValidationError(
                f"{field}: must be between -{bound} and {bound}", {"field": field}
            )


def _check_pattern(pattern: str, *, wildcards: bool) -> str:
    """Check a wildcard or fuzzy pattern *after* normalisation (NFKC, upper case, separators
    and invisible format characters removed) and return it normalised, as it is searched."""
    text = "".join(c for c in strip_separators(pattern) if unicodedata.category(c) != "Cf")
    allowed = "[A-Z0-9?*]" if wildcards else "[A-Z0-9]"
    if not re.fullmatch(f"{allowed}+", text or "-"):
        what = "letters, digits, '?' and '*'" if wildcards else "letters and digits"
        raise ValidationError(
            f"query.plate: a {'wildcard' if wildcards else 'fuzzy'} pattern uses {what} only",
            {"field": "query.plate"},
        )
    literals = sum(c.isalnum() for c in text)
    if literals < MIN_PATTERN_LITERALS:
        raise ValidationError(
            f"query.plate: a wildcard or fuzzy pattern needs at least {MIN_PATTERN_LITERALS} "
            f"letters or digits (this one has {literals}); separators do not count",
            {"field": "query.plate", "literals": literals, "minimum": MIN_PATTERN_LITERALS},
        )
    return text


def _has_selective_filter(query: SearchQuery) -> bool:
    has_place = bool(query.cameras) or query.bbox is not None or query.near is not None
    return query.time_from is not None and query.time_to is not None and has_place


def resolve_filters(query: SearchQuery, cameras: Sequence[Camera]) -> ReadFilters:
    known = {c.id for c in cameras}
    unknown = [c for c in query.cameras if c not in known]
    if unknown:
        raise ValidationError(
            f"query.cameras: unknown camera(s) {', '.join(unknown[:10])}",
            {"field": "query.cameras", "unknown": unknown},
        )
    camera_set = frozenset(query.cameras) if query.cameras else None
    bbox = query.bbox
    if query.near is not None:
        near = query.near
        area = cameras_near(cameras, near.lat, near.lon, near.radius_km)
        camera_set = area if camera_set is None else camera_set & area
        bbox = circle_bbox(near.lat, near.lon, near.radius_km)
    elif bbox is not None:
        area = cameras_in_bbox(cameras, bbox)
        camera_set = area if camera_set is None else camera_set & area
    return ReadFilters(
        time_from=query.time_from,
        time_to=query.time_to,
        cameras=camera_set,
        bbox=bbox,
        plate_state=query.plate_state.upper() if query.plate_state else None,
        color=query.color.lower() if query.color else None,
        vehicle_type=query.vehicle_type.lower() if query.vehicle_type else None,
        make=query.make.upper() if query.make else None,
    )
