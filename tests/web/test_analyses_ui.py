"""The analyses page through the real app, signed in as an officer: the forms, a convoy held
(202), run once approved, and a prohibited reason refused with the networks' reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from conftest import NOW, make_reads, read
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.domain.types import AgencyId, User, UserId
from web.ui_client import csrf, sign_in

SUPERVISOR = User(UserId("il-supervisor"), AgencyId("il-test-pd"), "IL Supervisor", "supervisor")


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    platform.store.append(make_reads([
        read("il-c1", 30, "TARGET1"), read("il-c1", 30.5, "PAL001"),
        read("il-c2", 90, "TARGET1"), read("il-c2", 89.5, "PAL001"),
    ]))  # fmt: skip
    platform.dictionary.reload()
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def _convoy(token: str, reason: str) -> dict[str, str]:
    fmt = "%Y-%m-%dT%H:%M"
    return {"csrf_token": token, "purpose": "homicide", "case_number": "24-0001",
            "reason": reason, "plate": "TARGET1",
            "time_from": (NOW - timedelta(days=1)).strftime(fmt),
            "time_to": (NOW + timedelta(minutes=5)).strftime(fmt),
            "min_cameras": "2", "delta_seconds": "120"}  # fmt: skip


def test_convoy_from_the_page(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "il-officer")
    page = client.get("/ui/analyses")
    assert page.status_code == 200 and "Run convoy analysis" in page.text
    body = _convoy(csrf(page), "homicide on Main St, suspect car seen leaving")
    held = client.post("/ui/analyses/convoy", data=body)
    assert held.status_code == 202 and "Held for approval" in held.text
    officer = User(UserId("il-officer"), AgencyId("il-test-pd"), "IL Officer", "officer")
    search_id = platform.holds.mine(officer)[0].search_id
    queue = client.get("/ui/requests")
    assert "Convoy analysis" in queue.text and "≥ 2 of its cameras" in queue.text
    platform.holds.decide(search_id, SUPERVISOR, True, "approved")
    approved = client.get("/ui/requests")
    assert "submit the same analysis again" in approved.text
    ran = client.post("/ui/analyses/convoy", data=body)
    assert ran.status_code == 200, ran.text
    assert "PAL001" in ran.text and "1 plate" in ran.text


def test_prohibited_reason_refused_on_the_page(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "il-officer")
    page = client.get("/ui/analyses")
    body = _convoy(csrf(page), "who went with him to the protest rally")
    refused = client.post("/ui/analyses/convoy", data=body)
    assert refused.status_code == 403
    assert "analysis.prohibited_reason" in refused.text
