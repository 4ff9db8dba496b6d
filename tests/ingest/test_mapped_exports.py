"""Other ALPR systems' exports through a mapping file: `plateledger ingest FILE --mapping MAP`
(issue #21 item 1c)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from typer.testing import CliRunner

from conftest import NOW, setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.main import app
from plateledger.errors import ValidationError
from plateledger.ingest.mapping import FieldMapping, load_mapping

FIXTURES = Path(__file__).parent / "fixtures"
CHICAGO = ZoneInfo("America/Chicago")
runner = CliRunner()


def local(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).astimezone(CHICAGO).strftime("%m/%d/%Y %H:%M:%S")


def export(tmp_path: Path) -> Path:
    """The fixture export with its times moved to a few minutes ago (Chicago local time)."""
    lines = (FIXTURES / "acme_export.csv").read_text().splitlines()
    out = [lines[0]]
    for minutes, line in zip((9, 8, 7, 6, 5), lines[1:], strict=True):
        cells = line.split(",")
        if cells[2] != "not a time":
            cells[2] = local(minutes)
        out.append(",".join(cells))
    path = tmp_path / "acme.csv"
    path.write_text("\n".join(out) + "\n")
    return path


def test_a_mapped_csv_export_is_stored_with_errors_named_by_column(tmp_path: Path) -> None:
    data = tmp_path / "data"
    setup = Platform(data)
    setup_registry(setup)
    setup.close()
    path, mapping = export(tmp_path), FIXTURES / "acme_mapping.yaml"
    result = runner.invoke(
        app, ["ingest", str(path), "--mapping", str(mapping), "--data", str(data)]
    )
    assert result.exit_code == 0, result.stderr
    assert orjson.loads(result.stdout) == {"received": 5, "stored": 2, "duplicates": 0,
                                           "rejected": 3}  # fmt: skip
    assert "row 3: Captured (ts): does not match the time format" in result.stderr
    assert "row 4: Camera (camera): is not a camera named in the mapping's cameras" in result.stderr
    assert "row 5: plate:" in result.stderr
    again = runner.invoke(
        app, ["ingest", str(path), "--mapping", str(mapping), "--data", str(data)]
    )
    assert orjson.loads(again.stdout)["duplicates"] == 2  # the same ReadIds: stored once
    platform = Platform(data)
    try:
        rows = platform.store.execute("SELECT plate, ts, conf, lat FROM reads_hot ORDER BY ts")
    finally:
        platform.close()
    assert [r[0] for r in rows] == ["KLM4521", "RZ3832H"]
    assert rows[0][1] == (NOW - timedelta(minutes=9)).replace(tzinfo=None)  # Chicago -> UTC
    assert rows[0][2] == 186 and rows[0][3] == pytest.approx(41.88)  # 93 % -> 0.93


def test_json_paths_and_epoch_times(tmp_path: Path) -> None:
    mapping = FieldMapping.model_validate({
        "source": "json", "fields": {"camera_id": "site.cam", "ts": "t", "plate": "lp.0.text"},
        "time": {"format": "epoch_ms"},
    })  # fmt: skip
    row = {"site": {"cam": "il-c1"}, "t": 1_796_673_785_000, "lp": [{"text": "ABC123"}]}
    mapped = mapping.apply(row)
    assert json.loads(json.dumps(getattr(mapped, "record", None))) == {
        "camera_id": "il-c1",
        "ts": "2026-12-07T20:03:05+00:00",
        "plate": "ABC123",
    }


def test_a_mapping_file_with_an_unknown_key_names_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("fields: {ts: T, plate: P, camera_id: C}\ntimezone: UTC\n")
    with pytest.raises(ValidationError, match="timezone"):
        load_mapping(path)
    path.write_text("fields: {ts: T, camera_id: C}\n")
    with pytest.raises(ValidationError, match="fields.plate is required"):
        load_mapping(path)
