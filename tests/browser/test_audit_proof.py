"""An audit entry's inclusion proof checked by Chromium itself (WebCrypto SHA-256 and Ed25519)
against the signed checkpoint and the published public key; tampered material fails."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from browser.conftest import DemoServer

CHICAGO = "il-chicago-pd"
REASON = "stolen vehicle report 24-1187: silver sedan taken from a driveway overnight"
DONE = re.compile(r"^(verified|failed)$")  # the script's verdict (CSP forbids eval here)


def open_entry(page: Page, server: DemoServer, sign_in: Callable[[Page, str], None]) -> int:
    """Run a search as a Chicago officer, then sign in as an auditor, find it in the log (filter
    by user) and open it; its index."""
    officer = server.user(CHICAGO, "officer", 3)
    body = {"query": {"plate": "ABC1234", "mode": "exact"}, "purpose": "stolen_vehicle",
            "case_number": "BROWSER-AUDIT-1", "reason": REASON}  # fmt: skip
    assert server.api(officer, "POST", "/searches", json=body).status_code == 200
    sign_in(page, server.user(CHICAGO, "auditor"))
    page.goto("/ui/audit")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("User id").fill(officer)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table").get_by_role("row").nth(1)).to_contain_text("BROWSER-AUDIT-1")
    link = page.get_by_role("table").get_by_role("link").first
    index = int(link.inner_text())
    link.click()
    expect(page.get_by_role("heading", name=f"Audit entry {index}")).to_be_visible()
    expect(page.locator("#proof")).to_have_attribute("data-result", DONE)
    return index


def test_an_audit_entrys_proof_is_verified_by_the_browser(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    index = open_entry(page, server, sign_in)
    # The server's HTML carries no verdict: "verified" can only come from the script.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    served = httpx.get(f"{server.url}/ui/audit/entries/{index}", cookies=cookies, timeout=30)
    assert served.status_code == 200 and "Checking" in served.text
    assert "Verified by your browser" not in served.text
    result = page.locator("#proof-result")
    expect(result).to_contain_text("Verified by your browser")
    expect(result).to_have_class(re.compile(r"\bverified\b"))
    assert page.get_attribute("#proof", "data-result") == "verified"
    steps = page.locator("#proof-steps li")
    expect(steps).to_have_count(4)
    for i in range(4):
        assert steps.nth(i).inner_text().startswith("\u2713")
    signed_root = page.locator("dt:has-text('Root (signed)') + dd code").inner_text()
    assert signed_root in steps.nth(1).inner_text()  # the root the browser computed
    key = httpx.get(f"{server.url}/api/v1/audit/public-key", timeout=30).text.strip()
    assert key.split("+")[1] in steps.nth(2).inner_text()  # checked against the published key
    shot(page, "audit-proof-verified", doc=True)


def test_a_tampered_proof_entry_or_key_is_not_verified(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:
    open_entry(page, server, sign_in)
    assert page.get_attribute("#proof", "data-result") == "verified"
    result = page.locator("#proof-result")

    def recheck_after(js: str) -> str:
        page.evaluate(js)
        page.get_by_role("button", name="Check again").click()  # sets "pending" at once
        expect(page.locator("#proof")).to_have_attribute("data-result", DONE)
        return result.inner_text()

    flip_hash = """() => { const s = document.getElementById('proof');
      const h = s.dataset.proof.split(','); const c = h[0][0] === 'a' ? 'b' : 'a';
      h[0] = c + h[0].slice(1); s.dataset.proof = h.join(','); }"""
    original = page.get_attribute("#proof", "data-proof")
    assert original, "the entry's audit path is empty"
    assert recheck_after(flip_hash).startswith("NOT verified: root does not match")
    expect(result).to_have_class(re.compile(r"\bfailed\b"))
    shot(page, "audit-proof-tampered")
    page.evaluate(f"() => {{ document.getElementById('proof').dataset.proof = '{original}'; }}")
    edit_entry = """() => { const s = document.getElementById('proof');
      const text = atob(s.dataset.entry).replace('"v":1', '"v":2');
      s.dataset.entry = btoa(text); }"""
    assert recheck_after(edit_entry).startswith("NOT verified: root does not match")
    # The same page against another key than the published one: the signature check fails.
    other = "plateledger.local/x+00000000+AQ" + "A" * 42
    page.route("**/api/v1/audit/public-key", lambda route: route.fulfill(body=other + "\n"))
    assert recheck_after("() => {}").startswith("NOT verified: public key")
    page.unroute("**/api/v1/audit/public-key")
