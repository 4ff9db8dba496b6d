"""Registering, updating and retiring cameras through the API: own agency only, named errors,
retired cameras' reads refused at ingest, every change audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import auth, iso
from plateledger.api.app import create_app
from plateledger.app.platform import Platform

NEW = {"id": "il-c9", "network_id": "il-net", "name": "Lake St EB", "lat": 41.885,
       "lon": -87.64, "heading": 90}  # fmt: skip


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False)) as c:
        yield c


def changes(platform: Platform) -> list[dict[str, Any]]:
    """The subjects of the audit log's config_change events, oldest first."""
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size))
    return [e["subject"] for e in entries if e["event_type"] == "config_change"]


def post_read(client: TestClient, platform: Platform, camera: str) -> Any:
    row = {"camera_id": camera, "ts": iso(1), "plate": "CAM123"}
    return client.post("/api/v1/reads", json=[row], headers=auth(platform, "il-admin")).json()


def test_register_update_retire_and_reactivate(client: TestClient, platform: Platform) -> None:
    admin = auth(platform, "il-admin")
    made = client.post("/api/v1/cameras", json=NEW, headers=admin)
    assert made.status_code == 200, made.text
    assert made.json() == {**NEW, "heading": 90.0, "mobile": False, "active": True}
    assert post_read(client, platform, "il-c9")["errors"] == []
    moved = client.post("/api/v1/cameras", json={**NEW, "lat": 41.886}, headers=admin)
    assert moved.json()["lat"] == 41.886
    retired = client.patch("/api/v1/cameras/il-c9", json={"active": False}, headers=admin)
    assert retired.json()["active"] is False
    refused = post_read(client, platform, "il-c9")
    assert [e["field"] for e in refused["errors"]] == ["camera_id"]
    listed = client.get("/api/v1/cameras", headers=admin).json()["cameras"]
    assert next(c for c in listed if c["id"] == "il-c9")["active"] is False
    # an update keeps the camera retired; reactivating lets reads in again
    client.post("/api/v1/cameras", json={**NEW, "name": "Lake St EB (moved)"}, headers=admin)
    assert post_read(client, platform, "il-c9")["errors"] != []
    client.patch("/api/v1/cameras/il-c9", json={"active": True}, headers=admin)
    assert post_read(client, platform, "il-c9")["errors"] == []
    actions = [c.get("action") for c in changes(platform)]
    assert actions == ["camera_register", "camera_update", "camera_retire", "camera_update",
                       "camera_activate"]  # fmt: skip


def test_other_agencies_networks_and_cameras_are_out_of_reach(
    client: TestClient, platform: Platform
) -> None:
    tx = auth(platform, "tx-admin")
    wrong_net = client.post("/api/v1/cameras", json=NEW, headers=tx)
    assert wrong_net.status_code == 422 and "network_id" in wrong_net.text
    taken = client.post("/api/v1/cameras", json={**NEW, "id": "il-c1", "network_id": "tx-net"},
                        headers=tx)  # fmt: skip
    assert taken.status_code == 409 and "camera_id" in taken.text
    retire = client.patch("/api/v1/cameras/il-c1", json={"active": False}, headers=tx)
    assert retire.status_code == 404
    officer = client.post("/api/v1/cameras", json=NEW, headers=auth(platform, "il-officer"))
    assert officer.status_code == 403
    assert changes(platform) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "Bad Id!"}, "camera_id"),
        ({"name": " "}, "name"),
        ({"lat": 91}, "lat"),
        ({"lon": -181}, "lon"),
        ({"heading": 360}, "heading"),
    ],
)
def test_bad_camera_fields_are_named(
    client: TestClient, platform: Platform, change: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/v1/cameras", json={**NEW, **change},
                         headers=auth(platform, "il-admin"))  # fmt: skip
    assert answer.status_code == 422
    assert answer.json()["error"]["message"].startswith(f"{field}: ")
