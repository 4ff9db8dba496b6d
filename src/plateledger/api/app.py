"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from plateledger import __version__
from plateledger.api import (
    docs,
    errors,
    routes_accounts,
    routes_analyses,
    routes_assists,
    routes_audit,
    routes_camera_events,
    routes_holds,
    routes_hotlists,
    routes_portal,
    routes_reads,
    routes_registry,
    routes_search,
    routes_sharing,
    routes_webhooks,
    routes_witness,
)
from plateledger.api.limits import Limits, LimitsMiddleware
from plateledger.app.platform import Platform
from plateledger.backup.requests import BackupRequests
from plateledger.web import UI_PREFIX, favicon, root_redirect, ui_app

API_PREFIX = "/api/v1"
PORTAL_PREFIX = "/portal"


class Service(Protocol):
    """Work the server runs beside its routes (``serve --mqtt``): started once the app starts,
    stopped (blocking until done) when it shuts down, before the platform closes."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


def create_app(
    platform: Platform, *, background: bool = True, limits: Limits | None = None,
    services: Sequence[Service] = (),
) -> FastAPI:  # fmt: skip
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        backups = (  # `plateledger backup` while the server runs
            BackupRequests(backups=platform.backups, data_dir=platform.data_dir)
            if background
            else None
        )
        if backups is not None:
            platform.start_background()
            backups.start()
        for service in services:
            service.start()
        try:
            yield
        finally:
            for service in reversed(services):  # before uvicorn returns (or re-raises SIGTERM)
                await run_in_threadpool(service.stop)
            if backups is not None:
                backups.stop()

    app = FastAPI(
        title="plateledger",
        version=__version__,
        description="ALPR network API: reads, search, timelines. Bearer tokens on every "
        "endpoint except /api/v1/health.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are served offline by `docs.install`, not from a CDN
        redoc_url=None,
    )
    app.state.platform = platform
    errors.install(app)
    # Size and rate limits (413/429); env PLATELEDGER_* when not given. No CORS: cross-origin
    # browsers get no Access-Control-* headers, so only same-origin pages can call the API.
    # Rate buckets are per user and per agency: a bearer token is resolved to its user.
    app.add_middleware(
        LimitsMiddleware, limits=limits or Limits.from_env(), identify=platform.rate_identity
    )
    for module in (
        routes_registry, routes_reads, routes_analyses, routes_search, routes_holds,
        routes_sharing, routes_audit, routes_witness, routes_hotlists, routes_webhooks,
        routes_accounts, routes_assists, routes_camera_events,
    ):  # fmt: skip
        app.include_router(module.router, prefix=API_PREFIX)
    # Public pages outside the API (no token): a sub-app, so /api/v1 stays the whole API.
    app.mount(PORTAL_PREFIX, routes_portal.portal_app(platform))
    # The web UI: a sub-app too (its pages are not API routes); `/` leads to it.
    app.mount(UI_PREFIX, ui_app(platform))
    app.add_route("/", root_redirect, include_in_schema=False)
    app.add_route("/favicon.ico", favicon, include_in_schema=False)
    docs.install(app)
    return app
