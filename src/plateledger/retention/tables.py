"""Retention queries on the DuckDB store (parameterised SQL only): crops, legal holds."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime

from plateledger.retention.base import LegalHold
from plateledger.store.base import Sql

_CROP_READS = (
    "SELECT r.read_id, n.id, n.agency_id, r.ts FROM ("
    "SELECT read_id, network_key, ts FROM reads WHERE crop_ref = ? UNION ALL "
    "SELECT read_id, network_key, ts FROM reads_hot WHERE crop_ref = ?) r "
    "JOIN networks n ON n.key = r.network_key ORDER BY r.read_id"
)
_REFERENCED = (
    "SELECT crop_ref FROM reads WHERE crop_ref LIKE 'sha256:%' UNION "
    "SELECT crop_ref FROM reads_hot WHERE crop_ref LIKE 'sha256:%' UNION "
    "SELECT crop_ref FROM hotlist_hits WHERE crop_ref LIKE 'sha256:%'"
)
_REFS_OF_READS = (
    "SELECT r.read_id, r.crop_ref, n.agency_id FROM (SELECT read_id, network_key, crop_ref "
    "FROM reads UNION ALL SELECT read_id, network_key, crop_ref FROM reads_hot) r "
    "JOIN networks n ON n.key = r.network_key WHERE r.crop_ref LIKE 'sha256:%' "
    "AND r.read_id IN (SELECT UNNEST(?::UBIGINT[]))"
)
_ADD_OWNER = (
    "INSERT INTO crop_owners VALUES (?, ?, current_timestamp) "
    "ON CONFLICT (crop_ref, agency_id) DO NOTHING"
)
_OWNERS = "SELECT crop_ref, agency_id FROM crop_owners WHERE list_contains(?::VARCHAR[], crop_ref)"
_HOLDS_OF_AGENCY = (
    "SELECT case_number, read_id, created_by, created_at, note, expires_at FROM legal_holds "
    "WHERE created_by IN (SELECT id FROM users WHERE agency_id = ?) "
    "ORDER BY created_at DESC, case_number, read_id LIMIT 1000"
)
_HELD_OF_CASE = (
    "SELECT DISTINCT read_id FROM legal_holds WHERE case_number = ? "
    "AND created_by IN (SELECT id FROM users WHERE agency_id = ?) ORDER BY read_id"
)
_LAPSED = (
    "SELECT h.case_number, list(DISTINCT h.read_id ORDER BY h.read_id), "
    "list(DISTINCT n.id ORDER BY n.id) FILTER (WHERE n.id IS NOT NULL) FROM legal_holds h "
    "LEFT JOIN users u ON u.id = h.created_by LEFT JOIN networks n ON n.agency_id = u.agency_id "
    "WHERE h.expires_at IS NOT NULL AND h.expires_at <= ? GROUP BY h.case_number ORDER BY 1"
)
_READS_OF_NETWORKS = (
    "SELECT r.read_id FROM (SELECT read_id, network_key FROM reads UNION ALL "
    "SELECT read_id, network_key FROM reads_hot) r JOIN networks n "
    "ON n.key = r.network_key WHERE list_contains(?::UBIGINT[], r.read_id) "
    "AND list_contains(?::VARCHAR[], n.id)"
)

# an alert whose read was purged keeps its list, entry, score and disposition (oversight counts
# them) but no longer says which plate was read where and when, nor shows its crop
_REDACT_PURGED_ALERTS = (
    "UPDATE hotlist_hits SET read_plate = '', camera_id = '', read_ts = NULL, read_state = NULL, "
    "crop_ref = NULL WHERE read_ts IS NOT NULL AND read_id NOT IN "
    "(SELECT read_id FROM reads UNION ALL SELECT read_id FROM reads_hot)"
)


def redact_purged_alerts(db: Sql) -> int:
    """Redact the alerts (hotlist hits) of reads that no longer exist; how many were."""
    rows = db.execute(_REDACT_PURGED_ALERTS)
    return int(rows[0][0]) if rows else 0


def reads_of_crop(db: Sql, ref: str) -> list[tuple[int, str, str, datetime]]:
    """``(read id, network id, owner agency id, ts)`` of every read (hot or compacted) that
    references the crop ``ref``, by read id; ``ts`` is naive UTC."""
    return [(int(r[0]), str(r[1]), str(r[2]), r[3]) for r in db.execute(_CROP_READS, [ref, ref])]


def referenced_crops(db: Sql) -> set[str]:
    """Every stored-crop reference a read (hot or compacted) or a hotlist hit still holds."""
    return {str(r[0]) for r in db.execute(_REFERENCED)}


def crop_refs_of_reads(db: Sql, read_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """``read_id -> (crop_ref, owner agency id)`` of those of ``read_ids`` that have a
    stored-crop reference."""
    if not read_ids:
        return {}
    rows = db.execute(_REFS_OF_READS, [list(read_ids)])
    return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}


def add_crop_owners(db: Sql, pairs: Iterable[tuple[str, str]]) -> None:
    """Record that each ``(crop_ref, agency id)`` agency stored that crop (idempotent)."""
    for ref, agency in sorted(set(pairs)):
        db.execute(_ADD_OWNER, [ref, agency])


def crop_owners(db: Sql, refs: Iterable[str]) -> dict[str, frozenset[str]]:
    """``crop_ref -> agencies that stored it`` for those of ``refs`` stored by any."""
    out: dict[str, set[str]] = {}
    for ref, agency in db.execute(_OWNERS, [sorted(set(refs))]):
        out.setdefault(str(ref), set()).add(str(agency))
    return {ref: frozenset(agencies) for ref, agencies in out.items()}


def forget_crop_owners(db: Sql, present: Collection[str]) -> None:
    """Drop the owners of crops no longer on disk (after a sweep)."""
    gone = [str(r[0]) for r in db.execute("SELECT DISTINCT crop_ref FROM crop_owners")
            if str(r[0]) not in present]  # fmt: skip
    if gone:
        db.execute("DELETE FROM crop_owners WHERE list_contains(?::VARCHAR[], crop_ref)", [gone])


def held_read_ids(db: Sql) -> frozenset[int]:
    """Every read id under a legal hold."""
    return frozenset(int(r[0]) for r in db.execute("SELECT read_id FROM legal_holds"))


def holds_of_agency(db: Sql, agency_id: str) -> list[LegalHold]:
    """The legal holds placed by the agency's users, newest first (at most 1,000)."""
    rows = db.execute(_HOLDS_OF_AGENCY, [agency_id])
    return [LegalHold(str(r[0]), int(r[1]), str(r[2]), r[3], str(r[4]), r[5]) for r in rows]


def held_reads_of_case(db: Sql, agency_id: str, case_number: str) -> list[int]:
    """The reads the agency's users hold under ``case_number``."""
    return [int(r[0]) for r in db.execute(_HELD_OF_CASE, [case_number, agency_id])]


def lapsed_holds(db: Sql, now: datetime) -> list[tuple[str, list[int], list[str]]]:
    """``(case number, read ids, the placing agency's networks)`` of holds past expiry."""
    naive = now.astimezone(UTC).replace(tzinfo=None)
    return [(str(r[0]), [int(i) for i in r[1]], [str(n) for n in r[2] or []])
            for r in db.execute(_LAPSED, [naive])]  # fmt: skip


def delete_holds(db: Sql, case_number: str, read_ids: Sequence[int]) -> None:
    """Release the holds of ``case_number`` on ``read_ids``."""
    db.execute(
        "DELETE FROM legal_holds WHERE case_number = ? AND list_contains(?::UBIGINT[], read_id)",
        [case_number, list(read_ids)],
    )


def reads_in_networks(db: Sql, read_ids: Sequence[int], networks: Sequence[str]) -> set[int]:
    """Those of ``read_ids`` that exist (hot or compacted) in one of ``networks``."""
    return {int(r[0]) for r in db.execute(_READS_OF_NETWORKS, [list(read_ids), list(networks)])}
