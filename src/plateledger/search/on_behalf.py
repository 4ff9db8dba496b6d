"""A search on behalf of another agency needs a recorded assist request, or it is held.

The policy engine already makes such a search the narrower of the searcher's and the behalf
agency's own rights (``policy.on_behalf``). On top of that, the searcher's agency must have a
live assist request from the behalf agency (``sharing.assists``) whose case number is the
search's: without one, every network the policy would allow is held instead (a supervisor's
approval does not lift it: the assist must be recorded, then the search run again). With one,
its id joins the rule ids of each allowed network, so the audit entry names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from plateledger.domain.types import Agency
from plateledger.policy.base import Decision

ASSIST_RULE = "assist.none"


class AssistLookup(Protocol):
    """The live assist request covering a search, if any (``sharing.assists.Assists``)."""

    def live(self, agency_id: str, behalf: str, case_number: str, at: datetime) -> str | None: ...


def require_assist(
    decisions: Sequence[Decision],
    searcher: Agency,
    behalf: Agency,
    case_number: str,
    assist_id: str | None,
) -> tuple[Decision, ...]:
    """``decisions`` with the assist requirement applied: without a live assist (``assist_id``
    None) every network not denied is held (rule ``assist.none`` first); with one, each allowed
    network carries the rule id ``assist.<id>``."""
    if assist_id is not None:
        rule = f"assist.{assist_id}"
        return tuple(
            replace(d, rule_ids=(*d.rule_ids, rule)) if d.decision == "allow" else d
            for d in decisions
        )
    why = (
        f"A search on behalf of {behalf.name} needs a live assist request from {behalf.id} to "
        f"{searcher.name} for case {case_number!r}, recorded by a supervisor or admin of "
        f"{searcher.id} (POST /api/v1/assists); none is on file, so the search is held. Record "
        "the assist request, then search again (or resume this search once approved)."
    )
    return tuple(d if d.decision == "deny" else _held(d, why) for d in decisions)


def _held(d: Decision, why: str) -> Decision:
    rules = (ASSIST_RULE, *(r for r in d.rule_ids if d.decision == "hold"))
    text = why if d.decision == "allow" else f"{why} {d.explanation}"
    return replace(d, decision="hold", rule_ids=rules, explanation=text, flags=())
