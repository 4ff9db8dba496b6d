"""Time analyses: consecutive-day search streaks per user, searches outside a declared shift
table, and the hour-of-day / weekday profile. Days and hours are local (``Config.timezone``)."""

from __future__ import annotations

import duckdb

from plateledger.oversight.checks import CheckResult, _result, q
from plateledger.oversight.config import Config

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def streaks(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    runs = (
        "WITH d AS (SELECT DISTINCT user_id, timezone(?, at_utc)::DATE AS day FROM searches "
        "WHERE user_id IS NOT NULL), g AS (SELECT user_id, day, day - (row_number() OVER "
        "(PARTITION BY user_id ORDER BY day))::INT AS k FROM d), r AS (SELECT user_id, "
        "min(day) AS a, max(day) AS b, count(*) AS n FROM g GROUP BY user_id, k HAVING count(*) "
        ">= ?) "
    )
    params: list[object] = [cfg.timezone, cfg.streak_min_days]
    table = tuple(
        (str(u), str(a), str(b), str(n))
        for u, a, b, n in q(con, runs + "SELECT * FROM r ORDER BY n DESC, user_id, a", params)
    )
    res = _result(
        con,
        "user_streaks",
        "Users searching day after day",
        "Runs of consecutive local calendar days on which one user made at least one search "
        "(a public analysis of an Oregon log found 11 days in a row); the table lists the runs "
        "longest first and the rows are the searches inside them.",
        f">= {cfg.streak_min_days} consecutive days",
        runs + "SELECT s.row_id, r.n || ' days in a row, ' || r.a || ' to ' || r.b "
        "FROM searches s JOIN r ON s.user_id = r.user_id "
        "AND timezone(?, s.at_utc)::DATE BETWEEN r.a AND r.b ORDER BY s.row_id",
        [*params, cfg.timezone],
    )
    return CheckResult(
        res.name, res.title, res.definition, res.threshold, res.count, res.rows,
        table_columns=("user", "first day", "last day", "days"), table=table,
    )  # fmt: skip


def _shift_table(con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
    q(con, "CREATE OR REPLACE TEMP TABLE shifts (name VARCHAR, a INT, b INT)")
    for name, span in cfg.shifts:
        start, end = (int(t.split(":")[0]) * 60 + int(t.split(":")[1]) for t in span.split("-"))
        q(con, "INSERT INTO shifts VALUES (?, ?, ?)", [name, start, end])


_IN = "((x.a < x.b AND m >= x.a AND m < x.b) OR (x.a >= x.b AND (m >= x.a OR m < x.b)))"


def off_shift(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    _shift_table(con, cfg)
    names = ", ".join(f"{n} {s}" for n, s in cfg.shifts) or "none declared"
    assigned = dict(cfg.user_shifts)
    base = (
        "WITH s AS (SELECT row_id, user_id, timezone(?, at_utc)::DATE AS day, "
        "hour(timezone(?, at_utc)) * 60 + minute(timezone(?, at_utc)) AS m FROM searches "
        "WHERE user_id IS NOT NULL), fit AS (SELECT s.row_id, s.user_id, s.day, "
        f"list(x.name) FILTER (WHERE {_IN}) AS names FROM s, shifts x "
        "GROUP BY ALL), u AS (SELECT * FROM (VALUES ('', '')) v(user_id, shift) WHERE false "
        + "".join(" UNION ALL SELECT ?, ?" for _ in assigned)
        + "), bad_day AS (SELECT user_id, day FROM fit WHERE len(coalesce(names, [])) > 0 AND "
        "user_id NOT IN (SELECT user_id FROM u) GROUP BY ALL HAVING count(*) > 1 AND "
        "len(list_reduce(list(names), lambda a, b: list_intersect(a, b))) = 0) "
    )
    params: list[object] = [cfg.timezone] * 3
    params += [v for pair in assigned.items() for v in pair]
    return _result(
        con,
        "off_shift",
        "Searches outside the declared shifts",
        "With a shift table in the config (local time ranges): a search by a user assigned to "
        "a shift outside that shift; a search that fits no declared shift; or a user whose "
        "searches on one local day fit no single shift (seen in two incompatible shifts).",
        f"shifts: {names}",
        base + "SELECT f.row_id, CASE WHEN u.shift IS NOT NULL THEN 'outside assigned shift ' "
        "|| u.shift WHEN len(coalesce(f.names, [])) = 0 THEN 'in no declared shift' "
        "ELSE 'two incompatible shifts on ' || f.day END FROM fit f LEFT JOIN u USING (user_id) "
        "WHERE (u.shift IS NOT NULL AND NOT list_contains(coalesce(f.names, []), u.shift)) "
        "OR (u.shift IS NULL AND len(coalesce(f.names, [])) = 0) OR (u.shift IS NULL AND "
        "(f.user_id, f.day) IN (SELECT (user_id, day) FROM bad_day)) ORDER BY f.row_id",
        params,
    )


def time_profile(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    sql = "SELECT {} (timezone(?, at_utc)), count(*) FROM searches GROUP BY 1"
    hours = {int(str(k)): int(str(n)) for k, n in q(con, sql.format("hour"), [cfg.timezone])}
    days = {int(str(k)): int(str(n)) for k, n in q(con, sql.format("isodow"), [cfg.timezone])}
    groups = [(f"hour: {h:02d}", hours.get(h, 0)) for h in range(24)]
    groups += [(f"weekday: {d}", days.get(i + 1, 0)) for i, d in enumerate(_DAYS)]
    return CheckResult(
        "time_profile",
        "Searches by hour of day and weekday",
        f"Searches per local hour (00-23) and per weekday in {cfg.timezone}; every hour and "
        "weekday is listed, zero where none. A profile, nothing is flagged.",
        f"time zone {cfg.timezone}",
        0,
        (),
        tuple(groups),
    )
