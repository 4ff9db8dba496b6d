"""Jurisdiction rules as data: coverage, the facts the policy scenarios rely on, loud validation."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from plateledger.domain.types import US_STATES, AgencyKind
from plateledger.errors import ValidationError
from plateledger.policy.data_file import PolicyDataError, read_packaged
from plateledger.policy.jurisdictions import (
    CONDITIONS,
    REQUESTER_TYPES,
    Jurisdiction,
    jurisdiction,
    load_baseline,
    load_jurisdictions,
    parse_jurisdictions,
    requester_type,
    rule_index,
)
from plateledger.policy.purposes import load_purposes, purpose_names

ISSUE = "IL CA VA WA OR CT CO ME NH VT MN UT AR MD NJ GA NC MT NE TN FL ID".split()
DRAFT_ONLY = ["OK", "TX", "NY", "DE", "HI"]
PURPOSES = load_purposes()


def every_jurisdiction() -> list[Jurisdiction]:
    """The file's entries plus the DEFAULT fallback of every state without one."""
    return [jurisdiction(code) for code in (*US_STATES, "DEFAULT")]


def test_every_listed_jurisdiction_loads() -> None:
    loaded = load_jurisdictions()
    assert set(loaded) == {*ISSUE, *DRAFT_ONLY, "DEFAULT"}
    for code in (*ISSUE, *DRAFT_ONLY):
        entry = loaded[code]
        assert entry.code == code and not entry.fallback and entry.citations
        assert jurisdiction(code.lower()) is entry
    assert all(loaded[code].has_statute for code in ISSUE)


def test_states_without_an_entry_fall_back_to_default() -> None:
    alabama = jurisdiction("AL")
    assert alabama.fallback and not alabama.has_statute and alabama.name == "Alabama"
    assert alabama.retention_max_days is None
    assert alabama.sharing["federal"].id == "DEFAULT.sharing.federal"
    assert "Alabama" in alabama.sharing["federal"].rule.explanation
    with pytest.raises(ValidationError, match="state: unknown state code 'XX'"):
        jurisdiction("XX")


def test_sharing_is_complete_for_every_requester_type() -> None:
    for j in every_jurisdiction():
        assert tuple(j.sharing) == REQUESTER_TYPES, j.code
        assert all(rule.requester == requester for requester, rule in j.sharing.items())


def test_illinois_facts() -> None:
    il = jurisdiction("IL")
    assert il.sharing["federal_immigration"].decision == "deny"
    out = il.sharing["out_of_state"]
    assert out.decision == "conditional" and out.conditions == ("written_declaration",)
    assert "625 ILCS 5/2-130" in out.rule.citation
    assert il.prohibition(PURPOSES["immigration_enforcement"]) is not None
    assert il.prohibition(PURPOSES["homicide"]) is None and il.permits(PURPOSES["homicide"])
    (trust,) = il.searcher_rules
    assert trust.id == "IL.searcher.trust_act"
    assert trust.forbidden_on_behalf_of == {"federal_immigration"}
    assert "immigration_enforcement" in trust.prohibited_purposes
    assert il.retention_max_days is None


def test_california_denies_out_of_state_federal_and_private() -> None:
    ca = jurisdiction("CA")
    for requester in ("out_of_state", "federal", "federal_immigration", "private"):
        assert ca.sharing[requester].decision == "deny", requester
    assert "2023-DLE-06" in ca.sharing["federal"].rule.citation
    assert ca.retention_for("state_police")[0] == 60  # CHP, Veh. Code 2413
    assert ca.retention_for("municipal")[0] is None


def test_retention_caps() -> None:
    va = jurisdiction("VA")
    assert va.retention_max_days == 21 and va.retention_rule.id == "VA.retention"
    assert va.retention_for("municipal") == (21, va.retention_rule)
    nh = jurisdiction("NH")
    assert nh.non_hit_retention_minutes == 3
    assert jurisdiction("AR").retention_for("private")[0] == 60
    assert jurisdiction("AR").retention_for("sheriff")[0] == 150
    caps = {code: jurisdiction(code).retention_max_days for code in ("WA", "OR", "ME", "MN")}
    assert caps == {"WA": 21, "OR": 30, "ME": 21, "MN": 60}


def test_texas_and_default_have_no_statute_and_no_prohibitions() -> None:
    for code in ("TX", "DEFAULT"):
        j = jurisdiction(code)
        assert not j.has_statute and j.status == "none"
        assert j.prohibition(PURPOSES["immigration_enforcement"]) is None
        assert j.sharing["in_state"].decision == "allow"


def test_immigration_lookup_is_excluded_by_the_five_restrictive_states() -> None:
    """Texas officer, reason 'ICE WARRANT', national lookup: IL, CA, VA, WA, OR never allow it."""
    immigration = PURPOSES["immigration_enforcement"]
    for code in ("IL", "CA", "VA", "WA", "OR"):
        j = jurisdiction(code)
        assert j.prohibition(immigration) is not None, code
        assert j.sharing["out_of_state"].decision != "allow", code
    assert jurisdiction("VA").sharing["out_of_state"].decision == "deny"


def test_in_state_stolen_vehicle_search_is_allowed_everywhere() -> None:
    stolen = PURPOSES["stolen_vehicle"]
    for j in every_jurisdiction():
        assert j.permits(stolen) and j.prohibition(stolen) is None, j.code
        assert j.purpose_conditions_for(stolen) == (), j.code
        in_state = j.sharing["in_state"]
        assert in_state.decision != "deny" and in_state.conditions == (), j.code
        assert j.sharing["same_agency"].decision == "allow", j.code


def test_virginia_criminal_purposes_need_a_virginia_offense() -> None:
    va = jurisdiction("VA")
    assert va.purpose_conditions_for(PURPOSES["homicide"]) == ("criminal_predicate",)
    assert not va.permits(PURPOSES["parking_enforcement"])


def test_connecticut_neighbor_states() -> None:
    out = jurisdiction("CT").sharing["out_of_state"]
    assert set(out.conditions) == {"neighbor_state_listed", "written_declaration"}
    assert out.allowed_states == {"MA", "NY", "RI"}


def test_rule_ids_are_unique_positional_and_explained() -> None:
    index = rule_index()
    entries = load_jurisdictions().values()
    own = [r for j in entries for r in j.rules() if r.id.startswith(f"{j.code}.")]
    assert len(own) == len(index) == len({r.id for r in own})
    assert "IL.purpose.prohibited.immigration_enforcement" in index
    assert "IL.sharing.federal_immigration" in index and "VA.retention" in index
    for j in every_jurisdiction():
        for rule in j.rules():
            assert rule.id.split(".")[0] in (j.code, "DEFAULT"), rule.id
            assert rule.explanation.strip() and rule.citation.strip(), rule.id
            assert not re.search(r"[{}]", rule.explanation), rule.id
            assert rule.explanation.endswith("."), rule.id
            assert rule.confidence in ("high", "medium", "low")


def test_vocabulary_references_are_known() -> None:
    names = purpose_names()
    for j in load_jurisdictions().values():
        assert j.prohibited_purposes <= names and (j.permitted_purposes or set()) <= names
        for share in j.sharing.values():
            assert set(share.conditions) <= set(CONDITIONS)
    baseline = load_baseline()
    assert {"purpose_code", "reason_text", "case_number"} <= baseline.required_fields
    assert baseline.audit_record_retention_days_min == 365
    assert baseline.immigration_hotlists == ("NCIC Immigration Violator File",)


@pytest.mark.parametrize(
    ("owner", "requester", "kind", "expected"),
    [
        (("IL", "il-pd"), ("IL", "il-pd"), "municipal", "same_agency"),
        (("IL", "il-pd"), ("IL", "il-so"), "sheriff", "in_state"),
        (("IL", "il-pd"), ("il", "il-sp"), "state_police", "in_state"),
        (("IL", "il-pd"), ("TX", "tx-pd"), "municipal", "out_of_state"),
        (("CA", "ca-pd"), ("DC", "fbi"), "federal", "federal"),
        (("IL", "il-pd"), ("IL", "ice-chi"), "federal_immigration", "federal_immigration"),
        (("IL", "ice-chi"), ("IL", "ice-chi"), "federal_immigration", "federal_immigration"),
        (("AR", "ar-pd"), ("AR", "hoa"), "private", "private"),
    ],
)
def test_requester_type(
    owner: tuple[str, str], requester: tuple[str, str], kind: AgencyKind, expected: str
) -> None:
    assert requester_type(*owner, *requester, kind) == expected


# ---- bad data fails loudly, naming file and key -----------------------------------------------

_DOC: dict[str, Any] = yaml.load(read_packaged("jurisdictions.yaml"), Loader=yaml.CSafeLoader)


def _j(doc: dict[str, Any], code: str) -> dict[str, Any]:
    entry: dict[str, Any] = doc["jurisdictions"][code]
    return entry


def _second_trust_act(doc: dict[str, Any]) -> None:
    searchers = _j(doc, "IL")["searcher"]
    searchers.append(copy.deepcopy(searchers[0]))


VARIANTS: list[tuple[Callable[[dict[str, Any]], object], str]] = [
    (
        lambda d: _j(d, "IL")["sharing"].update(federl={"decision": "deny"}),
        "IL.sharing.federl: unknown requester type 'federl'",
    ),
    (
        lambda d: _j(d, "IL")["prohibited"].update(immigraton={}),
        "IL.prohibited.immigraton: unknown purpose code or class 'immigraton'",
    ),
    (
        lambda d: _j(d, "IL")["sharing"]["out_of_state"].update(conditions=["notarised"]),
        "IL.sharing.out_of_state.conditions[0]: unknown condition 'notarised'",
    ),
    (
        lambda d: _j(d, "IL")["sharing"]["in_state"].update(decision="maybe"),
        "IL.sharing.in_state.decision: unknown decision 'maybe'",
    ),
    (
        lambda d: _j(d, "IL")["sharing"]["in_state"].update(conditions=["judicial_warrant"]),
        "IL.sharing.in_state.conditions: only allowed with decision 'conditional'",
    ),
    (
        lambda d: _j(d, "CT")["sharing"]["out_of_state"].pop("allowed_states"),
        "CT.sharing.out_of_state.allowed_states: required with, and only with,",
    ),
    (_second_trust_act, "IL.searcher[1].id: duplicate rule id 'IL.searcher.trust_act'"),
    (
        lambda d: _j(d, "IL")["sharing"]["in_state"].update(id="IL.sharing.federal"),
        "IL.sharing.in_state.id: rule id 'IL.sharing.federal' should be 'IL.sharing.in_state'",
    ),
    (
        lambda d: _j(d, "VA")["retention"].pop("explanation"),
        "VA.retention: missing required key 'explanation'",
    ),
    (lambda d: _j(d, "IL").update(retention_days=30), "IL.retention_days: unknown key"),
    (lambda d: _j(d, "VA")["retention"].update(max_days=-1), "VA.retention.max_days: must be"),
    (
        lambda d: _j(d, "VA")["retention"].update(by_kind={"county": {}}),
        "VA.retention.by_kind.county: unknown agency kind 'county'",
    ),
    (
        lambda d: _j(d, "IL").update(confidence="certain"),
        "IL.confidence: unknown confidence 'certain'",
    ),
    (
        lambda d: _j(d, "VA")["permitted"].update(conditions={"homicide": ["judicial_warrant"]}),
        "VA.permitted.conditions.homicide: unknown permitted purpose 'homicide'",
    ),
    (
        lambda d: _j(d, "IL")["searcher"][0].update(forbidden_on_behalf_of=["ice"]),
        "IL.searcher[0].forbidden_on_behalf_of[0]: unknown requester type 'ice'",
    ),
    (
        lambda d: _j(d, "IL")["requires"].append("badge_number"),
        "IL.requires[2]: unknown code 'badge_number'",
    ),
    (
        lambda d: _j(d, "VA")["retention"].update(explanation="Limited in {county} to 21 days."),
        "VA.retention.explanation: unknown placeholder {county}",
    ),
    (lambda d: d["jurisdictions"].update(XX=_j(d, "TX")), "XX: unknown jurisdiction code"),
    (lambda d: d["jurisdictions"].pop("DEFAULT"), "jurisdictions: missing required key 'DEFAULT'"),
    (
        lambda d: _j(d, "DEFAULT")["sharing"].pop("private"),
        "DEFAULT.sharing: missing requester type 'private'",
    ),
    (
        lambda d: d["vocabulary"]["conditions"].pop("judicial_warrant"),
        "vocabulary.conditions: missing required key 'judicial_warrant'",
    ),
    (lambda d: d.update(schema_version="0.2-draft"), "schema_version: unsupported version"),
]


@pytest.mark.parametrize(("mutate", "message"), VARIANTS)
def test_bad_jurisdiction_files_fail_loudly(
    mutate: Callable[[dict[str, Any]], object], message: str
) -> None:
    doc = copy.deepcopy(_DOC)
    mutate(doc)
    text = yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
    with pytest.raises(PolicyDataError, match=re.escape(f"jurisdictions.yaml: {message}")):
        parse_jurisdictions(text, "jurisdictions.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("jurisdictions: [\n", "jurisdictions.yaml: invalid YAML"),
        ("- just a list\n", "jurisdictions.yaml: top level must be a mapping"),
    ],
)
def test_unreadable_files_fail_loudly(text: str, message: str) -> None:
    with pytest.raises(PolicyDataError, match=re.escape(message)):
        parse_jurisdictions(text, "jurisdictions.yaml")


def test_duplicate_yaml_keys_are_rejected() -> None:
    text = read_packaged("jurisdictions.yaml").replace("\n  CA:\n", "\n  IL:\n", 1)
    with pytest.raises(
        PolicyDataError, match="jurisdictions.yaml: invalid YAML: duplicate key 'IL'"
    ):
        parse_jurisdictions(text, "jurisdictions.yaml")
