"""`plateledger retention ...`: effective windows, purge runs, legal holds."""

from __future__ import annotations

from typing import Annotated

import typer

from plateledger.cli.common import (
    DEFAULT_DATA,
    DataOpt,
    acting_as,
    friendly,
    open_platform,
    print_json,
)
from plateledger.errors import ForbiddenError

app = typer.Typer(help="Retention: min(statute cap, agency setting), purges and legal holds.")


@app.command("show")
@friendly
def show(data: DataOpt = DEFAULT_DATA) -> None:
    """Each agency's effective retention window and the rule that sets it."""
    with open_platform(data) as platform:
        print_json(
            [
                {
                    "agency": w.agency.id,
                    "state": w.agency.state,
                    "networks": list(w.networks),
                    "minutes": w.minutes,
                    "days": round(w.minutes / 1440, 3) if w.minutes else None,
                    "rule": w.source,
                }  # fmt: skip
                for w in platform.retention.windows()
            ]
        )


@app.command("run")
@friendly
def run(data: DataOpt = DEFAULT_DATA) -> None:
    """Purge every read older than its owner's window now; print the receipts."""
    with open_platform(data) as platform:
        receipts = platform.retention.run()
        print_json(
            [
                {
                    "day": r.day.isoformat(),
                    "networks": list(r.networks),
                    "count": r.count,
                    "bytes_freed": r.bytes_freed,
                }  # fmt: skip
                for r in receipts
            ]
        )


@app.command("hold")
@friendly
def hold(
    case_number: Annotated[str, typer.Option("--case-number", help="Case the reads belong to.")],
    read_id: Annotated[list[int], typer.Option("--read-id", help="Read id (repeatable).")],
    note: Annotated[str, typer.Option(help="Why the reads must be kept.")],
    token: Annotated[str, typer.Option(envvar="PLATELEDGER_TOKEN", help="Your API token.")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Keep named reads past retention under a legal hold (supervisors and admins)."""
    with acting_as(data, token, "sharing.manage") as (platform, user):
        if user.role not in ("supervisor", "admin"):
            raise ForbiddenError("legal holds are placed by supervisors or admins")
        n = platform.store.add_legal_hold(case_number, read_id, user.id, note)
        print_json({"case_number": case_number, "held": n})
