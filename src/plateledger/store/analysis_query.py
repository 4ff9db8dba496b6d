"""Parameterised SQL for the convoy, multi-place and frequent-visitor analyses.

Every query goes through ``read_query.where_clause``, so the scope (allowed networks, each from
its retention cutoff) applies to every read touched: the target's reads as well as the
companions'. The target's reads come from ``reads`` (plate-sorted) and ``reads_hot``; the
companions and the windows from the place index ``reads_place`` (``store.place_index``, ordered
by hour and camera) and ``reads_hot``. Results are plates meeting the threshold only, ranked and
capped in SQL (``limit``); no read rows leave the database.

- convoy: the target's reads (one plate predicate) give cameras and times; companion reads are
  those at the same cameras within ±delta of a target read, found through the place index's
  (hour, camera) keys of those windows. Per (plate, camera) the
  closest pair is the evidence; plates at ≥ k cameras are ranked by cameras, then mean gap.
- multi-place: the distinct plates of each window, intersected (all N windows).
- frequent visitor: distinct UTC days per plate at the place, ≥ k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from plateledger.domain.types import Camera, CameraId, Network, NetworkId
from plateledger.store import place_index
from plateledger.store.base import ReadFilters, Scope, Sql
from plateledger.store.read_query import Keys, naive_utc, where_clause

#: (plate, score, mean gap seconds or None, [(camera key, target ts, seen ts, reads)])
Row = tuple[str, int, float | None, list[tuple[CameraId | None, datetime | None, datetime, int]]]


@runtime_checkable
class PlateTimes(Protocol):
    """A store that finds one plate's (camera key, ts) through its postings (``lookups``)."""

    def plate_times(
        self, plate: str, filters: ReadFilters, scope: Scope
    ) -> list[tuple[int, datetime]]: ...


@dataclass(frozen=True, slots=True)
class Registry:
    """The network and camera keys the reads tables store (read once per analysis)."""

    keys: Keys

    @classmethod
    def load(cls, sql: Sql) -> Registry:
        nets = sql.execute("SELECT key, id, agency_id, name FROM networks ORDER BY key")
        cams = sql.execute("SELECT key, id, network_id, name, lat, lon FROM cameras ORDER BY key")
        networks = {int(k): Network(NetworkId(i), a, n) for k, i, a, n in nets}
        cameras = {int(k): Camera(CameraId(i), NetworkId(n), name, la, lo)
                   for k, i, n, name, la, lo in cams}  # fmt: skip
        return cls(Keys({n.id: k for k, n in networks.items()}, networks,
                        {c.id: k for k, c in cameras.items()}, cameras))  # fmt: skip

    def camera(self, key: int) -> CameraId:
        return self.keys.camera_by_key[key].id


def _both(columns: str, where: str, runs: str = "reads") -> str:
    return (f"SELECT {columns} FROM {runs} WHERE {where} "
            f"UNION ALL SELECT {columns} FROM reads_hot WHERE {where}")  # fmt: skip


def _runs(window: ReadFilters) -> str:
    """The place index, unless a filter needs a column only ``reads`` has."""
    attributes = (window.plate_state, window.color, window.vehicle_type, window.make)
    return "reads" if any(a is not None for a in attributes) else place_index.WITH_PLATES


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC)


def convoy(
    sql: Sql, reg: Registry, plate: str, window: ReadFilters, scope: Scope, *,
    delta: timedelta, min_cameras: int, limit: int,
) -> list[Row]:  # fmt: skip
    """Companions of ``plate`` in ``window`` (see module doc), at most ``limit``."""
    target = where_clause([plate], window, scope, reg.keys)
    around = ReadFilters(
        window.time_from - delta if window.time_from else None,
        window.time_to + delta if window.time_to else None,
    )
    companion = where_clause(None, around, scope, reg.keys)
    if target is None or companion is None:
        return []
    (tw, tp), (cw, cp) = target, companion
    if isinstance(sql, PlateTimes):  # the store: its plate-day postings narrow the lookup
        seen: Sequence[tuple[Any, datetime]] = sql.plate_times(plate, window, scope)
    else:
        seen = sql.execute(_both("camera_key, ts", tw), [*tp, *tp])
    if not seen:
        return []
    cams = sorted({int(c) for c, _ in seen})
    near = f"{cw} AND plate <> ? AND camera_key IN ({', '.join(map(str, cams))})"
    keys = place_index.keys_around(((int(c), t) for c, t in seen), delta)
    if len(keys) <= place_index.MAX_KEYS:  # the keys name the cameras: no camera list here
        runs = (f"SELECT plate, camera_key, ts FROM {place_index.WITH_PLATES} "
                f"WHERE {place_index.keys_predicate(keys)} AND {cw} AND plate <> ?")  # fmt: skip
    else:  # a target seen very often: scan its cameras instead of listing windows
        runs = f"SELECT plate, camera_key, ts FROM {place_index.WITH_PLATES} WHERE {near}"
    query = f"""
        WITH t AS (SELECT unnest(?::UINTEGER[]) AS camera_key, unnest(?::TIMESTAMP[]) AS ts),
        c AS ({runs} UNION ALL SELECT plate, camera_key, ts FROM reads_hot WHERE {near}),
        pairs AS (
            SELECT c.plate, c.camera_key, t.ts AS tts, c.ts AS cts,
                   abs(epoch(c.ts) - epoch(t.ts)) AS gap,
                   row_number() OVER (PARTITION BY c.plate, c.camera_key
                                      ORDER BY abs(epoch(c.ts) - epoch(t.ts)), c.ts, t.ts) AS rn,
                   count(*) OVER (PARTITION BY c.plate, c.camera_key) AS n
            FROM c JOIN t ON c.camera_key = t.camera_key
             AND c.ts BETWEEN t.ts - ?::INTERVAL AND t.ts + ?::INTERVAL)
        SELECT plate, count(*) AS cams, avg(gap) AS mean_gap,
               list((camera_key, tts, cts, n) ORDER BY camera_key) AS ev
        FROM pairs WHERE rn = 1 GROUP BY plate HAVING count(*) >= ?
        ORDER BY cams DESC, mean_gap ASC, plate ASC LIMIT ?"""
    params = [[int(c) for c, _ in seen], [t for _, t in seen], *cp, plate, *cp, plate,
              delta, delta, min_cameras, limit]  # fmt: skip
    rows = sql.execute(query, params)
    return [
        (p, int(n), float(g),
         [(reg.camera(e[0]), _utc(e[1]), _utc(e[2]), int(e[3])) for e in _items(ev)])
        for p, n, g, ev in rows
    ]  # fmt: skip


def multi_place(
    sql: Sql, reg: Registry, windows: Sequence[ReadFilters], scope: Scope, *, limit: int
) -> list[Row]:
    """Plates seen in every window, by plate; evidence per window: first time and reads."""
    parts: list[str] = []
    params: list[Any] = []
    for i, window in enumerate(windows):
        built = where_clause(None, window, scope, reg.keys)
        if built is None:
            return []  # a window with nothing searchable: no plate is in all of them
        where, p = built
        hits = _both("plate, ts", where, _runs(window))
        parts.append(f"SELECT plate, {i} AS w, ts FROM ({hits})")
        params += [*p, *p]
    query = f"""
        WITH hits AS ({" UNION ALL ".join(parts)}),
        per AS (SELECT plate, w, min(ts) AS first, count(*) AS n FROM hits GROUP BY plate, w)
        SELECT plate, count(*) AS windows, list((w, first, n) ORDER BY w) AS ev
        FROM per GROUP BY plate HAVING count(*) = ? ORDER BY plate LIMIT ?"""
    rows = sql.execute(query, [*params, len(windows), limit])
    return [(p, int(n), None, [(None, None, _utc(e[1]), int(e[2])) for e in _items(ev)])
            for p, n, ev in rows]  # fmt: skip


def frequent_visitors(
    sql: Sql, reg: Registry, place: ReadFilters, scope: Scope, *, min_days: int, limit: int
) -> list[Row]:
    """Plates seen on ≥ ``min_days`` distinct UTC days at the place; evidence per day."""
    built = where_clause(None, place, scope, reg.keys)
    if built is None:
        return []
    where, p = built
    query = f"""
        WITH hits AS ({_both("plate, ts", where, _runs(place))}),
        per AS (SELECT plate, CAST(ts AS DATE) AS day, min(ts) AS first, count(*) AS n
                FROM hits GROUP BY plate, day)
        SELECT plate, count(*) AS days, list((first, n) ORDER BY first) AS ev
        FROM per GROUP BY plate HAVING count(*) >= ? ORDER BY days DESC, plate ASC LIMIT ?"""
    rows = sql.execute(query, [*p, *p, min_days, limit])
    return [(pl, int(n), None, [(None, None, _utc(e[0]), int(e[1])) for e in _items(ev)])
            for pl, n, ev in rows]  # fmt: skip


def _items(value: Any) -> list[tuple[Any, ...]]:
    """DuckDB returns unnamed structs as dicts (``v1``, ``v2``...) or tuples by version."""
    return [tuple(v.values()) if isinstance(v, dict) else tuple(v) for v in value]


__all__ = ["Registry", "convoy", "frequent_visitors", "multi_place", "naive_utc"]
