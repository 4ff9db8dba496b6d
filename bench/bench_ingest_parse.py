"""Micro benchmark: records/s of ``parse_records`` on typical reads (prints only).

Run: ``.venv/bin/python bench/bench_ingest_parse.py [N]`` (default 200,000 records).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta

from plateledger.ingest import parse_records

STATES = ("CA", "NV", "OR", "WA", "AZ")
COLORS = ("White", "black", "SILVER", "red", "blue", "gray")


def typical_records(count: int, seed: int = 7) -> list[object]:
    """``count`` records with camera_id, ts, plate, confidence, plate_state and color."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 28, tzinfo=UTC)
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    records: list[object] = []
    for i in range(count):
        ts = start + timedelta(seconds=i * 0.37)
        records.append(
            {
                "camera_id": f"cam-{i % 200:03d}",
                "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "plate": "".join(rng.choices(alphabet, k=7)),
                "confidence": round(rng.random(), 3),
                "plate_state": rng.choice(STATES),
                "color": rng.choice(COLORS),
            }
        )
    return records


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    records = typical_records(count)
    cameras = frozenset(f"cam-{i:03d}" for i in range(200))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        result = parse_records(records, cameras, now=now)
        best = min(best, time.perf_counter() - began)
    print(
        f"parse_records: {count:,} typical records in {best:.3f} s (best of 3) = "
        f"{count / best:,.0f} records/s; {result.table.num_rows:,} kept, "
        f"{len(result.errors)} errors"
    )


if __name__ == "__main__":
    main()
