"""Sign-in (user id and password, or an API token) and sign-out.

Either sign-in creates a short-lived session token (kind ``session``, revocable, expiring); a
token sign-in's session keeps the API token's scopes and expires no later than it. The session
cookie holds only SHA-256 hashes; the session ends at sign-out (its session token is revoked
server-side, so a copied cookie stops working too), when it expires, and for a token sign-in
when the API token is revoked or expires. Failed password sign-ins are throttled per client
address (``accounts.throttle``): 429 with ``Retry-After``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from plateledger.accounts.throttle import SignInThrottled
from plateledger.accounts.tokens import hash_token
from plateledger.accounts.users import SESSION_HOURS as SESSION_H
from plateledger.domain.types import User
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
    token, parent = form.get("token"), None
    try:
        if token:
            who = platform.identify(token)
            parent, (token, _) = hash_token(token), platform.tokens.session_for(who, SESSION_H)
            user: User | None = who.user
        else:
            client = request.client.host if request.client else "unknown"
            token, user = await run_in_threadpool(  # argon2 is deliberately slow
                platform.accounts.sign_in, form.get("user_id"), form.get("password"), client
            )
    except SignInThrottled as exc:
        page = render(request, "signin.html", 429, error=exc.message, user_id=form.get("user_id"))
        page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    except AuthenticationError as exc:
        message = "That token is not valid." if form.get("token") else exc.message
        return render(request, "signin.html", 401, error=message, user_id=form.get("user_id"))
    assert user is not None  # identify() raises for a token without a live user
    response = RedirectResponse(f"{UI_PREFIX}/", 303)
    set_cookie(response, SESSION_COOKIE, signer_of(request).session_cookie(user.id,
               hash_token(token), parent), request)  # fmt: skip
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
