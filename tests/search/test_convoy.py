"""Convoy analysis end to end on a real store: correctness against a brute-force computation,
the purpose tier (named purposes only, held by default, prohibited reasons never), sharing,
retention, the write-ahead audit entry with its kind, and minimisation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from conftest import NOW, read
from plateledger.app.platform import Platform
from plateledger.audit.events import parse_event
from plateledger.domain.types import AgencyId, User, UserId
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.search.analysis_tier import AnalysisPolicy
from plateledger.search.analysis_types import MAX_PLATES, AnalysisResult, ConvoyQuery
from plateledger.search.hold_parts import approval_of
from plateledger.search.types import HeldSearch, Purpose
from search.analysis_world import (
    OFFICER,
    SERIOUS,
    add,
    approved,
    brute_convoy,
    random_reads,
    share_with_il,
)

WEEK = (NOW - timedelta(days=7), NOW + timedelta(minutes=1))


def convoy(plate: str = "TARGET1", k: int = 2, delta_s: int = 120) -> ConvoyQuery:
    return ConvoyQuery(plate, *WEEK, min_cameras=k, delta=timedelta(seconds=delta_s))


def run(platform: Platform, query: ConvoyQuery, purpose: Purpose = SERIOUS) -> object:
    return platform.analyses.run(OFFICER, query, purpose)


@pytest.mark.parametrize("seed,k,delta_s", [(1, 2, 120), (2, 1, 60), (3, 2, 300)])
def test_convoy_matches_brute_force(platform: Platform, seed: int, k: int, delta_s: int) -> None:
    rows = random_reads(seed)
    add(platform, rows)
    query = convoy(k=k, delta_s=delta_s)
    result = approved(platform, lambda: run(platform, query))
    expected = brute_convoy(rows, "TARGET1", *WEEK, timedelta(seconds=delta_s), k)
    assert [(p.plate, p.score) for p in result.plates] == [(p, n) for p, n, _ in
                                                           expected[:MAX_PLATES]]  # fmt: skip
    assert result.truncated == (len(expected) > MAX_PLATES)
    for row, (_, _, per_camera) in zip(result.plates, expected, strict=False):
        got = {e.camera_id: (e.target_ts, e.seen_ts) for e in row.evidence}
        assert got == per_camera
    if k == 2:
        assert "PAL001" in {p.plate for p in result.plates}  # planted at both cameras


def test_held_by_default_then_resumed_once(platform: Platform) -> None:
    add(platform, random_reads(4))
    held = run(platform, convoy())
    assert isinstance(held, HeldSearch)
    assert all("analysis.convoy.supervisor" in d.rule_ids for d in held.networks_excluded
               if d.network == "il-net")  # fmt: skip
    result = approved(platform, lambda: run(platform, convoy()))
    assert result.plates
    again = run(platform, convoy())  # the approval was spent
    assert isinstance(again, HeldSearch)


def test_purpose_not_named_for_convoy_is_denied(platform: Platform) -> None:
    add(platform, random_reads(5))
    stolen = Purpose("stolen_vehicle", "24-0002", "stolen pickup truck, grey, reported today")
    with pytest.raises(ForbiddenError) as err:
        run(platform, convoy(), stolen)
    rules = {r for d in err.value.details["networks_excluded"] for r in d["rule_ids"]}
    assert "analysis.convoy.purpose" in rules


def test_owner_may_name_its_own_purposes(platform: Platform) -> None:
    add(platform, random_reads(6))
    platform_policy = AnalysisPolicy(owners={OFFICER.agency_id: {"convoy": frozenset()}})
    object.__setattr__(platform.analyses, "policy", platform_policy)
    with pytest.raises(ForbiddenError):
        run(platform, convoy())


def test_prohibited_reason_denied_even_after_approval(platform: Platform) -> None:
    add(platform, random_reads(7))
    protest = Purpose("homicide", "24-0003", "who drove with him to the protest rally downtown")
    with pytest.raises(ForbiddenError) as err:
        run(platform, convoy(), protest)
    rules = {r for d in err.value.details["networks_excluded"] for r in d["rule_ids"]}
    assert "analysis.prohibited_reason" in rules
    assert platform.holds.mine(OFFICER) == []  # nothing to approve: never held


def test_an_approval_never_lifts_a_prohibited_reason(platform: Platform) -> None:
    add(platform, random_reads(9))
    held = run(platform, convoy())
    assert isinstance(held, HeldSearch)
    hold = platform.holds.get(held.search_id)
    approval = approval_of(held.search_id, {}, [replace(p, status="approved", decided_at=NOW)
                                                for p in hold.parts], NOW)  # fmt: skip
    tier = AnalysisPolicy().tier("convoy", "homicide", "his associates at the protest march")
    decisions = approval.apply(tier.apply(held.networks_excluded))
    assert {d.decision for d in decisions} == {"deny"}


def test_other_agencies_reads_only_when_shared(platform: Platform) -> None:
    rows = [read(c, m, p) for c, m, p in [
        ("tx-c1", 20, "TARGET1"), ("tx-c1", 20.5, "TXPAL1"),
        ("il-c1", 40, "TARGET1"), ("il-c1", 40.5, "ILPAL1"),
    ]]  # fmt: skip
    add(platform, rows)
    result = approved(platform, lambda: run(platform, convoy(k=1)))
    assert [p.plate for p in result.plates] == ["ILPAL1"]
    assert "tx-net" in {d.network for d in result.networks_excluded}
    share_with_il(platform, "tx-net")
    result = approved(platform, lambda: run(platform, convoy(k=1)))
    assert sorted(p.plate for p in result.plates) == ["ILPAL1", "TXPAL1"]


def test_reads_past_retention_never_returned(platform: Platform) -> None:
    va = User(UserId("va-officer"), AgencyId("va-test-pd"), "VA Officer", "officer")
    platform.store.upsert_users([va])  # VA keeps reads 21 days
    old, new = 60 * 24 * 25, 60 * 24 * 2
    add(platform, [read("va-c1", old, "TARGET1"), read("va-c1", old + 0.5, "OLDPAL"),
                   read("va-c1", new, "TARGET1"), read("va-c1", new + 0.5, "NEWPAL")])  # fmt: skip
    query = ConvoyQuery("TARGET1", NOW - timedelta(days=30), NOW, 1, timedelta(minutes=2))
    result = approved(platform, lambda: platform.analyses.run(va, query, SERIOUS))
    assert [p.plate for p in result.plates] == ["NEWPAL"]
    assert [e.target_ts for e in result.plates[0].evidence] == [NOW - timedelta(days=2)]


def test_audit_entry_written_first_with_kind(platform: Platform) -> None:
    add(platform, random_reads(8))
    before = platform.audit.size
    held = run(platform, convoy())
    assert isinstance(held, HeldSearch)
    entry = parse_event(platform.audit.entry(before))
    assert entry.event_type == "convoy"
    assert entry.outcome == "held"
    assert entry.subject["query"]["plate"] == "TARGET1"
    assert entry.subject["result_count"] is None


def test_minimised_to_the_cap(platform: Platform) -> None:
    rows = [read("il-c1", 30, "TARGET1"), read("il-c2", 90, "TARGET1")]
    rows += [read(c, m + 0.2, f"CAP{i:03d}") for i in range(MAX_PLATES + 10)
             for c, m in (("il-c1", 30), ("il-c2", 90))]  # fmt: skip
    rows += [read("il-c1", 31.5, "ONECAM")]  # one camera only: below k=2, never returned
    add(platform, rows)
    result = approved(platform, lambda: run(platform, convoy()))
    assert isinstance(result, AnalysisResult)
    assert len(result.plates) == MAX_PLATES and result.truncated
    assert "ONECAM" not in {p.plate for p in result.plates}
    assert all(len(p.evidence) == 2 for p in result.plates)


@pytest.mark.parametrize(
    "query,field",
    [
        (ConvoyQuery("T", *WEEK), "plate"),
        (ConvoyQuery("TARGET1", WEEK[0] - timedelta(days=60), WEEK[1]), "time_to"),
        (ConvoyQuery("TARGET1", *WEEK, min_cameras=0), "min_cameras"),
        (ConvoyQuery("TARGET1", *WEEK, delta=timedelta(hours=2)), "delta_seconds"),
    ],
)
def test_bad_query_names_the_field(platform: Platform, query: ConvoyQuery, field: str) -> None:
    before = platform.audit.size
    with pytest.raises(ValidationError) as err:
        run(platform, query)
    assert err.value.details["field"] == field
    assert platform.audit.size == before  # refused before the log: nothing written
