"""The transparency portal: every section's figures from a small network driven through the real
app (a lawful, a denied and a held search), the public endpoints, and the static export."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import auth, iso, setup_registry
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.checkpoint import Verifier, open_note
from plateledger.cli import portal_cmd
from plateledger.portal.html import render
from web.ui_client import sign_in

API = "/api/v1"
LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat()
PLATES = ("ABC1234", "XYZ9876", "OLD5555", "TEX4242")
SECRETS = ("ICE WARRANT", "stolen vehicle report", "CASE-7781", "CASE-7782", "stolen 24-77")


def post(client: TestClient, platform: Platform, user: str, path: str, body: Any) -> Any:
    return client.post(f"{API}{path}", json=body, headers=auth(platform, user))


def search(client: TestClient, platform: Platform, user: str, reason: str, purpose: str) -> Any:
    body = {"query": {"plate": "ABC1234"}, "purpose": purpose, "case_number": "CASE-7781",
            "reason": reason}  # fmt: skip
    return post(client, platform, user, "/searches", body)


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        populate(c, platform)
        yield c


def populate(c: TestClient, platform: Platform) -> None:
    hotlist = {"name": "Stolen vehicles", "purpose": "stolen_vehicle", "legal_basis": "NCIC 2.0",
               "source": "manual"}  # fmt: skip
    lid = post(c, platform, "il-admin", "/hotlists", hotlist).json()["id"]
    entry = {"plate": "ABC1234", "state": "IL", "reason": "stolen 24-77",
             "case_number": "CASE-7782", "expires_at": LATER}  # fmt: skip
    assert post(c, platform, "il-admin", f"/hotlists/{lid}/entries", entry).status_code == 200
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat().replace("+00:00", "Z")
    reads = [{"camera_id": "il-c1", "ts": iso(5), "plate": "ABC1234", "plate_state": "IL"},
             {"camera_id": "il-c2", "ts": iso(9), "plate": "XYZ9876"},
             {"camera_id": "il-c1", "ts": old, "plate": "OLD5555"}]  # fmt: skip
    assert post(c, platform, "il-admin", "/reads", reads).json()["stored"] == 3
    tx = [{"camera_id": "tx-c1", "ts": iso(4), "plate": "TEX4242"}]
    assert post(c, platform, "tx-admin", "/reads", tx).status_code == 200
    assert post(c, platform, "il-admin", "/networks/il-net/sharing",
                {"grantee_kind": "national"}).status_code == 200  # fmt: skip
    assert post(c, platform, "tx-admin", "/networks/tx-net/sharing",
                {"grantee_kind": "agency", "grantee": "il-test-pd"}).status_code == 200  # fmt: skip
    lawful = search(c, platform, "il-officer", "stolen vehicle report", "stolen_vehicle")
    assert lawful.status_code == 200, lawful.text
    denied = search(c, platform, "tx-officer", "ICE WARRANT", "wanted_person_felony")
    assert "il-net" in {d["network"] for d in denied.json()["networks_excluded"]}
    policy = {"require_specific_reason": True}
    r = c.put(f"{API}/agencies/il-test-pd/policy", json=policy, headers=auth(platform, "il-admin"))
    assert r.status_code == 200
    held = search(c, platform, "il-officer", "inv", "stolen_vehicle")
    assert held.status_code == 202, held.text
    approve = post(c, platform, "il-supervisor", f"/searches/{held.json()['search_id']}/approve",
                   {"note": "confirmed"})  # fmt: skip
    assert approve.status_code == 200


def test_every_section(client: TestClient, platform: Platform) -> None:
    d = platform.portal.data("il-test-pd")
    assert (d.name, d.state, len(d.fixed_cameras), d.mobile_cameras) == ("Test PD (IL)", "IL", 2, 0)
    assert {c.name for c in d.fixed_cameras} == {"Main St NB", "Main St SB"}
    assert d.collected and d.not_collected
    r = d.retention
    assert (r.days, r.rule_id, r.law_cap_days, r.agency_days) == (
        180, "agency.il-test-pd.retention", None, 180)  # fmt: skip
    assert r.law_rule_id == "IL.retention" and "2-130" in r.law_citation
    law = {p.purpose for p in d.prohibited if p.source == "state law"}
    assert {"immigration_enforcement", "reproductive_health"} <= law
    assert all(p.citation for p in d.prohibited if p.source == "state law")
    assert {"case_number", "reason_text"} <= set(d.required_fields)
    assert {s.requester: s.decision for s in d.sharing_law}["federal_immigration"] == "deny"
    assert [(p.kind, p.who, p.network) for p in d.sharing_out] == [
        ("national", "every agency", "il-net")]  # fmt: skip
    assert [(p.kind, p.who, p.network) for p in d.sharing_in] == [
        ("agency", "Test PD (TX)", "tx-net")]  # fmt: skip
    assert d.reads_30d == 2  # the 40-day-old read is outside the window; TX reads are not ours
    assert d.hotlist_hits_30d == 1 and dict(d.hits_by_status) == {"new": 1}
    assert [(h.name, h.owner, h.hits_30d) for h in d.hotlists] == [
        ("Stolen vehicles", "Test PD (IL)", 1)]  # fmt: skip
    a = d.audit
    assert (a.searches_of_our_data, a.by_our_users, a.by_partners) == (1, 1, 0)
    assert dict(a.by_purpose_class) == {"hotlist": 1}
    assert a.denied == 1 and "IL.purpose.prohibited.immigration_enforcement" in dict(
        a.denied_by_rule)  # fmt: skip
    assert a.held == 1 and dict(a.held_by_rule) == {"agency.il-test-pd.specific_reason": 1}
    assert a.our_users_searches == 2 and dict(a.our_users_by_outcome) == {"success": 1, "held": 1}
    assert (a.holds_approved, a.holds_rejected) == (1, 0)
    assert a.policy_changes >= 3  # the hotlist, the sharing agreement, the policy
    tx = platform.portal.data("tx-test-pd").audit
    assert (tx.searches_of_our_data, tx.by_our_users, tx.by_partners) == (2, 1, 1)


def test_checkpoint_is_verifiable(client: TestClient, platform: Platform) -> None:
    cp = platform.portal.data("il-test-pd").audit.checkpoint
    checked = open_note(cp.note, Verifier.from_vkey(cp.public_key))
    assert (checked.size, checked.root.hex()) == (cp.size, cp.root_hex)
    assert cp.size <= platform.audit.size and cp.root_hex == platform.audit.root(cp.size).hex()


def test_page_is_self_contained_and_leaks_nothing(client: TestClient, platform: Platform) -> None:
    d = platform.portal.data("il-test-pd")
    page = render(d)
    data = orjson.dumps(d.to_dict()).decode()
    for text in (page, data):
        assert not any(p in text for p in PLATES)
        assert not any(s in text for s in SECRETS)
        assert "il-officer" not in text and "IL Officer" not in text
    assert "<script" not in page.lower() and "http" not in page.lower()
    assert not re.search(r"(src|href)\s*=", page, re.IGNORECASE)
    assert d.audit.checkpoint.note in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert "plateledger audit verify --against" in page
    assert "What these numbers mean" in page and '<html lang="en">' in page


def test_public_endpoints_need_no_token(client: TestClient, platform: Platform) -> None:
    page = client.get("/portal/il-test-pd")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "Test PD (IL)" in page.text
    body = client.get("/portal/il-test-pd.json")
    assert body.status_code == 200 and body.json()["audit"]["searches_of_our_data"] == 1
    assert body.json()["agency_id"] == "il-test-pd"
    assert client.get("/portal/no-such-agency").status_code == 404
    assert client.get("/portal/no-such-agency.json").status_code == 404


def test_index_lists_every_agency_and_the_top_bar_links_to_it(
    client: TestClient, platform: Platform
) -> None:
    """``/portal/`` was a raw 404 behind the UI's "Transparency portal" link, for every role."""
    index = client.get("/portal/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in index.headers["content-security-policy"]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', index.text)
    pages = {name: href for href, name in links if name != "JSON"}
    assert pages == {a.name: a.id for a in platform.store.agencies()}
    assert {"Test PD (IL)", "Test PD (TX)"} <= set(pages)
    for href, _ in links:  # relative links: each agency's page and JSON, all public
        assert client.get(f"/portal/{href}").status_code == 200, href
    assert not re.search(r"<script|(?:src|href)=\"(?:[a-z]+:)?//", index.text, re.IGNORECASE)
    bare = client.get("/portal", follow_redirects=False)
    assert bare.status_code in {307, 308} and bare.headers["location"].endswith("/portal/")
    for user in ("il-officer", "il-supervisor", "il-admin", "tx-auditor"):
        home = sign_in(client, platform, user)
        assert '<a href="/portal/">Transparency portal</a>' in home.text, user
        assert client.get("/portal/").status_code == 200


def test_cli_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    p = Platform(data)
    try:
        p.test_tokens = setup_registry(p)  # type: ignore[attr-defined]
        with TestClient(create_app(p, background=False)) as c:
            populate(c, p)
    finally:
        p.close()
    out = tmp_path / "site"
    cli = typer.Typer()
    cli.add_typer(portal_cmd.app, name="portal")  # as cli/main.py registers it
    args = ["portal", "export", "--agency", "il-test-pd", "--out", str(out), "--data", str(data)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.output)["checkpoint_size"] > 0
    exported = orjson.loads((out / "portal.json").read_bytes())
    assert exported["audit"]["denied"] == 1 and exported["reads_30d"] == 2
    assert "Test PD (IL)" in (out / "index.html").read_text()
    missing = CliRunner().invoke(cli, [*args[:3], "nope", *args[4:]])
    assert missing.exit_code == 2
