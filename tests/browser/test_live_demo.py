"""The living demo in a real browser: `plateledger demo` with its traffic player on (not the
shared, deterministic `--no-live` server), a Chicago officer whose alert queue receives a
hotlisted pass with its picture, and a search and timeline of a plate with evidence images."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from browser.conftest import (
    CHICAGO,
    TIMEOUT_MS,
    VIEWPORT,
    demo_process,
    fill_search,
    token_field,
)

LIVE_READS = 5_000
FIRST_HIT_S = 2  # the first hotlisted pass, seconds after the server answers
ALERT_WITHIN_MS = 120_000
REASON = "stolen vehicle report 24-5521: grey sedan taken from a parking lot overnight"


@dataclass(frozen=True)
class LiveDemo:
    url: str
    credentials: dict[str, dict[str, str]]
    hotlists: list[dict[str, Any]]


@pytest.fixture(scope="module")
def live_demo(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    work = tmp_path_factory.mktemp("live-demo")
    options = ("--live-first-hit", str(FIRST_HIT_S))
    with demo_process(work, LIVE_READS, *options) as (url, proc, log_path):
        assert "live traffic: posting about" in log_path.read_text(errors="replace")
        data = work / "data"
        creds = json.loads((data / "demo-credentials.json").read_text())
        hotlists = json.loads((data / "demo-hotlists.json").read_text())
        yield LiveDemo(url, {c["user"]: c for c in creds}, hotlists)
    output = log_path.read_text(errors="replace")
    # uvicorn shuts down gracefully, then re-raises SIGTERM; the player must not have crashed
    assert proc.returncode in (0, -signal.SIGTERM), output[-2000:]
    assert "Traceback" not in output and "live traffic stopped" not in output, output[-2000:]


@pytest.fixture
def officer_page(browser: Browser, live_demo: LiveDemo) -> Iterator[Page]:
    """A Chicago officer signed in (with the API token) on the live demo."""
    context = browser.new_context(base_url=live_demo.url, viewport=VIEWPORT,  # type: ignore[arg-type]
                                  locale="en-US", timezone_id="UTC")  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/ui/signin")
    field = token_field(page)
    field.fill(live_demo.credentials[f"{CHICAGO}-officer1"]["token"])
    page.locator("form", has=field).locator("button[type='submit']").first.click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    yield page
    context.close()


def _evidence(page: Page) -> int:
    return page.locator("main img[src^='data:image/jpeg']").count()


def test_an_alert_with_its_picture_arrives_without_anyone_posting(
    officer_page: Page, live_demo: LiveDemo, shot: Any
) -> None:
    page = officer_page
    page.goto("/ui/alerts")
    card = page.locator("article.alert-card").first
    expect(card).to_be_visible(timeout=ALERT_WITHIN_MS)  # on the page or inserted live
    listed = next(h for h in live_demo.hotlists if h["owner"] == CHICAGO)["plates"]
    expect(card.locator(".plate").first).to_have_text(re.compile("|".join(listed)))
    picture = card.locator("img.crop")
    expect(picture).to_be_visible()
    assert (picture.get_attribute("src") or "").startswith("data:image/jpeg;base64,")
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    shot(page, "live-alert")


def test_a_plate_with_pictures_shows_them_in_results_and_timeline(
    officer_page: Page, live_demo: LiveDemo, shot: Any
) -> None:
    page = officer_page
    plate = next(h for h in live_demo.hotlists if h["owner"] == CHICAGO)["plates"][0]
    page.goto("/ui/search")
    fill_search(page, plate, "stolen_vehicle", "LIVE-24-0001", REASON)
    page.get_by_role("button", name="Preview policy").click()
    page.get_by_role("button", name="Run search").click()
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    expect(page.locator("main img[src^='data:image/jpeg']").first).to_be_visible()
    shot(page, "live-results")
    page.get_by_role("button", name=re.compile(r"^Timeline")).first.click()
    expect(page.get_by_role("heading", name=f"Timeline of {plate}")).to_be_visible()
    assert _evidence(page) > 0
    shot(page, "live-timeline")
