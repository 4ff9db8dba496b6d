"""The API reference pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so ``/docs`` is blank on a network
without the internet (most police networks). Here their scripts and styles come from the pinned
``fastapi-offline`` wheel (Swagger UI 5 and ReDoc 2, which read OpenAPI 3.1), mounted at
``/docs/static``; the pages name no other host.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/static"
ASSET_PACKAGE = ("fastapi_offline", "static")  # swagger-ui-bundle.js, swagger-ui.css, redoc.js
FAVICON = "/favicon.ico"


def install(app: FastAPI) -> None:
    """Add ``/docs``, ``/redoc`` and their assets to an app built with ``docs_url=None`` and
    ``redoc_url=None``."""
    app.mount(ASSETS, StaticFiles(packages=[ASSET_PACKAGE]), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{FAVICON}",
            # no "valid" badge fetched from the public validator
            swagger_ui_parameters={"validatorUrl": None},
        )

    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} API",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{FAVICON}",
            with_google_fonts=False,
        )

    app.add_api_route("/docs", swagger, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
