"""Typed model of the jurisdiction rules (``policy/data/jurisdictions.yaml``).

Every rule that can decide something is a ``Rule`` with a stable id (``IL.sharing.out_of_state``),
the statute it rests on, its research confidence and one sentence a user understands. Not legal
advice: ``verify`` and ``note`` say what was not confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from plateledger.policy.purposes import Purpose

RequesterType = Literal[
    "same_agency", "in_state", "out_of_state", "federal", "federal_immigration", "private"
]
REQUESTER_TYPES: tuple[str, ...] = get_args(RequesterType)
Condition = Literal[
    "written_declaration",
    "judicial_warrant",
    "supervisor_approval",
    "criminal_predicate",
    "one_to_one_request",
    "neighbor_state_listed",
]
CONDITIONS: tuple[str, ...] = get_args(Condition)
SharingDecision = Literal["allow", "deny", "conditional"]
SHARING_DECISIONS: tuple[str, ...] = get_args(SharingDecision)
Confidence = Literal["high", "medium", "low"]
CONFIDENCES: tuple[str, ...] = get_args(Confidence)
Status = Literal["enacted", "partial", "directive", "none"]
STATUSES: tuple[str, ...] = get_args(Status)
DisclosureTarget = Literal["public_records", "vendor"]
DISCLOSURE_TARGETS: tuple[str, ...] = get_args(DisclosureTarget)
RequirementKind = Literal["request", "agency"]
REQUIREMENT_KINDS: tuple[str, ...] = get_args(RequirementKind)


@dataclass(frozen=True, slots=True)
class Citation:
    cite: str
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    explanation: str  # one sentence, placeholders already rendered
    citation: str
    confidence: Confidence
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SharingRule:
    requester: RequesterType
    decision: SharingDecision
    conditions: tuple[Condition, ...]  # all must hold when decision == "conditional"
    prohibited_purposes: frozenset[str]  # codes or classes forbidden for this requester type
    allowed_states: frozenset[str]  # for neighbor_state_listed: requester states accepted
    rule: Rule

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True, slots=True)
class DisclosureRule:
    """Data leaving the law-enforcement world: public-records release, vendor access."""

    target: DisclosureTarget
    decision: SharingDecision
    rule: Rule


@dataclass(frozen=True, slots=True)
class KindRetention:
    """A retention cap that applies to one kind of owner agency (CA CHP, AR private owners)."""

    kind: str  # an AgencyKind
    max_days: int
    rule: Rule


@dataclass(frozen=True, slots=True)
class SearcherRule:
    """A law binding this state's agencies when they search anyone's data (sanctuary laws)."""

    name: str
    prohibited_purposes: frozenset[str]
    forbidden_on_behalf_of: frozenset[RequesterType]
    rule: Rule

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True, slots=True)
class Baseline:
    """Applied to every query whatever the jurisdiction (CJIS SP v5.8 + model policies)."""

    citation: str
    required_fields: frozenset[str]
    audit_record_retention_days_min: int
    audit_review: str
    audit_event_content: tuple[str, ...]
    vague_reason: str
    classifier: Mapping[str, str]
    immigration_hotlists: tuple[str, ...]
    evaluate_laws_of: tuple[str, ...]
    conflict_rule: str


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str  # two-letter state code, or DEFAULT
    name: str
    status: Status
    has_statute: bool  # False for status "none" (no ALPR law found)
    fallback: bool  # True when the state has no entry of its own: DEFAULT rules apply
    confidence: Confidence
    verify: tuple[str, ...]
    retention_max_days: int | None  # None: no statutory cap found
    retention_rule: Rule
    non_hit_retention_minutes: int | None  # NH: reads matching no hot list are purged
    retention_by_kind: Mapping[str, KindRetention]
    permitted_purposes: frozenset[str] | None  # codes or classes; None = any not prohibited
    permitted_rule: Rule | None
    purpose_conditions: Mapping[str, tuple[Condition, ...]]  # code or class -> conditions
    prohibited_purposes: frozenset[str]  # codes or classes
    prohibited_rules: Mapping[str, Rule]
    sharing: Mapping[RequesterType, SharingRule]  # complete: every requester type
    disclosure: Mapping[DisclosureTarget, DisclosureRule]
    required_fields: frozenset[str]  # requirement codes of kind "request"
    obligations: frozenset[str]  # requirement codes of kind "agency"
    searcher_rules: tuple[SearcherRule, ...]
    citations: tuple[Citation, ...]
    notes: tuple[str, ...]

    def retention_for(self, agency_kind: str) -> tuple[int | None, Rule]:
        """The statutory cap for an owner agency of ``agency_kind``, with its rule."""
        special = self.retention_by_kind.get(agency_kind)
        if special is not None:
            return special.max_days, special.rule
        return self.retention_max_days, self.retention_rule

    def prohibition(self, purpose: Purpose) -> Rule | None:
        """The rule forbidding ``purpose`` (by code or by class) on this data, if any."""
        return self.prohibited_rules.get(purpose.code) or self.prohibited_rules.get(
            purpose.purpose_class
        )

    def permits(self, purpose: Purpose) -> bool:
        """Whether ``purpose`` is among the permitted ones (always, when no list exists)."""
        if self.permitted_purposes is None:
            return True
        return (
            purpose.code in self.permitted_purposes
            or purpose.purpose_class in self.permitted_purposes
        )

    def purpose_conditions_for(self, purpose: Purpose) -> tuple[Condition, ...]:
        """Conditions the permitted-purpose rule attaches to ``purpose`` (VA: criminal)."""
        return self.purpose_conditions.get(purpose.code, ()) + self.purpose_conditions.get(
            purpose.purpose_class, ()
        )

    def rules(self) -> tuple[Rule, ...]:
        """Every distinct rule of this jurisdiction (inherited DEFAULT rules included)."""
        found = [self.retention_rule]
        found += [k.rule for k in self.retention_by_kind.values()]
        found += [self.permitted_rule] if self.permitted_rule else []
        found += list(self.prohibited_rules.values())
        found += [s.rule for s in self.sharing.values()]
        found += [d.rule for d in self.disclosure.values()]
        found += [s.rule for s in self.searcher_rules]
        return tuple({rule.id: rule for rule in found}.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "status": self.status,
            "has_statute": self.has_statute,
            "fallback": self.fallback,
            "confidence": self.confidence,
            "verify": list(self.verify),
            "retention": {
                "max_days": self.retention_max_days,
                "non_hit_minutes": self.non_hit_retention_minutes,
                "rule": _rule(self.retention_rule),
                "by_kind": {
                    k: {"max_days": v.max_days, "rule": _rule(v.rule)}
                    for k, v in self.retention_by_kind.items()
                },
            },
            "permitted": None
            if self.permitted_purposes is None
            else {
                "purposes": sorted(self.permitted_purposes),
                "conditions": {k: list(v) for k, v in self.purpose_conditions.items()},
                "rule": _rule(self.permitted_rule),
            },
            "prohibited": {k: _rule(v) for k, v in self.prohibited_rules.items()},
            "sharing": {k: _sharing(v) for k, v in self.sharing.items()},
            "disclosure": {
                k: {"decision": v.decision, "rule": _rule(v.rule)}
                for k, v in self.disclosure.items()
            },
            "required_fields": sorted(self.required_fields),
            "obligations": sorted(self.obligations),
            "searcher": [
                {
                    "name": s.name,
                    "prohibited": sorted(s.prohibited_purposes),
                    "forbidden_on_behalf_of": sorted(s.forbidden_on_behalf_of),
                    "rule": _rule(s.rule),
                }
                for s in self.searcher_rules
            ],
            "citations": [{"cite": c.cite, "url": c.url, "note": c.note} for c in self.citations],
            "notes": list(self.notes),
        }


def _rule(rule: Rule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "id": rule.id,
        "explanation": rule.explanation,
        "citation": rule.citation,
        "confidence": rule.confidence,
        "note": rule.note,
    }


def _sharing(rule: SharingRule) -> dict[str, Any]:
    return {
        "decision": rule.decision,
        "conditions": list(rule.conditions),
        "allowed_states": sorted(rule.allowed_states),
        "prohibited_purposes": sorted(rule.prohibited_purposes),
        "rule": _rule(rule.rule),
    }
