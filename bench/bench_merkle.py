"""Merkle audit-log benchmark: proofs from a HashLevels store of N leaves (default 10,000,000).

Prints, with no assertions:

* the time to build the store (leaf hashes generated with hashlib over counters);
* the median and p99 inclusion-proof time at N (target <= 1 ms), next to the naive baseline of
  recomputing the root from all N leaves (measured on 1M leaves and scaled linearly to N);
* the median consistency-proof time and the time of a root at an earlier size;
* the time to verify a bundle of ``--bundle-n`` entries (default 1,000,000; target <= 20 s) with
  ``verify_bundle``: four signed checkpoints, consistency proofs between them, and an inclusion
  proof for every entry at the last checkpoint.

The store (about 64 bytes per leaf: ~640 MB at 10M) lives in a temporary directory that is
deleted at the end. Proof times are with the hash files in the page cache.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

from plateledger.audit.bundle_verify import ConsistencyProof, InclusionProof, verify_bundle
from plateledger.audit.checkpoint import Checkpoint, Signer
from plateledger.audit.hashstore import HashLevels
from plateledger.audit.merkle import (
    build_levels,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    subtree_root,
    verify_inclusion,
)

CHUNK = 1_000_000


def counter_hashes(start: int, end: int) -> list[bytes]:
    sha = hashlib.sha256
    return [sha(i.to_bytes(8, "big")).digest() for i in range(start, end)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def per_call_ms(fn: Callable[[int], Any], args: list[int]) -> tuple[float, float]:
    """Median and p99 of single calls, in milliseconds."""
    samples = []
    for arg in args:
        start = time.perf_counter_ns()
        fn(arg)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


def build_store(directory: Path, n: int) -> HashLevels:
    store = HashLevels(directory)
    for start in range(0, n, CHUNK):
        store.append_leaf_hashes(counter_hashes(start, min(n, start + CHUNK)))
        store.flush(fsync=False)
    store.flush(fsync=True)
    return store


def bench_store(n: int, samples: int) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="bench-merkle-") as tmp:
        seconds, store = timed(lambda: build_store(Path(tmp), n))
        print(f"  build HashLevels of {n:,} leaves            {seconds:8.1f} s")
        root = store.root()
        index = rng.randrange(n)
        verify_inclusion(
            store.get_node(0, index), index, n, inclusion_proof(index, n, store.get_node), root
        )
        indices = [rng.randrange(n) for _ in range(samples)]
        med, p99 = per_call_ms(lambda i: inclusion_proof(i, n, store.get_node), indices)
        print(
            f"  inclusion proof at {n:,}: median {med:.3f} ms, p99 {p99:.3f} ms   (target <= 1 ms)"
        )
        base_n = min(n, CHUNK)
        leaves = counter_hashes(0, base_n)
        naive, _ = timed(lambda: root_from_leaf_hashes(leaves))
        print(
            f"  naive baseline (root from all leaves): {naive * 1000:.0f} ms at {base_n:,}"
            f" -> ~{naive * n / base_n:.1f} s at {n:,} per proof"
        )
        olds = [rng.randrange(1, n) for _ in range(samples)]
        med, p99 = per_call_ms(lambda m: consistency_proof(m, n, store.get_node), olds)
        print(f"  consistency proof m -> {n:,}: median {med:.3f} ms, p99 {p99:.3f} ms")
        med, p99 = per_call_ms(store.root, olds)
        print(f"  root at an earlier size: median {med:.3f} ms, p99 {p99:.3f} ms")
        store.close()


Bundle = tuple[list[bytes], list[str], list[InclusionProof], list[ConsistencyProof], str]


def make_bundle(n: int) -> Bundle:
    """An honest bundle of n entries: 4 checkpoints, proofs for every entry at the last one."""
    entries = [
        b'{"agency":"tx-test-pd","at":"2025-01-01T00:00:%02dZ","event":"search","seq":%d}'
        % (i % 60, i)
        for i in range(n)
    ]
    levels = build_levels(b"".join(leaf_hash(e) for e in entries))
    nodes = [[lvl[i : i + 32] for i in range(0, len(lvl), 32)] for lvl in levels]

    def get_node(level: int, index: int) -> bytes:  # shared bytes objects: proofs stay small
        return nodes[level][index]

    sizes = [n // 4, n // 2, 3 * n // 4, n]
    signer = Signer.generate("bench.example/audit")
    notes = [signer.sign(Checkpoint(signer.name, s, subtree_root(0, s, get_node))) for s in sizes]
    consistency = [
        ConsistencyProof(a, b, consistency_proof(a, b, get_node)) for a, b in pairwise(sizes)
    ]
    inclusion = [InclusionProof(i, n, inclusion_proof(i, n, get_node)) for i in range(n)]
    return entries, notes, inclusion, consistency, signer.public_key_line()


def bench_bundle(n: int) -> None:
    seconds, bundle = timed(lambda: make_bundle(n))
    print(f"  generate a {n:,}-entry bundle (setup)        {seconds:8.1f} s")
    seconds, report = timed(lambda: verify_bundle(*bundle))
    print(
        f"  verify_bundle of {n:,} entries               {seconds:8.1f} s   (target <= 20 s;"
        f" {report.inclusion_proofs:,} inclusion, {report.consistency_proofs} consistency proofs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="leaves in the store")
    parser.add_argument("--bundle-n", type=int, default=1_000_000, help="entries in the bundle")
    parser.add_argument("--samples", type=int, default=2000, help="proofs timed per metric")
    args = parser.parse_args()
    print("Merkle audit log")
    bench_store(args.n, args.samples)
    if args.bundle_n:
        bench_bundle(args.bundle_n)


if __name__ == "__main__":
    main()
