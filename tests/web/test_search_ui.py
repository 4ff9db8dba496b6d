"""Search UI through the real app: box and camera filters, bad input, paging, the offline map."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.web.map import GEO_FILE, Place, geo, sighting_map
from web.ui_client import csrf, sign_in

WHY = {"purpose": "stolen_vehicle", "case_number": "24-9",
       "reason": "stolen vehicle report 24-9913"}  # fmt: skip
CHICAGO_BOX = {"bbox_min_lat": "41.80", "bbox_min_lon": "-87.70", "bbox_max_lat": "41.95",
               "bbox_max_lon": "-87.55"}  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        il = [{"camera_id": "il-c1", "ts": iso(m), "plate": "KLM456", "confidence": 0.9,
               "crop_ref": f"crop://il-c1/{m}.jpg"} for m in range(1, 6)]  # fmt: skip
        il.append({"camera_id": "il-c2", "ts": iso(7), "plate": "KLM456", "confidence": 0.8})
        assert c.post("/api/v1/reads", json=il, headers=auth(platform, "il-admin")).is_success
        tx = [{"camera_id": "tx-c1", "ts": iso(3), "plate": "KLM456", "confidence": 0.9}]
        assert c.post("/api/v1/reads", json=tx, headers=auth(platform, "tx-admin")).is_success
        yield c


def signed_in(client: TestClient, platform: Platform, user: str = "il-officer") -> Response:
    page = sign_in(client, platform, user)
    assert page.status_code == 200 and page.url.path == "/ui/search"
    return page


def run(client: TestClient, action: str = "run", **fields: str) -> Response:
    page = client.get("/ui/search")
    data = {"plate": "KLM456", "mode": "exact", **WHY, **fields}
    return client.post("/ui/search", data={**data, "action": action, "csrf_token": csrf(page)})


def owners(page: Response) -> set[str]:
    """The owner agencies of the result cards (not of the policy tables below them)."""
    return set(re.findall(r'<dd class="owner">([^<]+)</dd>', page.text))


def view_of(page: Response) -> tuple[float, ...]:
    """(south, north, west, east) of the first map on the page, from its caption."""
    found = re.search(r"View ([\d.-]+)°…([\d.-]+)° N, ([\d.-]+)°…([\d.-]+)° E", page.text)
    assert found, "the map states its extent"
    return tuple(float(v) for v in found.groups())


def point_titles(page: Response) -> list[str]:
    return re.findall(r'class="map-point"[^>]*aria-label="([^"]+)"', page.text)


def test_form_is_labelled_and_offers_a_box_a_slider_and_a_camera_map(
    client: TestClient, platform: Platform
) -> None:
    page = signed_in(client, platform)
    ids = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', page.text)
    assert {"max_distance", "bbox_min_lat", "bbox_max_lon", "camera", "time_from"} <= set(ids)
    for control in ids:
        assert f'<label for="{control}"' in page.text, f"{control} has no label"
    assert re.search(r'type="range" min="0" max="2"', page.text)
    assert '<output id="max_distance_value" for="max_distance">1</output>' in page.text
    titles = point_titles(page)  # every camera the officer may pick, on the map
    assert "Main St NB (il-c1)" in titles and "Broad St (va-c1)" in titles
    assert "Unit 7 (tx-m1)" not in titles  # another agency's mobile unit stays hidden
    south, north, west, east = view_of(page)  # zoomed to the officer's own cameras
    assert south < 41.88 and north > 41.90 and west < -87.64 and east > -87.63
    assert north - south < 1
    boxed = run(client, "preview", bbox_min_lat="29.5", bbox_max_lat="30.0",
                bbox_min_lon="-95.6", bbox_max_lon="-95.2")  # fmt: skip
    south, north, west, east = view_of(boxed)  # a box given: the map zooms to it
    assert south < 29.5 and north > 30.0 and west < -95.6 and east > -95.2
    assert north - south < 2
    assert '<script src="/ui/static/search-map.js" defer></script>' in page.text
    assert client.get("/ui/static/search-map.js").status_code == 200


def test_preview_keeps_the_viewport_at_the_preview(client: TestClient, platform: Platform) -> None:
    """Preview posts to ``/ui/search#preview`` and the page it returns has that anchor, so the
    browser lands on the preview (1,700 px down the page), not at the top of the form."""
    page = signed_in(client, platform)
    button = re.search(r'<button[^>]*value="preview"[^>]*>', page.text)
    assert button and 'formaction="/ui/search#preview"' in button.group(0)
    assert 'id="preview"' not in page.text  # nothing to land on before a preview
    shown = run(client, "preview", **CHICAGO_BOX)
    assert shown.status_code == 200
    assert re.search(r'<section id="preview"[^>]*>\s*<h2[^>]*>Policy preview</h2>', shown.text)
    run_button = re.search(r'<button[^>]*value="run"[^>]*>', shown.text)
    assert run_button and "formaction" not in run_button.group(0)  # results open at the top


def test_a_drawn_box_limits_the_search_and_the_map_zooms_to_the_hits(
    client: TestClient, platform: Platform
) -> None:
    signed_in(client, platform)
    preview = run(client, "preview", **CHICAGO_BOX)
    assert preview.status_code == 200 and "Policy preview" in preview.text
    assert 'value="41.80"' in preview.text  # the box is kept for the run
    results = run(client, **CHICAGO_BOX)
    assert results.status_code == 200
    assert owners(results) == {"Test PD (IL)"}
    assert results.text.count("<time datetime=") == 6
    assert "crop on file" in results.text and "crop://il-c1/1.jpg" in results.text
    assert "No evidence image" in results.text  # the il-c2 read has no crop
    assert sorted(point_titles(results)) == ["Main St NB (il-c1): 5 reads",
                                             "Main St SB (il-c2): 1 read"]  # fmt: skip
    south, north, west, east = view_of(results)
    assert south < 41.88 and north > 41.90 and west < -87.64 and east > -87.63
    assert north - south < 1 and east - west < 1  # zoomed to the hits, not the whole country
    assert "<title>Illinois</title>" in results.text and ">Chicago</text>" in results.text
    assert not re.search(r'(?:src|href|action)="(?:[a-z]+:)?//', results.text)  # no tiles


def test_cameras_limit_the_search_and_the_timeline_has_a_map(
    client: TestClient, platform: Platform
) -> None:
    signed_in(client, platform)
    results = run(client, camera="il-c2")
    assert owners(results) == {"Test PD (IL)"}
    assert point_titles(results) == ["Main St SB (il-c2): 1 read"]
    timeline = client.post("/ui/timeline", data={"plate": "KLM456", **WHY,
                                                  "csrf_token": csrf(results)})  # fmt: skip
    assert timeline.status_code == 200 and "Where KLM456 was seen" in timeline.text
    # Texas has not shared its network with Illinois: its read is neither listed nor mapped
    assert sorted(point_titles(timeline)) == ["Main St NB (il-c1): 5 reads",
                                              "Main St SB (il-c2): 1 read"]  # fmt: skip


def test_fuzzy_search_with_the_distance_slider(client: TestClient, platform: Platform) -> None:
    signed_in(client, platform)
    strict = run(client, plate="KLM45", mode="fuzzy", max_distance="0")
    assert strict.status_code == 200 and "No reads matched" in strict.text
    loose = run(client, plate="KLM45", mode="fuzzy", max_distance="1")
    assert loose.status_code == 200 and "KLM456" in loose.text
    assert "Matching reads" in loose.text and "No reads matched" not in loose.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bbox_min_lat": "41.8", "bbox_max_lat": "41.9", "bbox_min_lon": "-87.7"},
         "bbox_max_lon: give all four edges"),
        ({**CHICAGO_BOX, "bbox_min_lat": "42.5"}, "bbox_min_lat: south edge must be below"),
        ({**CHICAGO_BOX, "bbox_max_lon": "-88"}, "bbox_min_lon: west edge must be left"),
        ({**CHICAGO_BOX, "bbox_max_lat": "north"}, "bbox_max_lat: not a number"),
        ({**CHICAGO_BOX, "bbox_max_lat": "nan"}, "bbox_max_lat: not a finite number"),
        ({**CHICAGO_BOX, "bbox_max_lat": "95"}, "bbox_max_lat: must be between -90 and 90"),
        # the API's request model (api.schemas.SearchIn) checks the form: its names and words
        ({"max_distance": "3", "mode": "fuzzy"},
         "query.max_distance: Input should be less than or equal to 2"),
        ({"offset": "-1"}, "query.offset: Input should be greater than or equal to 0"),
        ({"mode": "regex"}, "mode: unknown mode"),
        ({"time_from": "yesterday"}, "time_from: not a date and time"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_keeping_the_form(
    client: TestClient, platform: Platform, fields: dict[str, str], message: str
) -> None:
    signed_in(client, platform)
    for action in ("preview", "run"):
        page = run(client, action, **fields)
        assert page.status_code == 422, page.text
        assert message in page.text
        assert 'value="24-9"' in page.text  # the officer does not retype the case number
    assert not platform.store.execute("SELECT * FROM search_log", [])  # nothing ran


def test_pages_are_separate_logged_searches_carrying_the_query(
    client: TestClient, platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    signed_in(client, platform)
    first = run(client, limit="2", **CHICAGO_BOX)
    assert "results 1–2" in first.text and "Next page" in first.text
    assert "Previous page" not in first.text
    carried = dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"',
                              first.text.split('aria-label="Result pages"')[1]))  # fmt: skip
    assert carried["plate"] == "KLM456" and carried["bbox_min_lat"] == "41.80"
    assert carried["offset"] == "2" and carried["reason"] == WHY["reason"]
    second = client.post("/ui/search", data={**carried, "action": "run"})
    assert second.status_code == 200 and "results 3–4" in second.text
    assert "Previous page" in second.text and owners(second) == {"Test PD (IL)"}
    rows = platform.store.execute("SELECT count(*) FROM search_log", [])
    assert rows[0][0] == 2  # each page is logged as its own search
    assert "KLM456" not in caplog.text  # plate text never reaches the logs


def test_search_posts_need_csrf_and_a_signed_in_investigator(
    client: TestClient, platform: Platform
) -> None:
    signed_in(client, platform)
    data = {"plate": "KLM456", "mode": "exact", **WHY, **CHICAGO_BOX, "action": "run"}
    assert client.post("/ui/search", data=data).status_code == 403
    assert client.post("/ui/search", data={**data, "csrf_token": "forged"}).status_code == 403
    timeline = {"plate": "KLM456", **WHY, "csrf_token": "forged"}
    assert client.post("/ui/timeline", data=timeline).status_code == 403
    assert not platform.store.execute("SELECT * FROM search_log", [])
    form = client.get("/ui/signin")
    token = platform.test_tokens["il-admin"]  # type: ignore[attr-defined]
    admin = client.post("/ui/signin", data={"csrf_token": csrf(form), "token": token},
                        follow_redirects=False)  # fmt: skip
    assert admin.status_code == 303
    assert client.get("/ui/search").status_code == 403  # admins do not search


def test_map_zooms_to_the_extent_and_falls_back_to_the_country() -> None:
    near = [Place("a", 41.88, -87.63, "A", 3), Place("b", 41.90, -87.64, "B", 1)]
    view = sighting_map(near)
    south, west, north, east = view.bounds
    assert south < 41.88 and north > 41.90 and west < -87.64 and east > -87.63
    assert north - south < 0.5
    assert [p.title for p in view.points] == ["A (a): 3 reads", "B (b): 1 read"]
    assert view.points[0].r > view.points[1].r  # more reads, bigger point
    assert "Illinois" in {name for name, _ in view.states}
    assert "Texas" not in {name for name, _ in view.states}
    country = sighting_map([])
    assert country.bounds[0] < 25 and country.bounds[2] > 49 and len(country.states) > 45
    labels = [c.text for c in country.cities]
    assert "Chicago" in labels and len(labels) <= 24


def test_geo_data_is_small_and_says_where_it_comes_from() -> None:
    assert GEO_FILE.stat().st_size < 300_000
    data = geo()
    assert len(data["states"]) == 56 and "Census" in data["provenance"]["states"]
    assert "GeoNames" in data["provenance"]["cities"]
    provenance = GEO_FILE.with_name("us-geo.PROVENANCE.md").read_text()
    assert "public domain" in provenance and "CC BY 4.0" in provenance


def test_cameras_at_one_site_share_a_point_named_for_each() -> None:
    both_ways = [
        Place("c-nb", 41.88, -87.63, "Main NB", 2),
        Place("c-sb", 41.88, -87.63, "Main SB", 1),
        Place("c-far", 41.95, -87.70, "Far", 1),
    ]
    view = sighting_map(both_ways)
    assert [p.title for p in view.points] == ["Main NB (c-nb): 2 reads; Main SB (c-sb): 1 read",
                                              "Far (c-far): 1 read"]  # fmt: skip
    assert view.points[0].camera_ids == ("c-nb", "c-sb")
    country = sighting_map([], extent=(24.0, -125.0, 50.0, -66.0))
    size = sum(len(d) for _, d in country.states)
    assert size < 120_000  # vertices within a pixel are skipped at country scale
