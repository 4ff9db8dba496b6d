"""Real records-request productions, as they come: each fixture under ``fixtures/`` is a small
excerpt of a published production (see ``fixtures/SOURCES.md``) and imports without a mapping;
workbooks are classified sheet by sheet, never stopped by a sheet they cannot read."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from plateledger.errors import ValidationError
from plateledger.oversight.config import load as load_config
from plateledger.oversight.importer import ImportStats, import_paths
from plateledger.oversight.model import connect
from plateledger.oversight.report import build
from plateledger.oversight.sheets import agency_from_name
from plateledger.oversight.values import parse_time

FIXTURES = Path(__file__).parent / "fixtures"
LA = "America/Los_Angeles"


def run(paths: list[Path], **kw: Any) -> tuple[Any, ImportStats]:
    con = connect()
    return con, import_paths(con, paths, **kw)


def searches(con: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = con.execute(
        "SELECT strftime(at_utc, '%Y-%m-%d %H:%M:%S'), agency, user_id, reason, "
        "network_count, camera_count, strftime(frame_start, '%Y-%m-%d %H:%M:%S') "
        "FROM searches ORDER BY row_id"
    ).fetchall()
    return rows


def test_okaloosa_audit_split_time_frame_no_user_column() -> None:
    con, stats = run([FIXTURES / "11_1_2025-12_8_2025-Okaloosa_County_FL_SO-Audit.csv"])
    assert [f.layout for f in stats.files] == ["flock-split-frame"]
    rows = searches(con)
    assert len(rows) == 5
    assert rows[0] == (
        "2025-11-14 09:53:36", "Okaloosa County FL SO", None, "bolo", 840, 17652,
        "2025-11-13 22:00:17",
    )  # fmt: skip
    assert stats.sheets[0].agency_from.startswith("agency column")


def test_portal_search_audit_takes_the_agency_option() -> None:
    path = FIXTURES / "search_audit.a871b2fc.csv"
    con, stats = run([path])
    assert stats.sheets[0].agency is None  # nothing in the file names the agency
    con, stats = run([path], agency="San Mateo County CA SO")
    rows = searches(con)
    assert [f.layout for f in stats.files] == ["portal-2026"] and len(rows) == 5
    assert {r[1] for r in rows} == {"San Mateo County CA SO"}
    assert {r[2] for r in rows} == {None}  # "***" is a redaction, not a user
    assert rows[0][0] == "2026-03-10 04:31:52" and rows[4][3] == "Missing Person / AMBER"
    assert (stats.sheets[0].agency, stats.sheets[0].agency_from) == (
        "San Mateo County CA SO",
        "--agency",
    )


def test_event_log_with_event_id_and_multiline_details() -> None:
    con, stats = run([FIXTURES / "event-logs.csv"])
    assert stats.events == 3 and stats.sheets[0].kind == "events"
    got = con.execute(
        "SELECT strftime(at_utc, '%Y-%m-%d %H:%M:%S'), user_id, action, entity_type, plate "
        "FROM events ORDER BY source_row"
    ).fetchall()
    assert got[0] == ("2026-08-15 21:33:09", "auditor-1", "update", "organizationAudit", None)


@pytest.mark.parametrize(
    ("name", "agency", "inbound", "outbound", "kinds"),
    [
        ("hiram-ga-pd_SharedNetworks_2026-04-01.csv", "Hiram GA PD", 5, 4,
         {"Dream Finders Home (GA)": ("GA", "private"), "Thornton CO PD": ("CO", "police")}),
        ("okaloosa_sharing_agencies.csv", "Okaloosa County FL SO", 5, 3,
         {"Ancient City Capital": (None, "private"), "Beaumont TX PD": ("TX", "police")}),
        ("SharedNetworks_2026_July_6.csv", None, 5, 0,
         {"[Federal] Loma Linda Healthcare System CA Veterans Affairs PD": ("CA", "federal"),
          "Van Buren Neighborhood Los Altos (CA)": ("CA", "private")}),
    ],
)  # fmt: skip
def test_sharing_lists(
    name: str, agency: str | None, inbound: int, outbound: int, kinds: dict[str, Any]
) -> None:
    con, stats = run([FIXTURES / name])
    assert stats.sheets[0].kind == "sharing" and stats.sheets[0].agency == agency
    counts = dict(con.execute("SELECT direction, count(*) FROM sharing GROUP BY 1").fetchall())
    assert (counts.get("inbound", 0), counts.get("outbound", 0)) == (inbound, outbound)
    for partner, expected in kinds.items():
        got = con.execute(
            "SELECT DISTINCT partner_state, partner_kind FROM sharing WHERE partner = ?", [partner]
        ).fetchall()
        assert got == [expected]


def production_workbook(path: Path) -> Path:
    """The shape of a California city's SB 34 production: the request itself first, sharing
    lists, users, totals, the audit as reason + date/time under a title, an empty sheet."""
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Request"
    cover.append(["Public Records Request R000123"])
    cover.append(["Pursuant to the California Public Records Act, I request the ALPR audit."])
    shared = book.create_sheet("Shared With")
    for row in (["Organization Name"], ["Fresno CA PD"], ["Maricopa County AZ SO"]):
        shared.append(row)
    received = book.create_sheet("Received From")
    for row in (["Organization Name"], ["Fresno CA PD"]):
        received.append(row)
    users = book.create_sheet("Users")
    for row in (["Name", "Email", "Role"], ["officer-1", "o1@example.org", "user"]):
        users.append(row)
    totals = book.create_sheet("Totals")
    totals.append(["Total searches", 2])
    audit = book.create_sheet("Audit")
    audit.append(["ALPR audit log, Jan-Jul 2025"])
    audit.append([])
    audit.append(["Reason", "Date/Time"])
    audit.append(["stolen vehicle 25-0001", datetime(2025, 1, 15, 9, 30)])
    audit.append(["missing person", "7/4/2025 23:15"])
    book.create_sheet("Sheet7")
    book.save(path)
    return path


def test_a_workbook_as_produced_imports_every_sheet_it_can(tmp_path: Path) -> None:
    folder = tmp_path / "production"
    folder.mkdir()
    production_workbook(folder / "Hayward CA PD SB34 audit.xlsx")
    con, stats = run([folder], tz=LA)
    kinds = {n.source.split(":")[1]: (n.kind, n.rows) for n in stats.sheets}
    assert kinds == {
        "Request": ("cover", 0), "Shared With": ("sharing", 2), "Received From": ("sharing", 1),
        "Users": ("users", 0), "Totals": ("totals", 0), "Audit": ("searches", 2),
        "Sheet7": ("empty", 0),
    }  # fmt: skip
    assert stats.unknown == () and stats.sharing == 3
    assert {n.agency for n in stats.sheets} == {"Hayward CA PD"}
    assert {n.agency_from for n in stats.sheets} == {"file name"}
    rows = searches(con)  # 9:30 PST = 17:30 UTC; 23:15 PDT = 06:15 UTC the next day
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("2025-01-15 17:30:00", "Hayward CA PD", "stolen vehicle 25-0001"),
        ("2025-07-05 06:15:00", "Hayward CA PD", "missing person"),
    ]
    out = con.execute(
        "SELECT direction, partner, partner_state FROM sharing ORDER BY direction, partner"
    ).fetchall()
    assert out == [
        ("inbound", "Fresno CA PD", "CA"),
        ("outbound", "Fresno CA PD", "CA"),
        ("outbound", "Maricopa County AZ SO", "AZ"),
    ]


def test_a_named_workbook_skips_what_it_cannot_read(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    log = book.active
    assert log is not None
    log.title = "Hotlist events"
    log.append(["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"])
    log.append(["5/1/2025, 9:00:00 AM UTC", "admin", "create", "Custom Hotlist Entry", "x"])
    book.create_sheet("Sheet2")  # empty: must not stop the run
    odd = book.create_sheet("Misc")
    odd.append(["alpha", "beta", "gamma"])
    odd.append(["1", "2", "3"])
    book.save(tmp_path / "hotlist.xlsx")
    _, stats = run([tmp_path / "hotlist.xlsx"])  # named explicitly: still not fatal
    assert [(n.kind, n.rows) for n in stats.sheets] == [("events", 1), ("empty", 0), ("unknown", 0)]
    assert stats.events == 1 and len(stats.unknown) == 1 and "alpha" in stats.unknown[0]


def test_local_times_and_unknown_zone() -> None:
    la = ZoneInfo(LA)
    assert parse_time("2025-01-15 09:30", la) == datetime.fromisoformat("2025-01-15T17:30+00:00")
    assert parse_time("1/15/2025, 9:30:00 AM UTC", la) == datetime.fromisoformat(
        "2025-01-15T09:30+00:00"
    )  # a time that names its zone keeps it
    assert parse_time("2025-01-15T09:30:00Z", la) == datetime.fromisoformat(
        "2025-01-15T09:30+00:00"
    )
    with pytest.raises(ValidationError, match="unknown time zone"):
        run([FIXTURES / "event-logs.csv"], tz="Mars/Olympus")


def test_agency_from_a_file_name() -> None:
    stem = "RAW-11_1_2025-12_8_2025-Okaloosa_County_FL_SO-Audit_CORRECTED"
    assert agency_from_name(stem) == "Okaloosa County FL SO"
    assert agency_from_name("search_audit.a871b2fc") is None
    assert agency_from_name("SharedNetworks_2026_July_6") is None


def test_report_shows_times_in_the_zone_and_the_import_summary(tmp_path: Path) -> None:
    book = production_workbook(tmp_path / "Hayward CA PD SB34 audit.xlsx")
    summary, _, _ = build([book], tmp_path / "out", load_config(), tz=LA)
    assert summary.timezone == LA
    doc = orjson.loads((tmp_path / "out" / "report.json").read_bytes())
    assert doc["import"]["timezone"] == LA and doc["import"]["sharing_rows"] == 3
    assert [s["kind"] for s in doc["import"]["sheets"]][:2] == ["cover", "sharing"]
    assert doc["months"][0] == ["2025-01", 1]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f"Searches per month ({LA})" in html


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-01T10:00:00+02:00", "2026-03-01T08:00:00+00:00"),
        ("2026-03-01 10:00:00-0500", "2026-03-01T15:00:00+00:00"),
        ("2026-03-01T10:00:00.5+05:30", "2026-03-01T04:30:00.500000+00:00"),
        ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00+00:00"),
        ("3/1/2026, 10:00:00 AM UTC", "2026-03-01T10:00:00+00:00"),
    ],
)
def test_a_time_that_names_its_offset_is_converted_whatever_tz(text: str, utc: str) -> None:
    """An explicit offset wins over --tz, and is applied (10:00+02:00 is 08:00 UTC)."""
    for local in (None, ZoneInfo("America/Los_Angeles")):
        got = parse_time(text, local)
        assert got is not None and got.isoformat() == utc, (text, local)
