"""A search on behalf of another agency only narrows what the searcher may read.

A user of agency A who names agency B in ``on_behalf_of`` is decided, per owner network, as
the more restrictive of two evaluations: A searching for itself (its own sharing agreements,
declarations and requester type, and A's state law on searching for B), and B searching for
itself (B's agreements, declarations and requester type, B's own state law). The owner's law and
sharing must allow both, so naming a local agency never gives a federal immigration or private
agency a right it lacks alone, and a local officer never passes a federal agency's request off
as a local one.
"""

from __future__ import annotations

from datetime import datetime

from plateledger.domain.types import Agency
from plateledger.policy.base import Decision
from plateledger.policy.verdicts import SEVERITY
from plateledger.policy.wording import clause, sentence, sentences


def narrowest(own: Decision, theirs: Decision, searcher: Agency, behalf: Agency) -> Decision:
    """One network's decision: ``own`` (the searcher for itself) and ``theirs`` (the behalf
    agency for itself) combined — deny > hold > allow; the rule ids and explanations of both
    where both decide; the later retention cutoff (the shorter window)."""
    worst = max(own.decision, theirs.decision, key=SEVERITY.__getitem__)
    deciding = [d for d in (own, theirs) if d.decision == worst]
    rules = tuple(dict.fromkeys(r for d in deciding for r in d.rule_ids))
    if worst == "allow":
        text = sentence(
            f"{clause(own.explanation)}; on behalf of {behalf.name}, which may also search it "
            "for itself"
        )
        flags = tuple(dict.fromkeys((*own.flags, *theirs.flags)))
    else:
        parts = []
        if own.decision == worst:
            parts.append(f"As {searcher.name}: {own.explanation}")
        if theirs.decision == worst:
            parts.append(f"As {behalf.name} (searched on its behalf): {theirs.explanation}")
        text = sentences(*parts)
        flags = ()
    cutoff = _later(own.retention_cutoff, theirs.retention_cutoff)
    evidence = (
        tuple(dict.fromkeys(e for d in deciding for e in d.evidence)) if worst != "allow" else ()
    )
    return Decision(own.network, own.owner_agency, worst, rules, text, cutoff, flags, evidence)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
