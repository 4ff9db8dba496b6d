"""The documented online check, against a real server: `plateledger audit verify --against URL
--since CHECKPOINT --key KEY` proves the log only grew since a checkpoint saved earlier, with no
token (the checkpoint and consistency endpoints reveal no entry and are public)."""

from __future__ import annotations

from pathlib import Path

import httpx
from typer.testing import CliRunner

from plateledger.app.platform import Platform
from plateledger.audit.checkpoint import Checkpoint, Signer
from plateledger.cli.main import app


def _save(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_online_growth_check_passes_on_an_honest_server(
    live: str, platform: Platform, tmp_path: Path
) -> None:
    platform.log_event("config_change", None, {"action": "probe-1"})
    old = _save(tmp_path / "cp.txt", httpx.get(f"{live}/api/v1/audit/checkpoint").text)
    key = _save(tmp_path / "key.txt", httpx.get(f"{live}/api/v1/audit/public-key").text)
    for i in range(5):
        platform.log_event("config_change", None, {"action": f"probe-{i + 2}"})
    platform.audit.checkpoint()  # the server's checkpointer would sign within a second
    assert httpx.get(
        f"{live}/api/v1/audit/consistency", params={"first": 1, "second": 2}
    ).is_success

    result = CliRunner().invoke(
        app, ["audit", "verify", "--against", live, "--since", str(old), "--key", str(key)]
    )
    assert result.exit_code == 0, result.output
    assert "OK: the log grew from" in result.output


def test_online_check_fails_for_a_checkpoint_the_server_never_signed(
    live: str, platform: Platform, tmp_path: Path
) -> None:
    """A checkpoint of the same size under another root (a split view shown to this auditor
    earlier) cannot be proven consistent with what the server serves now."""
    for i in range(4):
        platform.log_event("config_change", None, {"action": f"probe-{i}"})
    platform.audit.checkpoint()
    key = _save(tmp_path / "key.txt", httpx.get(f"{live}/api/v1/audit/public-key").text)
    other = Signer.generate(platform.audit.origin)  # not the server's key
    forged = other.sign(Checkpoint(platform.audit.origin, 2, b"\x07" * 32))
    result = CliRunner().invoke(
        app,
        ["audit", "verify", "--against", live, "--since", str(_save(tmp_path / "cp.txt", forged)),
         "--key", str(key)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "FAILED" in result.output
