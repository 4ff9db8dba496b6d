"""The per-agency scoreboard: what each portal publishes (retention against the state's cap,
prohibited uses), its sharing beyond the law, and its searches that publish no reason."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from plateledger.oversight.checks import q
from plateledger.oversight.sharing_checks import Flag
from plateledger.policy.jurisdictions import jurisdiction


@dataclass(frozen=True, slots=True)
class BoardRow:
    agency: str
    state: str
    retention_days: int | None
    retention_cap: str  # "no cap" or "<= N days (citation)"
    over_cap: bool
    prohibited_uses: bool
    names_immigration: bool
    shares_out: int | None
    beyond_law: int
    searches: int
    without_reason: int


_SQL = """
WITH p AS (
  SELECT * FROM portal_profiles
  QUALIFY row_number() OVER (PARTITION BY slug
    ORDER BY (source LIKE '%.json') DESC, archived DESC) = 1),
s AS (
  SELECT p.slug, count(s.row_id) AS n,
    count(s.row_id) FILTER (WHERE s.reason IS NULL AND s.case_number IS NULL
                            AND s.offense_type IS NULL) AS bare
  FROM p LEFT JOIN searches s ON s.source = p.source OR s.agency = p.agency
    OR s.agency = p.slug
  GROUP BY 1)
SELECT p.agency, coalesce(p.state, '?'), p.retention_days, p.prohibited_uses, p.shares_out,
  s.n, s.bare
FROM p JOIN s USING (slug) ORDER BY p.agency
"""


def scoreboard(con: duckdb.DuckDBPyConnection, flags: list[Flag]) -> list[BoardRow]:
    """One row per portal (the JSON snapshot when there is one, else the latest summary row),
    most sharing beyond the law first."""
    beyond: dict[str, int] = {}
    for f in flags:
        beyond[f.agency] = beyond.get(f.agency, 0) + 1
    rows = []
    for agency, state, days, uses, shares, n, bare in q(con, _SQL):
        cap, over = _cap(str(state), days if isinstance(days, int) else None)
        text = str(uses or "")
        rows.append(
            BoardRow(
                str(agency),
                str(state),
                days if isinstance(days, int) else None,
                cap,
                over,
                bool(text),
                "immigration" in text.lower(),
                shares if isinstance(shares, int) else None,
                beyond.get(str(agency), 0),
                int(str(n)),
                int(str(bare)),
            )  # fmt: skip
        )
    return sorted(rows, key=lambda r: (-r.beyond_law, -r.over_cap, -r.without_reason, r.agency))


def _cap(state: str, days: int | None) -> tuple[str, bool]:
    if len(state) != 2:
        return "state unknown", False
    cap, rule = jurisdiction(state).retention_for("municipal")
    if cap is None:
        return f"no cap ({rule.citation})", False
    return f"<= {cap} days ({rule.citation})", days is not None and days > cap
