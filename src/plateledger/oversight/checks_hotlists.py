"""Hotlist governance from event logs (a vendor's hotlist event export or plateledger's own
``hotlist_change`` entries): entries created, updated and deleted, by whom, how long each entry
lived, and the entry reasons classified like search reasons."""

from __future__ import annotations

import duckdb

from plateledger.oversight.checks import CheckResult, q
from plateledger.oversight.config import Config
from plateledger.policy.classifier import classify

_HOT = (
    "WITH h AS (SELECT *, CASE WHEN regexp_matches(action, 'creat|add|insert|new') THEN "
    "'created' WHEN regexp_matches(action, 'delet|remov|expir') THEN 'deleted' WHEN "
    "regexp_matches(action, 'updat|edit|modif|chang') THEN 'updated' ELSE action END AS kind, "
    "nullif(trim(coalesce(nullif(regexp_extract(details, '(?i)reason\\s*:\\s*([^\\n]*)', 1), "
    "''), CASE WHEN source = 'own-log' THEN details END)), '') AS entry_reason FROM events "
    "WHERE lower(coalesce(entity_type, '')) LIKE '%hotlist%') "
)
_ENTRIES = (
    _HOT + ", e AS (SELECT plate, min(at_utc) FILTER (WHERE kind = 'created') AS a, "
    "arg_min(user_id, at_utc) FILTER (WHERE kind = 'created') AS a_by, "
    "count(*) FILTER (WHERE kind = 'updated') AS updates, "
    "min(at_utc) FILTER (WHERE kind = 'deleted') AS b, "
    "arg_min(user_id, at_utc) FILTER (WHERE kind = 'deleted') AS b_by, "
    "arg_min(entry_reason, at_utc) FILTER (WHERE entry_reason IS NOT NULL) AS reason "
    "FROM h WHERE plate IS NOT NULL GROUP BY plate) "
    "SELECT plate, strftime(a, '%Y-%m-%d %H:%M'), a_by, updates, strftime(b, '%Y-%m-%d %H:%M'), "
    "b_by, date_diff('day', a, coalesce(b, "
    "(SELECT max(at_utc) FROM events))) AS days, reason FROM e ORDER BY a NULLS LAST, plate"
)


def _groups(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    groups = [
        (f"action: {k}", int(str(n)))
        for k, n in q(con, _HOT + "SELECT kind, count(*) FROM h GROUP BY 1 ORDER BY 2 DESC, 1")
    ]
    groups += [
        (f"user: {u} {k}", int(str(n)))
        for u, k, n in q(
            con,
            _HOT + "SELECT coalesce(user_id, '(unknown)'), kind, count(*) FROM h "
            "GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
        )
    ]
    return groups


def hotlist_governance(con: duckdb.DuckDBPyConnection, cfg: Config) -> CheckResult:
    entries = q(con, _ENTRIES)
    classes = {r: classify(str(r)).reason_class for r in {e[7] for e in entries} if r}
    table: list[tuple[str, ...]] = []
    tally: dict[str, list[int]] = {}  # class -> [entries]
    flagged = 0
    for plate, a, a_by, updates, b, b_by, days, reason in entries:
        cls = classes.get(str(reason), "no reason") if reason else "no reason"
        tally.setdefault(cls, [0, 0])[0] += 1
        lived = None if days is None else int(str(days))
        long = lived is not None and lived > cfg.hotlist_max_days
        bad = cls not in ("specific", "vague", "no reason")
        flagged += long or bad
        why = "; ".join(w for w, on in (("long-lived", long), (f"reason {cls}", bad)) if on)
        cells = (plate, a, a_by, updates, b, b_by, lived, reason, cls, why)
        table.append(tuple("" if v is None else str(v) for v in cells))
    groups = _groups(con)
    for cls, (n, _) in sorted(tally.items(), key=lambda kv: -kv[1][0]):
        d = sum(1 for c in classes.values() if c == cls)
        groups.append((f"reason class: {cls} ({d} distinct reasons)", n))
    return CheckResult(
        "hotlist_governance",
        "Hotlist entries: created, updated, deleted, by whom, for how long",
        "From hotlist event logs: events per action and per user; per entry (plate) when it "
        "was created and deleted and by whom, how many days it lived (to the last event in "
        "the logs when never deleted), and its reason classified like a search reason. "
        "Entries are flagged when they lived past the threshold or their reason names a "
        "prohibited purpose.",
        f"> {cfg.hotlist_max_days} days alive, or a prohibited reason class",
        flagged,
        (),
        tuple(groups),
        table_columns=tuple(
            "plate|created|created by|updates|deleted|deleted by|days|reason|class|flag".split("|")
        ),
        table=tuple(table),
    )
