"""The HTML report: a two-minute summary first (plain sentences, each number a link to the
rows behind it), then charts, then one section per check with its definition, threshold and
the first flagged rows. Inline CSS and SVG only: no scripts, no external assets."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from plateledger.oversight.charts import bars, columns
from plateledger.oversight.summary import Summary

if TYPE_CHECKING:
    from plateledger.oversight.checks import CheckResult
    from plateledger.oversight.importer import ImportStats

CSS = """body{font-family:system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;width:100%}td,th{border:1px solid #ddd;
padding:.2rem .4rem;text-align:left;vertical-align:top}th{background:#f3f3f3}.big{font-size:1.1rem}
.note{color:#555;font-size:.9rem}a{color:#1a4f8a}svg.chart{display:block;height:auto;
max-width:100%}p,li,td,th,h2{overflow-wrap:anywhere}table{table-layout:auto}.asks li{margin:.2rem 0}
@media (max-width:40rem){body{margin:1rem auto;padding:0 .5rem}table{font-size:.75rem}}
@media print{body{max-width:none;margin:0;font-size:10pt}a{color:inherit;text-decoration:none}
h2{break-after:avoid}svg.chart,tr{break-inside:avoid}.noprint{display:none}}"""


def _link(value: int, href: str) -> str:
    return f'<a href="{escape(href)}">{value:,}</a>'


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def render(
    summary: Summary,
    results: list[CheckResult],
    stats: ImportStats,
    agencies: list[tuple[str, int]],
    agency_files: dict[str, str],
    months: list[tuple[str, int]],
    preview: dict[str, list[tuple[Any, ...]]],
    *,
    extra: str = "",
    asks: Sequence[str] = (),
) -> str:
    """The page; ``extra`` is inserted after the agency chart (the sharing section) and
    ``asks`` become the 'what to ask the agency' list after the summary."""
    by = {r.name: r for r in results}
    s = summary
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Search audit oversight report</title><style>{CSS}</style></head><body>",
        "<h1>Search audit oversight report</h1>",
    ]

    def n(name: str) -> str:
        return _link(by[name].count, f"#check-{name}") if name in by else "0"

    vague = by["vague_reason"].count if "vague_reason" in by else 0
    out.append(
        "<h2>Summary</h2><p class='big'>"
        f"These logs hold {_link(s.searches, 'searches.csv')} searches by "
        f"{_link(s.agencies, '#agencies')} agencies from {escape(s.first)} to {escape(s.last)} "
        f"({_link(s.rows_read, '#files')} rows read, {_link(s.duplicates, '#files')} duplicates "
        "of the same search removed). "
        f"{_link(s.nothing_published, 'rows/nothing_published.csv')} searches publish no "
        "reason, case number or offense type. "
        f"Of the {_link(s.with_reason, 'rows/with_reason.csv')} searches with a reason, "
        f"{n('vague_reason')} "
        f"({_pct(vague, s.with_reason)}) give a vague one such as \u201cinvestigation\u201d, and "
        f"{n('case_number_only')} give only a case or code number. "
        f"{n('prohibited_purpose')} reasons mention a purpose the policy prohibits "
        f"({n('protest_health')} about protests or health care). "
        f"{n('national_scope')} searches reached at least "
        f"{escape(by['national_scope'].threshold.lstrip('>= ')) if 'national_scope' in by else ''}"
        f". In all, {s.flagged_rows:,} searches are flagged by at least one check "
        "(see <a href='flagged.csv'>flagged.csv</a>).</p>"
        "<p class='note'>A flag is a reason to ask a question, not a finding of misuse. Every "
        "number links to the rows behind it.</p>"
    )
    out.append(
        "<p class='big'>Patterns over time: "
        f"{n('repeated_plate')} searches belong to one user searching one plate again and again "
        f"over weeks; {n('impossible_concurrency')} searches come in pairs one account could "
        f"hardly make alone (a shared account?); {n('off_hours')} are off-hours searches of "
        f"users who mostly search off shift; {n('outside_searches')} were made by out-of-state "
        f"or federal agencies; {n('after_hotlist_removal')} followed the removal of the same "
        f"plate from a hotlist; {n('denied_held')} attempts were denied or held (own log). "
        f"Only {s.with_user:,} searches name a user and {s.with_plate:,} a plate; the per-user "
        "and per-plate checks can look at those only.</p>"
    )
    if asks:
        items = "".join(f"<li>{escape(a)}</li>" for a in asks)
        out.append(f"<h2 id='asks'>What to ask the agency</h2><ol class='asks'>{items}</ol>")
    out.append("<h2>Checks at a glance</h2>")
    out.append(
        bars([(r.title, r.count, f"#check-{r.name}") for r in results if r.name != "volume"])
    )
    out.append("<h2 id='agencies'>Searches per agency</h2>")
    out.append(bars([(a, v, agency_files.get(a, "searches.csv")) for a, v in agencies[:40]]))
    if len(agencies) > 40:
        out.append(f"<p class='note'>{len(agencies) - 40} more agencies in report.json.</p>")
    if extra:
        out.append(extra)
    out.append(
        f"<h2>Searches per month ({escape(s.timezone)})</h2>"
        + columns(months, label="searches per month, every month of the range")
    )
    for r in results:
        out.append(_section(r, preview.get(r.name, []), s.timezone))
    out.append(
        "<h2 id='files'>Files read</h2><table><tr><th>source</th><th>layout</th><th>rows</th>"
        "<th>skipped (no readable time)</th></tr>"
    )
    for f in stats.files:
        out.append(
            f"<tr><td>{escape(f.source)}</td><td>{escape(f.layout)}</td>"
            f"<td>{f.rows:,}</td><td>{f.skipped:,}</td></tr>"
        )
    out.append("</table>")
    for message in stats.unknown:
        out.append(f"<p class='note'>Not read: {escape(message)}</p>")
    out.append("</body></html>")
    return "\n".join(out)


TABLE_ROWS = 50


def _table(columns: tuple[str, ...], lines: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in line) + "</tr>" for line in lines
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _section(r: CheckResult, rows: list[tuple[Any, ...]], tz: str = "UTC") -> str:
    parts = [
        f"<h2 id='check-{r.name}'>{escape(r.title)}: {_link(r.count, f'rows/{r.name}.csv')}</h2>",
        f"<p>{escape(r.definition)}</p><p class='note'>Threshold: {escape(r.threshold)}</p>",
    ]
    if r.distinct_reasons is not None:
        parts.append(f"<p>{r.distinct_reasons:,} distinct reasons behind {r.count:,} rows.</p>")
    if r.groups:
        top = [g for g in r.groups if g[0].startswith("user: ")][:20]
        if top:
            parts.append(
                "<p>Busiest users:</p>" + bars([(g[0][6:], g[1], "searches.csv") for g in top])
            )
        other = [g for g in r.groups if not g[0].startswith("user: ")][:40]
        if other:
            parts.append(_table(("group", "count"), [(g[0], f"{g[1]:,}") for g in other]))
    if r.table:
        parts.append(_table(r.table_columns, list(r.table[:TABLE_ROWS])))
        if len(r.table) > TABLE_ROWS:
            parts.append(f"<p class='note'>First {TABLE_ROWS} of {len(r.table):,} lines.</p>")
    if rows:
        parts.append(
            f"<table><tr><th>row</th><th>time ({escape(tz)})</th><th>agency</th><th>user</th>"
            "<th>reason</th><th>case</th><th>evidence</th></tr>"
        )
        for row in rows:
            cells = "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
        if r.count > len(rows):
            parts.append(
                f"<p class='note'>First {len(rows)} of {r.count:,}; all in "
                f"<a href='rows/{r.name}.csv'>rows/{r.name}.csv</a>.</p>"
            )
    return "\n".join(parts)
