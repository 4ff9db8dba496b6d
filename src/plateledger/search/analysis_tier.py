"""The purpose tier of the convoy, multi-place and frequent-visitor analyses.

Applied to the policy engine's decisions (one per owner network) before the search log entry is
written, on first runs and on resumed (approved) runs alike:

- ``analysis.prohibited_reason``: a reason the classifier puts in a prohibited class
  (immigration enforcement, protest, reproductive health...) denies every network. A deny is
  never lifted by an approval.
- ``analysis.<kind>.purpose``: a network whose owner does not name the purpose for this kind is
  denied (defaults: :data:`DEFAULT_PURPOSES`; an owner may name its own list).
- ``analysis.<kind>.supervisor``: every other searchable network is held for a supervisor (the
  owner's for its networks, the searcher's for its own: ``search.hold_parts``) unless the owner
  waived the hold for that kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from plateledger.domain.types import AgencyId
from plateledger.policy.base import Decision
from plateledger.policy.classifier import classify
from plateledger.policy.purposes import PROHIBITED_CLASSES
from plateledger.policy.wording import sentences
from plateledger.search.analysis_types import AnalysisKind

PROHIBITED_RULE = "analysis.prohibited_reason"
_SERIOUS = frozenset({"homicide", "violent_crime", "human_trafficking", "missing_person",
                      "amber_alert", "wanted_person_felony", "terrorism_kst"})  # fmt: skip
DEFAULT_PURPOSES: Mapping[AnalysisKind, frozenset[str]] = {
    "convoy": _SERIOUS,
    "multi_place": _SERIOUS,
    "frequent_visitor": frozenset(
        {"homicide", "violent_crime", "human_trafficking", "missing_person", "amber_alert"}
    ),  # fmt: skip
}
LABELS: Mapping[AnalysisKind, str] = {
    "convoy": "convoy analysis",
    "multi_place": "multi-place search",
    "frequent_visitor": "frequent-visitor search",
}


def purpose_rule(kind: AnalysisKind) -> str:
    return f"analysis.{kind}.purpose"


def supervisor_rule(kind: AnalysisKind) -> str:
    return f"analysis.{kind}.supervisor"


@dataclass(frozen=True, slots=True)
class AnalysisPolicy:
    """Which purposes each owner allows for each kind, and who waived the supervisor hold."""

    owners: Mapping[AgencyId, Mapping[AnalysisKind, frozenset[str]]] = field(default_factory=dict)
    unheld: Mapping[AgencyId, frozenset[AnalysisKind]] = field(default_factory=dict)

    def purposes(self, owner: AgencyId, kind: AnalysisKind) -> frozenset[str]:
        own = self.owners.get(owner)
        if own is not None and kind in own:
            return own[kind]
        return DEFAULT_PURPOSES[kind]

    def tier(self, kind: AnalysisKind, purpose: str, reason: str) -> AnalysisTier:
        return AnalysisTier(self, kind, purpose, reason)


@dataclass(frozen=True, slots=True)
class AnalysisTier:
    """One request's tier: ``apply`` turns the engine's decisions into the tier's."""

    policy: AnalysisPolicy
    kind: AnalysisKind
    purpose: str
    reason: str

    def apply(self, decisions: Iterable[Decision]) -> tuple[Decision, ...]:
        found = classify(self.reason)
        if found.reason_class in PROHIBITED_CLASSES:
            text = (f"Refused: a {LABELS[self.kind]} is never run for a reason classified as "
                    f"{found.reason_class.replace('_', ' ')}.")  # fmt: skip
            return tuple(
                replace(d, decision="deny", rule_ids=(*d.rule_ids, PROHIBITED_RULE),
                        explanation=sentences(d.explanation, text), evidence=found.evidence)
                for d in decisions
            )  # fmt: skip
        return tuple(self._one(d) for d in decisions)

    def _one(self, d: Decision) -> Decision:
        if d.decision == "deny":
            return d
        label = LABELS[self.kind]
        if self.purpose not in self.policy.purposes(d.owner_agency, self.kind):
            text = f"Denied: {d.owner_agency} does not allow a {label} for {self.purpose}."
            return replace(d, decision="deny", rule_ids=(*d.rule_ids, purpose_rule(self.kind)),
                           explanation=sentences(d.explanation, text))  # fmt: skip
        if self.kind in self.policy.unheld.get(d.owner_agency, frozenset()):
            return d
        text = f"Held: a {label} needs a supervisor's approval."
        return replace(d, decision="hold", rule_ids=(*d.rule_ids, supervisor_rule(self.kind)),
                       explanation=sentences(d.explanation, text))  # fmt: skip
