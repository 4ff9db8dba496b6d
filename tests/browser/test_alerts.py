"""An alert in a real browser: the officer's queue is open, a listed plate is read by one of the
agency's cameras, the alert arrives live (SSE) and the officer verifies it against the entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from browser.conftest import DemoServer

CHICAGO = "il-chicago-pd"


def test_an_alert_arrives_live_and_is_verified_then_confirmed(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    listed = next(h for h in server.hotlists if h["owner"] == CHICAGO and h["plates"])
    plate = str(listed["plates"][-1])
    officer = server.user(CHICAGO, "officer")
    cameras = server.api(officer, "GET", "/cameras").json()["cameras"]
    camera = next(c for c in cameras if c["owner_agency"] == CHICAGO and not c["mobile"])

    sign_in(page, officer)
    page.goto("/ui/alerts")
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    expect(page.locator("#live-status")).to_contain_text("Live")  # the stream is open
    before = page.locator("article.alert-card").count()

    ts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    read = {"camera_id": camera["id"], "ts": ts, "plate": plate, "confidence": 0.93,
            "crop_ref": f"crop://{camera['id']}/browser-alert.jpg"}  # fmt: skip
    posted = server.api(listed["admin"], "POST", "/reads", json=[read])
    assert posted.status_code == 200, posted.text

    card = page.locator("article.alert-card.arrived").first  # inserted by the script, no reload
    expect(card).to_be_visible()
    expect(card).to_contain_text(plate)
    expect(card).to_contain_text("browser-alert.jpg")
    expect(card).to_contain_text("reported stolen (demo)")
    expect(page.locator("#live-status")).to_contain_text("New alert")
    assert page.locator("article.alert-card").count() == before + 1
    alert_id = (card.get_attribute("id") or "").removeprefix("alert-")
    assert alert_id.startswith("al-")
    shot(page, "alert-arrived", doc=True)

    card.get_by_label("every character matches").check()
    card.get_by_label("the issuing state matches").check()
    card.get_by_label("the entry is still active").check()
    card.get_by_label("Note").first.fill("plate and state checked against the image")
    card.get_by_role("button", name="Record check").click()
    expect(page.get_by_role("status").filter(has_text="verified")).to_contain_text("actionable")
    verified = page.locator(f"#alert-{alert_id}")  # the page after the POST: no script needed
    expect(verified).to_have_class("alert-card status-verified priority-high")
    expect(verified).to_contain_text("actionable")
    verified.get_by_label("Disposition").select_option("confirmed")
    verified.get_by_role("button", name="Record disposition").click()
    expect(page.get_by_role("status").filter(has_text="closed")).to_contain_text("confirmed")
    shot(page, "alert-verified")

    alerts = server.api(officer, "GET", "/alerts").json()
    mine = next(a for a in alerts if a["alert_id"] == alert_id)
    assert (mine["plate"], mine["status"], mine["disposition"]) == (plate, "closed", "confirmed")
