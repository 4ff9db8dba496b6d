"""The portal's queries on the DuckDB store: read and hotlist-hit counts in a window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from plateledger.alerts.tables import naive
from plateledger.store.duckdb_store import DuckDBStore


def hits_by_list_and_status(
    store: DuckDBStore, agency_id: str, since: datetime, until: datetime
) -> list[tuple[str, str, int]]:
    """(hotlist id, review status, count) of the agency's hotlist hits in ``[since, until)``."""
    rows = store.execute(
        "SELECT hotlist_id, status, count(*) FROM hotlist_hits WHERE agency_id = ? "
        "AND created_at >= ? AND created_at < ? GROUP BY 1, 2",
        [agency_id, naive(since), naive(until)],
    )
    return [(str(h), str(s), int(n)) for h, s, n in rows]


def hits_by_entry_and_camera(
    store: DuckDBStore, agency_id: str, since: datetime, until: datetime
) -> list[tuple[str, str, str, int]]:
    """(hotlist id, entry id, camera id, count) of the agency's hotlist hits in the window."""
    rows = store.execute(
        "SELECT hotlist_id, entry_id, camera_id, count(*) FROM hotlist_hits WHERE agency_id = ? "
        "AND created_at >= ? AND created_at < ? GROUP BY 1, 2, 3",
        [agency_id, naive(since), naive(until)],
    )
    return [(str(h), str(e), str(c), int(n)) for h, e, c, n in rows]


def count_reads(
    store: DuckDBStore, network_keys: Sequence[int], since: datetime, until: datetime
) -> int:
    """Reads (compacted and hot) on these network keys in ``[since, until)``."""
    if not network_keys:
        return 0
    rows = store.execute(
        "SELECT count(*) FROM (SELECT network_key, ts FROM reads UNION ALL "
        "SELECT network_key, ts FROM reads_hot) WHERE list_contains(?, network_key) "
        "AND ts >= ? AND ts < ?", [list(network_keys), naive(since), naive(until)]
    )  # fmt: skip
    return int(rows[0][0]) if rows else 0
