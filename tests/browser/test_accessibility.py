"""Accessibility of every UI page that exists, checked in Chromium at a 1366x768 laptop size.

For each role the test signs in, follows the main navigation, the pages' own sub-navigation and
the first detail link of each page, and checks on every page:

- every control, link and image has an accessible name (Chromium's own accessibility tree);
- the keyboard reaches every interactive element (a Tab walk), each with a visible focus ring,
  and nothing is clickable only with a mouse (pointer cursor on something that takes no focus);
- the first Tab stop is a "Skip to content" link that moves focus into <main>;
- text contrast is at least 4.5:1 (3:1 for large text), computed from the rendered colours;
- one <h1>, a language, a title, unique ids, and no sideways scrolling at 1366 pixels.

The search flow's POST pages (policy preview, results, timeline, held) are checked the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import CHICAGO, DemoServer, chicago_plate, fill_search

LAPTOP = {"width": 1366, "height": 768}
AUDIT_JS = Path(__file__).with_name("a11y.js").read_text()
MAX_PAGES = 14
MAX_TAB_STOPS = 250
# Chromium accessibility roles that must carry a name.
NAMED_ROLES = {
    "button", "checkbox", "combobox", "link", "listbox", "menuitem", "radio", "searchbox",
    "slider", "spinbutton", "switch", "tab", "textbox", "image", "img", "DisclosureTriangle",
    "Date", "DateTime", "InputTime",
}  # fmt: skip
FOCUS_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2)
    || s.boxShadow !== "none";
  return { idx: el.dataset.a11y ?? null, ring, tag: el.tagName.toLowerCase(),
           skip: el.classList.contains("skip"), inMain: !!el.closest("main"),
           text: (el.innerText || el.value || el.getAttribute("aria-label") || "").slice(0, 40) };
}"""


STILL_SHOWN = """() => [...document.querySelectorAll("[data-a11y]")]
  .filter((e) => e.checkVisibility({ visibilityProperty: true }))
  .map((e) => e.dataset.a11y)"""


MAIN_HAS_TAB_STOPS = """() => [...document.querySelectorAll("main [data-a11y]")]
  .some((e) => e.tabIndex >= 0 && e.checkVisibility({ visibilityProperty: true }))"""


def unnamed_controls(page: Page) -> list[str]:
    """Controls Chromium's accessibility tree gives no name (what a screen reader would say)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
        problems = []
        for node in nodes:
            role = (node.get("role") or {}).get("value")
            if node.get("ignored") or role not in NAMED_ROLES:
                continue
            if str((node.get("name") or {}).get("value", "")).strip():
                continue
            described = cdp.send("DOM.describeNode", {"backendNodeId": node["backendDOMNodeId"]})
            attrs = described["node"].get("attributes", [])
            pairs = " ".join(f'{k}="{v}"' for k, v in zip(attrs[::2], attrs[1::2], strict=True))
            problems.append(f"unnamed {role}: <{described['node']['localName']} {pairs}>")
        return problems
    finally:
        cdp.detach()


def tab_walk(page: Page, facts: dict[str, Any]) -> list[str]:
    """Tab through the page from the top; every interactive element must be reached, each with
    a visible focus ring, the first stop being the skip link."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    problems: list[str] = []
    reached: set[str] = set()
    stops = 0
    first: str | None = None
    for stops in range(1, MAX_TAB_STOPS + 1):  # noqa: B007 (stops is read after the loop)
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_PROBE)
        if focus is None or (first is not None and focus["idx"] == first):
            break  # left the document, or wrapped around to the first stop
        if stops == 1:
            first = focus["idx"]
            if not focus["skip"]:
                problems.append(f"first Tab stop is <{focus['tag']}> {focus['text']!r}, "
                                "not the skip link")  # fmt: skip
        if not focus["ring"]:
            problems.append(f"no visible focus ring on <{focus['tag']}> {focus['text']!r}")
        if focus["idx"] is not None:
            reached.add(focus["idx"])
    walked_all = stops < MAX_TAB_STOPS
    radios = {i["radio"] for i in facts["interactive"] if str(i["idx"]) in reached and i["radio"]}
    present = set(page.evaluate(STILL_SHOWN))  # scripts may have replaced some since
    for item in facts["interactive"]:
        if str(item["idx"]) in reached or (item["radio"] and item["radio"] in radios):
            continue
        if str(item["idx"]) not in present:
            continue
        if walked_all or item["tabindex"] < 0:
            problems.append(f"not reachable with Tab: {item['desc']}")
    return problems


def skip_link_works(page: Page) -> list[str]:
    skip = page.locator("a.skip").first
    if not skip.count():
        return ["no skip link"]
    skip.focus()
    box = skip.bounding_box()
    if box is None or box["x"] < 0 or box["y"] < 0:
        return ["the skip link stays off-screen when focused"]
    page.keyboard.press("Enter")
    if page.evaluate("() => location.hash") != "#main":
        return ["the skip link does not lead to #main"]
    if not page.evaluate(MAIN_HAS_TAB_STOPS):
        return []  # nothing to focus in <main>: the next Tab rightly goes past it
    page.keyboard.press("Tab")  # the Tab start point moved to <main>
    focus = page.evaluate(FOCUS_PROBE)
    if focus is None or not focus["inMain"]:
        return ["after the skip link, Tab does not go into <main>"]
    return []


def audit_page(page: Page) -> list[str]:
    """Every problem found on the page now shown, as readable lines."""
    facts: dict[str, Any] = page.evaluate(AUDIT_JS)
    problems = list(facts["contrast"])
    problems += [f"colour not checked (unparsed): {c}" for c in facts["unparsedColours"]]
    problems += [f"clickable with a mouse only: {d}" for d in facts["mouseOnly"]]
    problems += [f"duplicate id: {i}" for i in facts["duplicateIds"]]
    if facts["h1"] != 1:
        problems.append(f"{facts['h1']} <h1> elements (want 1)")
    if facts["lang"] != "en" or not facts["title"].strip() or facts["main"] != 1:
        problems.append("missing lang, title or <main id=main>")
    if facts["overflowX"] > 1:
        problems.append(f"scrolls sideways by {facts['overflowX']}px at 1366 wide")
    if facts["contrastChecked"] == 0:
        problems.append("no text found to check")
    problems += unnamed_controls(page)
    problems += tab_walk(page, facts)
    problems += skip_link_works(page)
    return [f"{urlsplit(page.url).path}: {p}" for p in problems]


def raise_an_alert(server: DemoServer) -> None:
    """Post a read of a plate on Chicago's hotlist from one of Chicago's fixed cameras."""
    listed = next(h for h in server.hotlists if h["owner"] == CHICAGO and h["plates"])
    cameras = server.api(listed["admin"], "GET", "/cameras").json()["cameras"]
    camera = next(c for c in cameras if c["owner_agency"] == CHICAGO and not c["mobile"])
    ts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    read = {"camera_id": camera["id"], "ts": ts, "plate": str(listed["plates"][1]),
            "confidence": 0.91}  # fmt: skip
    posted = server.api(listed["admin"], "POST", "/reads", json=[read])
    assert posted.status_code == 200, posted.text


def ui_links(page: Page, selector: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.path.startswith("/ui/") and not parts.path.startswith("/ui/static"):
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def discover(page: Page) -> list[str]:
    """The role's pages: main navigation, each page's sub-navigation, first detail link."""
    pages = list(dict.fromkeys(ui_links(page, "header nav a[href]")))
    seen = set(pages)
    queue = list(pages)
    while queue and len(pages) < MAX_PAGES:
        page.goto(queue.pop(0))
        found = ui_links(page, "main nav a[href], main .subnav a[href]")
        found += ui_links(page, "main table a[href]")[:1]
        for path in found:
            if path not in seen and len(pages) < MAX_PAGES:
                seen.add(path)
                pages.append(path)
    return pages


def test_search_flow_pages_are_accessible(
    new_page: Callable[..., Page],
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
) -> None:
    page = new_page(LAPTOP)
    sign_in(page, server.user(CHICAGO, "officer", 3))
    plate = chicago_plate(server)
    reason = "stolen vehicle report 24-2290, blue pickup taken from a parking lot"
    fill_search(page, plate, "stolen_vehicle", "A11Y-0001", reason)
    page.get_by_role("button", name="Preview policy").click()
    expect(page.get_by_role("heading", name="Policy preview")).to_be_visible()
    problems = audit_page(page)
    page.get_by_role("button", name="Run search").click()
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    problems += audit_page(page)
    page.get_by_role("button", name=f"Timeline of {plate}").first.click()
    expect(page.get_by_role("heading", name=f"Timeline of {plate}")).to_be_visible()
    problems += audit_page(page)
    page.goto("/ui/search")
    fill_search(page, plate, "stolen_vehicle", "A11Y-0002", "inv")
    page.get_by_role("button", name="Preview policy").click()
    page.get_by_role("button", name="Run search").click()
    expect(page.get_by_role("heading", name="Held for approval")).to_be_visible()
    problems += audit_page(page)
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", ["officer", "supervisor", "admin", "auditor"])
def test_every_page_of_a_role_is_accessible(
    role: str,
    new_page: Callable[..., Page],
    server: DemoServer,
    sign_in: Callable[[Page, str], None],
) -> None:
    page = new_page(LAPTOP)
    page.goto("/ui/signin")
    problems = audit_page(page) if role == "officer" else []
    sign_in(page, server.user(CHICAGO, role))
    if role == "officer":  # so the alert queue audited below shows a card with its checklist
        page.goto("/ui/alerts")
        raise_an_alert(server)
        expect(page.locator("#alert-queue article").first).to_be_visible()
    paths = discover(page)
    assert paths, f"no pages found for {role}"
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        problems += audit_page(page)
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


BROKEN_PAGE = """<!doctype html><html><head><title>broken</title>
<style>button:focus { outline: none; } .faint { color: #aaa; } .click { cursor: pointer; }</style>
</head><body><h1>One</h1><h1>Two</h1><main id="main">
<p class="faint">Grey text on white</p>
<input id="x" name="unlabelled"><input id="x" name="twin" aria-label="Twin">
<div class="click">Click me</div>
<button>Go</button>
</main></body></html>"""


def test_the_checks_find_known_problems(new_page: Callable[..., Page]) -> None:
    """The audit is not vacuous: a page with known faults shows each of them."""
    page = new_page(LAPTOP)
    page.set_content(BROKEN_PAGE)
    report = "\n".join(audit_page(page))
    for expected in (
        "Grey text on white: 2.32:1 < 4.5:1",
        "unnamed textbox",
        "clickable with a mouse only: <div> Click me",
        "duplicate id: x",
        "2 <h1> elements",
        "missing lang",
        "no visible focus ring on <button> 'Go'",
        "first Tab stop is <input>",
        "no skip link",
    ):
        assert expected in report, f"{expected!r} not reported in:\n{report}"
