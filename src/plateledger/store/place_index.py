"""The place index: every read of the runs again, slim and ordered by (hour, camera, ts).

Why (measurements in ``bench/README.md``, issue #21): ``reads`` is sorted by plate within each
day, so a camera's hour is spread over every row group of its day. The convoy, multi-place and
frequent-visitor analyses ask "who was at these cameras at these times" — hundreds of small
(camera, time) windows for a convoy — and on ``reads`` each window scans its whole day.
``reads_place`` holds, for every read in the runs, only what those analyses and the scope need
(``PLACE_COLUMNS``; the plate as its id in ``plate_dict``), sorted by the key ``ch`` = (hour
since the epoch << 32) | camera_key and then ``ts``. A window's rows are then one contiguous
stretch of one or two row groups that the zone maps of ``ch`` find, and ``ch`` itself costs
almost nothing (run-length encoded). Its cost is the slim columns a second time (time, read id,
plate id; measured in ``docs/storage.md``).

Rules that keep it exact (``tests/store/test_place_index.py`` checks them):

- Rows enter only in the transaction that moves them into ``reads`` (``writer.move_to_runs``:
  compaction and bulk load), so a statement sees a read either in ``reads_hot`` or here, never
  both and never neither.
- Every delete of ``reads`` goes here too (``writer.READ_TABLES``). The columns never change
  after ingest (a crop update touches none of them), and a day merge moves rows within
  ``reads`` only.
- A plate's id (``plate_dict.pid``) is given when its first read enters ``reads`` (the next
  free id) and dropped with its last read (``writer.prune_plate_dict``), when its index rows
  are gone too; an id is therefore never shared by two plates that both have index rows.
- The analyses read ``reads_place`` joined to ``plate_dict`` (``WITH_PLATES``) and
  ``reads_hot`` (``store.analysis_query``), never ``reads``, for companions and windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import duckdb

from plateledger.store.read_query import naive_utc

TABLE = "reads_place"
#: The index's columns after the key; ``pid`` is the plate's id in ``plate_dict``.
PLACE_COLUMNS = "read_id, network_key, camera_key, ts, pid, lat, lon"
#: The index with each plate's text: what the analyses and ``where_clause`` (scope, time,
#: cameras, area) read. ``plate_dict`` holds every plate of ``reads``, so no row is lost.
WITH_PLATES = f"{TABLE} JOIN plate_dict USING (pid)"
KEY_SQL = "(CAST(epoch_us(ts) // 3600000000 AS UBIGINT) << 32) | CAST(camera_key AS UBIGINT)"
DDL = f"""
CREATE TABLE {TABLE} (
    ch UBIGINT NOT NULL, read_id UBIGINT NOT NULL, network_key USMALLINT NOT NULL,
    camera_key UINTEGER NOT NULL, ts TIMESTAMP NOT NULL, pid UINTEGER NOT NULL,
    lat DOUBLE, lon DOUBLE)
"""
_SELECT = (
    f"SELECT {KEY_SQL}, s.read_id, s.network_key, s.camera_key, s.ts, d.pid, s.lat, s.lon "
    "FROM ({rows}) s JOIN plate_dict d ON d.plate = s.plate ORDER BY 1, s.ts"
)
#: Above this many keys a convoy scans the target cameras instead of listing windows.
MAX_KEYS = 4096
_HOUR_US = 3_600_000_000


def copy_moved(
    con: duckdb.DuckDBPyConnection, source: str, where: str, params: Sequence[object]
) -> None:
    """Copy the rows ``writer.move_to_runs`` moves (caller's transaction, before they leave, after
    their plates have ids in ``plate_dict``)."""
    rows = f"SELECT * FROM {source} WHERE {where}"
    con.execute(f"INSERT INTO {TABLE} {_SELECT.format(rows=rows)}", list(params))


def fill(con: duckdb.DuckDBPyConnection) -> None:
    """Give ``plate_dict``'s plates ids and index a store's existing runs (its migration, in the
    caller's transaction)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE plate_ids AS SELECT plate, "
        "CAST(row_number() OVER (ORDER BY plate) AS UINTEGER) AS pid FROM plate_dict"
    )
    con.execute("DROP TABLE plate_dict")
    con.execute("CREATE TABLE plate_dict (plate VARCHAR NOT NULL, pid UINTEGER NOT NULL)")
    con.execute("INSERT INTO plate_dict SELECT plate, pid FROM temp.main.plate_ids")
    con.execute("DROP TABLE temp.main.plate_ids")
    con.execute(DDL)
    con.execute(f"INSERT INTO {TABLE} {_SELECT.format(rows='SELECT * FROM reads')}")


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
    "WITH_PLATES",
    "copy_moved",
    "fill",
    "hour_of",
    "keys_around",
    "keys_predicate",
]
