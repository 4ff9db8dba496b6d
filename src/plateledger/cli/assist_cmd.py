"""`plateledger assist ...`: record, list and revoke another agency's requests for help.

A search on behalf of another agency needs a live assist request (docs/policy.md). These act
as the given user (by token), exactly like the HTTP API, on the data directory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from plateledger.cli.common import (
    DEFAULT_DATA,
    DataOpt,
    TokenOpt,
    acting_as,
    friendly,
    print_json,
)
from plateledger.sharing.assists import AssistIn

app = typer.Typer(help="Assist requests: another agency asked yours for help (on_behalf_of).")


@app.command("add")
@friendly
def add(
    on_behalf_of: Annotated[str, typer.Argument(help="The agency that asked (exact id).")],
    case_number: Annotated[str, typer.Option("--case", help="Its case number.")],
    requested_by: Annotated[str, typer.Option("--by", help="Who asked: name and contact.")],
    token: TokenOpt,
    requested_at: Annotated[
        datetime | None, typer.Option("--at", help="When they asked (default now).")
    ] = None,
    expires: Annotated[
        datetime | None, typer.Option(help="Expiry (default 30 days, at most 90).")
    ] = None,
    own_case: Annotated[str | None, typer.Option(help="Your own case number, if any.")] = None,
    note: Annotated[str, typer.Option(help="For the record.")] = "",
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Record an assist request (supervisor or admin; audited)."""
    with acting_as(data, token, "assists.manage") as (platform, user):
        given = AssistIn(on_behalf_of, case_number, requested_by, requested_at,
                         expires, own_case, note)  # fmt: skip
        print_json(platform.assists.create(user, given).to_dict(datetime.now(UTC)))


@app.command("list")
@friendly
def list_(token: TokenOpt, data: DataOpt = DEFAULT_DATA) -> None:
    """Your agency's assist requests, newest first, with `live`."""
    with acting_as(data, token, "holds.read") as (platform, user):
        now = datetime.now(UTC)
        print_json([a.to_dict(now) for a in platform.assists.of_agency(user)])


@app.command("revoke")
@friendly
def revoke(
    assist: Annotated[str, typer.Argument(help="Assist request id.")],
    token: TokenOpt,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Revoke an assist request (kept on record; it stops covering searches at once)."""
    with acting_as(data, token, "assists.manage") as (platform, user):
        print_json(platform.assists.revoke(user, assist).to_dict(datetime.now(UTC)))
