"""The same searches on DuckDB and on a standalone Spark cluster give identical results (ids,
order, every field), through the unchanged SearchService; the policy-excluded owner's files are
never opened; the audit entry of a Spark search is the same as a local one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import NOW
from plateledger.app.platform import Platform
from plateledger.audit.events import parse_event
from plateledger.domain.types import AgencyId, NetworkId
from plateledger.scale.lake import Lake
from plateledger.search.service import SearchService
from plateledger.search.timeline import timeline
from plateledger.search.types import Near, Purpose, SearchQuery, SearchRequest
from plateledger.store.base import ReadFilters, Scope

pytestmark = pytest.mark.slow

PURPOSE = Purpose("stolen_vehicle", "24-001", "stolen car report")

QUERIES = {
    "exact": SearchQuery(plate="ABC123", limit=20),
    "exact_page_2": SearchQuery(plate="ABC128", limit=5, offset=5),
    "wildcard": SearchQuery(plate="ABC*", mode="wildcard", limit=40),
    "fuzzy": SearchQuery(plate="ABC12B", mode="fuzzy", max_distance=1, limit=30),
    "description_place": SearchQuery(
        color="red",
        vehicle_type="sedan",
        near=Near(41.89, -87.635, 5.0),
        time_from=NOW - timedelta(days=30),
        time_to=NOW + timedelta(minutes=1),
        limit=50,
    ),  # fmt: skip
    "mobile_area": SearchQuery(
        near=Near(29.70, -95.40, 3.0), time_from=NOW - timedelta(days=10), time_to=NOW, limit=50
    ),  # fmt: skip
    "time": SearchQuery(
        cameras=("il-c1", "tx-c1", "va-c1"),
        time_from=NOW - timedelta(days=6),
        time_to=NOW - timedelta(days=1),
        limit=60,
    ),  # fmt: skip
}


def owner_files(lake: Lake, owner: str) -> list[Path]:
    return sorted(Path(lake.base).glob(f"owner={owner}/day=*/*.parquet"))


def services(platform: Platform) -> tuple[SearchService, SearchService]:
    """Spark and DuckDB services on the same policy, recorder, dictionary and a fixed clock."""
    clock: Callable[[], Any] = lambda: NOW  # noqa: E731
    spark = SearchService(platform.reads, platform.policy, platform.search.recorder,
                          platform.dictionary, clock)  # fmt: skip
    local = SearchService(platform.store, platform.policy, platform.search.recorder,
                          platform.dictionary, clock)  # fmt: skip
    return spark, local


def officer(platform: Platform) -> Any:
    return next(u for u in platform.store.users() if u.id == "il-officer")


def hits(response: Any) -> list[tuple[Any, ...]]:
    return [(h.read, h.score, h.why) for h in response.hits]


def test_searches_are_identical_and_the_excluded_owner_is_never_read(
    spark_platform: Platform,
) -> None:
    platform = spark_platform
    assert platform.search.store is platform.reads  # the configured engine answers searches
    lake = platform.reads.lake  # type: ignore[attr-defined]
    for f in owner_files(lake, "va-test-pd"):  # opening any of these would fail the query
        f.write_bytes(b"not parquet: an excluded owner's partition must never be opened")
    spark, local = services(platform)
    user = officer(platform)
    for name, query in QUERIES.items():
        got = spark.search(SearchRequest(user, query, PURPOSE))
        want = local.search(SearchRequest(user, query, PURPOSE))
        assert [h[0].id for h in hits(got)] == [h[0].id for h in hits(want)], name
        assert hits(got) == hits(want), name
        assert (got.has_more, got.total, got.matched_plates) == (
            want.has_more, want.total, want.matched_plates), name  # fmt: skip
        assert {d.network for d in got.networks_excluded} == {"va-net"}
        plan = platform.reads.last_plan  # type: ignore[attr-defined]
        assert plan is not None and plan.owners == ("il-test-pd", "tx-test-pd")
        assert not any("owner=va-test-pd" in f for f in plan.files)
    assert any(hits(local.search(SearchRequest(user, q, PURPOSE))) for q in QUERIES.values())


def test_timeline_is_identical(spark_platform: Platform) -> None:
    spark, local = services(spark_platform)
    user = officer(spark_platform)
    got = timeline(spark, user, "ABC123", PURPOSE)
    want = timeline(local, user, "ABC123", PURPOSE)
    assert got.total_reads == want.total_reads > 0
    assert dataclasses.replace(got, search_id="") == dataclasses.replace(want, search_id="")


def test_partition_plan_counts_files_and_honours_retention(spark_platform: Platform) -> None:
    store = spark_platform.reads
    lake = store.lake  # type: ignore[attr-defined]
    cutoff = NOW - timedelta(days=180)
    scope = Scope({NetworkId("il-net"): cutoff, NetworkId("tx-net"): None})
    before = store.files_opened  # type: ignore[attr-defined]
    n_spark = store.count_reads(None, ReadFilters(), scope)
    n_local = spark_platform.store.count_reads(None, ReadFilters(), scope)
    assert n_spark == n_local > 0
    plan = store.last_plan  # type: ignore[attr-defined]
    il_days = {p.parent.name for p in owner_files(lake, "il-test-pd")}
    kept = {d for d in il_days if d >= f"day={cutoff.date().isoformat()}"}
    assert kept < il_days  # some IL days are past the window: never opened
    expected = len(kept) + len(owner_files(lake, "tx-test-pd"))
    assert len(plan.files) == expected
    assert store.files_opened - before == expected  # type: ignore[attr-defined]
    # Nothing allowed: no file is opened at all.
    assert store.find_reads(None, ReadFilters(), Scope({}), limit=10) == []
    assert store.last_plan is None  # type: ignore[attr-defined]


def test_owner_summary_on_the_cluster(spark_platform: Platform) -> None:
    scope = Scope({NetworkId("il-net"): None, NetworkId("tx-net"): None})
    got = spark_platform.reads.owner_summary(ReadFilters(), scope)  # type: ignore[attr-defined]
    rows = spark_platform.store.execute(
        "SELECT n.agency_id, count(*), count(DISTINCT r.plate) FROM reads r "
        "JOIN networks n ON n.key = r.network_key WHERE n.id IN ('il-net', 'tx-net') "
        "GROUP BY 1 ORDER BY 1"
    )
    assert got == [(str(a), int(n), int(p)) for a, n, p in rows]
    assert AgencyId("va-test-pd") not in {g[0] for g in got}


def test_audit_entry_of_a_spark_search_matches_a_local_one(spark_platform: Platform) -> None:
    platform = spark_platform
    spark, local = services(platform)
    user = officer(platform)
    audit = platform.audit
    entries, ids = [], []
    for service in (spark, local):
        response = service.search(SearchRequest(user, SearchQuery(plate="KLM456"), PURPOSE))
        event = parse_event(audit.entry(audit.size - 1))
        assert event.subject["search_id"] == response.search_id
        entries.append(event)
        ids.append(response.search_id)
    spark_event, local_event = (
        dataclasses.replace(e, subject={**e.subject, "search_id": "-"}) for e in entries
    )
    assert spark_event == local_event
    logged = platform.store.execute(
        "SELECT created_at, kind, user_id, purpose, query_json, decisions_json FROM search_log "
        "WHERE search_id IN (?, ?)", ids,
    )  # fmt: skip
    assert len(logged) == 2
    assert logged[0] == logged[1]
    assert orjson.loads(logged[0][4])["plate"] == "KLM456"


def test_spark_store_reports_every_plate_of_the_lake(spark_platform: Platform) -> None:
    lake_plates = set(spark_platform.reads.distinct_plates().to_pylist())
    assert lake_plates == set(spark_platform.store.distinct_plates().to_pylist())


def test_the_lake_keeps_rows_sorted_by_plate(spark_platform: Platform) -> None:
    import pyarrow.parquet as pq

    lake = spark_platform.reads.lake  # type: ignore[attr-defined]
    for f in owner_files(lake, "il-test-pd"):
        meta = pq.ParquetFile(f).metadata
        assert meta.row_group(0).column(3).statistics.has_min_max
        assert meta.row_group(0).column(3).compression == "ZSTD"
        plates = pq.read_table(f, columns=["plate", "ts"]).to_pylist()
        assert plates == sorted(plates, key=lambda r: (r["plate"], r["ts"]))
    assert Path(lake.base, "_plates").is_dir()
