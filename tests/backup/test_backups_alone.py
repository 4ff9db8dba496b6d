"""Backups on their own: a real DuckDB store and a real audit log, no platform.

The backup is audited (``export``) before anything is copied, holds the store and the log up
to a fresh checkpoint, and restores into a new directory; a running server answers a backup
request dropped into the data directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from plateledger.audit.events import AuditEvent
from plateledger.audit.log import AuditLog
from plateledger.audit.sink import sink_for
from plateledger.backup.archive import Backups, read_manifest
from plateledger.backup.requests import BackupRequests, request_backup
from plateledger.backup.restore import restore_backup
from plateledger.domain.types import Agency, AgencyId
from plateledger.store.duckdb_store import DuckDBStore

IL = Agency(AgencyId("il-pd"), "IL PD", "IL", "municipal", 180)
AT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    return data


@pytest.fixture
def backups(data: Path) -> Iterator[Backups]:
    store = DuckDBStore(data)
    log = AuditLog(data / "audit", "test/origin")
    try:
        store.upsert_agencies([IL])
        yield Backups(store=store, audit=sink_for(log, "test"), audit_log=log, data_dir=data,
                      clock=lambda: AT)  # fmt: skip
    finally:
        log.close()
        store.close()


def entries(data: Path) -> list[dict[str, Any]]:
    log = AuditLog(data / "audit", "test/origin")
    try:
        return [orjson.loads(log.entry(i)) for i in range(log.size)]
    finally:
        log.close()


def test_a_backup_is_audited_and_restores(backups: Backups, tmp_path: Path) -> None:
    out = tmp_path / "b.tar.gz"
    report = backups.create(out, include_keys=True)
    manifest = read_manifest(out)
    assert manifest["created_at"] == AT.isoformat() and manifest["origin"] == "test/origin"
    assert report.audit_size == manifest["audit"]["size"] == 1  # the backup's own entry
    restored = restore_backup(out, tmp_path / "restored")
    assert restored.audit_size == 1
    (event,) = entries(tmp_path / "restored")
    assert (event["event_type"], event["subject"]) == (
        "export", {"what": "backup", "include_keys": True},
    )  # fmt: skip
    store = DuckDBStore(tmp_path / "restored")
    try:
        assert store.agencies() == [IL]
    finally:
        store.close()


def test_a_running_server_answers_a_backup_request(
    backups: Backups, data: Path, tmp_path: Path
) -> None:
    server = BackupRequests(backups=backups, data_dir=data, poll_s=0.05)
    server.start()
    try:
        report = request_backup(data, tmp_path / "asked.tar", include_keys=False, timeout_s=60)
    finally:
        server.stop()
    assert not report.includes_keys and Path(report.out).is_file()
    assert read_manifest(Path(report.out))["includes_keys"] is False


def test_a_backup_after_a_key_rotation_and_a_recovery_restores_and_opens(
    data: Path, tmp_path: Path
) -> None:
    """The checkpoint history of a log whose key was rotated (old and new key) and which lost
    signed entries once (a recorded recovery: the history shrinks) survives backup and restore."""
    log = AuditLog(data / "audit", "test/origin", background=False)
    for i in range(6):
        log.append(AuditEvent(AT, "api", "config_change", "admin", "il-pd", "success",
                              {"action": f"probe-{i}"}))  # fmt: skip
    log.checkpoint()
    log.rotate_key()
    log.close()
    entries_bin = data / "audit" / "entries" / "entries.bin"
    entries_bin.write_bytes(entries_bin.read_bytes()[:-20])  # the last record torn
    assert AuditLog.recover(data / "audit", "test/origin", note="disk replaced") == (6, 7)
    store = DuckDBStore(data)
    log = AuditLog(data / "audit", "test/origin")
    try:
        store.upsert_agencies([IL])
        backups = Backups(store=store, audit=sink_for(log, "test"), audit_log=log,
                          data_dir=data, clock=lambda: AT)  # fmt: skip
        out = tmp_path / "after.tar"
        backups.create(out, include_keys=True)
        key = log.public_key()
    finally:
        log.close()
        store.close()
    restored = tmp_path / "restored"
    restore_backup(out, restored)
    reopened = AuditLog(restored / "audit", "test/origin", background=False)
    try:
        kinds = [orjson.loads(reopened.entry(i))["event_type"] for i in range(reopened.size)]
        assert kinds[6:8] == ["audit_recovery", "export"] and reopened.public_key() == key
        assert len(reopened.rotations) == 1
    finally:
        reopened.close()
