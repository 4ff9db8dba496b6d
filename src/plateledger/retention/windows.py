"""The effective retention window of every agency that owns networks (computed by
:func:`plateledger.policy.retention.effective_window`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from plateledger.domain.types import Agency, Camera, Network, NetworkId
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.policy.retention import effective_window
from plateledger.retention.base import Window


class WindowSource(Protocol):
    """The agencies and networks of a store."""

    def agencies(self) -> list[Agency]: ...

    def networks(self) -> list[Network]: ...


def agency_windows(store: WindowSource) -> list[Window]:
    """The effective retention window of every agency that owns networks."""
    nets: dict[str, list[NetworkId]] = {}
    for n in store.networks():
        nets.setdefault(n.agency_id, []).append(n.id)
    out = []
    for agency in store.agencies():
        if agency.id in nets:
            window = effective_window(agency, jurisdiction(agency.state))
            out.append(Window(agency, tuple(nets[agency.id]), window.minutes, window.rule))
    return out


def window_start(windows: Sequence[Window], agency_id: str, now: datetime) -> datetime | None:
    """The earliest read time (naive UTC) the agency still keeps, or ``None`` for no limit."""
    for w in windows:
        if w.agency.id == agency_id and w.minutes is not None:
            return (now - timedelta(minutes=w.minutes)).replace(tzinfo=None)
    return None


class CameraSource(WindowSource, Protocol):
    """Agencies, networks and cameras of a store."""

    def cameras(self) -> list[Camera]: ...


def oldest_kept(store: CameraSource, now: datetime) -> dict[str, datetime]:
    """Per camera, the earliest read time (aware UTC) its owner keeps under the statute cap and
    the agency's setting (the minutes-long non-hit window is applied at ingest separately):
    an older read would be purged at once, so ingest refuses it."""
    agencies = {a.id: a for a in store.agencies()}
    owners = {n.id: n.agency_id for n in store.networks()}
    floors: dict[str, datetime | None] = {}
    for agency_id, agency in agencies.items():
        minutes = effective_window(agency, jurisdiction(agency.state), non_hit=False).minutes
        floors[agency_id] = None if minutes is None else now - timedelta(minutes=minutes)
    out: dict[str, datetime] = {}
    for camera in store.cameras():
        floor = floors.get(owners.get(camera.network_id, ""))
        if floor is not None:
            out[camera.id] = floor
    return out
