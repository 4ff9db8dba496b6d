"""An agency admin's view of the agency's users and their tokens, for the web UI.

A thin layer over :class:`~plateledger.accounts.users.Accounts` and
:class:`~plateledger.accounts.tokens.Tokens`, which check who may manage whom and audit every
change: this module only gathers each user's account status with their tokens, and turns
"expires in N days" into the expiry time those take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from plateledger.accounts.tokens import MAX_TOKEN_DAYS, Tokens
from plateledger.accounts.users import Accounts, AccountStatus
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import User
from plateledger.errors import ValidationError
from plateledger.registry.service import Registry
from plateledger.store import accounts as account_store
from plateledger.store.accounts import TokenRecord
from plateledger.store.base import Sql


@dataclass(frozen=True, slots=True)
class UserRow:
    status: AccountStatus
    tokens: tuple[TokenRecord, ...]  # newest first


class AgencyUsers:
    """The admin's agency's users with their tokens; issuing a token that expires in N days."""

    def __init__(
        self, *, accounts: Accounts, tokens: Tokens, registry: Registry, store: Sql,
        clock: Clock = utc_now,
    ) -> None:  # fmt: skip
        self._accounts = accounts
        self._tokens = tokens
        self._registry = registry
        self._store = store
        self._clock = clock

    def agency_users(self, admin: User) -> list[UserRow]:
        """The admin's agency's users with their account status and tokens."""
        self._registry.own_agency(admin)
        statuses = self._accounts.statuses(admin)
        records = account_store.tokens_of(self._store, [s.user.id for s in statuses])
        by_user: dict[str, list[TokenRecord]] = {}
        for r in records:
            by_user.setdefault(r.user_id, []).append(r)
        return [
            UserRow(s, tuple(sorted(by_user.get(s.user.id, ()), key=lambda r: r.created_at,
                                    reverse=True)))
            for s in statuses
        ]  # fmt: skip

    def issue_token(
        self, admin: User, user_id: str, label: str, days: int | None, scopes: list[str],
        issuer: TokenRecord | None = None,
    ) -> tuple[str, TokenRecord]:  # fmt: skip
        """A new API token for a user the admin manages (or the admin): (secret, shown once;
        its record). ``issuer``: the API token the admin's UI session was signed in with."""
        self._registry.own_agency(admin)
        user = self._tokens.target_user(admin, user_id)
        expires = None
        if days is not None:
            if not 1 <= days <= MAX_TOKEN_DAYS:
                raise ValidationError(
                    f"expires_days: 1 to {MAX_TOKEN_DAYS} days, or empty for no expiry",
                    {"field": "expires_days"},
                )
            expires = self._clock() + timedelta(days=days)
        return self._tokens.issue_token(
            admin, user, label, scopes=scopes or None, expires_at=expires, issuer=issuer
        )


def now_naive() -> datetime:
    """Now, as the tokens table holds times (naive UTC): for ``TokenRecord.live``."""
    return datetime.now(UTC).replace(tzinfo=None)
