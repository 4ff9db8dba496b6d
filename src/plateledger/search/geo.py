"""Turning an area (bounding box or centre + radius) into cameras and a box for mobile reads."""

from __future__ import annotations

import math
from collections.abc import Iterable

from plateledger.domain.types import Camera, CameraId
from plateledger.store.base import BBox

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def circle_bbox(lat: float, lon: float, radius_km: float) -> BBox:
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return BBox(lat - dlat, lon - dlon, lat + dlat, lon + dlon)


def cameras_in_bbox(cameras: Iterable[Camera], box: BBox) -> frozenset[CameraId]:
    return frozenset(c.id for c in cameras if not c.mobile and box.contains(c.lat, c.lon))


def cameras_near(
    cameras: Iterable[Camera], lat: float, lon: float, radius_km: float
) -> frozenset[CameraId]:
    return frozenset(
        c.id for c in cameras if not c.mobile and haversine_km(lat, lon, c.lat, c.lon) <= radius_km
    )
