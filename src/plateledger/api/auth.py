"""Bearer-token authentication and role checks for every non-public endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import AuthenticationError, ForbiddenError

bearer = HTTPBearer(auto_error=False, description="API token: `Authorization: Bearer <token>`")


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("missing bearer token (Authorization: Bearer <token>)")
    return platform_of(request).authenticate(credentials.credentials)


def require_role(*roles: str) -> Callable[[User], User]:
    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise ForbiddenError(
                f"role {user.role!r} may not do this (needs one of: {', '.join(roles)})"
            )
        return user

    return check


CurrentUser = Annotated[User, Depends(current_user)]
Investigator = Annotated[User, Depends(require_role("officer", "supervisor"))]
Admin = Annotated[User, Depends(require_role("admin"))]
PlatformDep = Annotated[Platform, Depends(platform_of)]
