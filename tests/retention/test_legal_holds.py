"""Legal holds need a case number in a valid form and a bounded review date; release and lapse
are audited and end the hold (issue #23, item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from conftest import make_reads, read, setup_registry
from plateledger.app.platform import Platform
from plateledger.cli.retention_cmd import app as retention_cli
from plateledger.domain.case_numbers import check_case_number
from plateledger.domain.types import User
from plateledger.errors import NotFoundError, ValidationError

NOW = datetime.now(UTC)


def admin(platform: Platform, who: str = "il-admin") -> User:
    return next(u for u in platform.store.users() if u.id == who)


def a_read(platform: Platform, camera: str = "il-c1", minutes_ago: float = 10) -> int:
    return platform.store.append(make_reads([read(camera, minutes_ago, "HLD001")])).first_id


def holds_logged(platform: Platform) -> list[dict[str, Any]]:
    entries = (orjson.loads(platform.audit.entry(i)) for i in range(platform.audit.size))
    return [e for e in entries if e["event_type"] == "legal_hold"]


@pytest.mark.parametrize("case", [
    "x", "n/a", "-", "AB", "none", "7", "24\u200b-77", "24-77\u0007", "\u0421R-24-77",
    "２４-77", "-24-77", "A" * 38 + "123",
])  # fmt: skip
def test_case_numbers_outside_the_form_are_refused(case: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_case_number(case)
    assert refused.value.details == {"field": "case_number"}
    assert case.strip() not in refused.value.message or len(case.strip()) < 2


@pytest.mark.parametrize("case", ["24-0077", "CR 2025/114", "HSI:77A", "A1", "24", "2025.3_b#4"])
def test_case_numbers_in_the_form_are_accepted(case: str) -> None:
    assert check_case_number(case) == case


@pytest.mark.parametrize("case", [" 24-77", "24-77 ", "\t24-77\n"])
def test_surrounding_spaces_are_stripped_so_one_case_has_one_spelling(case: str) -> None:
    assert check_case_number(case) == "24-77"


def test_placing_needs_a_valid_case_and_a_bounded_review_date(platform: Platform) -> None:
    rid, user = a_read(platform), admin(platform)
    holds = platform.legal_holds
    later = NOW + timedelta(days=90)
    for case, until, field in [
        ("x", later, "case_number"), ("24-77", None, "expires_at"),
        ("24-77", NOW - timedelta(days=1), "expires_at"),
        ("24-77", NOW + timedelta(days=731), "expires_at"),
        ("24-77", datetime(9999, 12, 31, tzinfo=UTC), "expires_at"),
    ]:  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            holds.place(user, case, [rid], "evidence", until)
        assert refused.value.details == {"field": field}
    assert holds_logged(platform) == []
    assert holds.place(user, "24-77", [rid], "evidence", later) == 1
    (placed,) = holds_logged(platform)
    assert placed["subject"]["expires_at"] == later.isoformat()
    assert placed["networks"] == ["il-net"]
    assert holds.of_agency(user)[0].expires_at is not None


def test_release_is_audited_and_ends_the_hold(platform: Platform) -> None:
    rid, user = a_read(platform), admin(platform)
    platform.legal_holds.place(user, "24-78", [rid], "evidence", NOW + timedelta(days=30))
    with pytest.raises(NotFoundError):  # another agency's admin cannot release it
        platform.legal_holds.release(admin(platform, "tx-admin"), "24-78", "not ours")
    with pytest.raises(ValidationError):
        platform.legal_holds.release(user, "24-78", " ")
    assert platform.legal_holds.release(user, "24-78", "case closed") == 1
    assert platform.store.legal_hold_ids("24-78") == []
    released = holds_logged(platform)[-1]
    assert released["user_id"] == "il-admin"
    assert released["subject"] == {"action": "release", "case_number": "24-78",
                                   "read_ids": [rid], "note": "case closed"}  # fmt: skip


def test_a_lapsed_hold_is_released_audited_and_its_read_purged(platform: Platform) -> None:
    rid, user = a_read(platform, "il-c1", 60), admin(platform)
    platform.legal_holds.place(user, "24-79", [rid], "evidence", NOW + timedelta(days=30))
    platform.retention.run(NOW + timedelta(days=20))  # before its review date: kept
    assert platform.store.legal_hold_ids("24-79") == [rid]
    platform.retention.run(NOW + timedelta(days=200))  # lapsed, and past IL's 180 days
    assert platform.store.legal_hold_ids("24-79") == []
    lapse = holds_logged(platform)[-1]
    assert (lapse["user_id"], lapse["subject"]["action"]) == ("system", "lapse")
    assert lapse["networks"] == ["il-net"]
    assert platform.store.execute(f"SELECT count(*) FROM reads_hot WHERE read_id = {rid}") == [(0,)]


def test_the_cli_places_with_a_review_date_and_releases(data_dir: Path) -> None:
    platform = Platform(data_dir)
    tokens = setup_registry(platform)
    rid = a_read(platform)
    platform.close()
    runner = CliRunner()
    base = ["--data", str(data_dir), "--token", tokens["il-admin"], "--case-number", "24-81"]
    no_date = runner.invoke(retention_cli, ["hold", *base, "--read-id", str(rid), "--note", "e"])
    assert no_date.exit_code != 0  # --expires is required
    review = (NOW + timedelta(days=60)).strftime("%Y-%m-%d")
    held = runner.invoke(retention_cli, ["hold", *base, "--read-id", str(rid), "--note", "e",
                                         "--expires", review])  # fmt: skip
    assert held.exit_code == 0, held.output
    released = runner.invoke(retention_cli, ["release", *base, "--note", "closed"])
    assert released.exit_code == 0, released.output
    platform = Platform(data_dir)
    try:
        assert [e["subject"]["action"] for e in holds_logged(platform)] == ["place", "release"]
        assert platform.store.legal_hold_ids("24-81") == []
    finally:
        platform.close()
