"""Checks over the ``searches`` table. Each returns a ``CheckResult`` with its definition, the
threshold used, the number of flagged rows and, per row, the evidence. Reason-based checks use
the policy classifier once per distinct reason (table ``reason_classes``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pyarrow as pa

from plateledger.oversight.agencies import FEDERAL_KINDS, registry
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
    distinct_reasons: int | None = None  # reason checks: distinct reasons behind ``count`` rows
    table_columns: tuple[str, ...] = ()  # an analysis table (streaks, case numbers, hotlist
    table: tuple[tuple[str, ...], ...] = ()  # entries...): column names and rows as text


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
    *,
    reasons: bool = False,
) -> CheckResult:
    rows = tuple((int(str(r[0])), str(r[1] or "")) for r in q(con, sql, params))
    distinct = None
    if reasons:
        found = q(
            con,
            "SELECT count(DISTINCT reason) FROM searches WHERE list_contains(?::BIGINT[], row_id)",
            [[r for r, _ in rows]],
        )
        distinct = int(str(found[0][0]))
    return CheckResult(
        name, title, definition, threshold, len(rows), rows, distinct_reasons=distinct
    )


def prohibited(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    res = _result(
        con,
        "prohibited_purpose",
        "Reasons naming a prohibited purpose",
        "The policy classifier matched a prohibited class (immigration enforcement, protest, "
        "health care, personal use, ...) in the reason; evidence gives the matched spans. A match "
        "is a lead for review, not proof. Own-log rows are split by outcome: blocked (denied) "
        "by plateledger, held for approval, or let through.",
        "any match (block or review)",
        "SELECT s.row_id, c.reason_class || ' (' || c.action || '): ' || c.evidence "
        "FROM searches s JOIN reason_classes c USING (reason) "
        "WHERE c.reason_class NOT IN ('vague', 'specific') ORDER BY s.row_id",
        reasons=True,
    )
    outcomes = q(
        con,
        "SELECT CASE WHEN s.outcome = 'denied' THEN 'blocked (denied)' "
        "WHEN s.outcome = 'held' THEN 'held for approval' WHEN s.origin = 'own' THEN 'let through' "
        "ELSE 'imported (outcome not recorded)' END, count(*) "
        "FROM searches s JOIN reason_classes c USING (reason) "
        "WHERE c.reason_class NOT IN ('vague', 'specific') GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    groups = tuple((f"outcome: {k}", int(str(n))) for k, n in outcomes)
    return replace(res, groups=groups)


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
        reasons=True,
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
        "The whole reason is a case number or penal-code citation (e.g. '24-01234', '211pc', "
        "'10851(a) vc') with no other word ('24-13441 arson' names an offense and is not "
        "counted): the purpose cannot be read from the log alone.",
        f"reason matches {cfg.case_only_pattern}",
        "SELECT row_id, 'number only' FROM searches WHERE regexp_full_match(lower(reason), ?) "
        "ORDER BY row_id",
        [cfg.case_only_pattern],
        reasons=True,
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
        reasons=True,
    )


def national(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "national_scope",
        "National-scope searches",
        "The search covered at least the threshold number of networks or of cameras (Flock's "
        "national lookup reaches thousands; portal exports give cameraCount), or its filters "
        "say 'national'.",
        f">= {cfg.national_min_networks} networks or >= {cfg.national_min_cameras} cameras",
        "SELECT row_id, concat_ws('; ', CASE WHEN network_count >= ? THEN network_count || "
        "' networks' END, CASE WHEN camera_count >= ? THEN camera_count || ' cameras' END, "
        "CASE WHEN lower(filters) LIKE '%national%' THEN 'national filter' END) "
        "FROM searches WHERE network_count >= ? OR camera_count >= ? "
        "OR lower(filters) LIKE '%national%' ORDER BY row_id",
        [cfg.national_min_networks, cfg.national_min_cameras] * 2,
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


def _home(con: duckdb.DuckDBPyConnection, scope: str, states: dict[str, str | None]) -> str | None:
    tally: dict[str, int] = {}
    for agency, n in q(con, f"SELECT agency, count(*) FROM searches WHERE {scope} GROUP BY 1"):
        st = states.get(str(agency))
        if st:
            tally[st] = tally.get(st, 0) + int(str(n))
    return max(tally, key=lambda k: tally[k]) if tally else None


def _why(
    name: str, state: str | None, kind: str | None, home: str | None, federal: re.Pattern[str]
) -> str | None:
    if kind in FEDERAL_KINDS or (kind is None and federal.search(name)):
        return f"federal agency ({kind})" if kind else "federal agency"
    if kind == "private":
        return "private organisation"
    if home and state and state != home:
        return f"out of state ({state}, network in {home})"
    return None


def outside(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    scope = "layout NOT LIKE 'portal-%'"  # a portal lists its own agency's searches only
    known = registry(con)  # own log: agency ids, with kind and state from the registry
    agencies = [
        str(a)
        for (a,) in q(
            con, f"SELECT DISTINCT agency FROM searches WHERE agency IS NOT NULL AND {scope}"
        )
    ]
    federal = re.compile("|".join(rf"\b{re.escape(t)}\b" for t in cfg.federal_terms))
    states = {a: known[a][0] if a in known else _state(a) for a in agencies}
    home = cfg.home_state or _home(con, scope, states)
    why = {a: _why(a, states[a], known.get(a, (None, None))[1], home, federal) for a in agencies}
    rows: list[tuple[int, str]] = []
    for row_id, agency, behalf in q(
        con, f"SELECT row_id, agency, on_behalf_of FROM searches WHERE {scope} ORDER BY row_id"
    ):
        reason = why.get(str(agency))
        if reason is None and behalf:
            kind = known.get(str(behalf), (None, None))[1]
            if kind in FEDERAL_KINDS or (kind is None and federal.search(str(behalf))):
                reason = "on behalf of a federal agency"
        if reason:
            rows.append((int(str(row_id)), reason))
    return CheckResult(
        "outside_searches",
        "Out-of-state, federal and private searches",
        "The searching organisation is federal or private, or in another state than the "
        "network's home state. Kind and state come from plateledger's registry where the agency "
        "is known there (own log: agency ids); otherwise a federal term or a state code in the "
        "name. Own-log searches made on behalf of a federal agency count too. Portal exports "
        "are left out: they list only the publishing agency's own searches.",
        f"home state {home or 'unknown'}; registry kinds; federal terms from config",
        len(rows),
        tuple(rows),
    )
