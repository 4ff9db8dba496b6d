"""Following a request to the end in a real browser (issue #18 item 3): an officer's held search
is found under My requests, approved by a supervisor whose own held search offers no buttons,
and resumed once from My requests; reads picked in results become a legal-hold request the
agency admin places, and the officer sees it placed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from browser.conftest import CHICAGO, DemoServer, chicago_plate, fill_search

STOLEN_REASON = "stolen vehicle report 24-1187: silver sedan taken from a driveway overnight"


def run_search(page: Page, plate: str, case: str, reason: str) -> None:
    page.goto("/ui/search")
    fill_search(page, plate, "stolen_vehicle", case, reason)
    page.get_by_role("button", name="Preview policy").click()
    page.get_by_role("button", name="Run search").click()


def my_requests(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My requests").click()
    expect(page.get_by_role("heading", name="My requests", level=1)).to_be_visible()


def test_a_held_search_is_followed_from_my_requests_to_its_resume(
    new_page: Callable[..., Page],
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    plate = chicago_plate(server)
    officer = new_page()
    sign_in(officer, server.user(CHICAGO, "officer", 3))
    run_search(officer, plate, "BR-24-0301", "inv")
    expect(officer.get_by_role("heading", name="Held for approval")).to_be_visible()
    search_id = officer.locator("main code").first.inner_text().strip()
    my_requests(officer)
    waiting = officer.get_by_role("region", name=re.compile("^Waiting for a supervisor"))
    card = waiting.get_by_role("article", name=re.compile(search_id))
    expect(card).to_contain_text(plate)
    expect(card).to_contain_text("BR-24-0301")
    expect(card.get_by_role("button")).to_have_count(0)  # nothing to resume yet

    supervisor = new_page()
    sign_in(supervisor, server.user(CHICAGO, "supervisor"))
    run_search(supervisor, plate, "BR-24-0302", "inv")  # the supervisor's own held search
    expect(supervisor.get_by_role("heading", name="Held for approval")).to_be_visible()
    own_id = supervisor.locator("main code").first.inner_text().strip()
    supervisor.goto("/ui/holds")
    own = supervisor.get_by_role("region", name=re.compile(f"Search {own_id}"))
    expect(own).to_contain_text("your own search: another supervisor decides")
    expect(own.get_by_role("button", name="Approve")).to_have_count(0)
    held = supervisor.get_by_role("region", name=f"Search {search_id}")
    expect(held).to_contain_text(plate)  # what was searched
    expect(held.get_by_role("table", name=re.compile("^Why it was held"))).to_contain_text("hold")
    expect(held).to_contain_text("vague")
    shot(supervisor, "holds-full-request")
    held.get_by_label(re.compile(r"^Note")).fill("Confirmed by phone: case BR-24-0301")
    held.get_by_role("button", name="Approve").click()
    expect(supervisor.get_by_role("status")).to_contain_text("approved")

    officer.reload()
    approved = officer.get_by_role("region", name=re.compile("^Approved"))
    card = approved.get_by_role("article", name=re.compile(search_id))
    expect(card).to_contain_text("Confirmed by phone")
    shot(officer, "my-requests")
    card.get_by_role("button", name=f"Resume search {search_id}").click()
    expect(officer.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    expect(officer.locator("main")).to_contain_text(plate)
    my_requests(officer)
    used = officer.get_by_role("region", name=re.compile("^Resumed"))
    expect(used.get_by_role("article", name=re.compile(search_id))).to_be_visible()
    expect(officer.get_by_role("button", name=f"Resume search {search_id}")).to_have_count(0)


def test_reads_picked_in_results_are_held_by_the_agency_admin(
    new_page: Callable[..., Page],
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
) -> None:
    officer = new_page()
    sign_in(officer, server.user(CHICAGO, "officer", 3))
    run_search(officer, chicago_plate(server), "BR-24-0303", STOLEN_REASON)
    expect(officer.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    pick = officer.locator("input[type='checkbox'][name='read_ids']").first
    read_id = pick.get_attribute("value")
    assert read_id and read_id.isdigit()
    pick.check()
    form = officer.locator("form#hold-pick")
    form.get_by_label("Why the reads must be kept").fill("evidence of the stolen sedan's route")
    form.get_by_role("button", name=re.compile("^Ask for a legal hold")).click()
    status = officer.get_by_role("status")
    expect(status).to_contain_text("sent to your agency's admin")
    found = re.search(r"lhr-[\w-]+", status.inner_text())
    assert found
    request_id = found.group(0)

    admin = new_page()
    sign_in(admin, server.user(CHICAGO, "admin"))
    admin.goto("/ui/admin/retention")
    card = admin.get_by_role("article", name=re.compile(request_id))
    expect(card).to_contain_text(read_id)
    expect(card).to_contain_text("BR-24-0303")
    review = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    card.get_by_label(re.compile("^Review by")).fill(review)
    card.get_by_role("button", name="Place hold on these reads").click()
    expect(admin.get_by_role("status")).to_contain_text(f"{request_id} placed")
    holds = admin.get_by_role("table", name="Holds placed by your agency")
    expect(holds).to_contain_text("BR-24-0303")

    officer.goto("/ui/requests")
    legal = officer.get_by_role("article", name=re.compile(request_id))
    expect(legal).to_contain_text("placed")
    expect(legal).to_contain_text(read_id)
