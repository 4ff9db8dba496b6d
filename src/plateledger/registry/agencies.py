"""An agency admin's own agency and its networks; a camera row with its read count.

Everything is scoped to the admin's own agency. These are pure functions of a store, so other
contexts (retention, alerts, sharing) can scope an admin without holding the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from plateledger.domain.types import Agency, Camera, Network, User
from plateledger.errors import ForbiddenError
from plateledger.registry.base import AgencyStore


def own_agency(store: AgencyStore, user: User) -> Agency:
    """The admin's agency; anyone else is refused."""
    if user.role != "admin":
        raise ForbiddenError("only an agency admin may do this")
    agency = store.agency(user.agency_id)
    if agency is None:
        raise ForbiddenError(f"user {user.id} belongs to no registered agency")
    return agency


def own_networks(store: AgencyStore, user: User) -> list[Network]:
    """The networks of the user's agency."""
    return [n for n in store.networks() if n.agency_id == user.agency_id]


@dataclass(frozen=True, slots=True)
class CameraRow:
    """One of the agency's cameras, its network and the number of reads it has stored."""

    camera: Camera
    network: Network
    reads: int
