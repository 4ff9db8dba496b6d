"""National simulation: Spark on 1 vs 2 workers next to DuckDB on one node, same Parquet lake.

    python bench/bench_national.py --reads 10000000 [--days 7] [--out DIR] [--keep]

1. A national-shaped world: 5,000 agencies in 50 states, each owning one network and cameras
   (~40,000 in all, skewed), a sharing graph (60 % national, 30 % own state only, 10 % none)
   and retention settings; reads skewed by agency size, generated with numpy straight into the
   lake layout (owner=/day=, plate-sorted, zstd) plus the per-day plate dictionary.
2. A Texas officer's lawful national lookup is evaluated by the real policy engine over the
   5,000 networks; its decisions become the Scope, which the lake planner turns into files.
3. The same queries - national plate lookups (a frequent and a rare plate), a description
   search (colour + type over one state's cameras on one day) and an oversight aggregate (reads
   and distinct plates per owner over the whole scope) - run on DuckDB (one process over the
   planned files) and on the local standalone Spark cluster with 1 and then 2 executor cores.
Timings are medians of 3 after a warm-up. The machine is shared, so they are noisy.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from national_data import AGENCIES, Registry, generate, national_scope, world
from plateledger.domain.types import CameraId
from plateledger.scale import cluster
from plateledger.scale.config import EngineConfig
from plateledger.scale.lake import Lake, ReadPlan
from plateledger.scale.session import open_session
from plateledger.scale.spark_store import SparkReadStore
from plateledger.store.base import ReadFilters, Scope


# --- DuckDB over the same planned files --------------------------------------------------
def duck_where(plan: ReadPlan, extra: str) -> tuple[str, list[Any]]:
    params: list[Any] = []
    parts = []
    by_cut: dict[datetime, list[str]] = {}
    for net, cut in plan.networks.items():
        by_cut.setdefault(cut, []).append(net)
    for cut, nets in by_cut.items():
        params.append(nets)
        params.append(cut)
        parts.append("(list_contains(?, network_id) AND ts >= ?)")
    return f"({' OR '.join(parts)}){extra}", params


def duck(
    con: duckdb.DuckDBPyConnection,
    plan: ReadPlan | None,
    select: str,
    extra: str,
    extra_params: list[Any],
    tail: str = "",
) -> list[Any]:
    if plan is None or not plan.files:
        return []
    where, params = duck_where(plan, extra)
    sql = f"SELECT {select} FROM read_parquet(?, hive_partitioning = true) WHERE {where} {tail}"
    return con.execute(sql, [list(plan.files), *params, *extra_params]).fetchall()


# --- timing ------------------------------------------------------------------------------
def timed(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    result = fn()  # warm-up (and the answer)
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000, result


def queries(
    store: SparkReadStore, scope: Scope, info: dict[str, Any], state_cams: frozenset[CameraId]
) -> dict[str, Callable[[], Any]]:
    last = info["start"] + timedelta(days=info["days"] - 1)
    desc = ReadFilters(
        time_from=last,
        time_to=last + timedelta(days=1),
        cameras=state_cams,
        color="red",
        vehicle_type="pickup",
    )
    return {
        "lookup_frequent": lambda: store.find_reads(
            [info["frequent"]], ReadFilters(), scope, limit=100
        ),
        "lookup_rare": lambda: store.find_reads([info["rare"]], ReadFilters(), scope, limit=100),
        "description": lambda: store.find_reads(None, desc, scope, limit=100),
        "oversight": lambda: store.owner_summary(ReadFilters(), scope),
    }


DESC_SQL = (
    " AND ts >= ? AND ts < ? AND list_contains(?, camera_id)"
    " AND color = 'red' AND vehicle_type = 'pickup'"
)
TOP = "ORDER BY ts DESC, read_id DESC LIMIT 100"


def duckdb_runs(store: Registry, lake: Lake, scope: Scope, info: dict[str, Any]) -> dict:
    """DuckDB in this process over exactly the files the planner picks for each query."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    probe = SparkReadStore(store, lake, lambda: None)  # type: ignore[arg-type,return-value]
    last = info["start"] + timedelta(days=info["days"] - 1)
    desc = ReadFilters(time_from=last, time_to=last + timedelta(days=1), cameras=info["tx_cams"])
    freq, rare = info["frequent"], info["rare"]
    plans = {
        "lookup_frequent": (probe.plan(ReadFilters(), scope, [freq]), " AND plate = ?", [freq]),
        "lookup_rare": (probe.plan(ReadFilters(), scope, [rare]), " AND plate = ?", [rare]),
        "description": (
            probe.plan(desc, scope),
            DESC_SQL,
            [last, last + timedelta(days=1), sorted(info["tx_cams"])],
        ),
        "oversight": (probe.plan(ReadFilters(), scope), "", []),
    }
    out: dict[str, tuple[float, Any]] = {}
    for name, (plan, extra, params) in plans.items():
        select, tail = ("owner, count(*), count(DISTINCT plate)", "GROUP BY owner ORDER BY owner")
        if name != "oversight":
            select, tail = "read_id", TOP
        ms, rows = timed(
            lambda p=plan, e=extra, x=params, s=select, t=tail: duck(con, p, s, e, x, t),
            runs=1 if name == "oversight" else 3,
        )
        out[name] = (ms, rows)
        files = len(plan.files) if plan else 0
        print(
            f"  duckdb   {name:16s} {ms:9.0f} ms  {len(rows):5d} rows  {files:6d} files", flush=True
        )
    return out


def spark_runs(
    store: Registry,
    lake: Lake,
    scope: Scope,
    info: dict[str, Any],
    master: str,
    cores: int,
    duck_results: dict[str, tuple[float, Any]],
) -> dict[str, float]:
    """Spark on the cluster with the session capped at ``cores`` executor cores (1 per worker)."""
    conf = {
        "spark.cores.max": str(cores),
        "spark.executor.memory": "4g",
        "spark.driver.memory": "3g",
        "spark.sql.shuffle.partitions": str(2 * cores),
    }
    config = EngineConfig(engine="spark", master=master, spark_conf=conf)
    spark = SparkReadStore(store, lake, lambda: open_session(config))  # type: ignore[arg-type]
    t0 = time.perf_counter()
    spark.spark.range(1).count()
    print(f"spark session with {cores} worker(s) ready in {time.perf_counter() - t0:.0f} s")
    out = {}
    try:
        for name, fn in queries(spark, scope, info, info["tx_cams"]).items():
            ms, got = timed(fn, runs=1 if name == "oversight" else 3)
            out[name] = ms
            files = len(spark.last_plan.files) if spark.last_plan else 0
            same = "same as duckdb" if _same(name, got, duck_results[name][1]) else "DIFFERS"
            print(
                f"  spark_{cores}w  {name:16s} {ms:9.0f} ms  {len(got):5d} rows  {files:6d} files"
                f"  {same}",
                flush=True,
            )
    finally:
        spark.close()
    return out


def setup(args: argparse.Namespace, work: Path) -> tuple[Registry, Lake, Scope, dict]:
    lake_dir = work / "lake"
    for d in (lake_dir,):
        shutil.rmtree(d, ignore_errors=True)
    w = world(np.random.default_rng(args.seed))
    t0 = time.perf_counter()
    info = generate(lake_dir, w, args.reads, args.days, args.seed)
    gen_s = time.perf_counter() - t0
    lake = Lake(str(lake_dir))
    size = sum(p.stat().st_size for p in lake_dir.glob("owner=*/day=*/*.parquet"))
    print(
        f"generated {args.reads:,} reads over {args.days} days in {gen_s:.0f} s: "
        f"{lake.file_count():,} files, {size / 2**20:.0f} MiB, {size / args.reads:.1f} bytes/read"
    )
    store = Registry(w)
    scope = national_scope(w)
    print(
        f"policy: a TX officer's national lookup may search {len(scope.networks):,} of "
        f"{AGENCIES:,} networks"
    )
    state_of = {f"{a.id}-net": a.state for a in w["agencies"]}
    info["days"] = args.days
    info["tx_cams"] = frozenset(c.id for c in w["cameras"] if state_of[c.network_id] == "TX")
    return store, lake, scope, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", type=int, default=200_000_000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None, help="work directory (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the lake and registry afterwards")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="plateledger-national-"))
    store, lake, scope, info = setup(args, work)
    results: dict[str, dict[str, float]] = {}
    duck_results = duckdb_runs(store, lake, scope, info)
    results["duckdb"] = {k: v[0] for k, v in duck_results.items()}
    spec = cluster.ClusterSpec(work / "spark-cluster", 17177, 18180, workers=2, worker_memory="5g")
    t0 = time.perf_counter()
    state = cluster.up(spec, timeout=300)
    print(f"standalone cluster (2 workers x 1 core) up in {time.perf_counter() - t0:.0f} s")
    try:
        for cores in (1, 2):
            results[f"spark_{cores}w"] = spark_runs(
                store, lake, scope, info, state.master_url, cores, duck_results
            )
    finally:
        cluster.down(spec.state_dir)
        store.close()
    print("\nms: median of 3 runs after a warm-up; oversight: 1 run after a warm-up (noisy)")
    names = list(results["duckdb"])
    print(f"{'engine':10s}" + "".join(f"{n:>17s}" for n in names))
    for engine, row in results.items():
        print(f"{engine:10s}" + "".join(f"{row[n]:17.0f}" for n in names))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def _same(name: str, spark: Any, duck_rows: list[Any]) -> bool:
    if name == "oversight":
        return [tuple(r) for r in spark] == [(str(a), int(b), int(c)) for a, b, c in duck_rows]
    return [int(r.id) for r in spark] == [int(r[0]) for r in duck_rows]


if __name__ == "__main__":
    main()
