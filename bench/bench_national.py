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
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import (
    US_STATES,
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    User,
    UserId,
)
from plateledger.policy.base import AccessRequest
from plateledger.policy.engine import PolicyState, PurposePolicy
from plateledger.scale import cluster
from plateledger.scale.config import EngineConfig
from plateledger.scale.lake import Lake, ReadPlan
from plateledger.scale.session import open_session
from plateledger.scale.spark_store import SparkReadStore
from plateledger.store.base import ReadFilters, Scope
from plateledger.store.parquet import PLATES_DIR, write_partitions

AGENCIES = 5000
CAMERAS = 40_000
COLORS = np.array(["white", "black", "silver", "red", "blue", "gray"])
TYPES = np.array(["sedan", "suv", "pickup", "van", "truck"])
MAKES = np.array(["FORD", "TOYOTA", "CHEVROLET", "HONDA", "NISSAN", "RAM"])
KINDS = ("municipal", "municipal", "municipal", "sheriff", "state_police")
ALPHABET = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"))


# --- the world ---------------------------------------------------------------------------
def world(rng: np.random.Generator) -> dict[str, Any]:
    states = rng.choice(len(US_STATES), AGENCIES)
    weights = rng.lognormal(0.0, 1.2, AGENCIES)
    weights /= weights.sum()
    cams_per = np.maximum(1, np.round(weights * CAMERAS)).astype(int)
    agencies, networks, cameras, agreements = [], [], [], []
    now = datetime.now(UTC)
    for i in range(AGENCIES):
        state = US_STATES[states[i]]
        agency = Agency(
            AgencyId(f"a{i:04d}"),
            f"Agency {i}",
            state,
            KINDS[i % len(KINDS)],
            [30, 90, 365, None][i % 4],
        )  # type: ignore[arg-type]
        net = Network(NetworkId(f"{agency.id}-net"), agency.id, "fixed")
        agencies.append(agency)
        networks.append(net)
        lat, lon = rng.uniform(26, 48), rng.uniform(-123, -70)
        for j in range(cams_per[i]):
            cameras.append(
                Camera(
                    CameraId(f"{agency.id}-c{j}"),
                    net.id,
                    "cam",
                    lat + rng.normal(0, 0.05),
                    lon + rng.normal(0, 0.05),
                )
            )
        r = rng.random()
        if r < 0.9:
            kind = "national" if r < 0.6 else "state"
            agreements.append(
                SharingAgreement(
                    f"sa{i}",
                    net.id,
                    kind,  # type: ignore[arg-type]
                    None if kind == "national" else state,
                    None,
                    frozenset(),
                    "bench",
                    now - timedelta(days=30),
                )
            )
    return {
        "agencies": agencies,
        "networks": networks,
        "cameras": cameras,
        "agreements": agreements,
        "weights": weights,
        "cams_per": cams_per,
    }


def plates_for(ids: np.ndarray) -> pa.Array:
    """Deterministic 7-character plates from integer ids (base 33: no I, O or Q)."""
    chars = np.stack([ALPHABET[(ids // (33**k)) % 33] for k in range(7)], axis=1)
    return pa.array(np.ascontiguousarray(chars).view("<U7").ravel())


# --- generation --------------------------------------------------------------------------
def generate(out: Path, w: dict[str, Any], reads: int, days: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    agencies, weights, cams_per = w["agencies"], w["weights"], w["cams_per"]
    owner_ids = np.array([a.id for a in agencies])
    net_ids = np.array([f"{a.id}-net" for a in agencies])
    states = np.array([a.state for a in agencies])
    cam_offset = np.concatenate([[0], np.cumsum(cams_per)[:-1]])
    cam_ids = np.array([c.id for c in w["cameras"]])
    # Vehicles live somewhere: each agency has a local fleet proportional to its size (about 25
    # reads per vehicle over the run); 90 % of reads are local vehicles, 10 % travellers.
    fleet = np.maximum(5, np.round(weights * reads / 25)).astype(np.int64)
    fleet_base = np.concatenate([[0], np.cumsum(fleet)[:-1]])
    population = int(fleet.sum())
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=days - 1)
    per_day = reads // days
    next_id = 1
    for d in range(days):
        n = per_day if d < days - 1 else reads - per_day * (days - 1)
        owner = rng.choice(AGENCIES, n, p=weights)
        cam = cam_offset[owner] + (rng.random(n) * cams_per[owner]).astype(int)
        local = fleet_base[owner] + (rng.random(n) * fleet[owner]).astype(np.int64)
        plate_id = np.where(rng.random(n) < 0.9, local, rng.integers(0, population, n))
        plate_id = plate_id * 7919 % population  # scatter ids so plates do not sort by owner
        day0 = int((start + timedelta(days=d)).timestamp() * 1_000_000)
        ts = day0 + rng.integers(0, 86_400_000_000, n)
        table = pa.table(
            {
                "owner": owner_ids[owner],
                "day": np.full(n, (start + timedelta(days=d)).date().isoformat()),
                "read_id": np.arange(next_id, next_id + n, dtype=np.int64),
                "network_id": net_ids[owner],
                "camera_id": cam_ids[cam],
                "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "plate": plates_for(plate_id),
                "plate_state": states[(plate_id * 31) % AGENCIES],
                "confidence": rng.uniform(0.5, 1.0, n).astype(np.float32),
                "color": COLORS[rng.integers(0, len(COLORS), n)],
                "vehicle_type": TYPES[rng.integers(0, len(TYPES), n)],
                "make": MAKES[rng.integers(0, len(MAKES), n)],
            }
        )
        next_id += n
        table = table.sort_by([("owner", "ascending"), ("plate", "ascending"), ("ts", "ascending")])
        write_partitions(table.to_batches(200_000), out, ("owner", "day"))
        dictionary = (
            table.select(["day", "plate", "owner"])
            .group_by(["day", "plate", "owner"])
            .aggregate([])
            .sort_by([("plate", "ascending"), ("owner", "ascending")])
        )
        write_partitions(dictionary.to_batches(), out / PLATES_DIR, ("day",), "plates.parquet")
        print(f"  day {d + 1}/{days}: {n:,} reads", file=sys.stderr)
    counts = pc.value_counts(table.column("plate")).to_pylist()
    counts.sort(key=lambda c: -c["counts"])
    return {
        "frequent": counts[0]["values"],
        "rare": counts[len(counts) // 2]["values"],
        "start": start,
    }


# --- the registry and the policy scope ---------------------------------------------------
class Registry:
    """The registry the read side needs (networks and cameras), held in memory: loading 40,000
    cameras into the embedded store one upsert at a time takes minutes and is not measured here."""

    def __init__(self, w: dict[str, Any]) -> None:
        self._networks: list[Network] = w["networks"]
        self._cameras: list[Camera] = w["cameras"]

    def networks(self) -> list[Network]:
        return self._networks

    def cameras(self) -> list[Camera]:
        return self._cameras

    def close(self) -> None:
        pass


def national_scope(w: dict[str, Any]) -> Scope:
    state = PolicyState(w["agreements"], [], {}, {}, {})
    engine = PurposePolicy(lambda: state)
    tx = next(a for a in w["agencies"] if a.state == "TX")
    user = User(UserId("tx-officer"), tx.id, "Officer", "officer")
    request = AccessRequest(
        user,
        tx,
        "stolen_vehicle",
        "24-1",
        "stolen vehicle report 24-1187",
        None,
        datetime.now(UTC),
        None,
        True,
        False,
    )
    by_id = {a.id: a for a in w["agencies"]}
    pairs = [(n, by_id[n.agency_id]) for n in w["networks"]]
    decisions = engine.evaluate(request, pairs)
    return Scope({d.network: d.retention_cutoff for d in decisions if d.decision == "allow"})


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
    print("\nmedian ms of 3 runs after a warm-up (shared 2-core machine: noisy)")
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
