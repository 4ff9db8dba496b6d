"""The daily read ceiling's queries on the search log (parameterised SQL only)."""

from __future__ import annotations

from datetime import datetime

from plateledger.store.base import Sql

_RETURNED = (
    "SELECT coalesce(sum(result_count), 0) FROM search_log WHERE user_id = ? AND created_at >= ?"
)
_SET_COUNT = "UPDATE search_log SET result_count = ? WHERE search_id = ?"
# A bulk hold's decisions carry a rule id "bulk.…" (search.bulk); the reason text is in its own
# column, so a reason that mentions "bulk." is not counted.
_USAGE = """
    SELECT user_id, agency_id,
           coalesce(sum(result_count) FILTER (WHERE created_at >= ?), 0) AS reads,
           count(*) FILTER (WHERE decisions_json LIKE '%"bulk.%') AS bulk_holds
    FROM search_log
    WHERE created_at >= least(?, ?) AND kind IN ('search', 'timeline')
      AND (CAST(? AS VARCHAR) IS NULL OR agency_id = ?)
    GROUP BY user_id, agency_id
    HAVING reads > 0 OR bulk_holds > 0
"""


def returned_since(db: Sql, user_id: str, since: datetime) -> int:
    """Reads returned to ``user_id`` by searches logged since ``since`` (naive UTC)."""
    row = db.execute(_RETURNED, [user_id, since])
    return int(row[0][0]) if row else 0


def set_result_count(db: Sql, search_id: str, count: int) -> None:
    """Record how many reads the search ``search_id`` returned."""
    db.execute(_SET_COUNT, [count, search_id])


def usage_since(
    db: Sql, agency_id: str | None, today: datetime, holds_since: datetime
) -> list[tuple[str, str, int, int]]:
    """``(user, agency, reads returned since today, bulk holds since holds_since)`` per user."""
    rows = db.execute(_USAGE, [today, today, holds_since, agency_id, agency_id])
    return [(str(u), str(a), int(r), int(h)) for u, a, r, h in rows]
