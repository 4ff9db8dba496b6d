"""Each check on a tiny crafted dataset of own-log entries (plus one hotlist removal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from plateledger.oversight.checks_patterns import run_all
from plateledger.oversight.config import load
from plateledger.oversight.importer import import_paths
from plateledger.oversight.model import connect

T0 = datetime(2025, 6, 2, 18, 0, tzinfo=UTC)  # 11:00 in Los Angeles


def entry(
    sid: str,
    at: datetime,
    user: str,
    reason: str,
    *,
    plate: str = "P0",
    agency: str = "Home CA PD",
    case: str = "",
    outcome: str = "success",
    networks: int = 1,
    behalf: str | None = None,
) -> dict[str, Any]:
    return {
        "event_type": "search",
        "at": at.isoformat(),
        "user_id": user,
        "agency_id": agency,
        "outcome": outcome,
        "subject": {
            "search_id": sid,
            "purpose": "",
            "case_number": case,
            "reason": reason,
            "on_behalf_of": behalf,
            "query": {"plate": plate},
            "networks_searched": [f"n{i}" for i in range(networks)],
        },
    }


def dataset() -> list[dict[str, Any]]:
    rows = [
        entry(f"h{i}", T0 + timedelta(days=i), "h", "robbery 211pc", case=f"c{i}", plate=f"H{i}")
        for i in range(10)
    ]
    rows += [
        entry(
            f"j{i}",
            T0 + timedelta(days=12 * i, hours=1),
            "joplin",
            "burglary",
            plate="JOP1",
            case="c",
        )
        for i in range(6)
    ]
    rows += [
        entry("s1", T0 + timedelta(hours=2), "shared", "robbery", plate="A1", case="c"),
        entry(
            "s2",
            T0 + timedelta(hours=2, seconds=10),
            "shared",
            "assault",
            plate="B2",
            agency="Home2 CA PD",
            case="c",
        ),
    ]
    night = T0.replace(hour=11)  # 04:00 local
    rows += [
        entry(
            f"n{i}",
            night + timedelta(minutes=5 * i),
            "night",
            "theft of vehicle",
            plate=f"N{i}",
            case="c",
        )
        for i in range(25)
    ]
    rows += [
        entry("x1", T0 + timedelta(days=40), "x", "ICE warrant", case="c"),
        entry("x2", T0 + timedelta(days=41), "x", "no kings protest", case="c"),
        entry("x3", T0 + timedelta(days=42), "x", "investigation", case="c"),
        entry("x4", T0 + timedelta(days=43), "x", "24-12708", case="c"),
        entry("x5", T0 + timedelta(days=44), "x", "stolen vehicle"),
        entry("x6", T0 + timedelta(days=45), "x", "homicide", case="c", networks=5),
        entry("x7", T0 + timedelta(days=46), "y", "homicide", case="c", agency="Dallas TX PD"),
        entry("x8", T0 + timedelta(days=47), "x", "homicide", case="c", behalf="ICE ERO"),
        entry("x9", T0 + timedelta(days=48), "x", "homicide", case="c", outcome="denied"),
        entry("x10", T0 + timedelta(days=49, hours=2), "x", "homicide", case="c", plate="HOT1"),
        {
            "event_type": "hotlist_change",
            "at": (T0 + timedelta(days=49)).isoformat(),
            "user_id": "adm",
            "agency_id": "Home CA PD",
            "outcome": "success",
            "subject": {"action": "delete", "plate": "hot1"},
        },
    ]
    return rows


@pytest.fixture(scope="module")
def flagged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    cfg_file = tmp_path_factory.mktemp("cfg") / "oversight.yaml"
    cfg_file.write_text("national_min_networks: 5\nvolume_user_month_max: 20\n")
    con = connect()
    import_paths(con, [], own_entries=dataset())
    ids = dict(con.execute("SELECT row_id, search_id FROM searches").fetchall())
    return {r.name: {ids[i] for i, _ in r.rows} for r in run_all(con, load(cfg_file))}


def test_reason_checks(flagged: dict[str, set[str]]) -> None:
    assert flagged["prohibited_purpose"] == {"x1", "x2"}
    assert flagged["protest_health"] == {"x2"}
    assert flagged["vague_reason"] == {"x3"}
    assert flagged["case_number_only"] == {"x4"}
    assert flagged["missing_case_number"] == {"x5"}


def test_joplin_pattern(flagged: dict[str, set[str]]) -> None:
    assert flagged["repeated_plate"] == {f"j{i}" for i in range(6)}


def test_impossible_concurrency(flagged: dict[str, set[str]]) -> None:
    assert flagged["impossible_concurrency"] == {"s1", "s2"}


def test_off_hours_and_volume(flagged: dict[str, set[str]]) -> None:
    assert flagged["off_hours"] == {f"n{i}" for i in range(25)}
    assert flagged["volume"] == {f"n{i}" for i in range(25)}


def test_scope_outcome_and_hotlist(flagged: dict[str, set[str]]) -> None:
    assert flagged["national_scope"] == {"x6"}
    assert flagged["outside_searches"] == {"x7", "x8"}
    assert flagged["denied_held"] == {"x9"}
    assert flagged["after_hotlist_removal"] == {"x10"}


def test_config_rejects_unknown_setting(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("no_such_threshold: 1\n")
    with pytest.raises(Exception, match="no_such_threshold"):
        load(tmp_path / "c.yaml")


def test_prohibited_evidence_gives_matched_spans() -> None:
    con = connect()
    import_paths(con, [], own_entries=dataset())
    results = {r.name: r for r in run_all(con, load())}
    ids = dict(con.execute("SELECT row_id, search_id FROM searches").fetchall())
    evidence = {ids[i]: e for i, e in results["prohibited_purpose"].rows}
    assert evidence["x1"].startswith("immigration_enforcement (block)")
    assert "'ICE warrant' [0:11]" in evidence["x1"]
    assert "first_amendment_activity" in evidence["x2"]
    assert results["prohibited_purpose"].definition and results["vague_reason"].threshold
