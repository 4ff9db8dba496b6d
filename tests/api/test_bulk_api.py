"""Bulk extraction over the real HTTP app, attacked as an insider would: wildcard patterns of
separators and invisible characters, a world box over decades paged with offset, many small
searches through several tokens against the daily read ceiling, and more tokens (or made-up
ones) against the rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import SEARCH, auth, iso
from plateledger.api.app import create_app
from plateledger.api.limits import Limits
from plateledger.app.platform import Platform
from web.ui_client import sign_in

WORLD = {"min_lat": -90, "min_lon": -180, "max_lat": 90, "max_lon": 180}
NO_RATE = Limits(rate_per_s=0)


def client_for(platform: Platform, limits: Limits = NO_RATE) -> TestClient:
    return TestClient(create_app(platform, background=False, limits=limits))


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with client_for(platform) as c:
        rows = [{"camera_id": "il-c1", "ts": iso(5 + i), "plate": "ABC123"} for i in range(9)]
        assert c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin")).is_success
        yield c


def search(client: TestClient, headers: dict[str, str], query: dict[str, Any]) -> Any:
    return client.post("/api/v1/searches", json={"query": query, **SEARCH}, headers=headers)


def own_token(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """The caller issues themselves another token (what an officer may do)."""
    r = client.post("/api/v1/me/tokens", json={"label": "second"}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.mark.parametrize(
    "pattern", [".*", "-*", "*.", ".?*", "*", "??????", "\u200b*", "Ａ*", "*-*-*", "A*"]
)
def test_patterns_without_three_literals_are_422_naming_query_plate(
    client: TestClient, platform: Platform, pattern: str
) -> None:
    r = search(client, auth(platform, "il-officer"), {"plate": pattern, "mode": "wildcard"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"]["field"] == "query.plate"


def test_legitimate_patterns_run(client: TestClient, platform: Platform) -> None:
    officer = auth(platform, "il-officer")
    for pattern in ("AB*12", "?BC123", "ＡＢＣ*"):
        r = search(client, officer, {"plate": pattern, "mode": "wildcard", "limit": 1})
        assert r.status_code == 200, (pattern, r.text)


def test_world_box_over_years_is_held_on_every_page_and_a_supervisor_sees_why(
    client: TestClient, platform: Platform
) -> None:
    officer = auth(platform, "il-officer")
    box = {"bbox": WORLD, "time_from": "1996-01-01T00:00:00Z", "time_to": iso(0), "limit": 1000}
    search_ids = []
    for offset in (0, 1000, 2000, 100_000):
        r = search(client, officer, {**box, "offset": offset})
        assert r.status_code == 202, r.text
        body = r.json()
        assert (
            body["status"] == "held"
            and body["results"] == []
            and "bulk.area_time" in body["message"]
        )
        il = next(d for d in body["networks_excluded"] if d["network"] == "il-net")
        assert il["decision"] == "hold" and "bulk.area_time" in il["rule_ids"]
        search_ids.append(body["search_id"])
    hold = client.get(f"/api/v1/searches/{search_ids[0]}/hold", headers=officer)
    assert hold.status_code == 200 and hold.json()["status"] == "pending"
    assert "bulk.area_time" in hold.json()["rules"]  # what the supervisor sees


def test_daily_ceiling_counts_every_token_of_the_user(
    client: TestClient, platform: Platform
) -> None:
    admin = auth(platform, "il-admin")
    r = client.put("/api/v1/agencies/il-test-pd/read-ceiling", json={"daily_read_ceiling": 4},
                   headers=admin)  # fmt: skip
    assert r.status_code == 200 and r.json()["daily_read_ceiling"] == 4
    first = auth(platform, "il-officer")
    tokens = [first, own_token(client, first), own_token(client, first)]
    for i in range(4):  # one read per request, alternating tokens
        r = search(client, tokens[i % 3], {"plate": "ABC123", "limit": 1, "offset": i})
        assert r.status_code == 200 and len(r.json()["results"]) == 1, r.text
    for headers in tokens:  # every token of the user is now held
        r = search(client, headers, {"plate": "ABC123", "limit": 1, "offset": 4})
        assert r.status_code == 202 and "bulk.daily_reads" in r.json()["message"]
    # an officer can neither raise the ceiling nor set another agency's
    officer = client.put("/api/v1/agencies/il-test-pd/read-ceiling",
                         json={"daily_read_ceiling": 99_999}, headers=first)  # fmt: skip
    assert officer.status_code == 403
    other = client.put("/api/v1/agencies/tx-test-pd/read-ceiling", json={"daily_read_ceiling": 1},
                       headers=admin)  # fmt: skip
    assert other.status_code == 403


def test_read_ceiling_route_validates_and_audits(client: TestClient, platform: Platform) -> None:
    admin = auth(platform, "il-admin")
    for bad in (0, -5, 10**9, "many"):
        r = client.put("/api/v1/agencies/il-test-pd/read-ceiling",
                       json={"daily_read_ceiling": bad}, headers=admin)  # fmt: skip
        assert r.status_code == 422 and "daily_read_ceiling" in r.text
    r = client.put("/api/v1/agencies/il-test-pd/read-ceiling", json={"daily_read_ceiling": 1234},
                   headers=admin)  # fmt: skip
    assert r.json() == {"agency_id": "il-test-pd", "daily_read_ceiling": 1234, "setting": 1234,
                        "default": 5000}  # fmt: skip
    recent = [orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size)]
    changes = [e for e in recent if e["event_type"] == "config_change"]  # token_use is queued
    assert changes[-1]["subject"]["action"] == "daily_read_ceiling"
    assert changes[-1]["subject"]["daily_read_ceiling"] == 1234
    assert changes[-1]["user_id"] == "il-admin"
    shown = client.get("/api/v1/agencies/il-test-pd/read-ceiling",
                       headers=auth(platform, "il-officer"))  # fmt: skip
    assert shown.json()["daily_read_ceiling"] == 1234


def test_two_tokens_of_one_user_share_one_rate_budget(platform: Platform) -> None:
    with client_for(platform, Limits(rate_per_s=0.01, burst=4)) as c:
        first = auth(platform, "il-officer")
        second = own_token(c, first)  # one request of the budget
        codes = [c.get("/api/v1/cameras", headers=h).status_code for h in (first, second, second)]
        assert codes == [200, 200, 200]
        assert c.get("/api/v1/cameras", headers=second).status_code == 429
        assert c.get("/api/v1/cameras", headers=first).status_code == 429
        assert c.get("/api/v1/cameras", headers=auth(platform, "tx-officer")).status_code == 200


def test_users_of_one_agency_share_the_agency_budget(platform: Platform) -> None:
    limits = Limits(rate_per_s=0.01, burst=100, agency_rate_per_s=0.01, agency_burst=4)
    with client_for(platform, limits) as c:
        for user in ("il-officer", "il-officer", "il-supervisor", "il-admin"):
            assert c.get("/api/v1/cameras", headers=auth(platform, user)).status_code == 200
        r = c.get("/api/v1/cameras", headers=auth(platform, "il-supervisor"))
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
        assert c.get("/api/v1/cameras", headers=auth(platform, "tx-officer")).status_code == 200


def test_made_up_tokens_share_the_address_budget(platform: Platform) -> None:
    with client_for(platform, Limits(rate_per_s=0.01, burst=3)) as c:
        codes = [
            c.get("/api/v1/cameras", headers={"Authorization": f"Bearer fake-{i}"}).status_code
            for i in range(4)
        ]
        assert codes == [401, 401, 401, 429]


def test_oversight_page_shows_users_near_the_ceilings(
    client: TestClient, platform: Platform
) -> None:
    admin = auth(platform, "il-admin")
    client.put("/api/v1/agencies/il-test-pd/read-ceiling", json={"daily_read_ceiling": 10},
               headers=admin)  # fmt: skip
    r = search(client, auth(platform, "il-officer"), {"plate": "ABC123", "limit": 9})
    assert r.status_code == 200 and len(r.json()["results"]) == 9
    sign_in(client, platform, "tx-auditor")
    page = client.get("/ui/audit/oversight")
    assert page.status_code == 200
    section = page.text.split('id="check-near_ceilings"', 1)[1].split("</section>", 1)[0]
    assert "il-officer" in section and "90 %" in section
