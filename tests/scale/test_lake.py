"""The lake without Spark: layout, planning by policy scope, retention with receipts, engine
configuration and the cluster's clear errors (no Spark needed, so these run fast)."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from conftest import NOW, make_reads, read, setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.main import app
from plateledger.domain.types import NetworkId
from plateledger.errors import ValidationError
from plateledger.scale import cluster
from plateledger.scale.config import load_engine_config
from plateledger.scale.lake import Lake
from plateledger.store.base import ReadFilters, Scope

runner = CliRunner()
DAY = 24 * 60


def purge_receipts(platform: Platform) -> list[dict[str, Any]]:
    """The subjects of the audit log's purge receipts (the crop sweep's entry left out)."""
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size))
    return [e["subject"] for e in entries
            if e["event_type"] == "purge" and "crops_deleted" not in e["subject"]]  # fmt: skip


def exported(platform: Platform) -> Lake:
    rows = [
        read("va-c1", 30 * DAY, "OLD001"), read("va-c1", 30 * DAY + 1, "OLD002"),
        read("va-c1", 25 * DAY, "OLD003"), read("va-c1", 2 * DAY, "NEW001"),
        read("il-c1", 30 * DAY, "ILOLD1"), read("tx-c1", 1, "TX0001"),
    ]  # fmt: skip
    platform.store.append(make_reads(rows))
    platform.store.compact(everything=True)
    platform.store.export_parquet(platform.data_dir / "lake")
    return Lake(str(platform.data_dir / "lake"))


def test_plan_lists_only_allowed_owners_days_and_plates(platform: Platform) -> None:
    lake = exported(platform)
    owner_of = {n.id: n.agency_id for n in platform.store.networks()}
    scope = Scope({NetworkId("va-net"): NOW - timedelta(days=21), NetworkId("tx-net"): None})
    plan = lake.plan(scope, ReadFilters(), owner_of)
    assert plan is not None and plan.owners == ("tx-test-pd", "va-test-pd")
    assert not any("owner=il-test-pd" in f for f in plan.files)
    assert len(plan.files) == 2  # VA's recent day and TX's day; VA's old days are past 21 days
    by_plate = lake.plan(scope, ReadFilters(), owner_of, plates=["TX0001"])
    assert by_plate is not None and [Path(f).parts[-3] for f in by_plate.files] == [
        "owner=tx-test-pd"
    ]
    assert lake.plan(Scope({}), ReadFilters(), owner_of) is None


def test_export_layout_sorted_zstd_with_plate_dictionary(platform: Platform) -> None:
    lake = exported(platform)
    files = sorted(Path(lake.base).glob("owner=*/day=*/*.parquet"))
    assert len(files) == lake.file_count() == 5
    meta = pq.ParquetFile(files[0]).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert meta.row_group(0).column(0).statistics.has_min_max
    assert set(lake.plates().to_pylist()) == set(platform.store.distinct_plates().to_pylist())
    # DuckDB reads the same files back: a round trip into a fresh store.
    other = Platform(platform.data_dir.parent / "other")
    try:
        setup_registry(other)
        assert other.store.import_parquet(Path(lake.base)) == 6
    finally:
        other.close()


def test_lake_retention_deletes_partitions_and_audits_receipts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    platform = Platform(data)
    setup_registry(platform)
    lake = exported(platform)
    held = platform.store.find_reads(["OLD003"], ReadFilters(),
                                     Scope({NetworkId("va-net"): None}), limit=1)[0]  # fmt: skip
    platform.store.add_legal_hold("24-777", [int(held.id)], "il-supervisor", "evidence")
    platform.close()  # the CLI opens the data directory itself
    result = runner.invoke(app, ["spark", "retention", "--data", str(data)])
    assert result.exit_code == 0, result.output
    receipts = orjson.loads(result.stdout)
    assert {r["owner"] for r in receipts} == {"va-test-pd"}  # IL keeps 180 days, TX forever
    assert sum(r["count"] for r in receipts) == 2  # OLD001, OLD002; OLD003 is under a hold
    lake.refresh()
    left = set(lake.plates().to_pylist())
    assert {"OLD001", "OLD002"}.isdisjoint(left)
    assert {"OLD003", "NEW001", "ILOLD1", "TX0001"} <= left  # held, recent, other owners
    reopened = Platform(data)
    try:
        logged = purge_receipts(reopened)
        assert len(logged) == len(receipts) >= 1
        assert all(s["rule"] == "VA.retention" and s["source"] == "lake" for s in logged)
        assert sum(s["rows_purged"] for s in logged) == 2
    finally:
        reopened.close()


def test_engine_config_defaults_and_clear_errors(tmp_path: Path) -> None:
    assert load_engine_config(tmp_path).engine == "duckdb"
    (tmp_path / "engine.yaml").write_text("engine: spark\n")
    with pytest.raises(ValidationError, match="master: required"):
        load_engine_config(tmp_path)
    (tmp_path / "engine.yaml").write_text("engine: spark\nmaster: http://x\n")
    with pytest.raises(ValidationError, match="master"):
        load_engine_config(tmp_path)
    (tmp_path / "engine.yaml").write_text("engine: spark\nmaster: spark://h:7077\nworkers: 3\n")
    with pytest.raises(ValidationError, match="workers"):
        load_engine_config(tmp_path)
    (tmp_path / "engine.yaml").write_text("engine: spark\nmaster: sc://h:15002\nlake: s3a://b/p\n")
    config = load_engine_config(tmp_path)
    assert (config.master, config.lake_uri(tmp_path)) == ("sc://h:15002", "s3a://b/p")


def test_default_platform_searches_through_duckdb(platform: Platform) -> None:
    assert platform.reads is platform.store
    assert platform.search.store is platform.store


def test_cluster_refuses_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        spec = cluster.ClusterSpec(tmp_path, port=port, webui_port=port + 1)
        with pytest.raises(cluster.ClusterError, match=f"port {port}"):
            cluster.up(spec)
    assert cluster.status(tmp_path)["running"] is False


def test_cluster_says_when_java_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(cluster.ClusterError, match="Java 17"):
        cluster.find_java(jvm_dirs=tmp_path)


def test_the_servers_retention_run_also_purges_the_lake_with_spark_configured(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    platform = Platform(data)
    try:
        setup_registry(platform)
        lake = exported(platform)
        (data / "engine.yaml").write_text("engine: spark\nmaster: local[1]\nlake: lake\n")
        platform.retention.run()  # what the server runs every hour; no Spark session is needed
        lake.refresh()
        assert {"OLD001", "OLD002", "OLD003"}.isdisjoint(set(lake.plates().to_pylist()))
        logged = [s for s in purge_receipts(platform) if s["rule"] == "VA.retention"]
        # 3 reads from the embedded store and the same 3 from the lake
        assert sum(s["rows_purged"] for s in logged) == 6
        assert {s["source"] for s in logged} == {"store", "lake"}
    finally:
        platform.close()


def test_compacted_days_are_rewritten_in_the_lake_alone(tmp_path: Path) -> None:
    platform = Platform(tmp_path / "data")
    try:
        setup_registry(platform)
        lake = exported(platform)
        base = Path(lake.base)
        untouched = base / "owner=va-test-pd"
        before = {f: f.stat().st_mtime_ns for f in untouched.rglob("*.parquet")}
        platform.store.append(make_reads([read("tx-c1", 0, "TX0002")]))
        stats = platform.store.compact(everything=True)
        assert stats.days
        n = platform.store.export_parquet(base, stats.days)
        assert n >= 1
        lake.refresh()
        assert {"TX0001", "TX0002"} <= set(lake.plates().to_pylist())  # the day kept its reads
        assert {f: f.stat().st_mtime_ns for f in untouched.rglob("*.parquet")} == before
        assert not list(base.glob(".staging-*"))
        full = Platform(tmp_path / "again")
        try:  # the incremental lake holds exactly what a full export would
            setup_registry(full)
            assert full.store.import_parquet(base) == 7
        finally:
            full.close()
    finally:
        platform.close()
