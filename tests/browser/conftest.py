"""Fixtures for the browser tests: a real demo server in a subprocess, Debian's Chromium driven
by Playwright, sign-in as any demo user, and screenshots under ``test-artifacts/browser/``.

Without Chromium (``$PLATELEDGER_CHROMIUM``, ``/usr/bin/chromium`` or ``chromium`` on PATH) every
test here is skipped with the reason, unless ``PLATELEDGER_REQUIRE_BROWSER=1`` (set by CI): then
they fail loudly.
Playwright never downloads a browser: it launches the system Chromium by path.

Fixtures:

- ``server``: the running demo (``url``, ``data_dir``, ``credentials`` by user id, ``hotlists``
  from demo-hotlists.json; ``token(user)``, ``user(agency, role)``, ``api(user, method, path)``).
  It is shared by the whole session: tests that change state use their own case numbers.
- ``page``: a fresh browser context (1280x800, UTC, ``base_url`` = the server) per test;
  ``new_page()`` opens further independent contexts (another user at the same time).
- ``sign_in(page, user_id)``: signs in through whatever the sign-in page offers (password when
  the credentials file has one and the form asks for it, else the API token).
- ``shot(page, name, doc=False, at=None)``: saves ``test-artifacts/browser/<name>.png`` (full
  page); with ``doc=True`` and ``UPDATE_UI_SCREENSHOTS=1`` also writes the optimised 1280x800
  viewport as ``docs/img/ui-<name>.png``, scrolled to start at the locator ``at`` if given.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from conftest import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DOC_IMAGES = ROOT / "docs" / "img"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 20_000
DEMO_READS = int(os.environ.get("PLATELEDGER_BROWSER_READS", "20000"))
SERVER_START_S = 300
USER_FIELDS = "input[name='user_id'], input[name='username'], input[name='user']"
FAILED = pytest.StashKey[bool]()


def chromium_path() -> str | None:
    """``$PLATELEDGER_CHROMIUM`` if set (another build, or a missing one to test the skip),
    else Debian's ``/usr/bin/chromium``, else ``chromium`` on PATH."""
    chosen = os.environ.get("PLATELEDGER_CHROMIUM")
    if chosen is not None:
        return chosen if os.access(chosen, os.X_OK) else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def browser_required() -> bool:
    return os.environ.get("PLATELEDGER_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of the system Chromium, or skip (fail when PLATELEDGER_REQUIRE_BROWSER=1)."""
    path = chromium_path()
    if path is None:
        reason = (
            "Chromium not found ($PLATELEDGER_CHROMIUM, /usr/bin/chromium or `chromium` on PATH); "
            "install it with `make browser` (Debian: apt-get install chromium)"
        )
        if browser_required():
            pytest.fail(f"{reason}. PLATELEDGER_REQUIRE_BROWSER=1 requires it.", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(autouse=True)
def _needs_chromium(chromium: str) -> None:
    """Every browser test skips (or fails, in CI) the same way when Chromium is missing."""


@dataclass(frozen=True)
class DemoServer:
    url: str
    data_dir: Path
    credentials: dict[str, dict[str, str]]
    hotlists: list[dict[str, Any]]

    def token(self, user_id: str) -> str:
        return self.credentials[user_id]["token"]

    def user(self, agency: str, role: str, n: int = 1) -> str:
        """The demo user id of an agency's n-th user in a role, e.g. il-chicago-pd-officer1."""
        user_id = f"{agency}-{role}{n}"
        assert user_id in self.credentials, f"no demo user {user_id}"
        return user_id

    def api(self, user_id: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the JSON API (``/api/v1`` + path) as a demo user, with their bearer token."""
        headers = {"Authorization": f"Bearer {self.token(user_id)}"}
        return httpx.request(
            method, f"{self.url}/api/v1{path}", headers=headers, timeout=60, **kwargs
        )


def _plateledger_command() -> str:
    sibling = Path(sys.executable).with_name("plateledger")
    found = str(sibling) if sibling.exists() else shutil.which("plateledger")
    if found is None:
        pytest.fail("the `plateledger` command is not installed (run `make install`)")
    return found


@pytest.fixture(scope="session")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`plateledger demo` (as `make demo` runs it) on a small network, on a free port."""
    work = tmp_path_factory.mktemp("browser-demo")
    # --no-live: no traffic player, so the shared server stays deterministic for every test
    with demo_process(work, DEMO_READS, "--no-live") as (url, _proc, _log):
        data = work / "data"
        creds = json.loads((data / "demo-credentials.json").read_text())
        hotlists_file = data / "demo-hotlists.json"
        hotlists = json.loads(hotlists_file.read_text()) if hotlists_file.exists() else []
        yield DemoServer(url, data, {c["user"]: c for c in creds}, hotlists)


@contextmanager
def demo_process(
    work: Path, reads: int, *options: str
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """`plateledger demo` (as `make demo` runs it) in ``work`` on a free port, once it answers:
    (url, process, its log). Stopped on exit (SIGTERM, then kill after 20 s)."""
    data, port, log_path = work / "data", free_port(), work / "server.log"
    cmd = [_plateledger_command(), "demo", "--data", str(data), "--reads", str(reads),
           "--port", str(port), *options]  # fmt: skip
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    # cwd is the temp dir so the demo never picks up ../shared (tests must not depend on it).
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_ready(url, proc, timeout=SERVER_START_S)
        except (RuntimeError, TimeoutError) as exc:
            tail = log_path.read_text(errors="replace")[-4000:]
            pytest.fail(f"demo server did not start ({exc}); its output:\n{tail}", pytrace=False)
        yield url, proc, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@pytest.fixture
def new_page(
    browser: Browser, server: DemoServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Open a page in a new, independent browser context (its own cookies)."""
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(
            base_url=server.url, viewport=viewport or VIEWPORT,  # type: ignore[arg-type]
            locale="en-US", timezone_id="UTC",
        )  # fmt: skip
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    if request.node.stash.get(FAILED, False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts):
            for j, open_page in enumerate(context.pages):
                name = f"FAILED-{_slug(request.node.nodeid)}-{i}{j}.png"
                open_page.screenshot(path=ARTIFACTS / name, full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


def token_field(page: Page) -> Locator:
    """The sign-in page's API-token field, opened first if it sits in a closed <details>."""
    field = page.locator("input[name='token']")
    if field.count() and not field.is_visible():
        page.locator("details", has=field).locator("summary").click()
    return field


@pytest.fixture
def sign_in(server: DemoServer) -> Callable[[Page, str], None]:
    """Sign a page in as a demo user, through the sign-in form the UI shows."""

    def do(page: Page, user_id: str) -> None:
        cred = server.credentials[user_id]
        page.goto("/ui/signin")
        password_field = page.locator("input[name='password']")
        if cred.get("password") and password_field.count():
            form = page.locator("form", has=password_field)
            form.locator(USER_FIELDS).first.fill(user_id)
            password_field.fill(cred["password"])
        else:
            form = page.locator("form", has=token_field(page))
            token_field(page).fill(cred["token"])
        form.locator("button[type='submit'], input[type='submit']").first.click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        expect(page).not_to_have_url(re.compile(r"/signin"))

    return do


CHICAGO = "il-chicago-pd"


def chicago_plate(server: DemoServer) -> str:
    """A plate that recurs on Chicago's cameras (the demo's Chicago stolen-vehicle list)."""
    lists = [h for h in server.hotlists if h["owner"] == CHICAGO and h["plates"]]
    assert lists, "the demo has no Chicago hotlist (demo-hotlists.json)"
    return str(lists[0]["plates"][0])


def fill_search(page: Page, plate: str, purpose: str, case_number: str, reason: str) -> None:
    """Fill the search form's plate (exact match) and its purpose, case number and reason."""
    page.get_by_label("Plate", exact=True).fill(plate)
    page.get_by_label("Match", exact=True).select_option("exact")
    page.get_by_label("Purpose", exact=True).select_option(purpose)
    page.get_by_label("Case number", exact=True).fill(case_number)
    page.get_by_label("Reason", exact=True).fill(reason)


def _optimise(src: Path, dest: Path) -> None:
    """A palette PNG of the viewport (text-heavy pages stay well under 200 KB)."""
    from PIL import Image  # the `recognize` extra; only needed to refresh docs images

    with Image.open(src) as image:
        quantised = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        quantised.save(dest, optimize=True)


@pytest.fixture
def shot() -> Callable[..., Path]:
    """Save a screenshot as a test artifact (and, for docs, under docs/img when asked)."""

    def take(page: Page, name: str, doc: bool = False, at: Locator | None = None) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{_slug(name)}.png"
        page.screenshot(path=path, full_page=True)
        if doc and os.environ.get("UPDATE_UI_SCREENSHOTS") == "1":
            if at is not None:  # the docs image starts at this element
                at.evaluate("e => e.scrollIntoView({block: 'start'})")
            viewport = ARTIFACTS / f"{_slug(name)}.viewport.png"
            page.screenshot(path=viewport, full_page=False)
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            _optimise(viewport, DOC_IMAGES / f"ui-{_slug(name)}.png")
        return path

    return take
