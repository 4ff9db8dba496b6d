"""An agency admin's view of the agency's users and their tokens, for the web UI.

A thin layer over the account and token operations (``app.accounts``, ``app.tokens``), which
check who may manage whom and audit every change: this module only gathers each user's account
status with their tokens, and turns "expires in N days" into the expiry time those take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from plateledger.accounts import tokens
from plateledger.accounts import users as accounts
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import ValidationError
from plateledger.registry.agencies import own_agency
from plateledger.store import accounts as account_store
from plateledger.store.accounts import TokenRecord


@dataclass(frozen=True, slots=True)
class UserRow:
    status: accounts.AccountStatus
    tokens: tuple[TokenRecord, ...]  # newest first


def agency_users(platform: Platform, admin: User) -> list[UserRow]:
    """The admin's agency's users with their account status and tokens."""
    own_agency(platform, admin)
    statuses = accounts.statuses(platform, admin)
    records = account_store.tokens_of(platform.store, [s.user.id for s in statuses])
    by_user: dict[str, list[TokenRecord]] = {}
    for r in records:
        by_user.setdefault(r.user_id, []).append(r)
    return [
        UserRow(s, tuple(sorted(by_user.get(s.user.id, ()), key=lambda r: r.created_at,
                                reverse=True)))
        for s in statuses
    ]  # fmt: skip


def issue_token(
    platform: Platform, admin: User, user_id: str, label: str, days: int | None,
    scopes: list[str],
) -> tuple[str, TokenRecord]:  # fmt: skip
    """A new API token for a user of the admin's agency: (secret, shown once; its record)."""
    own_agency(platform, admin)
    user = tokens.target_user(platform, admin, user_id)
    expires = None
    if days is not None:
        if not 1 <= days <= tokens.MAX_TOKEN_DAYS:
            raise ValidationError(
                f"expires_days: 1 to {tokens.MAX_TOKEN_DAYS} days, or empty for no expiry",
                {"field": "expires_days"},
            )
        expires = datetime.now(UTC) + timedelta(days=days)
    return tokens.issue_token(
        platform, admin, user, label, scopes=scopes or None, expires_at=expires
    )


def now_naive() -> datetime:
    """Now, as the tokens table holds times (naive UTC): for ``TokenRecord.live``."""
    return datetime.now(UTC).replace(tzinfo=None)
