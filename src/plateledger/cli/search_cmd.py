"""`plateledger search` and `plateledger timeline`, in-process on the data directory."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal, NoReturn

import typer

from plateledger.api.schemas import search_body, timeline_out
from plateledger.cli.common import DataOpt, TokenOpt, acting_as, eprint, friendly, print_json
from plateledger.domain.types import AgencyId, CameraId
from plateledger.search.timeline import timeline
from plateledger.search.types import HeldSearch, Near, Purpose, SearchQuery, SearchRequest
from plateledger.store.base import BBox

PurposeOpt = Annotated[str, typer.Option(help="Purpose code, e.g. stolen_vehicle.")]
CaseOpt = Annotated[str, typer.Option("--case-number", help="Case or incident number.")]
ReasonOpt = Annotated[str, typer.Option(help="Free-text reason for the search.")]
BehalfOpt = Annotated[
    str | None, typer.Option("--on-behalf-of", help="Agency id you search for, if not your own.")
]


def _bbox(text: str | None) -> BBox | None:
    if text is None:
        return None
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 4:
        raise typer.BadParameter("--bbox takes min_lat,min_lon,max_lat,max_lon")
    return BBox(*parts)


def _near(text: str | None) -> Near | None:
    if text is None:
        return None
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 3:
        raise typer.BadParameter("--near takes lat,lon,radius_km")
    return Near(*parts)


@friendly
def search(
    token: TokenOpt,
    purpose: PurposeOpt,
    case_number: CaseOpt,
    reason: ReasonOpt,
    plate: Annotated[
        str | None, typer.Option(help="Plate, pattern (? and *) or fuzzy target.")
    ] = None,
    mode: Annotated[Literal["exact", "wildcard", "fuzzy"], typer.Option()] = "exact",
    max_distance: Annotated[int, typer.Option(min=0, max=2)] = 1,
    time_from: Annotated[datetime | None, typer.Option("--from")] = None,
    time_to: Annotated[datetime | None, typer.Option("--to")] = None,
    camera: Annotated[list[str] | None, typer.Option(help="Camera id (repeatable).")] = None,
    bbox: Annotated[str | None, typer.Option(help="min_lat,min_lon,max_lat,max_lon")] = None,
    near: Annotated[str | None, typer.Option(help="lat,lon,radius_km")] = None,
    state: Annotated[str | None, typer.Option(help="Issuing state.")] = None,
    color: Annotated[str | None, typer.Option()] = None,
    vehicle_type: Annotated[str | None, typer.Option("--type")] = None,
    make: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    on_behalf_of: BehalfOpt = None,
    data: DataOpt = Path("plateledger-data"),
) -> None:
    """Search reads (exact, wildcard or fuzzy, with filters); prints JSON."""
    query = SearchQuery(
        plate=plate, mode=mode, max_distance=max_distance, time_from=time_from,
        time_to=time_to, cameras=tuple(CameraId(c) for c in camera or ()), bbox=_bbox(bbox),
        near=_near(near), plate_state=state, color=color, vehicle_type=vehicle_type, make=make,
        limit=limit, offset=offset,
    )  # fmt: skip
    behalf = AgencyId(on_behalf_of) if on_behalf_of else None
    with acting_as(data, token, "search.run") as (platform, user):
        resp = platform.search.search(
            SearchRequest(user, query, Purpose(purpose, case_number, reason, behalf))
        )
        if isinstance(resp, HeldSearch):
            held_exit(resp)
        print_json(search_body(resp))


@friendly
def timeline_cmd(
    plate: Annotated[str, typer.Argument(help="Plate (exact).")],
    token: TokenOpt,
    purpose: PurposeOpt,
    case_number: CaseOpt,
    reason: ReasonOpt,
    on_behalf_of: BehalfOpt = None,
    data: DataOpt = Path("plateledger-data"),
) -> None:
    """A plate's timeline: first/last seen, per-camera counts, sightings."""
    behalf = AgencyId(on_behalf_of) if on_behalf_of else None
    with acting_as(data, token, "search.run") as (platform, user):
        t = timeline(platform.search, user, plate, Purpose(purpose, case_number, reason, behalf))
        if isinstance(t, HeldSearch):
            held_exit(t)
        print_json(timeline_out(t))


def held_exit(held: HeldSearch) -> NoReturn:
    """A held request: one line naming the search id to follow, exit 2 (nothing was read)."""
    eprint(f"error (held): {held.message} (search {held.search_id})")
    raise typer.Exit(2)
