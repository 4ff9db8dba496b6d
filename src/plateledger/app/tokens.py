"""API tokens: random, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from plateledger.domain.types import UserId
from plateledger.store.base import Token

TOKEN_PREFIX = "plt_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(user_id: UserId, label: str) -> tuple[str, Token]:
    """Return (secret shown once to the user, record to store)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, Token(user_id, hash_token(secret), label, datetime.now(UTC).replace(tzinfo=None))
