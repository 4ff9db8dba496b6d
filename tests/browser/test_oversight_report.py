"""The oversight report, built from committed fixtures, read in Chromium at a laptop width and a
phone width: the page never scrolls sideways, every chart fits its column, and the print
layout drops nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from plateledger.oversight.config import load
from plateledger.oversight.report import build

FIXTURES = Path(__file__).resolve().parents[1] / "oversight" / "data" / "portal-sharing"
OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('svg, table, pre, p, h2')]
    .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1)
    .map(e => e.tagName + ':' + (e.id || e.textContent.slice(0, 30)));
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide};
}"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("oversight-report")
    build([FIXTURES], out, load())
    return out / "report.html"


@pytest.mark.parametrize("width", [1024, 390])
def test_no_horizontal_overflow(browser: Browser, report: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(report.as_uri())
    assert page.locator("h2#sharing").count() == 1
    assert page.locator("svg.chart").count() >= 3
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["client"], found
    assert found["wide"] == []
    for box in page.locator("svg.chart").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)"
    ):
        assert 0 < box <= width
    page.emulate_media(media="print")
    assert page.evaluate(OVERFLOW)["wide"] == []
    context.close()
