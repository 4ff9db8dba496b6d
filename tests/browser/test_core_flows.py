"""The core UI flows in a real browser against the running demo: sign-in, a lawful search with
results, a search the law excludes (with the statute shown) and a held search approved by a
supervisor in another browser."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from browser.conftest import (
    CHICAGO,
    USER_FIELDS,
    DemoServer,
    chicago_plate,
    fill_search,
    token_field,
)

HOUSTON = "tx-houston-pd"
STOLEN_REASON = "stolen vehicle report 24-1187: silver sedan taken from a driveway overnight"


def row_of(table: Locator, network: str) -> Locator:
    return table.get_by_role("row").filter(has=table.page.get_by_role("cell", name=network))


def test_sign_in_with_a_demo_user_and_out_again(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/ui/signin$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "signin", doc=True)
    sign_in(page, server.user(CHICAGO, "officer"))
    expect(page.get_by_role("heading", name="Search reads")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Search")).to_be_visible()
    expect(nav).to_contain_text(CHICAGO)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/ui/signin$"))
    page.goto("/ui/search")  # the session is gone
    expect(page).to_have_url(re.compile(r"/ui/signin$"))


def test_sign_in_with_an_api_token(page: Page, server: DemoServer) -> None:
    page.goto("/ui/signin")
    field = token_field(page)  # opens "Sign in with an API token instead" when folded
    field.fill(server.token(server.user(HOUSTON, "officer")))
    page.locator("form", has=field).locator("button[type='submit']").click()
    expect(page.get_by_role("heading", name="Search reads")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(HOUSTON)


def test_wrong_credentials_are_refused(page: Page, server: DemoServer) -> None:
    user_id = server.user("mo-joplin-pd", "officer")  # no other test signs in as this user
    page.goto("/ui/signin")
    attempts = []
    if page.locator("input[name='password']").count():
        attempts.append("password")
    if page.locator("input[name='token']").count():
        attempts.append("token")
    assert attempts, "the sign-in page offers neither a password nor a token"
    for kind in attempts:
        page.goto("/ui/signin")
        if kind == "password":
            field = page.locator("input[name='password']")
            form = page.locator("form", has=field)
            form.locator(USER_FIELDS).first.fill(user_id)
            field.fill("not-the-password")
        else:
            field = token_field(page)
            form = page.locator("form", has=field)
            field.fill("plt_not-a-real-token")
        form.locator("button[type='submit']").click()
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto("/ui/search")
    expect(page).to_have_url(re.compile(r"/ui/signin$"))


def test_lawful_search_previews_policy_then_shows_results_and_timeline(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    plate = chicago_plate(server)
    sign_in(page, server.user(CHICAGO, "officer"))
    fill_search(page, plate, "stolen_vehicle", "BR-24-0001", STOLEN_REASON)
    page.get_by_role("button", name="Preview policy").click()
    expect(page.get_by_role("heading", name="Policy preview")).to_be_visible()
    searched = page.get_by_role("table", name="Networks that will be searched")
    expect(row_of(searched, f"{CHICAGO}-net")).to_contain_text("allow")
    shot(page, "search-preview", doc=True, at=page.get_by_role("heading", name="Policy preview"))

    page.get_by_role("button", name="Run search").click()
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    hits = page.get_by_role("list", name="Matching reads")
    rows = hits.locator("li.card")
    expect(rows.first).to_contain_text(plate)
    expect(rows.first).to_contain_text("Chicago Police Department")
    expect(rows.first).to_contain_text("exact plate match")
    expect(page.locator("main")).not_to_contain_text("No reads matched")

    rows.first.get_by_role("button", name=re.compile(r"^Timeline")).click()
    expect(page.get_by_role("heading", name=f"Timeline of {plate}")).to_be_visible()
    days = page.get_by_role("region", name="Sightings in order").locator("details")
    days.first.locator("summary").click()
    expect(days.first.locator("tbody tr").first).to_be_visible()


def test_ice_warrant_search_from_texas_shows_the_excluded_networks_and_the_law(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    sign_in(page, server.user(HOUSTON, "officer"))
    fill_search(page, chicago_plate(server), "wanted_person_felony", "BR-24-0002", "ICE WARRANT")
    page.get_by_role("button", name="Preview policy").click()
    excluded = page.get_by_role("table", name="Networks excluded, and why")
    chicago = row_of(excluded, f"{CHICAGO}-net")
    expect(chicago).to_contain_text("deny")
    expect(chicago).to_contain_text("625 ILCS 5/2-130")
    expect(chicago).to_contain_text("IL.purpose.prohibited.immigration_enforcement")
    expect(row_of(excluded, "ca-san-mateo-pd-net")).to_contain_text("SB 54")
    searched = page.get_by_role("table", name="Networks that will be searched")
    expect(row_of(searched, f"{HOUSTON}-net")).to_contain_text("allow")
    expect(row_of(searched, f"{CHICAGO}-net")).to_have_count(0)

    page.get_by_role("button", name="Run search").click()
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    excluded = page.get_by_role("table", name="Networks excluded, and why")
    expect(row_of(excluded, f"{CHICAGO}-net")).to_contain_text("625 ILCS 5/2-130")
    expect(row_of(excluded, "wa-seattle-pd-net")).to_contain_text("SB 6002")
    expect(page.locator("section.hits")).to_contain_text(
        "No reads matched"
    )  # the plate is only ever seen on Chicago's cameras, which the law keeps out of reach
    shot(page, "search-excluded", doc=True, at=excluded)


def test_vague_reason_is_held_then_approved_by_a_supervisor_and_resumed(
    new_page: Callable[..., Page],
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    plate = chicago_plate(server)
    officer = new_page()
    sign_in(officer, server.user(CHICAGO, "officer", 2))
    fill_search(officer, plate, "stolen_vehicle", "BR-24-0003", "inv")
    officer.get_by_role("button", name="Preview policy").click()
    officer.get_by_role("button", name="Run search").click()
    expect(officer.get_by_role("heading", name="Held for approval")).to_be_visible()
    search_id = officer.locator("main code").first.inner_text().strip()
    assert search_id.startswith("s-")
    shot(officer, "held", doc=True)

    supervisor = new_page()
    sign_in(supervisor, server.user(CHICAGO, "supervisor"))
    expect(supervisor).to_have_url(re.compile(r"/ui/holds$"))
    held = supervisor.get_by_role("region", name=f"Search {search_id}")
    expect(held).to_contain_text("inv")
    expect(held).to_contain_text("vague")
    shot(supervisor, "holds", doc=True)
    held.get_by_label(re.compile(r"^Note")).fill(
        "Confirmed with the officer by phone: case 24-1187"
    )
    held.get_by_role("button", name="Approve").click()
    expect(supervisor.get_by_role("status")).to_contain_text("approved")
    expect(supervisor.get_by_role("region", name=f"Search {search_id}")).to_have_count(0)

    officer.get_by_role("button", name=re.compile(r"^Resume")).click()
    expect(officer.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    first = officer.get_by_role("list", name="Matching reads").locator("li.card").first
    expect(first).to_contain_text(plate)
    expect(officer.locator("main")).to_contain_text("case BR-24-0003")  # resumed: logged anew
