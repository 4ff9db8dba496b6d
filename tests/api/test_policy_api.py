"""Policy through the real app: sharing, law-based exclusions, holds, declarations, access."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        rows = [{"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123", "confidence": 0.9}]
        c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin"))
        tx = [{"camera_id": "tx-c1", "ts": iso(4), "plate": "ABC123", "confidence": 0.9}]
        c.post("/api/v1/reads", json=tx, headers=auth(platform, "tx-admin"))
        yield c


def share(client: TestClient, platform: Platform, network: str, admin: str, **body: Any) -> Any:
    body.setdefault("grantee_kind", "national")
    return client.post(
        f"/api/v1/networks/{network}/sharing", json=body, headers=auth(platform, admin)
    )


def search(client: TestClient, platform: Platform, user: str, reason: str, **kw: Any) -> Any:
    body = {"query": {"plate": "ABC123"}, "purpose": kw.pop("purpose", "stolen_vehicle"),
            "case_number": "24-1", "reason": reason, **kw}  # fmt: skip
    return client.post("/api/v1/searches", json=body, headers=auth(platform, user))


def test_ice_warrant_from_texas_is_excluded_from_illinois_data(
    client: TestClient, platform: Platform
) -> None:
    assert share(client, platform, "il-net", "il-admin").status_code == 200
    body = search(client, platform, "tx-officer", "ICE WARRANT",
                  purpose="wanted_person_felony").json()  # fmt: skip
    excluded = {d["network"]: d for d in body["networks_excluded"]}
    il = excluded["il-net"]
    assert il["decision"] == "deny"
    assert "IL.purpose.prohibited.immigration_enforcement" in il["rule_ids"]
    assert "625 ILCS 5/2-130" in il["explanation"] and "ICE WARRANT" in il["explanation"]
    searched = {d["network"]: d for d in body["networks_searched"]}
    assert "reason_classified:immigration_enforcement" in searched["tx-net"]["flags"]
    assert {r["owner_agency"] for r in body["results"]} == {"tx-test-pd"}


def test_deny_by_default_then_declaration_then_revoke(
    client: TestClient, platform: Platform
) -> None:
    reason = "stolen vehicle report 24-1187"
    first = search(client, platform, "tx-officer", reason).json()
    assert {"il-net": "deny"} == {
        d["network"]: d["decision"] for d in first["networks_excluded"] if d["network"] == "il-net"
    }
    agreement = share(client, platform, "il-net", "il-admin").json()
    still = search(client, platform, "tx-officer", reason).json()
    il = next(d for d in still["networks_excluded"] if d["network"] == "il-net")
    assert il["rule_ids"] == ["IL.sharing.out_of_state"]  # no written declaration on file
    filed = client.post(
        "/api/v1/agencies/tx-test-pd/declarations",
        json={"state": "IL", "signed_at": iso(60 * 24), "document_ref": "doc://tx-il"},
        headers=auth(platform, "tx-admin"),
    )
    assert filed.status_code == 200 and filed.json()["status"] == "pending"
    pending = search(client, platform, "tx-officer", reason).json()  # filing alone opens nothing
    assert "il-net" not in {d["network"] for d in pending["networks_searched"]}
    accepted = client.post(
        f"/api/v1/declarations/{filed.json()['id']}/accept", json={"note": "signed copy seen"},
        headers=auth(platform, "il-admin"),
    )  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    allowed = search(client, platform, "tx-officer", reason).json()
    assert "il-net" in {d["network"] for d in allowed["networks_searched"]}
    assert {r["owner_agency"] for r in allowed["results"]} == {"il-test-pd", "tx-test-pd"}
    revoke = client.delete(
        f"/api/v1/networks/il-net/sharing/{agreement['id']}", headers=auth(platform, "il-admin")
    )
    assert revoke.status_code == 200
    again = search(client, platform, "tx-officer", reason).json()
    assert "il-net" not in {d["network"] for d in again["networks_searched"]}


def test_only_the_owners_admin_shares(client: TestClient, platform: Platform) -> None:
    assert share(client, platform, "il-net", "tx-admin").status_code == 403
    assert share(client, platform, "il-net", "il-officer").status_code == 403
    bad = share(client, platform, "il-net", "il-admin", grantee_kind="state", grantee="XX")
    assert bad.status_code == 422


def test_vague_reason_is_held_until_a_supervisor_approves(
    client: TestClient, platform: Platform
) -> None:
    policy = client.put(
        "/api/v1/agencies/il-test-pd/policy",
        json={"require_specific_reason": True},
        headers=auth(platform, "il-admin"),
    )
    assert policy.status_code == 200
    held = search(client, platform, "il-officer", "inv")
    assert held.status_code == 202
    search_id = held.json()["search_id"]
    assert held.json()["networks_excluded"][0]["decision"] in ("hold", "deny")
    resume_early = client.post(
        f"/api/v1/searches/{search_id}/resume", headers=auth(platform, "il-officer")
    )
    assert resume_early.status_code == 409
    for user in ("il-officer", "tx-admin"):
        denied = client.post(
            f"/api/v1/searches/{search_id}/approve", json={"note": "ok"},
            headers=auth(platform, user),
        )  # fmt: skip
        assert denied.status_code == 403
    approved = client.post(
        f"/api/v1/searches/{search_id}/approve",
        json={"note": "case 24-1 confirmed by phone"},
        headers=auth(platform, "il-supervisor"),
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    resumed = client.post(
        f"/api/v1/searches/{search_id}/resume", headers=auth(platform, "il-officer")
    )
    assert resumed.status_code == 200
    assert [r["plate"] for r in resumed.json()["results"]] == ["ABC123"]
    log = platform.store.execute("SELECT kind, user_id FROM search_log ORDER BY created_at", [])
    assert ("hold_approved", "il-supervisor") in log


def test_access_answer_is_computed(client: TestClient, platform: Platform) -> None:
    share(client, platform, "il-net", "il-admin", grantee_kind="state", grantee="IL")
    r = client.get("/api/v1/networks/il-net/access", headers=auth(platform, "il-officer"))
    body = r.json()
    rows = {row["agency"]: row["purposes"] for row in body["who_can_search"]}
    assert rows["il-test-pd"]["stolen_vehicle"]["decision"] == "allow"
    assert rows["tx-test-pd"]["stolen_vehicle"]["decision"] == "deny"
    assert body["agreements"][0]["grantee"] == "IL"
    other = client.get("/api/v1/networks/il-net/access", headers=auth(platform, "tx-officer"))
    assert other.status_code == 403
