"""The public transparency portal: `GET /portal/` (the index of agencies), `GET
/portal/{agency_id}` (HTML) and `.json`. No login.

Mounted as its own small app at ``/portal`` (outside ``/api/v1``: it is a public page, not part
of the token-protected API), sharing the platform and the error format of the main app.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

from plateledger.api import errors
from plateledger.api.auth import PlatformDep
from plateledger.app.platform import Platform
from plateledger.portal.html import render, render_index

router = APIRouter(tags=["portal"])

# The page loads nothing: no scripts, no external resources; only its inline style.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Cache-Control": "public, max-age=300",
}


@router.get("/", response_class=HTMLResponse, summary="Transparency portals (public)")
def portal_index(platform: PlatformDep) -> HTMLResponse:
    return HTMLResponse(render_index(platform.portal.agencies()), headers=PAGE_HEADERS)


@router.get("/{agency_id}.json", summary="Transparency portal figures (public)")
def portal_json(agency_id: str, platform: PlatformDep) -> dict[str, Any]:
    return platform.portal.data(agency_id).to_dict()


@router.get("/{agency_id}", response_class=HTMLResponse, summary="Transparency portal (public)")
def portal_page(agency_id: str, platform: PlatformDep) -> HTMLResponse:
    return HTMLResponse(render(platform.portal.data(agency_id)), headers=PAGE_HEADERS)


def portal_app(platform: Platform) -> FastAPI:
    """The portal as a sub-application, to mount at ``/portal``."""
    app = FastAPI(title="plateledger transparency portal", openapi_url=None, docs_url=None,
                  redoc_url=None)  # fmt: skip
    app.state.platform = platform
    errors.install(app)
    app.include_router(router)
    return app
