"""Shared fixtures: a tiny two-state network on a real DuckDB file in a temp directory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import settings

from plateledger.accounts.tokens import new_token
from plateledger.app.platform import Platform
from plateledger.audit.log import AuditLog
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
from plateledger.store.schema import INGEST_SCHEMA

# Property tests check correctness, not speed: no per-example deadline (a loaded 2-core CI
# machine would otherwise fail them with DeadlineExceeded).
settings.register_profile("plateledger", deadline=None)
settings.load_profile("plateledger")

NOW = datetime.now(UTC).replace(microsecond=0)

AGENCIES = [
    Agency(AgencyId("il-test-pd"), "Test PD (IL)", "IL", "municipal", 180),
    Agency(AgencyId("tx-test-pd"), "Test PD (TX)", "TX", "municipal", None),
    Agency(AgencyId("va-test-pd"), "Test PD (VA)", "VA", "municipal", 21),
    Agency(AgencyId("us-fed"), "Federal field office", "DC", "federal", None),
]
NETWORKS = [
    Network(NetworkId("il-net"), AgencyId("il-test-pd"), "IL fixed"),
    Network(NetworkId("tx-net"), AgencyId("tx-test-pd"), "TX fixed"),
    Network(NetworkId("va-net"), AgencyId("va-test-pd"), "VA fixed"),
]
CAMERAS = [
    Camera(CameraId("il-c1"), NetworkId("il-net"), "Main St NB", 41.88, -87.63, 0.0),
    Camera(CameraId("il-c2"), NetworkId("il-net"), "Main St SB", 41.90, -87.64, 180.0),
    Camera(CameraId("tx-c1"), NetworkId("tx-net"), "I-10 WB", 29.76, -95.37, 270.0),
    Camera(CameraId("tx-m1"), NetworkId("tx-net"), "Unit 7", 29.70, -95.40, None, mobile=True),
    Camera(CameraId("va-c1"), NetworkId("va-net"), "Broad St", 37.54, -77.43, 90.0),
]
USERS = [
    User(UserId("il-officer"), AgencyId("il-test-pd"), "IL Officer", "officer"),
    User(UserId("il-admin"), AgencyId("il-test-pd"), "IL Admin", "admin"),
    User(UserId("il-supervisor"), AgencyId("il-test-pd"), "IL Supervisor", "supervisor"),
    User(UserId("tx-officer"), AgencyId("tx-test-pd"), "TX Officer", "officer"),
    User(UserId("tx-admin"), AgencyId("tx-test-pd"), "TX Admin", "admin"),
    User(UserId("tx-auditor"), AgencyId("tx-test-pd"), "TX Auditor", "auditor"),
    User(UserId("fed-officer"), AgencyId("us-fed"), "Federal Officer", "officer"),
]


def make_reads(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows with at least camera_id, ts, plate → an ingest-schema table."""
    cols: dict[str, list[Any]] = {f.name: [] for f in INGEST_SCHEMA}
    for row in rows:
        for name, values in cols.items():
            values.append(row.get(name))
    return pa.Table.from_pydict(cols, schema=INGEST_SCHEMA)


def read(camera: str, minutes_ago: float, plate: str, **extra: Any) -> dict[str, Any]:
    return {"camera_id": camera, "ts": NOW - timedelta(minutes=minutes_ago), "plate": plate,
            "confidence": 0.9, **extra}  # fmt: skip


def setup_registry(platform: Platform) -> dict[str, str]:
    store = platform.store
    store.upsert_agencies(AGENCIES)
    store.upsert_networks(NETWORKS)
    store.upsert_cameras(CAMERAS)
    store.upsert_users(USERS)
    tokens = {}
    for user in USERS:
        secret, token = new_token(user.id, "test")
        store.add_token(token)
        tokens[user.id] = secret
    return tokens


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def platform(data_dir: Path) -> Iterator[Platform]:
    p = Platform(data_dir)
    p.test_tokens = setup_registry(p)  # type: ignore[attr-defined]
    yield p
    p.close()


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    """A real audit log on its own, for a context tested without the platform."""
    log = AuditLog(tmp_path / "audit", "test/origin")
    yield log
    log.close()


SEARCH = {"purpose": "stolen_vehicle", "case_number": "24-001", "reason": "stolen car report"}


def auth(platform: Platform, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.test_tokens[user]}"}  # type: ignore[attr-defined]


def iso(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: Any, timeout: float = 60) -> None:
    """Wait until a server subprocess answers /health (or fail with its stderr)."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read() if proc.stderr else ''!r}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError("server did not start")


@pytest.fixture
def live(platform: Platform) -> Iterator[str]:
    """The real app on a real uvicorn server (loopback, a free port), for streaming clients."""
    import threading
    import time

    import uvicorn

    from plateledger.api.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(platform, background=False), port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
