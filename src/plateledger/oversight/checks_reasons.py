"""Reason analyses: the most frequent reasons and reasons per classifier class, case numbers
searched many times (and by how many users), and the split of searches per source and agency."""

from __future__ import annotations

import duckdb

from plateledger.oversight.checks import CheckResult, _result, q
from plateledger.oversight.config import Config


def top_reasons(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    table = tuple(
        (str(r), str(c), str(n), str(u))
        for r, c, n, u in q(
            con,
            "SELECT s.reason, c.reason_class, count(*) AS n, count(DISTINCT s.user_id) "
            "FROM searches s JOIN reason_classes c USING (reason) GROUP BY 1, 2 "
            "ORDER BY n DESC, 1 LIMIT ?",
            [cfg.top_reasons],
        )
    )
    classes = q(
        con,
        "SELECT coalesce(c.reason_class, 'no reason'), count(DISTINCT s.reason), count(*) "
        "FROM searches s LEFT JOIN reason_classes c USING (reason) GROUP BY 1 ORDER BY 3 DESC, 1",
    )
    groups = tuple(
        (f"class: {k} ({int(str(d)):,} distinct reasons)", int(str(n))) for k, d, n in classes
    )
    return CheckResult(
        "top_reasons",
        "Top reasons and reasons by class",
        "The most frequent reasons as written, with their classifier class, searches and "
        "users; then every class with its distinct reasons and searches ('no reason' = empty). "
        "A profile, nothing is flagged.",
        f"top {cfg.top_reasons} reasons",
        0,
        (),
        groups,
        table_columns=("reason", "class", "searches", "users"),
        table=table,
    )


def repeated_case(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    cases = (
        "WITH k AS (SELECT upper(trim(case_number)) AS case_key, count(*) AS n, "
        "count(DISTINCT user_id) AS users, min(at_utc)::DATE AS a, max(at_utc)::DATE AS b "
        "FROM searches WHERE case_number IS NOT NULL GROUP BY 1 HAVING count(*) >= ?) "
    )
    table = tuple(
        tuple(str(v) for v in row)
        for row in q(
            con,
            cases + "SELECT case_key, n, users, a, b FROM k ORDER BY n DESC, case_key",
            [cfg.case_repeat_min_searches],
        )
    )
    res = _result(
        con,
        "repeated_case",
        "Case numbers searched many times",
        "One case number given as the justification of many searches, with how many users "
        "searched under it and over which dates: a case number can become a standing licence.",
        f">= {cfg.case_repeat_min_searches} searches under one case number",
        cases + "SELECT s.row_id, 'case ' || k.case_key || ': ' || k.n || ' searches by ' || "
        "k.users || ' users' FROM searches s JOIN k ON upper(trim(s.case_number)) = k.case_key "
        "ORDER BY s.row_id",
        [cfg.case_repeat_min_searches],
    )
    return CheckResult(
        res.name, res.title, res.definition, res.threshold, res.count, res.rows,
        table_columns=("case number", "searches", "users", "first day", "last day"), table=table,
    )  # fmt: skip


def split(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    groups: list[tuple[str, int]] = []
    for label, column in (("source", "source"), ("agency", "agency"), ("layout", "layout")):
        for key, n in q(
            con,
            f"SELECT coalesce({column}, '(unknown)'), count(*) FROM searches GROUP BY 1 "
            "ORDER BY 2 DESC, 1",
        ):
            groups.append((f"{label}: {key}", int(str(n))))
    unnamed = q(
        con,
        "SELECT source, count(*) FROM searches WHERE agency IS NULL GROUP BY 1 ORDER BY 1",
    )
    return CheckResult(
        "source_split",
        "Searches per source file and per agency",
        "Searches per imported source (file or sheet), per agency and per layout. Sources "
        "whose rows name no agency are listed in the table, one line each, instead of being "
        "merged into one '(unknown)' agency.",
        "none (a split)",
        0,
        (),
        tuple(groups),
        table_columns=("source without an agency", "searches"),
        table=tuple((str(s), str(n)) for s, n in unnamed),
    )
