"""The sharing part of the report: the state-by-state matrix (inline SVG), the recipients beyond
the law with the rule each breaks, and the per-agency scoreboard; their rows as CSV files."""

from __future__ import annotations

import csv
from dataclasses import astuple, fields
from html import escape
from pathlib import Path

import duckdb

from plateledger.domain.csv_cells import FORMULA_STARTS
from plateledger.oversight.charts import matrix_svg
from plateledger.oversight.sharing_board import BoardRow, scoreboard
from plateledger.oversight.sharing_checks import NAME, Flag, matrix

BOARD_ROWS = 40


def write_sharing(
    con: duckdb.DuckDBPyConnection, out: Path, flags: list[Flag]
) -> tuple[str, list[BoardRow]]:
    """Write rows/sharing_beyond_law.csv and rows/sharing_scoreboard.csv; return the HTML
    section ('' when no sharing list was read) and the scoreboard."""
    if not _count(con, "sharing") and not _count(con, "portal_profiles"):
        return "", []
    board = scoreboard(con, flags)
    _csv(out / "rows" / f"{NAME}.csv", [f.name for f in fields(Flag)], [astuple(f) for f in flags])
    _csv(out / "rows" / "sharing_scoreboard.csv", [f.name for f in fields(BoardRow)],
         [astuple(b) for b in board])  # fmt: skip
    rows, cols, cells = matrix(con)
    parts = [
        "<h2 id='sharing'>Sharing</h2>",
        "<p>Who receives each agency's data, by the agency's state (rows) and the recipient's "
        "state (columns; US = federal, ? = state not in the name). Each cell counts distinct "
        "(agency, recipient) pairs from the sharing lists read.</p>",
        matrix_svg(rows, cols, cells),
    ]
    if flags:
        parts.append(_flag_table(flags))
    parts.append(_board_table(board))
    return "\n".join(parts), board


def _flag_table(flags: list[Flag]) -> str:
    head = (
        "<h3>Recipients beyond the law (first 50)</h3><table><tr><th>agency</th>"
        "<th>recipient</th><th>kind</th><th>rule</th><th>decision</th></tr>"
    )
    body = [
        f"<tr><td>{escape(f.agency)} ({f.agency_state})</td><td>{escape(f.partner)}"
        f" ({escape(_where(f))})"
        f"</td><td>{escape(f.requester)}</td><td>{escape(f.rule_id)}: "
        f"{escape(f.explanation)}</td><td>{f.decision}</td></tr>"
        for f in flags[:50]
    ]
    more = (
        f"<p class='note'>All {len(flags):,} in <a href='rows/{NAME}.csv'>rows/{NAME}.csv</a>.</p>"
    )
    return head + "".join(body) + "</table>" + more


def _where(f: Flag) -> str:
    return "federal" if f.partner_kind == "federal" else f.partner_state or "?"


def _board_table(board: list[BoardRow]) -> str:
    head = (
        "<h3 id='scoreboard'>Scoreboard per agency</h3><p class='note'>From what each portal "
        "publishes. Retention is compared with the state's cap; 'searches without reason' "
        "counts searches in the portal's audit that give no reason, case or offense.</p>"
        "<table><tr><th>agency</th><th>retention (days) vs law</th><th>prohibited uses "
        "published</th><th>shares out / beyond law</th><th>searches / without reason</th></tr>"
    )
    body = []
    for b in board[:BOARD_ROWS]:
        retention = "not published" if b.retention_days is None else f"{b.retention_days}"
        uses = (
            ("yes, incl. immigration" if b.names_immigration else "yes")
            if b.prohibited_uses
            else "no"
        )
        shares = "?" if b.shares_out is None else f"{b.shares_out:,}"
        body.append(
            f"<tr><td>{escape(b.agency)} ({b.state})</td><td>{retention}"
            f"{' <strong>over cap</strong>' if b.over_cap else ''}<br><span class='note'>"
            f"{escape(b.retention_cap)}</span></td><td>{uses}</td><td>{shares} / "
            f"{b.beyond_law:,}</td><td>{b.searches:,} / {b.without_reason:,}</td></tr>"
        )
    more = (
        f"<p class='note'>{len(board):,} agencies in all: "
        "<a href='rows/sharing_scoreboard.csv'>rows/sharing_scoreboard.csv</a>.</p>"
    )
    return head + "".join(body) + "</table>" + more


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchall()[0][0]
    if not found:
        return 0
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _csv(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows:
            w.writerow([_safe(c) for c in row])


def _safe(cell: object) -> object:
    if isinstance(cell, str) and cell[:1] in FORMULA_STARTS:
        return "'" + cell
    return cell
