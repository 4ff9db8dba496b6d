"""Retention: effective windows, purges with receipts, legal holds, NH non-hit reads."""

from __future__ import annotations

from typing import Any

import orjson

from conftest import make_reads, read
from plateledger.app.platform import Platform
from plateledger.domain.types import Agency, AgencyId, Camera, CameraId, Network, NetworkId
from plateledger.store.base import ReadFilters, Scope

ALL = Scope({NetworkId("il-net"): None, NetworkId("tx-net"): None, NetworkId("va-net"): None})


def purge_events(platform: Platform) -> list[dict[str, Any]]:
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size))
    return [e for e in entries if e["event_type"] == "purge"]


def test_windows_take_the_shorter_of_law_and_setting(platform: Platform) -> None:
    got = {w.agency.id: (w.minutes, w.source) for w in platform.retention.windows()}
    assert got["va-test-pd"] == (21 * 1440, "VA.retention")  # statute 21 < setting 21: statute
    assert got["il-test-pd"] == (180 * 1440, "agency.il-test-pd.retention")
    assert got["tx-test-pd"] == (None, "none")  # no cap, no setting: kept


def test_purge_keeps_recent_and_held_reads_and_writes_receipts(platform: Platform) -> None:
    rows = [
        read("va-c1", 60 * 24 * 30, "OLD001"), read("va-c1", 60 * 24 * 30 + 1, "OLD002"),
        read("va-c1", 60 * 24 * 2, "NEW001"), read("il-c1", 60 * 24 * 30, "ILOLD1"),
    ]  # fmt: skip
    platform.store.append(make_reads(rows))
    platform.store.compact()
    held = platform.store.find_reads(["OLD002"], ReadFilters(), ALL, limit=1)[0]
    platform.store.add_legal_hold("24-777", [int(held.id)], "il-supervisor", "evidence")
    receipts = platform.retention.run()
    assert sum(r.count for r in receipts) == 1
    assert platform.store.find_reads(["OLD001"], ReadFilters(), ALL, limit=1) == []
    assert platform.store.find_reads(["OLD002"], ReadFilters(), ALL, limit=1)  # legal hold
    assert platform.store.find_reads(["NEW001"], ReadFilters(), ALL, limit=1)
    assert platform.store.find_reads(["ILOLD1"], ReadFilters(), ALL, limit=1)  # IL keeps 180
    assert len(platform.store.purge_receipts()) == len(receipts)
    logged = purge_events(platform)
    assert [(e["user_id"], e["subject"]["rule"]) for e in logged] == [
        ("system", "VA.retention")
    ] * len(receipts)
    assert [e["subject"]["rows_purged"] for e in logged] == [r.count for r in receipts]
    assert logged[0]["subject"]["window_minutes"] == 21 * 1440
    assert logged[0]["networks"] == ["va-net"] and logged[0]["subject"]["network"] == "va-net"
    assert logged[0]["subject"]["owner_agency"] == "va-test-pd"
    assert platform.store.execute("SELECT count(*) FROM search_log") == [(0,)]  # not a search
    assert platform.retention.run() == []  # nothing left to purge


def test_new_hampshire_non_hit_reads_are_not_kept(platform: Platform) -> None:
    store = platform.store
    store.upsert_agencies([Agency(AgencyId("nh-pd"), "NH PD", "NH", "municipal", None)])
    store.upsert_networks([Network(NetworkId("nh-net"), AgencyId("nh-pd"), "NH")])
    store.upsert_cameras([Camera(CameraId("nh-c1"), NetworkId("nh-net"), "Main", 43.2, -71.5)])
    report = platform.intake.ingest_records(
        [{"camera_id": "nh-c1", "ts": r["ts"].isoformat(), "plate": "NHP123"}
         for r in [read("nh-c1", 1, "NHP123")]]
        + [{"camera_id": "il-c1", "ts": read("il-c1", 1, "X")["ts"].isoformat(), "plate": "ILP1"}]
    )  # fmt: skip
    assert (report.stored, report.not_retained, report.rejected) == (1, 1, 0)
