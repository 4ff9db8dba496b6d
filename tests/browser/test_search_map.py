"""A lawful search in a real browser: the distance slider, a box drawn by dragging on the map,
the policy preview, results with the offline sightings map, and the plate's timeline map."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from browser.conftest import DemoServer

CHICAGO = "il-chicago-pd"
REASON = "stolen vehicle report 24-2231: blue hatchback taken from a parking garage"
INSET = 0.04  # the box is dragged from near one corner of the map's view to near the other


def chicago_plate(server: DemoServer) -> str:
    lists = [h for h in server.hotlists if h["owner"] == CHICAGO and h["plates"]]
    assert lists, "the demo has no Chicago hotlist (demo-hotlists.json)"
    return str(lists[0]["plates"][1])


def screen_point(page: Page, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is on screen on the search form's map (its own projection)."""
    xy = page.evaluate(
        """([lat, lon]) => {
            const svg = document.getElementById("place-map");
            const d = svg.dataset;
            const p = svg.createSVGPoint();
            p.x = (lon - parseFloat(d.lon0)) * parseFloat(d.kx);
            p.y = (parseFloat(d.lat0) - lat) * parseFloat(d.ky);
            const s = p.matrixTransform(svg.getScreenCTM());
            return [s.x, s.y];
        }""",
        [lat, lon],
    )
    return float(xy[0]), float(xy[1])


def map_view(page: Page, map_id: str) -> tuple[float, float, float, float]:
    """(south, north, west, east) of a map's view, from its caption."""
    caption = page.locator(f"#{map_id}-caption").inner_text()
    found = re.search(r"View ([\d.-]+)°…([\d.-]+)° N, ([\d.-]+)°…([\d.-]+)° E", caption)
    assert found, caption
    south, north, west, east = (float(v) for v in found.groups())
    return south, north, west, east


def draw_box(page: Page) -> float:
    """Drag across the form's map (zoomed to the officer's own cameras): the four box fields
    are filled in with the box dragged."""
    place_map = page.locator("#place-map")
    place_map.scroll_into_view_if_needed()
    expect(place_map.locator(".map-point").first).to_be_attached()
    south, north, west, east = map_view(page, "place-map")
    assert north - south < 2  # the officer's own area, not the whole country
    dlat, dlon = (north - south) * INSET, (east - west) * INSET
    x0, y0 = screen_point(page, north - dlat, west + dlon)
    x1, y1 = screen_point(page, south + dlat, east - dlon)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    expect(place_map.locator("rect.map-box")).to_have_attribute("visibility", "visible")
    box_north = float(page.get_by_label("North (max latitude)").input_value())
    box_south = float(page.get_by_label("South (min latitude)").input_value())
    box_west = float(page.get_by_label("West (min longitude)").input_value())
    box_east = float(page.get_by_label("East (max longitude)").input_value())
    assert abs(box_north - (north - dlat)) < dlat and abs(box_south - (south + dlat)) < dlat
    assert abs(box_west - (west + dlon)) < dlon and abs(box_east - (east - dlon)) < dlon
    assert box_south < 41.88 < box_north and box_west < -87.63 < box_east  # the Loop is in it
    return box_north


def test_lawful_search_with_a_drawn_box_shows_results_on_the_map(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    plate = chicago_plate(server)
    sign_in(page, server.user(CHICAGO, "officer"))
    page.goto("/ui/search")
    page.get_by_label("Purpose", exact=True).select_option("stolen_vehicle")
    page.get_by_label("Case number", exact=True).fill("MAP-24-2231")
    page.get_by_label("Reason", exact=True).fill(REASON)
    page.get_by_label("Plate", exact=True).fill(plate)

    slider = page.locator("#max_distance")
    slider.focus()
    page.keyboard.press("ArrowRight")  # keyboard-operable, and its value is shown
    expect(page.locator("#max_distance_value")).to_have_text("2")

    north = draw_box(page)
    shot(page, "search-form-box")

    page.get_by_role("button", name="Preview policy").click()
    expect(page.get_by_role("heading", name="Policy preview")).to_be_visible()
    assert page.get_by_label("North (max latitude)").input_value() == f"{north:.4f}"
    page.get_by_role("button", name="Run search").click()

    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    rows = page.locator("#hits li.card")
    expect(rows.first).to_contain_text(plate)
    hits_map = page.locator("#hits-map")
    expect(hits_map).to_be_visible()
    points = hits_map.locator(".map-point")
    expect(points.first).to_be_visible()
    titles = [t for t in points.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")]
    assert titles and all(re.search(r"\(.+\): \d+ reads?$", t) for t in titles)
    expect(hits_map.locator(".map-states path").first).to_be_attached()
    expect(page.locator("figure.map figcaption").first).to_contain_text("Census")
    south, north, _, _ = map_view(page, "hits-map")
    assert north - south < 2  # zoomed to the hits
    shot(page, "search-results-map", doc=True)

    rows.first.get_by_role("button", name=re.compile(r"^Timeline")).click()
    expect(page.get_by_role("heading", name=f"Timeline of {plate}")).to_be_visible()
    expect(page.locator("#timeline-map .map-point").first).to_be_visible()


def test_clicking_a_camera_on_the_map_selects_it_and_preview_lands_on_the_preview(
    page: Page, server: DemoServer, sign_in: Callable[[Page, str], None]
) -> None:
    """The hint says a click on the map toggles the camera: the svg captures the pointer, so
    the click must be resolved to the point that was pressed, not to pointerup's target."""
    sign_in(page, server.user(CHICAGO, "officer"))
    page.goto("/ui/search")
    place_map = page.locator("#place-map")
    place_map.scroll_into_view_if_needed()
    expect(place_map.locator(".map-point").first).to_be_attached()
    # A point that is on top at its own centre (points can overlap), and where that is.
    found = page.evaluate(
        """() => {
            for (const el of document.querySelectorAll("#place-map .map-point")) {
                const r = el.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                if (document.elementFromPoint(x, y) === el) {
                    return [x, y, el.getAttribute("data-cameras")];
                }
            }
            return null;
        }"""
    )
    assert found, "no camera point can be clicked on the search map"
    x, y, ids = float(found[0]), float(found[1]), str(found[2]).split()
    point = place_map.locator(f'.map-point[data-cameras="{found[2]}"]')
    selected = "els => els.filter(o => o.selected).map(o => o.value)"
    assert page.locator("#camera option").evaluate_all(selected) == []

    page.mouse.click(x, y)
    assert sorted(page.locator("#camera option").evaluate_all(selected)) == sorted(ids)
    expect(point).to_have_class(re.compile(r"\bchosen\b"))
    expect(place_map.locator("rect.map-box")).to_have_attribute("visibility", "hidden")

    page.mouse.click(x, y)  # a second click toggles it off again
    assert page.locator("#camera option").evaluate_all(selected) == []
    expect(point).not_to_have_class(re.compile(r"\bchosen\b"))

    page.mouse.click(x, y)
    page.get_by_label("Purpose", exact=True).select_option("stolen_vehicle")
    page.get_by_label("Case number", exact=True).fill("MAP-24-2232")
    page.get_by_label("Reason", exact=True).fill(REASON)
    page.get_by_label("Plate", exact=True).fill(chicago_plate(server))
    page.get_by_role("button", name="Preview policy").click()
    heading = page.get_by_role("heading", name="Policy preview")
    expect(heading).to_be_in_viewport()  # not 1,700 px below the top of the page
    assert page.url.endswith("/ui/search#preview")
    assert sorted(page.locator("#camera option").evaluate_all(selected)) == sorted(ids)
