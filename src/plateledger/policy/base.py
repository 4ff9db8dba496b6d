"""The policy contract: one explained Decision per owner network, before any read is touched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from plateledger.domain.types import Agency, AgencyId, Network, NetworkId, User
from plateledger.policy.classifier import Evidence

Outcome = Literal["allow", "deny", "hold"]


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """What policy needs to know about a search or timeline request."""

    user: User
    user_agency: Agency
    purpose: str
    case_number: str
    reason: str
    on_behalf_of: AgencyId | None
    at: datetime
    behalf_agency: Agency | None = None  # the on_behalf_of agency, resolved
    one_to_one: bool = True  # a specific plate, not a pattern or description sweep
    approved_hold: bool = False  # a supervisor approved this (held) search
    #: a hotlist's purpose, judged as a search: a prohibited code is judged by the law (denied
    #: where forbidden) instead of refused as unselectable (an immigration list *is* one)
    list_purpose: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    network: NetworkId
    owner_agency: AgencyId
    decision: Outcome
    rule_ids: tuple[str, ...]
    explanation: str
    retention_cutoff: datetime | None = None  # reads older than this are never returned
    flags: tuple[str, ...] = ()  # e.g. reason classified as a prohibited class, allowed here
    evidence: tuple[Evidence, ...] = ()  # the reason's words that made this a deny or a hold

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "owner_agency": self.owner_agency,
            "decision": self.decision,
            "rule_ids": list(self.rule_ids),
            "explanation": self.explanation,
            "retention_cutoff": self.retention_cutoff.isoformat()
            if self.retention_cutoff
            else None,
            "flags": list(self.flags),
            "evidence": [e.to_dict() for e in self.evidence],
        }


class PolicyEngine(Protocol):
    def evaluate(
        self, request: AccessRequest, networks: Sequence[tuple[Network, Agency]]
    ) -> list[Decision]: ...
