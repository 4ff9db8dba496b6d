"""Shared pieces of the web UI: templates, the signed-in user, CSRF-checked forms."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from plateledger.accounts.permissions import UI_ROUTE_PERMISSIONS, ui_route_key
from plateledger.accounts.tokens import Principal
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.domain.when import human_stamp, iso_stamp
from plateledger.errors import ForbiddenError, PlateledgerError, ValidationError
from plateledger.store.accounts import TokenRecord
from plateledger.web.session import CSRF_COOKIE, SESSION_COOKIE, Signer, new_nonce

UI_PREFIX = "/ui"
HERE = Path(__file__).resolve().parent
MAX_FORM_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# Times as people read them, the zone named; the ISO form goes in <time datetime="…">.
templates.filters["human_time"] = human_stamp
templates.filters["iso_time"] = iso_stamp


class SignInRequired(PlateledgerError):
    code = "unauthenticated"
    status = 401


class Form:
    """A parsed url-encoded form body."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def get(self, name: str, default: str = "") -> str:
        values = self._fields.get(name)
        return values[0].strip() if values else default

    def opt(self, name: str) -> str | None:
        return self.get(name) or None

    def all(self, name: str) -> list[str]:
        return [v.strip() for v in self._fields.get(name, []) if v.strip()]

    def values(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._fields.items() if v and k != "csrf_token"}


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def signer_of(request: Request) -> Signer:
    signer: Signer = request.app.state.signer
    return signer


def signed_in_principal(request: Request) -> Principal | None:
    """The session's user and permissions, if the cookie is valid and its session token still
    live (sign-out revokes it) — and, for a sign-in with an API token, that token too."""
    session = signer_of(request).read_session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    tokens = platform_of(request).tokens
    who = tokens.principal_for_hash(session.token_hash)
    if who is None or who.user is None or who.user.id != session.user_id:
        return None
    if session.parent_hash is not None:
        parent = tokens.principal_for_hash(session.parent_hash)
        if parent is None or parent.user is None or parent.user.id != session.user_id:
            return None
    return who


def session_issuer(request: Request) -> TokenRecord | None:
    """The API token a UI session was signed in with: its scopes and expiry bound the tokens the
    session issues. None for a password sign-in (a fresh proof of the password)."""
    session = signer_of(request).read_session(request.cookies.get(SESSION_COOKIE))
    if session is None or session.parent_hash is None:
        return None
    parent = platform_of(request).tokens.principal_for_hash(session.parent_hash)
    return parent.token if parent is not None else None


def signed_in_user(request: Request) -> User | None:
    who = signed_in_principal(request)
    return who.user if who is not None else None


def require_user(request: Request) -> User:
    """The signed-in user, holding the permission this page or form needs in the route
    permission table (``accounts.permissions.UI_ROUTE_PERMISSIONS``, shared with the API). A
    route missing from the table is refused to everyone."""
    who = signed_in_principal(request)
    if who is None or who.user is None:
        raise SignInRequired("sign in first")
    key, needed = ui_route_permission(request)
    if needed is None:
        raise ForbiddenError(f"no permission is defined for {key}")
    if not who.can(needed):
        raise ForbiddenError(
            f"role {who.user.role!r} may not do this (needs permission {needed!r})"
            + (" with this token's scopes" if who.narrowed else "")
        )
    return who.user


def ui_route_permission(request: Request) -> tuple[str, str | None]:
    """The route's key (``"GET /ui/search"``) and the permission the table gives it."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None) or request.url.path
    key = ui_route_key(request.method, path)
    return key, UI_ROUTE_PERMISSIONS.get(key)


async def checked_form(request: Request, user: User | None) -> Form:
    """The POSTed form, refused (403) unless it carries this browser's CSRF token."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ValidationError("form too large")
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("application/x-www-form-urlencoded"):
        raise ForbiddenError("forms must be posted url-encoded with a CSRF token")
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    form = Form(fields)
    nonce = request.cookies.get(CSRF_COOKIE)
    if not signer_of(request).check_csrf(nonce, user.id if user else None, form.get("csrf_token")):
        raise ForbiddenError("missing or invalid CSRF token: reload the page and try again")
    return form


def render(
    request: Request, name: str, status: int = 200, user: User | None = None, **context: Any
) -> HTMLResponse:
    nonce = request.cookies.get(CSRF_COOKIE) or new_nonce()
    csrf = signer_of(request).csrf_token(nonce, user.id if user else None)
    html = templates.get_template(name).render(
        prefix=UI_PREFIX, user=user, csrf_token=csrf, **context
    )
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != nonce:
        set_cookie(response, CSRF_COOKIE, nonce, request)
    return response


def set_cookie(response: HTMLResponse | Any, name: str, value: str, request: Request) -> None:
    response.set_cookie(
        name, value, path=UI_PREFIX, httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip


def time_field(form: Form, name: str) -> datetime | None:
    """A ``date`` or ``datetime-local`` form value, read as UTC (the forms say so)."""
    text = form.get(name)
    if not text:
        return None
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{name}: not a date and time", {"field": name}) from None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def number_field(form: Form, name: str, default: str = "") -> float:
    """A finite number from the form (``default`` when the field is empty)."""
    try:
        value = float(form.get(name) or default)
    except ValueError:
        raise ValidationError(f"{name}: not a number", {"field": name}) from None
    if not math.isfinite(value):
        raise ValidationError(f"{name}: not a finite number", {"field": name})
    return value
