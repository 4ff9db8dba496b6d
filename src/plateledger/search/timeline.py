"""A vehicle's timeline: first/last seen, per-camera counts and ordered sightings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from plateledger.domain.plates import canonicalize
from plateledger.domain.types import Read, User
from plateledger.search.service import SearchService
from plateledger.search.types import CameraCount, HeldSearch, Purpose, Sighting, Timeline
from plateledger.store.base import ReadFilters

SIGHTING_GAP = timedelta(minutes=2)
MAX_TIMELINE_READS = 20_000


def timeline(
    service: SearchService,
    user: User,
    plate: str,
    purpose: Purpose,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
) -> Timeline | HeldSearch:
    """The plate's reads on every network the request may search, in time order; a held
    request comes back as :class:`HeldSearch` (nothing read)."""
    canonical = canonicalize(plate)
    query = {"plate": canonical, "time_from": _iso(time_from), "time_to": _iso(time_to)}
    auth = service.authorise(user, purpose, "timeline", query, bulk=service.daily_hold(user, 1))
    if isinstance(auth, HeldSearch):
        return auth
    filters = ReadFilters(time_from=time_from, time_to=time_to)
    left = service.reads_left_today(user)  # one plate's history still counts to the ceiling
    cap = MAX_TIMELINE_READS if left is None else min(MAX_TIMELINE_READS, left)
    reads = service.store.find_reads(
        [canonical], filters, auth.scope, limit=cap + 1, order="ts_asc"
    )
    truncated = len(reads) > cap
    reads = reads[:cap]
    service.count_returned(auth.search_id, len(reads), user)
    return Timeline(
        search_id=auth.search_id,
        plate=canonical,
        total_reads=len(reads),
        first_seen=reads[0].ts if reads else None,
        last_seen=reads[-1].ts if reads else None,
        per_camera=_per_camera(reads),
        sightings=sightings(reads),
        networks_searched=auth.searched,
        networks_excluded=auth.excluded,
        truncated=truncated,
    )


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None


def _per_camera(reads: Sequence[Read]) -> tuple[CameraCount, ...]:
    groups: dict[str, list[Read]] = {}
    for r in reads:
        groups.setdefault(r.camera_id, []).append(r)
    counts = [
        CameraCount(rs[0].camera_id, rs[0].owner_agency, len(rs), rs[0].ts, rs[-1].ts)
        for rs in groups.values()
    ]
    return tuple(sorted(counts, key=lambda c: (-c.count, c.camera_id)))


def sightings(reads: Sequence[Read]) -> tuple[Sighting, ...]:
    """Group time-ordered reads: same camera, each within SIGHTING_GAP of the previous one."""
    out: list[Sighting] = []
    current: list[Read] = []
    for r in reads:
        if current and (
            r.camera_id != current[-1].camera_id or r.ts - current[-1].ts > SIGHTING_GAP
        ):
            out.append(_sighting(current))
            current = []
        current.append(r)
    if current:
        out.append(_sighting(current))
    return tuple(out)


def _sighting(reads: Sequence[Read]) -> Sighting:
    confs = [r.confidence for r in reads if r.confidence is not None]
    return Sighting(
        reads[0].camera_id,
        reads[0].owner_agency,
        reads[0].ts,
        reads[-1].ts,
        tuple(int(r.id) for r in reads),
        max(confs) if confs else None,
    )
