"""Key rotation: a rotation is logged, endorsed by both keys and carried by every bundle; an
auditor who pinned either key accepts the other, each only for its own tree sizes, and nothing
signed by a key outside the chain."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from plateledger.app.platform import Platform
from plateledger.audit.bundle import export_bundle, verify_directory
from plateledger.audit.checkpoint import Checkpoint, Signer, split_note
from plateledger.audit.events import AuditEvent
from plateledger.audit.keys import KeyRing, parse_rotation, rotation_note
from plateledger.audit.log import AuditLog
from plateledger.audit.merkle import VerificationError
from plateledger.cli.main import app

ORIGIN = "keys.test/audit-log"


def _append(audit: AuditLog, n: int) -> None:
    for i in range(n):
        event = AuditEvent(datetime.now(UTC), "api", "config_change", "admin-1", "il-test-pd",
                           "success", {"action": f"probe-{audit.size}-{i}"})  # fmt: skip
        audit.append(event)


@pytest.fixture
def rotated(tmp_path: Path) -> tuple[AuditLog, str, str]:
    audit = AuditLog(tmp_path / "audit", ORIGIN, background=False)
    _append(audit, 5)
    audit.checkpoint()
    old = audit.public_key()
    rotation = audit.rotate_key()
    assert rotation.size == 6 and rotation.old.vkey() == old
    _append(audit, 4)
    audit.checkpoint()
    return audit, old, audit.public_key()


def test_the_rotation_is_logged_and_both_keys_sign_its_size(
    rotated: tuple[AuditLog, str, str],
) -> None:
    audit, old, new = rotated
    entry = orjson.loads(audit.entry(5))
    assert entry["event_type"] == "key_rotation"
    assert entry["subject"] == {"old_key": old, "new_key": new}
    at_six = [note for size, note in audit.checkpoints() if size == 6]
    assert len(at_six) == 2  # old key, then new key
    for pinned in (old, new):
        ring = audit.keyring(pinned)
        assert [ring.open(note).size for _, note in audit.checkpoints()] == [5, 6, 6, 10]


@pytest.mark.parametrize("pin", ["old", "new"])
def test_a_bundle_across_a_rotation_verifies_against_either_pinned_key(
    rotated: tuple[AuditLog, str, str], tmp_path: Path, pin: str
) -> None:
    audit, old, new = rotated
    out = tmp_path / "bundle"
    export_bundle(audit, out, "public")
    report = verify_directory(out, pinned_key=old if pin == "old" else new)
    assert report.entries == 10 and any("2 keys" in n for n in report.notes)
    stranger = Signer.generate(ORIGIN).public_key_line()
    with pytest.raises(VerificationError, match="never endorsed"):
        verify_directory(out, pinned_key=stranger)


def test_a_forged_rotation_to_an_intruders_key_fails(
    rotated: tuple[AuditLog, str, str], tmp_path: Path
) -> None:
    """The intruder re-signs everything with their key and adds a rotation from the old key to
    theirs: without the old key's signature the rotation does not verify."""
    audit, old, _ = rotated
    out = tmp_path / "bundle"
    export_bundle(audit, out)
    intruder = Signer.generate(ORIGIN)
    stand_in = Signer.generate(ORIGIN)  # the intruder cannot sign as the old key
    forged = rotation_note(ORIGIN, stand_in, intruder, 6)
    text, _ = split_note(forged)
    old_vkey = parse_rotation(forged).old.vkey()
    forged = forged.replace(old_vkey, old)  # claim the real old key...
    notes = orjson.loads((out / "checkpoints.json").read_bytes())
    resigned = [intruder.sign(Checkpoint.from_body(split_note(n)[0])) for n in notes]
    (out / "checkpoints.json").write_bytes(orjson.dumps(resigned))
    (out / "key-history.json").write_bytes(orjson.dumps([forged]))
    (out / "public-key.txt").write_text(intruder.public_key_line() + "\n")
    statement, _ = split_note((out / "bundle.txt").read_text())
    (out / "bundle.txt").write_text(intruder.sign_text(statement))
    with pytest.raises(VerificationError, match="key rotation #0"):
        verify_directory(out, pinned_key=old)  # ...the old key's signature does not verify
    assert text  # the note was well formed before the edit


def test_the_retired_key_cannot_sign_past_the_rotation(
    rotated: tuple[AuditLog, str, str], tmp_path: Path
) -> None:
    audit, old, _ = rotated
    retired = Signer.generate(ORIGIN)  # stands for the old key in a ring built to match it
    note = rotation_note(ORIGIN, retired, Signer.generate(ORIGIN), 6)
    ring = KeyRing.from_history(parse_rotation(note).new.vkey(), [note], retired.public_key_line())
    late = retired.sign(Checkpoint(ORIGIN, 9, audit.root(9)))
    with pytest.raises(VerificationError, match="outside the sizes it may sign"):
        ring.open(late)
    assert ring.open(retired.sign(Checkpoint(ORIGIN, 6, audit.root(6)))).size == 6
    assert old != retired.public_key_line()


def test_a_rotation_cut_short_by_a_crash_is_finished_or_undone(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    audit = AuditLog(directory, ORIGIN, background=False)
    _append(audit, 3)
    before = audit.public_key()
    audit.close()
    pending = Signer.generate(ORIGIN)
    pending.save(directory / "signing.key.next")  # crashed before the rotation was recorded
    reopened = AuditLog(directory, ORIGIN, background=False)
    assert reopened.public_key() == before and not (directory / "signing.key.next").exists()
    rotation = reopened.rotate_key()
    reopened.close()
    again = AuditLog(directory, ORIGIN, background=False)
    assert again.public_key() == rotation.new.vkey() and len(again.rotations) == 1
    again.close()


def test_the_cli_rotates_and_the_online_check_follows_the_rotation(
    live: str, platform: Platform, tmp_path: Path
) -> None:
    platform.log_event("config_change", None, {"action": "probe-1"})
    old_cp = tmp_path / "cp.txt"
    old_cp.write_text(httpx.get(f"{live}/api/v1/audit/checkpoint").text)
    key = tmp_path / "key.txt"
    key.write_text(httpx.get(f"{live}/api/v1/audit/public-key").text)
    platform.audit.rotate_key(component="api")
    platform.log_event("config_change", None, {"action": "probe-2"})
    platform.audit.checkpoint()
    served = httpx.get(f"{live}/api/v1/audit/keys").json()
    assert len(served["rotations"]) == 1 and served["current"] != key.read_text().strip()
    result = CliRunner().invoke(
        app, ["audit", "verify", "--against", live, "--since", str(old_cp), "--key", str(key)]
    )
    assert result.exit_code == 0, result.output


def test_rotate_key_command(data_dir: Path) -> None:
    Platform(data_dir).close()
    result = CliRunner().invoke(app, ["audit", "rotate-key", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    new_key = result.output.strip().splitlines()[-1]
    platform = Platform(data_dir)
    try:
        assert platform.audit.public_key() == new_key
    finally:
        platform.close()
