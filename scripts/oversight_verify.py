"""Recompute the figures of docs/oversight.md from the raw files with one independent DuckDB SQL
query per figure, and compare them with the report's ``report.json`` and sharing rows.

    python scripts/oversight_verify.py [AUDIT_DIR] [REPORT_DIR]

AUDIT_DIR defaults to ../shared/data/audit; without it the script says so and exits 0. REPORT_DIR
defaults to a fresh ``plateledger oversight report AUDIT_DIR`` in a temporary folder. Exit status
1 when a figure differs. The SQL reads the files directly (read_csv / read_json): it shares no
code with the importer or the checks.
"""

from __future__ import annotations

import csv
import re
import sys
import tempfile
from pathlib import Path

import duckdb
import orjson

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_AUDIT = ROOT.parent / "shared" / "data" / "audit"
CODE = (
    r"\b(A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|"
    r"S[CD]|T[NX]|UT|V[AT]|W[AIVY])\b"
)
PLACEHOLDERS = "delete|duplicate|decommissioned|test|demo|dnu|old"


def searches_sql(audit: Path) -> str:
    """Every search row of every raw file, one row per search id."""
    portal = audit / "flock-portals-2026"
    csvs = [str(p) for p in sorted(audit.rglob("*.csv")) if p.name != "portal_snapshots.csv"]
    return f"""
      WITH rows AS (
        SELECT id::VARCHAR AS id, searchDate::VARCHAR AS ts, reason::VARCHAR AS reason,
               TRY_CAST(networkCount AS BIGINT) AS networks
        FROM read_csv({csvs!r}, union_by_name = true, all_varchar = true)
        UNION ALL
        SELECT r.id, r.searchDate, r.reason, TRY_CAST(r.networkCount AS BIGINT)
        FROM (SELECT unnest(search_audit_csv) AS r
              FROM read_json('{portal}/raw-json/*.json', union_by_name = true,
                             columns = {{search_audit_csv: 'STRUCT(id VARCHAR, searchDate VARCHAR,
                               reason VARCHAR, networkCount VARCHAR)[]'}}))
      )
      SELECT id, min(ts::TIMESTAMPTZ) AS ts, max(nullif(trim(reason), '')) AS reason,
             max(networks) AS networks
      FROM rows WHERE id IS NOT NULL AND ts IS NOT NULL GROUP BY id"""


def independent(audit: Path) -> dict[str, int]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    s = searches_sql(audit)
    one = con.execute(
        f"SELECT count(*), count(reason), count(*) FILTER (WHERE networks >= 1000) FROM ({s})"
    ).fetchall()[0]
    out = {"searches": one[0], "with_reason": one[1], "national_scope": one[2]}
    for month, n in con.execute(
        f"SELECT strftime(ts, '%Y-%m'), count(*) FROM ({s}) GROUP BY 1 ORDER BY 1"
    ).fetchall():
        out[f"month {month}"] = n
    portal = audit / "flock-portals-2026" / "raw-json"
    coded = con.execute(f"""
      SELECT count(DISTINCT (crawled_name, partner)) FROM (
        SELECT coalesce(crawled_name, crawled_slug) AS crawled_name, crawled_slug,
               unnest(sharing_outbound) AS partner,
               regexp_extract_all(unnest(sharing_outbound), '{CODE}') AS codes
        FROM read_json('{portal}/*.json', union_by_name = true,
                       columns = {{crawled_name: 'VARCHAR', crawled_slug: 'VARCHAR',
                                   sharing_outbound: 'VARCHAR[]'}}))
      WHERE regexp_matches(crawled_slug, '(^|-)ca(-|$)')
        AND regexp_matches(partner, '{CODE}')
        AND (CASE WHEN len(codes) > 1 AND codes[-1] = 'SD' THEN codes[-2]  -- 'LA County CA SD'
                  ELSE codes[-1] END) <> 'CA'  -- the last code: 'RIV CO ARSON TF CA PD'
        AND NOT regexp_matches(partner, '(?i)\\b({PLACEHOLDERS})\\b')
    """).fetchall()[0][0]
    out["CA agencies: out-of-state recipients with a state code"] = coded
    return out


def from_report(report: Path) -> dict[str, int]:
    doc = orjson.loads((report / "report.json").read_bytes())
    checks = {c["name"]: c["count"] for c in doc["checks"]}
    out = {
        "searches": doc["summary"]["searches"],
        "with_reason": doc["summary"]["with_reason"],
        "national_scope": checks["national_scope"],
    }
    out.update({f"month {m}": n for m, n in doc["months"]})
    with (report / "rows" / "sharing_beyond_law.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out["CA agencies: out-of-state recipients with a state code"] = sum(
        1
        for r in rows
        if r["agency_state"] == "CA" and r["requester"] == "out_of_state"
        and re.search(CODE, r["partner"])
    )  # fmt: skip
    return out


def compare(audit: Path, report: Path) -> list[tuple[str, int, int | None]]:
    """(figure, independent SQL, report) for every figure; equal when the report is right."""
    mine, theirs = independent(audit), from_report(report)
    return [(k, v, theirs.get(k)) for k, v in mine.items()]


def main(argv: list[str]) -> int:
    audit = Path(argv[0]) if argv else DEFAULT_AUDIT
    if not audit.is_dir():
        print(f"skipped: {audit} not found (the shared real data is optional)")
        return 0
    if len(argv) > 1:
        report = Path(argv[1])
    else:
        from plateledger.oversight.config import load
        from plateledger.oversight.report import build

        report = Path(tempfile.mkdtemp(prefix="oversight-verify-"))
        build([audit], report, load())
    bad = 0
    for name, sql, rep in compare(audit, report):
        bad += sql != rep
        print(f"{'ok ' if sql == rep else 'DIFF'} {name}: SQL {sql:,} report {rep}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
