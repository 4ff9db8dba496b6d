"""Auditor pages through the real app: the API's scope, filters and paging, the proof data the
browser checks (verified here with the Python implementation), oversight checks."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.checkpoint import Verifier, open_note
from plateledger.audit.merkle import VerificationError, leaf_hash, verify_inclusion
from plateledger.audit.seal import leaf_from_proof
from plateledger.oversight import browse as audit_browse
from web.ui_client import sign_in

ROW = re.compile(r'<a href="/ui/audit/entries/(\d+)">')
SEARCH = {"query": {"plate": "ABC123", "mode": "exact"}, "purpose": "stolen_vehicle",
          "case_number": "24-1", "reason": "stolen vehicle report 24-1187"}  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        rows = [{"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123", "confidence": 0.9}]
        assert c.post("/api/v1/reads", json=rows, headers=auth(platform, "il-admin")).is_success
        for user, body in (
            ("il-officer", SEARCH),
            ("tx-officer", SEARCH),
            ("fed-officer", {**SEARCH, "purpose": "homicide", "reason": "homicide 24-77"}),
            ("il-officer", {**SEARCH, "reason": "investigation"}),  # vague: flagged
        ):
            found = c.post("/api/v1/searches", json=body, headers=auth(platform, user))
            assert found.status_code in (200, 202, 403), found.text  # 403: denied everywhere
        yield c


def listed(client: TestClient, query: str = "") -> list[int]:
    """Every entry index the log page lists (all pages) for this query."""
    out: list[int] = []
    for page in range(1, 100):
        text = client.get(f"/ui/audit?{query}&page={page}").text
        out += [int(i) for i in ROW.findall(text)]
        if 'rel="next"' not in text:
            return out
    raise AssertionError("too many pages")


def entry(platform: Platform, index: int) -> dict[str, object]:
    parsed: dict[str, object] = orjson.loads(platform.audit.entry(index))
    return parsed


def test_officers_are_refused(client: TestClient, platform: Platform) -> None:
    assert client.get("/ui/audit").url.path == "/ui/signin"
    sign_in(client, platform, "il-officer")
    for path in ("/ui/audit", "/ui/audit/entries/0", "/ui/audit/oversight"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("user", ["il-admin", "tx-admin", "tx-auditor"])
def test_scope_is_the_apis(client: TestClient, platform: Platform, user: str) -> None:
    sign_in(client, platform, user)
    size = platform.audit.size
    shown = {i for i in listed(client, "access=1") if i < size}
    api = {
        i for i in range(size)
        if client.get(f"/api/v1/audit/entries/{i}", headers=auth(platform, user)).status_code
        == 200
    }  # fmt: skip
    assert shown == api and shown
    if user == "tx-auditor":
        assert shown == set(range(size))
    else:
        hidden = sorted(set(range(size)) - shown)
        assert hidden, "an admin sees only entries about their agency"
        assert client.get(f"/ui/audit/entries/{hidden[0]}").status_code == 403


def test_filters_and_pages(client: TestClient, platform: Platform) -> None:
    admin = next(u for u in platform.store.users() if u.id == "il-admin")
    for n in range(55):
        platform.log_event("config_change", admin, {"action": f"test-{n}"})
    sign_in(client, platform, "tx-auditor")
    first = client.get("/ui/audit")
    assert len(ROW.findall(first.text)) == audit_browse.PAGE_SIZE and 'rel="next"' in first.text
    everything = listed(client)
    assert everything == sorted(everything, reverse=True) and len(everything) > 55
    assert all(entry(platform, i)["event_type"] not in ("token_use", "login") for i in everything)
    by_user = listed(client, "user=fed-officer")
    assert by_user and all(entry(platform, i)["user_id"] == "fed-officer" for i in by_user)
    by_agency = listed(client, "agency=tx-test-pd")
    assert by_agency and all(entry(platform, i)["agency_id"] == "tx-test-pd" for i in by_agency)
    denied = listed(client, "denied=1")
    assert [entry(platform, i)["user_id"] for i in denied] == ["fed-officer"]
    homicide = listed(client, "purpose_class=criminal")
    assert homicide == denied  # homicide is the only criminal-class purpose searched
    assert len(listed(client, "purpose_class=hotlist")) == 3
    flagged = listed(client, "flagged=1")  # policy flags, and denied or held searches (#17)
    vague = [i for i in flagged if i not in denied]
    assert set(denied) <= set(flagged) and len(vague) == 1
    assert entry(platform, vague[0])["subject"]["reason"] == "investigation"  # type: ignore[index]
    bad = client.get("/ui/audit?purpose_class=nonsense")
    assert bad.status_code == 422 and "purpose_class: unknown class" in bad.text
    assert client.get("/ui/audit?page=0").status_code == 422


def _proof_data(page: str) -> dict[str, str]:
    section = page.split('<section id="proof"', 1)[1].split(">", 1)[0]
    return {k: html.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', section)}


def test_entry_page_hands_the_browser_a_proof_that_verifies(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "tx-auditor")
    key = Verifier.from_vkey(client.get("/api/v1/audit/public-key").text)
    for index in range(platform.audit.size):
        page = client.get(f"/ui/audit/entries/{index}")
        assert page.status_code == 200 and '<script src="/ui/static/proof.js">' in page.text
        data = _proof_data(page.text)
        assert data["key-url"] == "/api/v1/audit/public-key" and int(data["index"]) == index
        canonical = base64.b64decode(data["entry"])
        assert canonical == platform.audit.entry(index)  # the exact bytes the log holds
        assert str(escape(canonical.decode())) in page.text  # and shown as is
        checkpoint = open_note(base64.b64decode(data["checkpoint"]).decode(), key)
        size = int(data["tree-size"])
        assert checkpoint.size == size > index
        proof = [bytes.fromhex(h) for h in data["proof"].split(",") if h]
        seal = {"profile": "internal", "nonce": data["nonce"], "commitments": {
            "public": data["commitment-public"],
            "records-request": data["commitment-records-request"]}}  # fmt: skip
        leaf = leaf_from_proof(canonical, seal)
        verify_inclusion(leaf, index, size, proof, checkpoint.root)
        if proof:  # a tampered path must fail the same check the browser makes
            forged = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
            with pytest.raises(VerificationError):
                verify_inclusion(leaf, index, size, forged, checkpoint.root)
    with pytest.raises(VerificationError):
        edited = leaf_from_proof(canonical + b" ", seal)
        verify_inclusion(edited, index, size, proof, checkpoint.root)
    with pytest.raises(VerificationError):  # the bare entry hash is not the leaf
        verify_inclusion(leaf_hash(canonical), index, size, proof, checkpoint.root)
    assert client.get("/ui/audit/entries/99999").status_code == 404
    assert client.get("/ui/audit/entries/abc").status_code == 422


def test_proof_script_is_served_same_origin(client: TestClient) -> None:
    script = client.get("/ui/static/proof.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    for needed in ('crypto.subtle.digest("SHA-256"', '{ name: "Ed25519" }', "Uint8Array.of(0)",
                   "Uint8Array.of(1)", "NOT verified"):  # fmt: skip
        assert needed in script.text
    assert "http://" not in script.text and "https://" not in script.text


def test_oversight_checks_over_the_agencys_own_log(client: TestClient, platform: Platform) -> None:
    ice = {**SEARCH, "reason": "ICE immigration detainer, deportation case"}
    refused = client.post("/api/v1/searches", json=ice, headers=auth(platform, "il-officer"))
    assert refused.status_code == 403  # Illinois forbids immigration enforcement on its data
    sign_in(client, platform, "il-admin")
    page = client.get("/ui/audit/oversight?agency=tx-test-pd")  # ignored for an admin
    assert page.status_code == 200
    assert "the searches by il-test-pd&#39;s users" in page.text and ": 3 searches" in page.text
    prohibited = page.text.split('id="check-prohibited_purpose"', 1)[1].split("</section>", 1)[0]
    assert "immigration" in prohibited and "il-officer" in prohibited
    link = re.search(r'href="/ui/audit/entries/(\d+)"', prohibited)
    assert link and entry(platform, int(link.group(1)))["outcome"] == "denied"
    assert entry(platform, int(link.group(1)))["user_id"] == "il-officer"
    assert "tx-officer" not in page.text and "fed-officer" not in page.text
    assert 'href="/portal/il-test-pd"' in page.text and 'href="/portal/tx-test-pd"' not in page.text
    sign_in(client, platform, "tx-auditor")
    whole = client.get("/ui/audit/oversight")
    assert ": 5 searches" in whole.text
    held = whole.text.split('id="check-denied_held"', 1)[1].split("</section>", 1)[0]
    assert "fed-officer" in held and "il-officer" in held and "tx-officer" not in held
    assert 'href="/portal/il-test-pd"' in whole.text and 'href="/portal/tx-test-pd"' in whole.text
    assert client.get("/ui/audit/oversight?agency=nope").status_code == 404


def test_admin_and_audit_pages_load_nothing_external(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "il-admin")
    paths = ["/ui/audit", "/ui/audit/entries/0", "/ui/audit/oversight"] + [
        f"/ui/admin{p}" for p in ("", "/cameras", "/retention", "/sharing", "/access", "/users",
                                  "/hotlists")
    ]  # fmt: skip
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert not re.search(r"https?://|//[a-z]", page.text), path
        scripts = re.findall(r"<script[^>]*>", page.text)
        assert scripts in ([], ['<script src="/ui/static/proof.js">']), path
        assert "style=" not in page.text and "<style" not in page.text, path  # CSP: no inline
