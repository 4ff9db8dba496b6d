"""Admin pages through the real app: own agency only, the API's operations and validation,
CSRF on every change, bad input named."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from markupsafe import escape

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.domain.types import OPERATOR
from plateledger.store.accounts import tokens_of
from web.ui_client import csrf, sign_in

PAGES = ("", "/cameras", "/retention", "/sharing", "/access", "/users", "/hotlists")


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        il = [{"camera_id": "il-c1", "ts": iso(m), "plate": "ABC123", "confidence": 0.9}
              for m in (5, 6, 7)]  # fmt: skip
        assert c.post("/api/v1/reads", json=il, headers=auth(platform, "il-admin")).is_success
        tx = [{"camera_id": "tx-c1", "ts": iso(4), "plate": "XYZ999", "confidence": 0.9}]
        assert c.post("/api/v1/reads", json=tx, headers=auth(platform, "tx-admin")).is_success
        yield c


def post(client: TestClient, path: str, **fields: str | list[str]) -> Response:
    page = client.get("/ui/admin")
    return client.post(f"/ui/admin{path}", data={**fields, "csrf_token": csrf(page)})


def main(page: Response) -> str:
    return page.text.split('<main id="main">', 1)[1]


def audit_entries(platform: Platform, event_type: str) -> list[dict[str, object]]:
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size))
    return [e for e in entries if e["event_type"] == event_type]


def test_officer_and_auditor_are_refused_and_signed_out_users_sent_to_sign_in(
    client: TestClient, platform: Platform
) -> None:
    assert client.get("/ui/admin/users").url.path == "/ui/signin"
    sign_in(client, platform, "il-officer")
    for path in PAGES:
        assert client.get(f"/ui/admin{path}").status_code == 403, path
    refused = post(client, "/retention", retention_days="1")
    assert refused.status_code == 403
    assert platform.store.agency("il-test-pd").retention_days == 180  # type: ignore[arg-type, union-attr]
    client.cookies.clear()
    sign_in(client, platform, "tx-auditor")
    assert client.get("/ui/admin/sharing").status_code == 403


def test_cameras_are_the_agencys_own_with_read_counts(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-admin")
    page = main(client.get("/ui/admin/cameras"))
    row = page.split("<td>il-c1</td>", 1)[1].split("</tr>", 1)[0]
    assert "Main St NB" in row and "41.88000, -87.63000" in row and '<td class="num">3</td>' in row
    assert "<td>il-c2</td>" in page
    assert "tx-c1" not in page and "I-10 WB" not in page and "Unit 7" not in page


def test_retention_shows_the_cap_and_changes_the_setting(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-admin")
    page = main(client.get("/ui/admin/retention"))
    assert "State law cap (IL, municipal)" in page and "IL." in page  # the statute's rule id
    assert '<dd id="setting">180 days</dd>' in page
    saved = post(client, "/retention", retention_days="30")
    assert saved.status_code == 200 and saved.url.path == "/ui/admin/retention"
    assert '<dd id="setting">30 days</dd>' in saved.text
    assert platform.store.agency("il-test-pd").retention_days == 30  # type: ignore[arg-type, union-attr]
    change = audit_entries(platform, "config_change")[-1]
    assert change["subject"] == {"action": "retention", "previous": 180, "retention_days": 30}
    for bad, why in (("abc", "not a whole number"), ("0", "from 1 to 36500")):
        refused = post(client, "/retention", retention_days=bad)
        assert refused.status_code == 422 and "retention_days: " in refused.text
        assert why in refused.text
    cleared = post(client, "/retention", retention_days="")
    assert "not set (the cap applies)" in cleared.text


def test_legal_holds_only_on_own_reads(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "il-admin")
    stored = "SELECT read_id, plate FROM reads_hot UNION ALL SELECT read_id, plate FROM reads"
    ids = {r[1]: int(r[0]) for r in platform.store.execute(stored)}
    review = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    held = post(client, "/legal-holds", case_number="HOLD-1", read_ids=str(ids["ABC123"]),
                note="homicide evidence", expires_on=review)  # fmt: skip
    assert held.status_code == 200 and "<td>HOLD-1</td>" in held.text
    assert platform.store.legal_hold_ids("HOLD-1") == [ids["ABC123"]]
    foreign = post(client, "/legal-holds", case_number="HOLD-2", read_ids=str(ids["XYZ999"]),
                   note="not ours", expires_on=review)  # fmt: skip
    assert foreign.status_code == 422 and "read_ids: no read of your agency" in foreign.text
    assert platform.store.legal_hold_ids("HOLD-2") == []
    junk = post(client, "/legal-holds", case_number="H", read_ids="12; DROP", note="x")
    assert junk.status_code == 422 and "read_ids: " in junk.text


def test_sharing_uses_the_api_validation_and_revokes(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-admin")
    bad = {"network_id": "il-net", "grantee_kind": "agency", "grantee": "nope-pd"}
    refused = post(client, "/sharing", **bad)
    api = client.post("/api/v1/networks/il-net/sharing", headers=auth(platform, "il-admin"),
                      json={"grantee_kind": "agency", "grantee": "nope-pd"})  # fmt: skip
    assert refused.status_code == api.status_code == 422
    assert str(escape(api.json()["error"]["message"])) in refused.text  # same message and field
    unknown = post(client, "/sharing", network_id="il-net", grantee_kind="national",
                   purposes=["no_such_purpose"])  # fmt: skip
    assert unknown.status_code == 422 and "purposes: unknown no_such_purpose" in unknown.text
    added = post(client, "/sharing", network_id="il-net", grantee_kind="agency",
                 grantee="tx-test-pd", purposes=["stolen_vehicle"], note="task force")  # fmt: skip
    assert added.status_code == 200
    agreement = next(a for a in platform.store.agreements() if a.network_id == "il-net")
    assert agreement.grantee == "tx-test-pd" and agreement.purposes == {"stolen_vehicle"}
    assert "shared with agency tx-test-pd for stolen_vehicle" in added.text
    revoked = post(client, f"/sharing/il-net/{agreement.id}/revoke")
    assert revoked.status_code == 200 and "revoked" in revoked.text
    assert next(a for a in platform.store.agreements() if a.id == agreement.id).revoked_at
    actions = [e["subject"]["action"] for e in audit_entries(platform, "sharing_change")]  # type: ignore[index]
    assert actions[-2:] == ["add", "revoke"]


def test_declarations_are_filed_and_listed(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "tx-admin")
    missing = post(client, "/declarations", state="IL", kind="written_declaration",
                   document_ref="binder 4")  # fmt: skip
    assert missing.status_code == 422 and "signed_at: required" in missing.text
    filed = post(client, "/declarations", state="il", kind="written_declaration",
                 signed_at="2026-01-05T10:00", document_ref="binder 4, tab 2")  # fmt: skip
    assert filed.status_code == 200
    table = main(filed).split("Declarations filed by", 1)[1]
    assert "<td>IL</td>" in table and "binder 4, tab 2" in table and "<td>yes</td>" in table
    assert [d.state for d in platform.store.declarations() if d.agency_id == "tx-test-pd"] == ["IL"]


def test_another_agencys_admin_sees_and_changes_nothing_of_ours(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-admin")
    post(client, "/sharing", network_id="il-net", grantee_kind="state", grantee="VA")
    agreement = next(a for a in platform.store.agreements() if a.network_id == "il-net")
    client.cookies.clear()
    sign_in(client, platform, "tx-admin")
    sharing = main(client.get("/ui/admin/sharing"))
    assert agreement.id not in sharing and "il-net" not in sharing
    users = main(client.get("/ui/admin/users"))
    assert "tx-officer" in users and "il-officer" not in users and "il-admin" not in users
    theirs = tokens_of(platform.store, ["il-officer", "il-admin", "il-supervisor"])
    ours = tokens_of(platform.store, ["tx-officer", "tx-admin"])
    assert theirs and ours and all(t.token_id in users for t in ours)
    assert not [t.token_id for t in theirs if t.token_id in users]
    assert post(client, f"/tokens/{theirs[0].token_id}/revoke").status_code == 404
    assert post(client, f"/sharing/il-net/{agreement.id}/revoke").status_code == 403
    assert post(client, "/sharing", network_id="il-net", grantee_kind="national").status_code == 403
    assert client.get("/ui/admin/access?network=il-net").status_code == 403
    assert post(client, "/tokens", user_id="il-officer", label="x").status_code == 404
    assert post(client, "/users/il-officer/account", action="lock").status_code == 404
    assert next(a for a in platform.store.agreements() if a.id == agreement.id).revoked_at is None


def test_access_page_is_the_policy_engines_answer(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "il-admin")
    page = main(client.get("/ui/admin/access?network=il-net"))
    api = client.get("/api/v1/networks/il-net/access", headers=auth(platform, "il-admin")).json()
    for row in api["who_can_search"]:
        cells = page.split(f"({row['agency']}, ", 1)[1].split("</tr>", 1)[0]
        for code, d in row["purposes"].items():
            assert f"<strong>{d['decision']}</strong>" in cells, (row["agency"], code)
            assert str(escape(d["explanation"].split(";")[0])) in cells
    fed = page.split("(us-fed, ", 1)[1].split("</tr>", 1)[0]
    assert "<strong>allow</strong>" not in fed  # deny by default: no agreement covers it


def test_tokens_are_issued_once_and_revoked(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "il-admin")
    bad = post(client, "/tokens", user_id="il-officer", label="", expires_days="30")
    assert bad.status_code == 422 and "label: " in bad.text
    late = post(client, "/tokens", user_id="il-officer", label="car 12", expires_days="9999")
    assert late.status_code == 422 and "expires_days: " in late.text
    # never a search token in an officer's name (the manage table: ingest only, for admins)
    search = post(client, "/tokens", user_id="il-officer", label="car 12", expires_days="30",
                  scopes=["search"])  # fmt: skip
    assert search.status_code == 403
    platform.accounts.create_user(OPERATOR, "il-test-pd.uplink", "il-test-pd", "Uplink", "admin")
    issued = post(client, "/tokens", user_id="il-test-pd.uplink", label="camera 12",
                  expires_days="30", scopes=["ingest"])  # fmt: skip
    secret = re.search(r'<code id="new-token">([^<]+)</code>', issued.text)
    assert issued.status_code == 200 and secret
    headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert client.get("/api/v1/cameras", headers=headers).status_code == 200
    assert secret.group(1) not in main(client.get("/ui/admin/users"))  # shown once only
    token_id = re.search(r"Token id ([0-9a-f]+),", issued.text).group(1)  # type: ignore[union-attr]
    revoked = post(client, f"/tokens/{token_id}/revoke")
    assert revoked.status_code == 200 and "token revoked" in revoked.text
    assert client.get("/api/v1/cameras", headers=headers).status_code == 401
    logged = [e["subject"] for e in audit_entries(platform, "token_change")]
    assert [s["action"] for s in logged][-2:] == ["issue", "revoke"]  # type: ignore[index]
    assert secret.group(1) not in orjson.dumps(logged).decode()


def test_hotlists_show_entry_counts_and_subscriptions(
    client: TestClient, platform: Platform
) -> None:
    il, tx = auth(platform, "il-admin"), auth(platform, "tx-admin")
    body = {"name": "Stolen cars", "purpose": "stolen_vehicle", "legal_basis": "agency policy",
            "share_with": ["TX"]}  # fmt: skip
    hotlist = client.post("/api/v1/hotlists", json=body, headers=il).json()
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    entries = [
        {"plate": p, "reason": "stolen", "case_number": "24-1", "expires_at": expires}
        for p in ("AAA111", "BBB222")
    ]
    assert client.post(
        f"/api/v1/hotlists/{hotlist['id']}/entries", json=entries, headers=il
    ).is_success
    sign_in(client, platform, "il-admin")
    own = main(client.get("/ui/admin/hotlists"))
    assert "Stolen cars" in own and '<td class="num">2 / 2</td>' in own
    assert "AAA111" not in own  # counts, not plates
    client.cookies.clear()
    sign_in(client, platform, "tx-admin")
    shared = main(client.get("/ui/admin/hotlists"))
    assert "Stolen cars" in shared and "Subscribe to Stolen cars" in shared
    subscribed = post(client, f"/hotlists/{hotlist['id']}/subscription", action="subscribe")
    assert subscribed.status_code == 200 and "Unsubscribe from Stolen cars" in subscribed.text
    listed = client.get("/api/v1/hotlists", headers=tx).json()
    assert hotlist["id"] in [h["id"] for h in listed]


def test_changes_without_a_csrf_token_are_refused(client: TestClient, platform: Platform) -> None:
    sign_in(client, platform, "il-admin")
    changes = (
        ("/retention", {"retention_days": "5"}),
        ("/tokens", {"user_id": "il-officer", "label": "x"}),
        ("/sharing", {"network_id": "il-net", "grantee_kind": "national"}),
    )
    for path, fields in changes:
        assert client.post(f"/ui/admin{path}", data=fields).status_code == 403
        forged = client.post(f"/ui/admin{path}", data={**fields, "csrf_token": "forged"})
        assert forged.status_code == 403 and "CSRF" in forged.text
    assert platform.store.agency("il-test-pd").retention_days == 180  # type: ignore[arg-type, union-attr]
    assert not platform.store.agreements()


def test_agency_policy_is_set_with_the_api_operation(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-admin")
    bad = post(client, "/policy", prohibited=["criminal"], other_prohibited="no_such_code")
    assert bad.status_code == 422 and "prohibited_purposes: unknown no_such_code" in bad.text
    saved = post(client, "/policy", require_specific_reason="1",
                 prohibited=["personal_use"], other_prohibited="parking_enforcement")  # fmt: skip
    assert saved.status_code == 200 and "Saved (agency policy)" in saved.text
    policy = platform.store.agency_policies()["il-test-pd"]  # type: ignore[index]
    assert policy.require_specific_reason
    assert policy.prohibited_purposes == {"personal_use", "parking_enforcement"}
    assert 'value="parking_enforcement"' in saved.text  # shown back in the form
    assert audit_entries(platform, "config_change")[-1]["subject"] == {
        "action": "agency_policy", "require_specific_reason": True,
        "prohibited_purposes": ["parking_enforcement", "personal_use"],
        "protected_activity": "deny", "previous_policy": None,
    }  # fmt: skip
    assert 'name="protected_activity" value="deny" checked' in saved.text
    bad = post(client, "/policy", protected_activity="allow")
    assert bad.status_code == 422 and "protected_activity" in bad.text
    relaxed = post(client, "/policy", protected_activity="hold")
    assert 'name="protected_activity" value="hold" checked' in relaxed.text
    subject = audit_entries(platform, "config_change")[-1]["subject"]
    assert subject["protected_activity"] == "hold"
    assert subject["previous_policy"]["protected_activity"] == "deny"
