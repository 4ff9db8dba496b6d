"""Sharing partners for the transparency portal: active agreements out of and into an agency.

Inbound partners are the other agencies whose agreements cover this agency (one agency, its
state, a radius around their cameras, or national); the law's conditions still apply per search.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import Agency, AgencyId, Network
from plateledger.policy.engine import PolicyState


class PartnerStore(Protocol):
    """The store methods the partner lists read (``DuckDBStore`` has them)."""

    def agency(self, agency_id: AgencyId) -> Agency | None: ...
    def networks(self) -> Sequence[Network]: ...
    def agreements(self) -> Sequence[SharingAgreement]: ...


@dataclass(frozen=True, slots=True)
class Partner:
    kind: str  # agency | state | radius | national
    who: str  # an agency name, a state, "within N km", "every agency"
    network: str  # the network shared (ours for outbound, theirs for inbound)
    purposes: tuple[str, ...]  # empty: any lawful purpose


def _who(store: PartnerStore, kind: str, grantee: str | None, radius: float | None) -> str:
    if kind == "agency":
        found = store.agency(AgencyId(grantee or ""))
        return found.name if found else str(grantee)
    if kind == "state":
        return f"agencies in {grantee}"
    return f"agencies within {radius or 0:g} km" if kind == "radius" else "every agency"


def outbound(store: PartnerStore, nets: set[str], now: datetime) -> tuple[Partner, ...]:
    return tuple(
        Partner(a.grantee_kind, _who(store, a.grantee_kind, a.grantee, a.radius_km),
                a.network_id, tuple(sorted(a.purposes)))
        for a in store.agreements() if a.network_id in nets and a.active(now)
    )  # fmt: skip


def inbound(
    store: PartnerStore, state: PolicyState, agency: Agency, nets: set[str], now: datetime
) -> tuple[Partner, ...]:
    """Other agencies' networks whose agreements cover this agency (law checks still apply)."""
    owners = {n.id: n.agency_id for n in store.networks()}
    home = state.agency_homes.get(agency.id)
    out = []
    for a in store.agreements():
        if a.network_id in nets or not a.active(now):
            continue
        if a.grantee_kind == "radius":
            km = _km(state.network_centres.get(a.network_id), home)
            covered = km is not None and a.radius_km is not None and km <= a.radius_km
        else:
            covered = a.grantee_kind == "national" or (a.grantee_kind, a.grantee) in {
                ("agency", agency.id), ("state", agency.state)}  # fmt: skip
        if covered:
            owner = store.agency(AgencyId(owners.get(a.network_id, "")))
            out.append(Partner(a.grantee_kind, owner.name if owner else "?", a.network_id,
                               tuple(sorted(a.purposes))))  # fmt: skip
    return tuple(out)


def _km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    if a is None or b is None:
        return None
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2)  # fmt: skip
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
