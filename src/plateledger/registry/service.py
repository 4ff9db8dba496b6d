"""The registry: agencies' networks and cameras, and which cameras may send or keep reads.

Only an agency's admin changes its cameras; a camera id is global, so an id another agency
already uses is refused. A retired camera keeps its reads (retention still applies) but new
reads from it are refused at ingest. Every change is a ``config_change`` audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from plateledger.audit.sink import AuditSink
from plateledger.domain.types import Agency, Camera, Network, User
from plateledger.errors import ConflictError, NotFoundError, ValidationError
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.registry import agencies, tables
from plateledger.registry.agencies import CameraRow
from plateledger.registry.base import RegistryStore
from plateledger.registry.cameras import checked_camera, require_admin


class Registry:
    """Agencies, networks and cameras: the admin's own, and what ingest and search may use."""

    def __init__(self, *, store: RegistryStore, audit: AuditSink) -> None:
        self._store = store
        self._audit = audit

    # --- an admin's own agency -------------------------------------------------------------
    def own_agency(self, user: User) -> Agency:
        """The admin's agency; anyone else is refused."""
        return agencies.own_agency(self._store, user)

    def own_networks(self, user: User) -> list[Network]:
        """The networks of the user's agency."""
        return agencies.own_networks(self._store, user)

    def agency_cameras(self, user: User) -> list[CameraRow]:
        """The agency's cameras (fixed and mobile) with the number of reads each has stored."""
        self.own_agency(user)
        nets = {n.id: n for n in self.own_networks(user)}
        cams = [c for c in self._store.cameras() if c.network_id in nets]
        counts = tables.camera_read_counts(self._store, nets)
        return [CameraRow(c, nets[c.network_id], counts.get(c.id, 0)) for c in cams]

    # --- changing cameras ------------------------------------------------------------------
    def register_camera(
        self, user: User, camera_id: str, network_id: str, name: str, lat: float, lon: float,
        heading: float | None = None, mobile: bool = False,
    ) -> Camera:  # fmt: skip
        """Add a camera to one of the admin's own networks, or update one of its own cameras."""
        require_admin(user)
        network = next((n for n in self._store.networks() if n.id == network_id), None)
        if network is None or network.agency_id != user.agency_id:
            raise ValidationError(
                f"network_id: {network_id!r} is not a network of your agency",
                {"field": "network_id"},
            )
        camera = checked_camera(camera_id, network_id, name, lat, lon, heading, mobile)
        existing = self._camera(camera.id)
        if existing is not None and not self._owned(user, existing):
            raise ConflictError(f"camera_id: {camera.id!r} is taken by another agency")
        action = "camera_update" if existing is not None else "camera_register"
        if existing is not None:
            camera = replace(camera, active=existing.active)
        self._audit(
            "config_change", user,
            {"action": action, "camera_id": camera.id, "network_id": camera.network_id,
             "name": camera.name, "lat": camera.lat, "lon": camera.lon,
             "heading": camera.heading, "mobile": camera.mobile},
            [camera.network_id],
        )  # fmt: skip
        self._store.upsert_cameras([camera])
        return camera

    def set_camera_active(self, user: User, camera_id: str, active: bool) -> Camera:
        """Retire a camera (``active=False``: its new reads are refused) or bring it back."""
        require_admin(user)
        camera = self._camera(camera_id)
        if camera is None or not self._owned(user, camera):
            raise NotFoundError(f"camera {camera_id!r} is not a camera of your agency")
        self._audit(
            "config_change", user,
            {"action": "camera_activate" if active else "camera_retire", "camera_id": camera.id},
            [camera.network_id],
        )  # fmt: skip
        changed = replace(camera, active=active)
        self._store.upsert_cameras([changed])
        return changed

    # --- which cameras ---------------------------------------------------------------------
    def known_cameras(self) -> frozenset[str]:
        """Cameras that may send reads: registered and not retired."""
        return frozenset(c.id for c in self._store.cameras() if c.active)

    def networks_of_cameras(self, camera_ids: Sequence[str]) -> list[str]:
        """The networks of the given cameras (an ingest batch's owners, for its audit entry)."""
        wanted = set(camera_ids)
        return sorted({c.network_id for c in self._store.cameras() if c.id in wanted})

    def cameras_of_agency(self, agency_id: str) -> frozenset[str]:
        """The ids of an agency's cameras, retired ones included."""
        nets = {n.id for n in self._store.networks() if n.agency_id == agency_id}
        return frozenset(c.id for c in self._store.cameras() if c.network_id in nets)

    def visible_cameras(self, user: User) -> list[Camera]:
        """Fixed camera locations are public on transparency portals; every user sees them.
        Mobile units are listed to their own agency only."""
        own = self.cameras_of_agency(user.agency_id)
        return [c for c in self._store.cameras() if not c.mobile or c.id in own]

    def non_hit_cameras(self) -> frozenset[str]:
        """Cameras whose owner's state keeps non-hit reads only minutes (NH): with no hotlist
        matching yet, none of their reads is a hit, so none is stored."""
        by_id = {a.id: a for a in self._store.agencies()}
        brief = {
            n.id
            for n in self._store.networks()
            if n.agency_id in by_id
            and jurisdiction(by_id[n.agency_id].state).non_hit_retention_minutes is not None
        }
        return frozenset(c.id for c in self._store.cameras() if c.network_id in brief)

    def _camera(self, camera_id: str) -> Camera | None:
        return next((c for c in self._store.cameras() if c.id == camera_id), None)

    def _owned(self, user: User, camera: Camera) -> bool:
        owner = {n.id: n.agency_id for n in self._store.networks()}
        return owner.get(camera.network_id) == user.agency_id
