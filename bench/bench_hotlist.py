"""Benchmark hotlist matching: reads/s against 1,000,000 entries, and single-read alert latency.

Builds an ``EntryIndex`` over N random hotlist entries (default 1,000,000, ``confusable``
strictness), then matches batches of B ingest-schema reads (default 100,000; about 0.1 % are
listed plates, some read with a confusable character) and prints reads/s next to a naive
baseline in the same run: a per-read Python loop looking each read's folded plate up in a dict
of folded entry plates (what one would write first). It then measures the end-to-end latency of
one read through ``Platform.ingest_records`` (durable append + match + publish) on a temporary
data directory with a list of ``--platform-entries`` entries. Prints figures, never asserts.

Usage: ``.venv/bin/python bench/bench_hotlist.py [--entries 1000000] [--batch 100000]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from plateledger.alerts.matcher import EntryIndex, match_batch
from plateledger.alerts.models import Entry
from plateledger.app.platform import Platform
from plateledger.domain.plates import fold
from plateledger.domain.types import (
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    User,
    UserId,
)
from plateledger.store.schema import INGEST_SCHEMA

ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)


def random_plates(n: int, rng: np.random.Generator) -> list[str]:
    codes = ALNUM[rng.integers(0, 36, size=(n, 7))]
    return [bytes(row).decode() for row in codes]


def reads_table(plates: list[str], now: datetime) -> pa.Table:
    n = len(plates)
    cols = {f.name: pa.nulls(n, f.type) for f in INGEST_SCHEMA}
    cols["camera_id"] = pa.array(["c1"] * n)
    cols["ts"] = pa.array([now] * n, pa.timestamp("us", tz="UTC"))
    cols["plate"] = pa.array(plates)
    return pa.Table.from_pydict(cols, schema=INGEST_SCHEMA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform-entries", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    now = datetime.now(UTC)
    later = now + timedelta(days=30)
    listed = random_plates(args.entries, rng)
    entries = [Entry(f"e{i}", "l1", p, "IL", "stolen", "", "u", now, later)
               for i, p in enumerate(listed)]  # fmt: skip
    start = time.perf_counter()
    index = EntryIndex(entries, {"l1": "confusable"})
    build_s = time.perf_counter() - start

    plates = random_plates(args.batch, rng)
    hits_at = rng.choice(args.batch, size=max(1, args.batch // 1000), replace=False)
    for k, i in enumerate(hits_at):
        p = listed[int(rng.integers(0, args.entries))]
        plates[int(i)] = p.replace("0", "O", 1) if k % 2 else p
    table = reads_table(plates, now)
    samples = []
    found = 0
    for _ in range(args.runs):
        start = time.perf_counter()
        found = len(match_batch(index, table))
        samples.append(time.perf_counter() - start)
    ours = args.batch / statistics.median(samples)

    by_fold: dict[str, list[int]] = {}
    for i, p in enumerate(listed):
        by_fold.setdefault(fold(p), []).append(i)
    start = time.perf_counter()
    naive_found = sum(len(by_fold.get(fold(p), ())) for p in plates)
    naive = args.batch / (time.perf_counter() - start)

    single = reads_table([listed[0]], now)
    one = []
    for _ in range(50):
        start = time.perf_counter()
        match_batch(index, single)
        one.append((time.perf_counter() - start) * 1000)

    print(f"hotlist entries: {args.entries:,} (index build {build_s:.2f} s)")
    print(f"batch of {args.batch:,} reads, {found} hits (naive found {naive_found})")
    print(f"  vectorised matcher : {ours:14,.0f} reads/s   target >= 100,000")
    print(f"  naive dict loop    : {naive:14,.0f} reads/s   ({ours / naive:.1f}x slower)")
    print(f"  one read, match only: median {statistics.median(one):.2f} ms")
    print(
        f"  one read end to end (ingest+match+publish, {args.platform_entries:,} entries): "
        f"median {platform_latency(args.platform_entries, rng):.1f} ms   target <= 100 ms"
    )


def platform_latency(n: int, rng: np.random.Generator) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        platform = Platform(Path(tmp) / "data", component="bench")
        try:
            store = platform.store
            store.upsert_agencies([Agency(AgencyId("a"), "Bench PD", "TX", "municipal", None)])
            store.upsert_networks([Network(NetworkId("n"), AgencyId("a"), "net")])
            store.upsert_cameras([Camera(CameraId("c1"), NetworkId("n"), "cam", 30.0, -97.0, 0.0)])
            admin = User(UserId("admin"), AgencyId("a"), "Admin", "admin")
            store.upsert_users([admin])
            h = platform.hotlists.lists.create(
                admin, {"name": "bench", "purpose": "stolen_vehicle", "legal_basis": "bench"}
            )
            listed = sorted(set(random_plates(n, rng)))
            later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
            rows = [{"plate": p, "reason": "bench", "expires_at": later} for p in listed[:n]]
            platform.hotlists.lists.add_entries(admin, h.id, rows)
            platform.hotlists.engine.state()  # build the index outside the timed part
            got: list[float] = []
            broker = platform.hotlists.engine.broker

            def tap(agency: str, message: dict[str, Any]) -> None:
                got.append(time.perf_counter())

            broker.taps.append(tap)
            samples = []
            for _ in range(20):
                start = time.perf_counter()
                row = {"camera_id": "c1", "ts": datetime.now(UTC).isoformat(), "plate": listed[0]}
                platform.intake.ingest_records([row])
                samples.append((got[-1] - start) * 1000)
            return statistics.median(samples)
        finally:
            platform.close()


if __name__ == "__main__":
    main()
