"""`make bench`: plateledger's read store and search path next to SQLite on the same data.

Usage: python bench/run.py --reads 100000000 [--shared-data ../shared/data] [--out bench/out]

Phases: generate the demo traffic into Parquet (untimed) → bulk load both engines → queries
(median of 7 warm runs) → steady 10k-batch ingest → API ingest over HTTP → purge of the oldest
day → bytes per read. Prints each figure next to SQLite with B-tree indexes on (plate, ts) and
(camera_id, ts), and writes bench/out/results.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

from phases import (  # noqa: E402
    api_ingest,
    bulk_load,
    generate,
    open_platform,
    pick_params,
    purge_and_size,
    queries,
    steady_ingest,
)
from plateledger.demo import build_network  # noqa: E402
from sqlite_baseline import NoBaseline, SqliteBaseline  # noqa: E402
from timing import Report  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", type=int, default=100_000_000)
    ap.add_argument("--out", type=Path, default=Path("bench/out"))
    ap.add_argument("--shared-data", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="reuse data and stores of a former run")
    ap.add_argument("--no-baseline", action="store_true", help="skip SQLite (its column is 0)")
    ap.add_argument(
        "--phases",
        default="queries,steady,purge,api",
        help="comma-separated subset of queries,steady,purge,api",
    )
    args = ap.parse_args()
    out: Path = args.out
    if out.exists() and not args.keep:
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    network = build_network(7)
    # Retention is policy's business; the benchmark measures storage on all 30 days.
    network = dataclasses.replace(
        network,
        agencies=tuple(dataclasses.replace(a, retention_days=None) for a in network.agencies),
    )
    report = Report()
    print(f"plateledger benchmark: {args.reads:,} reads (2 cores); baseline SQLite B-tree")
    parquet = out / "source.parquet"
    reuse = (
        args.keep and parquet.exists() and pq.ParquetFile(parquet).metadata.num_rows == args.reads
    )
    if not reuse:
        for stale in (out / "plateledger", out / "sqlite.db"):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(True)
        generate(network, args.reads, parquet, args.shared_data)
    platform, token_user = open_platform(network, out / "plateledger")
    sqlite: Any = NoBaseline() if args.no_baseline else SqliteBaseline(out / "sqlite.db")
    if reuse and platform.store.stats().reads > 0:
        print(
            "reusing the stores of an earlier --keep run (no bulk ingest figure; the earlier "
            "run's purge and steady ingest changed them slightly)"
        )
        if platform.store.camera_days.first_day is None:  # a store from before the copy
            print("building the camera copy of the newest days (store.camera_days), untimed")
            platform.store.camera_days.rebuild(platform.store._cur())  # noqa: SLF001
    else:
        bulk_load(report, platform, sqlite, parquet)
    params = pick_params(platform, network)
    phases = set(args.phases.split(","))
    if "queries" in phases:
        queries(report, platform, token_user, sqlite, params)
    if "steady" in phases:
        steady_ingest(report, platform, sqlite, network, params)
    if "purge" in phases:
        purge_and_size(report, platform, sqlite, params)
    if "api" in phases:
        api_ingest(report, platform, sqlite, network, params)  # closes the platform
    else:
        platform.close()
    sqlite.close()
    md = report.markdown()
    (out / "results.md").write_text(
        f"Command: `make bench READS={args.reads}`\n\nReads: {args.reads:,}\n\n{md}\n"
    )
    print("\n" + md)


if __name__ == "__main__":
    main()
