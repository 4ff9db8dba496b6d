"""The analysis model: one DuckDB table ``searches`` for imported and own rows, one table
``events`` for hotlist / sharing / user changes. Rows arrive in batches (``Batch``) through
pyarrow, so memory stays bounded whatever the input size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

SEARCH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR"),
    ("source_row", "BIGINT"),
    ("layout", "VARCHAR"),
    ("origin", "VARCHAR"),
    ("search_id", "VARCHAR"),
    ("at_utc", "TIMESTAMPTZ"),
    ("user_id", "VARCHAR"),
    ("agency", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("case_number", "VARCHAR"),
    ("case_published", "BOOLEAN"),
    ("offense_type", "VARCHAR"),
    ("network_count", "BIGINT"),
    ("camera_count", "BIGINT"),
    ("plate", "VARCHAR"),
    ("on_behalf_of", "VARCHAR"),
    ("outcome", "VARCHAR"),
    ("search_type", "VARCHAR"),
    ("frame_start", "TIMESTAMPTZ"),
    ("frame_end", "TIMESTAMPTZ"),
    ("filters", "VARCHAR"),
)
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR"),
    ("source_row", "BIGINT"),
    ("at_utc", "TIMESTAMPTZ"),
    ("user_id", "VARCHAR"),
    ("agency", "VARCHAR"),
    ("action", "VARCHAR"),
    ("entity_type", "VARCHAR"),
    ("plate", "VARCHAR"),
    ("details", "VARCHAR"),
)
_ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
}
BATCH_ROWS = 50_000
# One row per (agency, partner) of a sharing list: portal snapshots and workbook sharing sheets.
SHARING_DDL = (
    "CREATE TABLE IF NOT EXISTS sharing (source TEXT, agency TEXT, direction TEXT, "
    "partner TEXT, partner_state TEXT, partner_kind TEXT)"
)


def connect(path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    con.execute("SET TimeZone = 'UTC'").fetchall()
    con.execute("SET memory_limit = '1GB'").fetchall()
    for table, cols in (("raw_searches", SEARCH_COLUMNS), ("events", EVENT_COLUMNS)):
        body = ", ".join(f'"{n}" {t}' for n, t in cols)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})").fetchall()
    con.execute(SHARING_DDL).fetchall()
    return con


@dataclass(slots=True)
class Batch:
    """Column-wise buffer of rows for one table, flushed every ``BATCH_ROWS`` rows."""

    con: duckdb.DuckDBPyConnection
    table: str
    columns: tuple[tuple[str, str], ...]
    data: dict[str, list[Any]] = field(default_factory=dict)
    rows: int = 0

    def __post_init__(self) -> None:
        self.data = {n: [] for n, _ in self.columns}

    def add(self, row: dict[str, Any]) -> None:
        for name, values in self.data.items():
            values.append(row.get(name))
        self.rows += 1
        if len(self.data["source"]) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.data["source"]:
            return
        schema = pa.schema([(n, _ARROW[t]) for n, t in self.columns])
        table = pa.table(self.data, schema=schema)
        self.con.register("_batch", table)
        self.con.execute(f"INSERT INTO {self.table} SELECT * FROM _batch").fetchall()
        self.con.unregister("_batch")
        self.data = {n: [] for n, _ in self.columns}


def finish(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Build ``searches`` (one row per search id: an own-log row wins, as it carries the outcome;
    then a row naming the agency; then the first by file name and line) from ``raw_searches``;
    returns (rows read, duplicates dropped)."""
    con.execute("""
        CREATE OR REPLACE TABLE searches AS
        SELECT row_number() OVER (ORDER BY source, source_row) AS row_id, * FROM (
          SELECT * FROM raw_searches
          QUALIFY row_number() OVER (
            PARTITION BY coalesce(search_id, source || '#' || source_row)
            ORDER BY (origin = 'own') DESC, (agency IS NULL), source, source_row) = 1)
    """).fetchall()
    raw = _count(con, "raw_searches")
    return raw, raw - _count(con, "searches")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
