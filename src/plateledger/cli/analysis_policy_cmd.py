"""`plateledger analysis-policy show|set`: the agency's policy for convoy, multi-place and
frequent-visitor analyses on its networks (purposes per kind, the supervisor hold).

These act as the given user (by token), exactly like
``GET/PUT /api/v1/agencies/{id}/analysis-policy``, on the data directory; every change is audited
(``analysis_policy_change``) and applies from the next analysis.
"""

from __future__ import annotations

from typing import Annotated

import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, TokenOpt, acting_as, friendly, print_json
from plateledger.errors import ValidationError
from plateledger.search.analysis_policy import KindSetting
from plateledger.search.analysis_types import ANALYSIS_KINDS

app = typer.Typer(
    help="Which purposes your networks allow for each analysis kind, and the supervisor hold."
)
AgencyOpt = Annotated[
    str | None, typer.Option(help="Agency id (default: your token's agency; only your own).")
]


@app.command("show")
@friendly
def show(token: TokenOpt, agency: AgencyOpt = None, data: DataOpt = DEFAULT_DATA) -> None:
    """Your agency's analysis policy: per kind, the purposes allowed (and whether they are the
    defaults) and whether the supervisor hold is waived. Prints JSON."""
    with acting_as(data, token, "sharing.read") as (platform, user):
        print_json(platform.analysis_policy.show(user, agency or user.agency_id))


@app.command("set")
@friendly
def set_(
    kind: Annotated[str, typer.Argument(help=f"One of {', '.join(ANALYSIS_KINDS)}.")],
    token: TokenOpt,
    purpose: Annotated[
        list[str] | None, typer.Option(help="A purpose code allowed for this kind (repeatable).")
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Follow the built-in purpose list.")
    ] = False,
    never: Annotated[
        bool, typer.Option("--never", help="Allow this kind for no purpose on your networks.")
    ] = False,
    waive_hold: Annotated[
        bool,
        typer.Option(
            "--waive-hold/--hold",
            help="Run allowed analyses without a supervisor's approval (default: held).",
        ),
    ] = False,
    agency: AgencyOpt = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Set one analysis kind for your agency's networks (agency admins; audited). Give the
    purposes with --purpose, or --default, or --never. Prints the policy as JSON."""
    chosen = sum((bool(purpose), default, never))
    if chosen != 1:
        raise ValidationError(
            "--purpose: give purpose codes, or --default, or --never (exactly one of them)",
            {"field": "--purpose"},
        )
    purposes = None if default else frozenset(purpose or ())
    with acting_as(data, token, "sharing.manage") as (platform, user):
        change = {kind: KindSetting(purposes, waive_hold)}
        print_json(platform.analysis_policy.set(user, agency or user.agency_id, change))
