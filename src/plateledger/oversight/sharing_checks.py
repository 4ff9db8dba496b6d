"""Sharing analyses over the ``sharing`` and ``portal_profiles`` tables: recipients the owner's
state law does not allow (``beyond_law``, a ``CheckResult``), the state-by-state matrix, and the
per-agency scoreboard. The law comes from ``policy/data/jurisdictions.yaml``; each flagged pair
cites the rule (California: SB 34, Civ. Code 1798.90.55(b))."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from plateledger.oversight.checks import CheckResult, q
from plateledger.oversight.portal_sharing import state_of
from plateledger.policy.jurisdictions import RequesterType, jurisdiction

NAME = "sharing_beyond_law"
# kinds of agencies judged by their state: this module's and the workbook reader's names
PUBLIC_KINDS = frozenset({"public", "police", "other"})


@dataclass(frozen=True, slots=True)
class Flag:
    agency: str
    agency_state: str
    partner: str
    partner_state: str | None
    partner_kind: str
    requester: RequesterType
    decision: str
    rule_id: str
    citation: str
    explanation: str


def _requester(owner: str, state: str | None, kind: str) -> RequesterType | None:
    if kind == "federal":
        return "federal"
    if kind == "private":
        return "private"
    if kind not in PUBLIC_KINDS or state is None or state == owner:
        return None  # in-state, placeholder and unknown-state partners are not judged
    return "out_of_state"


def _owner_states(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    states = {
        str(a): str(s)
        for a, s in q(con, "SELECT agency, any_value(state) FROM portal_profiles GROUP BY 1")
        if s
    }
    for (agency,) in q(con, "SELECT DISTINCT agency FROM sharing WHERE agency IS NOT NULL"):
        found = states.get(str(agency)) or state_of(str(agency))
        if found:
            states[str(agency)] = found
    return states


def beyond_law_flags(con: duckdb.DuckDBPyConnection) -> list[Flag]:
    """Each outbound (agency, partner) pair whose recipient the owner's state law denies, or
    allows only under conditions (written declaration ...), with the rule."""
    owners = _owner_states(con)
    flags: list[Flag] = []
    for agency, partner, p_state, kind in q(
        con,
        "SELECT DISTINCT agency, partner, partner_state, partner_kind FROM sharing "
        "WHERE direction = 'outbound' ORDER BY 1, 2",
    ):
        owner = owners.get(str(agency))
        state = str(p_state) if p_state else None
        req = _requester(owner or "", state, str(kind)) if owner else None
        if owner is None or req is None:
            continue
        rule = jurisdiction(owner).sharing[req]
        if rule.decision == "allow":
            continue
        flags.append(Flag(str(agency), owner, str(partner), state, str(kind), req,
                          rule.decision, rule.id, rule.rule.citation,
                          rule.rule.explanation))  # fmt: skip
    return flags


def beyond_law(con: duckdb.DuckDBPyConnection, flags: list[Flag]) -> CheckResult:
    per_agency: dict[str, int] = {}
    for f in flags:
        per_agency[f.agency] = per_agency.get(f.agency, 0) + 1
    groups = sorted(per_agency.items(), key=lambda kv: (-kv[1], kv[0]))
    cites = sorted({f"{f.rule_id} ({f.citation})" for f in flags})
    return CheckResult(
        NAME,
        "Sharing beyond what state law allows",
        "An agency's sharing list (portal snapshot or records-request sheet) names a recipient "
        "its state's ALPR law does not allow, or allows only under conditions: an out-of-state, "
        "federal or private organisation. California: SB 34 (Civ. Code 1798.90.55(b)) allows "
        "sharing only with California public agencies. The partner's state and kind are read "
        "from its name; partners of unknown state and placeholder entries are not judged. "
        "Counted: distinct (agency, recipient) pairs.",
        "; ".join(cites) or "jurisdiction sharing rules (policy/data/jurisdictions.yaml)",
        len(flags),
        (),
        tuple((f"agency: {a}", n) for a, n in groups),
    )


def matrix(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """(owner states, recipient states, pairs) of outbound sharing; '?' = unknown state,
    'US' = federal."""
    owners = _owner_states(con)
    cells: dict[tuple[str, str], int] = {}
    for agency, p_state, kind, n in q(
        con,
        "SELECT agency, partner_state, partner_kind, count(DISTINCT partner) FROM sharing "
        "WHERE direction = 'outbound' AND partner_kind <> 'placeholder' GROUP BY ALL",
    ):
        row = owners.get(str(agency), "?")
        col = "US" if kind == "federal" else str(p_state or "?")
        cells[(row, col)] = cells.get((row, col), 0) + int(str(n))
    rows = sorted(
        {r for r, _ in cells}, key=lambda s: -sum(v for k, v in cells.items() if k[0] == s)
    )
    cols = sorted(
        {c for _, c in cells}, key=lambda s: -sum(v for k, v in cells.items() if k[1] == s)
    )
    return rows, cols, cells
