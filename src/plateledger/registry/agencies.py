"""An agency admin's own agency, its networks and its cameras with read counts.

Everything is scoped to the admin's own agency.
"""

from __future__ import annotations

from dataclasses import dataclass

from plateledger.app.platform import Platform
from plateledger.domain.types import Agency, Camera, Network, User
from plateledger.errors import ForbiddenError


def own_agency(platform: Platform, user: User) -> Agency:
    """The admin's agency; anyone else is refused."""
    if user.role != "admin":
        raise ForbiddenError("only an agency admin may do this")
    agency = platform.store.agency(user.agency_id)
    if agency is None:
        raise ForbiddenError(f"user {user.id} belongs to no registered agency")
    return agency


def own_networks(platform: Platform, user: User) -> list[Network]:
    return [n for n in platform.store.networks() if n.agency_id == user.agency_id]


# --- cameras -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CameraRow:
    camera: Camera
    network: Network
    reads: int


def agency_cameras(platform: Platform, user: User) -> list[CameraRow]:
    """The agency's cameras (fixed and mobile) with the number of reads each has stored."""
    own_agency(platform, user)
    nets = {n.id: n for n in own_networks(platform, user)}
    cams = [c for c in platform.store.cameras() if c.network_id in nets]
    counts = dict(
        platform.store.execute(
            "SELECT c.id, count(r.camera_key) FROM cameras c LEFT JOIN "
            "(SELECT camera_key FROM reads UNION ALL SELECT camera_key FROM reads_hot) r "
            "ON r.camera_key = c.key WHERE list_contains(?::VARCHAR[], c.network_id) "
            "GROUP BY c.id",
            [sorted(nets)],
        )
    )
    return [CameraRow(c, nets[c.network_id], int(counts.get(c.id, 0))) for c in cams]
