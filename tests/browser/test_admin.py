"""An agency admin in a real browser: cameras, retention next to the statute cap, sharing a
network and revoking it, who can search the data, and a token issued and revoked."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from browser.conftest import DemoServer

CHICAGO = "il-chicago-pd"


def open_admin(page: Page, server: DemoServer, sign_in: Callable[[Page, str], None]) -> None:
    sign_in(page, server.user(CHICAGO, "admin"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Admin: "))).to_be_visible()


def section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name=name).click()


def test_admin_sees_cameras_and_retention_and_shares_a_network(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    open_admin(page, server, sign_in)
    section(page, "Cameras")
    cameras = page.get_by_role("table")
    expect(cameras).to_contain_text(f"{CHICAGO}-net")
    expect(cameras).not_to_contain_text("tx-houston-pd")
    shot(page, "admin-cameras", doc=True)

    section(page, "Retention and legal holds")
    expect(page.locator("#cap")).to_contain_text("IL.")  # the statute's rule id
    expect(page.locator("#setting")).to_contain_text("365 days")

    section(page, "Sharing and declarations")
    form = page.locator("form", has=page.get_by_role("button", name="Add agreement"))
    form.get_by_label("Network").select_option(f"{CHICAGO}-net")
    form.get_by_label("Share with").select_option("agency")
    form.get_by_label("Agency id or state code").fill("wa-seattle-pd")
    form.get_by_label("Stolen vehicle", exact=False).first.check()
    form.locator("#note").fill("browser test: temporary")
    form.get_by_role("button", name="Add agreement").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    agreements = page.locator("table.agreements")
    row = agreements.get_by_role("row").filter(has_text="browser test: temporary")
    expect(row).to_contain_text("shared with agency wa-seattle-pd for stolen_vehicle")
    expect(row).to_contain_text("active")
    shot(page, "admin-sharing", doc=True)

    section(page, "Who can search our data")
    table = page.locator("table.access")
    expect(table).to_contain_text("Seattle Police Department")
    expect(table).to_contain_text("Chicago Police Department")
    shot(page, "admin-access", doc=True)

    section(page, "Sharing and declarations")
    row = (
        page.locator("table.agreements")
        .get_by_role("row")
        .filter(has_text="browser test: temporary")
    )
    row.get_by_role("button", name=re.compile(r"^Revoke agreement")).click()
    row = (
        page.locator("table.agreements")
        .get_by_role("row")
        .filter(has_text="browser test: temporary")
    )
    expect(row).to_contain_text("revoked")


def test_admin_issues_a_token_shown_once_and_revokes_it(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    open_admin(page, server, sign_in)
    section(page, "Users and tokens")
    expect(page.locator("table.users")).not_to_contain_text("tx-houston-pd")
    form = page.locator("form", has=page.get_by_role("button", name="Issue token"))
    # the admin's own token: in an officer's name an admin gets no token that can search
    # (the manage table of roles.yaml), tested in tests/security/test_account_escalation.py
    officer = server.user(CHICAGO, "admin")
    form.get_by_label("User", exact=True).select_option(officer)
    form.locator("#label").fill("browser test token")
    form.get_by_label("Expires after").fill("1")
    form.get_by_role("button", name="Issue token").click()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("plt_")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{server.url}/api/v1/cameras", headers=bearer, timeout=30).status_code == 200
    shot(page, "admin-token-issued")
    hint = page.locator(".secret .hint").inner_text()
    token_id = re.search(r"Token id ([0-9a-f]+)", hint)
    assert token_id
    page.goto("/ui/admin/users")
    expect(page.locator("body")).not_to_contain_text(secret)  # shown once only
    page.get_by_role("button", name=f"Revoke token {token_id.group(1)} of {officer}").click()
    expect(page.get_by_role("status")).to_contain_text("token revoked")
    assert httpx.get(f"{server.url}/api/v1/cameras", headers=bearer, timeout=30).status_code == 401
