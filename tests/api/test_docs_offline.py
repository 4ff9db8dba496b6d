"""``/docs`` and ``/redoc`` work with the network off: their scripts and styles are served by the
app itself (from the pinned fastapi-offline wheel), never from a CDN; ``/favicon.ico`` exists."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from plateledger.api.app import create_app
from plateledger.app.platform import Platform

ASSET = re.compile(r'(?:src|href|spec-url)="([^"]+)"|\burl: ?\'([^\']+)\'')


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        yield c


@pytest.mark.parametrize(
    ("page", "needs"),
    [
        ("/docs", {"/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"}),
        ("/redoc", {"/docs/static/redoc.standalone.js"}),
    ],
)
def test_api_docs_load_nothing_from_another_host(
    client: TestClient, page: str, needs: set[str]
) -> None:
    html = client.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]", html.text, re.IGNORECASE), (
        f"{page} names an external host"
    )
    urls = {a or b for a, b in ASSET.findall(html.text)}
    assert needs <= urls and "/openapi.json" in urls and "/favicon.ico" in urls
    for url in urls:
        got = client.get(url)
        assert got.status_code == 200 and got.content, url
    js = client.get(sorted(u for u in needs if u.endswith(".js"))[0])
    assert js.headers["content-type"].startswith("text/javascript") and len(js.content) > 500_000
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")  # hence Swagger UI 5 / ReDoc 2, not Swagger UI 4


def test_favicon_is_served_and_linked_from_every_ui_page(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.text.startswith("<svg") and "viewBox" in icon.text
    signin = client.get("/ui/signin")
    linked = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', signin.text)
    assert linked, "the base template links no icon"
    assert client.get(linked.group(1)).content == icon.content
