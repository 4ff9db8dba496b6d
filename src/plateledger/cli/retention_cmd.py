"""`plateledger retention ...`: effective windows, purge runs, legal holds."""

from __future__ import annotations

from datetime import UTC, datetime
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
    expires: Annotated[
        datetime,
        typer.Option(help="Review date: the hold lapses then unless placed again (≤ 2 years)."),
    ],
    token: Annotated[str, typer.Option(envvar="PLATELEDGER_TOKEN", help="Your API token.")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Keep named reads past retention under a legal hold (agency admins; audited)."""
    with acting_as(data, token, "sharing.manage") as (platform, user):
        until = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        n = platform.legal_holds.place(user, case_number, list(read_id), note, until)
        print_json({"case_number": case_number, "held": n, "expires_at": until.isoformat()})


@app.command("release")
@friendly
def release(
    case_number: Annotated[str, typer.Option("--case-number", help="Case of the hold.")],
    note: Annotated[str, typer.Option(help="Why the hold is released.")],
    token: Annotated[str, typer.Option(envvar="PLATELEDGER_TOKEN", help="Your API token.")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Release your agency's legal hold of a case (agency admins; audited)."""
    with acting_as(data, token, "sharing.manage") as (platform, user):
        n = platform.legal_holds.release(user, case_number, note)
        print_json({"case_number": case_number, "released": n})
