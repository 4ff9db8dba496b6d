"""Parquet exchange in the Hive layout ``owner=<agency>/day=<YYYY-MM-DD>/*.parquet``.

Rows are sorted by (plate, ts) inside each file, zstd-compressed, with row-group statistics, so
DuckDB and Spark can both prune on plate and time. Columns are the ingest schema plus
``read_id``, ``network_id`` and ``owner``: an export re-imports into any plateledger store.
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from plateledger.errors import ValidationError
from plateledger.store.read_query import CONF_SCALE
from plateledger.store.schema import INGEST_SCHEMA
from plateledger.store.writer import DB_ALIAS

PLATES_DIR = "_plates"
ROW_GROUP_ROWS = 100_000


def _f32(column: str) -> str:
    return f"CAST({column} / {CONF_SCALE} AS FLOAT)"


EXPORT_SELECT = f"""
SELECT CAST(r.read_id AS BIGINT) AS read_id, n.agency_id AS owner, n.id AS network_id,
       c.id AS camera_id,
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


def export_parquet(
    con: duckdb.DuckDBPyConnection, out_dir: Path, days: Sequence[date] | None = None
) -> int:
    """Write every read to ``out_dir`` in the Hive layout, plus the per-day plate dictionary
    ``_plates/day=<YYYY-MM-DD>/plates.parquet`` (distinct plate, owner; sorted by plate), which
    the Spark planner uses to open only the owners' files a plate occurs in. Returns the number
    of reads. Partitions of an earlier export in ``out_dir`` are replaced.

    With ``days``, only those days are written (after a compaction): each is written aside,
    then swapped in partition by partition, so readers see the old or the new day's files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if days is not None:
        return _export_days(con, out_dir, sorted({d.isoformat() for d in days}))
    for old in [*out_dir.glob("owner=*"), out_dir / PLATES_DIR]:
        if old.is_dir():
            shutil.rmtree(old)
    return _export_into(con, out_dir, "", [])


def _export_into(
    con: duckdb.DuckDBPyConnection, out_dir: Path, where: str, params: list[object]
) -> int:
    # DuckDB's partitioned COPY does not keep the ORDER BY inside each file, so the sorted
    # stream is cut into partitions here: one file per (owner, day), rows in (plate, ts) order.
    cur = con.cursor()  # its own cursor: the caller's may hold an unfinished result
    try:
        cur.execute(f"USE {DB_ALIAS}")
        query = f"SELECT * FROM ({EXPORT_SELECT}) {where} ORDER BY owner, day, plate, ts, read_id"
        reader = cur.sql(query, params=params or None).to_arrow_reader(ROW_GROUP_ROWS)
        total = write_partitions(reader, out_dir, ("owner", "day"))
        plates = cur.sql(
            f"SELECT DISTINCT day, plate, owner FROM ({EXPORT_SELECT}) {where} "
            "ORDER BY day, plate, owner", params=params or None,
        ).to_arrow_reader(ROW_GROUP_ROWS)  # fmt: skip
        write_partitions(plates, out_dir / PLATES_DIR, ("day",), "plates.parquet")
    finally:
        cur.close()
    return total


def _export_days(con: duckdb.DuckDBPyConnection, out_dir: Path, days: list[str]) -> int:
    if not days:
        return 0
    staging = out_dir / f".staging-{uuid.uuid4().hex}"
    try:
        marks = ", ".join("?" for _ in days)
        total = _export_into(con, staging, f"WHERE day IN ({marks})", list(days))
        for day in days:  # the days' old partitions go, the new ones come in
            for old in [*out_dir.glob(f"owner=*/day={day}"), out_dir / PLATES_DIR / f"day={day}"]:
                if old.is_dir():
                    shutil.rmtree(old)
        for new in sorted(staging.glob("owner=*/day=*")) + sorted(
            staging.glob(f"{PLATES_DIR}/day=*")
        ):
            target = out_dir / new.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            new.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return total


def write_partitions(
    batches: Iterable[pa.RecordBatch],
    out_dir: Path,
    keys: Sequence[str],
    file_name: str = "data_0.parquet",
) -> int:
    """Write a stream sorted by ``keys`` as ``k1=v1/k2=v2/<file_name>`` (zstd, row-group
    statistics, ``ROW_GROUP_ROWS``-row groups); the key columns live in the path only."""
    writer: pq.ParquetWriter | None = None
    current: tuple[str, ...] | None = None
    total = 0
    try:
        for batch in batches:
            total += batch.num_rows
            for key, part in _runs(batch, keys):
                if key != current:
                    if writer is not None:
                        writer.close()
                    target = out_dir.joinpath(
                        *(f"{k}={quote(v, safe='')}" for k, v in zip(keys, key, strict=True))
                    )
                    target.mkdir(parents=True, exist_ok=True)
                    writer = pq.ParquetWriter(target / file_name, part.schema, compression="zstd",
                                              write_statistics=True)  # fmt: skip
                    current = key
                assert writer is not None
                writer.write_batch(part, row_group_size=ROW_GROUP_ROWS)
    finally:
        if writer is not None:
            writer.close()
    return total


def _runs(
    batch: pa.RecordBatch, keys: Sequence[str]
) -> Iterator[tuple[tuple[str, ...], pa.RecordBatch]]:
    """Consecutive stretches of equal key values in a key-sorted batch, key columns dropped."""
    if batch.num_rows == 0:
        return
    cols = [pc.cast(batch.column(k), pa.string()) for k in keys]
    joined = cols[0] if len(cols) == 1 else pc.binary_join_element_wise(*cols, "\x00")
    change = pc.not_equal(joined[1:], joined[:-1])
    starts = [0, *(int(i) + 1 for i in pc.indices_nonzero(change).to_pylist()), batch.num_rows]
    data = batch.select([n for n in batch.schema.names if n not in keys])
    for lo, hi in itertools.pairwise(starts):
        key = tuple(str(c[lo].as_py()) for c in cols)
        yield key, data.slice(lo, hi - lo)


def import_parquet_tables(
    con: duckdb.DuckDBPyConnection, path: Path, batch_rows: int = 1_000_000
) -> Iterator[pa.Table]:
    """Stream the reads of a Parquet file or Hive directory as ingest-schema batches."""
    if not path.exists():
        raise ValidationError(f"no such file or directory: {path}", {"file": str(path)})
    pattern = str(path)
    if path.is_dir():  # the reads of a lake (not its plate dictionary), or any Parquet below
        lake = any(path.glob("owner=*"))
        pattern = (
            str(path / "owner=*" / "day=*" / "*.parquet")
            if lake
            else str(path / "**" / "*.parquet")
        )
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
