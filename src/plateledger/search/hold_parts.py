"""Who decides each part of a held search, and what an approval lets a resumed search do.

A hold is split by *who raised it*: a rule of the network owner's law, sharing or agency policy
(the protected-activity floor included) is the **owner's** to decide; only the searcher's own
agency policy (``agency.<searcher>.*``), its state's searcher law (``<state>.searcher.*``), the
bulk ceilings (``bulk.*``) and the assist rule (``assist.*``) are the **searcher's**. On the
searcher's own networks the searcher's agency decides everything. A network held by both needs
both decisions.

An approval is single-use, bound to the exact query (its time window pinned to the hold) and to
the rules that held each network, and lapses :data:`APPROVAL_LIFETIME` after the decision. A
resumed search is judged afresh; a network is searched only if it is held *now* by no rule but
those approved on it, and every part holding it was approved and is live. The others stay
excluded (``hold.not_approved``). No approval lifts ``assist.none``: only an assist request does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from plateledger.domain.types import Agency, AgencyId, NetworkId
from plateledger.policy.base import Decision
from plateledger.policy.wording import join_words
from plateledger.search.on_behalf import ASSIST_RULE

#: How long an approval may wait to be used (documented in docs/search.md).
APPROVAL_LIFETIME = timedelta(hours=24)
NOT_APPROVED = "hold.not_approved"


@dataclass(frozen=True, slots=True)
class HoldPart:
    """The networks one agency's supervisors decide, the rules that held them and the words."""

    agency_id: AgencyId
    networks: tuple[NetworkId, ...]
    rules: tuple[str, ...]
    evidence: tuple[Mapping[str, Any], ...] = ()
    status: str = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None

    @property
    def expires_at(self) -> datetime | None:
        if self.status != "approved" or self.decided_at is None:
            return None
        return self.decided_at + APPROVAL_LIFETIME

    def live(self, at: datetime) -> bool:
        """Approved and not lapsed at ``at``."""
        return self.expires_at is not None and at < self.expires_at

    def to_dict(self) -> dict[str, Any]:
        expires = self.expires_at
        return {
            "agency": self.agency_id, "networks": list(self.networks), "rules": list(self.rules),
            "evidence": [dict(e) for e in self.evidence], "status": self.status,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "note": self.note, "expires_at": expires.isoformat() if expires else None,
        }  # fmt: skip


def searchers_rule(rule: str, searcher: Agency) -> bool:
    """Whether ``rule`` is the searcher's own (its policy, its state's searcher law, ceilings).
    An agency rule is ``agency.<id>.<what>`` with the id compared whole, so an owner whose id
    merely starts with the searcher's (``tx-pd.x``) keeps its rules."""
    if rule.startswith("agency."):
        return rule.rsplit(".", 1)[0] == f"agency.{searcher.id}"
    return rule.startswith(("bulk.", "assist.", f"{searcher.state}.searcher."))


def split_hold(
    held: Sequence[Decision], searcher: Agency, policy_rules: Mapping[NetworkId, Sequence[str]],
    bulk_rule: str | None = None,
) -> tuple[HoldPart, ...]:  # fmt: skip
    """One part per deciding agency. ``policy_rules``: the rules that held each network before
    the bulk ceiling (whose rule, ``bulk_rule``, then held every searchable network)."""
    networks: dict[AgencyId, list[NetworkId]] = {}
    rules: dict[AgencyId, dict[str, None]] = {}
    evidence: dict[AgencyId, list[Mapping[str, Any]]] = {}
    for d in held:
        held_by = [*policy_rules.get(d.network, ()), *([bulk_rule] if bulk_rule else [])]
        for agency, own in _deciders(d, held_by, searcher).items():
            networks.setdefault(agency, []).append(d.network)
            rules.setdefault(agency, {}).update(dict.fromkeys(own))
            found = evidence.setdefault(agency, [])
            found += [e.to_dict() for e in d.evidence if e.to_dict() not in found]
    return tuple(
        HoldPart(agency, tuple(networks[agency]), tuple(rules[agency]), tuple(evidence[agency]))
        for agency in sorted(networks)
    )


def _deciders(d: Decision, held_by: Sequence[str], searcher: Agency) -> dict[AgencyId, list[str]]:
    if d.owner_agency == searcher.id:
        return {searcher.id: list(held_by)}
    out: dict[AgencyId, list[str]] = {}
    for rule in held_by:
        agency = searcher.id if searchers_rule(rule, searcher) else d.owner_agency
        out.setdefault(agency, []).append(rule)
    return out or {d.owner_agency: []}  # no rule named: the owner decides


@dataclass(frozen=True, slots=True)
class Approval:
    """What a resumed search may do: its exact query, the rules approved on each network."""

    search_id: str
    query: Mapping[str, Any]  # query_to_dict of the approved query (time window pinned)
    granted: Mapping[NetworkId, frozenset[str]]
    withheld: frozenset[NetworkId]  # held networks some decider has not (or no longer) approved

    def apply(self, decisions: Sequence[Decision]) -> tuple[Decision, ...]:
        """Today's decisions with approved holds allowed and unapproved networks kept out."""
        return tuple(self._one(d) for d in decisions)

    def _one(self, d: Decision) -> Decision:
        if d.network in self.withheld and d.decision != "deny":
            return replace(
                d, decision="hold", rule_ids=(*d.rule_ids, NOT_APPROVED), flags=(),
                explanation=f"Held by {join_words(d.rule_ids) or 'policy'}; not approved by the "
                f"supervisors who decide it ({self.search_id}).",
            )  # fmt: skip
        granted = self.granted.get(d.network)
        if ASSIST_RULE in d.rule_ids:  # an approval is no assist request: only one lifts it
            return d
        if d.decision == "hold" and granted is not None and set(d.rule_ids) <= granted:
            return replace(
                d, decision="allow", rule_ids=(*d.rule_ids, f"hold.approved.{self.search_id}"),
                explanation=f"Held by {join_words(d.rule_ids)}; approved ({self.search_id}).",
            )  # fmt: skip
        return d


def approval_of(
    search_id: str, query: Mapping[str, Any], parts: Sequence[HoldPart], at: datetime
) -> Approval:
    """The approval the live parts of a hold give at ``at``."""
    all_held = {n for p in parts for n in p.networks}
    granted: dict[NetworkId, set[str]] = {}
    withheld = set()
    for network in all_held:
        deciding = [p for p in parts if network in p.networks]
        if all(p.live(at) for p in deciding):
            granted[network] = {r for p in deciding for r in p.rules}
        else:
            withheld.add(network)
    return Approval(
        search_id, dict(query), {n: frozenset(r) for n, r in granted.items()}, frozenset(withheld)
    )
