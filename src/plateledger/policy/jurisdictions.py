"""Jurisdiction rules as data: retention caps, purposes, sharing per requester type, searcher laws.

The rules live in ``policy/data/jurisdictions.yaml`` (converted from the 2026 research draft;
NOT legal advice — every rule carries its citation, confidence and notes on what to verify).
They are loaded once and validated loudly (``PolicyDataError`` naming the file and key path).

``jurisdiction("AL")`` falls back to the DEFAULT rules (no ALPR statute found) for states without
an entry of their own; ``requester_type`` classifies a request relative to a data owner.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from plateledger.domain.types import US_STATES, AgencyKind
from plateledger.errors import ValidationError
from plateledger.policy.data_file import PolicyDataError, read_packaged
from plateledger.policy.jurisdiction_entry import DEFAULT
from plateledger.policy.jurisdiction_loader import PolicyData, parse_policy_data
from plateledger.policy.jurisdiction_model import (
    CONDITIONS,
    REQUESTER_TYPES,
    Baseline,
    Citation,
    Condition,
    Confidence,
    DisclosureRule,
    Jurisdiction,
    KindRetention,
    RequesterType,
    Rule,
    SearcherRule,
    SharingDecision,
    SharingRule,
)

__all__ = [
    "CONDITIONS",
    "DATA_FILE",
    "DEFAULT",
    "REQUESTER_TYPES",
    "Baseline",
    "Citation",
    "Condition",
    "Confidence",
    "DisclosureRule",
    "Jurisdiction",
    "KindRetention",
    "PolicyData",
    "PolicyDataError",
    "RequesterType",
    "Rule",
    "SearcherRule",
    "SharingDecision",
    "SharingRule",
    "jurisdiction",
    "load_baseline",
    "load_jurisdictions",
    "parse_jurisdictions",
    "policy_data",
    "requester_type",
    "rule_index",
]

DATA_FILE = "jurisdictions.yaml"


@functools.cache
def policy_data() -> PolicyData:
    """The packaged rules with their vocabulary (loaded and validated once)."""
    return parse_policy_data(read_packaged(DATA_FILE), DATA_FILE, _state_names())


def load_jurisdictions() -> Mapping[str, Jurisdiction]:
    """The file's entries by code (two-letter states plus ``DEFAULT``), in file order."""
    return policy_data().jurisdictions


def load_baseline() -> Baseline:
    """The rules applied to every query whatever the jurisdiction (CJIS + model policies)."""
    return policy_data().baseline


def parse_jurisdictions(text: str, source: str) -> dict[str, Jurisdiction]:
    """Parse and validate jurisdiction YAML (tests, overrides); errors name ``source``."""
    return dict(parse_policy_data(text, source, _state_names()).jurisdictions)


def jurisdiction(state: str) -> Jurisdiction:
    """The rules for a state (any case) or ``DEFAULT``; DEFAULT rules for states without one."""
    code = state.strip().upper()
    data = policy_data()
    found = data.jurisdictions.get(code) or data.fallbacks.get(code)
    if found is None:
        raise ValidationError(
            f"state: unknown state code {state!r} (expected a two-letter US state code, DC or "
            f"{DEFAULT})",
            {"field": "state"},
        )
    return found


@functools.cache
def rule_index() -> Mapping[str, Rule]:
    """Every rule id of the file with its rule (DEFAULT rules rendered generically)."""
    return {
        rule.id: rule
        for j in load_jurisdictions().values()
        for rule in j.rules()
        if rule.id.startswith(f"{j.code}.")
    }


def requester_type(
    owner_state: str,
    owner_agency_id: str,
    requester_state: str,
    requester_agency_id: str,
    requester_kind: AgencyKind,
) -> RequesterType:
    """How a request relates to a data owner, for the owner's sharing rules.

    The requester's kind wins (an immigration agency is ``federal_immigration`` even when it
    searches its own data); then same agency, same state, other state.
    """
    if requester_kind == "federal_immigration":
        return "federal_immigration"
    if requester_kind == "federal":
        return "federal"
    if requester_kind == "private":
        return "private"
    if requester_agency_id == owner_agency_id:
        return "same_agency"
    if requester_state.strip().upper() == owner_state.strip().upper():
        return "in_state"
    return "out_of_state"


def _state_names() -> dict[str, str]:
    from plateledger.domain.plate_formats import state_name

    return {code: state_name(code) for code in US_STATES}
