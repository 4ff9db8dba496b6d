"""The alert queue through the real app: the card, the checklist, dispositions under the API's
rules, CSRF, agency isolation, and the live SSE stream on a real server."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.alerts import tables
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from web.ui_client import csrf, sign_in

LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat()


def make_list(client: Any, platform: Platform) -> None:
    body = {"name": "Stolen vehicles", "purpose": "stolen_vehicle", "legal_basis": "NCIC 2.0"}
    made = client.post("/api/v1/hotlists", json=body, headers=auth(platform, "il-admin"))
    assert made.status_code == 200, made.text
    entry = {"plate": "ABC1234", "state": "IL", "reason": "stolen 24-77", "case_number": "24-77",
             "expires_at": LATER, "vehicle": "grey Honda Civic"}  # fmt: skip
    added = client.post(f"/api/v1/hotlists/{made.json()['id']}/entries", json=entry,
                        headers=auth(platform, "il-admin"))  # fmt: skip
    assert added.status_code == 200, added.text


def ingest(client: Any, platform: Platform, plate: str = "ABC1234", state: str = "IL") -> str:
    rows = [{"camera_id": "il-c1", "ts": iso(0), "plate": plate, "plate_state": state,
             "confidence": 0.9, "crop_ref": "crop://il-c1/77.jpg"}]  # fmt: skip
    r = client.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin"))
    assert r.status_code == 200, r.text
    hits = tables.load_hits(platform.store, "il-test-pd")
    assert hits, "the read raised no alert"
    alert_id: str = hits[0]["id"]
    return alert_id


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        make_list(c, platform)
        yield c


def test_queue_shows_the_crop_the_entry_and_the_checklist(
    client: TestClient, platform: Platform
) -> None:
    alert_id = ingest(client, platform)
    sign_in(client, platform, "il-officer")
    page = client.get("/ui/alerts")
    assert page.status_code == 200
    card = page.text.split(f'id="alert-{alert_id}"')[1].split("</article>")[0]
    assert "crop://il-c1/77.jpg" in card and "Main St NB" in card
    assert "stolen 24-77" in card and "24-77" in card and "grey Honda Civic" in card
    for check in ("characters_match", "state_match", "entry_active"):
        assert f'name="{check}" value="yes"' in card
    assert f'action="/ui/alerts/{alert_id}/verify"' in card
    assert '<script src="/ui/static/alerts.js" defer></script>' in page.text
    assert 'data-stream="/ui/alerts/stream"' in page.text
    fragment = client.get(f"/ui/alerts/{alert_id}/card")
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith("<article")
    assert "<html" not in fragment.text and "grey Honda Civic" in fragment.text


def test_a_full_check_makes_the_alert_actionable_then_it_is_confirmed(
    client: TestClient, platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    alert_id = ingest(client, platform)
    sign_in(client, platform, "il-officer")
    token = csrf(client.get("/ui/alerts").text)
    checks = {"characters_match": "yes", "state_match": "yes", "entry_active": "yes"}
    body = {**checks, "note": "image matches", "csrf_token": token}
    verified = client.post(f"/ui/alerts/{alert_id}/verify", data=body)
    assert verified.status_code == 200 and "actionable" in verified.text
    hit = tables.load_hit(platform.store, alert_id)
    assert hit and (hit["status"], hit["verified_by"], hit["note"]) == (
        "verified", "il-officer", "image matches",
    )  # fmt: skip
    again = client.post(f"/ui/alerts/{alert_id}/verify", data={**checks, "csrf_token": token})
    assert again.status_code == 409 and "already verified" in again.text
    closed = client.post(f"/ui/alerts/{alert_id}/disposition",
                         data={"disposition": "confirmed", "csrf_token": token})  # fmt: skip
    assert closed.status_code == 200 and "closed: confirmed" in closed.text
    hit = tables.load_hit(platform.store, alert_id)
    assert hit and (hit["status"], hit["disposition"]) == ("closed", "confirmed")
    assert "No open alerts." in closed.text and "Closed alerts (1)" in closed.text
    assert alert_id in caplog.text and "ABC1234" not in caplog.text  # ids in logs, no plates


def test_a_failed_check_cannot_be_confirmed_and_a_misread_suppresses(
    client: TestClient, platform: Platform
) -> None:
    alert_id = ingest(client, platform)
    sign_in(client, platform, "il-officer")
    token = csrf(client.get("/ui/alerts").text)
    rejected = client.post(f"/ui/alerts/{alert_id}/verify",
                           data={"characters_match": "yes", "csrf_token": token})  # fmt: skip
    assert rejected.status_code == 200 and "rejected (not actionable)" in rejected.text
    assert "state match" in rejected.text and "entry active" in rejected.text
    refused = client.post(f"/ui/alerts/{alert_id}/disposition",
                          data={"disposition": "confirmed", "csrf_token": token})  # fmt: skip
    assert refused.status_code == 409 and "confirm the characters" in refused.text
    unknown = client.post(f"/ui/alerts/{alert_id}/disposition",
                          data={"disposition": "arrested", "csrf_token": token})  # fmt: skip
    assert unknown.status_code == 422 and "disposition: expected one of" in unknown.text
    misread = client.post(f"/ui/alerts/{alert_id}/disposition",
                          data={"disposition": "misread", "csrf_token": token})  # fmt: skip
    assert misread.status_code == 200 and "closed: misread" in misread.text
    before = len(tables.load_hits(platform.store, "il-test-pd"))
    rows = [{"camera_id": "il-c1", "ts": iso(0), "plate": "ABC1234", "plate_state": "IL",
             "confidence": 0.9}]  # fmt: skip
    client.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin"))
    assert len(tables.load_hits(platform.store, "il-test-pd")) == before  # suppressed


def test_posts_need_csrf_and_alerts_stay_in_their_agency(
    client: TestClient, platform: Platform
) -> None:
    alert_id = ingest(client, platform)
    sign_in(client, platform, "il-officer")
    checks = {"characters_match": "yes", "state_match": "yes", "entry_active": "yes"}
    assert client.post(f"/ui/alerts/{alert_id}/verify", data=checks).status_code == 403
    forged = client.post(f"/ui/alerts/{alert_id}/disposition",
                         data={"disposition": "misread", "csrf_token": "forged"})  # fmt: skip
    assert forged.status_code == 403
    hit = tables.load_hit(platform.store, alert_id)
    assert hit and (hit["status"], hit["disposition"]) == ("new", None)
    sign_in(client, platform, "tx-officer")
    page = client.get("/ui/alerts")
    assert page.status_code == 200 and alert_id not in page.text
    assert client.get(f"/ui/alerts/{alert_id}/card").status_code == 404
    other = client.post(f"/ui/alerts/{alert_id}/verify",
                        data={**checks, "csrf_token": csrf(page.text)})  # fmt: skip
    assert other.status_code == 404
    sign_in(client, platform, "il-admin")
    assert client.get("/ui/alerts").status_code == 403  # officers and supervisors only
    client.cookies.clear()
    signed_out = client.get("/ui/alerts/stream", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/ui/signin"


def test_the_session_stream_carries_new_alert_ids_of_the_agency(
    platform: Platform, live: str
) -> None:
    with httpx.Client(base_url=live, timeout=10) as client:
        make_list(client, platform)
        sign_in(client, platform, "il-officer")
        received: list[dict[str, Any]] = []
        connected = threading.Event()

        def listen() -> None:
            try:
                with client.stream("GET", "/ui/alerts/stream",
                                   timeout=httpx.Timeout(5, read=5)) as stream:  # fmt: skip
                    assert stream.headers["content-type"].startswith("text/event-stream")
                    for line in stream.iter_lines():
                        if line.startswith(": connected"):
                            connected.set()
                        if line.startswith("data: "):
                            received.append(json.loads(line[6:]))
                            return
            except httpx.ReadTimeout:
                return

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert connected.wait(5), "the stream did not open"
        with httpx.Client(base_url=live, timeout=10) as api:
            alert_id = ingest(api, platform)
        thread.join(timeout=6)
        assert received == [{"alert_id": alert_id}]  # ids only: the card is fetched
        card = client.get(f"/ui/alerts/{alert_id}/card")
        assert card.status_code == 200 and "stolen 24-77" in card.text
