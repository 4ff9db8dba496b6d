"""Checks over the ``searches`` table. Each returns a ``CheckResult`` with its definition, the
threshold used, the number of flagged rows and, per row, the evidence. Reason-based checks use
the policy classifier once per distinct reason (table ``reason_classes``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from plateledger.oversight.config import Config
from plateledger.policy.classifier import classify

PROTECTED = (
    "first_amendment_activity",
    "reproductive_health",
    "gender_affirming_care",
    "lawful_health_care",
)
STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split()
)


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    title: str
    definition: str
    threshold: str
    count: int
    rows: tuple[tuple[int, str], ...]  # (row_id, evidence)
    groups: tuple[tuple[str, int], ...] = ()  # (group label, searches) for the volume tables


Check = Callable[[duckdb.DuckDBPyConnection, Config], CheckResult]


def q(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> list[tuple[object, ...]]:
    return con.execute(sql, params or []).fetchall()


def classify_reasons(con: duckdb.DuckDBPyConnection) -> None:
    """``reason_classes(reason, reason_class, action, evidence)``, one classify() per reason."""
    q(
        con,
        "CREATE OR REPLACE TABLE reason_classes (reason VARCHAR, reason_class VARCHAR, "
        "classes VARCHAR[], action VARCHAR, evidence VARCHAR)",
    )
    cols: dict[str, list[Any]] = {
        k: [] for k in ("reason", "reason_class", "classes", "action", "evidence")
    }
    distinct = con.execute("SELECT DISTINCT reason FROM searches WHERE reason IS NOT NULL")
    while chunk := distinct.fetchmany(100_000):
        for (reason,) in chunk:
            c = classify(str(reason))
            cols["reason"].append(c.reason)
            cols["reason_class"].append(c.reason_class)
            cols["classes"].append(list(c.classes))
            cols["action"].append(c.action)
            cols["evidence"].append(
                "; ".join(f"{e.reason_class}: {e.text!r} [{e.start}:{e.end}]" for e in c.evidence)
            )
    if cols["reason"]:
        con.register("_classes", pa.table(cols))
        q(con, "INSERT INTO reason_classes SELECT * FROM _classes")
        con.unregister("_classes")


def _result(
    con: duckdb.DuckDBPyConnection,
    name: str,
    title: str,
    definition: str,
    threshold: str,
    sql: str,
    params: list[object] | None = None,
) -> CheckResult:
    rows = tuple((int(str(r[0])), str(r[1] or "")) for r in q(con, sql, params))
    return CheckResult(name, title, definition, threshold, len(rows), rows)


def prohibited(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "prohibited_purpose",
        "Reasons naming a prohibited purpose",
        "The policy classifier matched a prohibited class (immigration enforcement, protest, "
        "health care, personal use, ...) in the reason; evidence gives the matched spans. A match "
        "is a lead for review, not proof.",
        "any match (block or review)",
        "SELECT s.row_id, c.reason_class || ' (' || c.action || '): ' || c.evidence "
        "FROM searches s JOIN reason_classes c USING (reason) "
        "WHERE c.reason_class NOT IN ('vague', 'specific') ORDER BY s.row_id",
    )


def vague(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "vague_reason",
        "Vague reasons",
        "A non-empty reason in which the classifier found no offense, statute or case: e.g. "
        "'investigation', 'inv', 'suspicious vehicle'. Reasons that are only a case or code "
        "number are counted by their own check instead.",
        "classifier class = vague",
        "SELECT s.row_id, c.evidence FROM searches s JOIN reason_classes c USING (reason) "
        "WHERE c.reason_class = 'vague' AND NOT regexp_full_match(lower(s.reason), ?) "
        "ORDER BY s.row_id",
        [cfg.case_only_pattern],
    )


def missing_case(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "missing_case_number",
        "Missing case numbers",
        "The case number is empty or redacted in a source that publishes case numbers: a file "
        "with a case-number column in which this agency filled in at least one (or "
        "plateledger's own log). Agencies that never publish one are not counted.",
        "empty case number",
        "SELECT row_id, source FROM searches s WHERE case_published AND case_number IS NULL "
        "AND (origin = 'own' OR (source, agency) IN (SELECT (source, agency) FROM searches "
        "WHERE case_number IS NOT NULL)) ORDER BY row_id",
    )


def case_only(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "case_number_only",
        "Reasons that are only a case or code number",
        "The whole reason is a case number or penal-code citation (e.g. '24-01234', '211pc') "
        "with no words: the purpose cannot be read from the log alone.",
        f"reason matches {cfg.case_only_pattern}",
        "SELECT row_id, 'number only' FROM searches WHERE regexp_full_match(lower(reason), ?) "
        "ORDER BY row_id",
        [cfg.case_only_pattern],
    )


def protest_health(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    classes = ", ".join(f"'{c}'" for c in PROTECTED)
    return _result(
        con,
        "protest_health",
        "Protest- and health-care-related terms",
        "The classifier matched protest/First Amendment activity, reproductive or "
        "gender-affirming care, or other lawful health care in the reason.",
        "any match of those classes",
        "SELECT s.row_id, c.evidence FROM searches s JOIN reason_classes c USING (reason) "
        f"WHERE list_has_any(c.classes, [{classes}]) ORDER BY s.row_id",
    )


def national(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "national_scope",
        "National-scope searches",
        "The search covered at least the threshold number of networks (Flock's national "
        "lookup reaches thousands), or its filters say 'national'.",
        f">= {cfg.national_min_networks} networks",
        "SELECT row_id, coalesce(network_count::VARCHAR || ' networks', 'national filter') "
        "FROM searches WHERE network_count >= ? OR lower(filters) LIKE '%national%' "
        "ORDER BY row_id",
        [cfg.national_min_networks],
    )


def denied_held(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "denied_held",
        "Denied and held attempts (own log)",
        "plateledger refused the search or held it for approval; imported logs do not record "
        "refused attempts.",
        "outcome denied or held",
        "SELECT row_id, outcome FROM searches WHERE outcome IN ('denied', 'held') ORDER BY row_id",
    )


def _state(agency: str) -> str | None:
    codes = [t for t in re.findall(r"\b[A-Z]{2}\b", agency) if t in STATES]
    return codes[-1] if codes else None


def outside(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    scope = "layout NOT LIKE 'portal-%'"  # a portal lists its own agency's searches only
    agencies = [
        str(a)
        for (a,) in q(
            con, f"SELECT DISTINCT agency FROM searches WHERE agency IS NOT NULL AND {scope}"
        )
    ]
    federal = re.compile("|".join(rf"\b{re.escape(t)}\b" for t in cfg.federal_terms))
    states = {a: _state(a) for a in agencies}
    home = cfg.home_state
    if home is None:
        counts = q(con, f"SELECT agency, count(*) FROM searches WHERE {scope} GROUP BY 1")
        tally: dict[str, int] = {}
        for agency, n in counts:
            st = states.get(str(agency))
            if st:
                tally[st] = tally.get(st, 0) + int(str(n))
        home = max(tally, key=lambda k: tally[k]) if tally else None
    why: dict[str, str] = {}
    for a in agencies:
        if federal.search(a):
            why[a] = "federal agency"
        elif home and states[a] and states[a] != home:
            why[a] = f"out of state ({states[a]}, network in {home})"
    rows: list[tuple[int, str]] = []
    for row_id, agency, behalf in q(
        con, f"SELECT row_id, agency, on_behalf_of FROM searches WHERE {scope} ORDER BY row_id"
    ):
        reason = why.get(str(agency)) or (
            "on behalf of a federal agency" if behalf and federal.search(str(behalf)) else None
        )
        if reason:
            rows.append((int(str(row_id)), reason))
    return CheckResult(
        "outside_searches",
        "Out-of-state and federal searches",
        "The searching organisation is federal (name matches a federal term) or its name carries "
        "another state's code than the network's home state; own-log searches made on behalf "
        "of a federal agency count too. Portal exports are left out: they list only the "
        "publishing agency's own searches.",
        f"home state {home or 'unknown'}; federal terms from config",
        len(rows),
        tuple(rows),
    )
