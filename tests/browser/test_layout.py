"""Layout on a phone, a tablet and a laptop (issue #18 item 7).

At 390x844 (a phone) no page any role can reach scrolls sideways: a table wider than the screen
scrolls inside its own box. At 1280 and 1024 px wide no audit, policy or result table breaks a
word in the middle: each word of a cell's text (ids and hashes in ``<code>`` aside, which may
break anywhere) lies on one line. A word is measured with a DOM Range: a word split across
lines has client rectangles on two lines."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import CHICAGO, DemoServer, chicago_plate, fill_search

PHONE = {"width": 390, "height": 844}
FIRST_ENTRY = "the newest audit entry the user may open"
#: role -> the pages it can reach (the portal needs no sign-in)
PAGES: dict[str, list[str]] = {
    "anonymous": ["/ui/signin", "/portal/", f"/portal/{CHICAGO}"],
    "officer": ["/ui/search", "/ui/alerts", "/ui/requests", "/ui/analyses"],
    "supervisor": ["/ui/search", "/ui/holds"],
    "admin": ["/ui/admin", "/ui/admin/cameras", "/ui/admin/retention", "/ui/admin/hotlists",
              "/ui/admin/sharing", "/ui/admin/access", "/ui/admin/users", "/ui/admin/webhooks",
              "/ui/audit", "/ui/audit/oversight", FIRST_ENTRY],
    "auditor": ["/ui/audit", "/ui/audit/oversight", FIRST_ENTRY],
}  # fmt: skip
#: the elements wider than the page, to name them when a page overflows
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > limit + 0.5
                 && !e.closest('.table-wrap, table, pre, svg'))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                            + (e.className && typeof e.className === 'string'
                               ? '.' + e.className.split(' ').join('.') : ''));
}"""
#: words of table cells (outside <code> and <pre>) whose characters lie on more than one line.
#: A word is a run of letters and digits: line breaking (UAX #14) never breaks inside one, so
#: only overflow-wrap or word-break can (a regex may still wrap after its '|', as it should).
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('code, pre')) continue;
      for (const m of node.data.matchAll(/[\\p{L}\\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                .map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""
TABLE_CELLS = "table.audit-log td, table.decisions td, table.results td, table.checks td"


def first_entry(page: Page) -> str:
    """The path of the newest entry the audit log lists to the signed-in user."""
    page.goto("/ui/audit")
    href = page.locator("table.audit-log tbody a").first.get_attribute("href")
    assert href, "the audit log lists no entry"
    return href


def user_of(server: DemoServer, role: str) -> str | None:
    return None if role == "anonymous" else server.user(CHICAGO, role)


@pytest.mark.parametrize("role", list(PAGES))
def test_no_page_scrolls_sideways_on_a_phone(
    new_page: Callable[..., Page], server: DemoServer, sign_in: Callable[[Page, str], None],
    shot: Callable[..., object], role: str,
) -> None:  # fmt: skip
    page = new_page(PHONE)
    user = user_of(server, role)
    if user is not None:
        sign_in(page, user)
    wide: dict[str, tuple[int, list[str]]] = {}
    for wanted in PAGES[role]:
        path = first_entry(page) if wanted == FIRST_ENTRY else wanted
        response = page.goto(path)
        assert response is not None and response.ok, f"{role} cannot reach {path}"
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = (width, page.evaluate(OVERFLOWING))
            shot(page, f"layout-390-{role}-{path.strip('/').replace('/', '-') or 'root'}")
    assert wide == {}, f"pages wider than {PHONE['width']} px (width, widest elements): {wide}"


def test_a_refused_search_and_a_preview_fit_a_phone(
    new_page: Callable[..., Page],
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
) -> None:
    """The search form with an error message and with the policy preview below it."""
    page = new_page(PHONE)
    sign_in(page, server.user(CHICAGO, "officer"))
    page.goto("/ui/search")
    fill_search(page, "<b>X</b>", "stolen_vehicle", "L18-phone", "stolen vehicle report")
    page.get_by_role("button", name="Preview policy").click()
    expect(page.locator("#plate-error")).to_be_visible()
    page.wait_for_load_state("load")  # the map and the camera picker's scripts have run
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("Plate", exact=True).fill(chicago_plate(server))
    page.get_by_role("button", name="Preview policy").click()
    expect(page.locator("#preview")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("width", [1280, 1024])
@pytest.mark.parametrize(
    ("role", "path"),
    [("auditor", "/ui/audit"), ("admin", "/ui/audit"), ("auditor", "/ui/audit/oversight"),
     ("auditor", FIRST_ENTRY)],
)  # fmt: skip
def test_audit_tables_keep_words_whole(
    new_page: Callable[..., Page], server: DemoServer, sign_in: Callable[[Page, str], None],
    role: str, path: str, width: int,
) -> None:  # fmt: skip
    page = new_page({"width": width, "height": 800})
    sign_in(page, server.user(CHICAGO, role))
    page.goto(first_entry(page) if path == FIRST_ENTRY else path)
    assert page.evaluate(BROKEN_WORDS, TABLE_CELLS + ", table td") == []


def test_policy_and_result_tables_keep_words_whole(
    page: Page,
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
) -> None:
    sign_in(page, server.user(CHICAGO, "officer"))
    page.goto("/ui/search")
    fill_search(page, chicago_plate(server), "stolen_vehicle", "L18-words", "stolen vehicle 24-1")
    page.get_by_role("button", name="Preview policy").click()
    expect(page.locator("#preview table.decisions td").first).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate(BROKEN_WORDS, "table.decisions td") == []
    page.get_by_role("button", name="Run search").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    page.wait_for_load_state("load")  # evidence images laid out
    assert page.evaluate(BROKEN_WORDS, TABLE_CELLS) == []
