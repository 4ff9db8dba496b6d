"""Retention on its own: a real DuckDB store and a real audit log, no platform.

A purge deletes what is older than the owner's window and appends a typed ``purge`` receipt
(user ``system``); an admin's setting shortens the window (``config_change``); a legal hold
keeps a named read (``legal_hold``); a crop outside the caller's agency is refused
(``crop_view``, denied).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import NOW, make_reads, read
from plateledger.audit.log import AuditLog
from plateledger.audit.sink import sink_for
from plateledger.domain.types import (
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    User,
    UserId,
)
from plateledger.errors import NotFoundError
from plateledger.retention.crops import Crops
from plateledger.retention.legal_holds import LegalHolds
from plateledger.retention.purge import Retention
from plateledger.retention.settings import RetentionSettings
from plateledger.store.base import ReadFilters, Scope
from plateledger.store.duckdb_store import DuckDBStore

VA = Agency(AgencyId("va-pd"), "VA PD", "VA", "municipal", None)  # statute: 21 days
VA_NET = Network(NetworkId("va-net"), VA.id, "VA fixed")
VA_CAM = Camera(CameraId("va-c1"), VA_NET.id, "Broad St", 37.54, -77.43, 90.0)
VA_ADMIN = User(UserId("va-admin"), VA.id, "VA Admin", "admin")
ALL = Scope({VA_NET.id: None})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    store = DuckDBStore(tmp_path)
    try:
        store.upsert_agencies([VA])
        store.upsert_networks([VA_NET])
        store.upsert_cameras([VA_CAM])
        store.upsert_users([VA_ADMIN])
        store.append(make_reads([read("va-c1", 60 * 24 * 30, "OLD001"),
                                 read("va-c1", 60 * 24 * 12, "MID001"),
                                 read("va-c1", 60 * 24 * 2, "NEW001")]))  # fmt: skip
        store.compact()
        yield store
    finally:
        store.close()


def events(log: AuditLog, kind: str) -> list[dict[str, Any]]:
    entries = (orjson.loads(log.entry(i)) for i in range(log.size))
    return [e for e in entries if e["event_type"] == kind]


def plates(store: DuckDBStore) -> set[str]:
    return {r.plate for r in store.find_reads(["OLD001", "MID001", "NEW001"], ReadFilters(), ALL,
                                              limit=10)}  # fmt: skip


def test_a_purge_writes_a_typed_receipt(store: DuckDBStore, log: AuditLog, tmp_path: Path) -> None:
    audit = sink_for(log, "test")
    forgotten: list[bool] = []
    crops = Crops(store=store, audit=audit, data_dir=tmp_path, non_hit_cameras=frozenset)
    retention = Retention(store=store, audit=audit, data_dir=tmp_path, crops=crops,
                          on_purged=lambda: forgotten.append(True), clock=lambda: NOW)  # fmt: skip
    (window,) = retention.windows()
    assert (window.minutes, window.source) == (21 * 1440, "VA.retention")
    (receipt,) = retention.run()
    assert receipt.count == 1 and plates(store) == {"MID001", "NEW001"}
    assert forgotten == [True]  # the platform's plate dictionary is dropped after a purge
    (event,) = events(log, "purge")
    assert (event["user_id"], event["agency_id"], event["component"]) == (
        "system", "plateledger", "test",
    )  # fmt: skip
    assert event["networks"] == ["va-net"]
    day = receipt.day.isoformat()
    assert event["subject"] == {
        "owner_agency": "va-pd", "networks": ["va-net"], "network": "va-net", "day": day,
        "cutoff": (receipt.day + timedelta(days=1)).isoformat(),
        "rule": "VA.retention", "window_minutes": 21 * 1440, "rows_purged": 1,
        "bytes_freed": receipt.bytes_freed, "source": "store",
    }  # fmt: skip
    assert len(store.purge_receipts()) == 1
    assert retention.run() == [] and len(events(log, "purge")) == 1  # nothing left


def test_a_shorter_setting_and_a_legal_hold(
    store: DuckDBStore, log: AuditLog, tmp_path: Path
) -> None:
    audit = sink_for(log, "test")
    settings = RetentionSettings(store=store, audit=audit)
    holds = LegalHolds(store=store, audit=audit, clock=lambda: NOW)
    crops = Crops(store=store, audit=audit, data_dir=tmp_path, non_hit_cameras=frozenset)
    retention = Retention(store=store, audit=audit, data_dir=tmp_path, crops=crops,
                          on_purged=lambda: None, clock=lambda: NOW)  # fmt: skip
    settings.change(VA_ADMIN, 10)
    (change,) = events(log, "config_change")
    assert change["subject"] == {"action": "retention", "retention_days": 10, "previous": None}
    view = settings.view(VA_ADMIN)
    assert (view.cap_days, view.cap_rule, view.setting_days) == (21, "VA.retention", 10)
    assert (view.effective_minutes, view.effective_rule) == (10 * 1440, "agency.va-pd.retention")
    (mid,) = store.find_reads(["MID001"], ReadFilters(), ALL, limit=1)
    review = NOW + timedelta(days=30)
    assert holds.place(VA_ADMIN, "25-42", [int(mid.id)], "evidence", review) == 1
    (hold,) = events(log, "legal_hold")
    assert hold["subject"]["read_ids"] == [int(mid.id)] and hold["networks"] == ["va-net"]
    assert [h.case_number for h in holds.of_agency(VA_ADMIN)] == ["25-42"]
    assert sum(r.count for r in retention.run()) == 1  # OLD001; MID001 is held
    assert plates(store) == {"MID001", "NEW001"}
    assert {e["subject"]["rule"] for e in events(log, "purge")} == {"agency.va-pd.retention"}


def test_a_crop_of_no_read_of_the_callers_agency_is_refused_and_audited(
    store: DuckDBStore, log: AuditLog, tmp_path: Path
) -> None:
    crops = Crops(store=store, audit=sink_for(log, "test"), data_dir=tmp_path,
                  non_hit_cameras=frozenset, clock=lambda: NOW)  # fmt: skip
    with pytest.raises(NotFoundError):
        crops.crop_for(VA_ADMIN, "0" * 64)
    (event,) = events(log, "crop_view")
    assert event["outcome"] == "denied" and event["subject"]["crop"] == "sha256:" + "0" * 64
