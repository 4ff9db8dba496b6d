"""A refused sign-in is audited without an unkeyed hash of what was typed: a password pasted
into the user-id field (or the token field) cannot be dictionary-tested from the log, yet
repeated attempts with the same text still link."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import orjson
import pytest

from plateledger.app.platform import Platform
from plateledger.errors import AuthenticationError

TYPED = "Correct-Horse-Battery-9"  # a password, typed into the wrong field


def _failures(platform: Platform) -> list[dict[str, Any]]:
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size))
    return [e for e in entries if e["event_type"] == "login" and e["outcome"] == "failure"]


def _unkeyed(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_unknown_user_sign_in_records_a_keyed_fingerprint(platform: Platform) -> None:
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            platform.accounts.sign_in(TYPED.lower(), "whatever-password-1")
    with pytest.raises(AuthenticationError):
        platform.accounts.sign_in("someone-else", "whatever-password-1")
    marks = [e["subject"]["user_id_hash"] for e in _failures(platform)]
    assert len(marks) == 3 and marks[0] == marks[1] != marks[2]  # repeats link
    assert not _unkeyed(TYPED.lower()).startswith(marks[0])
    log_bytes = b"".join(platform.audit.entry(i) for i in range(platform.audit.size))
    assert TYPED.lower().encode() not in log_bytes


def test_a_refused_token_is_fingerprinted_with_the_same_key(platform: Platform) -> None:
    with pytest.raises(AuthenticationError):
        platform.identify(TYPED)
    deadline = time.monotonic() + 5
    while not _failures(platform) and time.monotonic() < deadline:  # audited off the path
        time.sleep(0.05)
    (entry,) = _failures(platform)
    mark = entry["subject"]["token"]
    assert not _unkeyed(TYPED).startswith(mark)
    assert len(mark) == 16
