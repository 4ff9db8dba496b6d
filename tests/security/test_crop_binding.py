"""Crops bound to their reads (issue 16, item 6), attacked as a Texas admin would: naming
Illinois's stored crop on a read of a Texas camera, in every spelling, is a per-row error on
``crop_ref``; and a read that names it anyway (stored around the parse) shows Texas officers
no image through any route: the API's crop route, the results, the timeline, the alert card.
Real app, real store, real files."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso, make_reads, read, setup_registry
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.ingest import ParseResult
from plateledger.store import crops
from web.ui_client import csrf, sign_in

IL_CROP = b"\xff\xd8illinois evidence crop\xff\xd9"
SHA = crops.ref_of(IL_CROP).removeprefix("sha256:")
WHY = {"purpose": "stolen_vehicle", "case_number": "24-9", "reason": "stolen vehicle report 24-9"}
IMG = re.compile(r'src="data:image/[a-z]+;base64,([A-Za-z0-9+/=]+)"')
SPELLINGS = (
    "sha256:{s}", "SHA256:{S}", " sha256 : {s} ", "sha-256:{s}", "SHA_256/{s}", "{s}", "{S}",
    "\uff53\uff48\uff41256:{s}",  # fullwidth "ｓｈａ"
    "sha256\uff1a{s}",  # fullwidth colon
    "sha\u200b256:{s}", "\u2060sha256:{s}", "sha256:\u200d{s}",  # invisible characters
    "\u0455ha256:{s}",  # Cyrillic dze for "s"
    "\u00a0sha256:{s}\u00a0",  # no-break spaces
)  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        row = {"camera_id": "il-c1", "ts": iso(3), "plate": "ILC123", "confidence": 0.9,
               "crop_b64": base64.b64encode(IL_CROP).decode()}  # fmt: skip
        assert c.post("/api/v1/reads", json=[row], headers=auth(platform, "il-admin")).is_success
        yield c


def borrow_around_the_parse(platform: Platform, plate: str = "BRW123") -> None:
    """A Texas read naming Illinois's crop, stored as an import that skipped the parse would."""
    table = make_reads([read("tx-c1", 2, plate, crop_ref=f"sha256:{SHA}")])
    platform.crops.store_crops(ParseResult(table, (), 1))
    assert platform.intake.store_parsed(ParseResult(table, (), 1)).stored == 1


def shown_images(page: str) -> list[bytes]:
    return [base64.b64decode(x) for x in IMG.findall(page)]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_another_agencys_crop_ref_is_refused_at_ingest_in_any_spelling(
    client: TestClient, platform: Platform, spelling: str
) -> None:
    ref = spelling.format(s=SHA, S=SHA.upper())
    row = {"camera_id": "tx-c1", "ts": iso(1), "plate": "BRW123", "confidence": 0.9,
           "crop_ref": ref}  # fmt: skip
    body = client.post("/api/v1/reads", json=[row], headers=auth(platform, "tx-admin")).json()
    assert body["stored"] == 0, ref
    assert [e["field"] for e in body["errors"]] == ["crop_ref"]


def test_other_references_are_still_kept(client: TestClient, platform: Platform) -> None:
    row = {"camera_id": "tx-c1", "ts": iso(1), "plate": "VND123", "confidence": 0.9,
           "crop_ref": f"s3://tx-evidence/{SHA}.jpg"}  # fmt: skip
    body = client.post("/api/v1/reads", json=[row], headers=auth(platform, "tx-admin")).json()
    assert body["stored"] == 1 and body["errors"] == []


def test_a_borrowed_crop_is_served_by_no_api_route(client: TestClient, platform: Platform) -> None:
    borrow_around_the_parse(platform)
    url = f"/api/v1/crops/{SHA}"
    for user in ("tx-officer", "tx-admin", "tx-auditor", "fed-officer"):
        assert client.get(url, headers=auth(platform, user)).status_code in (403, 404), user
    for spelled in (SHA.upper(), f"sha256:{SHA}", f"{SHA}%00", f"..%2F{SHA[:2]}%2F{SHA}"):
        got = client.get(f"/api/v1/crops/{spelled}", headers=auth(platform, "tx-officer"))
        assert got.status_code == 404 and IL_CROP not in got.content, spelled
    assert client.get(url, headers=auth(platform, "il-officer")).content == IL_CROP
    # an agency that sends the bytes itself has stored the crop: then its officers may see it
    mine = {"camera_id": "tx-c1", "ts": iso(1), "plate": "OWN123", "confidence": 0.9,
            "crop_b64": base64.b64encode(IL_CROP).decode()}  # fmt: skip
    assert client.post("/api/v1/reads", json=[mine], headers=auth(platform, "tx-admin")).is_success
    assert client.get(url, headers=auth(platform, "tx-officer")).content == IL_CROP


def test_a_borrowed_crop_is_shown_on_no_ui_page(client: TestClient, platform: Platform) -> None:
    body = {"name": "Stolen", "purpose": "stolen_vehicle", "legal_basis": "NCIC 2.0"}
    made = client.post("/api/v1/hotlists", json=body, headers=auth(platform, "tx-admin"))
    entry = {"plate": "BRW123", "reason": "stolen 24-77", "case_number": "24-77",
             "expires_at": iso(-60 * 24 * 30)}  # fmt: skip
    client.post(f"/api/v1/hotlists/{made.json()['id']}/entries", json=entry,
                headers=auth(platform, "tx-admin"))  # fmt: skip
    borrow_around_the_parse(platform)
    sign_in(client, platform, "tx-officer")
    token = csrf(client.get("/ui/search").text)
    results = client.post("/ui/search", data={"plate": "BRW123", "mode": "exact", **WHY,
                                              "action": "run", "csrf_token": token})  # fmt: skip
    assert results.status_code == 200 and "BRW123" in results.text
    timeline = client.post("/ui/timeline", data={"plate": "BRW123", **WHY, "csrf_token": token})
    assert timeline.status_code == 200 and "BRW123" in timeline.text
    alerts = client.get("/ui/alerts")
    assert alerts.status_code == 200 and "BRW123" in alerts.text
    for page in (results.text, timeline.text, alerts.text):
        assert IL_CROP not in shown_images(page) and base64.b64encode(IL_CROP).decode() not in page


def test_existing_crops_are_credited_to_their_first_reader_on_upgrade(tmp_path: Path) -> None:
    """A store from before ``crop_owners``: the migration credits each crop to the agency of
    the first read naming it, never to a later read that borrowed the hash."""
    platform = Platform(tmp_path / "data")
    setup_registry(platform)
    row = {"camera_id": "il-c1", "ts": iso(3), "plate": "ILC123", "confidence": 0.9,
           "crop_b64": base64.b64encode(IL_CROP).decode()}  # fmt: skip
    parsed = platform.intake.parse([row], {"il-c1"}, accept_crops=True)
    platform.crops.store_crops(parsed)
    platform.intake.store_parsed(parsed)
    borrow_around_the_parse(platform)
    platform.store.execute("DROP TABLE crop_owners")
    platform.store.execute("DELETE FROM schema_migrations WHERE name = '0010_crop_owners'")
    platform.close()
    reopened = Platform(tmp_path / "data")
    try:
        rows = reopened.store.execute("SELECT crop_ref, agency_id FROM crop_owners")
        assert rows == [(f"sha256:{SHA}", "il-test-pd")]
    finally:
        reopened.close()
