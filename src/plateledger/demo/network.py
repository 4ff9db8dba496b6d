"""The demo network: real agencies, cameras on real roads, users of every role.

``build_network`` turns the literal data of :mod:`.places` and :mod:`.roster` into domain values:
one camera per direction at every corridor vertex, heading along the road, plus a few mobile
(patrol-car) cameras. Pure and deterministic: ``seed`` only picks user names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from plateledger.demo.places import CITIES, CORRIDORS, City, CorridorSpec
from plateledger.demo.roster import AGENCY_SPECS, build_networks, build_users
from plateledger.domain.types import (
    Agency,
    AgencyId,
    Camera,
    CameraId,
    Network,
    NetworkId,
    User,
)
from plateledger.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Corridor:
    """Cameras along one road. ``forward[i]`` and ``backward[i]`` stand at the same vertex i."""

    id: str
    city_id: str
    agency_id: AgencyId
    road: str
    forward: tuple[CameraId, ...]
    backward: tuple[CameraId, ...]


@dataclass(frozen=True)
class DemoNetwork:
    """Everything a demo deployment registers, plus the geography traffic needs."""

    agencies: tuple[Agency, ...]
    networks: tuple[Network, ...]
    cameras: tuple[Camera, ...]
    users: tuple[User, ...]
    cities: tuple[City, ...]
    corridors: tuple[Corridor, ...]
    city_of_camera: Mapping[CameraId, str] = field(compare=False)

    def city(self, city_id: str) -> City:
        """The city with this id (KeyError if unknown)."""
        for city in self.cities:
            if city.id == city_id:
                return city
        raise KeyError(city_id)


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return round(math.degrees(math.atan2(y, x)) % 360.0, 1)


def direction_label(heading: float) -> str:
    """NB / EB / SB / WB for a heading in degrees."""
    return ("NB", "EB", "SB", "WB")[int(((heading + 45.0) % 360.0) // 90.0)]


class _Numberer:
    """Hands out ``<agency>-c001``, ``<agency>-c002``... per agency."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, agency_id: str) -> CameraId:
        n = self._next.get(agency_id, 0) + 1
        self._next[agency_id] = n
        return CameraId(f"{agency_id}-c{n:03d}")


def _vertex_headings(spec: CorridorSpec, i: int) -> tuple[float, float]:
    """(forward, backward) headings at vertex i, following the polyline."""
    p = [(lat, lon) for lat, lon, _ in spec.points]
    fwd = bearing(*p[i], *p[i + 1]) if i + 1 < len(p) else bearing(*p[i - 1], *p[i])
    back = bearing(*p[i], *p[i - 1]) if i > 0 else bearing(*p[1], *p[0])
    return fwd, back


def _corridor_cameras(spec: CorridorSpec, number: _Numberer) -> tuple[Corridor, list[Camera]]:
    net = NetworkId(f"{spec.agency_id}-net")
    joiner = "at" if spec.freeway else "&"
    cams: list[Camera] = []
    fwd_ids: list[CameraId] = []
    back_ids: list[CameraId] = []
    for i, (lat, lon, cross) in enumerate(spec.points):
        for heading, ids in zip(_vertex_headings(spec, i), (fwd_ids, back_ids), strict=True):
            cid = number(spec.agency_id)
            name = f"{spec.road} {joiner} {cross} ({direction_label(heading)})"
            cams.append(Camera(cid, net, name, lat, lon, heading))
            ids.append(cid)
    slug = spec.road.lower().replace(" ", "-").replace("/", "-")
    corridor = Corridor(
        f"{spec.city_id}/{slug}", spec.city_id, AgencyId(spec.agency_id), spec.road,
        tuple(fwd_ids), tuple(back_ids),
    )  # fmt: skip
    return corridor, cams


def _mobile_cameras(
    corridors: list[Corridor], cameras: list[Camera], number: _Numberer
) -> tuple[list[Camera], dict[CameraId, str]]:
    """Patrol-car cameras, parked at their city's first camera until they report a position."""
    by_id = {c.id: c for c in cameras}
    out: list[Camera] = []
    city_of: dict[CameraId, str] = {}
    for spec in AGENCY_SPECS:
        cities = [c for c in corridors if c.agency_id == spec.agency.id]
        for unit in range(spec.mobile_units):
            corridor = cities[unit % len(cities)]
            home = by_id[corridor.forward[0]]
            cid = number(spec.agency.id)
            net = NetworkId(f"{spec.agency.id}-mobile")
            name = f"Patrol unit {unit + 1} (mobile)"
            out.append(Camera(cid, net, name, home.lat, home.lon, None, mobile=True))
            city_of[cid] = corridor.city_id
    return out, city_of


def require_seed(seed: int) -> None:
    """Seeds feed numpy's SeedSequence, which takes non-negative integers only."""
    if seed < 0:
        raise ValidationError("seed must be >= 0", {"field": "seed"})


def build_network(seed: int = 7) -> DemoNetwork:
    """The demo network: ~20 agencies, ~390 cameras on real roads, users of every role."""
    require_seed(seed)
    number = _Numberer()
    corridors: list[Corridor] = []
    cameras: list[Camera] = []
    city_of: dict[CameraId, str] = {}
    for spec in CORRIDORS:
        corridor, cams = _corridor_cameras(spec, number)
        corridors.append(corridor)
        cameras.extend(cams)
        city_of.update((c.id, spec.city_id) for c in cams)
    mobile, mobile_city = _mobile_cameras(corridors, cameras, number)
    cameras.extend(mobile)
    city_of.update(mobile_city)
    owners = {c.agency_id for c in corridors}
    return DemoNetwork(
        agencies=tuple(s.agency for s in AGENCY_SPECS),
        networks=build_networks(AGENCY_SPECS, owners),
        cameras=tuple(cameras),
        users=build_users(AGENCY_SPECS, seed),
        cities=CITIES,
        corridors=tuple(corridors),
        city_of_camera=MappingProxyType(city_of),
    )
