"""`plateledger assist add|list|revoke` as a token's user: a supervisor records and revokes, an
officer may list but not record; bad input names the field."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from conftest import setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.main import app


def test_assist_add_list_revoke(tmp_path: Path) -> None:
    data = tmp_path / "data"
    platform = Platform(data)
    try:
        tokens = setup_registry(platform)
    finally:
        platform.close()
    runner = CliRunner()
    where = ["--data", str(data)]
    add = ["assist", "add", "tx-test-pd", "--case", "TX-24-9", "--by", "Sgt. Ruiz", *where]
    refused = runner.invoke(app, [*add, "--token", tokens["il-officer"]])
    assert refused.exit_code != 0 and "assists.manage" in refused.output
    made = runner.invoke(app, [*add, "--token", tokens["il-supervisor"]])
    assert made.exit_code == 0, made.output
    assist = orjson.loads(made.stdout)
    assert (assist["on_behalf_of"], assist["case_number"], assist["live"]) == (
        "tx-test-pd", "TX-24-9", True)  # fmt: skip
    listed = runner.invoke(app, ["assist", "list", "--token", tokens["il-officer"], *where])
    assert [a["id"] for a in orjson.loads(listed.stdout)] == [assist["id"]]
    bad = runner.invoke(app, [*add[:-2], "--expires", "2999-01-01", "--token",
                              tokens["il-supervisor"], *where])  # fmt: skip
    assert bad.exit_code != 0 and "expires_at" in bad.output and "Traceback" not in bad.output
    gone = runner.invoke(
        app, ["assist", "revoke", assist["id"], "--token", tokens["il-supervisor"], *where]
    )
    assert gone.exit_code == 0, gone.output
    assert orjson.loads(gone.stdout)["live"] is False
