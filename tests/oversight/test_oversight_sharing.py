"""Sharing lists from portal snapshots: recipients beyond state law (SB 34 for California), the
state matrix, the scoreboard, 'what to ask', and a month chart that shows every month."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import orjson
import pytest

from plateledger.oversight.charts import bars, columns
from plateledger.oversight.config import load
from plateledger.oversight.portal_sharing import classify_partner, state_of
from plateledger.oversight.report import build

DATA = Path(__file__).parent / "data" / "portal-sharing"
OUT_OF_STATE = {
    "Acworth GA PD",
    "Ankeny IA PD",
    "Anoka County MN SO",
    "Arizona Department of Public Safety",
    "Arlington PD (WA)",
    "Florida Highway Patrol",
    "Missouri State Highway Patrol",
}


@pytest.mark.parametrize(
    ("name", "state", "kind"),
    [
        ("Arlington PD (WA)", "WA", "public"),
        ("napa-ca-pd", "CA", "public"),
        ("Colorado State Patrol", "CO", "public"),
        ("Cal Fire", "CA", "public"),
        ("Midwest HIDTA", None, "federal"),
        ("FBI Sacramento", None, "federal"),
        ("National Center for Missing & Exploited Children [NCMEC]", None, "private"),
        ("DUPLICATE PLEASE DELETE", None, "placeholder"),
        ("Monterey County District Attorney's Office", None, "public"),
    ],
)
def test_partner_state_and_kind(name: str, state: str | None, kind: str) -> None:
    p = classify_partner(name, ["FBI", "ICE"])
    assert (p.state, p.kind) == (state, kind)


def test_state_of_prefers_the_last_code() -> None:
    assert state_of("Kansas City MO PD") == "MO"
    assert state_of("Oakland Police Department") is None


def test_out_of_state_recipients_of_a_california_agency(tmp_path: Path) -> None:
    build([DATA], tmp_path, load())
    doc = orjson.loads((tmp_path / "report.json").read_bytes())
    check = next(c for c in doc["checks"] if c["name"] == "sharing_beyond_law")
    assert check["count"] == len(OUT_OF_STATE)
    assert "1798.90.55(b)" in check["threshold"]
    with (tmp_path / "rows" / "sharing_beyond_law.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["partner"] for r in rows} == OUT_OF_STATE
    assert {r["rule_id"] for r in rows} == {"CA.sharing.out_of_state"}
    assert {r["decision"] for r in rows} == {"deny"}
    with (tmp_path / "rows" / "sharing_scoreboard.csv").open(encoding="utf-8") as f:
        board = {r["agency"]: r for r in csv.DictReader(f)}
    assert board["El Cajon PD ( CA)"]["beyond_law"] == "7"
    assert board["The Alameda California Police Department"]["searches"] == "12"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "What to ask the agency" in html
    assert "7 recipients on the sharing lists" in html
    assert "sharing matrix" in html


def test_every_month_is_shown_with_zero_where_empty(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "userId": "***", "searchDate": "2026-01-10T10:00:00Z", "reason": "x"},
        {"id": "b", "userId": "***", "searchDate": "2026-04-02T10:00:00Z", "reason": "y"},
    ]
    doc = {"crawled_slug": "x-ca-pd", "crawled_name": "X CA PD", "search_audit_csv": rows}
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.json").write_text(json.dumps(doc), encoding="utf-8")
    build([tmp_path / "in"], tmp_path / "out", load())
    report = orjson.loads((tmp_path / "out" / "report.json").read_bytes())
    assert report["months"] == [["2026-01", 1], ["2026-02", 0], ["2026-03", 0], ["2026-04", 1]]


def test_charts_scale_to_their_column() -> None:
    svg = columns([(f"2025-{m:02d}", m * 100) for m in range(1, 13)] * 4)
    assert 'viewBox="0 0 ' in svg and 'width="100%"' in svg
    assert "rotate(-45" in svg  # 48 month labels would overlap side by side
    long = "Contra Costa County CA Sheriff's Office Investigations"
    bar = bars([(long, 5, "#x"), ("B", 1, "#y")])
    assert 'width="100%"' in bar
    assert long[:20] in bar  # cut with an ellipsis, not clipped off the left edge


def test_sd_after_a_state_is_a_sheriffs_department() -> None:
    # found by scripts/oversight_verify.py: 'Los Angeles County CA SD' was read as South Dakota
    assert state_of("Los Angeles County CA SD") == "CA"
    assert state_of("riverside-county-ca-sd") == "CA"
    assert state_of("Sioux Falls SD PD") == "SD"
