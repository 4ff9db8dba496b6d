"""Registry queries on the DuckDB store (parameterised SQL only)."""

from __future__ import annotations

from collections.abc import Iterable

from plateledger.store.base import Sql


def camera_read_counts(db: Sql, network_ids: Iterable[str]) -> dict[str, int]:
    """Reads stored (compacted and hot) per camera of the given networks, by camera id."""
    rows = db.execute(
        "SELECT c.id, count(r.camera_key) FROM cameras c LEFT JOIN "
        "(SELECT camera_key FROM reads UNION ALL SELECT camera_key FROM reads_hot) r "
        "ON r.camera_key = c.key WHERE list_contains(?::VARCHAR[], c.network_id) "
        "GROUP BY c.id",
        [sorted(network_ids)],
    )
    return {str(camera_id): int(count) for camera_id, count in rows}
