"""Admin: the agency's webhooks (list, add, revoke) and the private address ranges they may
reach — the same service, checks and audit as ``/api/v1/webhooks``; the secret is never shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.domain.types import User
from plateledger.web.common import Form, platform_of, require_user
from plateledger.web.routes_admin import admin_page, done, form_or_error

router = APIRouter(prefix="/admin")


def _webhooks_page(
    request: Request, user: User, status: int = 200, error: str = ""
) -> HTMLResponse:
    hooks = platform_of(request).hotlists.webhooks
    return admin_page(
        request, user, "admin_webhooks.html", status, error=error,
        hooks=hooks.of_agency(user), private=[str(n) for n in hooks.private(user.agency_id)],
    )  # fmt: skip


@router.get("/webhooks")
def webhooks(request: Request) -> HTMLResponse:
    return _webhooks_page(request, require_user(request))


@router.post("/webhooks")
async def add_webhook(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        hooks = platform_of(request).hotlists.webhooks
        await run_in_threadpool(hooks.add, user, form.get("url")[:2048], form.get("secret"))
        return done("webhooks", "webhook added")

    return await form_or_error(request, user, change, _webhooks_page)


@router.post("/webhooks/{webhook_id}/revoke")
async def revoke_webhook(request: Request, webhook_id: str) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        await run_in_threadpool(platform_of(request).hotlists.webhooks.revoke, user, webhook_id)
        return done("webhooks", "webhook revoked")

    return await form_or_error(request, user, change, _webhooks_page)


@router.post("/webhooks/private-networks")
async def set_private_networks(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        networks = form.get("networks").replace(",", " ").split()
        hooks = platform_of(request).hotlists.webhooks
        await run_in_threadpool(hooks.set_private, user, networks)
        return done("webhooks", "private networks")

    return await form_or_error(request, user, change, _webhooks_page)
