"""Appends, compaction, day merges and purges on the DuckDB read tables.

Write path: ``append`` inserts a batch into ``reads_hot`` (arrival order) in one transaction; the
batch is durable when DuckDB's commit returns (write-ahead log). ``compact`` moves hot rows into
``reads`` as one sorted run per day — ordered by (plate, ts) — so that plate predicates prune
to a few small row groups per run. When a day has accumulated several runs, ``merge_day``
rewrites it as one run; the old rows are deleted and their row groups freed at checkpoint.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa

from plateledger.errors import ValidationError
from plateledger.store import place_index
from plateledger.store.read_query import CONF_SCALE, naive_utc

MERGE_AFTER_RUNS = 8
DB_ALIAS = "pl"
COPY_TABLE = "reads_cam"  # the camera projection (camera_days): a copy of reads' newest days
ROW_TABLES = ("reads", "reads_hot", COPY_TABLE)  # whole rows: every update goes to all three
#: Every delete goes to all four: the whole-row tables and the slim place index.
READ_TABLES = (*ROW_TABLES, place_index.TABLE)
_COPIES = (COPY_TABLE, place_index.TABLE)  # a read in a copy is counted once, in reads


def _u8(column: str) -> str:
    return f"CAST(round({column} * {CONF_SCALE}) AS UTINYINT)"


INSERT_FROM_INCOMING = f"""
INSERT INTO __TARGET__
SELECT i.read_id, n.key, c.key, i.ts, i.plate,
       CASE WHEN i.plate_raw = i.plate THEN NULL ELSE i.plate_raw END,
       i.plate_state, {_u8("i.state_confidence")}, {_u8("i.confidence")},
       list_transform(i.candidates, lambda x: {{'plate': x.plate, 'conf': {_u8("x.confidence")}}}),
       i.color, {_u8("i.color_confidence")}, i.vehicle_type, {_u8("i.type_confidence")},
       i.make, {_u8("i.make_confidence")}, i.crop_ref, i.engine, i.lat, i.lon
FROM incoming i
JOIN cameras c ON c.id = i.camera_id
JOIN networks n ON n.id = c.network_id
"""


def prepare_incoming(table: pa.Table, first_id: int) -> pa.Table:
    """Add read ids and drop the time zone (the store keeps naive UTC)."""
    ts = table.column("ts").cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
    ids = pa.array(np.arange(first_id, first_id + table.num_rows, dtype=np.uint64))
    table = table.set_column(table.schema.get_field_index("ts"), "ts", ts)
    return table.append_column("read_id", ids)


def check_cameras(con: duckdb.DuckDBPyConnection) -> None:
    unknown = con.execute(
        "SELECT DISTINCT i.camera_id FROM incoming i ANTI JOIN cameras c ON c.id = i.camera_id "
        "ORDER BY 1 LIMIT 20"
    ).fetchall()
    if unknown:
        names = ", ".join(str(r[0]) for r in unknown)
        raise ValidationError(
            f"unknown camera_id: {names}",
            {"field": "camera_id", "unknown": [r[0] for r in unknown]},
        )


def insert_batch(
    con: duckdb.DuckDBPyConnection, table: pa.Table, first_id: int, target: str = "reads_hot"
) -> None:
    """Insert one batch into ``target`` (reads_hot, or the bulk stage) in the caller's
    transaction."""
    incoming = prepare_incoming(table, first_id)
    con.register("incoming", incoming)  # re-registering replaces a view left by a failure
    check_cameras(con)
    con.execute(INSERT_FROM_INCOMING.replace("__TARGET__", target))
    con.unregister("incoming")


NoteDays = Callable[[pa.Table], None]
CopyMoved = Callable[[duckdb.DuckDBPyConnection, str, str, list[object], list[date]], None]


def compact_hot(
    con: duckdb.DuckDBPyConnection, upto_id: int, note: NoteDays | None = None,
    copy: CopyMoved | None = None,
) -> tuple[int, list[date]]:  # fmt: skip
    """Move hot rows with read_id <= upto_id into sorted runs. Caller holds the transaction."""
    return move_to_runs(con, "reads_hot", "read_id <= ?", [upto_id], note, copy)


def move_to_runs(
    con: duckdb.DuckDBPyConnection, source: str, where: str, params: list[object],
    note: NoteDays | None = None, copy: CopyMoved | None = None,
) -> tuple[int, list[date]]:  # fmt: skip
    """Move ``source`` rows matching ``where`` into ``reads`` as one run per day, sorted by
    (plate, ts); record the runs and the new plates. ``note`` gets the (day, plate) pairs
    *before* the rows move (the in-memory postings, ``store.plate_days``); ``copy`` copies them
    into the camera projection once they are in ``reads`` (``store.camera_days``); the place
    index (``store.place_index``) gets them too. Caller holds the transaction."""
    pairs = arrow_of(
        con, f"SELECT DISTINCT CAST(ts AS DATE) AS day, plate FROM {source} WHERE {where}", params
    )
    if pairs.num_rows == 0:
        return 0, []
    days = sorted(set(pairs.column("day").unique().to_pylist()))
    if note is not None:
        note(pairs)
    con.execute(
        f"INSERT INTO reads SELECT * FROM {source} WHERE {where} "
        "ORDER BY CAST(ts AS DATE), plate, ts",
        params,
    )
    if copy is not None:
        copy(con, source, where, params, days)
    con.execute(
        f"INSERT INTO runs SELECT CAST(ts AS DATE), count(*), now() FROM {source} "
        f"WHERE {where} GROUP BY 1",
        params,
    )
    con.execute(  # new plates get the next ids (the place index stores ids, not text)
        "INSERT INTO plate_dict SELECT plate, CAST((SELECT coalesce(max(pid), 0) FROM plate_dict)"
        " + row_number() OVER (ORDER BY plate) AS UINTEGER) FROM (SELECT DISTINCT h.plate "
        f"FROM {source} h ANTI JOIN plate_dict p ON p.plate = h.plate WHERE {where})",
        params,
    )
    place_index.copy_moved(con, source, where, params)
    moved = con.execute(f"DELETE FROM {source} WHERE {where}", params).fetchone()
    return (int(moved[0]) if moved else 0), days


def arrow_of(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]) -> pa.Table:
    """A query's rows as Arrow on ``con`` itself (inside its transaction; ``con.sql`` would
    refuse while an earlier result is open). DuckDB's warning that this copies is silenced
    once, for the module (``catch_warnings`` is not thread-safe): the tables are small."""
    return con.execute(sql, list(params)).to_arrow_table()


warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)


def days_to_merge(con: duckdb.DuckDBPyConnection, min_runs: int = MERGE_AFTER_RUNS) -> list[date]:
    rows = con.execute(
        "SELECT day FROM runs GROUP BY day HAVING count(*) >= ? ORDER BY day", [min_runs]
    ).fetchall()
    return [r[0] for r in rows]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day)
    return start, start + timedelta(days=1)


def merge_day(con: duckdb.DuckDBPyConnection, day: date) -> int:
    """Rewrite one day's runs as one run sorted by (plate, ts). Caller holds the transaction."""
    start, end = day_bounds(day)
    row = con.execute("SELECT max(rowid) FROM reads").fetchone()
    last_rowid = row[0] if row and row[0] is not None else -1
    con.execute(
        "INSERT INTO reads SELECT * FROM reads WHERE ts >= ? AND ts < ? ORDER BY plate, ts",
        [start, end],
    )
    con.execute(
        "DELETE FROM reads WHERE ts >= ? AND ts < ? AND rowid <= ?", [start, end, last_rowid]
    )
    count_row = con.execute(
        "SELECT count(*) FROM reads WHERE ts >= ? AND ts < ?", [start, end]
    ).fetchone()
    count = int(count_row[0]) if count_row else 0
    con.execute("DELETE FROM runs WHERE day = ?", [day])
    if count:
        con.execute("INSERT INTO runs VALUES (?, ?, now())", [day, count])
    return count


def delete_day(con: duckdb.DuckDBPyConnection, day: date, network_keys: list[int] | None) -> int:
    """Delete one day's reads (optionally of some networks only). Caller holds the transaction."""
    start, end = day_bounds(day)
    where = "ts >= ? AND ts < ? AND read_id NOT IN (SELECT read_id FROM legal_holds)"
    params: list[object] = [start, end]
    if network_keys is not None:
        where += f" AND network_key IN ({', '.join(str(k) for k in network_keys)})"
    total = 0
    for table in READ_TABLES:
        row = con.execute(f"DELETE FROM {table} WHERE {where}", params).fetchone()
        total += int(row[0]) if row and table not in _COPIES else 0  # the copy counts once
    if network_keys is None and total:
        con.execute("DELETE FROM runs WHERE day = ?", [day])
    return total


def delete_before(con: duckdb.DuckDBPyConnection, cutoff: datetime, network_keys: list[int]) -> int:
    """Row-delete reads older than ``cutoff`` of some networks (within a day: no blocks free
    up until that day is purged or merged). Legal holds are kept."""
    where = (
        f"ts < ? AND network_key IN ({', '.join(str(k) for k in network_keys)}) "
        "AND read_id NOT IN (SELECT read_id FROM legal_holds)"
    )
    total = 0
    for table in READ_TABLES:
        row = con.execute(f"DELETE FROM {table} WHERE {where}", [cutoff]).fetchone()
        total += int(row[0]) if row and table not in _COPIES else 0
    return total


def prune_plate_dict(con: duckdb.DuckDBPyConnection) -> None:
    """Drop dictionary plates that no longer have any read (after a purge)."""
    con.execute(
        "DELETE FROM plate_dict WHERE plate NOT IN "
        "(SELECT plate FROM reads UNION ALL SELECT plate FROM reads_hot)"
    )


def used_bytes(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT block_size, used_blocks FROM pragma_database_size() WHERE database_name = ?",
        [DB_ALIAS],
    ).fetchone()
    return int(row[0]) * int(row[1]) if row else 0


def timed() -> float:
    return time.perf_counter()


def naive(ts: datetime) -> datetime:
    return naive_utc(ts)


def aware(ts: datetime | None) -> datetime | None:
    return None if ts is None else ts.replace(tzinfo=UTC)
