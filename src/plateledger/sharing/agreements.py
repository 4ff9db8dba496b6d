"""Sharing agreements, declarations and agency policies: the admin's operations, and the
computed answer to "who can search my data, for what, and why"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from plateledger.app.platform import Platform
from plateledger.domain.sharing import (
    GRANTEE_KINDS,
    AgencyPolicy,
    Declaration,
    DeclarationKind,
    GranteeKind,
    SharingAgreement,
)
from plateledger.domain.types import US_STATES, AgencyId, Network, NetworkId, User, UserId
from plateledger.errors import ForbiddenError, NotFoundError, ValidationError
from plateledger.policy.base import AccessRequest
from plateledger.policy.purposes import load_purposes, purpose_names

# Purposes shown in the access answer: one per class an admin cares about.
ACCESS_PURPOSES = ("stolen_vehicle", "homicide", "missing_person", "parking_enforcement")


@dataclass(frozen=True)
class AgreementIn:
    grantee_kind: str
    grantee: str | None = None
    radius_km: float | None = None
    purposes: tuple[str, ...] = ()
    expires_at: datetime | None = None
    note: str = ""


def owned_network(platform: Platform, user: User, network_id: str, *, admin: bool) -> Network:
    network = next((n for n in platform.store.networks() if n.id == network_id), None)
    if network is None:
        raise NotFoundError(f"no network {network_id}")
    if network.agency_id != user.agency_id or (admin and user.role != "admin"):
        raise ForbiddenError(
            f"only {'an admin' if admin else 'a user'} of {network.agency_id} may do this"
        )
    return network


def add_agreement(
    platform: Platform, user: User, network_id: str, a: AgreementIn
) -> SharingAgreement:
    network = owned_network(platform, user, network_id, admin=True)
    _check_grantee(platform, a)
    known = purpose_names()
    unknown = [p for p in a.purposes if p not in known]
    if unknown:
        raise ValidationError(f"purposes: unknown {', '.join(unknown)}", {"field": "purposes"})
    agreement = SharingAgreement(
        id=f"sa-{uuid.uuid4().hex[:10]}", network_id=network.id,
        grantee_kind=_kind(a.grantee_kind), grantee=a.grantee, radius_km=a.radius_km,
        purposes=frozenset(a.purposes), created_by=user.id, created_at=datetime.now(UTC),
        expires_at=a.expires_at, note=a.note,
    )  # fmt: skip
    platform.store.save_agreement(agreement)
    platform.log_event(
        "sharing_change", user, {"action": "add", **agreement_out(agreement, agreement.created_at)},
        [network.id],
    )  # fmt: skip
    return agreement


def _kind(value: str) -> GranteeKind:
    if value not in GRANTEE_KINDS:
        raise ValidationError(
            f"grantee_kind: must be one of {', '.join(GRANTEE_KINDS)}", {"field": "grantee_kind"}
        )
    return value  # type: ignore[return-value]


def _check_grantee(platform: Platform, a: AgreementIn) -> None:
    if a.grantee_kind == "agency" and a.grantee not in {x.id for x in platform.store.agencies()}:
        raise ValidationError(f"grantee: unknown agency {a.grantee!r}", {"field": "grantee"})
    if a.grantee_kind == "state" and a.grantee not in US_STATES:
        raise ValidationError(f"grantee: {a.grantee!r} is not a state code", {"field": "grantee"})
    if a.grantee_kind == "radius" and not (a.radius_km and 0 < a.radius_km <= 2000):
        raise ValidationError("radius_km: give a radius in (0, 2000] km", {"field": "radius_km"})


def revoke_agreement(platform: Platform, user: User, network_id: str, agreement_id: str) -> None:
    owned_network(platform, user, network_id, admin=True)
    found = next(
        (
            a
            for a in platform.store.agreements()
            if a.id == agreement_id and a.network_id == network_id
        ),
        None,
    )
    if found is None:
        raise NotFoundError(f"no agreement {agreement_id} on {network_id}")
    revoked = replace(found, revoked_at=datetime.now(UTC))
    platform.store.save_agreement(revoked)
    platform.log_event(
        "sharing_change", user, {"action": "revoke", **agreement_out(revoked, datetime.now(UTC))},
        [network_id],
    )  # fmt: skip


def file_declaration(
    platform: Platform, user: User, state: str, kind: str, signed_at: datetime,
    expires_at: datetime | None, document_ref: str,
) -> Declaration:  # fmt: skip
    if user.role != "admin":
        raise ForbiddenError("only an admin files declarations for their agency")
    if state not in US_STATES:
        raise ValidationError(f"state: {state!r} is not a state code", {"field": "state"})
    if kind not in ("written_declaration", "judicial_warrant_policy"):
        raise ValidationError(
            "kind: written_declaration or judicial_warrant_policy", {"field": "kind"}
        )
    declaration = Declaration(
        f"dec-{uuid.uuid4().hex[:10]}", user.agency_id, state, _decl(kind), signed_at,
        expires_at, document_ref,
    )  # fmt: skip
    platform.store.save_declaration(declaration)
    platform.log_event(
        "sharing_change", user,
        {"action": "declaration", "id": declaration.id, "state": state, "kind": kind,
         "signed_at": signed_at.isoformat(), "document_ref": document_ref},
    )  # fmt: skip
    return declaration


def _decl(kind: str) -> DeclarationKind:
    return "judicial_warrant_policy" if kind == "judicial_warrant_policy" else "written_declaration"


def set_policy(
    platform: Platform, user: User, require_specific: bool, prohibited: tuple[str, ...]
) -> AgencyPolicy:
    if user.role != "admin":
        raise ForbiddenError("only an admin sets their agency's policy")
    unknown = [p for p in prohibited if p not in purpose_names()]
    if unknown:
        raise ValidationError(
            f"prohibited_purposes: unknown {', '.join(unknown)}", {"field": "prohibited_purposes"}
        )
    policy = AgencyPolicy(user.agency_id, require_specific, frozenset(prohibited))
    platform.store.save_agency_policy(policy)
    platform.log_event(
        "config_change", user,
        {"action": "agency_policy", "require_specific_reason": require_specific,
         "prohibited_purposes": sorted(prohibited)},
    )  # fmt: skip
    return policy


def access(platform: Platform, user: User, network_id: str) -> dict[str, Any]:
    """Who can search this network, for what, and why — computed by the policy engine for a
    typical officer of every agency, with a specific reason, now."""
    network = owned_network(platform, user, network_id, admin=False)
    agencies = {a.id: a for a in platform.store.agencies()}
    owner = agencies[network.agency_id]
    labels = load_purposes()
    now = datetime.now(UTC)
    rows = []
    for agency in agencies.values():
        probe = User(UserId(f"{agency.id}:probe"), AgencyId(agency.id), "probe", "officer")
        per_purpose = {}
        for code in ACCESS_PURPOSES:
            reason = f"{labels[code].label} investigation of a reported case"
            request = AccessRequest(probe, agency, code, "ACCESS-CHECK", reason, None, now)
            d = platform.policy.evaluate(request, [(network, owner)])[0]
            per_purpose[code] = {"decision": d.decision, "rule_ids": list(d.rule_ids),
                                 "explanation": d.explanation}  # fmt: skip
        rows.append({"agency": agency.id, "name": agency.name, "state": agency.state,
                     "kind": agency.kind, "purposes": per_purpose})  # fmt: skip
    agreements = [a for a in platform.store.agreements() if a.network_id == NetworkId(network.id)]
    return {
        "network": network.id,
        "owner_agency": owner.id,
        "agreements": [agreement_out(a, now) for a in agreements],
        "who_can_search": rows,
        "computed_at": now.isoformat(),
    }


def agreement_out(a: SharingAgreement, now: datetime) -> dict[str, Any]:
    return {
        "id": a.id, "network_id": a.network_id, "grantee_kind": a.grantee_kind,
        "grantee": a.grantee, "radius_km": a.radius_km, "purposes": sorted(a.purposes),
        "created_by": a.created_by, "created_at": a.created_at.isoformat(),
        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
        "revoked_at": a.revoked_at.isoformat() if a.revoked_at else None,
        "active": a.active(now), "description": a.describe(), "note": a.note,
    }  # fmt: skip
