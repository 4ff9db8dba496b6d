"""Evidence up front (#18 item 2) in a real browser against the demo: results as cards with a
total and facets that filter them, the timeline's time strip and path on the map, the camera
filter box, and no sideways scrolling at phone width."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from browser.conftest import CHICAGO, DemoServer, chicago_plate, fill_search

REASON = "stolen vehicle report 24-3391: grey hatchback taken from a parking lot"
PHONE = {"width": 390, "height": 844}


def search_plate(page: Page, server: DemoServer, case_number: str) -> str:
    plate = chicago_plate(server)
    page.goto("/ui/search")
    fill_search(page, plate, "stolen_vehicle", case_number, REASON)
    page.get_by_role("button", name="Preview policy").click()
    page.get_by_role("button", name="Run search").click()
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    return plate


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    assert width <= inner, f"{page.url} scrolls sideways: {width}px wide in a {inner}px window"


def test_results_show_a_total_and_facets_that_filter_the_cards(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    sign_in(page, server.user(CHICAGO, "officer"))
    plate = search_plate(page, server, "EV-24-0001")
    cards = page.get_by_role("list", name="Matching reads").locator("li.card")
    n = cards.count()
    assert n > 1
    expect(page.locator("#hits-total")).to_contain_text(f"{n} reads")
    first = cards.first
    expect(first).to_contain_text(plate)
    expect(first).to_contain_text(re.compile(r"read \d+"))
    expect(first.locator(".card-evidence")).to_be_visible()  # the picture (or its placeholder)
    expect(first.locator("time")).to_have_text(re.compile(r"^\w{3} \d+ \w{3} \d{4}, [\d:]{8} UTC$"))
    facets = page.get_by_role("navigation", name="Narrow these reads")
    expect(facets.get_by_role("heading", name="Owner agency")).to_be_visible()
    shot(page, "search-results", doc=True)

    cameras = facets.locator("button[data-facet='camera']")
    assert cameras.count() >= 1
    pick = cameras.last  # the camera with the fewest of this page's reads
    count = int(pick.locator(".count").inner_text())
    pick.click()
    expect(pick).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#hits li.card:visible")).to_have_count(count)
    camera_id = pick.get_attribute("data-value")
    shown = page.locator("#hits li.card:visible")
    for i in range(shown.count()):
        assert shown.nth(i).get_attribute("data-camera") == camera_id
    expect(page.locator("#hits-total")).to_contain_text(f"showing {count} of {n}")
    facets.get_by_role("button", name="Show all").click()
    expect(page.locator("#hits li.card:visible")).to_have_count(n)


def test_timeline_shows_the_time_strip_and_the_path(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    sign_in(page, server.user(CHICAGO, "officer"))
    plate = search_plate(page, server, "EV-24-0002")
    page.locator("li.card").first.get_by_role("button", name=re.compile(r"^Timeline")).click()
    expect(page.get_by_role("heading", name=f"Timeline of {plate}")).to_be_visible()
    strip = page.get_by_role("img", name=re.compile(r"^Time strip: \d+ sightings? at"))
    expect(strip).to_be_visible()
    page.wait_for_load_state("load")  # the page carries its pictures inline: parsed in parts
    rows = page.locator("section.sightings tbody tr")
    expect(rows).to_have_count(strip.locator("rect.strip-mark").count())
    shot(page, "timeline", doc=True)
    timeline_map = page.locator("#timeline-map")
    expect(timeline_map.locator(".map-point").first).to_be_visible()
    if timeline_map.locator(".map-point").count() > 1:  # two places at least: a path between
        expect(timeline_map.locator("polyline.map-path")).to_be_attached()
        expect(timeline_map.locator(".map-stops text").first).to_contain_text("1")
    page.get_by_role("heading", name="Sightings in order").scroll_into_view_if_needed()
    day = page.locator("section.sightings details").first
    day.locator("summary").click()
    expect(day.locator("tbody tr").first).to_be_visible()
    timeline_map.scroll_into_view_if_needed()
    shot(page, "timeline-map", doc=True, at=timeline_map)


def test_the_camera_list_starts_with_the_own_agency_and_the_filter_narrows_it(
    page: Page, server: DemoServer, sign_in: Callable[[Page, str], None]
) -> None:
    sign_in(page, server.user(CHICAGO, "officer"))
    page.goto("/ui/search")
    groups = page.locator("#camera optgroup")
    expect(groups.first).to_have_attribute("data-agency", CHICAGO)
    visible = "() => [...document.querySelectorAll('#camera option')].filter(o => !o.hidden).length"
    total = page.evaluate(visible)
    box = page.get_by_label("Filter cameras")
    expect(box).to_be_visible()
    first_name = page.locator("#camera option").first.inner_text()
    word = first_name.split(" (")[0].split()[0]
    box.fill(word)
    narrowed = page.evaluate(visible)
    assert 0 < narrowed < total
    texts = page.evaluate(
        "() => [...document.querySelectorAll('#camera option')].filter(o => !o.hidden)"
        ".map(o => (o.parentElement.label + ' ' + o.textContent).toLowerCase())"
    )
    assert all(word.lower() in t for t in texts)
    expect(page.locator("#camera-filter-count")).to_contain_text(f"{narrowed} of {total}")
    box.fill("")
    assert page.evaluate(visible) == total


def test_no_sideways_scrolling_at_phone_width(
    new_page: Callable[..., Page], server: DemoServer, sign_in: Callable[[Page, str], None]
) -> None:
    page = new_page(PHONE)
    sign_in(page, server.user(CHICAGO, "officer", 2))
    search_plate(page, server, "EV-24-0003")
    no_sideways_scroll(page)
    page.locator("li.card").first.get_by_role("button", name=re.compile(r"^Timeline")).click()
    expect(page.get_by_role("img", name=re.compile(r"^Time strip"))).to_be_visible()
    page.locator("section.sightings details").first.locator("summary").click()
    no_sideways_scroll(page)
