"""Evidence up front (#18 item 2), server-rendered through the real app: result cards with the
crop first and the read id, a total and facets that agree with an independent count over the
API's answer to the same search, the timeline's time strip and its path in time order, and the
camera picker ordered by the officer's agency and distance."""

from __future__ import annotations

import base64
import html
import math
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from conftest import AGENCIES, CAMERAS, NETWORKS, auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.domain.types import AgencyId, CameraId, ReadId
from plateledger.search.types import Sighting
from plateledger.web.timeline_strip import time_strip
from web.test_crops_ui import tiny_png
from web.ui_client import csrf, sign_in

WHY = {"purpose": "stolen_vehicle", "case_number": "24-77",
       "reason": "stolen vehicle report 24-7712"}  # fmt: skip
PLATE = "EVD404"
DAY = 24 * 60
# camera, minutes ago, colour, type: three days, two cameras, a read without a colour
SEEN = [("il-c1", 5, "red", "sedan"), ("il-c1", 9, "red", "sedan"),
        ("il-c2", 40, "blue", "suv"), ("il-c1", DAY + 3, "red", "sedan"),
        ("il-c2", DAY + 90, None, "suv"), ("il-c2", 2 * DAY + 1, "red", "pickup"),
        ("il-c1", 2 * DAY + 200, "red", "sedan")]  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        rows: list[dict[str, Any]] = []
        for n, (camera, ago, colour, kind) in enumerate(SEEN):
            row: dict[str, Any] = {"camera_id": camera, "ts": iso(ago), "plate": PLATE,
                                   "confidence": 0.9, "vehicle_type": kind}  # fmt: skip
            if colour:
                row["color"] = colour
            if n == 0:
                row["crop_b64"] = base64.b64encode(tiny_png(90)).decode()
                row["candidates"] = [{"plate": "EVD4O4", "confidence": 0.41}]
            rows.append(row)
        sent = c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin"))
        assert sent.status_code == 200 and sent.json()["stored"] == len(SEEN), sent.text
        sign_in(c, platform, "il-officer")
        yield c


def run_search(client: TestClient) -> Response:
    form = client.get("/ui/search")
    data = {"plate": PLATE, "mode": "exact", **WHY, "action": "run", "csrf_token": csrf(form)}
    page = client.post("/ui/search", data=data)
    assert page.status_code == 200, page.text
    return page


def api_hits(client: TestClient, platform: Platform) -> list[dict[str, Any]]:
    body = {"query": {"plate": PLATE, "mode": "exact"}, **WHY}
    answer = client.post("/api/v1/searches", json=body, headers=auth(platform, "il-officer"))
    assert answer.status_code == 200, answer.text
    hits: list[dict[str, Any]] = answer.json()["results"]
    return hits


def cards(page: Response) -> list[str]:
    return re.findall(r'<li class="card".*?</li>', page.text, flags=re.S)


def test_cards_show_the_crop_first_the_read_id_and_a_hold_checkbox(
    client: TestClient, platform: Platform
) -> None:
    page = run_search(client)
    found = cards(page)
    hits = api_hits(client, platform)
    assert len(found) == len(hits) == len(SEEN)
    assert '<table class="results"' not in page.text  # no more nine-column table
    with_crop = [c for c in found if '<img class="crop" src="data:image/png;base64,' in c]
    assert len(with_crop) == 1
    for card in found:
        evidence = card.index('class="card-evidence"')
        assert evidence < card.index('class="plate"')  # the picture comes first
        assert card.count("<time datetime=") == 1
    card = with_crop[0]
    assert card.index("<img") < card.index(PLATE)
    assert "EVD4O4 (0.41)" in card  # the candidates with their confidences
    for hit in hits:
        rid = hit["read_id"]
        assert f"read {rid}</span>" in page.text
        box = f'<input type="checkbox" form="hold-pick" name="read_ids" value="{rid}">'
        assert f"{box} select read {rid} for a legal hold</label>" in page.text
    assert page.text.count('<form id="hold-pick"') == 1
    newest = max(hits, key=lambda h: h["ts"])
    ts = datetime.fromisoformat(newest["ts"])
    human = f"{ts:%a} {ts.day} {ts:%b %Y, %H:%M:%S} UTC"
    assert f">{human}</time>" in page.text  # a human time with its zone
    assert '<script src="/ui/static/results.js" defer></script>' in page.text
    assert client.get("/ui/static/results.js").status_code == 200
    assert not re.search(r'(?:src|href|action)="(?:[a-z]+:)?//', page.text)  # nothing external


def facet_counts(page: Response) -> dict[str, Counter[str]]:
    found = re.findall(
        r'data-facet="(\w+)" data-value="([^"]*)"[^>]*>.*?<span class="count">(\d+)</span>',
        page.text,
    )
    out: dict[str, Counter[str]] = {}
    for facet, value, n in found:
        out.setdefault(facet, Counter())[html.unescape(value)] = int(n)
    return out


def test_the_total_and_facets_agree_with_a_count_over_the_api_response(
    client: TestClient, platform: Platform
) -> None:
    page = run_search(client)
    hits = api_hits(client, platform)
    assert f"<strong>{len(hits)} reads</strong>" in page.text
    expected = {
        "agency": Counter(h["owner_agency"] for h in hits),
        "camera": Counter(h["camera_id"] for h in hits),
        "day": Counter(h["ts"][:10] for h in hits),
        "color": Counter(h["vehicle"]["color"] or "-" for h in hits),
        "type": Counter(h["vehicle"]["type"] or "-" for h in hits),
    }
    assert facet_counts(page) == expected
    assert len(expected["day"]) >= 3 and expected["color"]["-"] == 1  # 4 just after midnight UTC
    for card in cards(page):  # each card carries the keys the facet buttons filter on
        rid = int(re.findall(r"read (\d+)</span>", card)[0])
        hit = next(h for h in hits if h["read_id"] == rid)
        assert f'data-camera="{hit["camera_id"]}"' in card
        assert f'data-day="{hit["ts"][:10]}"' in card


def test_more_on_the_next_page_is_said_with_the_total(client: TestClient) -> None:
    form = client.get("/ui/search")
    data = {"plate": PLATE, "mode": "exact", **WHY, "action": "run", "limit": "3",
            "csrf_token": csrf(form)}  # fmt: skip
    page = client.post("/ui/search", data=data)
    assert "<strong>3 reads</strong> on this page, more on the next page" in page.text


def svg_of(page: Response, svg_id: str) -> str:
    found = re.search(rf'<svg id="{svg_id}".*?</svg>', page.text, flags=re.S)
    assert found, f"no svg #{svg_id}"
    return found.group(0)


def test_timeline_has_a_strip_mark_per_sighting_and_the_path_in_time_order(
    client: TestClient, platform: Platform
) -> None:
    page = run_search(client)
    shown = client.post("/ui/timeline", data={"plate": PLATE, **WHY, "csrf_token": csrf(page)})
    assert shown.status_code == 200, shown.text
    api = client.get(f"/api/v1/plates/{PLATE}/timeline", params=WHY,
                     headers=auth(platform, "il-officer")).json()  # fmt: skip
    sightings = sorted(api["sightings"], key=lambda s: s["start"])
    assert len(sightings) >= 5
    strip = svg_of(shown, "time-strip")
    assert 'role="img"' in strip and f"{len(sightings)} sightings at 2 cameras" in strip
    marks = re.findall(r'<rect class="strip-mark s\d" x="([\d.]+)"', strip)
    assert len(marks) == len(sightings)
    assert [float(x) for x in marks] == sorted(float(x) for x in marks)  # left to right in time
    assert len(re.findall(r'class="strip-tick"', strip)) >= 2

    the_map = svg_of(shown, "timeline-map")
    proj = {k: float(v) for k, v in re.findall(r'data-(lon0|lat0|kx|ky)="([^"]+)"', the_map)}
    where = {c.id: (c.lat, c.lon) for c in CAMERAS}
    expected: list[tuple[float, float]] = []
    for s in sightings:  # project each sighting's camera independently of web/map.py
        lat, lon = where[s["camera_id"]]
        xy = ((lon - proj["lon0"]) * proj["kx"], (proj["lat0"] - lat) * proj["ky"])
        if not expected or math.dist(expected[-1], xy) > 0.5:
            expected.append(xy)
    line = re.search(r'<polyline class="map-path" points="([^"]+)"', the_map)
    assert line, "the timeline map draws the path"
    drawn = [tuple(map(float, p.split(","))) for p in line.group(1).split()]
    assert len(drawn) == len(expected) >= 3
    assert all(math.dist(a, b) < 0.2 for a, b in zip(drawn, expected, strict=True))
    assert the_map.count('class="map-arrow"') == len(drawn) - 1  # one direction per leg
    assert re.search(r'<g class="map-stops"[^>]*>\s*<text[^>]*>1, 3', the_map)
    days = re.findall(r"<summary>(\w{3} \d+ \w{3} \d{4}): (\d+) sightings?</summary>", shown.text)
    assert len(days) >= 3 and sum(int(n) for _, n in days) == len(sightings)  # 4 after 00:00 UTC
    assert "<details open>" not in shown.text  # several days: folded


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(math.sqrt(h))


def picker_groups(page: Response) -> list[tuple[str, list[str]]]:
    select = page.text.split('<select id="camera"')[1].split("</select>")[0]
    groups = re.findall(r'<optgroup label="[^"]*" data-agency="([^"]+)">(.*?)</optgroup>',
                        select, flags=re.S)  # fmt: skip
    return [(agency, re.findall(r'<option value="([^"]+)"', body)) for agency, body in groups]


def test_camera_picker_lists_the_own_agency_first_then_the_nearest(
    client: TestClient, platform: Platform
) -> None:
    page = client.get("/ui/search")
    groups = picker_groups(page)
    owner = {n.id: n.agency_id for n in NETWORKS}
    visible = [c for c in CAMERAS if not c.mobile or owner[c.network_id] == "il-test-pd"]
    by_agency: dict[str, list[tuple[float, float]]] = {}
    for c in visible:
        by_agency.setdefault(owner[c.network_id], []).append((c.lat, c.lon))

    def middle(points: list[tuple[float, float]]) -> tuple[float, float]:
        return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))

    home = middle(by_agency["il-test-pd"])
    others = sorted((a for a in by_agency if a != "il-test-pd"),
                    key=lambda a: haversine(home, middle(by_agency[a])))  # fmt: skip
    assert [a for a, _ in groups] == ["il-test-pd", *others] == ["il-test-pd", "va-test-pd",
                                                                  "tx-test-pd"]  # fmt: skip
    assert groups[0][1] == ["il-c1", "il-c2"] and "tx-m1" not in groups[2][1]
    assert re.search(r'<optgroup label="Test PD \(VA\) · [\d,]+ km"', page.text)
    assert '<label for="camera-filter">Filter cameras</label>' in page.text
    assert 'id="camera-filter-box" hidden' in page.text  # shown by the script that runs it

    sign_in(client, platform, "fed-officer")  # no cameras of its own: agencies by name
    fed = picker_groups(client.get("/ui/search"))
    names = {a.id: a.name for a in AGENCIES}
    assert [a for a, _ in fed] == sorted((a for a, _ in fed), key=lambda a: names[a])


def test_a_lone_sighting_gets_an_hour_of_axis_and_ticks_on_whole_hours() -> None:
    start = datetime(2026, 12, 7, 14, 3, 12, tzinfo=UTC)
    alone = Sighting(CameraId("il-c1"), AgencyId("il-test-pd"), start, start, (ReadId(1),), 0.9)
    strip = time_strip([alone], {"il-c1": "Main St NB"})
    assert len(strip.marks) == 1 and 0 < strip.marks[0].x < strip.width
    assert [t.label for t in strip.ticks] == ["7 Dec 14:00"]
    assert strip.marks[0].title == "1. Mon 7 Dec 2026, 14:03:12 UTC, Main St NB: 1 read"
    assert strip.summary.startswith("1 sighting at 1 camera, from Mon 7 Dec 2026, 14:03:12 UTC")
    assert time_strip([], {}).marks == ()
    week = [alone, Sighting(CameraId("il-c2"), AgencyId("il-test-pd"), start + timedelta(days=6),
                            start + timedelta(days=6), (ReadId(2),), None)]  # fmt: skip
    labels = [t.label for t in time_strip(week, {}).ticks]
    assert labels == ["8 Dec", "9 Dec", "10 Dec", "11 Dec", "12 Dec", "13 Dec"]
