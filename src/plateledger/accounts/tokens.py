"""API and session tokens: random, shown once, stored only as a SHA-256 hash.

A token may carry scopes (``roles.yaml``): its permissions are then its user's role
permissions narrowed to those scopes. Tokens expire (optionally) and can be revoked; every
issue and revocation is an audit event, and every use is recorded by the platform when it
identifies a caller (:meth:`Tokens.principal_for_hash`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from plateledger.accounts.roles import role_table
from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import OPERATOR, User, UserId
from plateledger.errors import ForbiddenError, NotFoundError, ValidationError
from plateledger.store import accounts as db
from plateledger.store.accounts import TokenKind, TokenRecord
from plateledger.store.base import Sql, Token

TOKEN_PREFIX = "plt_"
MAX_TOKEN_DAYS = 366


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def naive_utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def new_token(user_id: UserId, label: str) -> tuple[str, Token]:
    """Return (secret shown once to the user, record to store)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, Token(user_id, hash_token(secret), label, datetime.now(UTC).replace(tzinfo=None))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, with what: the user (None if anonymous) and their effective permissions."""

    user: User | None
    permissions: frozenset[str]
    token: TokenRecord | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def narrowed(self) -> bool:
        return self.token is not None and self.token.scopes is not None


def anonymous() -> Principal:
    return Principal(None, role_table().public)


def may_manage(actor: User, target: User) -> bool:
    """Own tokens (account.self), or an admin's for users of the same agency (users.manage)."""
    table = role_table()
    if actor is OPERATOR:
        return True
    if actor.id == target.id:
        return "account.self" in table.of_role(actor.role)
    return actor.agency_id == target.agency_id and "users.manage" in table.of_role(actor.role)


def token_out(record: TokenRecord, now: datetime | None = None) -> dict[str, object]:
    now = naive_utc(now or datetime.now(UTC))
    return {
        "id": record.token_id, "user": record.user_id, "label": record.label,
        "kind": record.kind, "scopes": list(record.scopes) if record.scopes else None,
        "created_at": record.created_at.isoformat() + "Z",
        "expires_at": record.expires_at.isoformat() + "Z" if record.expires_at else None,
        "revoked": record.revoked, "live": record.live(now),
    }  # fmt: skip


class Tokens:
    """Issue, list, revoke and look up tokens; every issue and revocation is audited."""

    def __init__(self, *, store: Sql, audit: AuditSink, clock: Clock = utc_now) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock

    def principal_for_hash(self, token_hash: str) -> Principal | None:
        """The live token's user and effective permissions; None if unknown, expired or revoked."""
        found = db.lookup_token(self._store, token_hash, naive_utc(self._clock()))
        if found is None:
            return None
        user, record = found
        return Principal(user, role_table().effective(user.role, record.scopes), record)

    def target_user(self, actor: User, user_id: str) -> User:
        """The user ``actor`` may manage; other agencies' users are reported as not found."""
        user = db.user_by_id(self._store, user_id)
        if user is None or (actor is not OPERATOR and user.agency_id != actor.agency_id):
            raise NotFoundError(f"no user {user_id!r} in your agency", {"field": "user_id"})
        if not may_manage(actor, user):
            raise ForbiddenError("only the user or an admin of their agency may do this")
        return user

    def issue_token(
        self, actor: User, user: User, label: str, *,
        scopes: Iterable[str] | None = None, expires_at: datetime | None = None,
        kind: TokenKind = "api", within: Iterable[str] | None = None,
    ) -> tuple[str, TokenRecord]:  # fmt: skip
        """Issue a token for ``user`` (checked: ``may_manage``). ``within``: the issuing token's
        scopes, so a narrowed token can only mint tokens at most as narrow as itself."""
        if not may_manage(actor, user):
            raise ForbiddenError("only the user or an admin of their agency may issue their tokens")
        label = label.strip()
        if not 1 <= len(label) <= 100:
            raise ValidationError("label: 1 to 100 characters", {"field": "label"})
        names = role_table().check_scopes(user.role, scopes) if scopes is not None else None
        if within is not None:
            outer = set(within)
            if names is None or not set(names) <= outer:
                raise ForbiddenError(f"this token may only issue tokens within: {sorted(outer)}")
        now = naive_utc(self._clock())
        expires = naive_utc(expires_at) if expires_at is not None else None
        if expires is not None and not now < expires <= now + timedelta(days=MAX_TOKEN_DAYS):
            raise ValidationError(
                f"expires_at: must be in the future and within {MAX_TOKEN_DAYS} days",
                {"field": "expires_at"},
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        digest = hash_token(secret)
        record = TokenRecord(digest[:16], user.id, label, kind, names, now, expires, False)
        if kind == "api":  # session tokens are audited as logins
            self._audit(
                "token_change", actor,
                {"action": "issue", "for_user": user.id, "label": label,
                 "token": record.token_id,
                 "scopes": list(names) if names is not None else "all",
                 "expires_at": expires.isoformat() if expires else None},
            )  # fmt: skip
        db.insert_token(self._store, digest, record)
        return secret, record

    def list_tokens(self, actor: User, user: User) -> list[TokenRecord]:
        """``user``'s tokens, all kinds, if ``actor`` may manage them."""
        if not may_manage(actor, user):
            raise ForbiddenError("only the user or an admin of their agency may list their tokens")
        return db.tokens_of(self._store, [user.id])

    def revoke(self, actor: User, token_id: str) -> TokenRecord:
        """Revoke a token ``actor`` may manage; any other id is reported as not found."""
        record = db.token_by_id(self._store, token_id)
        owner = db.user_by_id(self._store, record.user_id) if record else None
        if record is None or owner is None or not may_manage(actor, owner):
            raise NotFoundError(f"no token {token_id!r} that you may manage", {"field": "token_id"})
        self._audit(
            "token_change", actor, {"action": "revoke", "for_user": owner.id, "token": token_id}
        )
        db.revoke_token(self._store, token_id)
        return record
