"""Multi-place and frequent-visitor searches on a real store: brute-force correctness, the
purpose tier, the audit kind and field-named refusals."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from conftest import NOW, read
from plateledger.app.platform import Platform
from plateledger.audit.events import parse_event
from plateledger.domain.types import CameraId
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.search.analysis_types import (
    FrequentVisitorQuery,
    MultiPlaceQuery,
    Place,
    PlaceWindow,
)
from plateledger.search.types import HeldSearch, Near, Purpose
from plateledger.store.base import BBox
from search.analysis_world import OFFICER, SERIOUS, Row, add, approved

HOUR = timedelta(hours=1)


def window(camera: str, hours_ago: int, span: timedelta = HOUR) -> PlaceWindow:
    start = NOW - timedelta(hours=hours_ago)
    return PlaceWindow(Place(cameras=(CameraId(camera),)), start, start + span)


def random_rows(seed: int) -> list[Row]:
    rng = random.Random(seed)
    return [read(rng.choice(("il-c1", "il-c2")), rng.uniform(0, 60 * 24 * 20),
                 f"P{rng.randrange(40):03d}") for _ in range(1500)]  # fmt: skip


def in_window(r: Row, w: PlaceWindow) -> bool:
    return r["camera_id"] in w.place.cameras and w.time_from <= r["ts"] < w.time_to


@pytest.mark.parametrize("seed", [1, 2])
def test_multi_place_matches_brute_force(platform: Platform, seed: int) -> None:
    rows = random_rows(seed)
    add(platform, rows)
    windows = (window("il-c1", 20, 20 * HOUR), window("il-c2", 70, 20 * HOUR),
               window("il-c1", 200, 24 * HOUR))  # fmt: skip
    result = approved(platform, lambda: platform.analyses.run(
        OFFICER, MultiPlaceQuery(windows), SERIOUS))  # fmt: skip
    seen = [{r["plate"] for r in rows if in_window(r, w)} for w in windows]
    expected = sorted(set.intersection(*seen))
    assert expected, "the data should give some plates in every window"
    assert [p.plate for p in result.plates] == expected
    for row in result.plates:
        firsts = [min(r["ts"] for r in rows if r["plate"] == row.plate and in_window(r, w))
                  for w in windows]  # fmt: skip
        assert [e.seen_ts for e in row.evidence] == firsts
        assert row.score == len(windows)


@pytest.mark.parametrize("seed,k", [(3, 5), (4, 8)])
def test_frequent_visitor_matches_brute_force(platform: Platform, seed: int, k: int) -> None:
    rows = random_rows(seed)
    add(platform, rows)
    start = NOW - timedelta(days=15)
    place = PlaceWindow(Place(cameras=(CameraId("il-c2"),)), start, NOW)
    query = FrequentVisitorQuery(place, min_days=k)
    result = approved(platform, lambda: platform.analyses.run(OFFICER, query, SERIOUS))
    days: dict[str, set[object]] = {}
    for r in rows:
        if in_window(r, place):
            days.setdefault(r["plate"], set()).add(r["ts"].date())
    expected = sorted(((p, len(d)) for p, d in days.items() if len(d) >= k),
                      key=lambda x: (-x[1], x[0]))[:50]  # fmt: skip
    assert [(p.plate, p.score) for p in result.plates] == expected


def test_place_by_box_and_point(platform: Platform) -> None:
    add(platform, [read("il-c1", 30, "BOTH01"), read("il-c2", 30, "BOTH01"),
                   read("il-c1", 31, "ONLYC1")])  # fmt: skip
    start = NOW - HOUR
    box = PlaceWindow(Place(bbox=BBox(41.87, -87.64, 41.89, -87.62)), start, NOW)
    near = PlaceWindow(Place(near=Near(41.90, -87.64, 0.5)), start, NOW)
    query = MultiPlaceQuery((box, near))
    result = approved(platform, lambda: platform.analyses.run(OFFICER, query, SERIOUS))
    assert [p.plate for p in result.plates] == ["BOTH01"]


def test_multi_place_held_denied_and_logged_with_kind(platform: Platform) -> None:
    add(platform, [read("il-c1", 30, "BOTH01"), read("il-c2", 90, "BOTH01")])
    query = MultiPlaceQuery((window("il-c1", 1), window("il-c2", 2)))
    before = platform.audit.size
    held = platform.analyses.run(OFFICER, query, SERIOUS)
    assert isinstance(held, HeldSearch)
    entry = parse_event(platform.audit.entry(before))
    assert (entry.event_type, entry.outcome) == ("multi_place", "held")
    traffic = Purpose("traffic_infraction", "24-0009", "speeding complaint on Main Street")
    with pytest.raises(ForbiddenError):
        platform.analyses.run(OFFICER, query, traffic)
    clinic = Purpose("homicide", "24-0010", "cars parked at the abortion clinic on 5th")
    with pytest.raises(ForbiddenError) as err:
        platform.analyses.run(OFFICER, FrequentVisitorQuery(window("il-c1", 48, 47 * HOUR), 2),
                              clinic)  # fmt: skip
    assert "analysis.prohibited_reason" in err.value.details["networks_excluded"][0]["rule_ids"]


def _windows(n: int, span: timedelta = HOUR) -> tuple[PlaceWindow, ...]:
    return tuple(window("il-c1", 3 * (i + 1), span) for i in range(n))


@pytest.mark.parametrize(
    "query,field",
    [
        (MultiPlaceQuery(_windows(1)), "windows"),
        (MultiPlaceQuery(_windows(6)), "windows"),
        (MultiPlaceQuery(_windows(2, 30 * HOUR)), "windows[0].time_to"),
        (MultiPlaceQuery((window("il-c1", 3), window("nope", 5))), "windows[1].cameras"),
        (MultiPlaceQuery((window("il-c1", 3), PlaceWindow(Place(), NOW - HOUR, NOW))),
         "windows[1].cameras"),
        (MultiPlaceQuery((window("il-c1", 3), PlaceWindow(
            Place(cameras=(CameraId("il-c1"),)), datetime(2024, 1, 1), datetime(2024, 1, 1, 1)))),
         "windows[1].time_from"),
        (FrequentVisitorQuery(window("il-c1", 48, 47 * HOUR), 1), "min_days"),
        (FrequentVisitorQuery(window("il-c1", 24 * 100, 24 * 99 * HOUR), 2), "place.time_to"),
    ],
)  # fmt: skip
def test_bad_query_names_the_field(platform: Platform, query: object, field: str) -> None:
    before = platform.audit.size
    with pytest.raises(ValidationError) as err:
        platform.analyses.run(OFFICER, query, SERIOUS)  # type: ignore[arg-type]
    assert err.value.details["field"] == field
    assert platform.audit.size == before
