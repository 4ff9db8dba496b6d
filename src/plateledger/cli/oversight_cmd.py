"""`plateledger oversight report FILE_OR_DIR... --out DIR`: import audit exports (Flock CSV /
XLSX, portal CSV / JSON, event logs, generic CSV with a mapping, plateledger's own log) and
write a self-contained HTML report plus JSON and CSV of every flagged row."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

from plateledger.cli.common import console, friendly
from plateledger.domain.types import Agency
from plateledger.errors import ValidationError
from plateledger.oversight.config import load
from plateledger.oversight.importer import expand, load_mapping, own_entries_from, zone
from plateledger.oversight.own_log import entries_in
from plateledger.oversight.report import build
from plateledger.store.duckdb_store import DuckDBStore


def _registry(data: Path) -> list[Agency]:
    """The data directory's agencies (kind, state) for the own-log checks."""
    store = DuckDBStore(data)
    try:
        return store.agencies()
    finally:
        store.close()


app = typer.Typer(help="Oversight of search audit logs: imports, checks, reports.")


@app.callback()
def oversight() -> None:
    """Oversight of search audit logs (Flock exports, portal CSVs, plateledger's own log)."""


@app.command("report")
@friendly
def report(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to import.")],
    out: Annotated[Path, typer.Option(help="Directory for report.html, JSON and CSV.")],
    config: Annotated[
        Path | None, typer.Option(help="YAML file overriding check thresholds.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="A plateledger data directory: include its own log.")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="YAML column mapping for a generic CSV.")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    agency: Annotated[
        str | None,
        typer.Option(
            help="The agency of rows without an agency column (default: from the file name)."
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            help="IANA zone of times that name none (e.g. America/Los_Angeles); "
            "stored in UTC, shown in this zone."
        ),
    ] = None,
) -> None:
    """Import every file, run every check, write the report; prints a JSON summary."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ValidationError(f"no such file or directory: {', '.join(missing)}")
    cfg = load(config)
    if tz is not None:
        zone(tz)  # an unknown zone fails before any import
        cfg = replace(cfg, timezone=tz)
    columns = load_mapping(mapping) if mapping else None
    own: Iterator[dict[str, Any]] = own_entries_from(paths)
    agencies: list[Agency] = []
    if data is not None:
        own = itertools.chain(own, entries_in(data))
        agencies = _registry(data)
    total = sum(p.stat().st_size for p, _ in expand(paths))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("importing", total=total or None)
        done: dict[str, int] = {}

        def progress(name: str, position: int) -> None:
            done[name] = position
            bar.update(task, completed=sum(done.values()), description=name[:40])

        out.mkdir(parents=True, exist_ok=True)
        database = out / "searches.duckdb"  # on disk: memory stays bounded for 10M-row inputs
        database.unlink(missing_ok=True)
        summary, results, stats = build(
            paths,
            out,
            cfg,
            columns=columns,
            own_entries=own,
            progress=progress,
            database=str(database),
            agencies=agencies,
            agency=agency,
            tz=tz,
        )
    doc = {
        "out": str(out / "report.html"),
        "searches": summary.searches,
        "duplicates": summary.duplicates,
        "flagged_rows": summary.flagged_rows,
        "unknown_layouts": list(stats.unknown),
        "import": {
            "timezone": stats.timezone,
            "sharing_rows": stats.sharing,
            "sheets": [
                {
                    "source": n.source,
                    "kind": n.kind,
                    "rows": n.rows,
                    "agency": n.agency,
                    "agency_from": n.agency_from,
                    "note": n.note,
                }
                for n in stats.sheets
            ],
        },
        "checks": {r.name: r.count for r in results},
    }
    typer.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
