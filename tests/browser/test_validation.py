"""One validation path, in Chromium (issue #18 item 4): a Chicago officer types a search the API
refuses — a point out of range, a negative radius, a plate with markup, Cyrillic look-alikes, an
emoji, 200 characters, a wildcard in exact mode — and presses Preview or Run. The form comes back
with everything typed, the refused field named and marked, no Run button; the audit log (read
back through the API) records no ``success`` for it. A search every network excludes is not
offered to Run, and when it is run anyway (a reason changed after a clean preview) the page keeps
each network's reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import CHICAGO, DemoServer

WHY = {"purpose": "stolen_vehicle", "reason": "stolen vehicle report, white sedan seen leaving"}
POINT = {"near_lat": "41.88", "near_lon": "-87.63", "near_radius_km": "5"}
#: case id -> (fields typed, the control the error marks, the field the API names)
CASES: dict[str, tuple[dict[str, str], str, str]] = {
    "lat-200": ({"plate": "KLM456", **POINT, "near_lat": "200"}, "near_lat", "query.near.lat"),
    "radius-minus-5": (
        {"plate": "KLM456", **POINT, "near_radius_km": "-5"}, "near_radius_km",
        "query.near.radius_km",
    ),
    "markup": ({"plate": "<b>X</b>"}, "plate", "query.plate"),
    "cyrillic": ({"plate": "КЛМ456"}, "plate", "query.plate"),  # look-alikes of KLM456
    "emoji": ({"plate": "KLM😀456"}, "plate", "query.plate"),
    "200-chars": ({"plate": "K" * 200}, "plate", "query.plate"),
    "star-in-exact": ({"plate": "JY7*"}, "plate", "query.plate"),
}  # fmt: skip
LABELS = {"plate": "Plate", "near_lat": "Near latitude", "near_lon": "Near longitude",
          "near_radius_km": "Radius (km)"}  # fmt: skip
#: A reason that names immigration enforcement: Illinois' TRUST Act binds a Chicago officer on
#: every network, whoever owns it, so no network may be searched.
IMMIGRATION = "locate the driver for ICE immigration enforcement and deportation"


def my_searches(server: DemoServer, user: str, case_number: str) -> list[dict[str, Any]]:
    """The officer's own audit entries (GET /api/v1/audit/mine, one ``{"index", "entry"}`` per
    line) for one case number. The excluded-everywhere test finds its ``denied`` entry here: the
    lookup is no vacuous pass."""
    r = server.api(user, "GET", "/audit/mine")
    assert r.status_code == 200, r.text
    entries = [json.loads(line)["entry"] for line in r.text.splitlines() if line.strip()]
    return [e for e in entries if (e.get("subject") or {}).get("case_number") == case_number]


def fill_form(page: Page, fields: dict[str, str], case_number: str, reason: str) -> None:
    page.get_by_label("Purpose", exact=True).select_option(WHY["purpose"])
    page.get_by_label("Case number", exact=True).fill(case_number)
    page.get_by_label("Reason", exact=True).fill(reason)
    page.get_by_label("Match", exact=True).select_option("exact")
    if any(name.startswith("near_") for name in fields):
        near = page.locator("details", has_text="Or near a point")
        if near.get_attribute("open") is None:
            near.locator("summary").click()
    for name, value in fields.items():
        page.get_by_label(LABELS[name], exact=True).fill(value)


def typed_values(page: Page, names: list[str]) -> dict[str, str]:
    """What the browser holds in each field (maxlength may have cut a long paste)."""
    return {name: page.locator(f"#{name}").input_value() for name in names}


def officer(server: DemoServer) -> str:
    return server.user(CHICAGO, "officer")


@pytest.mark.parametrize("action", ["preview", "run"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_refused_field_comes_back_named_with_the_form_as_typed_and_is_not_logged(
    page: Page, server: DemoServer, sign_in: Callable[[Page, str], None],
    shot: Callable[..., object], case: str, action: str,
) -> None:  # fmt: skip
    fields, control, api_field = CASES[case]
    user = officer(server)
    case_number = f"V18-{case}-{action}"
    sign_in(page, user)
    page.goto("/ui/search")
    if action == "run":  # a clean preview first: then the refused value, then Run
        clean = {k: v for k, v in {"plate": "KLM456", **POINT}.items() if k in fields}
        fill_form(page, clean, case_number, WHY["reason"])
        page.get_by_role("button", name="Preview policy").click()
        expect(page.get_by_role("button", name="Run search")).to_be_visible()
    fill_form(page, fields, case_number, WHY["reason"])
    typed = typed_values(page, list(fields))
    button = "Run search" if action == "run" else "Preview policy"
    page.get_by_role("button", name=button).click()

    expect(page.locator("#form-error")).to_contain_text(f"{api_field}:")
    expect(page.locator(f"#{control}-error")).to_contain_text(api_field)
    expect(page.locator(f"#{control}")).to_have_attribute("aria-invalid", "true")
    assert typed_values(page, list(fields)) == typed
    expect(page.get_by_label("Purpose", exact=True)).to_have_value(WHY["purpose"])
    expect(page.get_by_label("Case number", exact=True)).to_have_value(case_number)
    expect(page.get_by_label("Reason", exact=True)).to_have_value(WHY["reason"])
    expect(page.get_by_role("button", name="Run search")).to_have_count(0)
    expect(page.locator("#preview")).to_have_count(0)
    shot(page, f"validation-{case}-{action}")
    outcomes = [e.get("outcome") for e in my_searches(server, user, case_number)]
    assert "success" not in outcomes, outcomes


def test_a_search_excluded_everywhere_is_not_offered_to_run_and_keeps_its_reasons(
    page: Page, server: DemoServer, sign_in: Callable[[Page, str], None],
    shot: Callable[..., object],
) -> None:  # fmt: skip
    user = officer(server)
    case_number = "V18-excluded-everywhere"
    sign_in(page, user)
    page.goto("/ui/search")
    fill_form(page, {"plate": "KLM456"}, case_number, IMMIGRATION)
    page.get_by_role("button", name="Preview policy").click()

    preview = page.locator("#preview")
    expect(preview.locator("#excluded-everywhere")).to_be_visible()
    searched = preview.locator("table", has_text="Networks that will be searched")
    expect(searched.locator("tbody tr")).to_have_text(["None."])
    excluded = preview.locator("table", has_text="Networks excluded, and why").locator("tbody tr")
    assert excluded.count() > 1, "the demo has several networks: each must be listed"
    reasons = excluded.locator("td:nth-child(4)").all_inner_texts()
    assert all(r.strip() for r in reasons), "every excluded network says why"
    assert set(excluded.locator("td:nth-child(3)").all_inner_texts()) == {"deny"}
    expect(page.get_by_role("button", name="Run search")).to_have_count(0)
    shot(page, "validation-excluded-everywhere-preview")
    assert my_searches(server, user, case_number) == []  # a preview logs nothing

    # Previewed with an ordinary reason, then the reason changed and Run pressed: the refusal
    # page keeps the per-network reasons the preview would have shown.
    fill_form(page, {"plate": "KLM456"}, case_number, WHY["reason"])
    page.get_by_role("button", name="Preview policy").click()
    page.get_by_label("Reason", exact=True).fill(IMMIGRATION)
    page.get_by_role("button", name="Run search").click()
    expect(page.get_by_role("heading", name="Request refused")).to_be_visible()
    rows = page.locator("table", has_text="Networks excluded, and why").locator("tbody tr")
    expect(rows).to_have_count(len(reasons))
    assert all(r.strip() for r in rows.locator("td:nth-child(4)").all_inner_texts())
    shot(page, "validation-excluded-everywhere-run")
    outcomes = [e.get("outcome") for e in my_searches(server, user, case_number)]
    assert outcomes and "success" not in outcomes, outcomes
