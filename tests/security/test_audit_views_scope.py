"""Least privilege for the audit views (issue 16, item 5), attacked as an insider would: a
private HOA's officer and admin, an agency admin reaching for another agency's views, ids of
other agencies smuggled into the path with case changes, look-alike and invisible characters
and URL encoding. Real app, real log, real searches."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import SEARCH, auth, iso
from plateledger.accounts.tokens import new_token
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.domain.types import Agency, AgencyId, Camera, CameraId, Network, NetworkId, User
from plateledger.domain.types import UserId as U
from web.ui_client import sign_in

HOA = "il-maple-hoa"
HOA_USERS = [User(U(f"hoa-{r}"), AgencyId(HOA), f"HOA {r}", r)  # type: ignore[arg-type]
             for r in ("officer", "supervisor", "admin")]  # fmt: skip
OTHER_NETWORKS = ("tx-net", "va-net", "hoa-net")
PROFILES = ("internal", "records-request", "public")


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    store = platform.store
    store.upsert_agencies([Agency(AgencyId(HOA), "Maple Grove HOA", "IL", "private", 30)])
    store.upsert_networks([Network(NetworkId("hoa-net"), AgencyId(HOA), "Maple gates")])
    store.upsert_cameras([Camera(CameraId("hoa-c1"), NetworkId("hoa-net"), "Gate", 41.9, -87.7)])
    store.upsert_users(HOA_USERS)
    for user in HOA_USERS:
        secret, token = new_token(user.id, "test")
        store.add_token(token)
        platform.test_tokens[user.id] = secret  # type: ignore[attr-defined]
    with TestClient(create_app(platform, background=False)) as c:
        rows = [{"camera_id": cam, "ts": iso(5), "plate": "ABC123", "confidence": 0.9}
                for cam in ("il-c1", "tx-c1", "va-c1")]  # fmt: skip
        c.post("/api/v1/reads", json=rows[:1], headers=auth(platform, "il-admin"))
        for user in ("tx-officer", "il-officer", "hoa-officer"):  # national searches
            query = {"plate": "ABC123", "cameras": ["il-c1", "tx-c1", "va-c1", "hoa-c1"]}
            r = c.post("/api/v1/searches", json={"query": query, **SEARCH},
                       headers=auth(platform, user))  # fmt: skip
            assert r.status_code in (200, 202, 403), r.text
        yield c


def entries(platform: Platform) -> list[tuple[int, dict[str, Any]]]:
    return [(i, orjson.loads(platform.audit.entry(i))) for i in range(platform.audit.size)]


def searches_by(platform: Platform, user: str) -> list[int]:
    return [i for i, e in entries(platform) if e["event_type"] == "search" and
            e["user_id"] == user]  # fmt: skip


def get(c: TestClient, platform: Platform, user: str, path: str, **params: str) -> Any:
    return c.get(f"/api/v1/audit/{path}", params=params, headers=auth(platform, user))


def test_a_private_agencys_officer_reads_no_other_agencys_search(
    client: TestClient, platform: Platform
) -> None:
    for user in ("hoa-officer", "hoa-supervisor"):
        for path in ("networks/hoa-net", f"organizations/{HOA}", "networks/il-net",
                     "organizations/il-test-pd"):  # fmt: skip
            assert get(client, platform, user, path).status_code == 403, (user, path)
        for i, e in entries(platform):
            status = get(client, platform, user, f"entries/{i}").status_code
            assert status == (200 if e["user_id"] == user else 403), (user, i)
            size = str(platform.audit.size)
            proof = get(client, platform, user, f"entries/{i}/proof", tree_size=size)
            assert proof.status_code == (200 if e["user_id"] == user else 403), (user, i)
        mine = get(client, platform, user, "mine").text
        assert {orjson.loads(x)["entry"]["user_id"] for x in mine.splitlines()} == {user}
        assert "tx-officer" not in mine and "il-officer" not in mine
    # the HOA's admin sees the other agencies' searches on its network, narrowed, never whole
    for i in searches_by(platform, "tx-officer") + searches_by(platform, "il-officer"):
        assert get(client, platform, "hoa-admin", f"entries/{i}").status_code == 403
    view = get(client, platform, "hoa-admin", "networks/hoa-net")
    assert view.status_code == 200 and "tx-officer" in view.text
    assert not any(n in view.text for n in ("il-net", "tx-net", "va-net", "il-c1", "tx-c1"))


@pytest.mark.parametrize("profile", PROFILES)
def test_the_owner_sees_only_its_own_networks_decision(
    client: TestClient, platform: Platform, profile: str
) -> None:
    national = searches_by(platform, "tx-officer")[0]
    logged = orjson.loads(platform.audit.entry(national))
    assert {d["network"] for d in logged["subject"]["decisions"]} >= {"il-net", *OTHER_NETWORKS}
    jsonl = get(client, platform, "il-admin", "networks/il-net", profile=profile)
    assert jsonl.status_code == 200
    rows = {(x := orjson.loads(line))["index"]: x["entry"] for line in jsonl.text.splitlines()}
    seen = rows[national]
    assert seen["networks"] == ["il-net"]
    assert [d["network"] for d in seen["subject"]["decisions"]] == ["il-net"]
    assert set(seen["subject"]["networks_searched"] + seen["subject"]["networks_excluded"]) == {
        "il-net"}  # fmt: skip
    assert seen["subject"]["query"]["cameras"] == ["il-c1"]
    assert seen["subject"]["reason"] and seen["user_id"]  # who and why stay
    for other in (*OTHER_NETWORKS, "tx-c1", "va-c1", "hoa-c1"):
        assert other not in jsonl.text, other
    flock = get(client, platform, "il-admin", "networks/il-net", format="flock-network",
                profile=profile)  # fmt: skip
    table = list(csv.DictReader(io.StringIO(flock.text)))
    assert table and {r["Total Networks Searched"] for r in table} <= {"0", "1"}
    assert all("tx-c1" not in r["Filters"] and "hoa-c1" not in r["Filters"] for r in table)
    assert orjson.loads(platform.audit.entry(national)) == logged  # the log is unchanged


def test_an_agency_admin_reads_no_other_agencys_views(
    client: TestClient, platform: Platform
) -> None:
    for user, path in (("il-admin", "networks/tx-net"), ("il-admin", "organizations/tx-test-pd"),
                       ("tx-admin", "networks/il-net"), ("hoa-admin", "networks/il-net"),
                       ("il-admin", f"organizations/{HOA}"), ("tx-officer", "networks/tx-net"),
                       ("tx-officer", "organizations/tx-test-pd")):  # fmt: skip
        for fmt in ("jsonl", "flock-network", "flock-org"):
            status = get(client, platform, user, path, format=fmt).status_code
            assert status in (403, 422), (user, path, fmt)
    # auditors are cross-agency oversight (audit.read_all): they keep every view
    assert get(client, platform, "tx-auditor", "networks/il-net").status_code == 200
    assert get(client, platform, "tx-auditor", f"organizations/{HOA}").status_code == 200


SMUGGLED = (
    "IL-NET", "Il-net", "il\u2011net", "il\u2010net", "il\u2212net", "\u0456l-net", "il-net\u200b",
    "\u200bil-net", "il-net ", "%20il-net", "il-net%00", "il-net%2F..%2Ftx-net",
    "tx-net%2F..%2Fil-net", "..%2Fil-net", "il%2Dnet", "%69l-net", "\uff49l-net",
)  # fmt: skip


@pytest.mark.parametrize("smuggled", SMUGGLED)
def test_smuggled_network_and_agency_ids_are_refused(
    client: TestClient, platform: Platform, smuggled: str
) -> None:
    agency = smuggled.replace("net", "test-pd")
    for user in ("tx-admin", "hoa-admin", "hoa-officer"):
        for path in (f"networks/{smuggled}", f"organizations/{agency}"):
            r = client.get(f"/api/v1/audit/{path}", headers=auth(platform, user))
            assert r.status_code in (403, 404), (user, path, r.status_code)
            assert "il-officer" not in r.text


def test_the_web_ui_shows_an_admin_no_other_agencys_search_entry(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "hoa-admin")
    page = client.get("/ui/audit?access=1").text
    for i in searches_by(platform, "tx-officer"):
        assert f'href="/ui/audit/entries/{i}"' not in page
        assert client.get(f"/ui/audit/entries/{i}").status_code == 403
    sign_in(client, platform, "hoa-officer")
    assert client.get("/ui/audit").status_code == 403
