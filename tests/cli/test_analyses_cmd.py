"""`plateledger convoy`, `multi-place` and `frequent-visitor` on a real data directory: held
(exit 2, the search id named), then run once a supervisor approved."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from conftest import NOW, make_reads, read, setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.main import app
from plateledger.domain.types import AgencyId, User, UserId

runner = CliRunner()
SUPERVISOR = User(UserId("il-supervisor"), AgencyId("il-test-pd"), "IL Supervisor", "supervisor")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def approve(data: Path, search_id: str) -> None:
    p = Platform(data)
    try:
        p.holds.decide(search_id, SUPERVISOR, True, "approved")
    finally:
        p.close()


def test_convoy_multi_place_frequent_visitor(tmp_path: Path) -> None:
    data = tmp_path / "data"
    p = Platform(data)
    tokens = setup_registry(p)
    # PAL001 at il-c1 on three distinct UTC days whatever the time of day: the latest read, and
    # noon of the two days before its day
    noon = datetime.combine((NOW - timedelta(minutes=30.5)).date(), time(12), tzinfo=UTC)
    before = [(NOW - (noon - timedelta(days=d))).total_seconds() / 60 for d in (1, 2)]
    p.store.append(make_reads([
        read("il-c1", 30, "TARGET1"), read("il-c1", 30.5, "PAL001"),
        read("il-c2", 90, "TARGET1"), read("il-c2", 89.5, "PAL001"),
        read("il-c1", before[0], "PAL001"), read("il-c1", before[1], "PAL001"),
    ]))  # fmt: skip
    p.close()
    common = ["--data", str(data), "--token", tokens["il-officer"], "--purpose", "homicide",
              "--case-number", "C-7", "--reason", "homicide on Main St, suspect car"]  # fmt: skip
    start, end = (NOW - timedelta(days=3)).isoformat(), NOW.isoformat()
    convoy = ["convoy", "TARGET1", "--from", start, "--to", end, "-k", "2", *common]
    code, _, err = invoke(*convoy)
    assert code == 2 and "held" in err, err
    approve(data, err.rsplit("(search ", 1)[1].rstrip(")\n"))
    code, out, err = invoke(*convoy)
    assert code == 0, err
    assert [r["plate"] for r in orjson.loads(out)["plates"]] == ["PAL001"]
    hour = (NOW - timedelta(hours=3)).isoformat()
    windows = ["--window", f"il-c1@{hour}/{end}", "--window", f"il-c2@{hour}/{end}"]
    code, _, err = invoke("multi-place", *windows, *common)
    assert code == 2 and "held" in err, err
    visitor = ["frequent-visitor", "--camera", "il-c1", "--from", start, "--to", end, "-k", "3"]
    code, _, err = invoke(*visitor, *common)
    assert code == 2, err
    approve(data, err.rsplit("(search ", 1)[1].rstrip(")\n"))
    code, out, err = invoke(*visitor, *common)
    assert code == 0, err
    assert [(r["plate"], r["score"]) for r in orjson.loads(out)["plates"]] == [("PAL001", 3)]
    code, _, err = invoke("multi-place", "--window", "il-c1", *common)
    assert code == 2 and "--window" in err
