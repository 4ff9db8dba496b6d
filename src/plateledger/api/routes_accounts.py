"""Accounts: one's own account and tokens; an agency admin's users, passwords and tokens; roles.

Secrets appear once, in the response that creates them. Who may manage whom is
``accounts.manage.decide`` (the ``manage`` table of roles.yaml). Users of other agencies get the
same 404 as ids that do not exist, so ids of other agencies' users cannot be probed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from plateledger.accounts.roles import role_table
from plateledger.accounts.tokens import Principal, token_out
from plateledger.api.auth import CurrentPrincipal, CurrentUser, PlatformDep
from plateledger.api.schemas import Strict
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import NotFoundError

router = APIRouter(tags=["accounts"])


class TokenIn(Strict):
    label: str = Field(min_length=1, max_length=100)
    scopes: list[str] | None = Field(
        None, max_length=20, description="narrow the token (roles.yaml scopes); omit: all"
    )
    expires_at: datetime | None = Field(None, description="at most 366 days ahead")


KEEP_TOKENS = "keep the user's API tokens (default: revoked with the old password); audited"


class PasswordChangeIn(Strict):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)
    keep_tokens: bool = Field(False, description=KEEP_TOKENS)


class PasswordIn(Strict):
    password: str = Field(min_length=1, max_length=1024)
    keep_tokens: bool = Field(False, description=KEEP_TOKENS)


class UserIn(Strict):
    id: str = Field(min_length=2, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    role: Literal["officer", "supervisor", "admin"]
    password: str | None = Field(None, min_length=1, max_length=1024)


def _issue(
    platform: Platform, who: Principal, actor: User, target: User, body: TokenIn
) -> dict[str, Any]:
    secret, record = platform.tokens.issue_token(
        actor,
        target,
        body.label,
        scopes=body.scopes,
        expires_at=body.expires_at,
        issuer=who.token,
    )
    return {"token": secret, **token_out(record)}


def _revoke(platform: Platform, actor: User, owner: User, token_id: str) -> dict[str, Any]:
    owned = {t.token_id for t in platform.tokens.list_tokens(actor, owner)}
    if token_id not in owned:
        raise NotFoundError(f"no token {token_id!r} of {owner.id}", {"field": "token_id"})
    return token_out(platform.tokens.revoke(actor, token_id)) | {"revoked": True}


# --- one's own account ---------------------------------------------------------------------
@router.get("/me", summary="Your account, permissions and this token's scopes")
def me(who: CurrentPrincipal, user: CurrentUser) -> dict[str, Any]:
    return {
        "id": user.id, "agency_id": user.agency_id, "name": user.name, "role": user.role,
        "permissions": sorted(who.permissions),
        "token": token_out(who.token) if who.token else None,
    }  # fmt: skip


@router.post("/me/password", summary="Change your password")
def change_password(
    body: PasswordChangeIn, user: CurrentUser, platform: PlatformDep
) -> dict[str, str]:
    platform.accounts.change_own_password(
        user, body.current_password, body.new_password, keep_tokens=body.keep_tokens
    )
    return {"user": user.id, "password": "changed"}


@router.get("/me/tokens", summary="Your tokens (never their secrets)")
def my_tokens(user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    return {"tokens": [token_out(t) for t in platform.tokens.list_tokens(user, user)]}


@router.post("/me/tokens", summary="Issue yourself a token (optionally scoped, expiring)")
def issue_my_token(
    body: TokenIn, who: CurrentPrincipal, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    return _issue(platform, who, user, user, body)


@router.delete("/me/tokens/{token_id}", summary="Revoke one of your tokens")
def revoke_my_token(token_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    return _revoke(platform, user, user, token_id)


@router.get("/roles", summary="Roles, their permissions and token scopes")
def roles(user: CurrentUser) -> dict[str, Any]:
    table = role_table()
    return {
        "permissions": dict(table.permissions),
        "roles": {r.name: {"description": r.description, "permissions": sorted(r.permissions)}
                  for r in table.roles.values()},
        "scopes": {s.name: {"description": s.description, "permissions": sorted(s.permissions)}
                   for s in table.scopes.values()},
    }  # fmt: skip


# --- an agency admin's users -----------------------------------------------------------------
@router.get("/users", summary="Your agency's users and their account status")
def list_users(user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    return {"users": [s.to_dict() for s in platform.accounts.statuses(user)]}


@router.post("/users", summary="Create a user in your agency (admin)")
def create_user(body: UserIn, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    new = platform.accounts.create_user(
        user, body.id, user.agency_id, body.name, body.role, body.password
    )
    return {"id": new.id, "agency_id": new.agency_id, "name": new.name, "role": new.role,
            "has_password": body.password is not None}  # fmt: skip


@router.post("/users/{user_id}/password", summary="Reset a user's password (admin)")
def reset_password(
    user_id: str, body: PasswordIn, user: CurrentUser, platform: PlatformDep
) -> dict[str, str]:
    target = platform.accounts.set_password(
        user, user_id, body.password, keep_tokens=body.keep_tokens
    )
    return {"user": target.id, "password": "reset"}


@router.post("/users/{user_id}/lock", summary="Lock a user's account: no sign-in, no token")
def lock_user(user_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    target = platform.accounts.set_disabled(user, user_id, True)
    return {"user": target.id, "disabled": True}


@router.post("/users/{user_id}/unlock", summary="Unlock a user's account (and any lockout)")
def unlock_user(user_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    target = platform.accounts.set_disabled(user, user_id, False)
    return {"user": target.id, "disabled": False}


@router.get("/users/{user_id}/tokens", summary="A user's tokens (admin)")
def user_tokens(user_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    target = platform.tokens.target_user(user, user_id)
    return {"tokens": [token_out(t) for t in platform.tokens.list_tokens(user, target)]}


@router.post("/users/{user_id}/tokens", summary="Issue a token for a user (admin)")
def issue_user_token(
    user_id: str, body: TokenIn, who: CurrentPrincipal, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    return _issue(platform, who, user, platform.tokens.target_user(user, user_id), body)


@router.delete("/users/{user_id}/tokens/{token_id}", summary="Revoke a user's token (admin)")
def revoke_user_token(
    user_id: str, token_id: str, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    return _revoke(platform, user, platform.tokens.target_user(user, user_id), token_id)
