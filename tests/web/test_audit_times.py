"""The audit pages print times for people (``7 Dec 2026, 14:03:12 UTC``), the exact instant in
``<time datetime>``, with the portal's helper (``domain.when``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.domain.when import human_stamp, iso_stamp
from web.ui_client import sign_in

SEARCH = {"query": {"plate": "ABC123", "mode": "exact"}, "purpose": "stolen_vehicle",
          "case_number": "24-1", "reason": "stolen vehicle report 24-1187"}  # fmt: skip
RAW_ISO = re.compile(r">\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        found = c.post("/api/v1/searches", json=SEARCH, headers=auth(platform, "il-officer"))
        assert found.status_code in (200, 202), found.text
        yield c


def test_the_log_and_an_entry_show_human_times_with_the_zone(
    client: TestClient, platform: Platform
) -> None:
    sign_in(client, platform, "tx-auditor")
    entries = [orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size)]
    index = next(i for i, e in enumerate(entries) if e["event_type"] == "search")
    at = entries[index]["at"]
    stamp = f'<time datetime="{iso_stamp(at)}">{human_stamp(at, seconds=True)}</time>'
    log = client.get("/ui/audit").text
    assert stamp in log and " UTC</time>" in log
    assert not RAW_ISO.search(log)
    entry = client.get(f"/ui/audit/entries/{index}").text
    assert f"<dt>When</dt><dd>{stamp}</dd>" in entry
