"""Ingest batches are audited write-ahead of their commit; reads older than the owner keeps are
refused per row and raise no alert (issue #23, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.store.base import ReadFilters, Scope

API = "/api/v1"
LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def events(platform: Platform, kind: str, start: int = 0) -> list[dict[str, Any]]:
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(start, platform.audit.size))
    return [e for e in entries if e["event_type"] == kind]


def test_an_http_batch_is_one_ingest_entry_with_counts_ids_and_owner_networks(
    client: TestClient, platform: Platform
) -> None:
    before = platform.audit.size
    rows = [
        {"camera_id": "il-c1", "ts": iso(5), "plate": "ABC123"},
        {"camera_id": "il-c2", "ts": iso(4), "plate": "XYZ789"},
        {"camera_id": "il-c1", "ts": iso(3), "plate": "bad plate!"},
    ]
    r = client.post(f"{API}/reads", json=rows, headers=auth(platform, "il-admin"))
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 2
    (entry,) = events(platform, "ingest", before)
    first, last = entry["subject"]["first_read_id"], entry["subject"]["last_read_id"]
    assert last - first == 1
    assert platform.store.execute("SELECT min(read_id), max(read_id) FROM reads_hot") == [
        (first, last)
    ]
    assert entry["user_id"] == "il-admin" and entry["networks"] == ["il-net"]
    assert entry["subject"] == {
        "source": "api", "received": 3, "accepted": 2, "refused": 1, "not_retained": 0,
        "first_read_id": first, "last_read_id": last,
    }  # fmt: skip


def test_a_failed_audit_append_fails_the_batch_and_stores_nothing(platform: Platform) -> None:
    platform.audit.entries.close()  # the log can no longer be written
    with pytest.raises(Exception):  # noqa: B017,PT011 - whatever the log raises, it propagates
        platform.intake.ingest_records([{"camera_id": "il-c1", "ts": iso(1), "plate": "LOST01"}])
    scope = Scope({"il-net": None})  # type: ignore[dict-item]
    assert platform.store.find_reads(["LOST01"], ReadFilters(), scope, limit=1) == []
    assert platform.store.stats().reads == 0


def test_reads_older_than_the_owner_keeps_are_refused_per_row_and_raise_no_alert(
    client: TestClient, platform: Platform
) -> None:
    body = {"name": "Stolen", "purpose": "stolen_vehicle", "legal_basis": "NCIC 2.0"}
    lid = client.post(f"{API}/hotlists", json=body, headers=auth(platform, "il-admin")).json()
    entry = {"plate": "OLD4000", "state": "IL", "reason": "stolen vehicle report 24-77",
             "case_number": "24-77", "expires_at": LATER}  # fmt: skip
    added = client.post(f"{API}/hotlists/{lid['id']}/entries", json=entry,
                        headers=auth(platform, "il-admin"))  # fmt: skip
    assert added.status_code == 200, added.text
    seen: list[dict[str, Any]] = []
    platform.hotlists.engine.broker.taps.append(lambda _agency, message: seen.append(message))
    old = [{"camera_id": "il-c1", "ts": iso(400 * 1440), "plate": "OLD4000"},
           {"camera_id": "il-c1", "ts": iso(3 * 365 * 1440), "plate": "OLD4000"}]  # fmt: skip
    before = platform.audit.size
    r = client.post(f"{API}/reads", json=old, headers=auth(platform, "il-admin"))
    assert r.status_code == 422, r.text  # nothing of the batch could be stored
    report = r.json()
    assert report["stored"] == 0 and report["rejected"] == 2
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(1, "ts"), (2, "ts")]
    assert all("retention" in e["message"] for e in report["errors"])
    (batch,) = events(platform, "ingest", before)  # a refused batch is audited too
    assert batch["subject"]["refused"] == 2 and batch["subject"]["first_read_id"] is None
    assert seen == []
    assert platform.store.execute("SELECT count(*) FROM hotlist_hits") == [(0,)]
