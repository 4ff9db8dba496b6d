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

from plateledger.accounts import manage
from plateledger.accounts.manage import Action
from plateledger.accounts.roles import role_table
from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import User, UserId
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

    def target_user(self, actor: User, user_id: str, action: Action = "tokens") -> User:
        """The user ``actor`` may ``action`` (``manage.decide``); an id that does not exist and
        a user of another agency get the same not-found answer."""
        user = db.user_by_id(self._store, user_id)
        if user is None:
            raise manage.not_found(user_id)
        return manage.require(actor, user, action)

    def issue_token(
        self, actor: User, user: User, label: str, *,
        scopes: Iterable[str] | None = None, expires_at: datetime | None = None,
        kind: TokenKind = "api", issuer: TokenRecord | None = None,
    ) -> tuple[str, TokenRecord]:  # fmt: skip
        """Issue a token for ``user`` (checked: ``manage.decide``). ``issuer``: the token the
        request came with, if any: the new token's scopes must be a subset of its scopes and
        its expiry no later than its expiry (a token never mints a broader or longer one)."""
        label = label.strip()
        if not 1 <= len(label) <= 100:
            raise ValidationError("label: 1 to 100 characters", {"field": "label"})
        names = role_table().check_scopes(user.role, scopes) if scopes is not None else None
        manage.require(actor, user, "issue_token", names)
        now = naive_utc(self._clock())
        expires = naive_utc(expires_at) if expires_at is not None else None
        if expires is not None and not now < expires <= now + timedelta(days=MAX_TOKEN_DAYS):
            raise ValidationError(
                f"expires_at: must be in the future and within {MAX_TOKEN_DAYS} days",
                {"field": "expires_at"},
            )
        if issuer is not None:
            _within(issuer, names, expires)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        digest = hash_token(secret)
        record = TokenRecord(digest[:16], user.id, label, kind, names, now, expires, False)
        if kind == "api":  # session tokens are audited as logins
            self._audit(
                "token_change", actor,
                {"action": "issue", "for_user": user.id, "label": label,
                 "token": record.token_id,
                 "scopes": list(names) if names is not None else "all",
                 "expires_at": expires.isoformat() if expires else None,
                 "via_token": issuer.token_id if issuer is not None else None},
            )  # fmt: skip
        db.insert_token(self._store, digest, record)
        return secret, record

    def session_for(self, who: Principal, hours: int) -> tuple[str, TokenRecord]:
        """A UI session token for a principal signed in with an API token: its own revocable
        record (sign-out ends it server-side) with the API token's scopes and no later expiry
        than the API token or ``hours`` from now, whichever comes first."""
        assert who.user is not None and who.token is not None
        limit = naive_utc(self._clock()) + timedelta(hours=hours)
        parent = who.token.expires_at
        expires = min(parent, limit) if parent is not None else limit
        return self.issue_token(
            who.user, who.user, f"ui session (token {who.token.token_id})", kind="session",
            scopes=who.token.scopes, expires_at=expires,
        )  # fmt: skip

    def list_tokens(self, actor: User, user: User) -> list[TokenRecord]:
        """``user``'s tokens, all kinds, if ``actor`` may manage them."""
        manage.require(actor, user, "tokens")
        return db.tokens_of(self._store, [user.id])

    def revoke(self, actor: User, token_id: str) -> TokenRecord:
        """Revoke a token ``actor`` may manage; any other id is reported as not found."""
        record = db.token_by_id(self._store, token_id)
        owner = db.user_by_id(self._store, record.user_id) if record else None
        if record is None or owner is None or not manage.decide(actor, owner, "tokens"):
            raise NotFoundError(f"no token {token_id!r} that you may manage", {"field": "token_id"})
        self._audit(
            "token_change", actor, {"action": "revoke", "for_user": owner.id, "token": token_id}
        )
        db.revoke_token(self._store, token_id)
        return record


def _within(issuer: TokenRecord, names: tuple[str, ...] | None, expires: datetime | None) -> None:
    """Refuse a token broader or longer-lived than the token that asks for it."""
    if issuer.scopes is not None and (names is None or not set(names) <= set(issuer.scopes)):
        raise ForbiddenError(
            f"this token may only issue tokens within its scopes: {', '.join(issuer.scopes)}",
            {"field": "scopes"},
        )
    if issuer.expires_at is not None and (expires is None or expires > issuer.expires_at):
        raise ForbiddenError(
            "this token may only issue tokens that expire no later than it does "
            f"({issuer.expires_at.isoformat()}Z)",
            {"field": "expires_at"},
        )
