"""The protected-activity floor: refused on every network, whatever the state's law says.

A reason whose subject is protected activity — attending a protest, rally, march, vigil or
picket; visiting a clinic for reproductive, gender-affirming or other lawful health care — is
**denied on every owner network** (rule ``floor.protected_activity.<class>``), also where the
owner's state has no statute. Three things change that, and only these:

- the evidence is weak ("rally" alone, "clinic"): the search is **held** for a supervisor on
  every network, the matched words shown;
- the reason also names an offense ("assault at the protest"): it is about a crime at the event,
  **held** for a supervisor with both spans shown — never allowed unseen, never denied;
- every agency whose policy applies to the network (the owner's and the searcher's) chose
  ``protected_activity: hold`` (``AgencyPolicy``, set by an admin, audited) and the law of each
  one's state does not forbid the purpose: then it is **held** instead of denied. Where a law
  forbids the purpose its own deny verdict stays, so the most restrictive answer is still deny.

A supervisor's approval (``approved_hold``) lifts the holds, never the denials.
"""

from __future__ import annotations

from collections.abc import Iterator

from plateledger.domain.types import Agency
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.policy.purposes import Purpose
from plateledger.policy.verdicts import Context, Verdict
from plateledger.policy.wording import join_words, sentences

RULE = "floor.protected_activity"


def protected_floor(ctx: Context, owner: Agency) -> Iterator[Verdict]:
    """The floor's verdicts on ``owner``'s network (none when the reason names no protected
    activity, or when a supervisor approved a held search)."""
    reading = ctx.reading
    if reading.floor == "none":
        return
    for activity in reading.protected:
        rule_id = f"{RULE}.{activity.code}"
        if reading.floor == "deny" and not _relaxed(ctx, owner, activity):
            yield Verdict("deny", rule_id, _deny_text(ctx, activity), cites_reason=True)
        elif not ctx.approved_hold:
            yield Verdict("hold", rule_id, _hold_text(ctx, owner, activity), cites_reason=True)


def _relaxed(ctx: Context, owner: Agency, activity: Purpose) -> bool:
    """Every agency whose policy applies chose "hold", and no such agency's state law forbids
    the purpose (an agency cannot relax what its own law prohibits)."""
    if not ctx.policies:
        return False
    agencies = {owner.id: owner, ctx.searcher.id: ctx.searcher, ctx.requester.id: ctx.requester}
    for agency in agencies.values():
        policy = ctx.policies.get(agency.id)
        if policy is None or policy.protected_activity != "hold":
            return False
        if jurisdiction(agency.state).prohibition(activity) is not None:
            return False
    return True


def _deny_text(ctx: Context, activity: Purpose) -> str:
    why = (
        f"The reason '{ctx.classification.reason}' makes {activity.label.lower()} the subject "
        f"of the search: protected activity is never searched, on any network, whatever the "
        f"state's law"
    )
    return sentences(why, ctx.reading.note)


def _hold_text(ctx: Context, owner: Agency, activity: Purpose) -> str:
    reason, label = ctx.classification.reason, activity.label.lower()
    if ctx.reading.crime_at_event:
        why = (
            f"The reason '{reason}' names an offense at {label}: a supervisor must confirm the "
            f"search is about the offense, not the activity."
        )
    elif ctx.reading.floor == "hold":
        why = f"The reason '{reason}' may make {label} its subject: a supervisor must review it."
    else:
        names = dict.fromkeys((owner.name, ctx.searcher.name, ctx.requester.name))
        why = (
            f"The reason '{reason}' makes {label} the subject of the search; the policies of "
            f"{join_words(names)} relax the protected-activity floor to a supervisor's review."
        )
    return sentences(why, ctx.reading.note)
