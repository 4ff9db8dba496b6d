"""Convoy and multi-place query speed on the read store, beside SQLite in the same run.

    python bench/bench_convoy.py --reads 10000000 [--cameras 400] [--days 30] [--work DIR [--keep]]

Generates ``--reads`` random reads (plates drawn from ``reads / 40`` plates, uniform over the
cameras and days) plus a target plate seen 200 times with a companion at most of its reads,
bulk-loads them into a fresh DuckDB store and a SQLite file with B-tree indexes on (plate, ts)
and (camera, ts), then times (median of 5 warm runs) the store's convoy SQL
(``store.analysis_query.convoy``, scope = every network, no retention cut), a 3-window
multi-place query and a frequent-visitor query (one camera, every day, ≥ 3 days), and the same
answers in SQLite. The issue's target is ≤ 500 ms (convoy) and
≤ 300 ms (multi-place, 3 windows of 1 h) at 100 M reads on 2 cores; not asserted anywhere.
With ``--work DIR --keep`` a second run reuses the stores the first one left in ``DIR`` (loading
100 M reads into SQLite takes most of the time).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from plateledger.domain.types import Agency, AgencyId, Camera, CameraId, Network, NetworkId
from plateledger.store import analysis_query as aq
from plateledger.store.base import ReadFilters, Scope
from plateledger.store.duckdb_store import DuckDBStore
from plateledger.store.schema import INGEST_SCHEMA
from timing import median_ms

START = datetime(2025, 1, 1, tzinfo=UTC)
DELTA = timedelta(minutes=2)
CHUNK = 2_000_000


def batches(n: int, cameras: int, days: int, seed: int = 7) -> list[pa.Table]:
    rng = np.random.default_rng(seed)
    span_us = days * 86_400_000_000
    start_us = int(START.timestamp() * 1_000_000)
    out = []
    chunks = max(1, -(-n // CHUNK))
    for i, first in enumerate(range(0, n, CHUNK)):
        size = min(CHUNK, n - first)  # each chunk its own slice of time, as cameras post them
        lo, hi = span_us * i // chunks, span_us * (i + 1) // chunks
        ts = np.sort(rng.integers(lo, hi, size)) + start_us
        cols = {
            "camera_id": [f"c{i}" for i in rng.integers(0, cameras, size)],
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "plate": [f"P{i:07d}" for i in rng.integers(0, max(1, n // 40), size)],
        }
        out.append(_table(cols, size))
    target_ts = np.sort(rng.integers(0, span_us, 200)) + start_us
    cams = [f"c{i}" for i in rng.integers(0, cameras, 200)]
    ts = np.concatenate([target_ts, target_ts[:150] + rng.integers(-60, 60, 150) * 1_000_000])
    cols = {"camera_id": cams + cams[:150], "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "plate": ["TARGET1"] * 200 + ["PAL0001"] * 150}  # fmt: skip
    out.append(_table(cols, 350))
    return out


def _table(cols: dict[str, object], size: int) -> pa.Table:
    full = {f.name: cols.get(f.name, pa.nulls(size, f.type)) for f in INGEST_SCHEMA}
    return pa.Table.from_pydict(full, schema=INGEST_SCHEMA)


def load_store(work: Path, tables: list[pa.Table], cameras: int) -> DuckDBStore:
    store = DuckDBStore(work / "duck")
    store.upsert_agencies([Agency(AgencyId("a"), "A", "TX", "municipal", None)])
    store.upsert_networks([Network(NetworkId("n"), AgencyId("a"), "N")])
    store.upsert_cameras([Camera(CameraId(f"c{i}"), NetworkId("n"), f"c{i}", 30.0, -95.0)
                          for i in range(cameras)])  # fmt: skip
    store.bulk_load(tables)
    return store


def load_sqlite(work: Path, tables: list[pa.Table]) -> sqlite3.Connection:
    con = sqlite3.connect(work / "reads.sqlite")
    con.execute("PRAGMA journal_mode = OFF")  # a bulk load into a fresh file: nothing to roll back
    con.execute("PRAGMA synchronous = OFF")
    con.execute("CREATE TABLE reads (camera TEXT, ts INTEGER, plate TEXT)")
    for t in tables:
        ts = t.column("ts").cast(pa.int64()).to_pylist()
        rows = zip(
            t.column("camera_id").to_pylist(), ts, t.column("plate").to_pylist(), strict=True
        )
        con.executemany("INSERT INTO reads VALUES (?, ?, ?)", rows)
    con.execute("CREATE INDEX r_plate ON reads (plate, ts)")
    con.execute("CREATE INDEX r_cam ON reads (camera, ts)")
    con.commit()
    return con


SQLITE_CONVOY = """
WITH t AS (SELECT camera, ts FROM reads WHERE plate = ? AND ts >= ? AND ts < ?),
pairs AS (SELECT c.plate, c.camera, min(abs(c.ts - t.ts)) AS gap FROM t JOIN reads c
          ON c.camera = t.camera AND c.ts BETWEEN t.ts - ? AND t.ts + ? AND c.plate <> ?
          GROUP BY c.plate, c.camera)
SELECT plate, count(*) AS n, avg(gap) FROM pairs GROUP BY plate HAVING n >= ?
ORDER BY n DESC, avg(gap), plate LIMIT 51"""

SQLITE_FREQUENT = """
SELECT plate, count(DISTINCT ts / 86400000000) AS days FROM reads
WHERE camera = ? AND ts >= ? AND ts < ? GROUP BY plate HAVING days >= ?
ORDER BY days DESC, plate LIMIT 51"""

SQLITE_MULTI = """
SELECT plate FROM (SELECT DISTINCT plate, 0 AS w FROM reads WHERE camera = ? AND ts >= ? AND ts < ?
  UNION ALL SELECT DISTINCT plate, 1 FROM reads WHERE camera = ? AND ts >= ? AND ts < ?
  UNION ALL SELECT DISTINCT plate, 2 FROM reads WHERE camera = ? AND ts >= ? AND ts < ?)
GROUP BY plate HAVING count(*) = 3 ORDER BY plate LIMIT 51"""


def us(ts: datetime) -> int:
    return int(ts.timestamp() * 1_000_000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", type=int, default=1_000_000)
    ap.add_argument("--cameras", type=int, default=400)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="reuse the stores an earlier run left")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-convoy-"))
    marker = work / f"loaded-{args.reads}-{args.cameras}-{args.days}"
    if args.keep and marker.exists():
        store, lite = DuckDBStore(work / "duck"), sqlite3.connect(work / "reads.sqlite")
    else:
        tables = batches(args.reads, args.cameras, args.days)
        store = load_store(work, tables, args.cameras)
        lite = load_sqlite(work, tables)
        del tables
        marker.touch()
    store.plate_days.ensure_loaded()  # as in a running server: the convoy's target uses them
    reg = aq.Registry.load(store)
    scope = Scope({NetworkId("n"): None})
    end = START + timedelta(days=args.days)
    window = ReadFilters(START, end)
    duck_ms, rows = median_ms(lambda: aq.convoy(store, reg, "TARGET1", window, scope, delta=DELTA,
                                                 min_cameras=2, limit=51), runs=5)  # fmt: skip
    d = int(DELTA.total_seconds() * 1_000_000)
    params = ("TARGET1", us(START), us(end), d, d, "TARGET1", 2)
    lite_ms, lite_rows = median_ms(lambda: lite.execute(SQLITE_CONVOY, params).fetchall(), runs=5)
    hours = [START + timedelta(days=i, hours=8) for i in (1, 2, 3)]
    cams = ("c1", "c2", "c3")
    wins = [ReadFilters(h, h + timedelta(hours=1), frozenset({CameraId(c)}))
            for h, c in zip(hours, cams, strict=True)]  # fmt: skip
    multi_ms, _ = median_ms(lambda: aq.multi_place(store, reg, wins, scope, limit=51), runs=5)
    mparams = [v for h, c in zip(hours, cams, strict=True)
               for v in (c, us(h), us(h + timedelta(hours=1)))]  # fmt: skip
    lite_multi_ms, _ = median_ms(lambda: lite.execute(SQLITE_MULTI, mparams).fetchall(), runs=5)
    place = ReadFilters(START, end, frozenset({CameraId("c7")}))
    freq_ms, freq = median_ms(lambda: aq.frequent_visitors(store, reg, place, scope, min_days=3,
                                                           limit=51), runs=5)  # fmt: skip
    fparams = ("c7", us(START), us(end), 3)
    lite_freq_ms, lite_freq = median_ms(
        lambda: lite.execute(SQLITE_FREQUENT, fparams).fetchall(), runs=5
    )
    print(f"reads: {args.reads:,} + 350 planted; cameras {args.cameras}; days {args.days}")
    print(f"convoy (target seen 200 times, ±2 min, k=2): plateledger {duck_ms:.1f} ms "
          f"({len(rows)} plates, top {rows[0][0] if rows else '-'}), "
          f"SQLite {lite_ms:.1f} ms ({len(lite_rows)} plates)")  # fmt: skip
    print(f"multi-place (3 windows of 1 h): plateledger {multi_ms:.1f} ms, "
          f"SQLite {lite_multi_ms:.1f} ms")  # fmt: skip
    print(f"frequent visitor (one camera, {args.days} days, ≥ 3 days): plateledger "
          f"{freq_ms:.1f} ms ({len(freq)} plates), SQLite {lite_freq_ms:.1f} ms "
          f"({len(lite_freq)} plates)")  # fmt: skip
    store.close()
    lite.close()


if __name__ == "__main__":
    main()
