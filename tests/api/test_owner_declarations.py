"""Declarations take effect only where the owner accepts them; dates are validated; agreements
cannot name a prohibited purpose; every change is in the owner's network audit with before and
after (issue #23 item 3). Over HTTP, on the real app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform

REASON = "stolen vehicle report 24-1187"


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        rows = [{"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123", "confidence": 0.9}]
        c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin")).raise_for_status()
        shared = c.post("/api/v1/networks/il-net/sharing", json={"grantee_kind": "national"},
                        headers=auth(platform, "il-admin"))  # fmt: skip
        assert shared.status_code == 200
        yield c


def file(c: TestClient, p: Platform, user: str = "tx-admin", agency: str = "tx-test-pd",
         **body: Any) -> Any:  # fmt: skip
    body = {"state": "IL", "signed_at": iso(60), "document_ref": "doc://tx-il", **body}
    return c.post(f"/api/v1/agencies/{agency}/declarations", json=body, headers=auth(p, user))


def decide(c: TestClient, p: Platform, declaration: str, user: str, verb: str = "accept") -> Any:
    return c.post(f"/api/v1/declarations/{declaration}/{verb}", json={"note": "checked"},
                  headers=auth(p, user))  # fmt: skip


def network_audit(c: TestClient, p: Platform, admin: str, network: str) -> list[dict[str, Any]]:
    r = c.get(f"/api/v1/audit/networks/{network}", headers=auth(p, admin))
    assert r.status_code == 200, r.text
    return [orjson.loads(line)["entry"] for line in r.text.splitlines() if line]


def il_searchable(c: TestClient, p: Platform) -> bool:
    body = {"query": {"plate": "ABC123"}, "purpose": "stolen_vehicle", "case_number": "24-1",
            "reason": REASON}  # fmt: skip
    r = c.post("/api/v1/searches", json=body, headers=auth(p, "tx-officer"))
    return "il-net" in {d["network"] for d in r.json()["networks_searched"]}


def test_a_self_filed_declaration_opens_nothing_until_the_owner_accepts(
    client: TestClient, platform: Platform
) -> None:
    filed = file(client, platform)
    assert filed.status_code == 200 and filed.json()["status"] == "pending"
    dec = filed.json()["id"]
    assert not il_searchable(client, platform)
    # the filer cannot accept it, nor can anyone outside the owner's state or role
    assert decide(client, platform, dec, "tx-admin").status_code == 404  # not a TX matter
    assert decide(client, platform, dec, "il-officer").status_code == 403
    assert decide(client, platform, dec, "il-supervisor").status_code == 403
    for look_alike in (f"{dec} ", f"{dec}\u200b", dec.upper(), dec.replace("e", "\u0435")):
        assert decide(client, platform, look_alike, "il-admin").status_code == 404
    assert not il_searchable(client, platform)
    received = client.get("/api/v1/agencies/il-test-pd/declarations/received",
                          headers=auth(platform, "il-admin")).json()  # fmt: skip
    assert [(d["id"], d["status"]) for d in received["declarations"]] == [(dec, "pending")]
    assert decide(client, platform, dec, "il-admin").json()["status"] == "accepted"
    assert il_searchable(client, platform)
    # the owner may withdraw it: rejected, it no longer counts
    assert decide(client, platform, dec, "il-admin", "reject").json()["status"] == "rejected"
    assert not il_searchable(client, platform)


def test_an_agency_cannot_file_for_another_or_accept_its_own(
    client: TestClient, platform: Platform
) -> None:
    assert file(client, platform, agency="il-test-pd").status_code == 403
    own = file(client, platform, user="il-admin", agency="il-test-pd")
    assert own.status_code == 200
    assert decide(client, platform, own.json()["id"], "il-admin").status_code == 403
    other = client.get("/api/v1/agencies/il-test-pd/declarations/received",
                       headers=auth(platform, "tx-admin"))  # fmt: skip
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"signed_at": "2036-01-01T00:00:00Z"}, "signed_at"),
        ({"signed_at": iso(60 * 24 * 400), "expires_at": iso(60 * 24)}, "expires_at"),
        ({"signed_at": iso(60), "expires_at": iso(120)}, "expires_at"),
        ({"document_ref": "doc\x00"}, "document_ref"),
        ({"state": "I\u217c"}, "state"),  # a look-alike of "IL" (Roman numeral fifty)
    ],
)
def test_declarations_with_impossible_dates_are_refused(
    client: TestClient, platform: Platform, body: dict[str, str], field: str
) -> None:
    r = file(client, platform, **body)
    assert r.status_code == 422, r.text
    assert field in r.text
    assert platform.store.declarations() == []


def test_an_agreement_naming_a_prohibited_purpose_is_refused(
    client: TestClient, platform: Platform
) -> None:
    for purposes in (["immigration_enforcement"], ["stolen_vehicle", "reproductive_health"],
                     ["first_amendment_activity"]):  # fmt: skip
        r = client.post("/api/v1/networks/il-net/sharing", headers=auth(platform, "il-admin"),
                        json={"grantee_kind": "national", "purposes": purposes})  # fmt: skip
        assert r.status_code == 422 and "purposes" in r.text, r.text
    ok = client.post("/api/v1/networks/il-net/sharing", headers=auth(platform, "il-admin"),
                     json={"grantee_kind": "national", "purposes": ["stolen_vehicle"]})  # fmt: skip
    assert ok.status_code == 200


def test_the_owners_network_audit_shows_every_change_with_before_and_after(
    client: TestClient, platform: Platform
) -> None:
    dec = file(client, platform).json()["id"]
    decide(client, platform, dec, "il-admin")
    agreement = client.post("/api/v1/networks/il-net/sharing", headers=auth(platform, "il-admin"),
                            json={"grantee_kind": "state", "grantee": "IL"}).json()  # fmt: skip
    client.delete(f"/api/v1/networks/il-net/sharing/{agreement['id']}",
                  headers=auth(platform, "il-admin")).raise_for_status()  # fmt: skip
    client.put("/api/v1/agencies/il-test-pd/policy", json={"require_specific_reason": True},
               headers=auth(platform, "il-admin")).raise_for_status()  # fmt: skip
    entries = network_audit(client, platform, "il-admin", "il-net")
    changes = [(e["event_type"], e["subject"]) for e in entries
               if e["event_type"] in ("sharing_change", "config_change")]  # fmt: skip
    by_action = {s["action"]: s for _, s in changes}
    filed = by_action["declaration"]
    assert filed["id"] == dec and filed["before"] is None and filed["after"]["status"] == "pending"
    accepted = by_action["declaration_accept"]
    assert accepted["before"]["status"] == "pending" and accepted["after"]["status"] == "accepted"
    assert accepted["owner_agency"] == "il-test-pd"
    revoked = [s for t, s in changes if s["action"] == "revoke"]
    assert revoked[0]["before"]["active"] is True and revoked[0]["after"]["active"] is False
    added = [s for t, s in changes if s["action"] == "add" and s["id"] == agreement["id"]]
    assert added[0]["before"] is None and added[0]["after"]["grantee"] == "IL"
    policy = by_action["agency_policy"]
    assert policy["previous_policy"] is None and policy["require_specific_reason"] is True
    tx_view = client.get("/api/v1/audit/networks/il-net", headers=auth(platform, "tx-admin"))
    assert tx_view.status_code == 403
