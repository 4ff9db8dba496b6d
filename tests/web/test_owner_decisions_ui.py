"""The UI faces of owner decisions (issue #23 items 2 and 3): an owner's supervisor finds a
hold its law raised in the queue, with the words and the rule, and decides only its part; an
owner's admin accepts a declaration filed for its state from the sharing page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from conftest import auth, iso
from plateledger.accounts.tokens import new_token
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.domain.types import AgencyId, User, UserId
from web.ui_client import csrf, sign_in

TX_SUPERVISOR = User(UserId("tx-supervisor"), AgencyId("tx-test-pd"), "TX Supervisor", "supervisor")


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    platform.store.upsert_users([TX_SUPERVISOR])
    secret, token = new_token(TX_SUPERVISOR.id, "test")
    platform.store.add_token(token)
    platform.test_tokens[TX_SUPERVISOR.id] = secret  # type: ignore[attr-defined]
    with TestClient(create_app(platform, background=False)) as c:
        rows = [{"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123", "confidence": 0.9}]
        c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin")).raise_for_status()
        c.post("/api/v1/networks/il-net/sharing", json={"grantee_kind": "national"},
               headers=auth(platform, "il-admin")).raise_for_status()  # fmt: skip
        yield c


def file_declaration(c: TestClient, p: Platform) -> str:
    body = {"state": "IL", "signed_at": iso(60), "document_ref": "doc://tx-il"}
    r = c.post("/api/v1/agencies/tx-test-pd/declarations", json=body, headers=auth(p, "tx-admin"))
    return str(r.json()["id"])


def decide(c: TestClient, path: str, decision: str, page: str) -> Response:
    form = c.get(page)
    data = {"decision": decision, "note": "checked by phone", "csrf_token": csrf(form)}
    return c.post(path, data=data)


def test_an_owner_admin_accepts_a_declaration_from_the_sharing_page(
    client: TestClient, platform: Platform
) -> None:
    dec = file_declaration(client, platform)
    sign_in(client, platform, "tx-admin")  # the filer sees it pending, cannot decide it
    assert "nobody yet: pending" in client.get("/ui/admin/sharing").text
    refused = decide(client, f"/ui/admin/declarations/{dec}/decide", "accept", "/ui/admin/sharing")
    assert refused.status_code == 404
    sign_in(client, platform, "il-admin")
    page = client.get("/ui/admin/sharing")
    received = page.text.split("Declarations filed for your state", 1)[1]
    assert dec in received and "tx-test-pd" in received and "<td>pending</td>" in received
    done = decide(client, f"/ui/admin/declarations/{dec}/decide", "accept", "/ui/admin/sharing")
    assert done.status_code == 200
    (found,) = [d for d in platform.store.declarations() if d.id == dec]
    assert found.accepted_by == {"il-test-pd"}


def test_an_owner_supervisor_decides_the_hold_its_law_raised(
    client: TestClient, platform: Platform
) -> None:
    dec = file_declaration(client, platform)
    client.post(f"/api/v1/declarations/{dec}/accept", json={"note": "ok"},
                headers=auth(platform, "il-admin")).raise_for_status()  # fmt: skip
    body = {"query": {"plate": "ABC123"}, "purpose": "stolen_vehicle", "case_number": "24-1",
            "reason": "HSI"}  # fmt: skip
    sid = client.post("/api/v1/searches", json=body, headers=auth(platform, "tx-officer")).json()[
        "search_id"
    ]
    sign_in(client, platform, "tx-supervisor")
    assert sid not in client.get("/ui/holds").text  # nothing of it is Texas's to decide
    refused = decide(client, f"/ui/holds/{sid}/decide", "approve", "/ui/holds")
    assert refused.status_code == 403
    sign_in(client, platform, "il-supervisor")
    queue = client.get("/ui/holds").text
    section = queue.split(f"Search {sid}", 1)[1]
    assert "il-net" in section and "IL.purpose.prohibited.immigration_enforcement" in section
    assert "“HSI” (characters 0–3)" in section and "tx-officer (tx-test-pd)" in section
    done = decide(client, f"/ui/holds/{sid}/decide", "approve", "/ui/holds")
    assert done.status_code == 200
    assert platform.holds.get(sid).part_for("il-test-pd").status == "approved"  # type: ignore[union-attr]
