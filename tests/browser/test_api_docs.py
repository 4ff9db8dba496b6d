"""``/docs`` renders in Chromium with every request to another host refused (the network off):
Swagger UI's script and styles come from the server itself."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Route, expect

from browser.conftest import DemoServer


def test_swagger_ui_renders_offline(page: Page, server: DemoServer) -> None:
    ours = urlsplit(server.url).netloc
    refused: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("plateledger")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()  # the operations
    expect(page.get_by_text("/api/v1/searches", exact=True).first).to_be_attached()
    assert refused == []
