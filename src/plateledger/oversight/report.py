"""Run the import and every check, then write the outputs into ``out``:

report.html        self-contained (inline CSS and SVG): summary first, then each check
report.json        summary figures, per-file import stats, each check's definition/count
flagged.csv/.json  every flagged row with the check name and its evidence
rows/<check>.csv   the rows behind each check's number; rows/agency-<n>.csv per agency
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from plateledger.domain.csv_cells import FORMULA_STARTS
from plateledger.domain.types import Agency
from plateledger.oversight.agencies import add_agencies
from plateledger.oversight.asks import questions
from plateledger.oversight.checks import CheckResult, q
from plateledger.oversight.checks_patterns import run_all
from plateledger.oversight.config import Config
from plateledger.oversight.importer import ImportStats, expand, import_paths
from plateledger.oversight.model import connect
from plateledger.oversight.portal_sharing import import_portal_sharing
from plateledger.oversight.report_html import render
from plateledger.oversight.report_sharing import write_sharing
from plateledger.oversight.sharing_checks import Flag, beyond_law, beyond_law_flags
from plateledger.oversight.summary import Summary

MAX_AGENCY_FILES = 100
ROW_COLUMNS = (
    "row_id, source, source_row, origin, search_id, strftime(at_utc, "
    "'%Y-%m-%dT%H:%M:%SZ') AS at_utc, user_id, agency, reason, case_number, "
    "offense_type, network_count, camera_count, plate, on_behalf_of, outcome, "
    "search_type"
)


def build(
    paths: Iterable[Path],
    out: Path,
    cfg: Config,
    *,
    columns: dict[str, str] | None = None,
    own_entries: Iterable[dict[str, Any]] = (),
    progress: Callable[[str, int], None] | None = None,
    database: str = ":memory:",
    agencies: Iterable[Agency] = (),
    agency: str | None = None,
    tz: str | None = None,
) -> tuple[Summary, list[CheckResult], ImportStats]:
    paths = list(paths)
    con = connect(database)
    stats = import_paths(
        con,
        paths,
        columns=columns,
        own_entries=own_entries,
        progress=progress,
        agency=agency,
        tz=tz,
    )
    add_agencies(con, agencies)  # the registry of a plateledger data directory, when given
    results = run_all(con, cfg)
    import_portal_sharing(con, [p for p, _ in expand(paths)], cfg.federal_terms)
    flags = beyond_law_flags(con)
    results.append(beyond_law(con, flags))
    summary = _summary(con, stats, results)
    write(con, out, summary, results, stats, flags=flags)
    con.close()
    return summary, results, stats


def _summary(
    con: duckdb.DuckDBPyConnection, stats: ImportStats, results: list[CheckResult]
) -> Summary:
    row = q(
        con,
        "SELECT count(*), count(DISTINCT agency), "
        "coalesce(strftime(min(at_utc), '%Y-%m-%d'), ''), "
        "coalesce(strftime(max(at_utc), '%Y-%m-%d'), ''), count(reason), "
        "count(*) FILTER (WHERE reason IS NULL AND case_number IS NULL "
        "AND offense_type IS NULL), count(user_id), count(plate) FROM searches",
    )[0]
    flagged = {r for c in results if c.name != "volume" for r, _ in c.rows}
    n = [int(str(v)) for v in (row[0], row[1], row[4], row[5], row[6], row[7])]
    return Summary(
        n[0],
        stats.rows,
        stats.duplicates,
        n[1],
        str(row[2]),
        str(row[3]),
        n[2],
        n[3],
        len(flagged),
        n[4],
        n[5],
        timezone=stats.timezone,
    )


def write(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    summary: Summary,
    results: list[CheckResult],
    stats: ImportStats,
    *,
    flags: list[Flag] | None = None,
) -> None:
    rows_dir = out / "rows"
    rows_dir.mkdir(parents=True, exist_ok=True)
    q(con, "CREATE OR REPLACE TABLE flags (check_name VARCHAR, row_id BIGINT, evidence VARCHAR)")
    for res in results:
        if res.rows:
            batch = pa.table(
                {
                    "check_name": [res.name] * len(res.rows),
                    "row_id": [r for r, _ in res.rows],
                    "evidence": [e for _, e in res.rows],
                }
            )
            con.register("_flags", batch)
            q(con, "INSERT INTO flags SELECT * FROM _flags")
            con.unregister("_flags")
        _copy(
            con,
            rows_dir / f"{res.name}.csv",
            f"SELECT f.evidence, {ROW_COLUMNS} FROM flags f JOIN searches USING (row_id) "
            f"WHERE f.check_name = '{res.name}' ORDER BY row_id",
        )
    flagged = (
        f"SELECT f.check_name, f.evidence, {ROW_COLUMNS} FROM flags f "
        "JOIN searches USING (row_id) WHERE f.check_name <> 'volume' "
        "ORDER BY row_id, f.check_name"
    )
    _copy(con, out / "flagged.csv", flagged)
    q(con, f"COPY ({flagged}) TO '{_sql_path(out / 'flagged.json')}' (FORMAT json, ARRAY true)")
    agencies = [
        (str(a), int(str(n)))
        for a, n in q(
            con,
            "SELECT coalesce(agency, '(unknown)'), count(*) FROM searches GROUP BY 1 "
            "ORDER BY 2 DESC, 1",
        )
    ]
    agency_files: dict[str, str] = {}
    for i, (agency, _) in enumerate(agencies[:MAX_AGENCY_FILES]):
        name = f"agency-{i + 1}.csv"
        where = "agency IS NULL" if agency == "(unknown)" else "agency = ?"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _agency AS SELECT {ROW_COLUMNS} FROM searches "
            f"WHERE {where.replace('?', _sql_text(agency))}"
        ).fetchall()
        _copy(con, rows_dir / name, "SELECT * FROM _agency ORDER BY row_id")
        agency_files[agency] = f"rows/{name}"
    _copy(con, out / "searches.csv", f"SELECT {ROW_COLUMNS} FROM searches ORDER BY row_id")
    _copy(
        con,
        rows_dir / "nothing_published.csv",
        f"SELECT {ROW_COLUMNS} FROM searches WHERE "
        "reason IS NULL AND case_number IS NULL AND offense_type IS NULL ORDER BY row_id",
    )
    _copy(
        con,
        rows_dir / "with_reason.csv",
        f"SELECT {ROW_COLUMNS} FROM searches WHERE reason IS NOT NULL ORDER BY row_id",
    )
    months = [
        (str(m), int(str(n)))
        for m, n in q(
            con,
            "WITH m AS (SELECT date_trunc('month', timezone(?, at_utc)) AS m FROM searches), "
            "r AS (SELECT unnest(generate_series(min(m), max(m), INTERVAL 1 MONTH)) AS m FROM m) "
            "SELECT strftime(r.m, '%Y-%m'), count(m.m) FROM r LEFT JOIN m USING (m) "
            "GROUP BY 1 ORDER BY 1",
            [summary.timezone],
        )
    ]
    preview = {r.name: _preview(con, r, summary.timezone) for r in results}
    doc = {
        "summary": asdict(summary),
        "imports": [asdict(f) for f in stats.files],
        "unknown_layouts": list(stats.unknown),
        "import": {
            "timezone": stats.timezone,
            "sharing_rows": stats.sharing,
            "sheets": [asdict(s) for s in stats.sheets],
        },
        "checks": [
            {
                "name": r.name,
                "title": r.title,
                "definition": r.definition,
                "threshold": r.threshold,
                "count": r.count,
                "rows": f"rows/{r.name}.csv",
                "groups": [list(g) for g in r.groups],
            }
            for r in results
        ],
        "agencies": [
            {"agency": a, "searches": n, "rows": agency_files.get(a, "searches.csv")}
            for a, n in agencies
        ],
        "months": months,
    }
    (out / "report.json").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    sharing_html, board = write_sharing(con, out, flags or [])
    asks = questions(results, board, summary.nothing_published)
    html = render(summary, results, stats, agencies, agency_files, months, preview,
                  extra=sharing_html, asks=asks)  # fmt: skip
    (out / "report.html").write_text(html, encoding="utf-8")


def _preview(
    con: duckdb.DuckDBPyConnection, res: CheckResult, tz: str = "UTC"
) -> list[tuple[Any, ...]]:
    return list(
        q(
            con,
            "SELECT row_id, strftime(timezone(?, at_utc), '%Y-%m-%d %H:%M'), agency, user_id, "
            "reason, case_number, f.evidence FROM flags f JOIN searches USING (row_id) "
            "WHERE f.check_name = ? ORDER BY row_id LIMIT 50",
            [tz, res.name],
        )
    )


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _copy(con: duckdb.DuckDBPyConnection, path: Path, sql: str) -> None:
    """Write the rows of ``sql`` as CSV, text cells a spreadsheet would run as a formula
    prefixed with ``'`` (the rule of ``domain.csv_cells``, applied in SQL)."""
    q(con, f"COPY ({_formula_safe(con, sql)}) TO '{_sql_path(path)}' (FORMAT csv, HEADER true)")


_FORMULA_CLASS = "".join(FORMULA_STARTS).replace("-", "\\-")  # a regex character class


def _formula_safe(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    cells = []
    for name, kind, *_ in q(con, f"DESCRIBE ({sql})"):
        col = '"' + str(name).replace('"', '""') + '"'
        if kind == "VARCHAR":
            col = (
                f"CASE WHEN regexp_matches({col}, '^[{_FORMULA_CLASS}]') "
                f"THEN chr(39) || {col} ELSE {col} END AS {col}"
            )
        cells.append(col)
    return f"SELECT {', '.join(cells)} FROM ({sql})"
