"""Convoy, multi-place and frequent-visitor searches: the analyses most open to abuse (who travels
with whom, who was at the protest and the clinic). Lists them per agency and user and flags those
without a case number or with a vague reason. Reads plateledger's own log (`convoy`,
`multiGeo`, `frequentVisitor`) and vendor exports with the same search types (Flock's audit
exports name `convoy` and `multiGeo`)."""

from __future__ import annotations

import duckdb

from plateledger.oversight.checks import CheckResult, _result, q
from plateledger.oversight.config import Config

_KIND = "lower(regexp_replace(coalesce(s.search_type, ''), '[^A-Za-z]', '', 'g'))"


def analyses(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    """Every analysis search, grouped by agency and user; flagged: no case number (or shorter
    than ``analysis_min_case_length``), or a reason the classifier finds vague."""
    kinds = sorted({"".join(c for c in k.lower() if c.isalpha()) for k in cfg.analysis_types})
    where = f"{_KIND} IN (SELECT unnest(?::VARCHAR[]))"
    groups = tuple(
        (f"{a} / {u} ({k})", int(str(n)))
        for a, u, k, n in q(
            con,
            f"SELECT coalesce(s.agency, '?'), coalesce(s.user_id, '?'), s.search_type, "
            f"count(*) FROM searches s WHERE {where} GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3",
            [kinds],
        )
    )
    res = _result(
        con,
        "analysis_searches",
        "Convoy, multi-place and frequent-visitor searches",
        "Searches for associates (convoy), for everyone at several places (multi-place) or for "
        "regular visitors of one place, per agency and user; flagged when the case number is "
        "missing or too short, or the classifier finds the reason vague.",
        f"search types {', '.join(cfg.analysis_types)}; case number ≥ "
        f"{cfg.analysis_min_case_length} characters",
        f"SELECT s.row_id, s.search_type || ': ' || concat_ws(', ', "
        f"CASE WHEN length(trim(coalesce(s.case_number, ''))) < ? THEN 'no case number' END, "
        f"CASE WHEN c.reason_class = 'vague' THEN 'vague reason' END) "
        f"FROM searches s LEFT JOIN reason_classes c USING (reason) WHERE {where} "
        f"AND (length(trim(coalesce(s.case_number, ''))) < ? OR c.reason_class = 'vague') "
        f"ORDER BY s.row_id",
        [cfg.analysis_min_case_length, kinds, cfg.analysis_min_case_length],
        reasons=True,
    )
    return CheckResult(
        res.name, res.title, res.definition, res.threshold, res.count, res.rows, groups,
        res.distinct_reasons,
    )  # fmt: skip
