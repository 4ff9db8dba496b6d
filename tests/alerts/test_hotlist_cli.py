"""`plateledger hotlist ...` on a data directory (the Typer app on its own)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from conftest import setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.hotlist_cmd import app

LATER = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()


def test_create_import_list_and_refusal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    platform = Platform(data)
    tokens = setup_registry(platform)
    platform.close()
    runner = CliRunner()
    base = ["--data", str(data), "--token"]
    made = runner.invoke(app, ["create", "Stolen", *base, tokens["il-admin"], "--purpose",
                               "stolen_vehicle", "--legal-basis", "NCIC"])  # fmt: skip
    assert made.exit_code == 0, made.output
    lid = json.loads(made.stdout)["id"]
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("Tag,St,Why,Case\nABC123,IL,stolen,24-1\nXYZ9,IL,stolen,24-2\n")
    imported = runner.invoke(app, ["import", lid, str(csv_file), *base, tokens["il-admin"],
                                   "--map", "plate=Tag", "--map", "state=St", "--map",
                                   "reason=Why", "--map", "case_number=Case",
                                   "--default-expires", LATER])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["imported"] == 2
    listed = runner.invoke(app, ["entries", lid, *base, tokens["il-officer"]])
    assert sorted(e["plate"] for e in json.loads(listed.stdout)) == ["ABC123", "XYZ9"]
    ice = ["--purpose", "immigration_enforcement", "--legal-basis", "287(g)"]
    refused = runner.invoke(app, ["create", "ICE", *base, tokens["il-admin"], *ice])
    assert refused.exit_code == 2 and "forbidden" in refused.output
