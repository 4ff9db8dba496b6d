"""`plateledger sharing ...`: agreements, declarations, agency policy, and the access answer.

These act as the given user (by token), exactly like the HTTP API, on the data directory.
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
from plateledger.sharing.agreements import AgreementIn, agreement_out

app = typer.Typer(help="Sharing agreements (deny by default) and who can search what.")


@app.command("add")
@friendly
def add(
    network: Annotated[str, typer.Argument(help="Your agency's network id.")],
    token: TokenOpt,
    grantee_kind: Annotated[str, typer.Option("--to", help="agency | state | radius | national")],
    grantee: Annotated[str | None, typer.Option(help="Agency id or state code.")] = None,
    radius_km: Annotated[float | None, typer.Option(help="For --to radius.")] = None,
    purpose: Annotated[list[str] | None, typer.Option(help="Allowed purpose or class.")] = None,
    expires: Annotated[datetime | None, typer.Option(help="Expiry (ISO 8601).")] = None,
    note: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Share one of your networks with an agency, a state, a radius or nationally."""
    with acting_as(data, token, "sharing.manage") as (platform, user):
        a = platform.sharing.add_agreement(
            user, network,
            AgreementIn(grantee_kind, grantee, radius_km, tuple(purpose or ()),
                        expires.replace(tzinfo=UTC) if expires else None, note),
        )  # fmt: skip
        print_json(agreement_out(a, a.created_at))


@app.command("list")
@friendly
def list_(
    network: Annotated[str, typer.Argument(help="Your agency's network id.")],
    token: TokenOpt,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """List a network's agreements, active or not."""
    with acting_as(data, token, "sharing.read") as (platform, user):
        platform.sharing.owned_network(user, network, admin=False)
        now = datetime.now(UTC)
        print_json(
            [agreement_out(a, now) for a in platform.store.agreements() if a.network_id == network]
        )


@app.command("revoke")
@friendly
def revoke(
    network: Annotated[str, typer.Argument(help="Your agency's network id.")],
    agreement: Annotated[str, typer.Argument(help="Agreement id.")],
    token: TokenOpt,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Revoke an agreement (kept on record, no longer in force)."""
    with acting_as(data, token, "sharing.manage") as (platform, user):
        platform.sharing.revoke_agreement(user, network, agreement)
        print_json({"revoked": agreement})


@app.command("access")
@friendly
def access(
    network: Annotated[str, typer.Argument(help="Your agency's network id.")],
    token: TokenOpt,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Who can search this network, for what, and why (computed by the policy engine)."""
    with acting_as(data, token, "sharing.read") as (platform, user):
        print_json(platform.sharing.access(user, network))


@app.command("declare")
@friendly
def declare(
    state: Annotated[str, typer.Option(help="State whose law asks for the declaration.")],
    document: Annotated[str, typer.Option(help="Reference of the signed document.")],
    token: TokenOpt,
    signed: Annotated[datetime | None, typer.Option(help="Signing date (default now).")] = None,
    expires: Annotated[datetime | None, typer.Option(help="Expiry (ISO 8601).")] = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """File your agency's written declaration for a state's data (e.g. Illinois 2-130)."""
    with acting_as(data, token, "sharing.manage") as (platform, user):
        d = platform.sharing.file_declaration(
            user, state.upper(), "written_declaration",
            (signed or datetime.now(UTC)).astimezone(UTC),
            expires.astimezone(UTC) if expires else None, document,
        )  # fmt: skip
        # pending: it counts for an owner's networks once that owner's admin accepts it
        print_json({"id": d.id, "agency": d.agency_id, "state": d.state, "status": "pending"})
