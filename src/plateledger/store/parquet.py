"""Parquet exchange in the Hive layout ``owner=<agency>/day=<YYYY-MM-DD>/*.parquet``.

Rows are sorted by (plate, ts) inside each file, zstd-compressed, with row-group statistics, so
DuckDB and Spark can both prune on plate and time. Columns are the ingest schema plus
``read_id``, ``network_id`` and ``owner``: an export re-imports into any plateledger store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from plateledger.errors import ValidationError
from plateledger.store.read_query import CONF_SCALE
from plateledger.store.schema import INGEST_SCHEMA


def _f32(column: str) -> str:
    return f"CAST({column} / {CONF_SCALE} AS FLOAT)"


EXPORT_SELECT = f"""
SELECT r.read_id, n.agency_id AS owner, n.id AS network_id, c.id AS camera_id,
       r.ts AT TIME ZONE 'UTC' AS ts, r.plate, coalesce(r.plate_raw, r.plate) AS plate_raw,
       r.plate_state, {_f32("r.state_conf")} AS state_confidence, {_f32("r.conf")} AS confidence,
       list_transform(r.candidates, lambda x: {{'plate': x.plate, 'confidence': {_f32("x.conf")}}})
           AS candidates,
       r.color, {_f32("r.color_conf")} AS color_confidence, r.vtype AS vehicle_type,
       {_f32("r.vtype_conf")} AS type_confidence, r.make, {_f32("r.make_conf")} AS make_confidence,
       r.crop_ref, r.engine, r.lat, r.lon, strftime(r.ts, '%Y-%m-%d') AS day
FROM (SELECT * FROM reads UNION ALL SELECT * FROM reads_hot) r
JOIN networks n ON n.key = r.network_key
JOIN cameras c ON c.key = r.camera_key
"""


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path) -> int:
    """Write every read to ``out_dir`` in the Hive layout; returns the number of reads."""
    out_dir.mkdir(parents=True, exist_ok=True)
    row = con.execute("SELECT count(*) FROM reads").fetchone()
    hot = con.execute("SELECT count(*) FROM reads_hot").fetchone()
    total = (int(row[0]) if row else 0) + (int(hot[0]) if hot else 0)
    target = str(out_dir).replace("'", "''")
    con.execute(
        f"COPY (SELECT * FROM ({EXPORT_SELECT}) ORDER BY owner, day, plate, ts) TO '{target}' "
        "(FORMAT parquet, PARTITION_BY (owner, day), COMPRESSION zstd, "
        "ROW_GROUP_SIZE 100000, OVERWRITE_OR_IGNORE true)"
    )
    return total


def import_parquet_tables(
    con: duckdb.DuckDBPyConnection, path: Path, batch_rows: int = 1_000_000
) -> Iterator[pa.Table]:
    """Stream the reads of a Parquet file or Hive directory as ingest-schema batches."""
    if not path.exists():
        raise ValidationError(f"no such file or directory: {path}", {"file": str(path)})
    pattern = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
    try:
        relation = con.read_parquet(pattern, hive_partitioning=path.is_dir())
    except duckdb.Error as exc:
        raise ValidationError(
            f"{path}: not a readable Parquet file: {exc}", {"file": str(path)}
        ) from None
    missing = [n for n in ("camera_id", "ts", "plate") if n not in relation.columns]
    if missing:
        raise ValidationError(
            f"{path}: missing required column(s) {', '.join(missing)}",
            {"file": str(path), "missing": missing},
        )
    select = ", ".join(
        f'"{f.name}"' if f.name in relation.columns else f"NULL AS {f.name}" for f in INGEST_SCHEMA
    )
    reader = relation.project(select).to_arrow_reader(batch_rows)
    for batch in reader:
        yield pa.Table.from_batches([batch]).cast(INGEST_SCHEMA)
