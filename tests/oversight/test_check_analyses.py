"""The analysis-search check: convoy, multi-place and frequent-visitor searches per agency and
user, flagged without a case number or with a vague reason; from the own log (as plateledger
writes them) and from a Flock export naming `convoy` and `multiGeo`."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from plateledger.oversight.checks_patterns import run_all
from plateledger.oversight.config import load
from plateledger.oversight.importer import import_paths
from plateledger.oversight.model import connect

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def entry(
    sid: str, kind: str, user: str, reason: str, case: str, purpose: str | None = "homicide"
) -> dict[str, Any]:
    return {
        "event_type": kind, "at": (T0 + timedelta(minutes=len(sid))).isoformat(),
        "user_id": user, "agency_id": "a-ca", "outcome": "held",
        "subject": {"search_id": sid, "purpose": purpose, "reason": reason,
                    "case_number": case, "on_behalf_of": None, "query": {"plate": "P0"}},
    }  # fmt: skip


def test_lists_and_flags_analysis_searches(tmp_path: Path) -> None:
    own = [
        entry("c1", "convoy", "ann", "shooting at 5th and Main, suspect sedan", "24-0101"),
        entry("c22", "convoy", "ann", "investigation", "24-0102", None),  # vague
        entry("m333", "multi_place", "bob", "armed robbery of two banks", ""),  # no case
        entry("f4444", "frequent_visitor", "bob", "kidnapping, victim's car", "249"),  # short
        entry("s55555", "search", "bob", "investigation", ""),  # not an analysis
    ]
    flock = tmp_path / "flock.csv"
    with flock.open("w", newline="") as f:
        csv.writer(f).writerows([
            ["ID", "Name", "Org Name", "Total Networks Searched", "Time Frame", "License Plate",
             "Reason", "Case #", "Filters", "Search Time", "Search Type", "Text Prompt",
             "Moderation"],
            ["v1", "cal", "Town PD", "3", "", "", "inv", "", "", "3/3/2025, 9:00:00 AM UTC",
             "multiGeo", "", ""],
            ["v2", "cal", "Town PD", "3", "", "ABC123", "stolen car", "25-1", "",
             "3/3/2025, 9:10:00 AM UTC", "search", "", ""],
        ])  # fmt: skip
    con = connect()
    import_paths(con, (flock,), own_entries=own)
    ids = {
        int(r): str(s) for r, s in con.execute("SELECT row_id, search_id FROM searches").fetchall()
    }
    result = next(r for r in run_all(con, load()) if r.name == "analysis_searches")
    flagged = {ids[i]: why for i, why in result.rows}
    assert flagged == {
        "c22": "convoy: vague reason",
        "m333": "multiGeo: no case number",
        "f4444": "frequentVisitor: no case number",
        "v1": "multiGeo: no case number, vague reason",
    }
    assert sum(n for _, n in result.groups) == 5  # c1 listed, not flagged; searches left out
    assert ("a-ca / ann (convoy)", 2) in result.groups
