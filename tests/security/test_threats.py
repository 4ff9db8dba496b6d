"""Threat-model mitigations of SECURITY.md not proven elsewhere, on the real app and store:
a colluding supervisor approving their own held search, and a federal request run by a local
officer on the federal agency's behalf."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.api.limits import Limits
from plateledger.app.platform import Platform


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    app = create_app(platform, background=False, limits=Limits(rate_per_s=0))
    with TestClient(app) as c:
        rows = [{"camera_id": "il-c1", "ts": iso(5), "plate": "THR001"}]
        assert c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin")).is_success
        yield c


def _search(client: TestClient, platform: Platform, user: str, **body: Any) -> Any:
    payload = {"query": {"plate": "THR001"}, "purpose": "stolen_vehicle", "case_number": "24-3",
               **body}  # fmt: skip
    return client.post("/api/v1/searches", json=payload, headers=auth(platform, user))


def test_supervisor_cannot_approve_their_own_held_search(
    client: TestClient, platform: Platform
) -> None:
    policy = {"require_specific_reason": True}
    r = client.put("/api/v1/agencies/il-test-pd/policy", json=policy,
                   headers=auth(platform, "il-admin"))  # fmt: skip
    assert r.status_code == 200
    held = _search(client, platform, "il-supervisor", reason="inv")
    assert held.status_code == 202, held.text
    search_id = held.json()["search_id"]
    own = client.post(f"/api/v1/searches/{search_id}/approve", json={"note": "fine by me"},
                      headers=auth(platform, "il-supervisor"))  # fmt: skip
    assert own.status_code == 403
    assert "own search" in own.json()["error"]["message"]
    resumed = client.post(f"/api/v1/searches/{search_id}/resume",
                          headers=auth(platform, "il-supervisor"))  # fmt: skip
    assert resumed.status_code == 409  # still held: nothing was read


def test_federal_request_through_a_local_officer_is_judged_and_logged_as_federal(
    client: TestClient, platform: Platform
) -> None:
    r = _search(client, platform, "il-officer", reason="ERO detainer, removal case",
                on_behalf_of="us-fed")  # fmt: skip
    assert r.status_code == 403, r.text  # no network may be searched: nothing is read
    excluded = {d["network"]: d for d in r.json()["error"]["details"]["networks_excluded"]}
    assert excluded["il-net"]["decision"] == "deny"
    assert "IL.purpose.prohibited.immigration_enforcement" in excluded["il-net"]["rule_ids"]
    entries = [orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size)]
    searches = [e for e in entries if e["event_type"] in ("search", "denial")]
    assert searches, "the attempt is not in the audit log"
    last = searches[-1]
    assert last["user_id"] == "il-officer"
    assert last["subject"]["on_behalf_of"] == "us-fed"
    assert "il-net" in last["networks"]  # in the owner's network audit, denied or not
    assert "il-net" not in last["subject"]["networks_searched"]
