"""The analysis endpoints over the real app: 202 when held, 200 once approved and repeated,
403 with per-network reasons, 422 naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import NOW, SEARCH, auth, make_reads, read
from plateledger.api.app import create_app
from plateledger.app.platform import Platform

CONVOY = "/api/v1/searches/convoy"
HOMICIDE = {"purpose": "homicide", "case_number": "24-0001",
            "reason": "homicide on Main St, suspect vehicle seen leaving"}  # fmt: skip


def _iso(delta: timedelta) -> str:
    return (NOW - delta).isoformat()


def convoy_body(**extra: Any) -> dict[str, Any]:
    return {
        **HOMICIDE,
        "plate": "TARGET1",
        "time_from": _iso(timedelta(days=1)),
        "time_to": _iso(timedelta(0)),
        "min_cameras": 2,
        "delta_seconds": 120,
        **extra,
    }


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    platform.store.append(make_reads([
        read("il-c1", 30, "TARGET1"), read("il-c1", 30.5, "PAL001"),
        read("il-c2", 90, "TARGET1"), read("il-c2", 89.5, "PAL001"), read("il-c2", 90, "SOLO01"),
    ]))  # fmt: skip
    platform.dictionary.reload()
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def test_convoy_held_then_approved_and_repeated(client: TestClient, platform: Platform) -> None:
    officer = auth(platform, "il-officer")
    held = client.post(CONVOY, json=convoy_body(), headers=officer)
    assert held.status_code == 202, held.text
    search_id = held.json()["error"]["details"]["search_id"]
    mine = client.get("/api/v1/holds/mine", headers=officer).json()["searches"]
    assert [(h["search_id"], h["kind"]) for h in mine] == [(search_id, "convoy")]
    approve = client.post(f"/api/v1/searches/{search_id}/approve", json={"note": "ok"},
                          headers=auth(platform, "il-supervisor"))  # fmt: skip
    assert approve.status_code == 200, approve.text
    ran = client.post(CONVOY, json=convoy_body(), headers=officer)
    assert ran.status_code == 200, ran.text
    body = ran.json()
    assert body["kind"] == "convoy"
    assert [(p["plate"], p["score"]) for p in body["plates"]] == [("PAL001", 2)]
    assert {e["camera_id"] for e in body["plates"][0]["evidence"]} == {"il-c1", "il-c2"}


def test_convoy_refused_per_network(client: TestClient, platform: Platform) -> None:
    r = client.post(CONVOY, json=convoy_body(**SEARCH), headers=auth(platform, "il-officer"))
    assert r.status_code == 403
    rows = r.json()["error"]["details"]["networks_excluded"]
    il = next(d for d in rows if d["network"] == "il-net")
    assert "analysis.convoy.purpose" in il["rule_ids"]


@pytest.mark.parametrize(
    "path,body,field",
    [
        (CONVOY, convoy_body(delta_seconds=0), "delta_seconds"),
        (CONVOY, convoy_body(time_from=_iso(timedelta(days=40))), "time_to"),
        ("/api/v1/searches/multi-place", {**HOMICIDE, "windows": []}, "windows"),
        ("/api/v1/searches/multi-place", {**HOMICIDE, "windows": [
            {"cameras": ["il-c1"], "time_from": _iso(timedelta(hours=2)),
             "time_to": _iso(timedelta(hours=1))},
            {"cameras": ["zz-9"], "time_from": _iso(timedelta(hours=2)),
             "time_to": _iso(timedelta(hours=1))}]}, "windows[1].cameras"),
        ("/api/v1/searches/frequent-visitor", {**HOMICIDE, "min_days": 3, "place": {
            "time_from": _iso(timedelta(days=3)), "time_to": _iso(timedelta(0))}},
         "place.cameras"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(
    client: TestClient, platform: Platform, path: str, body: dict[str, Any], field: str
) -> None:
    r = client.post(path, json=body, headers=auth(platform, "il-officer"))
    assert r.status_code == 422, r.text
    details = r.json()["error"]["details"]
    fields = {p["field"] for p in details} if isinstance(details, list) else {details["field"]}
    assert field in fields
