"""Exact-plate lookups on the read store: zone maps alone vs plate-day postings, same run.

    python bench/bench_lookup.py --data bench/out/plateledger [--art]

``--data`` is a data directory built by ``bench/run.py`` (keep it with ``--keep``). Times
``DuckDBStore.find_reads`` alone (no policy, no audit log; scope = every network, no retention
cut), median of interleaved warm runs over 25 plates with the median number of reads, the
heaviest plate and an absent plate, with the plate-day postings (``store.plate_days``) turned
off and on in alternation so that both see the same machine load. ``--art`` also builds
DuckDB's own ART index on ``reads(plate)`` in a copy of the store and reports its build time,
size and lookup time (the candidate docs/storage.md compares and rejects). Nothing asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))

from plateledger.store.base import ReadFilters, Scope  # noqa: E402
from plateledger.store.duckdb_store import DB_FILE, DuckDBStore  # noqa: E402

RUNS = 9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--art", action="store_true")
    args = ap.parse_args()
    if not (args.data / DB_FILE).exists():
        print(f"no store at {args.data}: run bench/run.py --keep first; skipped")
        return
    store = DuckDBStore(args.data)
    try:
        reads = store.stats().reads
        heavy, medians = _plates(store)
        started = time.perf_counter()
        store.plate_days.ensure_loaded()
        print(f"{reads:,} reads; {len(medians)} median plates; postings built in "
              f"{time.perf_counter() - started:.1f} s, {store.plate_days.nbytes() / 1e6:.1f} MB "
              "in memory")  # fmt: skip
        scope = Scope({n.id: None for n in store.networks()})
        cases = {"median plate (25 plates)": medians, "heavy plate": [heavy], "absent": ["ZZZ9Z9Z"]}
        print(f"{'lookup alone':28} {'zone maps':>12} {'postings':>12}  reads  row groups")
        for label, plates in cases.items():
            off, on, n = _compare(store, plates, scope)
            groups = _row_groups(store, plates[0], scope)
            print(f"{label:28} {off:9.2f} ms {on:9.2f} ms  {n:5}  {groups}")
    finally:
        store.close()
    if args.art:
        _art(args.data, medians, heavy, reads)


def _plates(store: DuckDBStore) -> tuple[str, list[str]]:
    heavy = store.execute("SELECT plate FROM reads GROUP BY plate ORDER BY count(*) DESC LIMIT 1")
    medians = store.execute(
        "WITH c AS (SELECT plate, count(*) n FROM reads GROUP BY plate) SELECT plate FROM c "
        "WHERE n = (SELECT median(n)::INT FROM c) ORDER BY hash(plate) LIMIT 25"
    )
    return str(heavy[0][0]), [str(r[0]) for r in medians]


def _compare(store: DuckDBStore, plates: list[str], scope: Scope) -> tuple[float, float, int]:
    off: list[float] = []
    on: list[float] = []
    found = 0
    for plate in plates:
        for run in range(RUNS + 1):
            for enabled, samples in ((False, off), (True, on)):
                store.plate_days.enabled = enabled
                start = time.perf_counter()
                hits = store.find_reads([plate], ReadFilters(), scope, limit=1000)
                if run:  # the first round warms up
                    samples.append((time.perf_counter() - start) * 1000)
            found = max(found, len(hits))
    store.plate_days.enabled = True
    return statistics.median(off), statistics.median(on), found


def _row_groups(store: DuckDBStore, plate: str, scope: Scope) -> str:
    """Row groups of ``reads`` DuckDB scans for one plate, without and with the postings."""
    out = []
    for enabled in (False, True):
        store.plate_days.enabled = enabled
        with store.plate_days.lock.shared():
            where, days = store._runs_clause("plate = ?", [plate])  # noqa: SLF001
            plan = store.execute(
                f"EXPLAIN ANALYZE SELECT * FROM reads WHERE {where}", [plate, *days]
            )
        text = "".join(str(r[1]) for r in plan)
        marker = text.split("Row Groups Scanned:")
        out.append(marker[1].split("│")[0].strip() if len(marker) > 1 else "none")
    store.plate_days.enabled = True
    return " → ".join(out)


def _art(data: Path, medians: list[str], heavy: str, reads: int) -> None:
    with tempfile.TemporaryDirectory(dir=data.parent) as tmp:
        copy = Path(tmp) / DB_FILE
        shutil.copy(data / DB_FILE, copy)
        before = os.path.getsize(copy)
        con = duckdb.connect()
        con.execute(f"ATTACH '{copy}' AS pl")
        con.execute("USE pl")
        start = time.perf_counter()
        con.execute("CREATE INDEX reads_plate ON reads(plate)")
        con.execute("CHECKPOINT")
        built = time.perf_counter() - start
        grown = (os.path.getsize(copy) - before) / max(reads, 1)
        samples = []
        for plate in [*medians, heavy]:
            for run in range(RUNS + 1):
                start = time.perf_counter()
                con.execute("SELECT * FROM reads WHERE plate = ?", [plate]).fetchall()
                if run:
                    samples.append((time.perf_counter() - start) * 1000)
        con.close()
        print(f"ART index on reads(plate): built in {built:.1f} s, +{grown:.1f} B/read on disk, "
              f"bare lookup median {statistics.median(samples):.2f} ms (all plates)")  # fmt: skip


if __name__ == "__main__":
    main()
