"""The engine's inputs, gathered from whatever holds them: agreements, declarations, agency
search policies, and where each network and agency is (for radius agreements).

A pure function over a narrow reader (the store satisfies it), so the engine and this module
never import the store layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from plateledger.domain.sharing import AgencyPolicy, Declaration, SharingAgreement
from plateledger.domain.types import AgencyId, Camera, Network, NetworkId
from plateledger.policy.engine import LatLon, PolicyState


class PolicySource(Protocol):
    """What the policy state is read from (``DuckDBStore`` is one)."""

    def cameras(self) -> Sequence[Camera]: ...
    def networks(self) -> Sequence[Network]: ...
    def agreements(self) -> Sequence[SharingAgreement]: ...
    def declarations(self) -> Sequence[Declaration]: ...
    def agency_policies(self) -> Mapping[AgencyId, AgencyPolicy]: ...


def policy_state(source: PolicySource) -> PolicyState:
    """The current inputs of the engine; a network's (and an agency's) location is the centre
    of its fixed cameras (mobile units move, so they place nothing)."""
    owner = {n.id: n.agency_id for n in source.networks()}
    by_network: dict[str, list[Camera]] = {}
    by_agency: dict[str, list[Camera]] = {}
    for c in source.cameras():
        if not c.mobile:
            by_network.setdefault(c.network_id, []).append(c)
            by_agency.setdefault(owner.get(c.network_id, ""), []).append(c)
    return PolicyState(
        agreements=source.agreements(),
        declarations=source.declarations(),
        policies=source.agency_policies(),
        network_centres={NetworkId(k): _centre(v) for k, v in by_network.items()},
        agency_homes={AgencyId(k): _centre(v) for k, v in by_agency.items() if k},
    )


def _centre(cameras: list[Camera]) -> LatLon:
    return (
        sum(c.lat for c in cameras) / len(cameras),
        sum(c.lon for c in cameras) / len(cameras),
    )
