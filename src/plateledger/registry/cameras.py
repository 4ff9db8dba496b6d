"""Checking a camera's fields before the registry registers it (pure functions).

Each bad field is refused with its name first in the message (``lat: ...``), so the API and UI
can point at it.
"""

from __future__ import annotations

import math
import re

from plateledger.domain.types import Camera, CameraId, NetworkId, User
from plateledger.errors import ForbiddenError, ValidationError

CAMERA_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def require_admin(user: User) -> None:
    """Only an agency admin changes its cameras."""
    if user.role != "admin":
        raise ForbiddenError("only an agency admin changes its cameras")


def checked_camera(
    camera_id: str, network_id: str, name: str, lat: float, lon: float,
    heading: float | None, mobile: bool,
) -> Camera:  # fmt: skip
    """A camera from submitted fields, each checked; the first bad field is named."""
    return Camera(
        CameraId(_camera_id(camera_id)), NetworkId(network_id), _name(name),
        _coordinate("lat", lat, 90.0), _coordinate("lon", lon, 180.0), _heading(heading),
        bool(mobile),
    )  # fmt: skip


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
