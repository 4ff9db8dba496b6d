"""The benchmark phases, each timing plateledger and the SQLite baseline on the same work."""

from __future__ import annotations

import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from plateledger.accounts.tokens import new_token
from plateledger.app.demo_build import hour_profile, normalise
from plateledger.app.platform import Platform
from plateledger.demo import DemoNetwork, generate_reads
from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import AgencyId, User, UserId
from plateledger.search.bulk import BulkLimits
from plateledger.search.geo import cameras_in_bbox
from plateledger.search.types import Purpose, SearchQuery, SearchRequest
from plateledger.store.base import BBox
from timing import Report, median_ms, ms, rate, seconds
from variants import within

PURPOSE = Purpose("stolen_vehicle", "BENCH-1", "benchmark")


@dataclass
class Params:
    heavy: str
    median: str
    absent: str
    prefix: str
    suffix: str
    fuzzy_target: str
    cameras: list[str]
    hour: datetime
    bbox: BBox
    bbox_cameras: list[str]
    day: datetime
    color: str
    make: str
    vtype: str
    oldest_day: date
    end: datetime
    recent_hour: datetime  # the busiest hour of the newest full day (in the camera copy)
    recent_day: datetime


def generate(network: DemoNetwork, n: int, path: Path, shared: Path | None) -> Path:
    profile, source = hour_profile(shared)
    print(f"generating {n:,} reads into {path} (hour profile: {source})", flush=True)
    start = time.perf_counter()
    writer = None
    for raw in generate_reads(network, n, profile=profile):
        table = normalise(raw)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table)
    assert writer is not None
    writer.close()
    print(f"  generated in {time.perf_counter() - start:.0f} s (not part of any figure)")
    return path


def open_platform(network: DemoNetwork, data: Path) -> tuple[Platform, User]:
    platform = Platform(data)
    store = platform.store
    store.upsert_agencies(network.agencies)
    store.upsert_networks(network.networks)
    store.upsert_cameras(network.cameras)
    agency = next(a for a in network.agencies if a.state == "IL")
    user = User(UserId("bench-officer"), AgencyId(agency.id), "Bench Officer", "officer")
    store.upsert_users([*network.users, user])
    _, token = new_token(user.id, "bench")
    store.add_token(token)
    # The figures measure the search path, not the bulk-extraction ceilings (docs/search.md):
    # the bench officer runs thousands of large searches, so its ceilings are lifted.
    lifted = BulkLimits(10**12, math.inf, math.inf, 10**12)
    platform.search.limits = platform.read_quota.limits = lifted
    # A national lookup: every network opted in, so state law (not a missing agreement) is
    # what excludes a network. SQLite has no policy: where a law excludes California or
    # Virginia networks, plateledger returns fewer rows than the baseline.
    now = datetime.now(UTC)
    if not store.agreements():
        for n in store.networks():
            store.save_agreement(
                SharingAgreement(f"bench-{n.id}", n.id, "national", None, None, frozenset(),
                                 "bench", now - timedelta(days=1))
            )  # fmt: skip
    return platform, user


def batches(path: Path, size: int = 1_000_000) -> Any:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
        yield pa.Table.from_batches([batch])


def bulk_load(report: Report, platform: Platform, sqlite: Any, parquet: Path) -> None:
    n = pq.ParquetFile(parquet).metadata.num_rows
    print("bulk load", flush=True)
    ours, _ = seconds(lambda: platform.store.bulk_load(batches(parquet)))

    def sqlite_load() -> None:
        for t in batches(parquet, 200_000):
            sqlite.insert(t)
        sqlite.create_indexes()

    theirs, _ = seconds(sqlite_load)
    report.add("bulk ingest (load + sort/index)", rate(n, ours), rate(n, theirs), "≥ 500k/s")


def pick_params(platform: Platform, network: DemoNetwork) -> Params:
    q = platform.store.execute
    heavy = q("SELECT plate FROM reads GROUP BY plate ORDER BY count(*) DESC LIMIT 1")[0][0]
    median = q(
        "WITH c AS (SELECT plate, count(*) n FROM reads GROUP BY plate) SELECT plate FROM c "
        "WHERE n = (SELECT median(n)::INT FROM c) ORDER BY plate LIMIT 1"
    )[0][0]
    lo, hi = q("SELECT min(ts), max(ts) FROM reads")[0]
    mid = lo + (hi - lo) / 2
    day = datetime(mid.year, mid.month, mid.day, tzinfo=UTC)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    city = max(
        network.cities, key=lambda c: sum(1 for v in network.city_of_camera.values() if v == c.id)
    )
    cams = [
        c for c in network.cameras if network.city_of_camera.get(c.id) == city.id and not c.mobile
    ]
    lats, lons = [c.lat for c in cams], [c.lon for c in cams]
    bbox = BBox(min(lats), min(lons), (min(lats) + max(lats)) / 2, max(lons))
    in_box = sorted(cameras_in_bbox(cams, bbox))
    color, make, vtype = q(
        "SELECT color, make, vtype FROM reads WHERE make IS NOT NULL GROUP BY ALL "
        "ORDER BY count(*) DESC LIMIT 1"
    )[0]
    hour = q(
        "SELECT date_trunc('hour', ts) h FROM reads WHERE ts >= ? AND ts < ? GROUP BY h "
        "ORDER BY count(*) DESC LIMIT 1",
        [day.replace(tzinfo=None), (day + timedelta(days=1)).replace(tzinfo=None)],
    )[0][0]
    recent_day = datetime(hi.year, hi.month, hi.day, tzinfo=UTC) - timedelta(days=1)
    recent = recent_day.replace(tzinfo=None)
    recent_hour = q(
        "SELECT date_trunc('hour', ts) h FROM reads WHERE ts >= ? AND ts < ? GROUP BY h "
        "ORDER BY count(*) DESC LIMIT 1",
        [recent, recent + timedelta(days=1)],
    )[0][0]
    fuzzy_target = median[:2] + ("X" if median[2] != "X" else "Y") + median[3:]
    return Params(
        heavy, median, "ZZZ9Z9Z", median[:2] + "?" + median[3:4] + "*", "*" + median[-4:],
        fuzzy_target, [c.id for c in cams[:20]], hour.replace(tzinfo=UTC), bbox, in_box,
        day, color, make, vtype, lo.date(), hi.replace(tzinfo=UTC),
        recent_hour.replace(tzinfo=UTC), recent_day,
    )  # fmt: skip


def _search(platform: Platform, user: User, **query: Any) -> Any:
    return platform.search.search(SearchRequest(user, SearchQuery(**query), PURPOSE))


def queries(report: Report, platform: Platform, user: User, sqlite: Any, p: Params) -> None:
    print("queries (median of 7 warm runs; plateledger = full search path incl. policy + log)")
    platform.dictionary()  # load once, as a running server has it
    lookups: list[float] = []

    def run(**kw: Any) -> int:
        kw.setdefault("limit", 100)
        resp = _search(platform, user, **kw)
        lookups.append(resp.timings_ms["lookup"])
        return len(resp.hits)

    def add(metric: str, ours: tuple[float, Any], theirs: tuple[float, Any], target: str = "",
            note: str = "") -> None:  # fmt: skip
        store_ms = statistics.median(lookups[-7:]) if lookups else None
        extra = f"lookup {store_ms:.2f} ms without policy + log" if store_ms is not None else ""
        report.add(metric, ms(*ours), ms(*theirs), target, "; ".join(x for x in (extra, note) if x))
        lookups.clear()

    for label, plate in (("heavy", p.heavy), ("median", p.median), ("absent", p.absent)):
        ours = median_ms(lambda plate=plate: run(plate=plate))
        theirs = median_ms(lambda plate=plate: len(sqlite.exact(plate)))
        target = "≤ 2 ms p50" if label == "absent" else "≤ 5 ms p50, lookup ≤ 1 ms"
        add(f"exact lookup, {label} plate", ours, theirs, target)
    for label, pattern, target in (("prefix", p.prefix, ""), ("leading *", p.suffix, "≤ 150 ms")):
        ours = median_ms(lambda pattern=pattern: run(plate=pattern, mode="wildcard"))
        like = pattern.replace("*", "%").replace("?", "_")
        theirs = median_ms(lambda like=like: len(sqlite.like(like)), runs=3)
        add(f"wildcard {label} ({pattern})", ours, theirs, target)
    for d, target in ((1, "≤ 50 ms"), (2, "")):
        ours = median_ms(lambda d=d: run(plate=p.fuzzy_target, mode="fuzzy", max_distance=d))
        theirs = median_ms(
            lambda d=d: len(sqlite.plates_in_temp(within(p.fuzzy_target, d))), runs=3
        )
        add(f"fuzzy d≤{d}", ours, theirs, target, "SQLite: raw Levenshtein variants")
    end = p.hour + timedelta(hours=1)
    ours = median_ms(
        lambda: run(cameras=tuple(p.cameras), time_from=p.hour, time_to=end, limit=1000)
    )
    theirs = median_ms(lambda: len(sqlite.camera_window(p.cameras, p.hour, end)))
    add("20 cameras × 1 hour, mid-window day", ours, theirs, "≤ 15 ms")
    end = p.recent_hour + timedelta(hours=1)
    ours = median_ms(
        lambda: run(cameras=tuple(p.cameras), time_from=p.recent_hour, time_to=end, limit=1000)
    )
    theirs = median_ms(lambda: len(sqlite.camera_window(p.cameras, p.recent_hour, end)))
    add("20 cameras × 1 hour, newest day (camera copy)", ours, theirs, "≤ 15 ms")
    day_end = p.day + timedelta(days=1)
    desc = dict(bbox=p.bbox, time_from=p.day, time_to=day_end, color=p.color, make=p.make,
                vehicle_type=p.vtype, limit=1000)  # fmt: skip
    ours = median_ms(lambda: run(**desc))
    theirs = median_ms(
        lambda: len(sqlite.description(p.bbox_cameras, p.day, day_end, p.color, p.make, p.vtype))
    )
    add("colour+make+type in bbox, mid-window day", ours, theirs, "≤ 60 ms")
    recent_end = p.recent_day + timedelta(days=1)
    recent = {**desc, "time_from": p.recent_day, "time_to": recent_end}
    ours = median_ms(lambda: run(**recent))
    theirs = median_ms(
        lambda: len(sqlite.description(p.bbox_cameras, p.recent_day, recent_end, p.color, p.make,
                                       p.vtype))
    )  # fmt: skip
    add("colour+make+type in bbox, newest day (camera copy)", ours, theirs, "≤ 60 ms")
    from plateledger.search.timeline import timeline

    ours = median_ms(lambda: timeline(platform.search, user, p.heavy, PURPOSE).total_reads)
    theirs = median_ms(lambda: len(sqlite.timeline(p.heavy)))
    report.add("timeline (heavy plate)", ms(*ours), ms(*theirs), "≤ 10 ms")


def steady_ingest(
    report: Report, platform: Platform, sqlite: Any, network: DemoNetwork, p: Params
) -> None:
    print("steady ingest: 1,000,000 reads in 10k batches into the full store", flush=True)
    extra = pa.concat_tables(
        normalise(t)
        for t in generate_reads(network, 1_000_000, days=1, end=p.end + timedelta(days=1), seed=99)
    )
    chunks = [extra.slice(i, 10_000) for i in range(0, extra.num_rows, 10_000)]
    store = platform.store

    def ours_run() -> None:
        for c in chunks:
            store.append(c)
            if store.hot_rows() >= 250_000:
                store.compact()
        store.compact()

    ours, _ = seconds(ours_run)
    theirs, _ = seconds(lambda: [sqlite.insert(c) for c in chunks])
    report.add("steady ingest, 10k batches (incl. compaction)", rate(extra.num_rows, ours),
               rate(extra.num_rows, theirs), "≥ 200k/s")  # fmt: skip


def purge_and_size(report: Report, platform: Platform, sqlite: Any, p: Params) -> None:
    store = platform.store
    store.compact(everything=True)
    store.checkpoint()
    stats = store.stats()
    report.add("bytes per read on disk", f"{stats.bytes_on_disk / stats.reads:.1f} B",
               f"{sqlite.size() / stats.reads:.1f} B", "≤ 25 B")  # fmt: skip
    receipt = store.purge_day(p.oldest_day)
    start = datetime(p.oldest_day.year, p.oldest_day.month, p.oldest_day.day, tzinfo=UTC)
    before = sqlite.size()
    theirs, count = seconds(lambda: sqlite.purge_day(start, start + timedelta(days=1)))
    freed = before - sqlite.size()
    report.add(
        f"purge oldest day ({receipt.count:,} reads)",
        f"{receipt.seconds:.2f} s, {receipt.bytes_freed / 1e6:.0f} MB freed",
        f"{theirs:.2f} s, {max(freed, 0) / 1e6:.0f} MB freed",
        note=f"SQLite deleted {count:,}; its file only shrinks with VACUUM",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api_ingest(
    report: Report, platform: Platform, sqlite: Any, network: DemoNetwork, p: Params
) -> None:
    print("API ingest: 200,000 reads in 10k-read JSON requests, 2 client threads", flush=True)
    agency = next(a for a in network.agencies if a.state == "IL")
    admin = User(UserId("bench-admin"), agency.id, "Bench Admin", "admin")
    platform.store.upsert_users([admin])
    secret, token = new_token(admin.id, "bench")
    platform.store.add_token(token)
    own = {c.id for c in platform.store.cameras() if c.network_id.startswith(agency.id)}
    # Reads of the last day (ingest refuses reads from the future).
    now = datetime.now(UTC).replace(microsecond=0)
    table = pa.concat_tables(
        normalise(t) for t in generate_reads(network, 1_600_000, days=1, end=now, seed=5)
    )
    rows = [
        r
        for r in table.select(
            [
                "camera_id",
                "ts",
                "plate",
                "plate_state",
                "confidence",
                "color",
                "vehicle_type",
                "make",
            ]
        ).to_pylist()
        if r["camera_id"] in own
    ][:200_000]
    for r in rows:
        r["ts"] = r["ts"].isoformat()
    bodies = [orjson.dumps(rows[i : i + 10_000]) for i in range(0, len(rows), 10_000)]
    data_dir = platform.data_dir
    platform.close()
    port = _free_port()
    cmd = [sys.executable, "-m", "plateledger.cli.main", "serve", "--data", str(data_dir),
           "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        ours, stored = seconds(lambda: _post_all(url, secret, bodies))
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)

    def baseline() -> None:
        for body in bodies:
            parsed = orjson.loads(body)
            for r in parsed:
                r["ts"] = datetime.fromisoformat(r["ts"])
            sqlite.insert(
                pa.Table.from_pylist(parsed)
                .append_column("lat", pa.nulls(len(parsed), pa.float64()))
                .append_column("lon", pa.nulls(len(parsed), pa.float64()))
            )

    theirs, _ = seconds(baseline)
    report.add("API ingest (HTTP, JSON, 10k/request)", rate(stored, ours), rate(len(rows), theirs),
               "≥ 20k/s", "SQLite: JSON parse + indexed insert in-process, no HTTP")  # fmt: skip


def _post_all(url: str, token: str, bodies: list[bytes]) -> int:
    stored = [0]
    lock = threading.Lock()
    work = list(bodies)

    def client() -> None:
        with httpx.Client(
            headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
            timeout=120,
        ) as c:
            while True:
                with lock:
                    if not work:
                        return
                    body = work.pop()
                r = c.post(f"{url}/reads", content=body)
                with lock:
                    if r.status_code != 200:
                        failures.append(f"HTTP {r.status_code}: {r.text[:300]}")
                        return
                    stored[0] += r.json()["stored"]

    failures: list[str] = []
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"API ingest failed: {failures[0]}")
    return stored[0]
