"""The purpose-bound policy engine: one explained Decision per owner network.

For each owner network it gathers the verdicts of every applicable rule — the searcher's state
law, the owner's state law on the purpose (as selected and as the reason was classified), the
owner's law on sharing with this kind of requester, the owner's sharing agreements (deny by
default), and both agencies' own policies — and keeps the most restrictive: deny > hold > allow.
``on_behalf_of`` only narrows: a search by agency A on behalf of agency B is evaluated twice, as
A searching for itself and as B searching for itself, and each network gets the more restrictive
of the two (``policy.on_behalf``). The retention window is the shorter of the statute's cap and
the owner agency's setting (``policy.retention.effective_window``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from plateledger.domain.sharing import AgencyPolicy, Declaration, SharingAgreement
from plateledger.domain.types import Agency, AgencyId, Network, NetworkId
from plateledger.policy import verdicts as v
from plateledger.policy.base import AccessRequest, Decision, Outcome
from plateledger.policy.classifier import Classification, classify
from plateledger.policy.evidence import Reading, read_reason
from plateledger.policy.explain import allow_text, deny_or_hold_text, window_text
from plateledger.policy.floor import protected_floor
from plateledger.policy.jurisdiction_model import Jurisdiction
from plateledger.policy.jurisdictions import jurisdiction, requester_type
from plateledger.policy.on_behalf import narrowest
from plateledger.policy.purposes import Purpose, load_purposes, purpose
from plateledger.policy.retention import effective_window

LatLon = tuple[float, float]


@dataclass(frozen=True)
class PolicyState:
    """What the engine reads from the store for each evaluation (all cached there)."""

    agreements: Sequence[SharingAgreement]
    declarations: Sequence[Declaration]
    policies: Mapping[AgencyId, AgencyPolicy]
    network_centres: Mapping[NetworkId, LatLon]
    agency_homes: Mapping[AgencyId, LatLon]


class PurposePolicy:
    def __init__(self, state: Callable[[], PolicyState]) -> None:
        self._state = state

    def evaluate(
        self, request: AccessRequest, networks: Sequence[tuple[Network, Agency]]
    ) -> list[Decision]:
        state = self._state()
        by_network: dict[NetworkId, list[SharingAgreement]] = {}
        for agreement in state.agreements:
            by_network.setdefault(agreement.network_id, []).append(agreement)
        searcher, behalf = request.user_agency, request.behalf_agency
        reason = _read(request)  # once, whichever agencies the request is judged as
        if behalf is None or behalf.id == searcher.id:
            return self._as(request, reason, state, by_network, networks, searcher, None)
        # On behalf of B only narrows: A searching for itself (bound by A's law on searching
        # for B), and B searching for itself; per network the more restrictive of the two.
        own = self._as(request, reason, state, by_network, networks, searcher, behalf)
        theirs = self._as(request, reason, state, by_network, networks, behalf, None)
        return [narrowest(a, b, searcher, behalf) for a, b in zip(own, theirs, strict=True)]

    def _as(
        self,
        request: AccessRequest,
        reason: _Reason,
        state: PolicyState,
        by_network: Mapping[NetworkId, list[SharingAgreement]],
        networks: Sequence[tuple[Network, Agency]],
        searcher: Agency,
        behalf: Agency | None,
    ) -> list[Decision]:
        """Every network's decision for ``searcher`` searching for itself (``behalf``: the
        agency it searches for, which only its own state's searcher law looks at)."""
        ctx = _context(request, reason, state, searcher, behalf)
        behalf_type = (
            requester_type(searcher.state, searcher.id, behalf.state, behalf.id, behalf.kind)
            if behalf is not None
            else None
        )
        common = list(v.searcher_law(ctx, jurisdiction(searcher.state), behalf_type))
        run = _Run(ctx, state, common)
        return [
            self._memoised(run, network, owner, by_network.get(network.id, []))
            for network, owner in networks
        ]

    def _memoised(
        self, run: _Run, network: Network, owner: Agency, agreements: list[SharingAgreement]
    ) -> Decision:
        """Networks of the same shape — owner state and kind, retention setting, how they are
        shared with this requester — get the same decision but for their names and ids: it is
        computed once, with placeholders, and filled in for each network."""
        ctx = run.ctx
        if ctx.policies and (owner.id in ctx.policies or ctx.searcher.id in ctx.policies):
            return self._decide(run, network, owner, agreements)
        if owner.id == ctx.requester.id:
            return self._decide(run, network, owner, agreements)
        declared = run.declared(owner)
        covering = None
        for a in agreements:
            if a.grantee_kind == "radius":  # depends on distances: no shared template
                return self._decide(run, network, owner, agreements)
            if covering is None and a.active(ctx.at) and v.covers(a, ctx, None):
                covering = a
        shape = (
            owner.state,
            declared,
            None if covering is None else (covering.grantee_kind, covering.grantee,
                                           covering.purposes),
        )  # fmt: skip
        template = run.templates.get(shape)
        if template is None:
            stand_in = replace(owner, id=AgencyId(_OWNER_ID), name=_OWNER_NAME)
            net = Network(NetworkId(_NET), stand_in.id, network.name)
            held = [replace(covering, id=_AGR, network_id=net.id)] if covering else []
            template = _Template(
                self._decide(run, net, stand_in, held, templated=True, declared=declared)
            )
            run.templates[shape] = template
        window, rule, cutoff = run.retention_cutoff(owner)
        values = {"oid": owner.id, "oname": owner.name, "net": network.id, "ret": rule,
                  "win": window, "agr": covering.id if covering else ""}  # fmt: skip
        return template.fill(network.id, owner.id, values, cutoff)

    def _decide(
        self,
        run: _Run,
        network: Network,
        owner: Agency,
        agreements: list[SharingAgreement],
        *,
        templated: bool = False,
        declared: bool | None = None,
    ) -> Decision:
        ctx = run.ctx
        if declared is None:
            declared = run.declared(owner)
        law_worst, law_verdicts = run.law_verdicts(owner, declared)
        extra: list[v.Verdict] = []
        shared = v.agreement(ctx, network, owner, agreements, run.distance(network, agreements))
        if shared is not None:
            extra.append(shared)
        if ctx.policies and (owner.id in ctx.policies or ctx.searcher.id in ctx.policies):
            extra.extend(v.agency_policies(ctx, owner))
        if ctx.reading.floor != "none":
            extra.extend(protected_floor(ctx, owner))
        worst: Outcome = law_worst
        for x in extra:
            if v.SEVERITY[x.outcome] > v.SEVERITY[worst]:
                worst = x.outcome
        deciding = [x for x in law_verdicts if x.outcome == worst] if law_worst == worst else []
        deciding += [x for x in extra if x.outcome == worst]
        rule_ids = tuple(dict.fromkeys(x.rule_id for x in deciding))
        cutoff_days, retention_rule = run.retention(owner)
        if worst == "allow":
            rule_ids = (*rule_ids, _RET if templated else retention_rule)
            window = _WIN if templated else window_text(cutoff_days)
            explanation = allow_text(ctx, owner, deciding, window)
        else:
            explanation = deny_or_hold_text(deciding)
        cutoff = ctx.at - timedelta(days=cutoff_days) if cutoff_days is not None else None
        flags = run.flags if worst == "allow" else ()
        cited = worst != "allow" and any(x.cites_reason for x in deciding)
        evidence = ctx.reading.spans if cited else ()
        return Decision(network.id, owner.id, worst, rule_ids, explanation, cutoff, flags, evidence)


_OWNER_ID, _OWNER_NAME, _NET, _AGR = "\x02oid\x02", "\x02oname\x02", "\x02net\x02", "\x02agr\x02"
_RET, _WIN = "\x02ret\x02", "\x02win\x02"


_FIELDS = {_OWNER_ID: "oid", _OWNER_NAME: "oname", _NET: "net", _RET: "ret", _WIN: "win",
           _AGR: "agr"}  # fmt: skip


class _Template:
    """A decision computed for a stand-in network, as format strings for the real ones."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        # Rule ids and explanation as one format string: one format_map call per network.
        whole = "\x1f".join(decision.rule_ids) + "\x1e" + decision.explanation
        self.combined = self._format(whole)

    @staticmethod
    def _format(text: str) -> str | None:
        if "\x02" not in text:
            return None  # constant: used as is
        text = text.replace("{", "{{").replace("}", "}}")
        for placeholder, name in _FIELDS.items():
            text = text.replace(placeholder, "{" + name + "}")
        return text

    def fill(
        self, network: str, owner: str, values: dict[str, str], cutoff: datetime | None
    ) -> Decision:
        d = self.decision
        if self.combined is None:
            rules, text = d.rule_ids, d.explanation
        else:
            joined, text = self.combined.format_map(values).split("\x1e")
            rules = tuple(joined.split("\x1f")) if joined else ()
        return Decision(
            NetworkId(network),
            AgencyId(owner),
            d.decision,
            rules,
            text,
            cutoff,
            d.flags,
            d.evidence,
        )


class _Run:
    """One evaluation: what does not depend on the owner network is computed once, and the
    law's verdicts are memoised per (owner state, requester type) — a national lookup touches
    thousands of networks but only a few dozen distinct laws."""

    def __init__(self, ctx: v.Context, state: PolicyState, common: list[v.Verdict]) -> None:
        self.ctx = ctx
        self.state = state
        self.common = common
        self.flags = _flags(ctx)
        self._law: dict[tuple[str, str, bool], tuple[Outcome, list[v.Verdict]]] = {}
        self._declared: dict[AgencyId, bool] = {}
        self._retention: dict[tuple[str, str, int | None], tuple[int | None, str]] = {}
        self.templates: dict[tuple[object, ...], _Template] = {}
        self._cutoffs: dict[
            tuple[str, str, int | None], tuple[str, str, datetime | None, bool]
        ] = {}

    def retention_cutoff(self, owner: Agency) -> tuple[str, str, datetime | None]:
        """(window text, rule id, cutoff) of the owner's effective retention window."""
        key = (owner.state, owner.kind, owner.retention_days)
        found = self._cutoffs.get(key)
        if found is None:
            days, rule = self.retention(owner)
            cutoff = self.ctx.at - timedelta(days=days) if days is not None else None
            found = (window_text(days), rule, cutoff, rule.startswith("agency."))
            self._cutoffs[key] = found
        if found[3]:
            return found[0], f"agency.{owner.id}.retention", found[2]
        return found[0], found[1], found[2]

    def declared(self, owner: Agency) -> bool:
        """Whether the requester has a declaration for the owner's state that this owner
        accepted and that is within its dates: filing alone never counts."""
        found = self._declared.get(owner.id)
        if found is None:
            ctx = self.ctx
            found = any(
                d.agency_id == ctx.requester.id and d.state == owner.state
                and d.effective_for(owner.id, ctx.at)
                for d in ctx.declarations
            )  # fmt: skip
            self._declared[owner.id] = found
        return found

    def law_verdicts(self, owner: Agency, declared: bool) -> tuple[Outcome, list[v.Verdict]]:
        """The most severe outcome of the law's verdicts, and the verdicts (``declared``: the
        owner accepted a declaration of the requester, see :meth:`declared`)."""
        ctx = self.ctx
        rtype = requester_type(
            owner.state, owner.id, ctx.requester.state, ctx.requester.id, ctx.requester.kind
        )
        key = (owner.state, rtype, declared)
        found = self._law.get(key)
        if found is None:
            law = jurisdiction(owner.state)
            ctx = ctx if declared else replace(ctx, declarations=())
            verdicts = [
                *self.common,
                *v.owner_law(ctx, law),
                *_ambiguous(ctx, law),
                *v.sharing_law(ctx, law, rtype),
            ]
            worst: Outcome = max(
                (x.outcome for x in verdicts), key=v.SEVERITY.__getitem__, default="allow"
            )
            found = (worst, verdicts)
            self._law[key] = found
        return found

    def retention(self, owner: Agency) -> tuple[int | None, str]:
        key = (owner.state, owner.kind, owner.retention_days)
        found = self._retention.get(key)
        if found is None:
            found = _retention(jurisdiction(owner.state), owner)
            self._retention[key] = found
        if found[1].startswith("agency."):
            return found[0], f"agency.{owner.id}.retention"
        return found

    def distance(self, network: Network, agreements: list[SharingAgreement]) -> float | None:
        if not any(a.grantee_kind == "radius" for a in agreements):
            return None
        return _distance(
            self.state.network_centres.get(network.id),
            self.state.agency_homes.get(self.ctx.requester.id),
        )


_Reason = tuple[Purpose, Classification, Reading]


def _read(request: AccessRequest) -> _Reason:
    """The purpose code, the reason's classification and what its evidence means."""
    vocabulary = load_purposes()
    if request.list_purpose and request.purpose in vocabulary:
        chosen = vocabulary[request.purpose]  # a hotlist's purpose: the law judges it
    else:
        chosen = purpose(request.purpose)  # unknown or prohibited code: ValidationError (422)
    classification = classify(request.reason)
    return chosen, classification, read_reason(classification)  # strong, weak, protected


def _context(
    request: AccessRequest, reason: _Reason, state: PolicyState, searcher: Agency,
    behalf: Agency | None,
) -> v.Context:  # fmt: skip
    chosen, classification, reading = reason
    return v.Context(
        searcher=searcher,
        requester=searcher,  # on behalf of another agency only narrows (see evaluate)
        behalf=behalf,
        purpose=chosen,
        classification=classification,
        prohibited=reading.certain,
        reading=reading,
        at=request.at,
        one_to_one=request.one_to_one,
        approved_hold=request.approved_hold,
        declarations=state.declarations,
        policies=state.policies,
    )


def _ambiguous(ctx: v.Context, law: Jurisdiction) -> list[v.Verdict]:
    """Weak evidence of a prohibited purpose (e.g. 'HSI' alone, a typo match) is held for a
    supervisor, the matched words shown, where the owner's law forbids that purpose — whether
    or not the owner requires specific reasons. Elsewhere it is searched and flagged (the
    sharing law, the searcher's law and agency policies hold it too: ``verdicts``)."""
    if ctx.approved_hold:
        return []
    out = []
    for maybe in ctx.reading.possible:
        rule = law.prohibition(maybe)
        if rule is not None:
            out.append(v.may_be(ctx, rule.id, rule.explanation, {maybe.code}))
    return out


def _retention(law: Jurisdiction, owner: Agency) -> tuple[int | None, str]:
    """(days, rule id) of the owner's window for searches (the non-hit window is not one)."""
    window = effective_window(owner, law, non_hit=False)
    if window.minutes is None:  # no cap, no setting: the statute rule that sets no cap
        return None, law.retention_for(owner.kind)[1].id
    return window.days, window.rule


def _flags(ctx: v.Context) -> tuple[str, ...]:
    flags = [f"reason_classified:{p.code}" for p in ctx.prohibited]
    flags += [f"reason_may_be:{p.code}" for p in ctx.reading.possible]
    if ctx.classification.reason_class == "vague":
        flags.append("reason_vague")
    return tuple(flags)


def _distance(a: LatLon | None, b: LatLon | None) -> float | None:
    if a is None or b is None:
        return None
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
