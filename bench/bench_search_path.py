"""The search path with memoised policy decisions next to the same path without the memo.

Usage: python bench/bench_search_path.py [--reads 2000000] [--runs 60] [--seconds 5] [--out DIR]

``--out`` reuses a directory of ``bench/run.py --keep`` whose reads match ``--reads`` (its
``source.parquet`` and store): ``--reads 100000000 --out bench/out`` measures the 100 M store.

Builds the demo traffic of ``bench/run.py`` (same network, generator and platform set-up:
``phases.generate``, ``open_platform``, ``pick_params``), then measures, in one run and on the
same store, each figure with the memo (``policy.memo.DecisionMemo``) and with it disabled (the
baseline: every search evaluates every network's decision afresh, as before the memo):

* one exact search of the median plate alone, and one of an absent plate, through the full
  path (validate, policy, the durable search-log entry, the lookup): median of ``--runs``, memo
  on and off alternating, and its split as ``SearchResponse.timings_ms`` reports it
  (``policy_and_log`` and ``lookup``);
* the policy decisions alone (the call the memo replaces): median of 200; and over 5,000 owner
  networks (``bench_policy``'s national world), where a hit still builds one decision per
  network (its retention cutoff moved to the request's time);
* 8 concurrent searchers, each running exact searches of distinct stored plates for
  ``--seconds``: searches per second.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

from bench_policy import world  # noqa: E402
from phases import PURPOSE, batches, generate, open_platform, pick_params  # noqa: E402
from plateledger.app.platform import Platform  # noqa: E402
from plateledger.demo import build_network  # noqa: E402
from plateledger.domain.types import Agency, AgencyId, Network, User, UserId  # noqa: E402
from plateledger.policy.base import AccessRequest, Decision  # noqa: E402
from plateledger.policy.engine import PurposePolicy  # noqa: E402
from plateledger.policy.memo import DecisionMemo, Registry  # noqa: E402
from plateledger.search.types import SearchQuery, SearchRequest, SearchResponse  # noqa: E402


def _search(platform: Platform, user: User, plate: str) -> SearchResponse:
    response = platform.search.search(SearchRequest(user, SearchQuery(plate=plate), PURPOSE))
    assert isinstance(response, SearchResponse)
    return response


PARTS = ("policy", "log entry", "quota check", "approved-hold check")
ABSENT = "ZZZ9Z9Z"  # as bench/run.py: a plate no store holds


def _timed(owner: object, name: str, sink: dict[str, float], part: str) -> None:
    """Wrap ``owner.name`` (an instance attribute shadows the method) to add its ms to sink."""
    inner = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            sink[part] = sink.get(part, 0.0) + (time.perf_counter() - start) * 1000

    setattr(owner, name, wrapper)


def one_search(platform: Platform, user: User, plate: str, runs: int) -> dict[bool, list[float]]:
    """Medians in ms with the memo on (True) and off (False), alternating: the full path, its
    ``timings_ms`` split (policy_and_log, lookup), and inside policy_and_log the policy
    decisions, the durable search-log entry, the daily-quota check and the look for an
    approved hold of the same search."""
    parts: dict[str, float] = {}
    service = platform.search
    holder = _Holder(platform.decisions)
    _timed(holder, "evaluate", parts, "policy")
    service.policy = holder
    _timed(service.recorder, "record_search", parts, "log entry")
    _timed(service, "daily_hold", parts, "quota check")
    assert service.holds is not None
    _timed(service.holds, "reusable", parts, "approved-hold check")
    samples: dict[bool, list[tuple[float, ...]]] = {True: [], False: []}
    try:
        for i in range(2 * runs + 4):
            memo = i % 2 == 0
            platform.decisions.enabled = memo
            parts.clear()
            start = time.perf_counter()
            response = _search(platform, user, plate)
            total = (time.perf_counter() - start) * 1000
            if i >= 4:  # the first two of each: warm-up
                timings = response.timings_ms
                split = (timings["policy_and_log"], timings["lookup"])
                samples[memo].append((total, *split, *(parts.get(p, 0.0) for p in PARTS)))
    finally:
        service.policy = platform.decisions
        del service.recorder.record_search  # the wrappers: the methods show through again
        del service.daily_hold
        del service.holds.reusable
        platform.decisions.enabled = True
    return {memo: [statistics.median(col) for col in zip(*rows, strict=True)]
            for memo, rows in samples.items()}  # fmt: skip


class _Holder:
    """The memo behind an instance the benchmark may wrap (the memo's own method stays)."""

    def __init__(self, memo: DecisionMemo) -> None:
        self.memo = memo

    def evaluate(
        self, request: AccessRequest, networks: Sequence[tuple[Network, Agency]]
    ) -> list[Decision]:
        return self.memo.evaluate(request, networks)


def policy_alone(platform: Platform, user: User) -> dict[bool, float]:
    """Median ms of the decisions for every network (what ``authorise`` asks for)."""
    out = {}
    for memo in (False, True):
        platform.decisions.enabled = memo

        def decide() -> None:
            registry = platform.decisions.registry()
            agency = registry.agencies[user.agency_id]
            request = AccessRequest(
                user, agency, PURPOSE.purpose, PURPOSE.case_number, PURPOSE.reason, None,
                datetime.now(UTC),
            )  # fmt: skip
            platform.decisions.evaluate(request, registry.networks)

        out[memo] = _median_ms(decide, 200)
    platform.decisions.enabled = True
    return out


def national(networks: int) -> dict[bool, float]:
    """Median ms of the decisions of a Texas officer's lookup over ``networks`` owner networks
    (``bench_policy.world``): a memo hit (its retention cutoffs shifted to the request's time)
    next to the engine alone."""
    pairs, state = world(networks)
    engine = PurposePolicy(lambda: state)
    version = (object(),)  # nothing changes during the measurement
    registry = Registry({a.id: a for _, a in pairs}, tuple(pairs))
    memo = DecisionMemo(
        engine, version=lambda: version, state=lambda: state, registry=lambda: registry
    )
    tx = Agency(AgencyId("tx-searcher"), "TX PD", "TX", "municipal", 90)
    user = User(UserId("tx-officer"), tx.id, "Officer", "officer")

    def request() -> AccessRequest:
        now = datetime.now(UTC)
        return AccessRequest(user, tx, "stolen_vehicle", "24-1", "stolen vehicle report", None, now)

    return {
        True: _median_ms(lambda: memo.evaluate(request(), registry.networks), 30),
        False: _median_ms(lambda: engine.evaluate(request(), registry.networks), 30),
    }


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def throughput(
    platform: Platform, user: User, plates: list[str], threads: int, seconds: float
) -> float:
    """Searches per second of ``threads`` searchers over ``seconds``."""
    done = [0] * threads
    stop = threading.Event()
    errors: list[BaseException] = []

    def searcher(t: int) -> None:
        i = t
        try:
            while not stop.is_set():
                _search(platform, user, plates[i % len(plates)])
                done[t] += 1
                i += threads
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    workers = [threading.Thread(target=searcher, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return sum(done) / elapsed


def _prepare(reads: int, out: Path) -> tuple[Platform, User, str, list[str]]:
    network = build_network(7)
    network = dataclasses.replace(  # as bench/run.py: retention is policy's business
        network,
        agencies=tuple(dataclasses.replace(a, retention_days=None) for a in network.agencies),
    )
    out.mkdir(parents=True, exist_ok=True)
    parquet = out / "source.parquet"
    if not parquet.exists() or pq.ParquetFile(parquet).metadata.num_rows != reads:
        generate(network, reads, parquet, None)
    platform, user = open_platform(network, out / "plateledger")
    if platform.store.stats().reads == 0:
        print("bulk load (not part of any figure)", flush=True)
        platform.store.bulk_load(batches(parquet))
    params = pick_params(platform, network)
    plates = [
        str(r[0])
        for r in platform.store.execute("SELECT DISTINCT plate FROM reads ORDER BY 1 LIMIT 2000")
    ]
    platform.dictionary()  # loaded once, as a running server has it
    # The first search loads the store's plate-day window; it runs on a thread of its own, whose
    # cursor has no result left pending by the set-up queries above.
    first = threading.Thread(target=_search, args=(platform, user, params.median))
    first.start()
    first.join()
    return platform, user, params.median, plates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=60, help="single searches per variant (≥ 50)")
    ap.add_argument("--seconds", type=float, default=5.0, help="per throughput figure (≥ 5)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--networks", type=int, default=5000, help="for the national figure")
    ap.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "plateledger-bench-search-path"
    )
    args = ap.parse_args()
    print(f"search path benchmark: {args.reads:,} reads, data in {args.out} (reused if there)")
    platform, user, median_plate, plates = _prepare(args.reads, args.out)
    try:
        print(f"{len(platform.decisions.registry().networks)} networks", flush=True)
        single = one_search(platform, user, median_plate, args.runs)
        absent = one_search(platform, user, ABSENT, args.runs)
        alone = policy_alone(platform, user)
        far = national(args.networks)
        rate = {}
        for memo in (False, True):
            platform.decisions.enabled = memo
            rate[memo] = throughput(platform, user, plates, args.threads, args.seconds)
        platform.decisions.enabled = True
    finally:
        platform.close()
    rows = [
        (f"one exact search, full path (median of {args.runs})", single[True][0], single[False][0]),
        ("  of which policy_and_log", single[True][1], single[False][1]),
        *(
            (f"    of which {p}", single[True][3 + i], single[False][3 + i])
            for i, p in enumerate(PARTS)
        ),
        ("  of which lookup", single[True][2], single[False][2]),
        (
            f"one exact search of an absent plate, full path (median of {args.runs})",
            absent[True][0],
            absent[False][0],
        ),
        ("  of which policy_and_log", absent[True][1], absent[False][1]),
        (
            "    of which log entry",
            absent[True][3 + PARTS.index("log entry")],
            absent[False][3 + PARTS.index("log entry")],
        ),
        ("policy decisions alone, every network (median of 200)", alone[True], alone[False]),
        (
            f"policy decisions alone, {args.networks:,} networks (median of 30)",
            far[True],
            far[False],
        ),
    ]
    print("\n| figure | memo on | memo off (baseline) |\n|---|---|---|")
    for label, on, off in rows:
        print(f"| {label} | {on:.2f} ms | {off:.2f} ms |")
    print(
        f"| {args.threads} concurrent searchers, {args.seconds:g} s each "
        f"| {rate[True]:.0f} searches/s | {rate[False]:.0f} searches/s |"
    )


if __name__ == "__main__":
    main()
