"""Data commands: ingest, compact, purge, stats, Parquet export/import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TimeElapsedColumn

from plateledger.cli.common import DataOpt, console, eprint, friendly, open_platform, print_json
from plateledger.errors import ValidationError

FilesArg = Annotated[list[Path], typer.Argument(help="CSV, NDJSON or Parquet files (.gz ok).")]


@friendly
def ingest(files: FilesArg, data: DataOpt = Path("plateledger-data")) -> None:
    """Validate and store reads from files; bad rows are reported by file, row and field."""
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


@friendly
def stats(data: DataOpt = Path("plateledger-data")) -> None:
    """Counts and sizes of the store."""
    with open_platform(data) as platform:
        s = platform.store.stats()
        print_json(
            {
                "reads": s.reads,
                "hot_reads": s.hot_reads,
                "distinct_plates": s.distinct_plates,
                "days": s.days,
                "bytes_on_disk": s.bytes_on_disk,
                "bytes_per_read": round(s.bytes_on_disk / s.reads, 1) if s.reads else None,
                "min_ts": s.min_ts.isoformat() if s.min_ts else None,
                "max_ts": s.max_ts.isoformat() if s.max_ts else None,
                "per_network": dict(s.per_network),
            }
        )


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
