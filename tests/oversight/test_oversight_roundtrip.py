"""Round trip: plateledger's own audit entries, exported with our Flock-layout writer, read back
by the importer; the same entries as JSONL land in the same table; the CLI writes the report."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from plateledger.audit.events import canonical_bytes, search_event
from plateledger.audit.flock_export import export_lines
from plateledger.cli.oversight_cmd import app
from plateledger.oversight.importer import import_paths, own_entries_from
from plateledger.oversight.model import connect

T0 = datetime(2025, 7, 1, 21, 30, 5, tzinfo=UTC)


def entries() -> list[tuple[int, dict[str, object]]]:
    out = []
    for i in range(4):
        event = search_event(
            at=T0 + timedelta(minutes=i),
            component="api",
            user_id=f"u{i % 2}",
            agency_id="home",
            outcome="denied" if i == 3 else "success",
            search_id=f"s-{i}",
            purpose="investigation",
            case_number=f"25-{i}",
            reason="stolen car",
            on_behalf_of=None,
            query={
                "plate": "RT123",
                "time_from": "2025-06-01T00:00:00+00:00",
                "time_to": "2025-07-01T00:00:00+00:00",
            },
            decisions=[],
            networks_searched=["n1", "n2"],
            networks_excluded=[],
            result_count=0,
        )
        out.append((i, json.loads(canonical_bytes(event))))
    return out


def write(path: Path, fmt: str) -> Path:
    path.write_bytes(b"".join(export_lines(entries(), fmt, agency_names={"home": "Home CA PD"})))
    return path


def test_flock_export_reads_back(tmp_path: Path) -> None:
    con = connect()
    org, net = (
        write(tmp_path / "org.csv", "flock-org"),
        write(tmp_path / "net.csv", "flock-network"),
    )
    stats = import_paths(con, [org, net])
    assert [f.layout for f in stats.files] == ["flock-org-13", "flock-network-11"]
    rows = con.execute(
        "SELECT search_id, user_id, agency, plate, network_count, case_number, "
        "strftime(at_utc, '%Y-%m-%dT%H:%M:%S'), strftime(frame_end, '%Y-%m-%d') "
        "FROM searches WHERE source = 'org.csv' ORDER BY search_id"
    ).fetchall()
    assert rows[0] == (
        "s-0",
        "u0",
        "Home CA PD",
        "RT123",
        2,
        "25-0",
        "2025-07-01T21:30:05",
        "2025-07-01",
    )
    assert len(rows) == 4


def test_jsonl_and_flock_csv_share_one_table_and_dedup(tmp_path: Path) -> None:
    con = connect()
    org, jsonl = write(tmp_path / "org.csv", "flock-org"), write(tmp_path / "log.jsonl", "jsonl")
    stats = import_paths(con, [org], own_entries=own_entries_from([jsonl]))
    assert (stats.rows, stats.duplicates) == (8, 4)
    assert con.execute("SELECT count(*) FROM searches").fetchall() == [(4,)]


def test_cli_report_is_self_contained(tmp_path: Path) -> None:
    org, jsonl = write(tmp_path / "org.csv", "flock-org"), write(tmp_path / "own.jsonl", "jsonl")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", str(org), str(jsonl), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["searches"] == 4 and summary["checks"]["denied_held"] == 1
    html = (out / "report.html").read_text()
    assert "<svg" in html and "<script" not in html and "http" not in html
    assert 'href="#check-denied_held"' in html and 'href="rows/denied_held.csv"' in html
    with (out / "flagged.csv").open() as f:
        assert {r["check_name"] for r in csv.DictReader(f)} == {"denied_held"}
    assert json.loads((out / "report.json").read_text())["summary"]["searches"] == 4
