"""Benchmark ``PlateDictionary``: build time, memory and query latency at ALPR scale.

Builds a dictionary of N distinct random plates (default 8,000,000) drawn from common US passenger
formats, then prints median timings for exact, prefix-wildcard, leading-wildcard and fuzzy (d=1,
d=2) queries next to a naive baseline: a pure-Python loop over a 200k sample (``plates.match`` for
fuzzy, ``re`` for wildcards), scaled to N. It prints figures and never asserts timings.

Usage: ``.venv/bin/python bench/bench_plate_dictionary.py [--n 8000000] [--queries 21]``
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from plateledger.domain.plates import match
from plateledger.search.plate_dictionary import (
    PlateDictionary,
    decode_array,
    encode_array,
    unique_keys,
)

# Formats and their share of generated plates (L letter, D digit).
FORMATS = {
    "LLLDDDD": 0.35,  # TX, NY, PA, OH, GA, NC, VA, WA, MI...
    "DLLLDDD": 0.20,  # CA
    "LLDDDDD": 0.10,  # IL, CT
    "LLLDDD": 0.15,  # many smaller states
    "DDDLLL": 0.10,
    "LLLLDD": 0.05,  # FL, CO
    "DLLDDDD": 0.05,  # MD
}
LETTERS = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
BASELINE_SAMPLE = 200_000


def random_plates(n: int, rng: np.random.Generator) -> pa.StringArray:
    """``n`` distinct plates in random order, generated with numpy."""
    keys = np.zeros(0, dtype=np.uint64)
    while len(keys) < n:
        batch = [
            _format_batch(fmt, int(n * share * 1.1) + 1, rng) for fmt, share in FORMATS.items()
        ]
        keys = unique_keys(np.concatenate([keys, *(encode_array(b) for b in batch)]))
    keys = rng.permutation(keys)[:n]
    return decode_array(keys)


def _format_batch(fmt: str, count: int, rng: np.random.Generator) -> pa.StringArray:
    matrix = np.empty((count, len(fmt)), dtype=np.uint8)
    for j, slot in enumerate(fmt):
        pool = LETTERS if slot == "L" else DIGITS
        matrix[:, j] = pool[rng.integers(0, len(pool), count)]
    offsets = np.arange(0, len(fmt) * (count + 1), len(fmt), dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(matrix.tobytes()))


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def median_ms(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    """Median milliseconds per call and mean result count."""
    times, sizes = [], []
    for query in queries:
        start = time.perf_counter()
        result = fn(query)
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(len(result) if isinstance(result, list) else 1)
    return statistics.median(times), statistics.mean(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8_000_000, help="distinct plates")
    parser.add_argument("--queries", type=int, default=21, help="queries per measurement")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    plates = random_plates(args.n, rng)
    as_list = plates.to_pylist()
    queries = [as_list[int(i)] for i in rng.integers(0, args.n, args.queries)]
    sample = as_list[:BASELINE_SAMPLE]
    scale = args.n / len(sample)
    print(f"plates: {args.n:,} distinct ({', '.join(FORMATS)})")

    rss_before = rss_mib()
    start = time.perf_counter()
    dictionary = PlateDictionary(plates)
    build_arrow = time.perf_counter() - start
    rss_after = rss_mib()
    del dictionary
    start = time.perf_counter()
    dictionary = PlateDictionary(as_list)
    build_list = time.perf_counter() - start
    footprint = dictionary.nbytes
    print(f"build from pyarrow array: {build_arrow:6.2f} s")
    print(f"build from list[str]:     {build_list:6.2f} s")
    print(
        f"memory: {footprint / 2**20:,.0f} MiB in structures ({footprint / args.n:.1f} B/plate); "
        f"RSS grew {rss_after - rss_before:,.0f} MiB during the first build"
    )

    def prefix(q: str) -> str:
        return f"{q[:2]}?{q[3:5]}*"

    def suffix(q: str) -> str:
        return f"*{q[-4:]}"

    def naive_wildcard(pattern: str) -> list[str]:
        regex = re.compile(pattern.replace("?", ".").replace("*", ".*"))
        return [p for p in sample if regex.fullmatch(p)]

    def naive_fuzzy(d: int) -> Callable[[str], list[str]]:
        return lambda q: [p for p in sample if match(q, p, d) is not None]

    cases: list[tuple[str, Callable[[str], object], Callable[[str], object] | None]] = [
        ("exact (in)", lambda q: q in dictionary, None),
        (
            "prefix AB?12*",
            lambda q: dictionary.wildcard(prefix(q)),
            lambda q: naive_wildcard(prefix(q)),
        ),
        (
            "leading *5756",
            lambda q: dictionary.wildcard(suffix(q)),
            lambda q: naive_wildcard(suffix(q)),
        ),
        ("fixed ??C?23?", lambda q: dictionary.wildcard(f"??{q[2]}?{q[4:6]}?"), None),
        ("fuzzy d=1", lambda q: dictionary.fuzzy(q, 1), naive_fuzzy(1)),
        ("fuzzy d=2", lambda q: dictionary.fuzzy(q, 2), naive_fuzzy(2)),
    ]
    print(
        f"\n{'query':<16}{'median ms':>12}{'results':>10}{'naive ms (scaled)':>20}{'speed-up':>10}"
    )
    for name, fast, naive in cases:
        fast_ms, results = median_ms(fast, queries)
        line = f"{name:<16}{fast_ms:>12.3f}{results:>10.1f}"
        if naive is not None:
            naive_ms = median_ms(naive, queries[:3])[0] * scale
            line += f"{naive_ms:>20,.0f}{naive_ms / fast_ms:>9,.0f}x"
        print(line)
    print()
    report_updates(dictionary, rng)


def report_updates(dictionary: PlateDictionary, rng: np.random.Generator) -> None:
    """Time small adds (delta), a query with a delta, a merge and a purge."""
    fresh = decode_array(unique_keys(encode_array(_format_batch("LLLLDDD", 60_000, rng))))
    small = fresh.slice(0, 100)
    start = time.perf_counter()
    dictionary.add(small)
    print(f"add 100 new plates (delta):        {(time.perf_counter() - start) * 1000:9.2f} ms")
    query = small[0].as_py()
    start = time.perf_counter()
    dictionary.fuzzy(query, 2)
    print(f"first fuzzy d=2 after the add:     {(time.perf_counter() - start) * 1000:9.2f} ms")
    start = time.perf_counter()
    dictionary.add(fresh.slice(100, 50_000))
    print(f"add 50,000 new plates (merge):     {(time.perf_counter() - start) * 1000:9.2f} ms")
    start = time.perf_counter()
    dictionary.discard_all(fresh.slice(0, 1_000).to_pylist())
    print(f"discard 1,000 plates (tombstones): {(time.perf_counter() - start) * 1000:9.2f} ms")
    print(f"peak RSS of the process:           {peak_rss_mib():9,.0f} MiB")


if __name__ == "__main__":
    main()
