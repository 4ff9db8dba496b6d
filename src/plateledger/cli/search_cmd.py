"""`plateledger search` and `plateledger timeline`: in-process on the data directory, or with
`--url` through the HTTP API of a running server (which holds the directory), same output."""

from __future__ import annotations

import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import typer

from plateledger.api.schemas import search_body, timeline_out
from plateledger.cli.common import DataOpt, acting_as, eprint, friendly_remote, print_json
from plateledger.cli.remote import Held, TokenFileOpt, TokenOpt, UrlOpt, read_token, server
from plateledger.domain.types import AgencyId, CameraId
from plateledger.search.timeline import timeline
from plateledger.search.types import (
    HeldSearch,
    Near,
    Purpose,
    SearchQuery,
    SearchRequest,
    query_to_dict,
)
from plateledger.store.base import BBox

FromOpt = Annotated[
    datetime | None, typer.Option("--from", help="Only reads at or after this time (ISO 8601).")
]
ToOpt = Annotated[
    datetime | None, typer.Option("--to", help="Only reads before this time (ISO 8601).")
]
PurposeOpt = Annotated[str, typer.Option(help="Purpose code, e.g. stolen_vehicle.")]
CaseOpt = Annotated[str, typer.Option("--case-number", help="Case or incident number.")]
ReasonOpt = Annotated[str, typer.Option(help="Free-text reason for the search.")]
BehalfOpt = Annotated[
    str | None, typer.Option("--on-behalf-of", help="Agency id you search for, if not your own.")
]


def _bbox(text: str | None) -> BBox | None:
    if text is None:
        return None
    parts = _numbers(text, 4, "--bbox takes min_lat,min_lon,max_lat,max_lon")
    return BBox(*parts)


def _near(text: str | None) -> Near | None:
    if text is None:
        return None
    parts = _numbers(text, 3, "--near takes lat,lon,radius_km")
    return Near(*parts)


def _numbers(text: str, count: int, usage: str) -> list[float]:
    """``count`` comma-separated numbers, or a clear usage error (exit 2, never a traceback)."""
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise typer.BadParameter(f"{usage} (numbers): got {text!r}") from None
    if len(parts) != count:
        raise typer.BadParameter(usage)
    return parts


@friendly_remote
def search(
    purpose: PurposeOpt,
    case_number: CaseOpt,
    reason: ReasonOpt,
    token: TokenOpt = None,
    plate: Annotated[
        str | None, typer.Option(help="Plate, pattern (? and *) or fuzzy target.")
    ] = None,
    mode: Annotated[Literal["exact", "wildcard", "fuzzy"], typer.Option()] = "exact",
    max_distance: Annotated[int, typer.Option(min=0, max=2)] = 1,
    time_from: FromOpt = None,
    time_to: ToOpt = None,
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
    url: UrlOpt = None,
    token_file: TokenFileOpt = None,
) -> None:
    """Search reads (exact, wildcard or fuzzy, with filters); prints JSON. With --url, through
    a running server's API (same output)."""
    query = SearchQuery(
        plate=plate, mode=mode, max_distance=max_distance, time_from=time_from,
        time_to=time_to, cameras=tuple(CameraId(c) for c in camera or ()), bbox=_bbox(bbox),
        near=_near(near), plate_state=state, color=color, vehicle_type=vehicle_type, make=make,
        limit=limit, offset=offset,
    )  # fmt: skip
    if url is not None:
        body = {"query": query_to_dict(query), "purpose": purpose, "case_number": case_number,
                "reason": reason, "on_behalf_of": on_behalf_of}  # fmt: skip
        print_json(_answer(server(url, token, token_file).post("/searches", body)))
        return
    behalf = AgencyId(on_behalf_of) if on_behalf_of else None
    with acting_as(data, read_token(token, token_file), "search.run") as (platform, user):
        resp = platform.search.search(
            SearchRequest(user, query, Purpose(purpose, case_number, reason, behalf))
        )
        if isinstance(resp, HeldSearch):
            held_exit(resp.search_id, resp.message)
        print_json(search_body(resp))


@friendly_remote
def timeline_cmd(
    plate: Annotated[str, typer.Argument(help="Plate (exact).")],
    purpose: PurposeOpt,
    case_number: CaseOpt,
    reason: ReasonOpt,
    token: TokenOpt = None,
    on_behalf_of: BehalfOpt = None,
    time_from: FromOpt = None,
    time_to: ToOpt = None,
    data: DataOpt = Path("plateledger-data"),
    url: UrlOpt = None,
    token_file: TokenFileOpt = None,
) -> None:
    """A plate's timeline: first/last seen, per-camera counts, sightings. With --url, through a
    running server's API (same output)."""
    if url is not None:
        params = {"purpose": purpose, "case_number": case_number, "reason": reason,
                  "on_behalf_of": on_behalf_of, "from": _iso(time_from),
                  "to": _iso(time_to)}  # fmt: skip
        path = f"/plates/{urllib.parse.quote(plate, safe='')}/timeline"
        print_json(_answer(server(url, token, token_file).get(path, params)))
        return
    behalf = AgencyId(on_behalf_of) if on_behalf_of else None
    p = Purpose(purpose, case_number, reason, behalf)
    with acting_as(data, read_token(token, token_file), "search.run") as (platform, user):
        t = timeline(platform.search, user, plate, p, time_from, time_to)
        if isinstance(t, HeldSearch):
            held_exit(t.search_id, t.message)
        print_json(timeline_out(t))


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _answer(answer: dict[str, Any] | Held) -> dict[str, Any]:
    """The server's result, or the held line and exit 2, as on the local path."""
    if isinstance(answer, Held):
        held_exit(answer.search_id, answer.message)
    return answer


def held_exit(search_id: str, message: str) -> NoReturn:
    """A held request: one line naming the search id to follow, exit 2 (nothing was read)."""
    eprint(f"error (held): {message} (search {search_id})")
    raise typer.Exit(2)
