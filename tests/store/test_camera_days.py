"""The camera projection (store.camera_days): the newest days again, sorted by camera, equal to
``reads`` on those days after every operation that writes reads, and camera windows that give the
same answers through it as without it — also while compaction slides it forward."""

from __future__ import annotations

import random
import threading
from datetime import datetime, time, timedelta
from pathlib import Path

from conftest import NOW, make_reads, read, setup_registry
from plateledger.app.platform import Platform
from plateledger.domain.types import CameraId, NetworkId
from plateledger.store.base import BBox, ReadFilters, Scope
from plateledger.store.camera_days import CAMERA_DAYS
from plateledger.store.duckdb_store import DuckDBStore

ALL = Scope({NetworkId("il-net"): None, NetworkId("tx-net"): None, NetworkId("va-net"): None})
CAMS = ("il-c1", "il-c2", "tx-c1", "va-c1")
COLUMNS = "read_id, network_key, camera_key, ts, plate, crop_ref, color"


def _reads(rng: random.Random, n: int, first_day: int, last_day: int) -> list[dict[str, object]]:
    return [
        read(rng.choice(CAMS), rng.uniform(first_day * 1440, (last_day + 1) * 1440 - 1),
             f"CD{rng.randrange(60):03d}", color=rng.choice(["red", "blue"]))
        for _ in range(n)
    ]  # fmt: skip


def _assert_copy_exact(store: DuckDBStore) -> None:
    first = store.camera_days.first_day
    assert first is not None
    start = datetime.combine(first, time())
    for a, b in (("reads", "reads_cam"), ("reads_cam", "reads")):
        extra = store.execute(
            f"SELECT count(*) FROM (SELECT {COLUMNS} FROM {a} WHERE ts >= ? "
            f"EXCEPT ALL SELECT {COLUMNS} FROM {b} WHERE ts >= ?)",
            [start, start],
        )[0][0]
        assert extra == 0, f"{a} has {extra} rows that {b} lacks"


def _windows(store: DuckDBStore) -> list[ReadFilters]:
    """Camera and area windows inside the copy, straddling its first day, and before it."""
    out = []
    for days_ago in (0, 1, CAMERA_DAYS - 1, CAMERA_DAYS, CAMERA_DAYS + 2):
        start = NOW - timedelta(days=days_ago, hours=6)
        for cams in ({CameraId("il-c1")}, {CameraId("il-c2"), CameraId("tx-c1")}):
            out.append(ReadFilters(time_from=start, time_to=start + timedelta(hours=12),
                                   cameras=frozenset(cams)))  # fmt: skip
        out.append(ReadFilters(time_from=start, bbox=BBox(41.0, -88.0, 42.0, -87.0)))
    return out


def _truth(store: DuckDBStore, f: ReadFilters) -> list[int]:
    """The same window without the copy: the projection switched off."""
    store.camera_days.pause()
    try:
        return sorted(int(r.id) for r in store.find_reads(None, f, ALL, limit=100_000))
    finally:
        store.camera_days._paused = False  # noqa: SLF001 - a test switch, not a rebuild


def _assert_windows_agree(store: DuckDBStore) -> None:
    for f in _windows(store):
        got = sorted(int(r.id) for r in store.find_reads(None, f, ALL, limit=100_000))
        assert got == _truth(store, f), f
        assert store.count_reads(None, f, ALL) == len(got)


def test_the_copy_equals_reads_through_compaction_purges_and_holds(platform: Platform) -> None:
    store, rng = platform.store, random.Random(5)
    for day in (9, 6, 4, 2, 1, 0):  # days arrive out of order, then newest last
        store.append(make_reads(_reads(rng, 200, day, day)))
        store.compact()
        _assert_copy_exact(store)
    newest = store.execute("SELECT max(ts) FROM reads")[0][0].date()
    assert store.camera_days.first_day == newest - timedelta(days=CAMERA_DAYS - 1)
    store.append(make_reads(_reads(rng, 300, 0, 2)))  # late reads of the copy's days
    store.compact(everything=True)
    _assert_copy_exact(store)
    _assert_windows_agree(store)
    held = store.execute("SELECT read_id FROM reads_cam ORDER BY ts LIMIT 1")[0][0]  # first day
    store.execute(
        "INSERT INTO legal_holds (case_number, read_id, created_by, created_at, note) "
        "VALUES ('case-1', ?, 'test', now(), 'kept')",
        [held],
    )
    first = store.camera_days.first_day
    assert first is not None
    store.purge_day(first)  # the copy's oldest day, whole
    store.purge_day(first + timedelta(days=1), [NetworkId("tx-net")])  # one owner only
    store.purge_before([NetworkId("va-net")], NOW - timedelta(hours=3), "retention")
    _assert_copy_exact(store)
    _assert_windows_agree(store)
    assert store.execute("SELECT count(*) FROM reads_cam WHERE read_id = ?", [held])[0][0] == 1
    assert (
        store.execute(
            "SELECT count(*) FROM reads_cam WHERE network_key = (SELECT key FROM networks "
            "WHERE id = 'va-net') AND ts < ? AND read_id <> ?",
            [(NOW - timedelta(hours=3)).replace(tzinfo=None), held],
        )[0][0]
        == 0
    )  # fmt: skip  (the held read may be a VA read: a legal hold outlives retention)


def test_only_camera_or_area_windows_inside_the_copy_use_it(platform: Platform) -> None:
    store = platform.store
    store.append(make_reads(_reads(random.Random(2), 100, 0, 5)))
    store.compact(everything=True)
    first = store.camera_days.first_day
    assert first is not None
    inside = datetime.combine(first, time()).replace(tzinfo=NOW.tzinfo)
    cams = frozenset({CameraId("il-c1")})
    serves = store.camera_days.serves
    assert serves(None, ReadFilters(time_from=inside, cameras=cams))
    assert serves(None, ReadFilters(time_from=inside, bbox=BBox(41.0, -88.0, 42.0, -87.0)))
    assert not serves(None, ReadFilters(time_from=inside - timedelta(seconds=1), cameras=cams))
    assert not serves(None, ReadFilters(cameras=cams))  # no start: every day
    assert not serves(["CD001"], ReadFilters(time_from=inside, cameras=cams))
    assert not serves(None, ReadFilters(time_from=inside, color="red"))


def test_a_store_from_before_the_copy_fills_it_on_its_next_compaction(data_dir: Path) -> None:
    p = Platform(data_dir)
    setup_registry(p)
    p.store.append(make_reads(_reads(random.Random(4), 300, 0, 6)))
    p.store.compact(everything=True)
    p.store.execute("DELETE FROM reads_cam")  # as migration 0017 leaves an older store
    p.store.execute("DELETE FROM meta WHERE key = 'camera_days_from'")
    p.close()
    again = Platform(data_dir)
    try:
        assert again.store.camera_days.first_day is None  # not used until filled
        _assert_windows_agree(again.store)
        again.store.append(make_reads(_reads(random.Random(8), 20, 0, 0)))
        again.store.compact()
        _assert_copy_exact(again.store)
        assert again.store.execute("SELECT count(*) FROM reads_cam")[0][0] > 20
        _assert_windows_agree(again.store)
    finally:
        again.close()


def test_bulk_load_rebuilds_the_copy_once(platform: Platform) -> None:
    store = platform.store
    store.bulk_load([make_reads(_reads(random.Random(6), 400, 0, 8))])
    first = store.camera_days.first_day
    newest = store.execute("SELECT max(ts) FROM reads")[0][0].date()
    assert first == newest - timedelta(days=CAMERA_DAYS - 1)
    _assert_copy_exact(store)
    _assert_windows_agree(store)


def test_a_window_never_loses_reads_while_the_copy_slides(platform: Platform) -> None:
    """Compaction moves the copy's first day forward while lookups of that day run."""
    store, rng = platform.store, random.Random(9)
    old = CAMERA_DAYS + 6
    store.append(make_reads(_reads(rng, 300, old - 1, old)))
    store.compact(everything=True)
    first = store.camera_days.first_day
    assert first is not None
    window = ReadFilters(time_from=datetime.combine(first, time()).replace(tzinfo=NOW.tzinfo),
                         cameras=frozenset({CameraId(c) for c in CAMS}))  # fmt: skip
    expected = store.count_reads(None, window, ALL)
    oldest = store.execute("SELECT min(ts) FROM reads_cam")[0][0].date()  # a day with reads
    before = datetime.combine(oldest, time()).replace(tzinfo=NOW.tzinfo)
    day_window = ReadFilters(time_from=before, time_to=before + timedelta(days=1),
                             cameras=window.cameras)  # fmt: skip
    day_count = store.count_reads(None, day_window, ALL)
    errors: list[str] = []
    stop = threading.Event()

    def lookups() -> None:
        while not stop.is_set():
            n = store.count_reads(None, day_window, ALL)
            if n != day_count:
                errors.append(f"{n} != {day_count}")

    worker = threading.Thread(target=lookups)
    worker.start()
    try:
        for day in range(old - 2, -1, -1):  # newer days push the first day out of the copy
            store.append(make_reads(_reads(rng, 60, day, day)))
            store.compact()
    finally:
        stop.set()
        worker.join()
    assert errors == []
    assert store.camera_days.first_day is not None and store.camera_days.first_day > first
    assert expected > 0 and day_count > 0
    _assert_copy_exact(store)
