"""Agencies and cameras the caller may see; health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from plateledger import __version__
from plateledger.api.auth import CurrentUser, PlatformDep

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
            for c in platform.visible_cameras(user)
        ]
    }
