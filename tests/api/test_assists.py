"""Assist requests over the real app: who may record and revoke them, what they cover, what the
audit shows, and look-alike agency ids refused rather than matched."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import SEARCH, auth, iso
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
from plateledger.sharing.agreements import AgreementIn

B = "il-other-pd"
ASSIST = {"on_behalf_of": B, "case_number": "B-24-77", "requested_by": "Det. Ames, (312) 555-0100"}
LOOK_ALIKES = [
    "il-t\u0435st-pd",  # Cyrillic e
    "il-test-pd ",  # trailing space
    " il-test-pd",
    "IL-TEST-PD",
    "il-test-pd\u200b",  # zero-width space
    "il\u2011test-pd",  # non-breaking hyphen
    "\uff49l-test-pd",  # fullwidth i
]


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    store = platform.store
    store.upsert_agencies([Agency(AgencyId(B), "Other PD (IL)", "IL", "municipal", 180)])
    store.upsert_networks([Network(NetworkId("ilo-net"), AgencyId(B), "IL other")])
    store.upsert_cameras([Camera(CameraId("ilo-c1"), NetworkId("ilo-net"), "Elm", 41.8, -87.7)])
    store.upsert_users([User(UserId("ilo-admin"), AgencyId(B), "ILO Admin", "admin")])
    secret, token = new_token(UserId("ilo-admin"), "test")
    store.add_token(token)
    platform.test_tokens["ilo-admin"] = secret  # type: ignore[attr-defined]
    admin = next(u for u in store.users() if u.id == "il-admin")
    platform.sharing.add_agreement(admin, "il-net", AgreementIn("state", "IL"))  # IL may search
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def post(client: TestClient, platform: Platform, who: str, url: str, body: Any = None) -> Any:
    return client.post(f"/api/v1{url}", json=body, headers=auth(platform, who))


def on_behalf(client: TestClient, platform: Platform, behalf: str, **extra: Any) -> Any:
    body = {"query": {"plate": "ABC123"}, **SEARCH, "case_number": "B-24-77",
            "on_behalf_of": behalf, **extra}  # fmt: skip
    return post(client, platform, "il-officer", "/searches", body)


def test_a_supervisor_or_admin_records_an_assist_an_officer_does_not(
    client: TestClient, platform: Platform
) -> None:
    refused = post(client, platform, "il-officer", "/assists", ASSIST)
    assert refused.status_code == 403
    made = post(client, platform, "il-supervisor", "/assists", ASSIST)
    assert made.status_code == 200, made.text
    body = made.json()
    assert (body["agency_id"], body["on_behalf_of"], body["live"]) == ("il-test-pd", B, True)
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    assert post(client, platform, "il-admin", "/assists", ASSIST).status_code == 200
    listed = client.get("/api/v1/assists", headers=auth(platform, "il-officer")).json()
    assert [a["id"] for a in listed["assists"]][1] == body["id"]
    theirs = client.get("/api/v1/assists", headers=auth(platform, "tx-officer")).json()
    assert theirs == {"assists": []}


def test_a_naive_expiry_is_read_as_utc(client: TestClient, platform: Platform) -> None:
    naive = (datetime.now(UTC) + timedelta(days=10)).replace(tzinfo=None, microsecond=0)
    r = post(client, platform, "il-supervisor", "/assists",
             {**ASSIST, "expires_at": naive.isoformat()})  # fmt: skip
    assert r.status_code == 200, r.text
    assert datetime.fromisoformat(r.json()["expires_at"]) == naive.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expires_at": (datetime.now(UTC) + timedelta(days=91)).isoformat()}, "expires_at"),
        ({"expires_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}, "expires_at"),
        ({"requested_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "requested_at"),
        ({"case_number": "   "}, "case_number"),
        ({"requested_by": " "}, "requested_by"),
        ({"case_number": "\u2060\u200b"}, "case_number"),  # only invisible characters
        ({"requested_by": "\u200b \u200e"}, "requested_by"),
        # a naive time is UTC: 91 days ahead is too far, not a crash
        (
            {
                "expires_at": (datetime.now(UTC) + timedelta(days=91))
                .replace(tzinfo=None)
                .isoformat()
            },
            "expires_at",
        ),
        ({"on_behalf_of": "il-test-pd"}, "on_behalf_of"),  # one's own agency
        ({"on_behalf_of": "nowhere-pd"}, "on_behalf_of"),
    ],
)
def test_a_bad_assist_is_refused_naming_the_field(
    client: TestClient, platform: Platform, change: dict[str, str], field: str
) -> None:
    r = post(client, platform, "il-supervisor", "/assists", {**ASSIST, **change})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"].startswith(f"{field}:")


@pytest.mark.parametrize("agency", LOOK_ALIKES)
def test_look_alike_agency_ids_are_unknown_not_matched(
    client: TestClient, platform: Platform, agency: str
) -> None:
    r = on_behalf(client, platform, agency)
    assert r.status_code == 422, r.text
    assert "on_behalf_of: unknown agency" in r.json()["error"]["message"]
    r = post(client, platform, "il-supervisor", "/assists", {**ASSIST, "on_behalf_of": agency})
    assert r.status_code == 422 and "on_behalf_of" in r.json()["error"]["message"]


def test_an_assisted_search_runs_and_an_unassisted_one_is_held(
    client: TestClient, platform: Platform
) -> None:
    reads = [{"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123", "confidence": 0.9}]
    assert post(client, platform, "il-admin", "/reads", reads).status_code == 200
    held = on_behalf(client, platform, B)
    assert held.status_code == 202, held.text
    rows = held.json()["networks_excluded"]
    assert {d["network"]: d["decision"] for d in rows}["il-net"] == "hold"
    assist = post(client, platform, "il-supervisor", "/assists", ASSIST).json()
    found = on_behalf(client, platform, B)
    assert found.status_code == 200, found.text
    assert [r["plate"] for r in found.json()["results"]] == ["ABC123"]
    searched = found.json()["networks_searched"]
    assert [d["network"] for d in searched] == ["il-net"]  # ilo-net is not shared with IL PD
    assert f"assist.{assist['id']}" in searched[0]["rule_ids"]
    revoked = post(client, platform, "il-supervisor", f"/assists/{assist['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["live"] is False
    assert on_behalf(client, platform, B).status_code == 202
    again = post(client, platform, "il-supervisor", f"/assists/{assist['id']}/revoke")
    assert again.status_code == 422


def test_another_agencys_assist_cannot_be_revoked(client: TestClient, platform: Platform) -> None:
    assist = post(client, platform, "il-supervisor", "/assists", ASSIST).json()
    r = post(client, platform, "tx-admin", f"/assists/{assist['id']}/revoke")
    assert r.status_code == 404
    assert (
        post(client, platform, "il-officer", f"/assists/{assist['id']}/revoke").status_code == 403
    )


def _entries(platform: Platform) -> list[dict[str, Any]]:
    return [orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size)]


def test_both_agencies_see_the_assist_and_the_search_in_their_audits(
    client: TestClient, platform: Platform
) -> None:
    assist = post(client, platform, "il-supervisor", "/assists", ASSIST).json()
    search_id = on_behalf(client, platform, B).json()["search_id"]
    logged = [e for e in _entries(platform) if e["event_type"] == "assist_request"]
    assert len(logged) == 1 and logged[0]["agency_id"] == "il-test-pd"
    assert logged[0]["subject"]["on_behalf_of"] == B
    assert logged[0]["subject"]["id"] == assist["id"]
    url = f"/api/v1/audit/organizations/{B}"
    org = client.get(url, headers=auth(platform, "ilo-admin"))
    assert org.status_code == 200, org.text
    rows = [orjson.loads(line)["entry"] for line in org.text.splitlines() if line]
    kinds = {
        (e["event_type"], e["subject"].get("search_id") or e["subject"].get("id")) for e in rows
    }
    assert ("assist_request", assist["id"]) in kinds and ("search", search_id) in kinds
    network = client.get(
        "/api/v1/audit/networks/il-net", params={"format": "flock-network"},
        headers=auth(platform, "il-admin"),
    )  # fmt: skip
    table = list(csv.DictReader(io.StringIO(network.text)))
    row = next(r for r in table if r["Case #"] == "B-24-77")  # the one search of the test
    assert row["Org Name"] == "Test PD (IL) (on behalf of Other PD (IL))"
    index = next(i for i, e in enumerate(_entries(platform)) if e["event_type"] == "search")
    seen = client.get(f"/api/v1/audit/entries/{index}", headers=auth(platform, "ilo-admin"))
    assert seen.status_code == 200  # the agency searched for may open the entry


def test_public_exports_redact_who_asked(client: TestClient, platform: Platform) -> None:
    post(client, platform, "il-supervisor", "/assists", ASSIST)
    org = client.get(
        "/api/v1/audit/organizations/il-test-pd", params={"profile": "public"},
        headers=auth(platform, "il-admin"),
    )  # fmt: skip
    rows = [orjson.loads(line)["entry"] for line in org.text.splitlines() if line]
    subject = next(e["subject"] for e in rows if e["event_type"] == "assist_request")
    assert "555-0100" not in subject["requested_by"] and subject["case_number"] == "[redacted]"
