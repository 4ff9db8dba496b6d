"""Assist requests: another agency asked yours for help (what a search on its behalf needs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from plateledger.api.auth import CurrentUser, PlatformDep
from plateledger.api.schemas import Strict
from plateledger.sharing.assists import AssistIn

router = APIRouter(tags=["assists"])


class AssistBody(Strict):
    on_behalf_of: str = Field(min_length=1, max_length=100, description="the agency that asked")
    case_number: str = Field(min_length=1, max_length=100, description="its case number")
    requested_by: str = Field(
        min_length=1, max_length=200, description="who asked: name and contact"
    )
    requested_at: datetime | None = Field(None, description="when they asked (default: now)")
    expires_at: datetime | None = Field(
        None, description="end of the assist (default 30 days, at most 90 days ahead)"
    )
    own_case_number: str | None = Field(
        None, max_length=100, description="your own case number for the assist, if any"
    )
    note: str = Field("", max_length=2000)


@router.post("/assists", summary="Record another agency's request for help (supervisor, admin)")
def create_assist(body: AssistBody, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    assist = platform.assists.create(
        user,
        AssistIn(body.on_behalf_of, body.case_number, body.requested_by, body.requested_at,
                 body.expires_at, body.own_case_number, body.note),
    )  # fmt: skip
    return assist.to_dict(datetime.now(UTC))


@router.get("/assists", summary="Your agency's assist requests")
def list_assists(user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"assists": [a.to_dict(now) for a in platform.assists.of_agency(user)]}


@router.post("/assists/{assist_id}/revoke", summary="Revoke an assist request")
def revoke_assist(assist_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    return platform.assists.revoke(user, assist_id).to_dict(datetime.now(UTC))
