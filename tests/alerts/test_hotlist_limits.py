"""Hotlist hygiene (issue 16, item 7): entry expiry capped at a year ahead, and ``share_with``
only '*', US state codes and registered agencies, exactly. Through the real app, as an admin
trying to keep a plate on a list forever or to share a list with something that is not an
agency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import auth
from plateledger.alerts.limits import MAX_ENTRY_DAYS
from plateledger.api.app import create_app
from plateledger.app.platform import Platform

API = "/api/v1"
LIST = {"name": "Stolen", "purpose": "stolen_vehicle", "legal_basis": "NCIC 2.0"}


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def ahead(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def new_list(client: TestClient, platform: Platform, **fields: Any) -> Any:
    return client.post(f"{API}/hotlists", json={**LIST, **fields},
                       headers=auth(platform, "il-admin"))  # fmt: skip


def entry(expires_at: str) -> dict[str, str]:
    return {"plate": "ABC123", "reason": "stolen", "case_number": "24-7", "expires_at": expires_at}


@pytest.mark.parametrize(
    "expires_at",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31",
        "9999-12-31T23:59:59-12:00",
        "2999-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00+14:00",
        ahead(MAX_ENTRY_DAYS + 1),
    ],
)
def test_an_expiry_past_the_cap_is_refused_everywhere(
    client: TestClient, platform: Platform, expires_at: str
) -> None:
    admin = auth(platform, "il-admin")
    lid = new_list(client, platform).json()["id"]
    added = client.post(f"{API}/hotlists/{lid}/entries", json=[entry(ahead(30)),
                        entry(expires_at)], headers=admin)  # fmt: skip
    assert added.status_code == 422
    message = added.json()["error"]["message"]
    assert message.startswith("entries[1].expires_at: ")
    assert "at most 366 days" in message or "out of range" in message
    assert client.get(f"{API}/hotlists/{lid}/entries", headers=admin).json() == []  # none kept
    made = client.post(f"{API}/hotlists/{lid}/entries", json=entry(ahead(30)), headers=admin)
    entry_id = made.json()["id"]
    patched = client.patch(f"{API}/hotlists/{lid}/entries/{entry_id}",
                           json={"expires_at": expires_at}, headers=admin)  # fmt: skip
    assert patched.status_code == 422
    assert patched.json()["error"]["details"]["field"] == "expires_at"
    text = f"plate,reason,expires_at\nXYZ987,stolen,{expires_at}\n"
    imported = client.post(f"{API}/hotlists/{lid}/import", json={"text": text}, headers=admin)
    assert imported.status_code == 422 and "expires_at" in imported.json()["error"]["message"]
    default = client.post(f"{API}/hotlists/{lid}/import", headers=admin, json={
        "text": "plate,reason\nXYZ987,stolen\n", "default_expires_at": expires_at})  # fmt: skip
    assert default.status_code == 422


def test_an_expiry_within_the_cap_is_kept(client: TestClient, platform: Platform) -> None:
    lid = new_list(client, platform).json()["id"]
    r = client.post(f"{API}/hotlists/{lid}/entries", json=entry(ahead(MAX_ENTRY_DAYS - 1)),
                    headers=auth(platform, "il-admin"))  # fmt: skip
    assert r.status_code == 200, r.text


BAD_SHARES = [
    "../..", "", " ", "nope-pd", "IL-TEST-PD", "il-test-pd ", " il-test-pd", "il-test-pd\u200b",
    "\u200bil-test-pd", "\u0456l-test-pd", "il\u2010test\u2010pd", "il-test-pd\u0000",
    "\uff49l-test-pd", "il", "Il", "I L", "**", "*\u200b", "tx-test-pd/../il-test-pd",
    "il-test-pd%00", "il%2Dtest-pd",
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_SHARES)
def test_share_with_names_only_real_agencies_states_or_national(
    client: TestClient, platform: Platform, bad: str
) -> None:
    created = new_list(client, platform, share_with=["TX", bad])
    assert created.status_code == 422, bad
    error = created.json()["error"]
    assert error["message"].startswith(f"share_with: {ascii(bad)} is not")
    assert error["details"] == {"field": "share_with", "value": ascii(bad)}
    lid = new_list(client, platform, share_with=["tx-test-pd"]).json()["id"]
    patched = client.patch(f"{API}/hotlists/{lid}", json={"share_with": [bad]},
                           headers=auth(platform, "il-admin"))  # fmt: skip
    assert patched.status_code == 422 and patched.json()["error"]["details"]["field"] == (
        "share_with")  # fmt: skip
    got = client.get(f"{API}/hotlists/{lid}", headers=auth(platform, "il-admin")).json()
    assert got["share_with"] == ["tx-test-pd"]  # unchanged


def test_valid_share_with_is_kept(client: TestClient, platform: Platform) -> None:
    created = new_list(client, platform, share_with=["tx-test-pd", "VA", "*", "tx-test-pd"])
    assert created.status_code == 200, created.text
    assert created.json()["share_with"] == ["tx-test-pd", "VA", "*"]
