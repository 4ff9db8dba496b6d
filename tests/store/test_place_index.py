"""The place index (store.place_index): every read of the runs again, slim and ordered by (hour,
camera), equal to ``reads`` after every operation that writes reads; and the analyses that read
it (convoy, multi-place, frequent visitor) give the answers a plain scan of every read gives,
computed here in Python — windows across hour and day boundaries, a retention cutoff, reads
still in the hot tail, and a target seen so often that the convoy scans its cameras instead."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import NOW, make_reads, read, setup_registry
from plateledger.app.platform import Platform
from plateledger.domain.types import CameraId, NetworkId
from plateledger.store import analysis_query as aq
from plateledger.store import place_index, writer
from plateledger.store.base import ReadFilters, Scope
from plateledger.store.duckdb_store import DuckDBStore

ALL = Scope({NetworkId("il-net"): None, NetworkId("tx-net"): None, NetworkId("va-net"): None})
CAMS = ("il-c1", "il-c2", "tx-c1", "va-c1")
COLUMNS = "read_id, network_key, camera_key, ts, plate, lat, lon"
TARGET = "TGT0001"


def _assert_index_exact(store: DuckDBStore) -> None:
    ids = store.execute(
        "SELECT count(*), count(DISTINCT plate), count(DISTINCT pid) FROM plate_dict"
    )
    assert ids[0][0] == ids[0][1] == ids[0][2]  # one id per plate, one plate per id
    index = f"(SELECT * FROM {place_index.WITH_PLATES})"
    for a, b in (("reads", index), (index, "reads")):
        extra = store.execute(
            f"SELECT count(*) FROM (SELECT {COLUMNS} FROM {a} EXCEPT ALL SELECT {COLUMNS} FROM {b})"
        )[0][0]
        assert extra == 0, f"{a} has {extra} rows that {b} lacks"
    wrong = store.execute(
        f"SELECT count(*) FROM {place_index.TABLE} WHERE ch <> {place_index.KEY_SQL}"
    )[0][0]
    assert wrong == 0
    for ts, camera_key, ch in store.execute(f"SELECT ts, camera_key, ch FROM {place_index.TABLE}"):
        assert ch == (place_index.hour_of(ts) << 32) | camera_key  # the Python keys agree


def _traffic(rng: random.Random, n: int, days: int) -> list[dict[str, object]]:
    """Background reads, a target near hour boundaries, and companions near the target."""
    rows = [read(rng.choice(CAMS), rng.uniform(0, days * 1440), f"BG{rng.randrange(40):03d}")
            for _ in range(n)]  # fmt: skip
    hour_edge = NOW.replace(minute=0, second=0)
    for i in range(24):
        cam = CAMS[i % len(CAMS)]
        at = hour_edge - timedelta(hours=3 * i, seconds=rng.choice([-50, -10, 20, 70]))
        minutes_ago = (NOW - at).total_seconds() / 60
        rows.append(read(cam, minutes_ago, TARGET))
        for pal, spread in (("PAL0001", 100), ("PAL0002", 300), ("PAL0003", 5000)):
            if rng.random() < 0.8:
                rows.append(read(cam, minutes_ago + rng.uniform(-spread, spread) / 60, pal))
    return rows


def _all_reads(store: DuckDBStore) -> list[tuple[str, str, datetime, str]]:
    sql = (
        "SELECT r.plate, c.id, r.ts, n.id FROM {t} r JOIN cameras c ON c.key = r.camera_key "
        "JOIN networks n ON n.key = r.network_key"
    )
    rows = [*store.execute(sql.format(t="reads")), *store.execute(sql.format(t="reads_hot"))]
    return [(p, c, ts.replace(tzinfo=UTC), n) for p, c, ts, n in rows]


def _visible(rows: list[tuple[str, str, datetime, str]], scope: Scope) -> list[tuple[str, ...]]:
    out = []
    for plate, cam, ts, net in rows:
        if NetworkId(net) not in scope.networks:
            continue
        cutoff = scope.networks[NetworkId(net)]
        if cutoff is None or ts >= cutoff:
            out.append((plate, cam, ts))
    return out  # type: ignore[return-value]


def _convoy_truth(
    rows: list[tuple[str, ...]], window: ReadFilters, delta: timedelta, k: int
) -> list[tuple[str, int, list[str]]]:
    def inside(ts: datetime, lo: datetime | None, hi: datetime | None) -> bool:
        return (lo is None or ts >= lo) and (hi is None or ts < hi)

    lo, hi = window.time_from, window.time_to
    target = [(c, ts) for p, c, ts in rows if p == TARGET and inside(ts, lo, hi)]  # type: ignore[arg-type]
    around = (lo - delta if lo else None, hi + delta if hi else None)
    best: dict[tuple[str, str], float] = {}
    for p, c, ts in rows:
        if p == TARGET or not inside(ts, *around):  # type: ignore[arg-type]
            continue
        for tc, tts in target:
            gap = abs((ts - tts).total_seconds())  # type: ignore[operator]
            if tc == c and gap <= delta.total_seconds():
                best[(p, c)] = min(best.get((p, c), gap), gap)  # type: ignore[index]
    per: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (p, c), gap in best.items():
        per[p].append((c, gap))
    ranked = sorted(
        ((p, len(v), sum(g for _, g in v) / len(v), sorted(c for c, _ in v))
         for p, v in per.items() if len(v) >= k),
        key=lambda r: (-r[1], r[2], r[0]),
    )  # fmt: skip
    return [(p, n, cams) for p, n, _, cams in ranked]


def _convoy(
    store: DuckDBStore, window: ReadFilters, scope: Scope, delta: timedelta, k: int
) -> list[tuple[str, int, list[str]]]:
    rows = aq.convoy(store, aq.Registry.load(store), TARGET, window, scope, delta=delta,
                     min_cameras=k, limit=1000)  # fmt: skip
    return [(p, n, sorted(str(e[0]) for e in ev)) for p, n, _, ev in rows]


class _PlainSql:
    """The store seen only through ``execute``: the convoy finds its target without postings."""

    def __init__(self, store: DuckDBStore) -> None:
        self.execute = store.execute


def _check_convoys(store: DuckDBStore) -> None:
    rows = _all_reads(store)
    cut = Scope({**ALL.networks, NetworkId("va-net"): NOW - timedelta(hours=20)})
    windows = (ReadFilters(), ReadFilters(NOW - timedelta(hours=30), NOW - timedelta(hours=2)))
    for scope in (ALL, cut):
        visible = _visible(rows, scope)
        for window in windows:
            for delta, k in ((timedelta(minutes=2), 1), (timedelta(minutes=2), 2),
                             (timedelta(seconds=30), 1), (timedelta(minutes=95), 3)):  # fmt: skip
                got = _convoy(store, window, scope, delta, k)
                assert got == _convoy_truth(visible, window, delta, k), (window, delta, k)
    assert _convoy(store, ReadFilters(), ALL, timedelta(minutes=2), 1)  # not vacuous
    plain = aq.convoy(_PlainSql(store), aq.Registry.load(store), TARGET, ReadFilters(), cut,  # type: ignore[arg-type]
                      delta=timedelta(minutes=2), min_cameras=1, limit=1000)  # fmt: skip
    assert [(p, n) for p, n, *_ in plain] == [
        (p, n) for p, n, _ in _convoy(store, ReadFilters(), cut, timedelta(minutes=2), 1)
    ]


def test_the_index_equals_reads_through_compaction_bulk_load_purges_and_holds(
    platform: Platform,
) -> None:
    store, rng = platform.store, random.Random(3)
    store.bulk_load([make_reads(_traffic(rng, 300, 4))])
    _assert_index_exact(store)
    for _ in range(3):
        store.append(make_reads(_traffic(rng, 100, 3)))
        store.compact()
        _assert_index_exact(store)
    held = store.execute("SELECT read_id, ts FROM reads ORDER BY ts LIMIT 1")[0]
    store.execute(
        "INSERT INTO legal_holds (case_number, read_id, created_by, created_at, note) "
        "VALUES ('case-1', ?, 'test', now(), 'kept')",
        [held[0]],
    )
    store.purge_day(held[1].date())
    store.purge_day((NOW - timedelta(days=1)).date(), [NetworkId("tx-net")])
    store.purge_before([NetworkId("va-net")], NOW - timedelta(hours=5), "retention")
    _assert_index_exact(store)
    found = f"SELECT count(*) FROM {place_index.TABLE} WHERE read_id = ?"
    assert store.execute(found, [held[0]])[0][0] == 1  # the held read stays in both
    _check_convoys(store)
    store.append(make_reads([read("il-c1", 7, "ZZZ9999")]))
    store.compact(everything=True)
    top = store.execute("SELECT plate FROM plate_dict ORDER BY pid DESC LIMIT 1")[0][0]
    assert top == "ZZZ9999"
    gone = store.execute("SELECT read_id FROM reads WHERE plate = ?", [top])
    store.execute("DELETE FROM legal_holds")
    for table in ("reads", place_index.TABLE):  # the newest id's plate loses its reads...
        store.execute(f"DELETE FROM {table} WHERE read_id IN (SELECT unnest(?::UBIGINT[]))",
                      [[r[0] for r in gone]])  # fmt: skip
    writer.prune_plate_dict(store._cur())  # noqa: SLF001 - as a purge does, after its deletes
    store.append(make_reads([read("il-c1", 5, "NEW0001"), read("il-c2", 6, "NEW0002")]))
    store.compact(everything=True)  # ...and new plates take the freed id and the next
    _assert_index_exact(store)
    _check_convoys(store)


def test_convoys_match_a_scan_of_every_read_hot_or_compacted(platform: Platform) -> None:
    store, rng = platform.store, random.Random(11)
    store.append(make_reads(_traffic(rng, 400, 3)))
    _check_convoys(store)  # everything still in the hot tail
    store.compact(everything=True)
    store.append(make_reads(_traffic(rng, 100, 1)))  # some compacted, some hot
    _check_convoys(store)


def test_a_target_seen_very_often_scans_its_cameras(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = platform.store
    store.append(make_reads(_traffic(random.Random(12), 300, 3)))
    store.compact(everything=True)
    monkeypatch.setattr(place_index, "MAX_KEYS", 3)
    _check_convoys(store)


def test_multi_place_and_frequent_visitors_match_a_scan(platform: Platform) -> None:
    store, rng = platform.store, random.Random(13)
    store.append(make_reads(_traffic(rng, 600, 5)))
    store.compact()
    store.append(make_reads(_traffic(rng, 100, 1)))
    reg, visible = aq.Registry.load(store), _visible(_all_reads(store), ALL)
    for hours in (1, 7, 30):
        places = ((2, "il-c1"), (40, "il-c2"))
        wins = [ReadFilters(NOW - timedelta(hours=h + hours), NOW - timedelta(hours=h),
                            frozenset({CameraId(c)})) for h, c in places]  # fmt: skip
        got = {p for p, *_ in aq.multi_place(store, reg, wins, ALL, limit=1000)}
        sets = [{p for p, c, ts in visible if CameraId(c) in (w.cameras or ())
                 and w.time_from <= ts < w.time_to} for w in wins]  # type: ignore[operator]  # fmt: skip
        assert got == sets[0] & sets[1]
    place = ReadFilters(NOW - timedelta(days=6), NOW, frozenset({CameraId("il-c1")}))
    days: dict[str, set[object]] = defaultdict(set)
    for p, c, ts in visible:
        if c == "il-c1" and place.time_from <= ts < place.time_to:  # type: ignore[operator]
            days[p].add(ts.date())  # type: ignore[attr-defined]
    got_days = {p: n for p, n, *_ in aq.frequent_visitors(store, reg, place, ALL, min_days=2,
                                                          limit=1000)}  # fmt: skip
    assert got_days == {p: len(d) for p, d in days.items() if len(d) >= 2}
    assert got_days  # not vacuous


def test_a_store_from_before_the_index_is_indexed_by_its_migration(data_dir: Path) -> None:
    p = Platform(data_dir)
    setup_registry(p)
    p.store.append(make_reads(_traffic(random.Random(4), 200, 3)))
    p.store.compact(everything=True)
    p.store.execute(f"DROP TABLE {place_index.TABLE}")  # as a store before migration 0019
    p.store.execute("DELETE FROM schema_migrations WHERE name = '0019_place_index'")
    p.close()
    again = Platform(data_dir)
    try:
        assert again.store.execute(f"SELECT count(*) FROM {place_index.TABLE}")[0][0] > 200
        _assert_index_exact(again.store)
        _check_convoys(again.store)
    finally:
        again.close()
