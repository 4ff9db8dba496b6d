"""Webhooks as an agency admin manages them: the private allow-list (audited), the URL in the
audit without secrets, list and revoke, and every delivery audited — webhook and SSE (issue #23,
items 5 and 6)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.alerts.webhook_urls import audit_url
from plateledger.api.app import create_app
from plateledger.app.platform import Platform

API = "/api/v1"
LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat()
SECRET = "s3cret-s3cret-s3cret"


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def logged(platform: Platform, kind: str, start: int = 0) -> list[dict[str, Any]]:
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(start, platform.audit.size))
    return [e for e in entries if e["event_type"] == kind]


def add(client: TestClient, platform: Platform, url: str, who: str = "il-admin") -> Any:
    return client.post(f"{API}/webhooks", json={"url": url, "secret": SECRET},
                       headers=auth(platform, who))  # fmt: skip


def alert_for(client: Any, platform: Platform, plate: str = "ABC1234") -> None:
    admin = auth(platform, "il-admin")
    body = {"name": "Stolen", "purpose": "stolen_vehicle", "legal_basis": "NCIC 2.0"}
    lid = client.post(f"{API}/hotlists", json=body, headers=admin).json()["id"]
    entry = {"plate": plate, "state": "IL", "reason": "stolen vehicle report 24-90",
             "case_number": "24-90", "expires_at": LATER}  # fmt: skip
    r = client.post(f"{API}/hotlists/{lid}/entries", json=entry, headers=admin)
    assert r.status_code == 200, r.text
    row = {"camera_id": "il-c1", "ts": iso(0), "plate": plate, "plate_state": "IL"}
    assert client.post(f"{API}/reads", json=[row], headers=admin).json()["stored"] == 1


def test_private_addresses_need_the_admins_audited_allow_list(
    client: TestClient, platform: Platform
) -> None:
    admin = auth(platform, "il-admin")
    assert add(client, platform, "https://10.20.1.5/hook").status_code == 422
    for never in (["127.0.0.0/8"], ["169.254.0.0/16"], ["0.0.0.0/0"], ["8.8.8.0/24"], ["x"]):
        r = client.put(f"{API}/webhooks/private-networks", json={"networks": never},
                       headers=admin)  # fmt: skip
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "networks"
    before = platform.audit.size
    r = client.put(f"{API}/webhooks/private-networks", json={"networks": ["10.20.0.0/16"]},
                   headers=admin)  # fmt: skip
    assert r.json() == {"networks": ["10.20.0.0/16"]}
    (change,) = logged(platform, "config_change", before)
    assert change["user_id"] == "il-admin" and change["networks"] == ["il-net"]
    assert change["subject"] == {
        "action": "webhook_private_networks",
        "private_networks": ["10.20.0.0/16"],
        "previous_networks": [],
    }
    assert add(client, platform, "https://10.20.1.5/hook").status_code == 200
    for refused in ("https://10.21.0.1/hook", "https://127.0.0.1/hook",
                    "https://169.254.169.254/latest", "http://10.20.1.5/hook"):  # fmt: skip
        assert add(client, platform, refused).status_code == 422, refused
    tx = client.get(f"{API}/webhooks/private-networks", headers=auth(platform, "tx-admin"))
    assert tx.json() == {"networks": []}  # one agency's allow-list is its own
    assert add(client, platform, "https://10.20.1.5/hook", "tx-admin").status_code == 422


def test_the_audit_keeps_the_whole_url_but_not_its_secrets(
    client: TestClient, platform: Platform
) -> None:
    url = ("https://hooks.example.com:8443/services/T0001/B0002/a1B2c3D4e5F6g7H8i9J0"
           "?channel=alerts&token=abc&sig=xyz&v=Zq9Xw8Vu7Ts6Rq5Po4Nm")  # fmt: skip
    before = platform.audit.size
    assert add(client, platform, url).status_code == 200
    (change,) = logged(platform, "config_change", before)
    assert change["subject"]["url"] == (
        "https://hooks.example.com:8443/services/T0001/B0002/REDACTED"
        "?channel=alerts&token=REDACTED&sig=REDACTED&v=REDACTED"
    )
    assert audit_url("https://a.example/p?q=plain") == "https://a.example/p?q=plain"


def test_list_and_revoke_are_the_agencys_own_and_audited(
    client: TestClient, platform: Platform
) -> None:
    hook = add(client, platform, "https://hooks.example.com/a?token=abc").json()["id"]
    listed = client.get(f"{API}/webhooks", headers=auth(platform, "il-admin")).json()
    assert [(h["id"], h["url"], h["revoked_at"]) for h in listed] == [
        (hook, "https://hooks.example.com/a?token=REDACTED", None)
    ]
    assert SECRET not in json.dumps(listed)
    assert client.get(f"{API}/webhooks", headers=auth(platform, "tx-admin")).json() == []
    other = client.delete(f"{API}/webhooks/{hook}", headers=auth(platform, "tx-admin"))
    assert other.status_code == 404
    before = platform.audit.size
    gone = client.delete(f"{API}/webhooks/{hook}", headers=auth(platform, "il-admin"))
    assert gone.status_code == 200 and gone.json()["revoked_at"]
    (change,) = logged(platform, "config_change", before)
    assert change["subject"]["action"] == "webhook_revoke"
    assert change["subject"]["webhook_id"] == hook
    again = client.delete(f"{API}/webhooks/{hook}", headers=auth(platform, "il-admin"))
    assert again.status_code == 422


class _Receiver(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802
        type(self).received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _settled(platform: Platform, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        got = [e for e in logged(platform, "alert_delivery")
               if e["subject"]["channel"] == "webhook"]  # fmt: skip
        if len(got) >= count:
            return got
        time.sleep(0.02)
    return []


def test_each_webhook_delivery_is_audited_and_a_revoked_one_gets_nothing(
    client: TestClient, platform: Platform
) -> None:
    platform.hotlists.lists.allow_loopback_http = True  # a receiver on this machine (dev flag)
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook?key=k3yK3yk3yK3yk3yK3y"
        hook = add(client, platform, url).json()["id"]
        alert_for(client, platform)
        (delivered,) = _settled(platform, 1)
        assert client.delete(f"{API}/webhooks/{hook}",
                             headers=auth(platform, "il-admin")).status_code == 200  # fmt: skip
        alert_for(client, platform, "XYZ5678")  # no live webhook: nothing is sent
        # a delivery queued before the revocation is refused when its turn comes
        platform.hotlists.engine.webhooks.send(url, SECRET, json.loads(_Receiver.received[0]))
        settled = _settled(platform, 2)
    finally:
        server.shutdown()
    assert len(_Receiver.received) == 1
    assert delivered["subject"]["status"] == "delivered" and delivered["outcome"] == "success"
    assert delivered["subject"]["webhook_id"] == hook and delivered["networks"] == ["il-net"]
    assert delivered["subject"]["url"].endswith("/hook?key=REDACTED")
    assert delivered["subject"]["alert_id"] == json.loads(_Receiver.received[0])["alert_id"]
    assert settled[1]["subject"]["status"] == "refused" and settled[1]["outcome"] == "failure"


def test_each_sse_alert_is_audited_before_it_is_sent(platform: Platform, live: str) -> None:
    got: list[dict[str, Any]] = []

    def listen() -> None:
        timeout = httpx.Timeout(5, read=3)
        with httpx.stream("GET", f"{live}{API}/alerts/stream", timeout=timeout,
                          headers=auth(platform, "il-officer")) as stream:  # fmt: skip
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    got.append(json.loads(line[6:]))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    time.sleep(0.5)
    with httpx.Client(base_url=live, timeout=10) as client:
        alert_for(client, platform)
    thread.join(timeout=5)
    (alert,) = got
    sse = [e for e in logged(platform, "alert_delivery") if e["subject"]["channel"] == "sse"]
    assert [(e["user_id"], e["subject"]["alert_id"], e["subject"]["status"]) for e in sse] == [
        ("il-officer", alert["alert_id"], "sent")
    ]
    assert sse[0]["networks"] == ["il-net"]
