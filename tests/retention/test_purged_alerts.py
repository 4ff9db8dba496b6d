"""A purge leaves no trace of the purged read on its alert: plate, camera, time, state and the
inline crop (the UI shows it by the alert's crop reference) are gone from the API and the
table (issue #23, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from retention.test_crops import b64, tiny_png

API = "/api/v1"
LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def test_a_purge_redacts_the_alerts_and_crops_of_the_purged_reads(
    client: TestClient, platform: Platform
) -> None:
    admin = auth(platform, "il-admin")
    body = {"name": "Stolen", "purpose": "stolen_vehicle", "legal_basis": "NCIC 2.0"}
    lid = client.post(f"{API}/hotlists", json=body, headers=admin).json()["id"]
    entry = {"plate": "PRG4455", "state": "IL", "reason": "stolen vehicle report 24-88",
             "case_number": "24-88", "expires_at": LATER}  # fmt: skip
    assert client.post(f"{API}/hotlists/{lid}/entries", json=entry, headers=admin).is_success
    row = {"camera_id": "il-c1", "ts": iso(1), "plate": "PRG4455", "plate_state": "IL",
           "crop_b64": b64(tiny_png())}  # fmt: skip
    assert client.post(f"{API}/reads", json=[row], headers=admin).json()["stored"] == 1
    (alert,) = client.get(f"{API}/alerts", headers=admin).json()
    assert alert["plate"] == "PRG4455" and alert["crop_ref"].startswith("sha256:")
    # IL keeps reads 180 days: 200 days on, the read is purged
    platform.retention.run(datetime.now(UTC) + timedelta(days=200))
    (after,) = client.get(f"{API}/alerts", headers=admin).json()
    assert after["alert_id"] == alert["alert_id"] and after["list"]["id"] == lid
    assert (after["plate"], after["camera_id"], after["read_ts"], after["read_state"],
            after["crop_ref"]) == ("", "", None, None, None)  # fmt: skip
    rows = platform.store.execute("SELECT read_plate, crop_ref FROM hotlist_hits")
    assert rows == [("", None)]
