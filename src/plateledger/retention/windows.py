"""The effective retention window of every agency that owns networks (computed by
:func:`plateledger.policy.retention.effective_window`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from plateledger.domain.types import Agency, Network, NetworkId
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
