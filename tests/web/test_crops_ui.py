"""Evidence crops in the web UI: a crop sent with a read at ingest is embedded (as a ``data:``
URI) in the results, the timeline and the alert card; reads without one keep the placeholder;
the CSP allows ``data:`` images and nothing else new."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from web.ui_client import csrf, sign_in

IMG = re.compile(r'<img class="crop" src="data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=]+)"')
WHY = {"purpose": "stolen_vehicle", "case_number": "24-9",
       "reason": "stolen vehicle report 24-9913"}  # fmt: skip


def tiny_png(shade: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))  # fmt: skip

    header = struct.pack(">IIBBBBB", 3, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes([0, shade, shade, shade])))
            + chunk(b"IEND", b""))  # fmt: skip


CROP = tiny_png(120)


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        rows = [
            {"camera_id": "il-c1", "ts": iso(3), "plate": "IMG123", "confidence": 0.9,
             "crop_b64": base64.b64encode(CROP).decode()},
            {"camera_id": "il-c2", "ts": iso(30), "plate": "IMG123", "confidence": 0.8},
        ]  # fmt: skip
        r = c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin"))
        assert r.status_code == 200 and r.json()["stored"] == 2, r.text
        sign_in(c, platform, "il-officer")
        yield c


def images(html: str) -> list[tuple[str, bytes]]:
    return [(media, base64.b64decode(data)) for media, data in IMG.findall(html)]


def test_results_embed_the_crop_and_keep_the_placeholder(client: TestClient) -> None:
    form = client.get("/ui/search")
    data = {"plate": "IMG123", "mode": "exact", **WHY, "action": "run",
            "csrf_token": csrf(form.text)}  # fmt: skip
    page = client.post("/ui/search", data=data)
    assert page.status_code == 200, page.text
    table = page.text.split('<ol class="cards"')[1].split("</ol>")[0]  # the result cards
    assert images(table) == [("image/png", CROP)]
    assert table.count("no image") == 1  # the read sent without a crop
    assert 'alt="Evidence crop of read' in table
    csp = page.headers["content-security-policy"]
    assert "img-src 'self' data:" in csp and "default-src 'self'" in csp
    assert "script-src" not in csp and "unsafe" not in csp


def test_timeline_embeds_the_crop_of_each_sighting(client: TestClient) -> None:
    token = csrf(client.get("/ui/search").text)
    page = client.post("/ui/timeline", data={"plate": "IMG123", **WHY, "csrf_token": token})
    assert page.status_code == 200, page.text
    sightings = page.text.split(">Sightings in order</h2>")[1].split("</section>")[0]
    assert images(sightings) == [("image/png", CROP)]
    assert sightings.count("no image") == 1


def test_alert_card_embeds_the_crop(client: TestClient, platform: Platform) -> None:
    body = {"name": "Stolen", "purpose": "stolen_vehicle", "legal_basis": "NCIC 2.0"}
    made = client.post("/api/v1/hotlists", json=body, headers=auth(platform, "il-admin"))
    entry = {"plate": "HOT777", "reason": "stolen 24-77", "case_number": "24-77",
             "expires_at": iso(-60 * 24 * 30)}  # fmt: skip
    client.post(f"/api/v1/hotlists/{made.json()['id']}/entries", json=entry,
                headers=auth(platform, "il-admin"))  # fmt: skip
    crop = tiny_png(200)
    read = {"camera_id": "il-c1", "ts": iso(0), "plate": "HOT777", "confidence": 0.9,
            "crop_b64": base64.b64encode(crop).decode()}  # fmt: skip
    assert client.post("/api/v1/reads", json=[read], headers=auth(platform, "il-admin")).is_success
    page = client.get("/ui/alerts")
    assert page.status_code == 200
    assert images(page.text) == [("image/png", crop)]
    alert_id = re.findall(r'id="alert-([^"]+)" aria-labelledby', page.text)[0]
    card = client.get(f"/ui/alerts/{alert_id}/card")
    assert images(card.text) == [("image/png", crop)]
