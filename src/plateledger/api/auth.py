"""Bearer-token authentication and permission checks for every non-public endpoint.

Every authenticated route is checked against ``accounts.permissions.ROUTE_PERMISSIONS``: the
caller's effective permissions (role permissions from ``accounts/roles.yaml``, narrowed by the
token's scopes) must include the route's permission. ``require_permission`` adds a check to a
route that is not in that table (as ``Investigator`` and ``Admin`` do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from plateledger.accounts.permissions import ROUTE_PERMISSIONS, route_key
from plateledger.accounts.tokens import Principal, anonymous
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import AuthenticationError, ForbiddenError

bearer = HTTPBearer(auto_error=False, description="API token: `Authorization: Bearer <token>`")


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller: anonymous without a bearer token; an invalid token is refused (401)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        return anonymous()
    return platform_of(request).identify(credentials.credentials)


def _route_permission(request: Request) -> tuple[str, str | None]:
    route = request.scope.get("route")
    path = getattr(route, "path_format", None) or request.url.path
    key = route_key(request.method, path)
    return key, ROUTE_PERMISSIONS.get(key)


def current_user(request: Request, who: Annotated[Principal, Depends(principal)]) -> User:
    if who.user is None:
        raise AuthenticationError("missing bearer token (Authorization: Bearer <token>)")
    key, needed = _route_permission(request)
    if needed is None:
        if who.narrowed:
            raise ForbiddenError(f"this token's scopes do not cover {key}")
    elif not who.can(needed):
        raise ForbiddenError(_denial(who, needed))
    return who.user


def require_permission(*permissions: str) -> Callable[[Principal, User], User]:
    """A dependency: the signed-in caller must hold every one of ``permissions``."""

    def check(
        who: Annotated[Principal, Depends(principal)],
        user: Annotated[User, Depends(current_user)],
    ) -> User:
        for permission in permissions:
            if not who.can(permission):
                raise ForbiddenError(_denial(who, permission))
        return user

    return check


def _denial(who: Principal, permission: str) -> str:
    role = who.user.role if who.user else "public"
    if who.token is not None and who.token.scopes is not None:
        return (f"this needs permission {permission!r}: role {role!r} with token scopes "
                f"{', '.join(who.token.scopes)} does not have it")  # fmt: skip
    return f"role {role!r} may not do this (needs permission {permission!r})"


def _unless_mapped(permission: str) -> Callable[[Request, Principal, User], User]:
    """For a route missing from ROUTE_PERMISSIONS only: require ``permission``."""

    def check(
        request: Request,
        who: Annotated[Principal, Depends(principal)],
        user: Annotated[User, Depends(current_user)],
    ) -> User:
        if _route_permission(request)[1] is None and not who.can(permission):
            raise ForbiddenError(_denial(who, permission))
        return user

    return check


CurrentUser = Annotated[User, Depends(current_user)]
CurrentPrincipal = Annotated[Principal, Depends(principal)]
# Routes in ROUTE_PERMISSIONS are checked there; these keep a check for any that are not.
Investigator = Annotated[User, Depends(_unless_mapped("search.run"))]
Admin = Annotated[User, Depends(_unless_mapped("users.manage"))]
PlatformDep = Annotated[Platform, Depends(platform_of)]
