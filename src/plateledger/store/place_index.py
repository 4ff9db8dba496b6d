"""The place index: every read of the runs again, slim and ordered by (hour, camera, ts).

Why (measurements in ``bench/README.md``, issue #21): ``reads`` is sorted by plate within each
day, so a camera's hour is spread over every row group of its day. The convoy, multi-place and
frequent-visitor analyses ask "who was at these cameras at these times" — hundreds of small
(camera, time) windows for a convoy — and on ``reads`` each window scans its whole day.
``reads_place`` holds, for every read in the runs, only what those analyses and the scope need
(``PLACE_COLUMNS``), sorted by the key ``ch`` = (hour since the epoch << 32) | camera_key and
then ``ts``. A window's rows are then one contiguous stretch of one or two row groups that the
zone maps of ``ch`` find, and ``ch`` itself costs almost nothing (run-length encoded). Its cost
is the slim columns a second time (plate, time, read id: about 10 bytes a read, measured).

Rules that keep it exact (``tests/store/test_place_index.py`` checks them):

- Rows enter only in the transaction that moves them into ``reads`` (``writer.move_to_runs``:
  compaction and bulk load), so a statement sees a read either in ``reads_hot`` or here, never
  both and never neither.
- Every delete of ``reads`` goes here too (``writer.READ_TABLES``). The columns never change
  after ingest (a crop update touches none of them), and a day merge moves rows within
  ``reads`` only.
- The analyses read ``reads_place`` and ``reads_hot`` (``store.analysis_query``), never
  ``reads``, for companions and windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import duckdb

from plateledger.store.read_query import naive_utc

TABLE = "reads_place"
#: The columns the analyses and ``read_query.where_clause`` (scope, time, cameras, area) use.
PLACE_COLUMNS = "read_id, network_key, camera_key, ts, plate, lat, lon"
KEY_SQL = "(CAST(epoch_us(ts) // 3600000000 AS UBIGINT) << 32) | CAST(camera_key AS UBIGINT)"
DDL = f"""
CREATE TABLE {TABLE} (
    ch UBIGINT NOT NULL, read_id UBIGINT NOT NULL, network_key USMALLINT NOT NULL,
    camera_key UINTEGER NOT NULL, ts TIMESTAMP NOT NULL, plate VARCHAR NOT NULL,
    lat DOUBLE, lon DOUBLE)
"""
#: Above this many keys a convoy scans the target cameras instead of listing windows.
MAX_KEYS = 4096
_HOUR_US = 3_600_000_000


def copy_moved(
    con: duckdb.DuckDBPyConnection, source: str, where: str, params: Sequence[object]
) -> None:
    """Copy the rows ``writer.move_to_runs`` moves (caller's transaction, before they leave)."""
    con.execute(
        f"INSERT INTO {TABLE} SELECT {KEY_SQL}, {PLACE_COLUMNS} FROM {source} WHERE {where} "
        "ORDER BY 1, ts",
        list(params),
    )


def fill(con: duckdb.DuckDBPyConnection) -> None:
    """Build the index of a store's existing runs (its migration; caller's transaction)."""
    con.execute(DDL)
    con.execute(f"INSERT INTO {TABLE} SELECT {KEY_SQL}, {PLACE_COLUMNS} FROM reads ORDER BY 1, ts")


def hour_of(ts: datetime) -> int:
    delta = naive_utc(ts) - datetime(1970, 1, 1)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros // _HOUR_US


def keys_around(reads: Iterable[tuple[int, datetime]], delta: timedelta) -> list[int]:
    """The ``ch`` keys of every (camera key, hour) that ±``delta`` around each read touches."""
    keys: set[int] = set()
    for camera_key, ts in reads:
        for hour in range(hour_of(ts - delta), hour_of(ts + delta) + 1):
            keys.add((hour << 32) | camera_key)
    return sorted(keys)


def keys_predicate(keys: Sequence[int]) -> str:
    """``ch IN (...)`` for the keys (integers this module computed, written as literals). DuckDB
    checks each listed key against every row group's zone map, so the scan reads only the one
    or two row groups of each key (17 of 12,172 for a plate read 23 times at 100 M reads); the
    rows of those groups then meet the list in a join. Nothing else may be ANDed in as another
    list (``camera_key IN``): each list becomes its own join."""
    return f"ch IN ({', '.join(str(int(k)) for k in keys)})"


__all__ = [
    "DDL",
    "KEY_SQL",
    "MAX_KEYS",
    "PLACE_COLUMNS",
    "TABLE",
    "copy_moved",
    "fill",
    "hour_of",
    "keys_around",
    "keys_predicate",
]
