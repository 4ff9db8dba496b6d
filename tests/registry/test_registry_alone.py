"""The registry on its own: a real DuckDB store and a real audit log, no platform.

An admin registers and retires their own agency's cameras (audited, with the camera's
network); which cameras may send reads, which are visible, and which keep no non-hit reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

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
from plateledger.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from plateledger.registry.service import Registry
from plateledger.store.duckdb_store import DuckDBStore

IL = Agency(AgencyId("il-pd"), "IL PD", "IL", "municipal", 180)
NH = Agency(AgencyId("nh-pd"), "NH PD", "NH", "municipal", None)
IL_NET = Network(NetworkId("il-net"), IL.id, "IL fixed")
NH_NET = Network(NetworkId("nh-net"), NH.id, "NH fixed")
NH_CAM = Camera(CameraId("nh-c1"), NH_NET.id, "Elm St", 43.2, -71.5, None)
NH_UNIT = Camera(CameraId("nh-m1"), NH_NET.id, "Unit 3", 43.2, -71.5, None, mobile=True)
IL_ADMIN = User(UserId("il-admin"), IL.id, "IL Admin", "admin")
NH_ADMIN = User(UserId("nh-admin"), NH.id, "NH Admin", "admin")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    store = DuckDBStore(tmp_path)
    try:
        store.upsert_agencies([IL, NH])
        store.upsert_networks([IL_NET, NH_NET])
        store.upsert_cameras([NH_CAM, NH_UNIT])
        yield store
    finally:
        store.close()


def config_changes(log: AuditLog) -> list[dict[str, Any]]:
    entries = (orjson.loads(log.entry(i)) for i in range(log.size))
    return [e for e in entries if e["event_type"] == "config_change"]


def test_register_retire_and_reactivate_a_camera_audited_with_its_network(
    store: DuckDBStore, log: AuditLog
) -> None:
    registry = Registry(store=store, audit=sink_for(log, "test"))
    made = registry.register_camera(IL_ADMIN, "il-c9", "il-net", " Lake St ", 41.9, -87.6, 90)
    assert made == Camera(CameraId("il-c9"), IL_NET.id, "Lake St", 41.9, -87.6, 90.0)
    assert "il-c9" in registry.known_cameras()
    registry.set_camera_active(IL_ADMIN, "il-c9", False)
    assert "il-c9" not in registry.known_cameras()
    moved = registry.register_camera(IL_ADMIN, "il-c9", "il-net", "Lake St", 41.95, -87.6)
    assert moved.active is False  # an update keeps the camera retired
    [row] = registry.agency_cameras(IL_ADMIN)
    assert (row.camera, row.network, row.reads) == (moved, IL_NET, 0)
    changes = config_changes(log)
    assert [c["subject"]["action"] for c in changes] == [
        "camera_register", "camera_retire", "camera_update",
    ]  # fmt: skip
    assert all(c["networks"] == ["il-net"] and c["user_id"] == "il-admin" for c in changes)
    assert changes[0]["subject"]["name"] == "Lake St"


def test_other_agencies_cameras_and_bad_fields_are_refused_unaudited(
    store: DuckDBStore, log: AuditLog
) -> None:
    registry = Registry(store=store, audit=sink_for(log, "test"))
    with pytest.raises(ValidationError, match="^network_id: "):
        registry.register_camera(IL_ADMIN, "il-c9", "nh-net", "Cam", 41.9, -87.6)
    with pytest.raises(ConflictError, match="^camera_id: "):
        registry.register_camera(IL_ADMIN, "nh-c1", "il-net", "Cam", 41.9, -87.6)
    with pytest.raises(NotFoundError):
        registry.set_camera_active(IL_ADMIN, "nh-c1", False)
    with pytest.raises(ValidationError, match="^lat: "):
        registry.register_camera(IL_ADMIN, "il-c9", "il-net", "Cam", 91, -87.6)
    officer = User(UserId("il-officer"), IL.id, "IL Officer", "officer")
    with pytest.raises(ForbiddenError):
        registry.register_camera(officer, "il-c9", "il-net", "Cam", 41.9, -87.6)
    with pytest.raises(ForbiddenError):
        registry.own_agency(officer)
    assert config_changes(log) == []


def test_which_cameras_are_visible_and_which_keep_no_non_hit_reads(
    store: DuckDBStore, log: AuditLog
) -> None:
    registry = Registry(store=store, audit=sink_for(log, "test"))
    registry.register_camera(IL_ADMIN, "il-m1", "il-net", "Unit 1", 41.9, -87.6, mobile=True)
    assert registry.cameras_of_agency("nh-pd") == {"nh-c1", "nh-m1"}
    assert {c.id for c in registry.visible_cameras(IL_ADMIN)} == {"il-m1", "nh-c1"}
    assert {c.id for c in registry.visible_cameras(NH_ADMIN)} == {"nh-c1", "nh-m1"}
    assert registry.non_hit_cameras() == {"nh-c1", "nh-m1"}  # NH keeps non-hit reads minutes
    assert registry.own_agency(NH_ADMIN) == NH
    assert registry.own_networks(NH_ADMIN) == [NH_NET]
