"""Account tables: password hashes and lockout state, scoped and session tokens.

Functions take anything with the store's ``execute(sql, params)`` (parameterised SQL only).
Tokens are only ever stored as SHA-256 hashes; ``token_id`` is the first 16 hex digits of the
hash, enough to name a token (list, revoke) without being usable as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from plateledger.domain.types import AgencyId, Role, User, UserId
from plateledger.store.base import Sql

TokenKind = Literal["api", "session"]


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token_id: str
    user_id: UserId
    label: str
    kind: TokenKind
    scopes: tuple[str, ...] | None  # None: all of the user's permissions
    created_at: datetime
    expires_at: datetime | None
    revoked: bool

    def live(self, now: datetime) -> bool:
        return not self.revoked and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True, slots=True)
class Credentials:
    user_id: UserId
    password_hash: str | None
    password_set_at: datetime | None
    failed_count: int
    locked_until: datetime | None
    disabled: bool


_TOKEN_COLS = (
    "t.token_id, t.user_id, t.label, t.kind, t.scopes, t.created_at, t.expires_at, t.revoked"
)


def _token(row: tuple[Any, ...]) -> TokenRecord:
    tid, uid, label, kind, scopes, created, expires, revoked = row
    return TokenRecord(tid, UserId(uid), label, cast(TokenKind, kind or "api"),
                       tuple(scopes) if scopes is not None else None, created, expires,
                       bool(revoked))  # fmt: skip


def insert_token(
    db: Sql, token_hash: str, record: TokenRecord,
) -> None:  # fmt: skip
    db.execute(
        "INSERT INTO tokens (token_hash, user_id, label, created_at, expires_at, revoked, "
        "token_id, scopes, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [token_hash, record.user_id, record.label, record.created_at, record.expires_at,
         record.revoked, record.token_id,
         list(record.scopes) if record.scopes is not None else None, record.kind],
    )  # fmt: skip


def lookup_token(db: Sql, token_hash: str, now: datetime) -> tuple[User, TokenRecord] | None:
    """The live token with this hash and its (enabled) user, or None."""
    rows = db.execute(
        f"SELECT u.id, u.agency_id, u.name, u.role, {_TOKEN_COLS} FROM tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND NOT t.revoked "
        "AND (t.expires_at IS NULL OR t.expires_at > ?) AND NOT EXISTS (SELECT 1 FROM "
        "user_credentials c WHERE c.user_id = u.id AND c.disabled)",
        [token_hash, now],
    )
    if not rows:
        return None
    row = rows[0]
    user = User(UserId(row[0]), AgencyId(row[1]), row[2], cast(Role, row[3]))
    return user, _token(row[4:])


def tokens_of(db: Sql, user_ids: Sequence[str]) -> list[TokenRecord]:
    if not user_ids:
        return []
    marks = ", ".join("?" for _ in user_ids)
    rows = db.execute(
        f"SELECT {_TOKEN_COLS} FROM tokens t WHERE t.user_id IN ({marks}) "
        "ORDER BY t.user_id, t.created_at, t.token_id",
        list(user_ids),
    )
    return [_token(r) for r in rows]


def token_by_id(db: Sql, token_id: str) -> TokenRecord | None:
    rows = db.execute(f"SELECT {_TOKEN_COLS} FROM tokens t WHERE t.token_id = ?", [token_id])
    return _token(rows[0]) if rows else None


def revoke_token(db: Sql, token_id: str) -> None:
    db.execute("UPDATE tokens SET revoked = TRUE WHERE token_id = ?", [token_id])


def revoke_tokens_of(db: Sql, user_id: str, kind: TokenKind | None = None) -> int:
    """Revoke a user's live tokens (of one kind, or all); returns how many."""
    where, params = ("AND kind = ?", [user_id, kind]) if kind else ("", [user_id])
    rows = db.execute(
        f"UPDATE tokens SET revoked = TRUE WHERE user_id = ? AND NOT revoked {where} "
        "RETURNING token_id",
        params,
    )
    return len(rows)


# --- users and credentials -------------------------------------------------------------------
def user_by_id(db: Sql, user_id: str) -> User | None:
    rows = db.execute("SELECT id, agency_id, name, role FROM users WHERE id = ?", [user_id])
    if not rows:
        return None
    i, a, n, r = rows[0]
    return User(UserId(i), AgencyId(a), n, cast(Role, r))


def credentials(db: Sql, user_id: str) -> Credentials | None:
    rows = db.execute(
        "SELECT user_id, password_hash, password_set_at, failed_count, locked_until, disabled "
        "FROM user_credentials WHERE user_id = ?",
        [user_id],
    )
    if not rows:
        return None
    uid, pw, at, failed, until, disabled = rows[0]
    return Credentials(UserId(uid), pw, at, int(failed), until, bool(disabled))


def all_credentials(db: Sql) -> dict[str, Credentials]:
    rows = db.execute(
        "SELECT user_id, password_hash, password_set_at, failed_count, locked_until, disabled "
        "FROM user_credentials"
    )
    return {r[0]: Credentials(UserId(r[0]), r[1], r[2], int(r[3]), r[4], bool(r[5]))
            for r in rows}  # fmt: skip


def _ensure(db: Sql, user_id: str) -> None:
    db.execute(
        "INSERT INTO user_credentials (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING",
        [user_id],
    )


def set_password_hash(db: Sql, user_id: str, password_hash: str, now: datetime) -> None:
    """New password; clears failures and any temporary lockout."""
    _ensure(db, user_id)
    db.execute(
        "UPDATE user_credentials SET password_hash = ?, password_set_at = ?, failed_count = 0, "
        "locked_until = NULL WHERE user_id = ?",
        [password_hash, now, user_id],
    )


def record_failure(db: Sql, user_id: str, max_failures: int, locked_until: datetime) -> int:
    """Count one more consecutive failure (locking at ``max_failures``); returns the count."""
    _ensure(db, user_id)
    rows = db.execute(
        "UPDATE user_credentials SET failed_count = failed_count + 1, locked_until = CASE WHEN "
        "failed_count + 1 >= ? THEN ? ELSE locked_until END WHERE user_id = ? "
        "RETURNING failed_count",
        [max_failures, locked_until, user_id],
    )
    return int(rows[0][0])


def clear_failures(db: Sql, user_id: str) -> None:
    db.execute(
        "UPDATE user_credentials SET failed_count = 0, locked_until = NULL WHERE user_id = ?",
        [user_id],
    )


def set_disabled(db: Sql, user_id: str, disabled: bool) -> None:
    _ensure(db, user_id)
    db.execute(
        "UPDATE user_credentials SET disabled = ?, failed_count = 0, locked_until = NULL "
        "WHERE user_id = ?",
        [disabled, user_id],
    )
