"""Signed session cookies and CSRF tokens for the web UI.

The session cookie holds the user id and the SHA-256 hash of the session token made at sign-in
(and, for a sign-in with an API token, that token's hash too) — never a token itself —
signed with HMAC-SHA256 under a per-data-directory secret
(``<data>/ui-secret``, mode 0600, created on first use). Every POST form carries a CSRF token
bound to a random per-browser nonce (its own cookie) and to the signed-in user.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

SESSION_COOKIE = "pl_session"
CSRF_COOKIE = "pl_csrf"
SESSION_MAX_AGE_S = 12 * 3600
SECRET_FILE = "ui-secret"


def load_secret(data_dir: Path) -> bytes:
    """The UI signing secret of a data directory, created (0600) on first use."""
    path = Path(data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # never readable by group or others
        secret = path.read_bytes().strip()
        if len(secret) >= 32:
            return secret
        raise ValueError(f"{path} is too short to be a signing secret") from None
    with os.fdopen(fd, "wb") as f:
        secret = secrets.token_hex(32).encode()
        f.write(secret)
    return secret


@dataclass(frozen=True, slots=True)
class Session:
    user_id: str
    token_hash: str  # the session token's (kind ``session``: sign-out revokes it)
    issued_at: int
    parent_hash: str | None = None  # the API token signed in with, if any: must stay live


class Signer:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, purpose: str, payload: bytes) -> str:
        digest = hmac.new(self._secret, purpose.encode() + b"\0" + payload, hashlib.sha256)
        return _b64(digest.digest())

    # --- sessions ---------------------------------------------------------------------------
    def session_cookie(self, user_id: str, token_hash: str, parent_hash: str | None = None) -> str:
        fields = {"u": user_id, "t": token_hash, "i": int(time.time())}
        body = orjson.dumps(fields | ({"p": parent_hash} if parent_hash else {}))
        payload = _b64(body)
        return f"{payload}.{self._mac('session', payload.encode())}"

    def read_session(self, cookie: str | None) -> Session | None:
        if not cookie or cookie.count(".") != 1:
            return None
        payload, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac("session", payload.encode())):
            return None
        try:
            data = orjson.loads(_unb64(payload))
            parent = str(data["p"]) if "p" in data else None
            session = Session(str(data["u"]), str(data["t"]), int(data["i"]), parent)
        except (ValueError, KeyError, TypeError):
            return None
        if not 0 <= time.time() - session.issued_at <= SESSION_MAX_AGE_S:
            return None
        return session

    # --- CSRF -------------------------------------------------------------------------------
    def csrf_token(self, nonce: str, user_id: str | None) -> str:
        return self._mac("csrf", f"{nonce}|{user_id or ''}".encode())

    def check_csrf(self, nonce: str | None, user_id: str | None, token: str | None) -> bool:
        if not nonce or not token:
            return False
        return hmac.compare_digest(token, self.csrf_token(nonce, user_id))


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
