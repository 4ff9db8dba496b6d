"""Where a bulk load's time goes: each SQL statement of ``DuckDBStore.bulk_load``, summed.

    python bench/bench_bulk_profile.py [--reads 5000000] [--out DIR]

Generates the demo traffic of ``bench/run.py`` (``phases.generate``, untimed), bulk-loads it
into a fresh store, and prints the load's rate and the statements that took the most time (by
their first 60 characters), as the store's thread cursor ran them. The profile is of the
store's own statements; what is not listed is Python and Arrow work between them. Nothing is
asserted; the figure for issue #20's "≥ 500k reads/s" is in bench/README.md.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).parent))

from phases import batches, generate  # noqa: E402
from plateledger.demo import build_network  # noqa: E402
from plateledger.store.duckdb_store import DuckDBStore  # noqa: E402

TOP = 12


class _Timed:
    """A cursor that adds each statement's time to ``spent`` (results pass through)."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, spent: dict[str, float]) -> None:
        self._cursor = cursor
        self._spent = spent

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = self._cursor.execute(sql, *args, **kwargs)
        self._spent[" ".join(sql.split())[:60]] += time.perf_counter() - start
        return self if result is self._cursor else result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", type=int, default=5_000_000)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "bench-bulk-profile")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    network = build_network(7)
    network = dataclasses.replace(  # as bench/run.py: retention is policy's business
        network,
        agencies=tuple(dataclasses.replace(a, retention_days=None) for a in network.agencies),
    )
    parquet = args.out / f"source-{args.reads}.parquet"
    if not parquet.exists():
        generate(network, args.reads, parquet, None)
    shutil.rmtree(args.out / "store", ignore_errors=True)
    store = DuckDBStore(args.out / "store")
    try:
        store.upsert_agencies(network.agencies)
        store.upsert_networks(network.networks)
        store.upsert_cameras(network.cameras)
        spent: dict[str, float] = collections.defaultdict(float)
        own = store._cur  # noqa: SLF001 - the benchmark times the store's own cursor
        store._cur = lambda: _Timed(own(), spent)  # type: ignore  # noqa: SLF001
        start = time.perf_counter()
        total = store.bulk_load(batches(parquet))
        elapsed = time.perf_counter() - start
    finally:
        store.close()
    print(f"{total:,} reads bulk-loaded in {elapsed:.1f} s: {total / elapsed / 1000:.0f}k reads/s")
    print(f"{'statement':62} {'s':>6} {'share':>6}")
    for sql, seconds in sorted(spent.items(), key=lambda kv: -kv[1])[:TOP]:
        print(f"{sql:62} {seconds:6.1f} {seconds / elapsed:6.0%}")


if __name__ == "__main__":
    main()
