"""The search form's camera list, ordered for the person searching: their own agency's
cameras first, then every other agency's, nearest first.

"Nearest" is the great-circle distance from the centroid of the user's agency's cameras to the
centroid of the other agency's cameras. A user whose agency has no cameras (a federal field
office) gets the agencies by name. Each group becomes an ``<optgroup>`` in ``search.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plateledger.domain.types import Agency, Camera, Network
from plateledger.search.geo import haversine_km


@dataclass(frozen=True, slots=True)
class CameraGroup:
    agency_id: str
    label: str  # "Chicago Police Department (yours)" or "... · 285 km"
    cameras: tuple[Camera, ...]  # by name
    distance_km: float | None  # None for the user's own agency, or with nothing to measure from


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance between two (lat, lon) points."""
    return haversine_km(*a, *b)


def centroid(cameras: Sequence[Camera]) -> tuple[float, float]:
    return (sum(c.lat for c in cameras) / len(cameras), sum(c.lon for c in cameras) / len(cameras))


def camera_groups(
    cameras: Sequence[Camera],
    networks: Sequence[Network],
    agencies: Sequence[Agency],
    own_agency: str,
) -> list[CameraGroup]:
    """``cameras`` grouped by owner agency: the user's own first, then by distance (by name
    when the user's agency has no cameras to measure from)."""
    owner: dict[str, str] = {n.id: n.agency_id for n in networks}
    names: dict[str, str] = {a.id: a.name for a in agencies}
    grouped: dict[str, list[Camera]] = {}
    for c in cameras:
        grouped.setdefault(owner.get(c.network_id, "?"), []).append(c)
    home = centroid(grouped[own_agency]) if grouped.get(own_agency) else None
    groups = []
    for agency_id, members in grouped.items():
        members.sort(key=lambda c: (c.name, c.id))
        name = names.get(agency_id, agency_id)
        if agency_id == own_agency:
            groups.append(CameraGroup(agency_id, f"{name} (yours)", tuple(members), None))
            continue
        km = distance_km(home, centroid(members)) if home is not None else None
        label = f"{name} · {km:,.0f} km" if km is not None else name
        groups.append(CameraGroup(agency_id, label, tuple(members), km))
    groups.sort(key=lambda g: (g.agency_id != own_agency, g.distance_km or 0.0, g.label))
    return groups
