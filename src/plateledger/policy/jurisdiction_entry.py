"""Parse one jurisdiction entry of ``jurisdictions.yaml`` (see the schema in the file's header).

Rule ids are positional and checked (``IL.sharing.out_of_state`` must sit under
``IL.sharing.out_of_state``), and unique across the file. Retention and sharing entries the
research did not give are filled from DEFAULT (federal_immigration from the state's own
``federal`` entry first), re-rendered with the state's name and keeping DEFAULT's rule ids.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

from plateledger.domain.types import AGENCY_KINDS, US_STATES
from plateledger.policy.data_file import Reader
from plateledger.policy.jurisdiction_model import (
    CONDITIONS,
    CONFIDENCES,
    DISCLOSURE_TARGETS,
    REQUESTER_TYPES,
    SHARING_DECISIONS,
    STATUSES,
    Citation,
    Condition,
    Confidence,
    DisclosureRule,
    DisclosureTarget,
    Jurisdiction,
    KindRetention,
    RequesterType,
    Rule,
    SearcherRule,
    SharingRule,
)
from plateledger.policy.purposes import purpose_names

DEFAULT = "DEFAULT"
ENTRY_REQUIRED: tuple[str, ...] = ("name", "status", "confidence", "citations")
ENTRY_OPTIONAL: tuple[str, ...] = (
    *("verify", "notes", "retention", "permitted", "prohibited"),
    *("sharing", "disclosure", "requires", "searcher"),
)
_RULE = ("id", "explanation", "citation")
_RULE_OPT = ("confidence", "note")
_PURPOSE = "purpose code or class"

Retention = tuple[int | None, Rule, int | None, dict[str, KindRetention]]


@dataclass(frozen=True, slots=True)
class _Ctx:
    code: str  # rule-id prefix: the jurisdiction, or DEFAULT for inherited rules
    name: str  # what {state} renders to
    confidence: Confidence  # confidence of rules that do not state their own
    register: bool  # count ids for uniqueness (False for re-rendered DEFAULT rules)


class EntryParser:
    def __init__(
        self, r: Reader, requirements: dict[str, tuple[str, str]], default: dict[str, Any]
    ) -> None:
        self.r = r
        self.requirements = requirements
        self.default = default
        self.names = sorted(purpose_names())
        self.rule_ids: set[str] = set()

    def parse(self, code: str, raw: Any, own: bool) -> Jurisdiction:
        r = self.r
        e = r.mapping(raw, code, ENTRY_REQUIRED, ENTRY_OPTIONAL)
        name = r.string(e["name"], f"{code}.name")
        confidence = self._confidence(e["confidence"], f"{code}.confidence")
        ctx = _Ctx(code, "state" if code == DEFAULT else name, confidence, own)
        inherited = _Ctx(DEFAULT, ctx.name, self._confidence(self.default["confidence"], ""), False)
        status: Any = r.choice(e["status"], f"{code}.status", STATUSES, "status")
        if "retention" in e:
            retention = self._retention(e["retention"], ctx)
        else:
            retention = self._retention(self.default["retention"], inherited)
        permitted, conditions, permitted_rule = self._permitted(e.get("permitted"), ctx)
        prohibited: dict[str, Rule] = {}
        for purpose, sub in r.mapping(e.get("prohibited", {}), f"{code}.prohibited").items():
            where = f"{code}.prohibited.{purpose}"
            r.choice(purpose, where, self.names, _PURPOSE)
            item = r.mapping(sub, where, _RULE, _RULE_OPT)
            prohibited[purpose] = self._rule(item, where, ctx, f"purpose.prohibited.{purpose}")
        requires = r.choices(e.get("requires", []), f"{code}.requires", self.requirements, "code")
        kinds = {c: self.requirements[c][0] for c in requires}
        return Jurisdiction(
            code=code,
            name=name,
            status=status,
            has_statute=status != "none",
            fallback=not own,
            confidence=confidence,
            verify=tuple(r.strings(e.get("verify", []), f"{code}.verify")),
            retention_max_days=retention[0],
            retention_rule=retention[1],
            non_hit_retention_minutes=retention[2],
            retention_by_kind=MappingProxyType(retention[3]),
            permitted_purposes=permitted,
            permitted_rule=permitted_rule,
            purpose_conditions=MappingProxyType(conditions),
            prohibited_purposes=frozenset(prohibited),
            prohibited_rules=MappingProxyType(prohibited),
            sharing=MappingProxyType(self._sharing(e.get("sharing", {}), ctx, inherited)),
            disclosure=MappingProxyType(self._disclosure(e.get("disclosure", {}), ctx)),
            required_fields=frozenset(c for c, kind in kinds.items() if kind == "request"),
            obligations=frozenset(c for c, kind in kinds.items() if kind == "agency"),
            searcher_rules=self._searchers(e.get("searcher", []), ctx),
            citations=self._citations(e["citations"], f"{code}.citations"),
            notes=tuple(r.strings(e.get("notes", []), f"{code}.notes")),
        )

    def _retention(self, raw: Any, ctx: _Ctx) -> Retention:
        r, where = self.r, f"{ctx.code}.retention"
        optional = (*_RULE_OPT, "non_hit_minutes", "by_kind")
        item = r.mapping(raw, where, ("max_days", *_RULE), optional)
        by_kind: dict[str, KindRetention] = {}
        for kind, sub in r.mapping(item.get("by_kind", {}), f"{where}.by_kind").items():
            at = f"{where}.by_kind.{kind}"
            r.choice(kind, at, AGENCY_KINDS, "agency kind")
            k = r.mapping(sub, at, ("max_days", *_RULE), _RULE_OPT)
            days = r.days(k["max_days"], f"{at}.max_days", allow_null=False)
            rule = self._rule(k, at, ctx, f"retention.{kind}")
            by_kind[kind] = KindRetention(kind, cast(int, days), rule)
        minutes = r.days(item.get("non_hit_minutes"), f"{where}.non_hit_minutes")
        days = r.days(item["max_days"], f"{where}.max_days")
        return days, self._rule(item, where, ctx, "retention"), minutes, by_kind

    def _permitted(
        self, raw: Any, ctx: _Ctx
    ) -> tuple[frozenset[str] | None, dict[str, tuple[Condition, ...]], Rule | None]:
        if raw is None:
            return None, {}, None
        r, where = self.r, f"{ctx.code}.permitted"
        item = r.mapping(raw, where, ("purposes", *_RULE), (*_RULE_OPT, "conditions"))
        purposes = r.choices(item["purposes"], f"{where}.purposes", self.names, _PURPOSE)
        if not purposes:
            raise r.fail(f"{where}.purposes", "must not be empty (leave out 'permitted' instead)")
        conditions: dict[str, tuple[Condition, ...]] = {}
        for name, listed in r.mapping(item.get("conditions", {}), f"{where}.conditions").items():
            at = f"{where}.conditions.{name}"
            r.choice(name, at, purposes, "permitted purpose")
            conditions[name] = self._conditions(listed, at)
        return frozenset(purposes), conditions, self._rule(item, where, ctx, "purpose.permitted")

    def _sharing(self, raw: Any, ctx: _Ctx, inherited: _Ctx) -> dict[RequesterType, SharingRule]:
        r, where = self.r, f"{ctx.code}.sharing"
        found: dict[str, SharingRule] = {}
        for requester, sub in r.mapping(raw, where).items():
            r.choice(requester, f"{where}.{requester}", REQUESTER_TYPES, "requester type")
            found[requester] = self._share(sub, requester, ctx)
        for requester in REQUESTER_TYPES:
            if requester in found:
                continue
            if requester == "federal_immigration" and "federal" in found:
                federal = found["federal"]
                found[requester] = dataclasses.replace(federal, requester="federal_immigration")
            else:
                default = self.default["sharing"][requester]
                found[requester] = self._share(default, requester, inherited)
        return {cast(RequesterType, t): found[t] for t in REQUESTER_TYPES}

    def _share(self, raw: Any, requester: str, ctx: _Ctx) -> SharingRule:
        r, where = self.r, f"{ctx.code}.sharing.{requester}"
        optional = (*_RULE_OPT, "conditions", "allowed_states", "prohibited_purposes")
        item = r.mapping(raw, where, ("decision", *_RULE), optional)
        decision: Any = r.choice(
            item["decision"], f"{where}.decision", SHARING_DECISIONS, "decision"
        )
        conditions = self._conditions(item.get("conditions", []), f"{where}.conditions")
        if conditions and decision != "conditional":
            raise r.fail(f"{where}.conditions", "only allowed with decision 'conditional'")
        at = f"{where}.allowed_states"
        states = r.choices(item.get("allowed_states", []), at, US_STATES, "state")
        if bool(states) != ("neighbor_state_listed" in conditions):
            raise r.fail(at, "required with, and only with, the neighbor_state_listed condition")
        at = f"{where}.prohibited_purposes"
        banned = r.choices(item.get("prohibited_purposes", []), at, self.names, _PURPOSE)
        rule = self._rule(item, where, ctx, f"sharing.{requester}")
        requester_type = cast(RequesterType, requester)
        return SharingRule(
            requester_type, decision, conditions, frozenset(banned), frozenset(states), rule
        )

    def _disclosure(self, raw: Any, ctx: _Ctx) -> dict[DisclosureTarget, DisclosureRule]:
        r, where = self.r, f"{ctx.code}.disclosure"
        found: dict[DisclosureTarget, DisclosureRule] = {}
        for target, sub in r.mapping(raw, where).items():
            at = f"{where}.{target}"
            name = cast(DisclosureTarget, r.choice(target, at, DISCLOSURE_TARGETS, "target"))
            item = r.mapping(sub, at, ("decision", *_RULE), _RULE_OPT)
            decision: Any = r.choice(
                item["decision"], f"{at}.decision", SHARING_DECISIONS, "decision"
            )
            rule = self._rule(item, at, ctx, f"disclosure.{target}")
            found[name] = DisclosureRule(name, decision, rule)
        return found

    def _searchers(self, raw: Any, ctx: _Ctx) -> tuple[SearcherRule, ...]:
        r, where = self.r, f"{ctx.code}.searcher"
        if not isinstance(raw, list):
            raise r.fail(where, "must be a list")
        found = []
        for i, sub in enumerate(raw):
            at = f"{where}[{i}]"
            optional = (*_RULE_OPT, "prohibited", "forbidden_on_behalf_of")
            item = r.mapping(sub, at, ("name", *_RULE), optional)
            banned = r.choices(item.get("prohibited", []), f"{at}.prohibited", self.names, _PURPOSE)
            key = "forbidden_on_behalf_of"
            behalf = r.choices(item.get(key, []), f"{at}.{key}", REQUESTER_TYPES, "requester type")
            if not banned and not behalf:
                raise r.fail(at, "needs 'prohibited' or 'forbidden_on_behalf_of'")
            slug = str(item["id"]).removeprefix(f"{ctx.code}.searcher.")
            rule = self._rule(
                item, at, ctx, f"searcher.{slug if slug.isidentifier() else '<slug>'}"
            )
            types = frozenset(cast(list[RequesterType], behalf))
            found.append(
                SearcherRule(r.string(item["name"], f"{at}.name"), frozenset(banned), types, rule)
            )
        return tuple(found)

    def _citations(self, raw: Any, where: str) -> tuple[Citation, ...]:
        r = self.r
        if not isinstance(raw, list) or not raw:
            raise r.fail(where, "must be a non-empty list")
        found = []
        for i, sub in enumerate(raw):
            at = f"{where}[{i}]"
            item = r.mapping(sub, at, ("cite",), ("url", "note"))
            cite = r.string(item["cite"], f"{at}.cite")
            url = r.optional_string(item.get("url"), f"{at}.url")
            found.append(Citation(cite, url, r.optional_string(item.get("note"), f"{at}.note")))
        return tuple(found)

    def _conditions(self, raw: Any, where: str) -> tuple[Condition, ...]:
        return tuple(cast(list[Condition], self.r.choices(raw, where, CONDITIONS, "condition")))

    def _confidence(self, raw: Any, where: str) -> Confidence:
        return cast(Confidence, self.r.choice(raw, where, CONFIDENCES, "confidence"))

    def _rule(self, item: dict[str, Any], where: str, ctx: _Ctx, suffix: str) -> Rule:
        r = self.r
        rule_id = r.string(item["id"], f"{where}.id")
        expected = f"{ctx.code}.{suffix}"
        if rule_id != expected:
            raise r.fail(f"{where}.id", f"rule id {rule_id!r} should be {expected!r}")
        if ctx.register:
            if rule_id in self.rule_ids:
                raise r.fail(f"{where}.id", f"duplicate rule id {rule_id!r}")
            self.rule_ids.add(rule_id)
        explanation = r.template(item["explanation"], f"{where}.explanation", state=ctx.name)
        confidence = self._confidence(item.get("confidence", ctx.confidence), f"{where}.confidence")
        note = r.optional_string(item.get("note"), f"{where}.note")
        return Rule(
            rule_id, explanation, r.string(item["citation"], f"{where}.citation"), confidence, note
        )
