"""GET/PUT /api/v1/agencies/{id}/analysis-policy over the real app: the agency's admin only
(ids in the path and the body, look-alikes), fields named on refusal, audited, and applied to
the very next convoy request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.test_analyses_api import CONVOY, convoy_body
from conftest import auth, make_reads, read
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.events import parse_event

IL = "/api/v1/agencies/il-test-pd/analysis-policy"


def policy(purposes: list[str] | None, waive: bool = False, **extra: Any) -> dict[str, Any]:
    return {"kinds": {"convoy": {"purposes": purposes, "waive_supervisor_hold": waive}}, **extra}


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    platform.store.append(make_reads([
        read("il-c1", 30, "TARGET1"), read("il-c1", 30.5, "PAL001"),
        read("il-c2", 90, "TARGET1"), read("il-c2", 89.5, "PAL001"),
    ]))  # fmt: skip
    platform.dictionary.reload()
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def test_admin_sets_and_officer_reads(client: TestClient, platform: Platform) -> None:
    r = client.put(IL, json=policy(["missing_person"], True), headers=auth(platform, "il-admin"))
    assert r.status_code == 200, r.text
    shown = client.get(IL, headers=auth(platform, "il-officer"))
    assert shown.status_code == 200
    convoy = shown.json()["kinds"]["convoy"]
    assert convoy["purposes"] == ["missing_person"] and convoy["waive_supervisor_hold"]
    assert shown.json()["kinds"]["multi_place"]["follows_default"]
    again = client.put(IL, json={**shown.json(), "kinds": {"convoy": {"purposes": None}}},
                       headers=auth(platform, "il-admin"))  # fmt: skip
    assert again.status_code == 200, again.text  # GET's agency_id round-trips
    assert again.json()["kinds"]["convoy"]["follows_default"]


@pytest.mark.parametrize(
    "user,path,body",
    [
        ("tx-admin", IL, policy([])),  # another agency's admin
        ("il-officer", IL, policy([])),
        ("il-supervisor", IL, policy([])),
        ("il-admin", "/api/v1/agencies/tx-test-pd/analysis-policy", policy([])),
        ("il-admin", IL, policy([], agency_id="tx-test-pd")),  # the body names another
        ("tx-admin", "/api/v1/agencies/tx-test-pd/analysis-policy",
         policy([], agency_id="il-test-pd")),
        ("il-admin", "/api/v1/agencies/il-test-pd%E2%80%8B/analysis-policy", policy([])),
        ("il-admin", "/api/v1/agencies/il-te%D1%95t-pd/analysis-policy", policy([])),  # Cyrillic
        ("il-admin", IL, policy([], agency_id="il-test-pd\u200b")),
        ("il-admin", IL, policy([], agency_id="il-\u0442est-pd")),
    ],
)  # fmt: skip
def test_others_are_refused(
    client: TestClient, platform: Platform, user: str, path: str, body: dict[str, Any]
) -> None:
    before = platform.audit.size
    r = client.put(path, json=body, headers=auth(platform, user))
    assert r.status_code in (403, 404), r.text
    assert platform.audit.size == before or all(
        parse_event(platform.audit.entry(i)).event_type == "token_use"
        for i in range(before, platform.audit.size)
    )
    assert platform.analysis_policy.current().owners == {}


def test_another_agencys_policy_is_not_shown(client: TestClient, platform: Platform) -> None:
    r = client.get(IL, headers=auth(platform, "tx-admin"))
    assert r.status_code == 403
    assert client.get(IL, headers=auth(platform, "tx-auditor")).status_code == 403


@pytest.mark.parametrize(
    "body,field",
    [
        (policy(["homicide", "not_a_purpose"]), "kinds.convoy.purposes"),
        (policy(["immigration_enforcement"]), "kinds.convoy.purposes"),
        ({"kinds": {"stalking": {"purposes": []}}}, "kinds"),
        ({"kinds": {}}, "kinds"),
        ({"kinds": {"convoy": {"waive_supervisor_hold": True}}}, "purposes"),
        ({**policy([]), "extra": 1}, "extra"),
    ],
)
def test_bad_fields_named(
    client: TestClient, platform: Platform, body: dict[str, Any], field: str
) -> None:
    r = client.put(IL, json=body, headers=auth(platform, "il-admin"))
    assert r.status_code == 422, r.text
    assert field in r.text


def test_removed_purpose_denied_at_once_and_audited(client: TestClient, platform: Platform) -> None:
    officer, admin = auth(platform, "il-officer"), auth(platform, "il-admin")
    assert client.post(CONVOY, json=convoy_body(), headers=officer).status_code == 202
    before = platform.audit.size
    r = client.put(IL, json=policy(["missing_person"]), headers=admin)  # homicide removed
    assert r.status_code == 200, r.text
    entries = [parse_event(platform.audit.entry(i)) for i in range(before, platform.audit.size)]
    change = next(e for e in entries if e.event_type == "analysis_policy_change")
    assert change.user_id == "il-admin"
    assert change.subject["settings"]["convoy"]["purposes"] == ["missing_person"]
    denied = client.post(CONVOY, json=convoy_body(), headers=officer)
    assert denied.status_code == 403, denied.text
    il = next(d for d in denied.json()["error"]["details"]["networks_excluded"]
              if d["network"] == "il-net")  # fmt: skip
    assert "analysis.convoy.purpose" in il["rule_ids"]


def test_waived_hold_runs_and_prohibited_reason_still_denied(
    client: TestClient, platform: Platform
) -> None:
    admin, officer = auth(platform, "il-admin"), auth(platform, "il-officer")
    assert client.put(IL, json=policy(["homicide"], True), headers=admin).status_code == 200
    ran = client.post(CONVOY, json=convoy_body(), headers=officer)
    assert ran.status_code == 200, ran.text
    assert [p["plate"] for p in ran.json()["plates"]] == ["PAL001"]
    reason = "who drove with him to the protest rally downtown"
    denied = client.post(CONVOY, json=convoy_body(reason=reason), headers=officer)
    assert denied.status_code == 403, denied.text
    rules = {r for d in denied.json()["error"]["details"]["networks_excluded"]
             for r in d["rule_ids"]}  # fmt: skip
    assert "analysis.prohibited_reason" in rules
