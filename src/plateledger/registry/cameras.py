"""Registering and retiring an agency's cameras (API, UI and CLI use these).

Only the agency's admin changes its cameras; a camera id is global, so an id another agency
already uses is refused. A retired camera keeps its reads (retention still applies) but new
reads from it are refused at ingest. Every change is a ``config_change`` audit event.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from plateledger.app.platform import Platform
from plateledger.domain.types import Camera, CameraId, NetworkId, User
from plateledger.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError

CAMERA_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def register_camera(
    platform: Platform,
    user: User,
    camera_id: str,
    network_id: str,
    name: str,
    lat: float,
    lon: float,
    heading: float | None = None,
    mobile: bool = False,
) -> Camera:
    """Add a camera to one of the admin's own networks, or update one of its own cameras."""
    _require_admin(user)
    network = next((n for n in platform.store.networks() if n.id == network_id), None)
    if network is None or network.agency_id != user.agency_id:
        raise ValidationError(
            f"network_id: {network_id!r} is not a network of your agency", {"field": "network_id"}
        )
    camera = Camera(
        CameraId(_camera_id(camera_id)), NetworkId(network_id), _name(name),
        _coordinate("lat", lat, 90.0), _coordinate("lon", lon, 180.0), _heading(heading),
        bool(mobile),
    )  # fmt: skip
    existing = _camera(platform, camera.id)
    if existing is not None and not _owned(platform, user, existing):
        raise ConflictError(f"camera_id: {camera.id!r} is taken by another agency")
    action = "camera_update" if existing is not None else "camera_register"
    if existing is not None:
        camera = replace(camera, active=existing.active)
    platform.log_event(
        "config_change", user,
        {"action": action, "camera_id": camera.id, "network_id": camera.network_id,
         "name": camera.name, "lat": camera.lat, "lon": camera.lon, "heading": camera.heading,
         "mobile": camera.mobile},
        [camera.network_id],
    )  # fmt: skip
    platform.store.upsert_cameras([camera])
    return camera


def set_camera_active(platform: Platform, user: User, camera_id: str, active: bool) -> Camera:
    """Retire a camera (``active=False``: its new reads are refused) or bring it back."""
    _require_admin(user)
    camera = _camera(platform, camera_id)
    if camera is None or not _owned(platform, user, camera):
        raise NotFoundError(f"camera {camera_id!r} is not a camera of your agency")
    platform.log_event(
        "config_change", user,
        {"action": "camera_activate" if active else "camera_retire", "camera_id": camera.id},
        [camera.network_id],
    )  # fmt: skip
    changed = replace(camera, active=active)
    platform.store.upsert_cameras([changed])
    return changed


def _require_admin(user: User) -> None:
    if user.role != "admin":
        raise ForbiddenError("only an agency admin changes its cameras")


def _camera(platform: Platform, camera_id: str) -> Camera | None:
    return next((c for c in platform.store.cameras() if c.id == camera_id), None)


def _owned(platform: Platform, user: User, camera: Camera) -> bool:
    owner = {n.id: n.agency_id for n in platform.store.networks()}
    return owner.get(camera.network_id) == user.agency_id


def _camera_id(value: str) -> str:
    if not CAMERA_ID.match(value or ""):
        raise ValidationError(
            "camera_id: 2-64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit", {"field": "camera_id"},
        )  # fmt: skip
    return value


def _name(value: str) -> str:
    value = (value or "").strip()
    if not 1 <= len(value) <= 200:
        raise ValidationError("name: give the camera's name (1-200 characters)", {"field": "name"})
    return value


def _coordinate(field: str, value: float, bound: float) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > bound:
        raise ValidationError(f"{field}: a number from -{bound:g} to {bound:g}", {"field": field})
    return float(value)


def _heading(value: float | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or not math.isfinite(value) or not 0 <= value < 360:
        raise ValidationError(
            "heading: degrees clockwise from north, 0 to under 360", {"field": "heading"}
        )
    return float(value)
