"""Plate-day postings (store.plate_days): a plate lookup visits only the days the plate was read,
and never loses a read — whatever compaction, merges, purges, legal holds, reopening, an old
window or a concurrent ingest do."""

from __future__ import annotations

import random
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from conftest import NOW, make_reads, read, setup_registry
from plateledger.app.platform import Platform
from plateledger.domain.types import NetworkId
from plateledger.store.base import ReadFilters, Scope
from plateledger.store.duckdb_store import DuckDBStore
from plateledger.store.plate_days import WINDOW_DAYS, PlateDays

ALL = Scope({NetworkId("il-net"): None, NetworkId("tx-net"): None, NetworkId("va-net"): None})
CAMS = ("il-c1", "tx-c1", "va-c1")
PLATES = [f"PD{n:03d}" for n in range(40)]


def _ids(store: DuckDBStore, plate: str) -> list[int]:
    return sorted(int(r.id) for r in store.find_reads([plate], ReadFilters(), ALL, limit=10_000))


def _truth(store: DuckDBStore, plate: str) -> list[int]:
    """The same question without postings: every table scanned."""
    rows = store.execute(
        "SELECT read_id FROM reads WHERE plate = ? UNION ALL "
        "SELECT read_id FROM reads_hot WHERE plate = ? ORDER BY 1",
        [plate, plate],
    )
    return [int(r[0]) for r in rows]


def _random_reads(rng: random.Random, n: int, max_days: int) -> pa.Table:
    rows = [
        read(rng.choice(CAMS), rng.uniform(0, max_days * 24 * 60), rng.choice(PLATES))
        for _ in range(n)
    ]
    return make_reads(rows)


def _agree(store: DuckDBStore) -> None:
    for plate in PLATES + ["NEVER1"]:
        assert _ids(store, plate) == _truth(store, plate), plate
        assert store.count_reads([plate], ReadFilters(), ALL) == len(_truth(store, plate))


def test_lookups_agree_with_a_full_scan_through_compaction_merge_and_purge(
    platform: Platform,
) -> None:
    store, rng = platform.store, random.Random(7)
    store.plate_days.ensure_loaded()  # built on an empty store: every day comes from compaction
    for _ in range(6):  # several compactions: several runs per day, then merged
        store.append(_random_reads(rng, 300, 20))
        store.compact()
        _agree(store)
    store.append(_random_reads(rng, 200, 20))  # a hot tail the postings never cover
    _agree(store)
    store.compact(everything=True)
    _agree(store)
    oldest = store.execute("SELECT min(CAST(ts AS DATE)) FROM reads")[0][0]
    store.purge_day(oldest)
    store.purge_day(oldest + timedelta(days=3), [NetworkId("tx-net")])  # one owner only
    _agree(store)


def test_postings_name_only_the_days_a_plate_was_read(platform: Platform) -> None:
    store = platform.store
    rows = [read("il-c1", 60 * 24 * d + 30, "ONLY2") for d in (2, 9)]
    rows += [read("tx-c1", 60 * 24 * d + 30, "DAILY") for d in range(15)]
    store.append(make_reads(rows))
    store.compact(everything=True)
    store.plate_days.ensure_loaded()
    with store.plate_days.lock.shared():
        found = store.plate_days.days_clause(["ONLY2"])
    assert found is not None
    sql, params = found
    days = {(NOW - timedelta(days=d, minutes=30)).date() for d in (2, 9)}
    starts = {p.date() for p in params[1::2]}
    assert starts == days  # one range per day read; params[0] is the window's start
    assert sql.count("ts >= ?") == 2
    with store.plate_days.lock.shared():
        assert store.plate_days.days_clause(["NOSUCH"]) == ("(ts < ?)", [params[0]])
        assert store.plate_days.days_clause(["ONLY2", "DAILY"]) is not None


def test_odd_plates_in_a_lookup_fall_back_to_every_day(platform: Platform) -> None:
    """Look-alike, lower-case, empty, too long, non-ASCII: never a pruned (wrong) answer."""
    store = platform.store
    store.append(make_reads([read("il-c1", 60 * 24 * 2, "ABC123")]))
    store.compact(everything=True)
    store.plate_days.ensure_loaded()
    for odd in ("abc123", "", "A" * 11, "АВС123", "ABC 123", "ABC\u200b123"):
        with store.plate_days.lock.shared():
            assert store.plate_days.days_clause([odd]) is None, odd
        assert store.find_reads([odd], ReadFilters(), ALL, limit=5) == []


def test_postings_are_rebuilt_from_the_runs_after_reopen(data_dir: Path) -> None:
    p = Platform(data_dir)
    setup_registry(p)
    p.store.append(_random_reads(random.Random(3), 400, 10))
    p.store.compact(everything=True)
    p.close()
    again = Platform(data_dir)
    try:
        assert again.store.find_reads(["PD001"], ReadFilters(), ALL, limit=1) is not None
        again.store.plate_days.ensure_loaded()  # built in the background on first use
        _agree(again.store)
        assert "plate_days" not in {r[0] for r in again.store.execute("SHOW TABLES")}
    finally:
        again.close()


def test_reads_older_than_the_window_are_still_found(platform: Platform) -> None:
    store = platform.store
    old = WINDOW_DAYS + 20
    rows = [read("il-c1", 60 * 24 * old, "ANCIENT"), read("il-c1", 60 * 24 * 2, "ANCIENT")]
    rows += [read("il-c1", 60 * 24 * (old + 5), "OLDONLY")]
    store.append(make_reads(rows))
    store.compact(everything=True)
    assert len(_ids(store, "ANCIENT")) == 2
    assert len(_ids(store, "OLDONLY")) == 1


def test_the_window_slides_and_forgets_bits_of_days_that_left_it() -> None:
    """Unit level: bits of a day that left the window are cleared, not reused for a new day."""
    day0 = date(2026, 1, 1)
    pd = PlateDays(list, lambda day: pa.array([], pa.string()))
    pd.ensure_loaded()

    def note(day: date, plate: str) -> None:
        pd.note(pa.table({"day": pa.array([day], pa.date32()), "plate": [plate]}))

    note(day0, "SLIDE1")
    note(day0 + timedelta(days=WINDOW_DAYS), "OTHER1")  # day0's bit position is reused
    with pd.lock.shared():
        found = pd.days_clause(["SLIDE1"])
    assert found is not None
    sql, params = found
    assert sql == "(ts < ?)"  # day0 is now before the window: scanned, never a false range
    assert params[0] == datetime(2026, 1, 2)


def test_a_concurrent_ingest_never_hides_a_read(platform: Platform) -> None:
    """Compaction moves rows while lookups run and while the postings are being built from the
    runs: a lookup sees every read committed before it."""
    store, rng = platform.store, random.Random(11)
    for _ in range(3):  # days in the runs before the first lookup starts the build
        store.append(_random_reads(rng, 150, 12))
        store.compact(everything=True)
    errors: list[str] = []
    stop = threading.Event()

    def lookups() -> None:
        seen: dict[str, int] = {}
        while not stop.is_set():
            for plate in PLATES[:8]:
                n = store.count_reads([plate], ReadFilters(), ALL)
                if n < seen.get(plate, 0):
                    errors.append(f"{plate}: {n} after {seen[plate]}")
                seen[plate] = n

    worker = threading.Thread(target=lookups)
    worker.start()
    try:
        for _ in range(8):
            store.append(_random_reads(rng, 150, 12))
            store.compact(everything=True)
    finally:
        stop.set()
        worker.join()
    assert errors == []
    store.plate_days.ensure_loaded()
    _agree(store)
