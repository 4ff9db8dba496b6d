"""`plateledger hotlist ...`: governed hotlists, entries, imports and subscriptions.

These act as the given user (by token), exactly like the HTTP API, on the data directory;
every change is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from plateledger.alerts import tables
from plateledger.alerts.imports import parse_entries
from plateledger.cli.common import (
    DEFAULT_DATA,
    DataOpt,
    TokenOpt,
    acting_as,
    friendly,
    print_json,
)

app = typer.Typer(help="Hotlists with governance: lists, entries, imports, subscriptions.")


@app.command("create")
@friendly
def create(
    name: Annotated[str, typer.Argument(help="List name.")],
    token: TokenOpt,
    purpose: Annotated[str, typer.Option(help="Purpose code, e.g. stolen_vehicle.")],
    legal_basis: Annotated[str, typer.Option(help="Statute, policy or agreement.")],
    source: Annotated[str, typer.Option(help="manual | ncic | shared")] = "manual",
    refresh_hours: Annotated[int | None, typer.Option(help="Stale after this long.")] = None,
    priority: Annotated[str, typer.Option(help="low | normal | high | critical")] = "normal",
    strictness: Annotated[
        str, typer.Option(help="exact | confusable | fuzzy1 | fuzzy2")
    ] = "confusable",
    share_with: Annotated[
        list[str] | None, typer.Option(help="Agency id, state code or '*'.")
    ] = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Create a list owned by your agency (the policy engine may refuse its purpose)."""
    with acting_as(data, token, "hotlists.manage") as (platform, user):
        fields = {"name": name, "purpose": purpose, "legal_basis": legal_basis,
                  "source": source, "refresh_hours": refresh_hours, "priority": priority,
                  "strictness": strictness, "share_with": share_with or []}  # fmt: skip
        print_json(platform.hotlists.lists.create(user, fields).to_dict(datetime.now(UTC)))


@app.command("list")
@friendly
def list_lists(token: TokenOpt, data: DataOpt = DEFAULT_DATA) -> None:
    """Lists your agency owns or subscribes to."""
    with acting_as(data, token, "hotlists.read") as (platform, user):
        now = datetime.now(UTC)
        print_json([h.to_dict(now) for h in platform.hotlists.lists.visible(user)])


@app.command("add")
@friendly
def add(
    hotlist: Annotated[str, typer.Argument(help="List id.")],
    plate: Annotated[str, typer.Argument(help="Plate.")],
    token: TokenOpt,
    reason: Annotated[str, typer.Option(help="Why the plate is listed.")],
    expires: Annotated[datetime, typer.Option(help="Expiry (ISO 8601), required.")],
    case_number: Annotated[
        str, typer.Option(help="Case number, required: 3-40 of A-Z, 0-9, - / . _ # :, a digit.")
    ],
    state: Annotated[str | None, typer.Option(help="Issuing state.")] = None,
    vehicle: Annotated[str, typer.Option(help="Vehicle description.")] = "",
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Add one entry."""
    with acting_as(data, token, "hotlists.manage") as (platform, user):
        row = {"plate": plate, "state": state, "reason": reason, "case_number": case_number,
               "expires_at": expires, "vehicle": vehicle}  # fmt: skip
        entries = platform.hotlists.lists.add_entries(user, hotlist, [row])
        print_json(entries[0].to_dict(datetime.now(UTC)))


@app.command("import")
@friendly
def import_file(
    hotlist: Annotated[str, typer.Argument(help="List id.")],
    path: Annotated[Path, typer.Argument(help="CSV or NCIC-style fixed-width file.")],
    token: TokenOpt,
    fmt: Annotated[str, typer.Option("--format", help="csv | ncic")] = "csv",
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="field=column (csv) or field=start:end.")
    ] = None,
    default_expires: Annotated[
        datetime | None, typer.Option(help="Expiry for rows without one.")
    ] = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Import entries from a file (one audited change; the list counts as refreshed)."""
    pairs = dict(m.split("=", 1) for m in mapping or [] if "=" in m)
    rows = parse_entries(path.read_text(), fmt, pairs or None, default_expires)
    with acting_as(data, token, "hotlists.manage") as (platform, user):
        entries = platform.hotlists.lists.add_entries(user, hotlist, rows, how="import")
        print_json({"hotlist_id": hotlist, "imported": len(entries)})


@app.command("entries")
@friendly
def entries(
    hotlist: Annotated[str, typer.Argument(help="List id.")],
    token: TokenOpt,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Entries of a list your agency owns or subscribes to."""
    with acting_as(data, token, "hotlists.read") as (platform, user):
        if hotlist not in {h.id for h in platform.hotlists.lists.visible(user)}:
            platform.hotlists.lists.owned(user, hotlist)  # raises the clear error
        now = datetime.now(UTC)
        print_json([e.to_dict(now) for e in tables.load_entries(platform.store, hotlist)])


@app.command("expire")
@friendly
def expire(
    hotlist: Annotated[str, typer.Argument(help="List id.")],
    entry: Annotated[str, typer.Argument(help="Entry id.")],
    token: TokenOpt,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Expire an entry now."""
    with acting_as(data, token, "hotlists.manage") as (platform, user):
        e = platform.hotlists.lists.expire_entry(user, hotlist, entry)
        print_json(e.to_dict(datetime.now(UTC)))


@app.command("subscribe")
@friendly
def subscribe(
    hotlist: Annotated[str, typer.Argument(help="List id.")],
    token: TokenOpt,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Subscribe your agency to a list (refused, with rule ids, where the law forbids it)."""
    with acting_as(data, token, "hotlists.manage") as (platform, user):
        platform.hotlists.lists.subscribe(user, hotlist)
        print_json({"hotlist_id": hotlist, "agency_id": user.agency_id, "subscribed": True})
