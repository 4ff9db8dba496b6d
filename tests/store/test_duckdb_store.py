"""The DuckDB store on a real file: append, compaction, lookups, purge, Parquet round trip."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import NOW, make_reads, read, setup_registry
from plateledger.app.platform import Platform
from plateledger.domain.types import CameraId, NetworkId
from plateledger.errors import ValidationError
from plateledger.store.base import BBox, ReadFilters, Scope
from plateledger.store.duckdb_store import DuckDBStore

ALL = Scope({NetworkId("il-net"): None, NetworkId("tx-net"): None, NetworkId("va-net"): None})


def _load(platform: Platform) -> None:
    rows = [read("il-c1", m, "ABC123") for m in (5, 60, 60 * 24 * 3)]
    rows += [read("tx-c1", 30, "XYZ999", color="red", make="TOYOTA", vehicle_type="sedan")]
    rows += [read("va-c1", 60 * 24 * 30, "ABC123")]  # 30 days old, VA keeps 21
    rows += [read("tx-m1", 10, "MOB111", lat=29.71, lon=-95.41)]
    platform.store.append(make_reads(rows))


def test_append_assigns_ids_and_lookup_finds_hot_and_compacted(platform: Platform) -> None:
    _load(platform)
    store = platform.store
    hot = store.find_reads(["ABC123"], ReadFilters(), ALL, limit=10)
    assert [r.plate for r in hot] == ["ABC123"] * 4
    assert hot[0].ts > hot[1].ts  # newest first
    stats = store.compact()
    assert stats.moved == 6
    cold = store.find_reads(["ABC123"], ReadFilters(), ALL, limit=10)
    assert [r.id for r in cold] == [r.id for r in hot]
    assert store.count_reads(["ABC123"], ReadFilters(), ALL) == 4
    assert {r.owner_agency for r in cold} == {"il-test-pd", "va-test-pd"}


def test_scope_excludes_networks_and_applies_retention(platform: Platform) -> None:
    _load(platform)
    store = platform.store
    store.compact()
    only_il = Scope({NetworkId("il-net"): None})
    assert {
        r.network_id for r in store.find_reads(["ABC123"], ReadFilters(), only_il, limit=9)
    } == {"il-net"}
    va_cut = Scope({NetworkId("va-net"): NOW - timedelta(days=21)})
    assert store.find_reads(["ABC123"], ReadFilters(), va_cut, limit=9) == []
    assert store.find_reads(["ABC123"], ReadFilters(), Scope({}), limit=9) == []


def test_filters_time_camera_description_bbox(platform: Platform) -> None:
    _load(platform)
    store = platform.store
    window = ReadFilters(time_from=NOW - timedelta(hours=2), time_to=NOW)
    assert len(store.find_reads(["ABC123"], window, ALL, limit=9)) == 2
    cams = ReadFilters(cameras=frozenset({CameraId("tx-c1")}), color="red", make="TOYOTA")
    assert [r.plate for r in store.find_reads(None, cams, ALL, limit=9)] == ["XYZ999"]
    box = ReadFilters(bbox=BBox(29.70, -95.42, 29.72, -95.40))
    assert [r.plate for r in store.find_reads(None, box, ALL, limit=9)] == ["MOB111"]


def test_unknown_camera_is_rejected(platform: Platform) -> None:
    with pytest.raises(ValidationError, match="nope"):
        platform.store.append(make_reads([read("nope", 1, "AAA111")]))


def test_data_survives_reopen_and_second_process_is_refused(data_dir: Path) -> None:
    p = Platform(data_dir)
    setup_registry(p)
    p.store.append(make_reads([read("il-c1", 1, "KEEP01")]))
    code = (
        "import pathlib, sys\n"
        "from plateledger.errors import DataDirInUseError\n"
        "from plateledger.store.duckdb_store import DuckDBStore\n"
        "try:\n"
        f"    DuckDBStore(pathlib.Path({str(data_dir)!r}))\n"
        "except DataDirInUseError as exc:\n"
        "    print(exc.message)\n"
        "    sys.exit(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert out.returncode == 3, out.stderr
    assert "in use" in out.stdout
    p.close()
    again = DuckDBStore(data_dir)
    assert [r.plate for r in again.find_reads(["KEEP01"], ReadFilters(), ALL, limit=5)] == [
        "KEEP01"
    ]
    again.close()


def test_merge_and_purge_free_space(platform: Platform) -> None:
    store = platform.store
    midnight = NOW.replace(hour=0, minute=0, second=0)
    noon_ago = [
        (NOW - (midnight - timedelta(days=d, hours=-12))).total_seconds() / 60 for d in (1, 2)
    ]
    rows = [  # each day's reads around its noon, whatever the time of day the test runs
        read("il-c1", ago - i * 0.001, f"P{i:05d}") for ago in noon_ago for i in range(100_000)
    ]
    for start in range(0, len(rows), 50_000):  # several runs per day
        store.append(make_reads(rows[start : start + 50_000]))
        store.compact()
    store.compact(everything=True)
    day = (NOW - timedelta(days=1)).date()
    before = store.stats().reads
    receipt = store.purge_day(day)
    assert receipt.count > 0
    assert store.stats().reads == before - receipt.count
    assert receipt.bytes_freed > 0
    assert store.find_reads(["P00001"], ReadFilters(), ALL, limit=9)  # other day still there


def test_partial_purge_of_one_network(platform: Platform) -> None:
    store = platform.store
    rows = [read("il-c1", 60 * 24 * 2, "IL0001"), read("tx-c1", 60 * 24 * 2, "TX0001")]
    store.append(make_reads(rows))
    store.compact()
    day = (NOW - timedelta(days=2)).date()
    receipt = store.purge_day(day, [NetworkId("il-net")])
    assert receipt.count == 1
    assert store.find_reads(["IL0001"], ReadFilters(), ALL, limit=9) == []
    assert len(store.find_reads(["TX0001"], ReadFilters(), ALL, limit=9)) == 1
    assert "IL0001" not in store.distinct_plates().to_pylist()


def test_parquet_round_trip(platform: Platform, tmp_path: Path) -> None:
    _load(platform)
    out = tmp_path / "export"
    assert platform.store.export_parquet(out) == 6
    dirs = sorted(p.relative_to(out).parts[0] for p in out.rglob("*.parquet"))
    assert "owner=il-test-pd" in dirs and "owner=tx-test-pd" in dirs
    other = Platform(tmp_path / "other")
    setup_registry(other)
    assert other.store.import_parquet(out) == 6
    got = other.store.find_reads(["MOB111"], ReadFilters(), ALL, limit=5)
    assert got[0].lat == pytest.approx(29.71)
    assert got[0].confidence == pytest.approx(0.9)
    other.close()
