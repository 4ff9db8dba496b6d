"""Webhooks of an agency (agency admins): register, list, revoke, and the allow-list of
private address ranges they may reach. Each change is audited; the secret is never returned."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from plateledger.api.auth import Admin, PlatformDep

router = APIRouter(tags=["webhooks"])


class WebhookIn(BaseModel):
    url: str
    secret: str = Field(min_length=16)


class PrivateNetworksIn(BaseModel):
    networks: list[str] = Field(
        max_length=20,
        description="CIDR networks inside 10/8, 172.16/12, 192.168/16, 100.64/10 or fc00::/7 "
        "that the agency's https webhooks may reach (empty: public addresses only).",
    )


@router.post("/webhooks")
def add_webhook(body: WebhookIn, user: Admin, platform: PlatformDep) -> dict[str, Any]:
    hook_id = platform.hotlists.webhooks.add(user, body.url, body.secret)
    return {"id": hook_id, "url": body.url}


@router.get("/webhooks")
def list_webhooks(user: Admin, platform: PlatformDep) -> list[dict[str, Any]]:
    """The agency's webhooks (revoked ones too); URLs without secrets, never the secret."""
    result: list[dict[str, Any]] = platform.hotlists.webhooks.of_agency(user)
    return result


@router.delete("/webhooks/{webhook_id}")
def revoke_webhook(webhook_id: str, user: Admin, platform: PlatformDep) -> dict[str, Any]:
    """Revoke a webhook: nothing is delivered to it afterwards, queued deliveries included."""
    result: dict[str, Any] = platform.hotlists.webhooks.revoke(user, webhook_id)
    return result


@router.get("/webhooks/private-networks")
def private_networks(user: Admin, platform: PlatformDep) -> dict[str, list[str]]:
    return {"networks": [str(n) for n in platform.hotlists.webhooks.private(user.agency_id)]}


@router.put("/webhooks/private-networks")
def set_private_networks(
    body: PrivateNetworksIn, user: Admin, platform: PlatformDep
) -> dict[str, list[str]]:
    """Set the private ranges the agency's webhooks may reach (audited, previous value too)."""
    return {"networks": platform.hotlists.webhooks.set_private(user, body.networks)}
