"""Regenerate the screenshots of docs/oversight.md: build the report on the shared real data and
photograph it in Chromium at 1024 px (summary, sharing, month chart) and 390 px (a phone).

    python scripts/oversight_screenshots.py [AUDIT_DIR]      (make oversight-screenshots)

AUDIT_DIR defaults to ../shared/data/audit. Without it, or without Chromium, it says so and
exits 0. Fails (exit 1) when the page scrolls sideways at either width.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_AUDIT = ROOT.parent / "shared" / "data" / "audit"
IMAGES = ROOT / "docs" / "img"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def chromium() -> str | None:
    chosen = os.environ.get("PLATELEDGER_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")


def shoot(report: Path, browser_path: str) -> list[str]:
    """Write docs/img/oversight-*.png; return the widths at which the page overflowed."""
    from playwright.sync_api import sync_playwright

    overflow = []
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, headless=True, args=ARGS)
        for width in (1024, 390):
            page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
            page.goto(report.as_uri())
            wide = page.evaluate(
                "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            if wide:
                overflow.append(str(width))
            page.screenshot(path=str(IMAGES / f"oversight-summary-{width}.png"))
            if width == 1024:
                _section(page, "h2#sharing", IMAGES / "oversight-sharing.png")
                _section(page, "h3#scoreboard", IMAGES / "oversight-scoreboard.png")
                _section(
                    page, "svg[aria-label^='searches per month']", IMAGES / "oversight-months.png"
                )
        browser.close()
    return overflow


def _section(page: object, selector: str, path: Path) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    target = page.locator(selector).first
    if target.count():
        top = target.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
        page.screenshot(
            path=str(path),
            full_page=True,
            clip={"x": 0, "y": top - 8, "width": 1024, "height": 640},
        )


def main(argv: list[str]) -> int:
    audit = Path(argv[0]) if argv else DEFAULT_AUDIT
    if not audit.is_dir():
        print(f"skipped: {audit} not found (the shared real data is optional)")
        return 0
    browser_path = chromium()
    if browser_path is None:
        print("skipped: Chromium not found ($PLATELEDGER_CHROMIUM, /usr/bin/chromium, PATH)")
        return 0
    from plateledger.oversight.config import load
    from plateledger.oversight.report import build

    out = Path(tempfile.mkdtemp(prefix="oversight-shots-"))
    build([audit], out, load())
    overflow = shoot(out / "report.html", browser_path)
    print(f"wrote {IMAGES}/oversight-*.png from {out / 'report.html'}")
    if overflow:
        print(f"the page scrolls sideways at {', '.join(overflow)} px")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
