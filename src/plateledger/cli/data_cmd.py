"""Data commands: ingest, compact, purge, stats, Parquet export/import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TimeElapsedColumn

from plateledger.cli import ingest_cmd
from plateledger.cli.common import (
    DataOpt,
    console,
    eprint,
    friendly,
    friendly_remote,
    open_platform,
    print_json,
)
from plateledger.cli.remote import Held, RemoteError, TokenFileOpt, TokenOpt, UrlOpt, server
from plateledger.errors import ValidationError

FilesArg = Annotated[list[Path], typer.Argument(help="CSV, NDJSON or Parquet files (.gz ok).")]


@friendly
def ingest(
    files: FilesArg,
    data: DataOpt = Path("plateledger-data"),
    mapping: Annotated[
        Path | None,
        typer.Option(help="A mapping file for another ALPR system's CSV/JSON export."),
    ] = None,
) -> None:
    """Validate and store reads from files; bad rows are reported by file, row and field."""
    if mapping is not None:
        with open_platform(data) as platform:
            print_json(ingest_cmd.ingest_mapped(platform, files, mapping))
        return
    with open_platform(data) as platform:
        totals = {"received": 0, "stored": 0, "rejected": 0}
        for path in files:
            with Progress(
                f"[bold]{path.name}[/bold]", BarColumn(), "{task.completed:,} rows",
                TimeElapsedColumn(), console=console,
            ) as bar:  # fmt: skip
                task = bar.add_task(path.name, total=None)
                report = platform.intake.ingest_file(path, progress=_advance(bar, task))
            for err in report.errors[:50]:
                eprint(f"{path}: row {err.row}: {err.field}: {err.message}")
            if len(report.errors) > 50:
                eprint(f"{path}: … and {len(report.errors) - 50} more errors")
            totals["received"] += report.received
            totals["stored"] += report.stored
            totals["rejected"] += report.rejected
        platform.store.compact()
        print_json(totals)


def _advance(bar: Progress, task: TaskID) -> Callable[[int], None]:
    return lambda n: bar.advance(task, n)


@friendly
def compact(
    data: DataOpt = Path("plateledger-data"),
    everything: Annotated[bool, typer.Option(help="Merge every day into one run.")] = False,
) -> None:
    """Move recent reads into plate-sorted runs (the server does this in the background)."""
    with open_platform(data) as platform:
        stats = platform.store.compact(everything=everything)
        print_json({"moved": stats.moved, "merged_days": [str(d) for d in stats.merged_days]})


@friendly
def purge(
    day: Annotated[str, typer.Option(help="Day to delete, YYYY-MM-DD (UTC).")],
    data: DataOpt = Path("plateledger-data"),
    network: Annotated[
        list[str] | None, typer.Option(help="Only these owner networks (repeatable).")
    ] = None,
) -> None:
    """Delete one day of reads (all networks, or some) and print the purge receipt."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise ValidationError(f"--day: {day!r} is not YYYY-MM-DD", {"field": "day"}) from None
    with open_platform(data) as platform:
        nets = [n for n in network] if network else None
        receipt = platform.store.purge_day(when, nets)  # type: ignore[arg-type]
        platform.dictionary.reload()
        print_json(
            {
                "day": str(receipt.day),
                "networks": list(receipt.networks),
                "count": receipt.count,
                "bytes_freed": receipt.bytes_freed,
                "seconds": round(receipt.seconds, 3),
            }
        )


@friendly_remote
def stats(
    data: DataOpt = Path("plateledger-data"),
    url: UrlOpt = None,
    token: TokenOpt = None,
    token_file: TokenFileOpt = None,
) -> None:
    """Counts and sizes of the store. With --url, through a running server's API (a token
    with the store.stats permission: agency admins and auditors)."""
    if url is not None:
        answer = server(url, token, token_file).get("/stats", {})
        if isinstance(answer, Held):  # never: GET /stats is not a search
            raise RemoteError("unexpected_answer", "the server answered 202 to GET /stats")
        print_json(answer)
        return
    with open_platform(data) as platform:
        print_json(platform.store.stats().as_json())


@friendly
def export(
    out: Annotated[Path, typer.Option(help="Output directory (Hive layout owner=/day=).")],
    data: DataOpt = Path("plateledger-data"),
) -> None:
    """Export every read as Parquet, Hive-partitioned by owner agency and day."""
    with open_platform(data) as platform:
        platform.log_event("export", None, {"what": "reads_parquet", "out": str(out)})
        n = platform.store.export_parquet(out)
        print_json({"exported": n, "out": str(out)})


@friendly
def import_(
    path: Annotated[Path, typer.Argument(help="A Parquet file or a Hive directory.")],
    data: DataOpt = Path("plateledger-data"),
) -> None:
    """Import reads from Parquet (e.g. another store's export); cameras must be registered."""
    with open_platform(data) as platform:
        n = platform.store.import_parquet(path)
        platform.dictionary.reload()
        print_json({"imported": n})
