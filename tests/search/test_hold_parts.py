"""Who decides which part of a hold, and what an approval lifts (pure functions, real values)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plateledger.domain.types import Agency, AgencyId, NetworkId
from plateledger.policy.base import Decision
from plateledger.search.hold_parts import (
    APPROVAL_LIFETIME,
    NOT_APPROVED,
    HoldPart,
    approval_of,
    split_hold,
)

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
TX = Agency(AgencyId("tx-pd"), "TX PD", "TX", "municipal", None)
IL_LAW = "IL.purpose.prohibited.immigration_enforcement"


def held(net: str, owner: str, *rules: str) -> Decision:
    return Decision(NetworkId(net), AgencyId(owner), "hold", rules, "held")


def test_owner_rules_go_to_the_owner_and_own_rules_to_the_searcher() -> None:
    decisions = [
        held("il-net", "il-pd", IL_LAW, "agency.tx-pd.specific_reason"),
        held("wa-net", "wa-pd", "WA.sharing.out_of_state"),
        held("tx-net", "tx-pd", "agency.tx-pd.specific_reason", "TX.something"),
        # look-alikes of the searcher's id and of its searcher law stay the owner's
        held("x-net", "tx-pd.x", "agency.tx-pd.x.prohibited", "IL.searcher.trust_act"),
    ]
    rules = {d.network: d.rule_ids for d in decisions}
    parts = {p.agency_id: p for p in split_hold(decisions, TX, rules)}
    assert parts["il-pd"].networks == ("il-net",) and parts["il-pd"].rules == (IL_LAW,)
    assert parts["wa-pd"].networks == ("wa-net",)
    assert parts["tx-pd"].networks == ("il-net", "tx-net")
    assert parts["tx-pd.x"].rules == ("agency.tx-pd.x.prohibited", "IL.searcher.trust_act")


def test_a_bulk_hold_is_the_searchers_without_the_allow_rules() -> None:
    bulk = [held("il-net", "il-pd", "sharing.sa-1", "IL.retention", "bulk.area_time")]
    (part,) = split_hold(bulk, TX, {}, "bulk.area_time")
    assert part.agency_id == "tx-pd" and part.rules == ("bulk.area_time",)


def test_an_approval_lifts_only_approved_rules_on_fully_approved_networks() -> None:
    il = HoldPart(AgencyId("il-pd"), (NetworkId("il-net"), NetworkId("both")), (IL_LAW,),
                  status="approved", decided_at=AT)  # fmt: skip
    tx = HoldPart(AgencyId("tx-pd"), (NetworkId("both"),), ("agency.tx-pd.x",))  # pending
    approval = approval_of("s-1", {}, [il, tx], AT + timedelta(hours=1))
    now = approval.apply([
        held("il-net", "il-pd", IL_LAW),
        held("both", "il-pd", IL_LAW),
        Decision(NetworkId("both2"), AgencyId("il-pd"), "allow", (), "ok"),
    ])  # fmt: skip
    assert [d.decision for d in now] == ["allow", "hold", "allow"]
    assert NOT_APPROVED in now[1].rule_ids
    another_rule = approval.apply([held("il-net", "il-pd", IL_LAW, "IL.sharing.out_of_state")])
    assert another_rule[0].decision == "hold"  # a rule nobody approved still holds it
    lapsed = approval_of("s-1", {}, [il], AT + APPROVAL_LIFETIME)
    assert lapsed.apply([held("il-net", "il-pd", IL_LAW)])[0].decision == "hold"
