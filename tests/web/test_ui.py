"""The web UI through the real app: sign-in, CSRF, search with policy preview, holds."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.policy.purposes import selectable_purposes
from web.ui_client import csrf, sign_in

HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
QUERY = {"plate": "ABC123", "mode": "exact", "max_distance": "1", "purpose": "stolen_vehicle",
         "case_number": "24-1", "reason": "stolen vehicle report 24-1187"}  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        rows = [{"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123", "confidence": 0.9}]
        c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin"))
        tx = [{"camera_id": "tx-c1", "ts": iso(4), "plate": "ABC123", "confidence": 0.9}]
        c.post("/api/v1/reads", json=tx, headers=auth(platform, "tx-admin"))
        yield c


def post_search(client: TestClient, action: str, **fields: str) -> Response:
    page = client.get("/ui/search")
    return client.post(
        "/ui/search", data={**QUERY, **fields, "action": action, "csrf_token": csrf(page)}
    )


def test_bad_token_is_refused(client: TestClient, platform: Platform) -> None:
    form = client.get("/ui/signin")
    bad = client.post("/ui/signin", data={"csrf_token": csrf(form), "token": "plt_nope"})
    assert bad.status_code == 401 and "not valid" in bad.text
    assert "pl_session" not in client.cookies
    assert client.get("/ui/search").url.path == "/ui/signin"  # still signed out


def test_sign_in_lists_purposes_and_session_holds_no_token(
    client: TestClient, platform: Platform
) -> None:
    page = sign_in(client, platform, "il-officer")
    assert page.status_code == 200 and page.url.path == "/ui/search"
    for p in selectable_purposes():
        assert f'value="{p.code}"' in page.text
    cookie = client.cookies["pl_session"]
    assert platform.test_tokens["il-officer"] not in cookie  # type: ignore[attr-defined]
    secret = platform.data_dir / "ui-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    signout = client.post("/ui/signout", data={"csrf_token": csrf(page)})
    assert signout.url.path == "/ui/signin"
    assert client.get("/ui/search").url.path == "/ui/signin"


def test_posts_without_csrf_are_refused(client: TestClient, platform: Platform) -> None:
    token = platform.test_tokens["il-officer"]  # type: ignore[attr-defined]
    assert client.post("/ui/signin", data={"token": token}).status_code == 403
    sign_in(client, platform, "il-officer")
    missing = client.post("/ui/search", data={**QUERY, "action": "run"})
    assert missing.status_code == 403
    forged = client.post("/ui/search", data={**QUERY, "action": "run", "csrf_token": "x"})
    assert forged.status_code == 403


def test_lawful_search_previews_then_shows_results(
    client: TestClient, platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(client, platform, "il-officer")
    preview = post_search(client, "preview")
    assert preview.status_code == 200 and "Policy preview" in preview.text
    searched, excluded = preview.text.split("Networks excluded, and why")
    assert "<td>il-net</td>" in searched.split("Policy preview")[1]
    assert "<td>tx-net</td>" in excluded and "<td>il-net</td>" not in excluded
    assert not platform.store.execute("SELECT * FROM search_log", [])  # a preview logs nothing
    results = post_search(client, "run")
    assert results.status_code == 200
    assert "Test PD (IL)" in results.text and "exact plate match" in results.text
    assert "Main St NB" in results.text and "No evidence image" in results.text
    timeline = client.post(
        "/ui/timeline",
        data={"plate": "ABC123", "purpose": "stolen_vehicle", "case_number": "24-1",
              "reason": QUERY["reason"], "csrf_token": csrf(results)},
    )  # fmt: skip
    assert timeline.status_code == 200 and "Timeline of ABC123" in timeline.text
    assert "Sightings in order" in timeline.text
    assert "ABC123" not in caplog.text  # plate text never reaches the logs


def test_texas_ice_warrant_shows_the_excluded_networks_and_why(
    client: TestClient, platform: Platform
) -> None:
    shared = client.post(
        "/api/v1/networks/il-net/sharing", json={"grantee_kind": "national"},
        headers=auth(platform, "il-admin"),
    )  # fmt: skip
    assert shared.status_code == 200
    sign_in(client, platform, "tx-officer")
    fields = {"purpose": "wanted_person_felony", "reason": "ICE WARRANT"}
    for action in ("preview", "run"):
        page = post_search(client, action, **fields)
        assert page.status_code == 200
        excluded = page.text.split("Networks excluded, and why")[1]
        assert "il-net" in excluded and "625 ILCS 5/2-130" in excluded
        assert "IL.purpose.prohibited.immigration_enforcement" in excluded
    assert "Test PD (TX)" in page.text  # the Texas read is still returned


def test_held_search_is_decided_by_a_supervisor(client: TestClient, platform: Platform) -> None:
    policy = client.put(
        "/api/v1/agencies/il-test-pd/policy", json={"require_specific_reason": True},
        headers=auth(platform, "il-admin"),
    )  # fmt: skip
    assert policy.status_code == 200
    sign_in(client, platform, "il-officer")
    held = post_search(client, "run", reason="inv")
    assert held.status_code == 202 and "Held for approval" in held.text
    search_id = re.search(r"<code>([^<]+)</code>", held.text)
    assert search_id
    sid = search_id.group(1)
    assert client.get("/ui/holds").status_code == 403  # officers have no queue
    queue = sign_in(client, platform, "il-supervisor")
    assert queue.url.path == "/ui/holds"
    assert sid in queue.text and "inv" in queue.text and "vague" in queue.text
    assert "Classifier evidence" in queue.text
    without_note = client.post(
        f"/ui/holds/{sid}/decide", data={"decision": "approve", "csrf_token": csrf(queue)}
    )
    assert without_note.status_code == 422
    decided = client.post(
        f"/ui/holds/{sid}/decide",
        data={"decision": "approve", "note": "confirmed by phone", "csrf_token": csrf(queue)},
    )
    assert decided.status_code == 200 and "Search approved" in decided.text
    assert sid not in decided.text
    hold = platform.holds.get(sid)
    assert (hold.status, hold.decided_by, hold.note) == (
        "approved", "il-supervisor", "confirmed by phone",
    )  # fmt: skip
    page = sign_in(client, platform, "il-officer")
    resumed = client.post(f"/ui/holds/{sid}/resume", data={"csrf_token": csrf(page)})
    assert resumed.status_code == 200 and "Test PD (IL)" in resumed.text


def test_security_headers_and_no_external_urls(client: TestClient, platform: Platform) -> None:
    pages = [client.get("/ui/signin")]
    root = client.get("/", follow_redirects=False)
    assert root.status_code == 307 and root.headers["location"] == "/ui/"
    pages.append(sign_in(client, platform, "il-officer"))
    pages.append(post_search(client, "preview"))
    pages.append(post_search(client, "run"))
    css = client.get("/ui/static/ui.css")
    assert css.status_code == 200
    for page in [*pages, root, css]:
        for name, value in HEADERS.items():
            assert page.headers[name].startswith(value), name
    for page in [*pages, css]:
        assert not re.search(r"https?://|//[a-z]", page.text), page.url
        # scripts only as same-origin files under /ui/static (CSP forbids inline ones anyway)
        assert not re.search(r'<script(?![^>]*\bsrc="/ui/static/)', page.text), page.url
