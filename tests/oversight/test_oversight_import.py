"""Importer: every layout, quirk and error, on small synthetic files written by the tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from plateledger.oversight.importer import ImportStats, import_paths
from plateledger.oversight.layouts import UnknownLayoutError
from plateledger.oversight.model import connect

ORG13 = [
    "ID",
    "Name",
    "Org Name",
    "Total Networks Searched",
    "Time Frame",
    "License Plate",
    "Reason",
    "Case #",
    "Filters",
    "Search Time",
    "Search Type",
    "Text Prompt",
    "Moderation",
]
NET11 = [
    "Name",
    "Org Name",
    "Total Networks Searched",
    "Total Devices Searched",
    "Time Frame",
    "License Plate",
    "Reason",
    "Case #",
    "Filters",
    "Search Time",
    "Search Type",
]
FRAME = "3/1/2025, 12:00:00 AM UTC\n3/8/2025, 11:59:59 PM UTC"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def org_row(i: int, **over: str) -> list[str]:
    cells = {
        "ID": f"id-{i}",
        "Name": "officer a",
        "Org Name": "Example CA PD",
        "Total Networks Searched": "12",
        "Time Frame": FRAME,
        "License Plate": "abc123",
        "Reason": "stolen vehicle",
        "Case #": "25-0001",
        "Filters": "",
        "Search Time": f"3/{i % 28 + 1}/2025, 1:05:09 PM UTC",
        "Search Type": "search",
        "Text Prompt": "",
        "Moderation": "",
    }
    cells.update(over)
    return [cells[c] for c in ORG13]


def load(paths: list[Path], **kw: Any) -> tuple[list[dict[str, Any]], ImportStats]:
    con = connect()
    stats = import_paths(con, paths, **kw)
    cur = con.execute(
        "SELECT * REPLACE (at_utc::TIMESTAMP AS at_utc, frame_start::TIMESTAMP "
        "AS frame_start, frame_end::TIMESTAMP AS frame_end) "
        "FROM searches ORDER BY row_id"
    )  # naive UTC: no pytz needed
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()], stats


def test_org_13_columns_two_line_frame_and_pm_time(tmp_path: Path) -> None:
    rows, stats = load([write_csv(tmp_path / "org.csv", [ORG13, org_row(1), org_row(2)])])
    assert stats.files[0].layout == "flock-org-13"
    r = rows[0]
    assert (r["search_id"], r["user_id"], r["agency"], r["plate"]) == (
        "id-1",
        "officer a",
        "Example CA PD",
        "ABC123",
    )
    assert r["at_utc"].isoformat() == "2025-03-02T13:05:09"
    assert r["frame_start"].isoformat() == "2025-03-01T00:00:00"
    assert r["frame_end"].isoformat() == "2025-03-08T23:59:59"
    assert r["network_count"] == 12 and r["case_number"] == "25-0001"


def test_network_11_columns_and_am_midnight(tmp_path: Path) -> None:
    row = [
        "user b",
        "Other TX PD",
        "6,674",
        "77,771",
        FRAME,
        "XYZ9",
        "inv",
        "",
        "",
        "4/30/2025, 12:15:00 AM UTC",
        "lookup",
    ]
    rows, stats = load([write_csv(tmp_path / "net.csv", [NET11, row])])
    assert stats.files[0].layout == "flock-network-11"
    assert rows[0]["at_utc"].isoformat() == "2025-04-30T00:15:00"
    assert (rows[0]["network_count"], rows[0]["camera_count"]) == (6674, 77771)
    assert rows[0]["search_id"] is None and rows[0]["case_number"] is None


def test_headerless_and_repeated_header(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "noheader.csv", [org_row(1), org_row(2)])
    rows, stats = load([p])
    assert stats.files[0].layout == "flock-org-13" and len(rows) == 2
    q = write_csv(tmp_path / "repeat.csv", [ORG13, org_row(1), ORG13, org_row(2), [], org_row(3)])
    rows, stats = load([q])
    assert len(rows) == 3 and stats.files[0].skipped == 0


def test_redaction_markers_and_phantom_columns(tmp_path: Path) -> None:
    header = [*ORG13[:3], "", *ORG13[3:], "Unnamed: 14"]
    row = org_row(1, Name="***", Reason=" REDACTED", **{"License Plate": "REDACTED"})
    rows, stats = load([write_csv(tmp_path / "p.csv", [header, [*row[:3], "x", *row[3:], "y"]])])
    assert stats.files[0].layout == "flock-org-13"
    assert rows[0]["user_id"] is None and rows[0]["reason"] is None and rows[0]["plate"] is None
    assert rows[0]["agency"] == "Example CA PD" and rows[0]["network_count"] == 12


def test_portal_layouts_2025_2026_with_optional_columns(tmp_path: Path) -> None:
    p25 = write_csv(
        tmp_path / "p25.csv",
        [
            ["id", "userId", "searchDate", "cameraCount", "reason"],
            ["a1", "u-1", "2025-05-01T10:00:00.123Z", "40", "x"],
        ],
    )
    p26 = write_csv(
        tmp_path / "p26.csv",
        [
            ["id", "userId", "searchDate", "networkCount", "reason", "caseNumber", "offenseType"],
            ["b1", "***", "2026-03-02T20:49:35.683Z", "1757", "", "26-1", "Robbery"],
        ],
    )
    rows, stats = load([p25, p26])
    assert [f.layout for f in stats.files] == ["portal-2025", "portal-2026"]
    assert rows[0]["camera_count"] == 40 and rows[0]["user_id"] == "u-1"
    assert rows[1]["network_count"] == 1757 and rows[1]["offense_type"] == "Robbery"
    assert rows[1]["user_id"] is None and rows[1]["case_number"] == "26-1"


def test_portal_json_snapshot(tmp_path: Path) -> None:
    doc = {
        "crawled_name": "Sample CA PD",
        "search_audit_csv": [
            {
                "id": "j1",
                "userId": "***",
                "searchDate": "2026-03-27T00:18:02.581Z",
                "networkCount": "3",
                "reason": "theft",
            }
        ],
    }
    (tmp_path / "snap.json").write_bytes(orjson.dumps(doc))
    rows, _ = load([tmp_path / "snap.json"])
    assert rows[0]["agency"] == "Sample CA PD" and rows[0]["search_id"] == "j1"


def test_event_log(tmp_path: Path) -> None:
    p = write_csv(
        tmp_path / "events.csv",
        [
            ["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"],
            [
                "5/1/2025, 9:00:00 AM UTC",
                "admin",
                "delete",
                "Custom Hotlist Entry",
                "Hotlist Name: x\nLicense: ab12cd\nState: CA",
            ],
        ],
    )
    con = connect()
    stats = import_paths(con, [p])
    assert stats.events == 1 and stats.files[0].layout == "event-log"
    assert con.execute("SELECT action, plate FROM events").fetchall() == [("delete", "AB12CD")]


def test_generic_csv_with_mapping(tmp_path: Path) -> None:
    p = write_csv(
        tmp_path / "g.csv",
        [["When", "Officer", "Why", "Tag"], ["2025-01-02 03:04:05", "o1", "burglary", "QQ1"]],
    )
    rows, stats = load(
        [p], columns={"at": "When", "user": "Officer", "reason": "Why", "plate": "Tag"}
    )
    assert stats.files[0].layout == "generic"
    assert (rows[0]["user_id"], rows[0]["plate"]) == ("o1", "QQ1")


def test_xlsx_every_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(ORG13)
    sheet.append(org_row(1))
    second = book.create_sheet("April")
    second.append(org_row(2))  # a sheet without a header
    book.save(tmp_path / "audit.xlsx")
    rows, stats = load([tmp_path / "audit.xlsx"])
    assert len(rows) == 2 and {f.layout for f in stats.files} == {"flock-org-13"}


def test_unknown_layout_names_columns_and_closest(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "odd.csv", [["id", "userId", "when", "reason"], ["1", "2", "x", "y"]])
    with pytest.raises(UnknownLayoutError) as err:
        load([p])
    assert "id, userId, when, reason" in err.value.message
    assert err.value.closest.startswith("portal-") and "at" in err.value.missing
    (tmp_path / "d").mkdir()
    write_csv(tmp_path / "d" / "odd.csv", [["a", "b", "c"], ["1", "2", "3"]])
    _, stats = load([tmp_path / "d"])  # inside a directory: reported, not fatal
    assert len(stats.unknown) == 1 and "a, b, c" in stats.unknown[0]


def test_dedup_across_overlapping_files(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", [ORG13, org_row(1), org_row(2)])
    b = write_csv(tmp_path / "b.csv", [ORG13, org_row(2), org_row(3)])
    rows, stats = load([a, b])
    assert [r["search_id"] for r in rows] == ["id-1", "id-2", "id-3"]
    assert (stats.rows, stats.duplicates) == (4, 1)


HEADERS = {
    "flock-org-13": ORG13,
    "flock-org-14": [*ORG13[:4], "Total Devices Searched", *ORG13[4:]],
    "flock-network-11": NET11,
    "flock-org-no-agency": [c for c in ORG13 if c not in ("Org Name", "Text Prompt", "Moderation")],
    "flock-documented-org": ["Name", "Total Networks Searched", "Time Frame", "License Plate",
                             "Case #", "Filters", "Reason", "Offense Type", "Search Date/Time"],
    "flock-documented-network": ["Name", "Org Name", "Total Networks Searched",
                                 "Total Devices Searched", "Time Frame", "License Plate",
                                 "Case #", "Filters", "Reason", "Search Date/Time"],
    "flock-short-8": ["ID", "Name", "Org Name", "Total Networks Searched", "Search Time",
                      "Reason", "Case #", "License Plate"],
    "flock-split-date": ["Name", "Org Name", "Total Networks Searched", "Search Date",
                         "Search Time", "Reason"],
    "portal-archive": ["id", "userId", "searchDate", "cameraCount", "reason", "networkCount"],
    "portal-rows": ["agency_slug", "agency_name", "first_archived", "id", "userId",
                    "searchDate", "networkCount", "cameraCount", "reason", "caseNumber",
                    "offenseType"],
}  # fmt: skip
PM = "2/3/2025, 4:05:06 PM UTC"
SAMPLE = {"Search Time": PM, "Search Date/Time": PM, "searchDate": "2025-02-03T16:05:06Z",
          "Search Date": "2/3/2025", "Time Frame": FRAME}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_every_flock_and_portal_layout_is_detected(tmp_path: Path, name: str) -> None:
    header = HEADERS[name]
    row = [SAMPLE.get(h, "7") for h in header]
    if name == "flock-split-date":
        row[header.index("Search Time")] = "4:05:06 PM UTC"
    rows, stats = load([write_csv(tmp_path / "f.csv", [header, row])])
    assert stats.files[0].layout == name
    assert rows[0]["at_utc"].isoformat() == "2025-02-03T16:05:06"


def test_own_log_from_a_data_directory(tmp_path: Path) -> None:
    from plateledger.audit.store import EntryLog
    from plateledger.oversight.own_log import entries_in

    doc = {"event_type": "search", "at": "2025-01-01T00:00:00.000000Z", "user_id": "u",
           "agency_id": "a", "outcome": "held", "subject": {"search_id": "own-1", "reason": "r",
           "query": {"plate": "zz9"}, "networks_searched": ["n"]}}  # fmt: skip
    with EntryLog(tmp_path / "audit" / "entries") as log:
        log.append(orjson.dumps(doc))
    rows, _ = load([], own_entries=entries_in(tmp_path))
    assert (rows[0]["search_id"], rows[0]["outcome"], rows[0]["plate"]) == ("own-1", "held", "ZZ9")


def test_own_log_analysis_policy_changes_are_events() -> None:
    from plateledger.oversight.own_log import entry_row

    doc = {"event_type": "analysis_policy_change", "at": "2025-01-01T00:00:00Z", "user_id": "u",
           "agency_id": "il-test-pd", "outcome": "allowed",
           "subject": {"changes": {"convoy": {"purposes": []}}}}  # fmt: skip
    row = entry_row(doc, 1)
    assert row is not None and row["_table"] == "events"
    assert (row["entity_type"], row["agency"], row["plate"]) == (
        "analysis_policy_change", "il-test-pd", None)  # fmt: skip
