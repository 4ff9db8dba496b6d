"""Keyed fingerprints of typed text for the audit log (a refused user id or API token).

A failed sign-in is audited so that repeated guessing shows, but what was typed may be a
password pasted into the wrong field. An unkeyed hash of it could be dictionary-tested by anyone
who reads the log or an exported bundle; an HMAC under a key kept outside the log (in the
installation's store) links repeats of the same text without revealing it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

FINGERPRINT_HEX = 16
KEY_BYTES = 32

Fingerprint = Callable[[str], str]


def fingerprinter(key: bytes) -> Fingerprint:
    """``text -> hex`` HMAC-SHA256 prefix under ``key`` (at least 16 bytes)."""
    if len(key) < 16:
        raise ValueError("a fingerprint key needs at least 16 bytes")

    def fingerprint(text: str) -> str:
        mac = hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return mac.hexdigest()[:FINGERPRINT_HEX]

    return fingerprint


def new_key() -> bytes:
    """A fresh random fingerprint key."""
    return secrets.token_bytes(KEY_BYTES)
