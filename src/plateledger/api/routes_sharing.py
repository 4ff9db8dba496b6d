"""Sharing agreements, declarations on file, agency policy, and the computed access answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from plateledger.api.auth import CurrentUser, PlatformDep
from plateledger.api.schemas import Strict
from plateledger.errors import ForbiddenError
from plateledger.sharing.agreements import AgreementIn, agreement_out, policy_values
from plateledger.sharing.declarations import declaration_out

router = APIRouter(tags=["sharing"])


class AgreementBody(Strict):
    grantee_kind: Literal["agency", "state", "radius", "national"]
    grantee: str | None = Field(None, max_length=100, description="agency id or state code")
    radius_km: float | None = Field(None, gt=0, le=2000)
    purposes: list[str] = Field(default_factory=list, max_length=50)
    expires_at: datetime | None = None
    note: str = Field("", max_length=2000)


class DeclarationBody(Strict):
    state: str = Field(min_length=2, max_length=2, description="state whose law asks for it")
    kind: Literal["written_declaration", "judicial_warrant_policy"] = "written_declaration"
    signed_at: datetime
    expires_at: datetime | None = None
    document_ref: str = Field(min_length=1, max_length=500)


class PolicyBody(Strict):
    require_specific_reason: bool = False
    prohibited_purposes: list[str] = Field(default_factory=list, max_length=50)
    protected_activity: Literal["deny", "hold"] = Field(
        "deny",
        description="a reason whose subject is protected activity (a protest, a clinic visit): "
        "deny on every network (default), or hold for a supervisor where the law allows",
    )


@router.post("/networks/{network_id}/sharing", summary="Share a network (owner's admin)")
def add_agreement(
    network_id: str, body: AgreementBody, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    agreement = platform.sharing.add_agreement(
        user, network_id,
        AgreementIn(body.grantee_kind, body.grantee, body.radius_km, tuple(body.purposes),
                    body.expires_at, body.note),
    )  # fmt: skip
    return agreement_out(agreement, agreement.created_at)


@router.get("/networks/{network_id}/sharing", summary="A network's sharing agreements")
def list_agreements(network_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    platform.sharing.owned_network(user, network_id, admin=False)
    now = datetime.now(UTC)
    return {
        "agreements": [
            agreement_out(a, now) for a in platform.store.agreements() if a.network_id == network_id
        ]
    }


@router.delete("/networks/{network_id}/sharing/{agreement_id}", summary="Revoke an agreement")
def revoke(
    network_id: str, agreement_id: str, user: CurrentUser, platform: PlatformDep
) -> dict[str, str]:
    platform.sharing.revoke_agreement(user, network_id, agreement_id)
    return {"revoked": agreement_id}


@router.get(
    "/networks/{network_id}/access",
    summary="Who can search this network, for what, and why (computed)",
)
def access(network_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    return platform.sharing.access(user, network_id)


@router.post("/agencies/{agency_id}/declarations", summary="File a declaration (agency admin)")
def declare(
    agency_id: str, body: DeclarationBody, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    if agency_id != user.agency_id:
        raise ForbiddenError("declarations are filed by the declaring agency's admin")
    d = platform.sharing.file_declaration(
        user, body.state.upper(), body.kind, body.signed_at, body.expires_at,
        body.document_ref,
    )  # fmt: skip
    return {**declaration_out(d, None), "status": "pending"}


class DeclarationDecision(Strict):
    note: str = Field(min_length=1, max_length=2000, description="why accepted or rejected")


@router.get(
    "/agencies/{agency_id}/declarations/received",
    summary="Declarations filed for your state, with your agency's decision (owner's admin)",
)
def received(agency_id: str, user: CurrentUser, platform: PlatformDep) -> dict[str, Any]:
    if agency_id != user.agency_id:
        raise ForbiddenError("an agency's received declarations are its own admin's")
    return {"declarations": platform.sharing.declarations.received(user)}


@router.post(
    "/declarations/{declaration_id}/accept",
    summary="Accept a declaration for your networks (owner's admin)",
)
def accept_declaration(
    declaration_id: str, body: DeclarationDecision, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    d = platform.sharing.declarations.decide(user, declaration_id, True, body.note)
    return declaration_out(d, user.agency_id)


@router.post(
    "/declarations/{declaration_id}/reject",
    summary="Reject (or withdraw acceptance of) a declaration for your networks",
)
def reject_declaration(
    declaration_id: str, body: DeclarationDecision, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    d = platform.sharing.declarations.decide(user, declaration_id, False, body.note)
    return declaration_out(d, user.agency_id)


@router.put("/agencies/{agency_id}/policy", summary="Set the agency's search policy (admin)")
def set_policy(
    agency_id: str, body: PolicyBody, user: CurrentUser, platform: PlatformDep
) -> dict[str, Any]:
    if agency_id != user.agency_id:
        raise ForbiddenError("an agency's policy is set by its own admin")
    p = platform.sharing.set_policy(
        user, body.require_specific_reason, tuple(body.prohibited_purposes),
        body.protected_activity,
    )  # fmt: skip
    return {"agency_id": p.agency_id, **policy_values(p)}
