"""Offline verification against a pinned key: a bundle whose whole history was re-signed with a
new key (and whose public-key.txt was replaced to match) verifies on its own — the CLI says so —
and fails with `--key` and the key the auditor already holds."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from plateledger.app.platform import Platform
from plateledger.audit.checkpoint import Checkpoint, Signer, split_note
from plateledger.cli.main import app


def _bundle(data_dir: Path, out: Path) -> Path:
    platform = Platform(data_dir)
    try:
        for i in range(12):
            platform.log_event("config_change", None, {"action": f"probe-{i}"})
            if i % 4 == 3:
                platform.audit.checkpoint()
        key = out.parent / "held-key.txt"
        key.write_text(platform.audit.public_key() + "\n")
    finally:
        platform.close()
    result = CliRunner().invoke(
        app, ["audit", "export", "--out", str(out), "--data", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    return key


def _resign(bundle: Path) -> None:
    """The intruder's move: every checkpoint re-signed by a new key of the same name."""
    notes = orjson.loads((bundle / "checkpoints.json").read_bytes())
    first_body, _ = split_note(notes[0])
    signer = Signer.generate(Checkpoint.from_body(first_body).origin)
    resigned = [signer.sign(Checkpoint.from_body(split_note(n)[0])) for n in notes]
    (bundle / "checkpoints.json").write_bytes(orjson.dumps(resigned))
    statement, _ = split_note((bundle / "bundle.txt").read_text())
    (bundle / "bundle.txt").write_text(signer.sign_text(statement))
    (bundle / "public-key.txt").write_text(signer.public_key_line() + "\n")


def test_a_resigned_history_fails_against_the_pinned_key(data_dir: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    key = _bundle(data_dir, bundle)
    runner = CliRunner()
    honest = runner.invoke(app, ["audit", "verify", str(bundle), "--key", str(key)])
    assert honest.exit_code == 0, honest.output
    assert "pinned key" in honest.output

    _resign(bundle)
    alone = runner.invoke(app, ["audit", "verify", str(bundle)])
    assert alone.exit_code == 0  # consistent on its own terms...
    assert "re-signed with another key passes" in alone.output  # ...and says what it did not check
    pinned = runner.invoke(app, ["audit", "verify", str(bundle), "--key", str(key)])
    assert pinned.exit_code == 1
    assert "never endorsed" in pinned.output
