"""The analyses of issue #17 on small synthetic tables, each with its exact flagged rows:
scope from camera counts, day streaks, shifts, the time profile, top reasons, repeated case
numbers, per-source split, hotlist governance, and the corrected reason / own-log checks."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from plateledger.domain.types import Agency, AgencyId
from plateledger.oversight.agencies import add_agencies
from plateledger.oversight.browse import Filters, Row, _matches, flags_of
from plateledger.oversight.checks import CheckResult
from plateledger.oversight.checks_patterns import run_all
from plateledger.oversight.config import Config, load
from plateledger.oversight.importer import import_paths
from plateledger.oversight.model import connect

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
SETTINGS = """timezone: UTC
streak_min_days: 5
case_repeat_min_searches: 3
top_reasons: 2
hotlist_max_days: 30
home_state: CA
shifts: {day: "06:00-16:00", night: "22:00-08:00"}
user_shifts: {nina: night}
"""


def entry(sid: str, at: datetime, user: str, reason: str, **kw: Any) -> dict[str, Any]:
    return {
        "event_type": "search",
        "at": at.isoformat(),
        "user_id": user,
        "agency_id": kw.get("agency", "a-ca"),
        "outcome": kw.get("outcome", "success"),
        "subject": {
            "search_id": sid,
            "reason": reason,
            "case_number": kw.get("case", ""),
            "on_behalf_of": kw.get("behalf"),
            "query": {"plate": kw.get("plate", "P0")},
        },
    }


def config(tmp_path: Path, extra: str = "") -> Config:
    (tmp_path / "c.yaml").write_text(SETTINGS + extra)
    return load(tmp_path / "c.yaml")


def run(
    tmp_path: Path, entries: list[dict[str, Any]], files: tuple[Path, ...] = ()
) -> dict[str, Any]:
    con = connect()
    import_paths(con, files, own_entries=entries)
    return _results(con, config(tmp_path))


def _results(con: duckdb.DuckDBPyConnection, cfg: Config) -> dict[str, Any]:
    ids = {
        int(r): str(s) for r, s in con.execute("SELECT row_id, search_id FROM searches").fetchall()
    }
    out: dict[str, Any] = {}
    for r in run_all(con, cfg):
        out[r.name] = r
        out[r.name + ".ids"] = {ids[i] for i, _ in r.rows}
    return out


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_case_number_only_rejects_words(tmp_path: Path) -> None:
    reasons = {"c1": "24-13441 arson", "c2": "24-01234", "c3": "211pc", "c4": "10851(a) vc",
               "c5": "Case #2024-00012", "c6": "24-1 dui"}  # fmt: skip
    got = run(tmp_path, [entry(k, T0, "u", v, case="x") for k, v in reasons.items()])
    assert got["case_number_only.ids"] == {"c2", "c3", "c4", "c5"}
    assert got["case_number_only"].distinct_reasons == 4


def test_national_scope_from_camera_count(tmp_path: Path) -> None:
    portal = write_csv(tmp_path / "portal.csv", [
        ["id", "userId", "searchDate", "cameraCount", "reason"],
        ["p1", "u", "2026-03-10T04:31:52.901Z", "999", "theft"],
        ["p2", "u", "2026-03-10T05:31:52.901Z", "1,000", "theft"],
        ["p3", "u", "2026-03-10T06:31:52.901Z", "87008", "theft"],
    ])  # fmt: skip
    got = run(tmp_path, [], (portal,))
    assert got["national_scope.ids"] == {"p2", "p3"}
    assert sorted(e for _, e in got["national_scope"].rows) == ["1000 cameras", "87008 cameras"]


def test_streaks_longest_first(tmp_path: Path) -> None:
    days = [0, 1, 2, 3, 4, 5, 7] + [10, 11, 12, 13, 14]  # a run of 6, then of 5
    rows = [entry(f"a{d}", T0 + timedelta(days=d), "ann", "theft") for d in days]
    rows += [entry(f"b{d}", T0 + timedelta(days=d), "bob", "theft") for d in (0, 1, 2, 3)]
    got = run(tmp_path, rows)
    assert got["user_streaks"].table == (
        ("ann", "2025-03-03", "2025-03-08", "6"),
        ("ann", "2025-03-13", "2025-03-17", "5"),
    )
    assert got["user_streaks.ids"] == {f"a{d}" for d in days if d != 7}


def test_off_shift(tmp_path: Path) -> None:
    at = T0.replace(hour=0)
    rows = [
        entry("d1", at.replace(hour=9), "dan", "theft"),  # day shift
        entry("d2", at.replace(hour=23), "dan", "theft"),  # night too: incompatible same day
        entry("e1", at.replace(hour=17), "eve", "theft"),  # 17:00 fits no shift
        entry("f1", at.replace(hour=7), "fay", "theft"),  # 07:00 and 15:00 both fit day
        entry("f2", at.replace(hour=15), "fay", "theft"),
        entry("n1", at.replace(hour=23), "nina", "theft"),  # nina is on nights
        entry("n2", at.replace(hour=12), "nina", "theft"),
    ]
    got = run(tmp_path, rows)
    evidence = {k: dict(got["off_shift"].rows) for k in ("x",)}["x"]
    assert got["off_shift.ids"] == {"d1", "d2", "e1", "n2"}
    assert sorted(evidence.values()) == [
        "in no declared shift",
        "outside assigned shift night",
        "two incompatible shifts on 2025-03-03",
        "two incompatible shifts on 2025-03-03",
    ]


def test_time_profile_lists_every_hour_and_weekday(tmp_path: Path) -> None:
    rows = [entry(f"t{i}", T0 + timedelta(days=d), "u", "theft") for i, d in enumerate([0, 0, 6])]
    groups = dict(run(tmp_path, rows)["time_profile"].groups)
    assert len(groups) == 31 and groups["hour: 09"] == 3 and groups["hour: 10"] == 0
    assert groups["weekday: Mon"] == 2 and groups["weekday: Sun"] == 1
    assert groups["weekday: Tue"] == 0


def test_top_reasons_and_repeated_case(tmp_path: Path) -> None:
    rows = [entry(f"r{i}", T0, "u", "stolen vehicle", case="24-1") for i in range(3)]
    rows += [entry("r3", T0, "v", "stolen vehicle", case=" 24-1 ")]
    rows += [entry(f"i{i}", T0, "v", "investigation", case="24-2") for i in range(2)]
    rows += [entry("x", T0, "w", "homicide", case="24-3")]
    got = run(tmp_path, rows)
    assert got["top_reasons"].table == (
        ("stolen vehicle", "specific", "4", "2"),
        ("investigation", "vague", "2", "1"),
    )
    assert dict(got["top_reasons"].groups) == {
        "class: specific (2 distinct reasons)": 5,
        "class: vague (1 distinct reasons)": 2,
    }
    assert got["repeated_case.ids"] == {"r0", "r1", "r2", "r3"}
    assert got["repeated_case"].table == (("24-1", "4", "2", "2025-03-03", "2025-03-03"),)


def test_sources_without_agency_stay_apart(tmp_path: Path) -> None:
    files = []
    for name, n in (("a.csv", 2), ("b.csv", 1)):
        body = [[f"{name}{i}", "u", "2026-03-10T04:31:52.901Z", "1", "theft"] for i in range(n)]
        files.append(
            write_csv(
                tmp_path / name, [["id", "userId", "searchDate", "networkCount", "reason"], *body]
            )  # fmt: skip
        )
    got = run(tmp_path, [entry("o", T0, "u", "theft")], tuple(files))
    split: CheckResult = got["source_split"]
    assert split.table == (("a.csv", "2"), ("b.csv", "1"))
    assert ("source: own-log", 1) in split.groups and ("agency: a-ca", 1) in split.groups


def test_hotlist_governance(tmp_path: Path) -> None:
    def ev(at: str, user: str, action: str, plate: str, reason: str) -> list[str]:
        return [at, user, action, "Custom Hotlist Entry",
                f"Hotlist Name: x\nLicense: {plate}\nReason: {reason}"]  # fmt: skip

    events = write_csv(tmp_path / "events.csv", [
        ["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"],
        ev("5/1/2025, 9:00:00 AM UTC", "amy", "create", "AB1", "stolen vehicle 10851"),
        ev("5/3/2025, 9:00:00 AM UTC", "amy", "update", "AB1", "stolen vehicle 10851"),
        ev("5/11/2025, 9:00:00 AM UTC", "ben", "delete", "AB1", "stolen vehicle 10851"),
        ev("5/2/2025, 9:00:00 AM UTC", "ben", "create", "CD2", "ICE detainer"),
        ev("7/1/2025, 9:00:00 AM UTC", "amy", "create", "EF3", "investigation"),
    ])  # fmt: skip
    res: CheckResult = run(tmp_path, [], (events,))["hotlist_governance"]
    by_plate = {r[0]: r for r in res.table}
    assert by_plate["AB1"][1:7] == ("2025-05-01 09:00", "amy", "1", "2025-05-11 09:00", "ben", "10")
    assert by_plate["CD2"][6:] == ("60", "ICE detainer", "immigration_enforcement",
                                   "long-lived; reason immigration_enforcement")  # fmt: skip
    assert by_plate["EF3"][6:9] == ("0", "investigation", "vague") and by_plate["EF3"][9] == ""
    groups = dict(res.groups)
    assert groups["action: created"] == 3 and groups["action: deleted"] == 1
    assert groups["user: amy created"] == 2 and groups["user: ben deleted"] == 1
    assert groups["reason class: vague (1 distinct reasons)"] == 1
    assert res.count == 1


def test_prohibited_counts_blocked_held_and_distinct(tmp_path: Path) -> None:
    rows = [
        entry("p1", T0, "u", "ICE warrant", outcome="denied"),
        entry("p2", T0, "u", "ICE warrant", outcome="held"),
        entry("p3", T0, "u", "ICE warrant"),
        entry("p4", T0, "u", "immigration status check", outcome="denied"),
    ]
    res: CheckResult = run(tmp_path, rows)["prohibited_purpose"]
    assert res.count == 4 and res.distinct_reasons == 2
    assert dict(res.groups) == {
        "outcome: blocked (denied)": 2,
        "outcome: held for approval": 1,
        "outcome: let through": 1,
    }


def test_outside_uses_registry_kinds_and_states(tmp_path: Path) -> None:
    con = connect()
    rows = [
        entry("home", T0, "u", "theft"),
        entry("tx", T0, "u", "theft", agency="a-tx"),
        entry("fed", T0, "u", "theft", agency="a-fed"),
        entry("priv", T0, "u", "theft", agency="a-priv"),
        entry("behalf", T0, "u", "theft", behalf="a-fed"),
    ]
    import_paths(con, [], own_entries=rows)
    add_agencies(con, [
        Agency(AgencyId("a-ca"), "Home PD", "CA", "municipal"),
        Agency(AgencyId("a-tx"), "Dallas PD", "TX", "municipal"),
        Agency(AgencyId("a-fed"), "ERO", "DC", "federal_immigration"),
        Agency(AgencyId("a-priv"), "Mall Security", "CA", "private"),
    ])  # fmt: skip
    got = _results(con, config(tmp_path))
    assert got["outside_searches.ids"] == {"tx", "fed", "priv", "behalf"}
    evidence = sorted(e for _, e in got["outside_searches"].rows)
    assert evidence == [
        "federal agency (federal_immigration)",
        "on behalf of a federal agency",
        "out of state (TX, network in CA)",
        "private organisation",
    ]


AUDIT = Path(__file__).parents[3] / "shared" / "data" / "audit"


@pytest.mark.skipif(not AUDIT.is_dir(), reason="shared real audit data absent")
def test_real_portal_rows_have_every_analysis(tmp_path: Path) -> None:
    con = connect()
    import_paths(con, [AUDIT / "records-requests"])
    results = {r.name: r for r in run_all(con, load())}
    total = con.execute("SELECT count(*) FROM searches").fetchone()
    assert total is not None and sum(n for k, n in results["source_split"].groups
                                     if k.startswith("source: ")) == total[0]  # fmt: skip
    assert sum(n for k, n in results["time_profile"].groups if k.startswith("hour: ")) == total[0]
    assert results["top_reasons"].table


@pytest.mark.parametrize(
    ("entry_doc", "shown"),
    [
        ({"event_type": "search", "outcome": "denied", "subject": {}}, True),
        ({"event_type": "hold", "outcome": "held", "subject": {}}, True),
        ({"event_type": "search", "outcome": "success", "subject": {}}, False),
    ],
)
def test_flagged_filter_includes_denied_and_held(entry_doc: dict[str, Any], shown: bool) -> None:
    row = Row(0, entry_doc, None, flags_of(entry_doc))
    assert _matches(row, Filters(flagged=True)) is shown
