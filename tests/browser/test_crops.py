"""An evidence crop end to end in a real browser: a read with a small JPEG (made with Pillow)
is sent to the running demo server through the API by the agency's admin, an officer finds it
with a lawful search in the UI, and the results show the image, decoded by Chromium."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from browser.conftest import DemoServer

CHICAGO = "il-chicago-pd"
PLATE = "CRPJPG7"  # not a demo plate: only the read sent here matches
REASON = "stolen vehicle report 24-5521: grey sedan seen leaving the scene"


def small_jpeg() -> bytes:
    from PIL import Image, ImageDraw  # the `recognize` extra, installed for the browser tests

    image = Image.new("RGB", (96, 32), (235, 235, 220))
    ImageDraw.Draw(image).rectangle((4, 4, 91, 27), outline=(20, 20, 120), width=3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_a_read_sent_with_a_crop_shows_its_image_in_the_results(
    page: Page, server: DemoServer, sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:  # fmt: skip
    admin = server.user(CHICAGO, "admin")
    cameras = server.api(admin, "GET", "/cameras").json()["cameras"]
    camera = next(c["id"] for c in cameras if c["owner_agency"] == CHICAGO and not c["mobile"])
    jpeg = small_jpeg()
    ts = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    read = {"camera_id": camera, "ts": ts, "plate": PLATE, "confidence": 0.93,
            "crop_b64": base64.b64encode(jpeg).decode("ascii")}  # fmt: skip
    sent = server.api(admin, "POST", "/reads", json=[read])
    assert sent.status_code == 200 and sent.json()["stored"] == 1, sent.text

    sign_in(page, server.user(CHICAGO, "officer"))
    page.goto("/ui/search")
    page.get_by_label("Plate", exact=True).fill(PLATE)
    page.get_by_label("Match", exact=True).select_option("exact")
    page.get_by_label("Purpose", exact=True).select_option("stolen_vehicle")
    page.get_by_label("Case number", exact=True).fill("CROP-24-5521")
    page.get_by_label("Reason", exact=True).fill(REASON)
    page.get_by_role("button", name="Preview policy").click()
    page.get_by_role("button", name="Run search").click()

    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    row = page.locator("#hits li.card").filter(has_text=PLATE)
    expect(row).to_have_count(1)
    image = row.locator("img.crop")
    expect(image).to_be_visible()
    image.evaluate("img => img.decode()")  # resolves once decoded; rejects on a broken image
    assert image.evaluate("img => img.complete && img.naturalWidth") == 96
    assert image.evaluate("img => img.naturalHeight") == 32
    src = image.get_attribute("src") or ""
    assert src.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(src.split(",", 1)[1]) == jpeg
    shot(page, "search-results-crop")
