"""Admin: the agency's users and their API tokens. Issue a token (shown once) or revoke one;
create a user, reset a password, lock or unlock an account — the account operations of
``platform.accounts`` and ``platform.tokens``, which check the agency and audit every change."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.accounts.agency_users import now_naive
from plateledger.accounts.manage import manageable_roles
from plateledger.accounts.roles import role_table
from plateledger.domain.types import User
from plateledger.errors import ValidationError
from plateledger.web.common import Form, platform_of, require_user, session_issuer
from plateledger.web.routes_admin import admin_page, done, form_or_error, int_field

router = APIRouter(prefix="/admin")


def _users_page(
    request: Request, user: User, status: int = 200, error: str = "", **extra: Any
) -> HTMLResponse:
    rows = platform_of(request).agency_users.agency_users(user)
    return admin_page(
        request, user, "admin_users.html", status, rows=rows, error=error,
        now=now_naive(), scopes=role_table().scopes,
        roles=list(manageable_roles(user)), **extra,
    )  # fmt: skip


@router.get("/users")
def users(request: Request) -> HTMLResponse:
    return _users_page(request, require_user(request))


@router.post("/tokens")
async def issue(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        days = int_field(form, "expires_days", optional=True)
        secret, record = await run_in_threadpool(
            platform_of(request).agency_users.issue_token, user, form.get("user_id"),
            form.get("label"), days, form.all("scopes"), session_issuer(request),
        )  # fmt: skip
        # Shown once, in this response only: never in a URL, a redirect or a log.
        return _users_page(request, user, issued=record, secret=secret)

    return await form_or_error(request, user, change, _users_page)


@router.post("/tokens/{token_id}/revoke")
async def revoke(request: Request, token_id: str) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        await run_in_threadpool(platform_of(request).tokens.revoke, user, token_id)
        return done("users", "token revoked")

    return await form_or_error(request, user, change, _users_page)


@router.post("/users")
async def create(request: Request) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        await run_in_threadpool(
            platform_of(request).accounts.create_user, user, form.get("new_user_id"),
            user.agency_id, form.get("name"), form.get("role"), form.opt("password"),
        )  # fmt: skip
        return done("users", "user created")

    return await form_or_error(request, user, change, _users_page)


@router.post("/users/{user_id}/account")
async def account(request: Request, user_id: str) -> Response:
    user = require_user(request)

    async def change(form: Form) -> Response:
        accounts = platform_of(request).accounts
        action = form.get("action")
        if action in ("lock", "unlock"):
            await run_in_threadpool(accounts.set_disabled, user, user_id, action == "lock")
        elif action == "password":
            await run_in_threadpool(accounts.set_password, user, user_id, form.get("password"))
        else:
            raise ValidationError("action: lock, unlock or password", {"field": "action"})
        return done("users", f"{action} {user_id}")

    return await form_or_error(request, user, change, _users_page)
