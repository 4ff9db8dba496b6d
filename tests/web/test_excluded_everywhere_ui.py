"""A search every network excludes (issue #18 item 4): the preview offers no Run and says why
for each network; a run anyway (the reason changed after a clean preview) is refused with each
network's reason, not a bare error, and is logged as denied, never as a success."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from web.ui_client import csrf, sign_in

#: Illinois' TRUST Act binds an Illinois officer on every network, whoever owns it.
FORM = {"purpose": "stolen_vehicle", "case_number": "24-9", "plate": "KLM456", "mode": "exact",
        "reason": "locate the driver for ICE immigration enforcement and deportation"}  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def test_the_preview_offers_no_run_and_the_run_keeps_every_networks_reason(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-officer")
    token = csrf(client.get("/ui/search"))
    networks = [n.id for n in platform.store.networks()]
    shown = client.post("/ui/search", data={**FORM, "action": "preview", "csrf_token": token})
    assert shown.status_code == 200
    assert 'id="excluded-everywhere"' in shown.text
    assert "Run search" not in shown.text
    excluded = shown.text.split("Networks excluded, and why", 1)[1]
    assert all(f"<td>{n}</td>" in excluded for n in networks)

    before = platform.audit.size
    ran = client.post("/ui/search", data={**FORM, "action": "run", "csrf_token": token})
    assert ran.status_code == 403 and "Request refused" in ran.text
    reasons = ran.text.split("Networks excluded, and why", 1)[1]
    assert all(f"<td>{n}</td>" in reasons for n in networks)
    assert "TRUST Act" in reasons
    entries = [orjson.loads(platform.audit.entry(i)) for i in range(before, platform.audit.size)]
    assert [e["outcome"] for e in entries if e["event_type"] == "search"] == ["denied"]
