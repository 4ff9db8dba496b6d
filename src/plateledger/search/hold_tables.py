"""Held-search lookups for the faces (parameterised SQL only): an officer's own held searches,
and what the policy decided when a search was logged (the "why held" a supervisor reads)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from plateledger.store.base import Sql

_OF_USER = (
    "SELECT search_id FROM search_holds WHERE user_id = ? ORDER BY created_at DESC, search_id "
    "LIMIT ?"
)
_APPROVED_SINCE = (
    "SELECT search_id FROM search_holds WHERE user_id = ? AND used_at IS NULL AND search_id IN "
    "(SELECT search_id FROM hold_parts WHERE status = 'approved' AND decided_at > ?) "
    "ORDER BY created_at DESC, search_id"
)
_LOGGED = "SELECT user_id, decisions_json FROM search_log WHERE search_id = ?"


def holds_of_user(db: Sql, user_id: str, limit: int) -> list[str]:
    """Ids of the user's own held searches, newest first (at most ``limit``)."""
    return [str(r[0]) for r in db.execute(_OF_USER, [user_id, limit])]


def unused_approvals(db: Sql, user_id: str, since: datetime) -> list[str]:
    """Ids of the user's held searches not yet resumed with a part approved after ``since``."""
    naive = since.astimezone(UTC).replace(tzinfo=None)
    return [str(r[0]) for r in db.execute(_APPROVED_SINCE, [user_id, naive])]


def logged_search(db: Sql, search_id: str) -> tuple[str, list[dict[str, Any]]] | None:
    """``(user id, per-network decisions)`` the search log holds for ``search_id``, or None."""
    rows = db.execute(_LOGGED, [search_id])
    if not rows:
        return None
    decisions = orjson.loads(rows[0][1])
    return str(rows[0][0]), [dict(d) for d in decisions if isinstance(d, dict)]
