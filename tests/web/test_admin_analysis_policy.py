"""The analysis-policy section of the admin's sharing page through the real app: an admin sets a
kind (audited, shown back, and on the officers' Analyses page), an unknown purpose re-renders
the page naming the field, and an officer's post is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.events import parse_event
from web.ui_client import csrf, sign_in


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def _form(token: str, purposes: str, **extra: str) -> dict[str, str]:
    return {"csrf_token": token, "kind": "convoy", "purposes": purposes, **extra}


def test_admin_sets_a_kind_on_the_sharing_page(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "il-admin")
    page = client.get("/ui/admin/sharing")
    assert page.status_code == 200 and "Analysis policy" in page.text
    bad = client.post("/ui/admin/analysis-policy", data=_form(csrf(page), "homicide bogus"))
    assert bad.status_code == 422 and "kinds.convoy.purposes" in bad.text
    before = platform.audit.size
    body = _form(csrf(page), "missing_person, amber_alert", waive_supervisor_hold="1")
    saved = client.post("/ui/admin/analysis-policy", data=body, follow_redirects=True)
    assert saved.status_code == 200, saved.text
    assert 'value="amber_alert missing_person"' in saved.text
    kinds = {parse_event(platform.audit.entry(i)).event_type
             for i in range(before, platform.audit.size)}  # fmt: skip
    assert "analysis_policy_change" in kinds
    client.post("/ui/signout", data={"csrf_token": csrf(saved)})
    sign_in(client, platform, "il-officer")
    analyses = client.get("/ui/analyses")
    assert "allowed only for: AMBER Alert (child abduction), Missing person" in analyses.text


def test_an_officer_cannot_post_it(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "il-officer")
    page = client.get("/ui/analyses")
    r = client.post("/ui/admin/analysis-policy", data=_form(csrf(page), ""))
    assert r.status_code == 403
    assert platform.analysis_policy.current().owners == {}
