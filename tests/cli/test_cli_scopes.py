"""CLI commands run as a token's user check the token's permissions (role narrowed by scopes),
exactly as the API does: a token scoped to `ingest` cannot search from the command line."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from conftest import setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.main import app
from plateledger.domain.types import OPERATOR

SEARCH = ("--purpose", "stolen_vehicle", "--case-number", "24-1", "--reason", "stolen car")


def test_a_narrowed_token_is_refused_where_its_scopes_do_not_reach(tmp_path: Path) -> None:
    data = tmp_path / "data"
    platform = Platform(data)
    try:
        tokens = setup_registry(platform)
        officer = next(u for u in platform.store.users() if u.id == "il-officer")
        hotlists_only, _ = platform.tokens.issue_token(
            OPERATOR, officer, "lists", scopes=["hotlists"]
        )
    finally:
        platform.close()
    runner = CliRunner()
    base = ["search", "--plate", "ABC123", *SEARCH, "--data", str(data)]
    refused = runner.invoke(app, [*base, "--token", hotlists_only])
    assert refused.exit_code != 0
    assert "search.run" in refused.output and "Traceback" not in refused.output
    allowed = runner.invoke(app, [*base, "--token", tokens["il-officer"]])
    assert allowed.exit_code == 0, allowed.output
    assert "search_id" in orjson.loads(allowed.stdout)
