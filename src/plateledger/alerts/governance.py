"""Which agency may keep or subscribe to which list: state law and agency policy, explained.

A list carries a purpose code; its class is what the law speaks to. A list whose purpose the
owner's state prohibits cannot be created there; a subscription is refused when the owner's or
the subscriber's law (or either agency's own policy, or a law binding the subscriber's searches)
forbids the purpose, and, for another agency's list, when the owner has not shared it with the
subscriber or the owner's state forbids sharing with that kind of agency.
"""

from __future__ import annotations

from collections.abc import Mapping

from plateledger.alerts.models import Hotlist
from plateledger.domain.sharing import AgencyPolicy
from plateledger.domain.types import Agency, AgencyId
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.policy.jurisdictions import jurisdiction, requester_type
from plateledger.policy.purposes import Purpose, load_purposes


def list_purpose(code: str) -> Purpose:
    """Any purpose code, prohibited ones included (an immigration list *is* such a list)."""
    found = load_purposes().get(code.strip())
    if found is None:
        raise ValidationError(
            f"purpose: unknown purpose code {code!r}",
            {"field": "purpose", "valid": sorted(load_purposes())},
        )
    return found


def refusals(owner: Agency, purpose: Purpose) -> list[tuple[str, str]]:
    """(rule id, explanation) of every rule forbidding ``owner`` to keep such a list."""
    rule = jurisdiction(owner.state).prohibition(purpose)
    return [] if rule is None else [(rule.id, rule.explanation)]


def check_create(
    owner: Agency, purpose: Purpose, policies: Mapping[AgencyId, AgencyPolicy]
) -> None:
    found = refusals(owner, purpose) + _policy(owner, purpose, policies)
    if found:
        _refuse(f"{owner.name} may not keep a {purpose.label} list", found)


def subscription_refusals(
    hotlist: Hotlist,
    owner: Agency,
    subscriber: Agency,
    policies: Mapping[AgencyId, AgencyPolicy],
) -> list[tuple[str, str]]:
    purpose = list_purpose(hotlist.purpose)
    codes = {purpose.code, purpose.purpose_class}
    found: list[tuple[str, str]] = []
    for agency in (owner, subscriber):
        found += refusals(agency, purpose)
        found += _policy(agency, purpose, policies)
    for rule in jurisdiction(subscriber.state).searcher_rules:
        if codes & rule.prohibited_purposes:
            found.append((rule.id, rule.rule.explanation))
    if subscriber.id != owner.id:
        shared = {"*", subscriber.id, subscriber.state}
        if not shared & set(hotlist.share_with):
            found.append(
                (f"hotlist.{hotlist.id}.not_shared",
                 f"{owner.name} has not shared list {hotlist.name!r} with {subscriber.name}")
            )  # fmt: skip
        rtype = requester_type(owner.state, owner.id, subscriber.state, subscriber.id,
                               subscriber.kind)  # fmt: skip
        sharing = jurisdiction(owner.state).sharing[rtype]
        if sharing.decision == "deny" or codes & sharing.prohibited_purposes:
            found.append((sharing.id, sharing.rule.explanation))
    return list(dict.fromkeys(found))


def check_subscription(
    hotlist: Hotlist, owner: Agency, subscriber: Agency, policies: Mapping[AgencyId, AgencyPolicy]
) -> None:
    found = subscription_refusals(hotlist, owner, subscriber, policies)
    if found:
        _refuse(f"{subscriber.name} may not subscribe to list {hotlist.name!r}", found)


def _policy(
    agency: Agency, purpose: Purpose, policies: Mapping[AgencyId, AgencyPolicy]
) -> list[tuple[str, str]]:
    policy = policies.get(agency.id)
    if policy is None or not {purpose.code, purpose.purpose_class} & policy.prohibited_purposes:
        return []
    return [(f"agency.{agency.id}.prohibited", f"{agency.name}'s policy forbids this purpose")]


def _refuse(what: str, found: list[tuple[str, str]]) -> None:
    text = "; ".join(explanation for _, explanation in found)
    raise ForbiddenError(f"{what}: {text}", {"rule_ids": [rule for rule, _ in found]})
