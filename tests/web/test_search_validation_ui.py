"""One validation path: the UI refuses what the API refuses, before the preview and before the run,
with the API's field names, the form kept as typed, and nothing written to the audit log."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from web.ui_client import csrf, sign_in

WHY = {"purpose": "stolen_vehicle", "case_number": "24-9",
       "reason": "stolen vehicle report 24-9913"}  # fmt: skip
NEAR = {"near_lat": "41.88", "near_lon": "-87.63", "near_radius_km": "5"}

#: (form fields, the same search as the API's JSON query, the field both must name)
CASES: list[tuple[dict[str, str], dict[str, Any], str]] = [
    ({"plate": "KLM456", **NEAR, "near_lat": "200"},
     {"plate": "KLM456", "near": {"lat": 200, "lon": -87.63, "radius_km": 5}}, "query.near.lat"),
    ({"plate": "KLM456", **NEAR, "near_radius_km": "-5"},
     {"plate": "KLM456", "near": {"lat": 41.88, "lon": -87.63, "radius_km": -5}},
     "query.near.radius_km"),
    ({"plate": "<b>X</b>"}, {"plate": "<b>X</b>"}, "query.plate"),
    ({"plate": "КЛМ456"}, {"plate": "КЛМ456"}, "query.plate"),  # Cyrillic look-alikes
    ({"plate": "KLM😀456"}, {"plate": "KLM😀456"}, "query.plate"),
    ({"plate": "K" * 200}, {"plate": "K" * 200}, "query.plate"),
    ({"plate": "JY7*", "mode": "exact"}, {"plate": "JY7*", "mode": "exact"}, "query.plate"),
]  # fmt: skip
IDS = ["lat-200", "radius-minus-5", "markup", "cyrillic", "emoji", "200-chars", "star-in-exact"]


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        reads = [{"camera_id": "il-c1", "ts": iso(5), "plate": "KLM456", "confidence": 0.9}]
        assert c.post("/api/v1/reads", json=reads, headers=auth(platform, "il-admin")).is_success
        yield c


def api_field(body: dict[str, Any]) -> str:
    """The first field a 422 names: the schema's list of problems or the search path's field."""
    details = body["error"]["details"]
    return str(details[0]["field"] if isinstance(details, list) else details["field"])


def searches(platform: Platform, since: int) -> list[dict[str, Any]]:
    """The search events the audit log gained since entry ``since`` (the first use of an API
    token is logged too: that is no search)."""
    entries = (json.loads(platform.audit.entry(i)) for i in range(since, platform.audit.size))
    return [e for e in entries if e["event_type"] == "search"]


@pytest.mark.parametrize(("fields", "_query", "field"), CASES, ids=IDS)
@pytest.mark.parametrize("action", ["preview", "run"])
def test_ui_refuses_what_the_api_refuses_keeping_the_form_and_logging_nothing(
    client: TestClient, platform: Platform, action: str, fields: dict[str, str],
    _query: dict[str, Any], field: str,
) -> None:  # fmt: skip
    sign_in(client, platform, "il-officer")
    token = csrf(client.get("/ui/search"))
    before = platform.audit.size
    page = client.post("/ui/search", data={**WHY, **fields, "action": action, "csrf_token": token})
    assert page.status_code == 422, page.text
    control = field.removeprefix("query.").replace(".", "_")  # query.near.lat -> near_lat
    assert f'<p class="error field-error" id="{control}-error">{field}: ' in page.text
    assert f'id="{control}" aria-invalid="true" aria-errormessage="{control}-error"' in page.text
    for name, value in {**WHY, **fields}.items():  # everything typed is still there
        if name not in ("purpose", "reason"):
            assert f'name="{name}"' in page.text and f'value="{html.escape(value)}"' in page.text
    assert '<option value="stolen_vehicle" selected>' in page.text
    assert f">{WHY['reason']}</textarea>" in page.text
    assert "Run search" not in page.text  # no preview of a refused search
    assert searches(platform, before) == []  # not logged: neither a success nor anything else
    assert not platform.store.execute("SELECT * FROM search_log", [])


@pytest.mark.parametrize(("_fields", "query", "field"), CASES, ids=IDS)
def test_the_api_names_the_same_field_and_logs_nothing(
    client: TestClient, platform: Platform, _fields: dict[str, str], query: dict[str, Any],
    field: str,
) -> None:  # fmt: skip
    before = platform.audit.size
    r = client.post("/api/v1/searches", json={"query": query, **WHY},
                    headers=auth(platform, "il-officer"))  # fmt: skip
    assert r.status_code == 422, r.text
    assert api_field(r.json()) == field
    assert searches(platform, before) == []


def test_an_unknown_camera_is_refused_before_the_search_is_logged(
    client: TestClient, platform: Platform
) -> None:
    before = platform.audit.size
    r = client.post("/api/v1/searches", json={"query": {"plate": "KLM456", "cameras": ["nope"]},
                    **WHY}, headers=auth(platform, "il-officer"))  # fmt: skip
    assert r.status_code == 422 and api_field(r.json()) == "query.cameras"
    assert searches(platform, before) == []
    sign_in(client, platform, "il-officer")
    token = csrf(client.get("/ui/search"))
    for action in ("preview", "run"):
        before = platform.audit.size
        page = client.post("/ui/search", data={**WHY, "plate": "KLM456", "camera": "nope",
                           "action": action, "csrf_token": token})  # fmt: skip
        assert page.status_code == 422 and 'id="camera-error"' in page.text
        assert searches(platform, before) == []


def test_a_valid_search_near_a_point_still_runs_and_is_logged(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-officer")
    token = csrf(client.get("/ui/search"))
    data = {**WHY, "plate": "KLM456", **NEAR, "csrf_token": token}
    shown = client.post("/ui/search", data={**data, "action": "preview"})
    assert shown.status_code == 200 and "Run search" in shown.text
    before = platform.audit.size
    ran = client.post("/ui/search", data={**data, "action": "run"})
    assert ran.status_code == 200 and "Matching reads" in ran.text
    assert [e["outcome"] for e in searches(platform, before)] == ["success"]
