"""The side doors of issue #23, tried over HTTP on a freshly built demo network, as the users of
an out-of-state agency (Houston, TX), an in-state one (Chicago, IL), a federal immigration
agency (ICE ERO) and a private one (a Texas HOA) would: with the demo's own credentials, against
the demo's own sharing. Each probe is refused or harmless."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from plateledger.api.app import create_app
from plateledger.app.demo_build import build_demo
from plateledger.app.platform import Platform

HOUSTON, CHICAGO, ICE, HOA = "tx-houston-pd", "il-chicago-pd", "dc-ice-ero", "tx-briarwood-hoa"
AGENCIES = (HOUSTON, CHICAGO, ICE, HOA)
ICE_REASON = "ICE WARRANT - immigration detainer, removal order"


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, list[dict[str, Any]]]]:
    data: Path = tmp_path_factory.mktemp("demo")
    platform = Platform(data)
    try:
        build_demo(platform, 20_000, seed=5)
        creds = orjson.loads((data / "demo-credentials.json").read_bytes())
        with TestClient(create_app(platform)) as client:
            yield client, creds
    finally:
        platform.close()


def _token(creds: list[dict[str, Any]], agency: str, role: str) -> dict[str, str]:
    cred = next(c for c in creds if c["agency"] == agency and c["role"] == role)
    return {"Authorization": f"Bearer {cred['token']}"}


def _user(creds: list[dict[str, Any]], agency: str, role: str) -> str:
    return str(next(c["user"] for c in creds if c["agency"] == agency and c["role"] == role))


def _in(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.mark.parametrize("agency", AGENCIES)
def test_no_officer_reads_another_agencys_audit_views(demo: Any, agency: str) -> None:
    client, creds = demo
    officer = _token(creds, agency, "officer")
    for path in (f"networks/{CHICAGO}-net", f"organizations/{CHICAGO}",
                 f"networks/{HOUSTON}-net", f"organizations/{HOUSTON}"):  # fmt: skip
        assert client.get(f"/api/v1/audit/{path}", headers=officer).status_code == 403, path
    mine = client.get("/api/v1/audit/mine", headers=officer)
    assert mine.status_code == 200
    rows = [orjson.loads(line) for line in mine.text.splitlines() if line]
    assert all(r["entry"]["user_id"] == _user(creds, agency, "officer") for r in rows)


@pytest.mark.parametrize("agency", [ICE, HOUSTON, HOA])
def test_an_immigration_reason_reaches_no_illinois_network(demo: Any, agency: str) -> None:
    client, creds = demo
    body = {"purpose": "stolen_vehicle", "case_number": "24-0113", "reason": ICE_REASON,
            "query": {"plate": "ABC1234"}}  # fmt: skip
    got = client.post("/api/v1/searches", json=body, headers=_token(creds, agency, "officer"))
    assert got.status_code in (200, 202, 403), got.text
    searched = [d["network"] for d in got.json().get("networks_searched", [])]
    assert not [n for n in searched if n.startswith(("il-", "ca-", "wa-", "or-"))], searched


@pytest.mark.parametrize("agency", [HOUSTON, CHICAGO])
def test_a_hotlist_is_no_side_door(demo: Any, agency: str) -> None:
    client, creds = demo
    admin = _token(creds, agency, "admin")
    made = client.post("/api/v1/hotlists", headers=admin, json={
        "name": f"stolen {agency}", "purpose": "stolen_vehicle", "legal_basis": "NCIC file",
        "share_with": ["*"]})  # fmt: skip
    assert made.status_code in (200, 201), made.text
    entries = f"/api/v1/hotlists/{made.json()['id']}/entries"
    month = _in(30)
    for plate, reason, case, expires in (
        ("ICE4455", ICE_REASON, "24-0113", month),
        ("ICE4456", "I.C.E-warrant", "24-0114", month),
        ("ICE4457", "stolen car", "x", month),
        ("ICE4458", "", "24-0115", month),
        ("ICE4459", "stolen car", "24-0116", "9999-01-01T00:00:00Z"),
    ):
        bad = {"plate": plate, "reason": reason, "case_number": case, "expires_at": expires}
        got = client.post(entries, json=bad, headers=admin)
        assert got.status_code in (403, 422), (bad, got.status_code, got.text)


def test_a_self_filed_declaration_opens_nothing_until_the_owner_accepts(demo: Any) -> None:
    client, creds = demo
    filed = client.post(f"/api/v1/agencies/{HOUSTON}/declarations",
                        headers=_token(creds, HOUSTON, "admin"),
                        json={"state": "IL", "signed_at": "2036-01-01T00:00:00Z",
                              "document_ref": "self-signed"})  # fmt: skip
    assert filed.status_code == 422  # signed in the future
    received = client.get(f"/api/v1/agencies/{CHICAGO}/declarations/received",
                          headers=_token(creds, HOUSTON, "admin"))  # fmt: skip
    assert received.status_code in (403, 404)  # the filer cannot see, let alone decide


def test_an_admin_cannot_take_over_the_auditor_or_search_as_an_officer(demo: Any) -> None:
    client, creds = demo
    admin = _token(creds, HOUSTON, "admin")
    auditor = _user(creds, HOUSTON, "auditor")
    officer = _user(creds, HOUSTON, "officer")
    other = _user(creds, CHICAGO, "officer")
    for target in (auditor, other):
        got = client.post(f"/api/v1/users/{target}/password", headers=admin,
                          json={"password": "a new password 0123"})  # fmt: skip
        assert got.status_code in (403, 404), (target, got.text)
    got = client.post(f"/api/v1/users/{officer}/tokens", headers=admin,
                      json={"label": "as officer", "scopes": ["search"]})  # fmt: skip
    assert got.status_code in (403, 422), got.text


def test_webhooks_reach_no_internal_address(demo: Any) -> None:
    client, creds = demo
    admin = _token(creds, CHICAGO, "admin")
    for url in ("http://169.254.169.254/latest/meta-data", "https://127.0.0.1/h",
                "https://10.0.0.5/h", "file:///etc/passwd", "https://[::1]/h"):  # fmt: skip
        got = client.post("/api/v1/webhooks", headers=admin, json={"url": url, "secret": "s" * 24})
        assert got.status_code == 422, (url, got.text)


def test_reads_older_than_the_owners_retention_are_refused(demo: Any) -> None:
    client, creds = demo
    listed = client.get("/api/v1/cameras", headers=_token(creds, CHICAGO, "admin")).json()
    mine = next(c["id"] for c in listed["cameras"] if c["owner_agency"] == CHICAGO)
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    got = client.post("/api/v1/reads", headers=_token(creds, CHICAGO, "admin"),
                      json=[{"camera_id": mine, "ts": old, "plate": "OLD4001"}])  # fmt: skip
    assert got.status_code in (207, 422), got.text
    assert "retention" in got.text
