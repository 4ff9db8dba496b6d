"""The owner's analysis policy on a real store and audit log: only the agency's admin sets it,
unknown purposes are refused naming the field, an empty list denies, a change is audited first
and applies to the next analysis, and a prohibited reason is denied whatever the owner waived."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import NOW
from plateledger.app.platform import Platform
from plateledger.audit.events import parse_event
from plateledger.domain.types import AgencyId, User, UserId
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.search.analysis_policy import KindSetting
from plateledger.search.analysis_tier import DEFAULT_PURPOSES
from plateledger.search.analysis_types import AnalysisResult, ConvoyQuery
from plateledger.search.types import HeldSearch, Purpose
from search.analysis_world import OFFICER, SERIOUS, add, random_reads

IL_ADMIN = User(UserId("il-admin"), AgencyId("il-test-pd"), "IL Admin", "admin")
TX_ADMIN = User(UserId("tx-admin"), AgencyId("tx-test-pd"), "TX Admin", "admin")
WEEK = (NOW - timedelta(days=7), NOW + timedelta(minutes=1))
MISSING = Purpose("missing_person", "24-0101", "missing child, last seen in a grey sedan")


def convoy() -> ConvoyQuery:
    return ConvoyQuery("TARGET1", *WEEK, min_cameras=2, delta=timedelta(seconds=120))


def il_rules(err: pytest.ExceptionInfo[ForbiddenError]) -> set[str]:
    rows = err.value.details["networks_excluded"]
    return {r for d in rows if d["network"] == "il-net" for r in d["rule_ids"]}


def set_convoy(platform: Platform, purposes: frozenset[str] | None, waive: bool = False) -> None:
    platform.analysis_policy.set(IL_ADMIN, "il-test-pd", {"convoy": KindSetting(purposes, waive)})


def test_defaults_until_set_then_shown_as_stored(platform: Platform) -> None:
    shown = platform.analysis_policy.show(IL_ADMIN, "il-test-pd")["kinds"]["convoy"]
    assert shown["purposes"] == sorted(DEFAULT_PURPOSES["convoy"])
    assert shown["follows_default"] and not shown["waive_supervisor_hold"]
    set_convoy(platform, frozenset({"missing_person"}), waive=True)
    shown = platform.analysis_policy.show(OFFICER, "il-test-pd")["kinds"]["convoy"]
    assert shown["purposes"] == ["missing_person"]
    assert not shown["follows_default"] and shown["waive_supervisor_hold"]
    assert shown["set_by"] == "il-admin"


@pytest.mark.parametrize(
    "user,agency",
    [
        (TX_ADMIN, "il-test-pd"),  # another agency's admin
        (OFFICER, "il-test-pd"),  # an officer of the agency
        (User(UserId("il-supervisor"), AgencyId("il-test-pd"), "S", "supervisor"), "il-test-pd"),
        (IL_ADMIN, "tx-test-pd"),  # the admin naming another agency
        (IL_ADMIN, "il-test-pd\u200b"),  # an invisible character
        (IL_ADMIN, "il-test-p\u0501"),  # a look-alike (Cyrillic komi de for d)
        (IL_ADMIN, "IL-TEST-PD"),
    ],
)
def test_only_the_agencys_admin_sets_it(platform: Platform, user: User, agency: str) -> None:
    before = platform.audit.size
    with pytest.raises(ForbiddenError):
        platform.analysis_policy.set(user, agency, {"convoy": KindSetting(frozenset())})
    assert platform.audit.size == before  # nothing audited, nothing stored
    assert platform.analysis_policy.current().owners == {}


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"convoy": KindSetting(frozenset({"no_such_purpose"}))}, "kinds.convoy.purposes"),
        ({"multi_place": KindSetting(frozenset({"immigration_enforcement"}))},
         "kinds.multi_place.purposes"),  # a prohibited code is never selectable
        ({"convoy": KindSetting(frozenset({"homicide\u200b"}))}, "kinds.convoy.purposes"),
        ({"stalking": KindSetting(frozenset())}, "kinds.stalking"),
        ({}, "kinds"),
    ],
)  # fmt: skip
def test_unknown_purposes_and_kinds_refused_naming_the_field(
    platform: Platform, changes: dict[str, KindSetting], field: str
) -> None:
    before = platform.audit.size
    with pytest.raises(ValidationError) as err:
        platform.analysis_policy.set(IL_ADMIN, "il-test-pd", changes)
    assert err.value.details["field"] == field
    assert field in str(err.value)
    assert platform.audit.size == before


def test_change_is_audited_with_before_and_after(platform: Platform) -> None:
    before = platform.audit.size
    set_convoy(platform, frozenset({"missing_person", "homicide"}))
    set_convoy(platform, frozenset(), waive=True)
    first, second = (parse_event(platform.audit.entry(i)) for i in (before, before + 1))
    assert platform.audit.size == before + 2
    assert first.event_type == second.event_type == "analysis_policy_change"
    assert first.user_id == "il-admin" and first.agency_id == "il-test-pd"
    assert "il-net" in first.networks
    assert first.subject == {
        "settings": {"convoy": {"purposes": ["homicide", "missing_person"],
                                "waive_supervisor_hold": False}},
        "previous": {"convoy": None},
    }  # fmt: skip
    assert second.subject["previous"]["convoy"]["purposes"] == ["homicide", "missing_person"]
    assert second.subject["settings"]["convoy"] == {"purposes": [], "waive_supervisor_hold": True}


def test_empty_list_denies_and_removal_applies_to_the_next_search(platform: Platform) -> None:
    add(platform, random_reads(11))
    assert isinstance(platform.analyses.run(OFFICER, convoy(), MISSING), HeldSearch)
    set_convoy(platform, frozenset({"homicide"}))  # missing_person removed
    with pytest.raises(ForbiddenError) as err:
        platform.analyses.run(OFFICER, convoy(), MISSING)
    assert "analysis.convoy.purpose" in il_rules(err)
    assert isinstance(platform.analyses.run(OFFICER, convoy(), SERIOUS), HeldSearch)
    set_convoy(platform, frozenset())  # never, even for a homicide
    with pytest.raises(ForbiddenError) as err:
        platform.analyses.run(OFFICER, convoy(), SERIOUS)
    assert "analysis.convoy.purpose" in il_rules(err)
    set_convoy(platform, None)  # back to the defaults
    assert isinstance(platform.analyses.run(OFFICER, convoy(), MISSING), HeldSearch)


def test_waived_hold_runs_but_a_prohibited_reason_stays_denied(platform: Platform) -> None:
    add(platform, random_reads(12))
    set_convoy(platform, frozenset({"homicide"}), waive=True)
    result = platform.analyses.run(OFFICER, convoy(), SERIOUS)
    assert isinstance(result, AnalysisResult)
    assert "PAL001" in {p.plate for p in result.plates}
    protest = Purpose("homicide", "24-0102", "who drove with him to the protest rally downtown")
    before = platform.audit.size
    with pytest.raises(ForbiddenError) as err:
        platform.analyses.run(OFFICER, convoy(), protest)
    assert "analysis.prohibited_reason" in il_rules(err)
    assert parse_event(platform.audit.entry(before)).outcome == "denied"
    assert platform.holds.mine(OFFICER) == []


def test_other_kinds_keep_their_settings(platform: Platform) -> None:
    platform.analysis_policy.set(IL_ADMIN, "il-test-pd", {
        "multi_place": KindSetting(frozenset({"amber_alert"})),
        "frequent_visitor": KindSetting(None, True),
    })  # fmt: skip
    set_convoy(platform, frozenset())
    policy = platform.analysis_policy.current()
    owner = AgencyId("il-test-pd")
    assert policy.purposes(owner, "multi_place") == {"amber_alert"}
    assert policy.purposes(owner, "convoy") == frozenset()
    assert policy.purposes(owner, "frequent_visitor") == DEFAULT_PURPOSES["frequent_visitor"]
    assert policy.unheld[owner] == {"frequent_visitor"}
    assert policy.purposes(AgencyId("tx-test-pd"), "convoy") == DEFAULT_PURPOSES["convoy"]
