"""Single policy checks, each returning verdicts with the rule that decided and why.

A verdict is one rule's say on one owner network; the engine keeps the most restrictive
(deny > hold > allow) and explains it. Checks are pure functions over the request context.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from plateledger.domain.sharing import AgencyPolicy, Declaration, SharingAgreement
from plateledger.domain.types import Agency, AgencyId, Network
from plateledger.policy.base import Outcome
from plateledger.policy.classifier import Classification
from plateledger.policy.evidence import NOTHING, Reading
from plateledger.policy.jurisdiction_model import Jurisdiction, RequesterType, Rule
from plateledger.policy.purposes import Purpose
from plateledger.policy.wording import clause, join_words, sentence, sentences

SEVERITY: Mapping[Outcome, int] = {"allow": 0, "hold": 1, "deny": 2}
CRIMINAL_CLASSES = frozenset({"criminal", "hotlist", "person_safety", "emergency", "legal_process"})


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    rule_id: str
    explanation: str
    cites_reason: bool = False  # decided by the reason's evidence: the Decision carries it


@dataclass(frozen=True)
class Context:
    """Everything the checks need about one request (shared by every owner network)."""

    searcher: Agency
    requester: Agency  # whose sharing rights count: always the searching agency itself
    purpose: Purpose
    classification: Classification
    prohibited: tuple[Purpose, ...]  # prohibited purposes the reason was classified as
    at: datetime
    one_to_one: bool
    approved_hold: bool
    declarations: Sequence[Declaration]
    policies: Mapping[AgencyId, AgencyPolicy]
    reading: Reading = NOTHING  # the reason's evidence: certain, possible, protected activity
    behalf: Agency | None = None  # the agency searched for (on_behalf_of), if another


def _because(ctx: Context) -> str:
    """Why the reason counts as a prohibited purpose (empty when it does not)."""
    if not ctx.prohibited:
        return ""
    classes = join_words(p.code for p in ctx.prohibited)
    reason = ctx.classification.reason
    return sentences(f"The reason '{reason}' was classified as {classes}", ctx.reading.note)


def may_be(ctx: Context, rule_id: str, text: str, codes: set[str]) -> Verdict:
    """Weak evidence of a forbidden purpose: held for a supervisor, the words shown."""
    suspected = join_words(p.code for p in ctx.reading.possible if p.code in codes)
    reason = ctx.classification.reason
    why = f"The reason '{reason}' may be {suspected}, so a supervisor must review it"
    return Verdict("hold", rule_id, sentences(text, why, ctx.reading.note), cites_reason=True)


def _suspected(ctx: Context, forbidden: frozenset[str] | set[str]) -> set[str]:
    """The possible (weak-evidence) purposes that ``forbidden`` names, unless approved."""
    if ctx.approved_hold or not ctx.reading.possible:
        return set()
    return {p.code for p in ctx.reading.possible if {p.code, p.purpose_class} & forbidden}


def owner_law(ctx: Context, law: Jurisdiction) -> Iterator[Verdict]:
    """The data owner's state law on the purpose (selected, and as classified)."""
    for purpose in (ctx.purpose, *ctx.prohibited):
        rule = law.prohibition(purpose)
        if rule is not None:
            cites = purpose is not ctx.purpose
            yield Verdict("deny", rule.id, sentences(rule.explanation, _because(ctx)), cites)
    if not law.permits(ctx.purpose) and law.permitted_rule is not None:
        rule = law.permitted_rule
        text = f"{clause(rule.explanation)} (purpose: {ctx.purpose.label})"
        yield Verdict("deny", rule.id, sentence(text))
    for condition in law.purpose_conditions_for(ctx.purpose):
        rule = law.permitted_rule or law.retention_rule
        yield condition_verdict(ctx, condition, rule, law.code)


def sharing_law(ctx: Context, law: Jurisdiction, rtype: RequesterType) -> Iterator[Verdict]:
    """The owner state's rule for this kind of requester."""
    if rtype == "same_agency":
        return
    sharing = law.sharing[rtype]
    rule = sharing.rule
    if sharing.decision == "deny":
        yield Verdict("deny", rule.id, sentences(rule.explanation, _because(ctx)))
        return
    purposes = {ctx.purpose.code, ctx.purpose.purpose_class, *(p.code for p in ctx.prohibited)}
    if purposes & sharing.prohibited_purposes:
        yield Verdict("deny", rule.id, sentences(rule.explanation, _because(ctx)), True)
    suspected = _suspected(ctx, sharing.prohibited_purposes)
    if suspected:
        yield may_be(ctx, rule.id, rule.explanation, suspected)
    if sharing.decision == "conditional":
        for condition in sharing.conditions:
            if condition == "neighbor_state_listed":
                ok = ctx.requester.state in sharing.allowed_states
                yield _met_or_deny(ok, rule, f"{ctx.requester.state} is not a listed state")
            else:
                yield condition_verdict(ctx, condition, rule, law.code)


def condition_verdict(ctx: Context, condition: str, rule: Rule, state: str) -> Verdict:
    if condition == "written_declaration":
        ok = any(
            d.agency_id == ctx.requester.id and d.state == state and d.valid(ctx.at)
            for d in ctx.declarations
        )
        return _met_or_deny(ok, rule, f"{ctx.requester.name} has no written declaration on file")
    if condition == "judicial_warrant":
        ok = ctx.purpose.purpose_class == "legal_process"
        return _met_or_deny(ok, rule, "a judicial warrant or court order is required")
    if condition == "criminal_predicate":
        ok = ctx.purpose.purpose_class in CRIMINAL_CLASSES
        return _met_or_deny(ok, rule, f"'{ctx.purpose.label}' states no criminal predicate")
    if condition == "one_to_one_request":
        return _met_or_deny(ctx.one_to_one, rule, "only a request for one specific plate")
    if condition == "supervisor_approval":
        if ctx.approved_hold:
            return Verdict("allow", rule.id, sentence(rule.explanation))
        held = f"{clause(rule.explanation)} (needs supervisor approval)"
        return Verdict("hold", rule.id, sentence(held))
    unmet = f"{clause(rule.explanation)} (condition {condition} not met)"
    return Verdict("deny", rule.id, sentence(unmet))


def _met_or_deny(ok: bool, rule: Rule, why_not: str) -> Verdict:
    if ok:
        return Verdict("allow", rule.id, sentence(rule.explanation))
    return Verdict("deny", rule.id, sentence(f"{clause(rule.explanation)}; {why_not}"))


def searcher_law(
    ctx: Context, law: Jurisdiction, behalf_type: RequesterType | None
) -> Iterator[Verdict]:
    """Laws binding the searcher's own agency (IL TRUST Act, CA Values Act, ...)."""
    codes = {ctx.purpose.code, ctx.purpose.purpose_class, *(p.code for p in ctx.prohibited)}
    for rule in law.searcher_rules:
        if codes & rule.prohibited_purposes:
            yield Verdict(
                "deny", rule.rule.id, sentences(rule.rule.explanation, _because(ctx)), True
            )
        suspected = _suspected(ctx, rule.prohibited_purposes)
        if suspected:
            yield may_be(ctx, rule.rule.id, rule.rule.explanation, suspected)
        if behalf_type is not None and behalf_type in rule.forbidden_on_behalf_of:
            behalf = (ctx.behalf or ctx.requester).name
            text = f"{clause(rule.rule.explanation)}; the search is on behalf of {behalf}"
            yield Verdict("deny", rule.rule.id, sentence(text))


def agreement(
    ctx: Context,
    network: Network,
    owner: Agency,
    found: Sequence[SharingAgreement],
    distance_km: float | None,
) -> Verdict | None:
    """Deny by default: another agency needs an active agreement covering it and the purpose.
    None for the owner's own agency, which needs no agreement."""
    if ctx.requester.id == owner.id:
        return None
    for a in found:
        if a.network_id == network.id and a.active(ctx.at) and covers(a, ctx, distance_km):
            return Verdict("allow", f"sharing.{a.id}", f"{owner.name}: {a.describe()}")
    return Verdict(
        "deny",
        f"sharing.{network.id}.none",
        sentence(
            f"{owner.name} has not shared this network with {ctx.requester.name} for "
            f"{ctx.purpose.label}"
        ),
    )


def covers(a: SharingAgreement, ctx: Context, distance_km: float | None) -> bool:
    if a.purposes and not {ctx.purpose.code, ctx.purpose.purpose_class} & a.purposes:
        return False
    if a.grantee_kind == "national":
        return True
    if a.grantee_kind == "agency":
        return a.grantee == ctx.requester.id
    if a.grantee_kind == "state":
        return a.grantee == ctx.requester.state
    return distance_km is not None and a.radius_km is not None and distance_km <= a.radius_km


def agency_policies(ctx: Context, owner: Agency) -> Iterator[Verdict]:
    """The owner's and the searcher's own policies, on top of the law."""
    vague = ctx.classification.reason_class == "vague"
    codes = {ctx.purpose.code, ctx.purpose.purpose_class, *(p.code for p in ctx.prohibited)}
    for agency, whose in ((owner, "owner"), (ctx.searcher, "searcher")):
        policy = ctx.policies.get(agency.id)
        if policy is None:
            continue
        if codes & policy.prohibited_purposes:
            yield Verdict(
                "deny",
                f"agency.{agency.id}.prohibited",
                sentences(f"{agency.name}'s policy forbids this purpose", _because(ctx)),
                True,
            )
        suspected = _suspected(ctx, policy.prohibited_purposes)
        if suspected:
            text = f"{agency.name}'s policy forbids {join_words(sorted(suspected))}"
            yield may_be(ctx, f"agency.{agency.id}.prohibited", text, suspected)
        if vague and policy.require_specific_reason and not ctx.approved_hold:
            yield Verdict(
                "hold",
                f"agency.{agency.id}.specific_reason",
                sentence(
                    f"{agency.name} ({whose}) requires a specific reason; "
                    f"'{ctx.classification.reason}' is vague, so a supervisor must approve it"
                ),
            )
