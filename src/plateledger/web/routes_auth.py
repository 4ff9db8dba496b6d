"""Sign-in (user id and password, or an API token) and sign-out.

A password sign-in creates a short-lived session token (kind ``session``, revocable, expiring);
a token sign-in uses the API token itself. Either way the session cookie holds only the
token's SHA-256 hash, and the session ends when that token is revoked or expires.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.accounts.tokens import hash_token
from plateledger.errors import AuthenticationError
from plateledger.store import accounts as account_db
from plateledger.web.common import (
    UI_PREFIX,
    checked_form,
    platform_of,
    render,
    set_cookie,
    signed_in_principal,
    signed_in_user,
    signer_of,
)
from plateledger.web.session import SESSION_COOKIE

router = APIRouter()

# Where each role lands after signing in (its first page in the navigation).
HOME_BY_ROLE = {"officer": "search", "supervisor": "holds", "admin": "admin", "auditor": "audit"}


@router.get("/")
def home(request: Request) -> Response:
    user = signed_in_user(request)
    if user is None:
        return RedirectResponse(f"{UI_PREFIX}/signin", 303)
    return RedirectResponse(f"{UI_PREFIX}/{HOME_BY_ROLE.get(user.role, 'search')}", 303)


@router.get("/signin")
def signin_form(request: Request) -> HTMLResponse:
    return render(request, "signin.html")  # signed out or not: this starts a new session


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await checked_form(request, None)
    platform = platform_of(request)
    token = form.get("token")
    try:
        if token:
            user = platform.authenticate(token)
        else:
            token, user = await run_in_threadpool(  # argon2 is deliberately slow
                platform.accounts.sign_in, form.get("user_id"), form.get("password")
            )
    except AuthenticationError as exc:
        message = "That token is not valid." if form.get("token") else exc.message
        return render(request, "signin.html", 401, error=message, user_id=form.get("user_id"))
    response = RedirectResponse(f"{UI_PREFIX}/", 303)
    set_cookie(response, SESSION_COOKIE, signer_of(request).session_cookie(user.id,
               hash_token(token)), request)  # fmt: skip
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    who = signed_in_principal(request)
    await checked_form(request, who.user if who else None)
    if who is not None and who.token is not None and who.token.kind == "session":
        account_db.revoke_token(platform_of(request).store, who.token.token_id)
    response = RedirectResponse(f"{UI_PREFIX}/signin", 303)
    response.delete_cookie(SESSION_COOKIE, path=UI_PREFIX)
    return response
