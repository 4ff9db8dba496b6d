"""No silent rollback: an audit log that lost or rewrote entries a signed checkpoint covers
refuses to open, changes nothing on disk, and can be reopened only by a recorded recovery.

The damage is done to the files the way an intruder or an operator with shell access would:
cutting records off the end (both files, at record boundaries), corrupting the last record,
rewriting the last entry with a valid length, hash and CRC. A genuine torn tail — bytes of an
append that was never acknowledged — is still cut away quietly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from plateledger.app.platform import Platform
from plateledger.audit.events import AuditEvent
from plateledger.audit.log import AuditLog
from plateledger.audit.records import U64, AuditRollbackError, encode_record
from plateledger.audit.seal import seal
from plateledger.cli.main import app

ORIGIN = "test/rollback"
ENTRIES = 60


def _event(i: int) -> AuditEvent:
    return AuditEvent(datetime(2026, 1, 1, tzinfo=UTC), "test", "config_change", "il-admin",
                      "il-test-pd", "success", {"action": f"probe-{i}"})  # fmt: skip


def _filled(directory: Path, entries: int = ENTRIES) -> int:
    """A closed log of ``entries`` entries whose last checkpoint covers them all."""
    log = AuditLog(directory, ORIGIN, background=False)
    for i in range(entries):
        log.append(_event(i))
    log.close()  # signs a checkpoint of every entry
    return entries


def _offsets(directory: Path) -> list[int]:
    raw = (directory / "entries" / "index.bin").read_bytes()
    return [U64.unpack_from(raw, i)[0] for i in range(0, len(raw), 8)]


def _sizes(directory: Path) -> tuple[int, int]:
    return (directory / "entries" / "entries.bin").stat().st_size, (
        directory / "entries" / "index.bin"
    ).stat().st_size


def _cut(directory: Path, keep: int) -> None:
    """Cut every record from ``keep`` on, cleanly, in both files (no torn bytes left)."""
    offset = _offsets(directory)[keep]
    with open(directory / "entries" / "entries.bin", "r+b") as fh:
        fh.truncate(offset)
    with open(directory / "entries" / "index.bin", "r+b") as fh:
        fh.truncate(keep * 8)


def test_cutting_checkpointed_entries_off_the_end_refuses_to_open(tmp_path: Path) -> None:
    _filled(tmp_path)
    _cut(tmp_path, ENTRIES - 50)
    before = _sizes(tmp_path)
    with pytest.raises(AuditRollbackError) as refused:
        AuditLog(tmp_path, ORIGIN, background=False)
    assert (refused.value.held, refused.value.checkpointed) == (10, ENTRIES)
    assert "audit recover" in refused.value.message
    assert _sizes(tmp_path) == before  # nothing was truncated or rewritten by the refusal


def test_a_corrupt_last_record_under_a_checkpoint_is_not_a_torn_tail(tmp_path: Path) -> None:
    _filled(tmp_path)
    path = tmp_path / "entries" / "entries.bin"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # inside the last record's leaf hash: its CRC fails
    path.write_bytes(bytes(data))
    with pytest.raises(AuditRollbackError):
        AuditLog(tmp_path, ORIGIN, background=False)
    assert path.read_bytes() == bytes(data)


def test_a_rewritten_last_entry_with_valid_crc_is_caught_by_the_signed_root(
    tmp_path: Path,
) -> None:
    _filled(tmp_path)
    last = _offsets(tmp_path)[-1]
    path = tmp_path / "entries" / "entries.bin"
    log = AuditLog(tmp_path, ORIGIN, background=False)
    forged = orjson.loads(log.entry(ENTRIES - 1))
    log.close()
    forged["subject"]["action"] = "nothing-to-see"
    with open(path, "r+b") as fh:
        fh.truncate(last)
        fh.seek(last)
        # a fresh seal, a valid CRC: only the signed root can tell
        fh.write(encode_record(seal(orjson.dumps(forged, option=orjson.OPT_SORT_KEYS)).record()))
    with pytest.raises(AuditRollbackError, match="no longer match"):
        AuditLog(tmp_path, ORIGIN, background=False)


def test_a_torn_unacknowledged_tail_is_still_cut_quietly(tmp_path: Path) -> None:
    _filled(tmp_path)
    with open(tmp_path / "entries" / "entries.bin", "ab") as fh:
        fh.write(b"\x00\x00\x01\x00partial")  # an append that never finished
    log = AuditLog(tmp_path, ORIGIN, background=False)
    try:
        assert log.size == ENTRIES
    finally:
        log.close()


def test_damaged_hash_levels_alone_are_rebuilt_not_refused(tmp_path: Path) -> None:
    """The hash levels are derived data: damage there is repaired from the entries."""
    _filled(tmp_path)
    level = tmp_path / "hashes" / "level-00.bin"
    data = bytearray(level.read_bytes())
    data[0] ^= 0xFF
    level.write_bytes(bytes(data))
    log = AuditLog(tmp_path, ORIGIN, background=False)
    try:
        assert log.size == ENTRIES
    finally:
        log.close()


def test_the_platform_refuses_to_start_and_recover_records_the_loss(data_dir: Path) -> None:
    platform = Platform(data_dir)
    for i in range(ENTRIES):
        platform.log_event("config_change", None, {"action": f"probe-{i}"})
    platform.close()
    audit = data_dir / "audit"
    _cut(audit, ENTRIES - 50)
    with pytest.raises(AuditRollbackError):
        Platform(data_dir)

    runner = CliRunner()
    for blank in (" ", "\u200b", "\u2060 \u200e"):  # nothing visible is no account at all
        refused = runner.invoke(app, ["audit", "recover", "--note", blank, "--data", str(data_dir)])
        assert refused.exit_code == 2 and "note" in refused.output
    done = runner.invoke(
        app, ["audit", "recover", "--note", "disk replaced", "--data", str(data_dir)]
    )
    assert done.exit_code == 0, done.output
    assert "entries 10..59 (50) were lost" in done.output

    platform = Platform(data_dir)
    try:
        assert platform.audit.size == 11
        entry = orjson.loads(platform.audit.entry(10))
        assert entry["event_type"] == "audit_recovery"
        assert entry["user_id"] == "operator"
        assert entry["subject"]["lost_from"] == 10
        assert entry["subject"]["checkpoint_size"] >= ENTRIES
        assert entry["subject"]["note"] == "disk replaced"
        # the old checkpoint stays in the published history: the break is visible to anyone
        sizes = [size for size, _ in platform.audit.checkpoints()]
        assert max(sizes) >= ENTRIES and sizes[-1] == 11
    finally:
        platform.close()
    again = runner.invoke(app, ["audit", "recover", "--note", "again", "--data", str(data_dir)])
    assert again.exit_code == 0, again.output  # a recorded loss is not refused again
    assert "nothing to recover" in again.output
