"""Pattern checks over time: volume per agency / user / month, long-running repeated searches
of one plate by one user (the Joplin pattern), off-hours share, impossible concurrency, and
searches right after a hotlist removal."""

from __future__ import annotations

import duckdb

from plateledger.oversight.checks import (
    Check,
    CheckResult,
    _result,
    case_only,
    classify_reasons,
    denied_held,
    missing_case,
    national,
    outside,
    prohibited,
    protest_health,
    q,
    vague,
)
from plateledger.oversight.checks_analyses import analyses
from plateledger.oversight.checks_hotlists import hotlist_governance
from plateledger.oversight.checks_reasons import repeated_case, split, top_reasons
from plateledger.oversight.checks_time import off_shift, streaks, time_profile
from plateledger.oversight.config import Config


def volume(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    groups: list[tuple[str, int]] = []
    for label, sql in (
        ("agency", "SELECT coalesce(agency, '(unknown)'), count(*) FROM searches GROUP BY 1"),
        ("user", "SELECT user_id, count(*) FROM searches WHERE user_id IS NOT NULL GROUP BY 1"),
        ("month", "SELECT strftime(at_utc, '%Y-%m'), count(*) FROM searches GROUP BY 1"),
    ):
        rows = sorted(q(con, sql), key=lambda r: (-int(str(r[1])), str(r[0])))
        groups.extend((f"{label}: {k}", int(str(n))) for k, n in rows)
    res = _result(
        con,
        "volume",
        "Searches per agency, user and month",
        "Counts of searches per agency, per user and per calendar month (UTC). Rows are flagged "
        "when one user made more than the threshold in one month.",
        f"> {cfg.volume_user_month_max} searches by one user in a month",
        "SELECT row_id, user_id || ' ' || strftime(at_utc, '%Y-%m') FROM searches WHERE (user_id, "
        "strftime(at_utc, '%Y-%m')) IN (SELECT (user_id, strftime(at_utc, '%Y-%m')) FROM searches "
        "WHERE user_id IS NOT NULL GROUP BY 1 HAVING count(*) > ?) ORDER BY row_id",
        [cfg.volume_user_month_max],
    )
    return CheckResult(
        res.name, res.title, res.definition, res.threshold, res.count, res.rows, tuple(groups)
    )


def repeated(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "repeated_plate",
        "Long-running repeated searches of one plate",
        "One user searched the same plate many times over a long period (the Joplin pattern: "
        "an officer tracking one person for months).",
        f">= {cfg.repeat_min_searches} searches over >= {cfg.repeat_min_days} days",
        "WITH g AS (SELECT user_id, plate, count(*) AS n, min(at_utc) AS a, max(at_utc) AS b "
        "FROM searches "
        "WHERE user_id IS NOT NULL AND plate IS NOT NULL GROUP BY 1, 2 "
        "HAVING count(*) >= ? AND date_diff('day', min(at_utc), max(at_utc)) >= ?) "
        "SELECT s.row_id, g.n || ' searches of this plate by this user over ' || "
        "date_diff('day', g.a, g.b) || ' days' FROM searches s JOIN g USING (user_id, plate) "
        "ORDER BY s.row_id",
        [cfg.repeat_min_searches, cfg.repeat_min_days],
    )


def off_hours(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "off_hours",
        "Off-hours searching per user",
        f"Share of a user's searches outside {cfg.shift_start_hour}:00-{cfg.shift_end_hour}:00 "
        f"local time ({cfg.timezone}); the off-hours searches of users above the share are "
        "listed.",
        f"share > {cfg.off_hours_share} with >= {cfg.off_hours_min_searches} searches",
        "WITH s AS (SELECT row_id, user_id, hour(timezone(?, at_utc)) AS h FROM searches "
        "WHERE user_id IS NOT NULL), o AS (SELECT *, NOT (h >= ? AND h < ?) AS off FROM s), "
        "u AS (SELECT user_id, avg(off::INT) AS share FROM o GROUP BY 1 "
        "HAVING count(*) >= ? AND avg(off::INT) > ?) "
        "SELECT o.row_id, 'user off-hours share ' || round(u.share * 100) || '%; local hour ' "
        "|| o.h FROM o JOIN u USING (user_id) WHERE o.off ORDER BY o.row_id",
        [
            cfg.timezone,
            cfg.shift_start_hour,
            cfg.shift_end_hour,
            cfg.off_hours_min_searches,
            cfg.off_hours_share,
        ],
    )


def concurrency(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "impossible_concurrency",
        "Impossible concurrency (shared accounts?)",
        "Two consecutive searches by one user account within the window that come from "
        "different agencies, or that name different plates with different reasons: one person "
        "is unlikely to run both, so the account may be shared.",
        f"<= {cfg.concurrency_window_seconds} s apart",
        "WITH s AS (SELECT row_id, user_id, at_utc, agency, plate, reason, "
        "lag(row_id) OVER w AS p_id, lag(at_utc) OVER w AS p_at, lag(agency) OVER w AS p_agency, "
        "lag(plate) OVER w AS p_plate, lag(reason) OVER w AS p_reason FROM searches "
        "WHERE user_id IS NOT NULL WINDOW w AS (PARTITION BY user_id ORDER BY at_utc, row_id)), "
        "hit AS (SELECT row_id, p_id, date_diff('second', p_at, at_utc) AS gap, "
        "agency IS DISTINCT FROM p_agency AS other FROM s WHERE p_id IS NOT NULL "
        "AND date_diff('second', p_at, at_utc) <= ? AND (agency IS DISTINCT FROM p_agency OR "
        "(plate <> p_plate AND reason <> p_reason))) "
        "SELECT id, min(why) FROM (SELECT row_id AS id, gap || ' s after row ' || p_id || "
        "CASE WHEN other THEN ' (other agency)' ELSE ' (other plate and reason)' END AS why "
        "FROM hit UNION ALL SELECT p_id, gap || ' s before row ' || row_id FROM hit) "
        "GROUP BY id ORDER BY id",
        [cfg.concurrency_window_seconds],
    )


def after_hotlist_removal(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    return _result(
        con,
        "after_hotlist_removal",
        "Searches right after a hotlist removal",
        "A search of a plate shortly after a hotlist entry for that plate was deleted (event "
        "logs): the plate may be followed off the books.",
        f"within {cfg.hotlist_removal_hours} h after the removal",
        "SELECT s.row_id, min(date_diff('minute', e.at_utc, s.at_utc)) || ' min after removal' "
        "FROM searches s JOIN events e ON s.plate = e.plate AND s.at_utc >= e.at_utc "
        "AND s.at_utc <= e.at_utc + to_hours(?) WHERE e.action IN ('delete', 'remove', 'removed') "
        "GROUP BY s.row_id ORDER BY s.row_id",
        [cfg.hotlist_removal_hours],
    )


CHECKS: tuple[Check, ...] = (
    prohibited,
    protest_health,
    vague,
    case_only,
    missing_case,
    repeated,
    concurrency,
    off_hours,
    outside,
    national,
    after_hotlist_removal,
    denied_held,
    volume,
    streaks,
    off_shift,
    time_profile,
    top_reasons,
    repeated_case,
    split,
    hotlist_governance,
    analyses,
)


def run_all(con: duckdb.DuckDBPyConnection, cfg: Config) -> list[CheckResult]:
    classify_reasons(con)
    return [check(con, cfg) for check in CHECKS]
