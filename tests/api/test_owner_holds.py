"""Holds raised by an owner's law are the owner's to decide; approvals are single-use, bound to
the held query and time window, and lapse (issue #23 item 2). Over HTTP, on the real app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.accounts.tokens import new_token
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.domain.types import (
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    User,
    UserId,
)
from plateledger.errors import ForbiddenError
from plateledger.search.types import SearchResponse

EXTRA_USERS = [
    User(UserId("tx-supervisor"), AgencyId("tx-test-pd"), "TX Supervisor", "supervisor"),
    User(UserId("wa-supervisor"), AgencyId("wa-test-pd"), "WA Supervisor", "supervisor"),
    User(UserId("wa-admin"), AgencyId("wa-test-pd"), "WA Admin", "admin"),
]
HSI = {"query": {"plate": "ABC123"}, "purpose": "stolen_vehicle", "case_number": "24-1",
       "reason": "HSI"}  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    """IL, WA and TX networks shared nationally, an IL declaration of TX accepted by IL, and a
    plate seen on all three."""
    store = platform.store
    store.upsert_agencies([Agency(AgencyId("wa-test-pd"), "Test PD (WA)", "WA", "municipal", None)])
    store.upsert_networks([Network(NetworkId("wa-net"), AgencyId("wa-test-pd"), "WA fixed")])
    store.upsert_cameras(
        [Camera(CameraId("wa-c1"), NetworkId("wa-net"), "Pike", 47.6, -122.3, 0.0)]
    )
    store.upsert_users(EXTRA_USERS)
    for u in EXTRA_USERS:
        secret, token = new_token(u.id, "test")
        store.add_token(token)
        platform.test_tokens[u.id] = secret  # type: ignore[attr-defined]
    with TestClient(create_app(platform, background=False)) as c:
        for camera, admin in (("il-c1", "il-admin"), ("tx-c1", "tx-admin"), ("wa-c1", "wa-admin")):
            rows = [{"camera_id": camera, "ts": iso(5), "plate": "ABC123", "confidence": 0.9}]
            assert c.post("/api/v1/reads", json=rows, headers=auth(platform, admin)).is_success
        for net, admin in (("il-net", "il-admin"), ("wa-net", "wa-admin")):
            shared = c.post(f"/api/v1/networks/{net}/sharing", json={"grantee_kind": "national"},
                            headers=auth(platform, admin))  # fmt: skip
            assert shared.status_code == 200
        declaration = {"state": "IL", "signed_at": iso(60), "document_ref": "doc://tx-il"}
        filed = c.post("/api/v1/agencies/tx-test-pd/declarations", json=declaration,
                       headers=auth(platform, "tx-admin"))  # fmt: skip
        c.post(f"/api/v1/declarations/{filed.json()['id']}/accept", json={"note": "on file"},
               headers=auth(platform, "il-admin")).raise_for_status()  # fmt: skip
        yield c


def post(c: TestClient, p: Platform, path: str, user: str, **body: Any) -> Any:
    return c.post(f"/api/v1{path}", json=body or None, headers=auth(p, user))


def network_audit(c: TestClient, p: Platform, admin: str, network: str) -> list[dict[str, Any]]:
    """The owner's network audit, as its admin reads it (JSON lines of index and entry)."""
    r = c.get(f"/api/v1/audit/networks/{network}", headers=auth(p, admin))
    assert r.status_code == 200, r.text
    return [orjson.loads(line)["entry"] for line in r.text.splitlines() if line]


def held_search(c: TestClient, p: Platform) -> dict[str, Any]:
    r = c.post("/api/v1/searches", json=HSI, headers=auth(p, "tx-officer"))
    assert r.status_code in (200, 202), r.text
    body: dict[str, Any] = r.json()
    held = {d["network"]: d for d in body["networks_excluded"] if d["decision"] == "hold"}
    assert set(held) == {"il-net", "wa-net"}
    assert any(e["text"] == "HSI" for e in held["il-net"]["evidence"])
    return body


def test_the_searchers_supervisor_cannot_clear_an_owner_law_hold(
    client: TestClient, platform: Platform
) -> None:
    sid = held_search(client, platform)["search_id"]
    for verb in ("approve", "reject"):
        r = post(client, platform, f"/searches/{sid}/{verb}", "tx-supervisor", note="HSI is ok")
        assert r.status_code == 403, r.text
    assert post(client, platform, f"/searches/{sid}/resume", "tx-officer").status_code == 409
    # the owner's supervisor sees the request, the words and the rule, for its networks only
    seen = client.get(f"/api/v1/searches/{sid}/hold", headers=auth(platform, "il-supervisor"))
    assert seen.status_code == 200
    (part,) = seen.json()["decisions"]
    assert part["agency"] == "il-test-pd" and part["networks"] == ["il-net"]
    assert "IL.purpose.prohibited.immigration_enforcement" in part["rules"]
    assert [e["text"] for e in part["evidence"]] == ["HSI"]
    assert seen.json()["reason"] == "HSI" and seen.json()["query"]["plate"] == "ABC123"


def test_each_owner_decides_its_own_networks_and_the_rest_stay_excluded(
    client: TestClient, platform: Platform
) -> None:
    sid = held_search(client, platform)["search_id"]
    ok = post(client, platform, f"/searches/{sid}/approve", "il-supervisor", note="case checked")
    assert ok.status_code == 200 and ok.json()["status"] == "pending"  # WA has not decided
    again = post(client, platform, f"/searches/{sid}/approve", "il-supervisor", note="again")
    assert again.status_code == 409
    resumed = post(client, platform, f"/searches/{sid}/resume", "tx-officer")
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert {d["network"] for d in body["networks_searched"]} == {"il-net", "tx-net"}
    wa = next(d for d in body["networks_excluded"] if d["network"] == "wa-net")
    assert wa["decision"] == "hold" and "hold.not_approved" in wa["rule_ids"]
    assert {r["owner_agency"] for r in body["results"]} == {"il-test-pd", "tx-test-pd"}
    # the approval is spent: replaying it, or WA approving afterwards, searches nothing more
    assert post(client, platform, f"/searches/{sid}/resume", "tx-officer").status_code == 409
    late = post(client, platform, f"/searches/{sid}/approve", "wa-supervisor", note="late")
    assert late.status_code == 409


def test_the_approval_is_in_the_owners_network_audit(
    client: TestClient, platform: Platform
) -> None:
    sid = held_search(client, platform)["search_id"]
    post(client, platform, f"/searches/{sid}/approve", "il-supervisor", note="case checked")
    entries = network_audit(client, platform, "il-admin", "il-net")
    approved = [e for e in entries if e["event_type"] == "hold_approved"]
    assert len(approved) == 1 and approved[0]["networks"] == ["il-net"]
    subject = approved[0]["subject"]
    assert subject["decided_for"] == "il-test-pd" and subject["search_id"] == sid
    assert subject["evidence"][0]["text"] == "HSI" and subject["expires_at"]
    wa = client.get("/api/v1/audit/networks/wa-net", headers=auth(platform, "wa-admin"))
    assert "hold_approved" not in wa.text  # WA's network audit: the search, not IL's approval


def test_an_expired_approval_is_refused(client: TestClient, platform: Platform) -> None:
    sid = held_search(client, platform)["search_id"]
    for sup in ("il-supervisor", "wa-supervisor"):
        assert post(client, platform, f"/searches/{sid}/approve", sup, note="ok").status_code == 200
    # 25 hours pass (the approval lives 24): the decision is moved back in the real table
    platform.store.execute(
        "UPDATE hold_parts SET decided_at = decided_at - INTERVAL 25 HOUR WHERE search_id = ?",
        [sid],
    )
    late = post(client, platform, f"/searches/{sid}/resume", "tx-officer")
    assert late.status_code == 409 and "expired" in late.text


def test_the_resumed_window_ends_when_the_search_was_held(
    client: TestClient, platform: Platform
) -> None:
    sid = held_search(client, platform)["search_id"]
    post(client, platform, f"/searches/{sid}/approve", "il-supervisor", note="ok")
    later = [{"camera_id": "il-c2", "ts": datetime.now(UTC).isoformat(), "plate": "ABC123",
              "confidence": 0.9}]  # fmt: skip
    client.post("/api/v1/reads", json=later, headers=auth(platform, "il-admin")).raise_for_status()
    body = post(client, platform, f"/searches/{sid}/resume", "tx-officer").json()
    cameras = {r["camera_id"] for r in body["results"]}
    assert "il-c1" in cameras and "il-c2" not in cameras  # seen after the hold: not approved


def test_an_approval_used_for_another_query_is_refused(
    client: TestClient, platform: Platform
) -> None:
    """Through the service itself (the resume route takes no query): the approval carries the
    exact query and time window, and the search path compares them."""
    from dataclasses import replace

    sid = held_search(client, platform)["search_id"]
    post(client, platform, f"/searches/{sid}/approve", "il-supervisor", note="ok")
    tx = next(u for u in platform.store.users() if u.id == "tx-officer")
    request = platform.holds.resume(sid, tx)
    other_plate = replace(request, query=replace(request.query, plate="XYZ987"))
    wider = replace(request, query=replace(request.query, time_to=datetime.now(UTC)))
    for forged in (other_plate, wider):
        with pytest.raises(ForbiddenError, match="another query or time window"):
            platform.search.search(forged)
    assert isinstance(platform.search.search(request), SearchResponse)
