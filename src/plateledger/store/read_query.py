"""Parameterised SQL for read lookups, and conversion of result rows to ``Read`` values.

Physical layout (see ``duckdb_store``): ``reads`` holds runs sorted by (plate, ts) with small
row groups, so a plate predicate is answered from DuckDB's zone maps; ``reads_hot`` is the small
arrival-order tail. Every query reads both, with the same predicate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from plateledger.domain.types import (
    AgencyId,
    Camera,
    CameraId,
    Candidate,
    Network,
    NetworkId,
    Read,
    ReadId,
    Vehicle,
)
from plateledger.store.base import ReadFilters, ReadOrder, Scope

CONF_SCALE = 200.0
EPOCH = datetime(1970, 1, 1)  # confidences are stored as UTINYINT half-percent steps

SELECT_COLUMNS = (
    "read_id, network_key, camera_key, ts, plate, plate_raw, plate_state, state_conf, conf, "
    "candidates, color, color_conf, vtype, vtype_conf, make, make_conf, crop_ref, engine, lat, lon"
)

ORDER_SQL: Mapping[ReadOrder, str] = {
    "ts_desc": "ts DESC, read_id DESC",
    "ts_asc": "ts ASC, read_id ASC",
    "plate_ts": "plate ASC, ts DESC, read_id DESC",
}


@dataclass(frozen=True)
class Keys:
    """Internal integer keys of networks and cameras, both ways."""

    network_key: Mapping[NetworkId, int]
    network_by_key: Mapping[int, Network]
    camera_key: Mapping[CameraId, int]
    camera_by_key: Mapping[int, Camera]


def naive_utc(ts: datetime) -> datetime:
    """DuckDB stores TIMESTAMP (naive, UTC)."""
    if ts.tzinfo is None:
        return ts
    return ts.astimezone(UTC).replace(tzinfo=None)


def where_clause(
    plates: Sequence[str] | None, filters: ReadFilters, scope: Scope, keys: Keys
) -> tuple[str, list[Any]] | None:
    """Build the WHERE clause; None when the scope or filters exclude everything."""
    conds: list[str] = []
    params: list[Any] = []
    if plates is not None:
        if not plates:
            return None
        conds.append(f"plate IN ({', '.join('?' * len(plates))})")
        params.extend(plates)
    scope_sql = _scope_sql(scope, keys, params)
    if scope_sql is None:
        return None
    if scope_sql:
        conds.append(scope_sql)
    if not _filter_sql(filters, keys, conds, params):
        return None
    return (" AND ".join(conds) if conds else "TRUE"), params


def _scope_sql(scope: Scope, keys: Keys, params: list[Any]) -> str | None:
    """Allowed networks and their retention cutoffs as one cheap per-row lookup.

    ``cutoffs[network_key]`` is the network's earliest visible time, or NULL when the network
    may not be read, so ``ts >= list_extract(cutoffs, network_key)`` applies both at once. The
    smallest cutoff is repeated as a plain ``ts >=`` filter so that zone maps skip old runs.
    """
    allowed = {
        keys.network_key[net]: cutoff
        for net, cutoff in scope.networks.items()
        if net in keys.network_key
    }
    if not allowed:
        return None
    if len(allowed) == len(keys.network_key) and all(c is None for c in allowed.values()):
        return ""  # every network, no retention cut: no predicate
    cutoffs: list[datetime | None] = []
    for key in range(1, max(keys.network_key.values()) + 1):
        cutoff = allowed.get(key)
        cutoffs.append(
            naive_utc(cutoff) if cutoff is not None else (EPOCH if key in allowed else None)
        )
    params.append(cutoffs)
    sql = "ts >= list_extract(?::TIMESTAMP[], network_key)"
    earliest = min(c for c in cutoffs if c is not None)  # allowed is not empty
    if earliest > EPOCH:
        params.append(earliest)
        sql += " AND ts >= ?"
    return sql


def _filter_sql(filters: ReadFilters, keys: Keys, conds: list[str], params: list[Any]) -> bool:
    if filters.time_from is not None:
        conds.append("ts >= ?")
        params.append(naive_utc(filters.time_from))
    if filters.time_to is not None:
        conds.append("ts < ?")
        params.append(naive_utc(filters.time_to))
    if filters.cameras is not None or filters.bbox is not None:
        cam_sql = _camera_sql(filters, keys, params)
        if cam_sql is None:
            return False
        conds.append(cam_sql)
    for column, value in (
        ("plate_state", filters.plate_state),
        ("color", filters.color),
        ("vtype", filters.vehicle_type),
        ("make", filters.make),
    ):
        if value is not None:
            conds.append(f"{column} = ?")
            params.append(value)
    return True


def _camera_sql(filters: ReadFilters, keys: Keys, params: list[Any]) -> str | None:
    camera_keys = sorted(
        keys.camera_key[c] for c in (filters.cameras or ()) if c in keys.camera_key
    )
    parts = []
    if camera_keys:
        parts.append(f"camera_key IN ({', '.join(map(str, camera_keys))})")
    if filters.bbox is not None:
        # Mobile cameras carry their own position on each read.
        parts.append("(lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?)")
        b = filters.bbox
        params.extend([b.min_lat, b.max_lat, b.min_lon, b.max_lon])
    if not parts:
        return None
    return "(" + " OR ".join(parts) + ")"


def select_sql(
    where: str, order: ReadOrder, runs_where: str | None = None, runs: str = "reads"
) -> str:
    """Reads of the runs (table ``runs``: ``reads`` or its camera-sorted copy of the newest
    days; ``runs_where``, default ``where``) and of the hot tail (``where``)."""
    return (
        f"SELECT {SELECT_COLUMNS} FROM {runs} WHERE {runs_where or where} "
        f"UNION ALL SELECT {SELECT_COLUMNS} FROM reads_hot WHERE {where} "
        f"ORDER BY {ORDER_SQL[order]} LIMIT ? OFFSET ?"
    )


def count_sql(where: str, runs_where: str | None = None, runs: str = "reads") -> str:
    return (
        f"SELECT (SELECT count(*) FROM {runs} WHERE {runs_where or where}) + "
        f"(SELECT count(*) FROM reads_hot WHERE {where})"
    )


def _conf(value: int | None) -> float | None:
    return None if value is None else round(value / CONF_SCALE, 3)


def row_to_read(row: tuple[Any, ...], keys: Keys) -> Read:
    (rid, nkey, ckey, ts, plate, raw, state, state_conf, conf, cands) = row[:10]
    (color, color_conf, vtype, vtype_conf, make, make_conf, crop, engine, lat, lon) = row[10:]
    network = keys.network_by_key[nkey]
    camera = keys.camera_by_key[ckey]
    return Read(
        id=ReadId(rid),
        camera_id=camera.id,
        network_id=network.id,
        owner_agency=AgencyId(network.agency_id),
        ts=ts.replace(tzinfo=UTC),
        plate=plate,
        plate_raw=raw if raw is not None else plate,
        plate_state=state,
        state_confidence=_conf(state_conf),
        confidence=_conf(conf),
        candidates=tuple(Candidate(c["plate"], _conf(c["conf"]) or 0.0) for c in (cands or ())),
        vehicle=Vehicle(color, _conf(color_conf), vtype, _conf(vtype_conf), make, _conf(make_conf)),
        crop_ref=crop,
        engine=engine,
        lat=lat,
        lon=lon,
    )
