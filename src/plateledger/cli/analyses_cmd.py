"""`plateledger convoy`, `multi-place` and `frequent-visitor`: the analyses with their own purpose
tier, in-process on the data directory or with `--url` through a running server's API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from plateledger.cli.common import DataOpt, acting_as, friendly_remote, print_json
from plateledger.cli.remote import TokenFileOpt, TokenOpt, UrlOpt, read_token, server
from plateledger.cli.search_cmd import (
    BehalfOpt,
    CaseOpt,
    PurposeOpt,
    ReasonOpt,
    _answer,
    _bbox,
    _near,
    held_exit,
)
from plateledger.domain.types import AgencyId, CameraId
from plateledger.errors import ValidationError
from plateledger.search.analysis_types import (
    AnalysisQuery,
    ConvoyQuery,
    FrequentVisitorQuery,
    MultiPlaceQuery,
    Place,
    PlaceWindow,
)
from plateledger.search.types import HeldSearch, Purpose

StartOpt = Annotated[
    datetime, typer.Option("--from", help="Window start (ISO 8601; UTC if no zone).")
]
EndOpt = Annotated[datetime, typer.Option("--to", help="Window end (ISO 8601; UTC if no zone).")]
CameraOpt = Annotated[list[str] | None, typer.Option(help="Camera id (repeatable).")]
BBoxOpt = Annotated[str | None, typer.Option(help="min_lat,min_lon,max_lat,max_lon")]
NearOpt = Annotated[str | None, typer.Option(help="lat,lon,radius_km")]


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _run(
    query: AnalysisQuery, path: str, body: dict[str, Any], purpose: Purpose, token: str | None,
    token_file: Path | None, data: Path, url: str | None,
) -> None:  # fmt: skip
    """Through the API with ``url`` (``body``), else in-process; held: one line, exit 2."""
    if url is not None:
        full = {**body, "purpose": purpose.purpose, "case_number": purpose.case_number,
                "reason": purpose.reason, "on_behalf_of": purpose.on_behalf_of}  # fmt: skip
        print_json(_answer(server(url, token, token_file).post(path, full)))
        return
    with acting_as(data, read_token(token, token_file), "search.run") as (platform, user):
        result = platform.analyses.run(user, query, purpose)
        if isinstance(result, HeldSearch):
            held_exit(result.search_id, result.message)
        print_json(result.to_dict())


def _purpose(purpose: str, case_number: str, reason: str, behalf: str | None) -> Purpose:
    return Purpose(purpose, case_number, reason, AgencyId(behalf) if behalf else None)


@friendly_remote
def convoy(
    plate: Annotated[str, typer.Argument(help="The target plate.")],
    purpose: PurposeOpt, case_number: CaseOpt, reason: ReasonOpt,
    time_from: StartOpt, time_to: EndOpt,
    min_cameras: Annotated[int, typer.Option("-k", "--min-cameras", min=1, max=50,
                                             help="Co-sighting cameras needed.")] = 2,
    delta: Annotated[int, typer.Option("--delta-seconds", min=1, max=1800,
                                       help="± seconds of the target's read.")] = 120,
    token: TokenOpt = None, on_behalf_of: BehalfOpt = None,
    data: DataOpt = Path("plateledger-data"), url: UrlOpt = None, token_file: TokenFileOpt = None,
) -> None:  # fmt: skip
    """Vehicles seen with a target plate at ≥ k of its cameras within ±Δt (held for a
    supervisor by default; allowed only for purposes the owners name). Prints JSON."""
    start, end = _utc(time_from), _utc(time_to)
    query = ConvoyQuery(plate, start, end, min_cameras, timedelta(seconds=delta))
    body = {"plate": plate, "time_from": start.isoformat(), "time_to": end.isoformat(),
            "min_cameras": min_cameras, "delta_seconds": delta}  # fmt: skip
    purp = _purpose(purpose, case_number, reason, on_behalf_of)
    _run(query, "/searches/convoy", body, purp, token, token_file, data, url)


def _window(text: str) -> PlaceWindow:
    """``CAMERA[+CAMERA...]@FROM/TO``: cameras and a time window."""
    place, _, span = text.partition("@")
    start, _, end = span.partition("/")
    if not place or not start or not end:
        raise ValidationError(
            "--window: takes CAMERA[+CAMERA...]@FROM/TO (ISO 8601 times)", {"field": "--window"}
        )
    try:
        times = (_utc(datetime.fromisoformat(start)), _utc(datetime.fromisoformat(end)))
    except ValueError as exc:
        raise ValidationError(f"--window: {exc}", {"field": "--window"}) from exc
    return PlaceWindow(Place(tuple(CameraId(c) for c in place.split("+"))), *times)


@friendly_remote
def multi_place(
    purpose: PurposeOpt, case_number: CaseOpt, reason: ReasonOpt,
    window: Annotated[list[str], typer.Option(
        help="CAMERA[+CAMERA...]@FROM/TO, 2 to 5 times (each window at most 24 hours).")],
    token: TokenOpt = None, on_behalf_of: BehalfOpt = None,
    data: DataOpt = Path("plateledger-data"), url: UrlOpt = None, token_file: TokenFileOpt = None,
) -> None:  # fmt: skip
    """Plates seen in every one of 2–5 place-and-time windows (held for a supervisor by
    default). Prints JSON."""
    query = MultiPlaceQuery(tuple(_window(w) for w in window))
    body = {"windows": [{"cameras": list(w.place.cameras), "time_from": w.time_from.isoformat(),
                         "time_to": w.time_to.isoformat()} for w in query.windows]}  # fmt: skip
    purp = _purpose(purpose, case_number, reason, on_behalf_of)
    _run(query, "/searches/multi-place", body, purp, token, token_file, data, url)


@friendly_remote
def frequent_visitor(
    purpose: PurposeOpt, case_number: CaseOpt, reason: ReasonOpt,
    time_from: StartOpt, time_to: EndOpt,
    min_days: Annotated[int, typer.Option("-k", "--min-days", min=2, max=90,
                                          help="Distinct UTC days needed.")] = 3,
    camera: CameraOpt = None, bbox: BBoxOpt = None, near: NearOpt = None,
    token: TokenOpt = None, on_behalf_of: BehalfOpt = None,
    data: DataOpt = Path("plateledger-data"), url: UrlOpt = None, token_file: TokenFileOpt = None,
) -> None:  # fmt: skip
    """Plates seen at one place on ≥ k distinct days of a window (at most 90 days; held for a
    supervisor by default). Prints JSON."""
    place = Place(tuple(CameraId(c) for c in camera or ()), _bbox(bbox), _near(near))
    window = PlaceWindow(place, _utc(time_from), _utc(time_to))
    query = FrequentVisitorQuery(window, min_days)
    body = {"place": {**place.to_dict(), "time_from": window.time_from.isoformat(),
                      "time_to": window.time_to.isoformat()}, "min_days": min_days}  # fmt: skip
    purp = _purpose(purpose, case_number, reason, on_behalf_of)
    _run(query, "/searches/frequent-visitor", body, purp, token, token_file, data, url)
