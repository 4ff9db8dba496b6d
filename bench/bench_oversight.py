"""Import throughput of the oversight importer: rows/s on a synthetic Flock Organization Audit
CSV (13 columns, two-line Time Frame, AM/PM UTC times, some ``***``), next to a naive baseline
in the same run (``csv.DictReader`` + ``datetime.strptime`` into a list, no database).

Run: ``.venv/bin/python bench/bench_oversight.py [N]`` (default 1,000,000 rows). The file is
written to a temporary directory and removed afterwards. Peak RSS is printed too (the importer
streams in batches of ``BATCH_ROWS`` into an on-disk database with a 1 GB DuckDB memory
limit, so memory does not grow with N).
"""

from __future__ import annotations

import csv
import random
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from plateledger.oversight.importer import import_paths
from plateledger.oversight.model import connect

HEADER = [
    "ID",
    "Name",
    "Org Name",
    "Total Networks Searched",
    "Time Frame",
    "License Plate",
    "Reason",
    "Case #",
    "Filters",
    "Search Time",
    "Search Type",
    "Text Prompt",
    "Moderation",
]
REASONS = ("stolen vehicle", "inv", "burglary 25-1187", "***", "robbery", "missing person")


def _time(rng: random.Random) -> str:
    h = rng.randrange(24)
    return f"{rng.randrange(1, 13)}/{rng.randrange(1, 29)}/2025, {h % 12 or 12}:{rng.randrange(60):02d}:{rng.randrange(60):02d} {'AM' if h < 12 else 'PM'} UTC"  # noqa: E501


def write_file(path: Path, n: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(n):
            frame = f"{_time(rng)}\n{_time(rng)}"
            w.writerow([f"{i:08x}-0000-4000-8000-000000000000", f"user{i % 500}",
                        f"Agency {i % 40} CA PD", str(rng.randrange(1, 3000)), frame,
                        f"P{rng.randrange(10**6):06d}", rng.choice(REASONS), "", "",
                        _time(rng), "search", "", ""])  # fmt: skip


def naive(path: Path) -> int:
    rows = []
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            at = datetime.strptime(r["Search Time"], "%m/%d/%Y, %I:%M:%S %p UTC")
            rows.append((r["ID"], r["Name"], r["Org Name"], r["Reason"], at))
    return len(rows)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "org_audit.csv"
        write_file(path, n)
        size = path.stat().st_size
        t = time.perf_counter()
        con = connect(str(Path(tmp) / "bench.duckdb"))  # on disk, as the CLI does
        stats = import_paths(con, [path])
        con.close()
        ours = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t = time.perf_counter()
        count = naive(path)
        base = time.perf_counter() - t
    assert stats.rows == count == n
    print(f"rows {n:,}  file {size / 2**20:.0f} MiB")
    print(f"oversight importer  {n / ours:>10,.0f} rows/s  ({ours:.1f} s, peak RSS {rss:.0f} MiB)")
    print(f"naive csv baseline  {n / base:>10,.0f} rows/s  ({base:.1f} s, rows kept in a list)")
    print(f"10M rows at this rate: {10_000_000 / (n / ours) / 60:.1f} min")


if __name__ == "__main__":
    main()
