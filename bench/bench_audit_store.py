"""Audit entry log benchmark: durable appends/s with 1, 4 and 8 concurrent writer threads.

Each writer appends realistic ~600-byte canonical search events for ``--seconds`` (default 3);
every append returns only once its record is fsync'd. Printed next to the baseline measured in
the same run on the same disk: one ``write`` + ``fsync`` per append (serialised by a lock when
there are several writers). The ``sealed`` column is what ``AuditLog.append`` does: each entry
sealed first (its redacted views computed and committed, see ``audit.seal``), then appended.
Target: ≥ 5,000 durable appends/s with concurrent writers, sealed.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from plateledger.audit.events import canonical_bytes, search_event
from plateledger.audit.seal import seal
from plateledger.audit.store import EntryLog, encode_record

Append = Callable[[bytes], object]


def sample_entries(n: int = 512) -> list[bytes]:
    """Canonical search events like the API writes: a plate lookup over a few owner networks."""
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        nets = [f"net-{(i + k) % 97:03d}" for k in range(2)]
        decisions = [
            {"network": net, "owner_agency": f"pd-{net[4:]}", "decision": d,
             "rule_ids": ["P1", "S4"] if d == "deny" else ["N2"],
             "explanation": "shared" if d == "allow" else "purpose not shared"}
            for net, d in zip(nets, ("allow", "deny"), strict=True)
        ]  # fmt: skip
        event = search_event(
            at=now + timedelta(microseconds=i), component="api", user_id=f"officer-{i % 50}",
            agency_id="tx-austin-pd", outcome="success", search_id=f"srch-{i:08d}",
            purpose="stolen_vehicle", case_number=f"24-{i:06d}",
            reason="stolen vehicle report, silver sedan", on_behalf_of=None,
            query={"plate": f"ABC{i % 10000:04d}", "since": now - timedelta(days=7)},
            decisions=decisions, networks_searched=nets[:1], networks_excluded=nets[1:],
            result_count=i % 13,
        )  # fmt: skip
        out.append(canonical_bytes(event))
    return out


def run(append: Append, writers: int, seconds: float, entries: list[bytes]) -> list[float]:
    """Latencies (s) of every append made by ``writers`` threads in ``seconds``."""
    stop = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(writers)]

    def writer(w: int) -> None:
        mine, i = latencies[w], w
        while (start := time.perf_counter()) < stop:
            append(entries[i % len(entries)])
            mine.append(time.perf_counter() - start)
            i += writers

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [x for lat in latencies for x in lat]


def baseline_append(path: Path) -> tuple[Append, Callable[[], None]]:
    """One write + one fsync per append, serialised by a lock."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    lock = threading.Lock()

    def append(data: bytes) -> None:
        record = encode_record(data)
        with lock:
            os.write(fd, record)
            os.fsync(fd)

    return append, lambda: os.close(fd)


def _sealed_append(log: EntryLog, data: bytes) -> int:
    """What ``AuditLog.append`` does with an event's canonical bytes."""
    sealed = seal(data)
    return log.append(sealed.record(), sealed.leaf())


def _counter(batches: list[int]) -> Callable[[int, int], None]:
    return lambda start, end: batches.append(end - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--writers", default="1,4,8", help="comma-separated thread counts")
    ap.add_argument("--dir", default=".", help="where to put the temporary log (same disk!)")
    args = ap.parse_args()
    entries = sample_entries()
    size = statistics.mean(len(e) for e in entries)
    print(f"audit entry log: durable appends/s, entries {size:.0f} bytes, {args.seconds:g} s each")
    print("writers   group commit   batch   p50 ms   p99 ms   sealed   one fsync/append   speed-up")
    with tempfile.TemporaryDirectory(prefix=".bench-audit-", dir=args.dir) as tmp:
        for writers in (int(w) for w in args.writers.split(",")):
            batches: list[int] = []
            log = EntryLog(Path(tmp) / f"log-{writers}", on_commit=_counter(batches))
            lat = sorted(run(log.append, writers, args.seconds, entries))
            log.close()
            rate = len(lat) / args.seconds
            sealed_log = EntryLog(Path(tmp) / f"sealed-{writers}")
            append = functools.partial(_sealed_append, sealed_log)
            sealed = len(run(append, writers, args.seconds, entries)) / args.seconds
            sealed_log.close()
            base_append, base_close = baseline_append(Path(tmp) / f"baseline-{writers}.bin")
            base = len(run(base_append, writers, args.seconds, entries)) / args.seconds
            base_close()
            p50, p99 = lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3
            print(f"{writers:7d}   {rate:10,.0f}/s   {statistics.mean(batches):5.1f}   "
                  f"{p50:6.2f}   {p99:6.2f}   {sealed:6,.0f}/s   {base:14,.0f}/s   "
                  f"{rate / base:7.1f}x")  # fmt: skip
    print("target: ≥ 5,000 durable appends/s with concurrent writers (sealed column)")


if __name__ == "__main__":
    main()
