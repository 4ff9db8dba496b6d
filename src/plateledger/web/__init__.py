"""The web UI: server-rendered pages (Jinja2) on the same app, mounted at ``/ui``.

Plain HTML forms, no JavaScript, no external resources. Sessions are signed cookies; every POST
carries a CSRF token. The API keeps its bearer tokens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from plateledger.app.platform import Platform
from plateledger.errors import PlateledgerError
from plateledger.web import (
    routes_admin,
    routes_admin_sharing,
    routes_admin_users,
    routes_admin_webhooks,
    routes_alerts,
    routes_analyses,
    routes_audit,
    routes_auth,
    routes_holds,
    routes_search,
)
from plateledger.web.common import HERE, SECURITY_HEADERS, UI_PREFIX, SignInRequired, render
from plateledger.web.common import signed_in_user as _signed_in_user
from plateledger.web.session import Signer, load_secret

__all__ = ["UI_PREFIX", "favicon", "root_redirect", "ui_app"]


def ui_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="plateledger UI", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.platform = platform
    app.state.signer = Signer(load_secret(platform.data_dir))

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(PlateledgerError)
    async def _error(request: Request, exc: PlateledgerError) -> Response:
        if isinstance(exc, SignInRequired):
            return RedirectResponse(f"{UI_PREFIX}/signin", 303)
        user = _signed_in_user(request)
        details = exc.details if isinstance(exc.details, dict) else {}
        excluded = details.get("networks_excluded") or []  # a search refused everywhere
        names = {a.id: a.name for a in platform.store.agencies()} if excluded else {}
        return render(
            request, "error.html", exc.status, user=user, message=exc.message,
            excluded=excluded, agency_names=names,
        )  # fmt: skip

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (routes_auth, routes_search, routes_analyses, routes_holds, routes_alerts):
        app.include_router(module.router)
    for module in (
        routes_admin,
        routes_admin_sharing,
        routes_admin_users,
        routes_admin_webhooks,
        routes_audit,
    ):
        app.include_router(module.router)
    return app


async def root_redirect(_: Request) -> Response:
    """``/`` → the UI (a plain Starlette route: not part of the API)."""
    response = RedirectResponse(f"{UI_PREFIX}/", 307)
    response.headers.update(SECURITY_HEADERS)
    return response


async def favicon(_: Request) -> Response:
    """``/favicon.ico``: the UI's SVG icon, for pages that do not link one (portal, API docs)."""
    response = FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")
    response.headers.update({**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"})
    return response
