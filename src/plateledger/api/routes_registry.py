"""Agencies and cameras the caller may see; health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from plateledger import __version__
from plateledger.api.auth import Admin, CurrentUser, PlatformDep
from plateledger.domain.types import Camera

router = APIRouter()


@router.get("/health", tags=["meta"], summary="Liveness (public)")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/agencies", tags=["registry"], summary="Agencies")
def list_agencies(user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    return {
        "agencies": [
            {
                "id": a.id,
                "name": a.name,
                "state": a.state,
                "kind": a.kind,
                "retention_days": a.retention_days,
            }
            for a in platform.store.agencies()
        ]
    }


@router.get("/cameras", tags=["registry"], summary="Cameras")
def list_cameras(user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    owner = {n.id: n.agency_id for n in platform.store.networks()}
    return {
        "cameras": [
            {
                "id": c.id,
                "name": c.name,
                "network_id": c.network_id,
                "owner_agency": owner.get(c.network_id),
                "lat": c.lat,
                "lon": c.lon,
                "heading": c.heading,
                "mobile": c.mobile,
                "active": c.active,
            }
            for c in platform.registry.visible_cameras(user)
        ]
    }


class CameraIn(BaseModel):
    """A camera of one of the caller's agency's networks."""

    id: str = Field(description="Global camera id: 2-64 of a-z 0-9 . _ -")
    network_id: str
    name: str
    lat: float
    lon: float
    heading: float | None = Field(None, description="Degrees clockwise from north")
    mobile: bool = False


class CameraState(BaseModel):
    active: bool = Field(description="false retires the camera: its new reads are refused")


def _camera_json(camera: Camera) -> dict[str, Any]:
    return {
        "id": camera.id, "name": camera.name, "network_id": camera.network_id,
        "lat": camera.lat, "lon": camera.lon, "heading": camera.heading,
        "mobile": camera.mobile, "active": camera.active,
    }  # fmt: skip


@router.post("/cameras", tags=["registry"], summary="Register or update a camera (admin)")
async def register_camera(body: CameraIn, user: Admin, platform: PlatformDep) -> dict[str, Any]:
    camera = await run_in_threadpool(
        platform.registry.register_camera, user, body.id, body.network_id, body.name, body.lat,
        body.lon, body.heading, body.mobile,
    )  # fmt: skip
    return _camera_json(camera)


@router.patch(
    "/cameras/{camera_id}", tags=["registry"], summary="Retire or reactivate a camera (admin)"
)
async def set_camera_state(
    camera_id: str, body: CameraState, user: Admin, platform: PlatformDep
) -> dict[str, Any]:
    camera = await run_in_threadpool(
        platform.registry.set_camera_active, user, camera_id, body.active
    )
    return _camera_json(camera)


@router.get("/stats", tags=["registry"], summary="Counts and sizes of the store")
async def store_stats(user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    """What `plateledger stats` prints: reads, days, bytes on disk, reads per network. Counts
    only, never a plate (permission store.stats: agency admins and auditors)."""
    stats = await run_in_threadpool(platform.store.stats)
    return stats.as_json()
