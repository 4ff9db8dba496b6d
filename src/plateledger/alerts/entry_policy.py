"""A hotlist entry is a search: judged by the policy engine as the list owner searching.

* **Adding or changing an entry** (API, CLI, import file, UI): the list's purpose and the entry's
  reason are judged as if the list owner searched its own networks for that purpose and reason —
  the same evasion-normalised reason classifier, the owner's law and policy, the
  protected-activity floor (``policy.engine``). A *deny* refuses the entry; so does a *hold*
  (an entry cannot wait for a supervisor: state the reason specifically). The reason and a case
  number of a valid form (:data:`CASE_NUMBER`) are required. On top of the engine, the list's
  purpose binds its entries: a reason whose strong evidence names a prohibited purpose other
  than the list's ("ICE WARRANT" on a stolen-vehicle list) is refused
  (``hotlist.purpose_mismatch.<code>``), weak evidence ("HSI" alone) held, so refused too —
  also where the owner's own law would let it search for that purpose.
* **An alert on another agency's camera** is the list owner searching that camera owner's
  network for the entry's reason: the camera owner's law, its sharing law for that kind of
  requester (e.g. Illinois' written declaration), both agencies' policies and the floor decide,
  at alert time. The camera owner's subscription stands for a sharing agreement covering the
  list's purpose (it asked for the list to run on its cameras, for its own officers) — nothing
  more. Only *allow* raises the alert.
* **Flow back**: whether the list owner may learn anything of a sighting on another owner's
  camera (hit counts, notices, portal rows) is the same question with the camera owner's real
  sharing agreements, and no stand-in for the subscription.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from plateledger.alerts.models import Entry, Hotlist
from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import Agency, AgencyId, Network, NetworkId, User, UserId
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.policy.base import AccessRequest, Decision, Outcome
from plateledger.policy.classifier import classify
from plateledger.policy.engine import PolicyState, PurposePolicy
from plateledger.policy.evidence import read_reason
from plateledger.policy.state import PolicySource, policy_state

MIN_REASON_CHARACTERS = 3
SEVERITY = {"allow": 0, "hold": 1, "deny": 2}


def check_reason(value: object, key: str) -> str:
    """The reason, stripped; it must hold at least 3 letters or digits (after NFKC)."""
    text = str(value or "").strip()
    if sum(c.isalnum() for c in unicodedata.normalize("NFKC", text)) < MIN_REASON_CHARACTERS:
        raise ValidationError(f"{key}: required: why this plate is on the list", {"field": key})
    return text


def worst(decisions: Sequence[Decision]) -> Decision:
    """The most restrictive decision (deny > hold > allow)."""
    return max(decisions, key=lambda d: SEVERITY[d.decision])


def refuse(decision: Decision, where: str) -> ForbiddenError:
    """The error of a denied or held entry, with the rules and the words that decided."""
    how = "refused" if decision.decision == "deny" else "held for review, so not added"
    return ForbiddenError(
        f"{where}: {how}: {decision.explanation}",
        {"field": f"{where}.reason", "decision": decision.decision,
         "rule_ids": list(decision.rule_ids),
         "evidence": [e.to_dict() for e in decision.evidence]},
    )  # fmt: skip


class EntryPolicy:
    """The policy engine's answers about entries, over one policy snapshot."""

    def __init__(self, source: PolicySource, state: PolicyState | None = None) -> None:
        self._source = source
        self._state = state

    @property
    def state(self) -> PolicyState:
        if self._state is None:
            self._state = policy_state(self._source)
        return self._state

    def admit(
        self, user: User, owner: Agency, h: Hotlist, reason: str, case: str, at: datetime
    ) -> Decision:
        """The owner searching its own networks (a stand-in one if it has none) for the list's
        purpose and ``reason``: the most restrictive decision."""
        nets = [(n, owner) for n in self._source.networks() if n.agency_id == owner.id]
        if not nets:
            nets = [(Network(NetworkId(f"{owner.id}:hotlists"), owner.id, "lists"), owner)]
        request = _request(user, owner, h, reason, case, at)
        state = self.state
        decisions = PurposePolicy(lambda: state).evaluate(request, nets)
        return worst([*decisions, _list_purpose(h, reason, nets[0][0], owner)])

    def at_camera(
        self, h: Hotlist, entry: Entry, owner: Agency, network: Network, camera_owner: Agency,
        at: datetime, *, subscribed: bool,
    ) -> Decision:  # fmt: skip
        """The list owner searching ``network`` (``camera_owner``'s) for the entry's reason;
        ``subscribed``: the subscription stands for an agreement covering the list's purpose."""
        state = self.state
        if subscribed:
            state = replace(state, agreements=[*state.agreements, _consent(h, network, at)])
        user = User(UserId(h.created_by), AgencyId(owner.id), "list owner", "admin")
        request = _request(user, owner, h, entry.reason, entry.case_number, at)
        return PurposePolicy(lambda: state).evaluate(request, [(network, camera_owner)])[0]


def _list_purpose(h: Hotlist, reason: str, network: Network, owner: Agency) -> Decision:
    """The list's purpose binds its entries: evidence of another prohibited purpose."""
    reading = read_reason(classify(reason))
    listed = {h.purpose, h.purpose_class}
    certain = [p for p in reading.certain if not {p.code, p.purpose_class} & listed]
    possible = [p for p in reading.possible if not {p.code, p.purpose_class} & listed]
    outcome: Outcome = "deny" if certain else "hold"
    found = certain or possible
    if not found:
        return Decision(network.id, owner.id, "allow", (), "the reason fits the list's purpose")
    names = ", ".join(p.code for p in found)
    text = (
        f"The reason '{reason}' is {'' if certain else 'possibly '}{names}, not the list's "
        f"purpose ({h.purpose}): a list's entries are searches for its purpose only. "
        f"{reading.note}"
    ).rstrip()
    rules = tuple(f"hotlist.purpose_mismatch.{p.code}" for p in found)
    return Decision(network.id, owner.id, outcome, rules, text, evidence=reading.spans)


def _request(
    user: User, owner: Agency, h: Hotlist, reason: str, case: str, at: datetime
) -> AccessRequest:
    return AccessRequest(
        user=user, user_agency=owner, purpose=h.purpose, case_number=case, reason=reason,
        on_behalf_of=None, at=at, one_to_one=True, list_purpose=True,
    )  # fmt: skip


def _consent(h: Hotlist, network: Network, at: datetime) -> SharingAgreement:
    return SharingAgreement(
        id=f"subscription.{h.id}", network_id=network.id, grantee_kind="agency",
        grantee=h.owner_agency, radius_km=None, purposes=frozenset({h.purpose}),
        created_by="subscription", created_at=at,
        note="the camera owner subscribed to this list",
    )  # fmt: skip
