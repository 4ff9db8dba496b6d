"""Who is in the demo network: agencies, their networks, their users.

Retention days are the agency's own setting (the policy engine caps them by statute): Virginia
and Washington agencies at their 21-day statutory limit, Oregon at 30, California agencies at a
year, and the rest at common vendor or department settings (30-365 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import numpy as np

from plateledger.domain.types import (
    Agency,
    AgencyId,
    AgencyKind,
    Network,
    NetworkId,
    Role,
    User,
    UserId,
)


@dataclass(frozen=True, slots=True)
class AgencySpec:
    """An agency, how many mobile (vehicle-mounted) cameras it runs, whether it has all roles."""

    agency: Agency
    mobile_units: int = 0
    all_roles: bool = False
    officers: int = 1


def _a(
    slug: str,
    name: str,
    state: str,
    kind: AgencyKind,
    retention: int | None,
    *,
    mobile_units: int = 0,
    all_roles: bool = False,
    officers: int = 1,
) -> AgencySpec:
    agency = Agency(AgencyId(slug), name, state, kind, retention)
    return AgencySpec(agency, mobile_units, all_roles, officers)


AGENCY_SPECS: tuple[AgencySpec, ...] = (
    _a("il-chicago-pd", "Chicago Police Department", "IL", "municipal", 365,
       mobile_units=3, all_roles=True, officers=3),
    _a("il-danville-pd", "Danville Police Department", "IL", "municipal", 30),
    _a("il-cook-county-sheriff", "Cook County Sheriff's Office", "IL", "sheriff", 180),
    _a("il-state-police", "Illinois State Police", "IL", "state_police", 180, mobile_units=2),
    _a("ca-san-mateo-pd", "San Mateo Police Department", "CA", "municipal", 365,
       all_roles=True, officers=2),
    _a("ca-los-angeles-pd", "Los Angeles Police Department", "CA", "municipal", 365,
       mobile_units=2, officers=2),
    _a("ca-san-francisco-pd", "San Francisco Police Department", "CA", "municipal", 365),
    _a("va-richmond-pd", "Richmond Police Department", "VA", "municipal", 21),
    _a("va-fairfax-county-pd", "Fairfax County Police Department", "VA", "municipal", 21),
    _a("wa-seattle-pd", "Seattle Police Department", "WA", "municipal", 21,
       mobile_units=3, all_roles=True, officers=2),
    _a("wa-king-county-sheriff", "King County Sheriff's Office", "WA", "sheriff", 21),
    _a("tx-houston-pd", "Houston Police Department", "TX", "municipal", 90,
       mobile_units=2, all_roles=True, officers=3),
    _a("tx-dallas-pd", "Dallas Police Department", "TX", "municipal", 30),
    _a("tx-dps", "Texas Department of Public Safety", "TX", "state_police", 365, mobile_units=2),
    _a("tx-briarwood-hoa", "Briarwood Crossing HOA Security", "TX", "private", 30),
    _a("or-portland-pb", "Portland Police Bureau", "OR", "municipal", 30),
    _a("mo-joplin-pd", "Joplin Police Department", "MO", "municipal", 30),
    _a("mo-kansas-city-pd", "Kansas City Missouri Police Department", "MO", "municipal", 90),
    _a("il-fbi-chicago", "FBI Chicago Field Office", "IL", "federal", None, officers=2),
    _a("dc-ice-ero", "ICE Enforcement and Removal Operations", "DC", "federal_immigration",
       None, officers=2),
)  # fmt: skip

_ROLES: tuple[Role, ...] = get_args(Role)

_FIRST = (
    "Maria", "James", "Aisha", "Robert", "Mei", "David", "Guadalupe", "Michael", "Priya",
    "William", "Keisha", "Daniel", "Elena", "Thomas", "Fatima", "Kevin", "Rosa", "Brian",
    "Hannah", "Luis", "Grace", "Andre", "Nicole", "Tyrone", "Sarah", "Juan", "Emily", "Marcus",
)  # fmt: skip
_LAST = (
    "Garcia", "Johnson", "Nguyen", "Williams", "Rodriguez", "Brown", "Kowalski", "Patel",
    "Jackson", "Martinez", "O'Brien", "Kim", "Davis", "Hernandez", "Washington", "Lopez",
    "Miller", "Chen", "Wilson", "Anderson", "Ramirez", "Thompson", "Okafor", "Moore",
)  # fmt: skip


def build_networks(specs: tuple[AgencySpec, ...], owners: set[AgencyId]) -> tuple[Network, ...]:
    """``<agency>-net`` for every camera owner, plus ``<agency>-mobile`` if it runs patrol cars."""
    nets: list[Network] = []
    for spec in specs:
        agency = spec.agency
        if agency.id not in owners:
            continue
        nets.append(Network(NetworkId(f"{agency.id}-net"), agency.id, f"{agency.name} fixed"))
        if spec.mobile_units:
            name = f"{agency.name} patrol vehicles"
            nets.append(Network(NetworkId(f"{agency.id}-mobile"), agency.id, name))
    return tuple(nets)


def build_users(specs: tuple[AgencySpec, ...], seed: int) -> tuple[User, ...]:
    """Officers everywhere; supervisors, auditors and admins where ``all_roles`` is set."""
    rng = np.random.default_rng([seed, 0x05E5])
    pairs = [(f, la) for f in _FIRST for la in _LAST]
    order = rng.permutation(len(pairs))
    users: list[User] = []
    for spec in specs:
        roles: list[Role] = ["officer"] * spec.officers
        if spec.all_roles:
            roles += [r for r in _ROLES if r != "officer"]
        elif spec.agency.kind not in ("federal", "federal_immigration"):
            roles.append("admin")
        counts: dict[str, int] = {}
        for role in roles:
            counts[role] = counts.get(role, 0) + 1
            first, last = pairs[int(order[len(users) % len(pairs)])]
            uid = UserId(f"{spec.agency.id}-{role}{counts[role]}")
            users.append(User(uid, spec.agency.id, f"{first} {last}", role))
    return tuple(users)
