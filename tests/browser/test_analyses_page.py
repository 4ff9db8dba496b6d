"""The Analyses page in a real browser on the demo: an officer's convoy analysis of a planted
convoy is held for a supervisor; once the owner's admin waives the hold on the admin page, the
same analysis shows the convoy's other members; a prohibited reason is refused with the reason
shown. The policy is set back to the defaults at the end (the demo server is shared)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from browser.conftest import DemoServer
from plateledger.demo import build_network, planted_convoys

RICHMOND = "va-richmond-pd"  # a planted convoy drives on Richmond's cameras only
REASON = "homicide on Broad St; the suspect vehicle was seen leaving with others"
PROHIBITED = "who drove with him to the protest rally downtown"


def richmond_convoy() -> tuple[str, ...]:
    """The demo's (seed 7) planted convoy group that lives in Richmond, leader first."""
    groups = planted_convoys(build_network(7), 7)
    return next(g for g in groups if len(g) == 3 and g[0].startswith("WYS"))


def run_convoy(page: Page, plate: str, reason: str, case_number: str) -> None:
    page.goto("/ui/analyses")
    form = page.locator("form[action$='/analyses/convoy']")
    form.get_by_label("Purpose", exact=True).select_option("homicide")
    form.get_by_label("Case number", exact=True).fill(case_number)
    form.get_by_label("Reason", exact=True).fill(reason)
    form.get_by_label("Target plate", exact=True).fill(plate)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    form.get_by_label("From", exact=True).fill(
        (now - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    )
    form.get_by_label("To", exact=True).fill(
        (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    )
    form.get_by_role("button", name="Run convoy analysis").click()


def test_convoy_held_then_waived_and_prohibited_reason_refused(
    server: DemoServer, new_page: Callable[..., Page], sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:  # fmt: skip
    leader, *members = richmond_convoy()
    officer, admin = server.user(RICHMOND, "officer"), server.user(RICHMOND, "admin")
    page = new_page()
    sign_in(page, officer)
    page.goto("/ui/analyses")
    expect(page.locator("#convoy-h + p.hint")).to_contain_text("Homicide")
    run_convoy(page, leader, REASON, "BT-CONVOY-1")
    expect(page.get_by_role("heading", name="Held for approval")).to_be_visible()

    admin_page = new_page()
    sign_in(admin_page, admin)
    try:
        admin_page.goto("/ui/admin/sharing")
        form = admin_page.locator("form.analysis-policy", has=admin_page.locator("#ap-convoy"))
        form.get_by_label("Use the built-in purpose list").uncheck()
        form.get_by_label("Allowed purpose codes", exact=False).fill("homicide missing_person")
        form.get_by_label("Run without a supervisor's approval").check()
        form.get_by_role("button", name="Save convoy analysis").click()
        expect(
            admin_page.locator("form.analysis-policy input[name='purposes']").first
        ).to_have_value("homicide missing_person")

        run_convoy(page, leader, REASON, "BT-CONVOY-2")  # no restart: the next analysis
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("Convoy analysis")
        for plate in members:
            expect(page.locator("table code", has_text=plate)).to_be_visible()
        shot(page, "analyses-convoy-results")

        run_convoy(page, leader, PROHIBITED, "BT-CONVOY-3")
        expect(page.get_by_role("heading", name="Request refused")).to_be_visible()
        expect(page.get_by_role("alert")).to_be_visible()  # refused on every network
        reason = page.get_by_text("never run for a reason classified as first amendment")
        expect(reason.first).to_be_visible()  # the reason, per network
        expect(page.get_by_text("analysis.prohibited_reason").first).to_be_visible()
    finally:  # the shared demo goes back to the defaults (held, the built-in purposes)
        reset = {"kinds": {"convoy": {"purposes": None, "waive_supervisor_hold": False}}}
        r = server.api(admin, "PUT", f"/agencies/{RICHMOND}/analysis-policy", json=reset)
        assert r.status_code == 200, r.text
