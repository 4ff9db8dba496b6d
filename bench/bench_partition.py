"""What a lookup on ``reads`` costs per row group of the table, and what splitting the runs into
plate-hash tables would save: the candidate of docs/storage.md "Where an exact lookup's time
goes".

    python bench/bench_partition.py --data bench/out/plateledger [--buckets 16] [--scratch DIR]
                                    [--row-groups 122880]

``--data`` is a data directory kept by ``bench/run.py --keep``. The store is attached read-only;
the candidate is built in a scratch DuckDB file (deleted afterwards): the rows of ``reads`` in
their stored order (day runs sorted by plate), split into ``--buckets`` tables by a hash of the
plate, with the store's row-group size. Then, alternating in one run so that both see the same
load, the same bare SQL (``SELECT * ... WHERE plate = ?``, no policy, no postings) on ``reads``
and on the plate's bucket, for 25 plates with the median number of reads, the heaviest plate and
an absent one; and ``rowid = ?`` (one row group read) on each, which is the per-query floor. The
profile's row-group counts come from DuckDB's ``EXPLAIN ANALYZE``. ``--row-groups`` also times
the same rows, in one table, with larger row groups (the other way to a lower floor). Nothing is
asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

DB_FILE = "plateledger.duckdb"
ROW_GROUP_SIZE = 8192  # store.duckdb_store.ROW_GROUP_SIZE
RUNS = 9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--buckets", type=int, default=16)
    ap.add_argument("--scratch", type=Path, default=None, help="folder for the candidate's file")
    ap.add_argument("--row-groups", type=int, default=122_880,
                    help="also copy reads with this many rows per row group (0: no)")  # fmt: skip
    args = ap.parse_args()
    if not (args.data / DB_FILE).exists():
        print(f"no store at {args.data}: run bench/run.py --keep first; skipped")
        return
    with tempfile.TemporaryDirectory(dir=args.scratch or args.data.parent) as tmp:
        con = duckdb.connect()
        con.execute(f"ATTACH '{args.data / DB_FILE}' AS src (READ_ONLY)")
        cand = Path(tmp) / "cand.duckdb"
        con.execute(f"ATTACH '{cand}' AS cand (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        con.execute("SET preserve_insertion_order = true")
        reads = con.execute("SELECT count(*) FROM src.reads").fetchone()[0]  # type: ignore[index]
        started = time.perf_counter()
        for b in range(args.buckets):
            con.execute(
                f"CREATE TABLE cand.reads_{b} AS SELECT * FROM src.reads "
                f"WHERE hash(plate) % {args.buckets} = {b} ORDER BY rowid"
            )
        if args.row_groups:
            con.execute(f"ATTACH '{Path(tmp) / 'big.duckdb'}' AS big "
                        f"(ROW_GROUP_SIZE {args.row_groups})")  # fmt: skip
            con.execute("CREATE TABLE big.reads AS SELECT * FROM src.reads ORDER BY rowid")
            con.execute("CHECKPOINT big")
        con.execute("CHECKPOINT cand")
        whole_groups, bucket_groups = _groups(con, "src", "reads"), _groups(con, "cand", "reads_0")
        print(f"{reads:,} reads split into {args.buckets} plate-hash tables in "
              f"{time.perf_counter() - started:.0f} s; row groups: reads {whole_groups}, "
              f"one bucket {bucket_groups}")  # fmt: skip
        heavy, medians = _plates(con)
        print(f"{'bare SQL, median of runs':32} {'reads':>10} {'bucket':>10}  rows  "
              "row groups read")  # fmt: skip
        cases: dict[str, list[str]] = {
            "median plate (25 plates)": medians, "heavy plate": [heavy], "absent": ["ZZZ9Z9Z"],
        }  # fmt: skip
        for label, plates in cases.items():
            whole, part, rows = _compare(con, plates, args.buckets)
            print(f"{label:32} {whole:7.2f} ms {part:7.2f} ms  {rows:4}  "
                  f"{_scanned(con, 'src.reads', plates[0])} → "
                  f"{_scanned(con, _bucket(con, plates[0], args.buckets), plates[0])}")  # fmt: skip
        floor_whole = _time(con, "SELECT * FROM src.reads WHERE rowid = 5000", [])
        floor_part = _time(con, "SELECT * FROM cand.reads_0 WHERE rowid = 5000", [])
        print(f"{'rowid = ? (one row group read)':32} {floor_whole:7.2f} ms {floor_part:7.2f} ms")
        if args.row_groups:
            whole = _time_all(con, "src.reads", medians)
            big = _time_all(con, "big.reads", medians)
            floor = _time(con, "SELECT * FROM big.reads WHERE rowid = 5000", [])
            print(f"the same rows with {args.row_groups:,}-row groups "
                  f"({_groups(con, 'big', 'reads')} row groups): median plate {big:.2f} ms "
                  f"(reads {whole:.2f} ms, one after the other); "
                  f"rowid = ? {floor:.2f} ms")  # fmt: skip
        con.close()


def _groups(con: duckdb.DuckDBPyConnection, db: str, table: str) -> int:
    row = con.execute(
        f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{db}.{table}')"
    ).fetchone()
    return int(row[0]) if row else 0


def _plates(con: duckdb.DuckDBPyConnection) -> tuple[str, list[str]]:
    heavy = con.execute("SELECT plate FROM src.reads GROUP BY plate ORDER BY count(*) DESC LIMIT 1")
    medians = con.execute(
        "WITH c AS (SELECT plate, count(*) n FROM src.reads GROUP BY plate) SELECT plate FROM c "
        "WHERE n = (SELECT median(n)::INT FROM c) ORDER BY hash(plate) LIMIT 25"
    )
    return str(heavy.fetchone()[0]), [str(r[0]) for r in medians.fetchall()]  # type: ignore[index]


def _bucket(con: duckdb.DuckDBPyConnection, plate: str, buckets: int) -> str:
    row = con.execute(f"SELECT hash(?) % {buckets}", [plate]).fetchone()
    return f"cand.reads_{int(row[0])}" if row else "cand.reads_0"


def _time(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> float:
    samples = []
    for run in range(RUNS + 1):
        start = time.perf_counter()
        con.execute(sql, params).fetchall()
        if run:
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _time_all(con: duckdb.DuckDBPyConnection, table: str, plates: list[str]) -> float:
    return statistics.median(
        _time(con, f"SELECT * FROM {table} WHERE plate = ?", [plate]) for plate in plates
    )


def _compare(
    con: duckdb.DuckDBPyConnection, plates: list[str], buckets: int
) -> tuple[float, float, int]:
    whole: list[float] = []
    part: list[float] = []
    rows = 0
    for plate in plates:
        table = _bucket(con, plate, buckets)
        for run in range(RUNS + 1):
            for sql, samples in (("SELECT * FROM src.reads WHERE plate = ?", whole),
                                 (f"SELECT * FROM {table} WHERE plate = ?", part)):  # fmt: skip
                start = time.perf_counter()
                got = con.execute(sql, [plate]).fetchall()
                if run:
                    samples.append((time.perf_counter() - start) * 1000)
                rows = max(rows, len(got))
    return statistics.median(whole), statistics.median(part), rows


def _scanned(con: duckdb.DuckDBPyConnection, table: str, plate: str) -> str:
    plan = con.execute(f"EXPLAIN ANALYZE SELECT * FROM {table} WHERE plate = ?", [plate])
    text = "".join(str(r[1]) for r in plan.fetchall())
    marker = text.split("Row Groups Scanned:")
    return marker[1].split("│")[0].strip() if len(marker) > 1 else "?"


if __name__ == "__main__":
    main()
