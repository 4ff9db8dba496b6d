"""Sign-in with an API token (until issue #9 adds passwords) and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plateledger.app.tokens import hash_token
from plateledger.errors import AuthenticationError
from plateledger.web.common import (
    UI_PREFIX,
    checked_form,
    platform_of,
    render,
    set_cookie,
    signed_in_user,
    signer_of,
)
from plateledger.web.session import SESSION_COOKIE

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    user = signed_in_user(request)
    target = "holds" if user is not None and user.role == "supervisor" else "search"
    return RedirectResponse(f"{UI_PREFIX}/{target if user else 'signin'}", 303)


@router.get("/signin")
def signin_form(request: Request) -> HTMLResponse:
    return render(request, "signin.html")  # signed out or not: this starts a new session


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await checked_form(request, None)
    token = form.get("token")
    try:
        user = platform_of(request).authenticate(token)
    except AuthenticationError:
        return render(request, "signin.html", 401, error="That token is not valid.")
    response = RedirectResponse(f"{UI_PREFIX}/", 303)
    set_cookie(response, SESSION_COOKIE, signer_of(request).session_cookie(user.id,
               hash_token(token)), request)  # fmt: skip
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    await checked_form(request, signed_in_user(request))
    response = RedirectResponse(f"{UI_PREFIX}/signin", 303)
    response.delete_cookie(SESSION_COOKIE, path=UI_PREFIX)
    return response
