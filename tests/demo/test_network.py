"""The demo network: real agencies, cameras on real roads in their cities, users of all roles."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from plateledger.demo import DemoNetwork, build_network
from plateledger.demo.network import bearing
from plateledger.domain.types import AGENCY_KINDS, ROLES, US_STATES


@pytest.fixture(scope="module")
def net() -> DemoNetwork:
    return build_network()


def _owner(net: DemoNetwork) -> dict[str, str]:
    """network id -> agency id"""
    return {n.id: n.agency_id for n in net.networks}


def test_counts_and_unique_ids(net: DemoNetwork) -> None:
    assert len(net.cameras) >= 300
    for items in (net.agencies, net.networks, net.cameras, net.users, net.cities, net.corridors):
        ids = [x.id for x in items]
        assert len(ids) == len(set(ids))
    assert set(net.city_of_camera) == {c.id for c in net.cameras}


def test_required_agencies_and_states(net: DemoNetwork) -> None:
    ids = {a.id for a in net.agencies}
    for slug in ("il-chicago-pd", "il-danville-pd", "il-cook-county-sheriff", "il-state-police",
                 "ca-san-mateo-pd", "ca-los-angeles-pd", "ca-san-francisco-pd", "va-richmond-pd",
                 "va-fairfax-county-pd", "wa-seattle-pd", "wa-king-county-sheriff",
                 "tx-houston-pd", "tx-dallas-pd", "tx-dps", "or-portland-pb", "mo-joplin-pd",
                 "mo-kansas-city-pd"):  # fmt: skip
        assert slug in ids
    states = {a.state for a in net.agencies}
    assert {"IL", "CA", "VA", "WA", "TX", "OR", "MO"} <= states
    for agency in net.agencies:
        assert re.fullmatch(r"[a-z]{2}(-[a-z0-9]+)+", agency.id)
        assert agency.id.startswith(agency.state.lower() + "-")
        assert agency.kind in AGENCY_KINDS
        assert agency.state in US_STATES


def test_federal_agencies_have_users_but_no_cameras(net: DemoNetwork) -> None:
    owner = _owner(net)
    owners_of_cameras = {owner[c.network_id] for c in net.cameras}
    for kind in ("federal", "federal_immigration"):
        agencies = [a for a in net.agencies if a.kind == kind]
        assert len(agencies) == 1
        agency = agencies[0]
        assert agency.id not in owners_of_cameras
        assert agency.id not in set(owner.values())
        assert any(u.agency_id == agency.id and u.role == "officer" for u in net.users)
    ice = next(a for a in net.agencies if a.kind == "federal_immigration")
    assert ice.name == "ICE Enforcement and Removal Operations"


def test_private_agency_owns_a_few_cameras(net: DemoNetwork) -> None:
    owner = _owner(net)
    private = [a for a in net.agencies if a.kind == "private"]
    assert private
    cams = [c for c in net.cameras if owner[c.network_id] == private[0].id]
    assert 2 <= len(cams) <= 12


def test_networks_per_agency(net: DemoNetwork) -> None:
    owner = _owner(net)
    per_agency = Counter(owner.values())
    cams_per_network = Counter(c.network_id for c in net.cameras)
    for agency, count in per_agency.items():
        assert 1 <= count <= 2
        assert f"{agency}-net" in owner
    for network in net.networks:
        assert network.id in (f"{network.agency_id}-net", f"{network.agency_id}-mobile")
        assert cams_per_network[network.id] > 0


def test_roles(net: DemoNetwork) -> None:
    owner = _owner(net)
    roles: dict[str, set[str]] = {}
    for user in net.users:
        roles.setdefault(user.agency_id, set()).add(user.role)
        assert user.id.startswith(f"{user.agency_id}-{user.role}")
        assert len(user.name.split()) >= 2
    for agency in set(owner.values()):
        assert "officer" in roles[agency]
    complete = {a for a, r in roles.items() if r == set(ROLES)}
    assert len(complete) >= 4
    states = {a.state for a in net.agencies if a.id in complete}
    assert {"IL", "TX", "CA"} <= states


def test_cameras_inside_their_city(net: DemoNetwork) -> None:
    for cam in net.cameras:
        min_lat, min_lon, max_lat, max_lon = net.city(net.city_of_camera[cam.id]).bbox
        assert min_lat <= cam.lat <= max_lat, cam.id
        assert min_lon <= cam.lon <= max_lon, cam.id


def test_camera_ids_names_and_mobiles(net: DemoNetwork) -> None:
    owner = _owner(net)
    mobile = [c for c in net.cameras if c.mobile]
    assert len(mobile) >= 3
    for cam in net.cameras:
        assert re.fullmatch(rf"{owner[cam.network_id]}-c\d{{3}}", cam.id)
        if cam.mobile:
            assert cam.network_id.endswith("-mobile") and cam.heading is None
        else:
            assert cam.heading is not None and 0 <= cam.heading < 360
            assert re.search(r" (&|at) .+ \((NB|SB|EB|WB)\)$", cam.name), cam.name


def test_headings_follow_the_road(net: DemoNetwork) -> None:
    cams = {c.id: c for c in net.cameras}
    for corridor in net.corridors:
        assert len(corridor.forward) == len(corridor.backward) >= 3
        for a, b in zip(corridor.forward, corridor.forward[1:], strict=False):
            road = bearing(cams[a].lat, cams[a].lon, cams[b].lat, cams[b].lon)
            assert _angle(cams[a].heading, road) < 1
        for fwd, back in zip(corridor.forward, corridor.backward, strict=True):
            assert _angle(cams[fwd].heading, (cams[back].heading or 0) + 180) < 60


def _angle(a: float | None, b: float) -> float:
    d = abs((a or 0) - b) % 360
    return min(d, 360 - d)


def test_retention(net: DemoNetwork) -> None:
    for agency in net.agencies:
        if agency.kind.startswith("federal"):
            continue
        assert agency.retention_days is not None and 7 <= agency.retention_days <= 365
        if agency.state in ("VA", "WA"):
            assert agency.retention_days <= 21


def test_deterministic(net: DemoNetwork) -> None:
    again = build_network()
    assert again == net
    assert dict(again.city_of_camera) == dict(net.city_of_camera)
    assert build_network(seed=8).cameras == net.cameras
