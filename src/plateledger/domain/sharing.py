"""Sharing agreements, declarations on file and agency search policies (values, no I/O).

Deny by default: an owner network is searchable by another agency only through an agreement
that covers the requester (one agency, a state, a radius around the owner, or national), the
purpose, and is neither expired nor revoked. Declarations are documents an agency has filed
(e.g. an out-of-state agency's signed Illinois declaration) that conditions in the law ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from plateledger.domain.types import AgencyId, NetworkId

GranteeKind = Literal["agency", "state", "radius", "national"]
GRANTEE_KINDS: tuple[str, ...] = get_args(GranteeKind)
DeclarationKind = Literal["written_declaration", "judicial_warrant_policy"]
DeclarationStatus = Literal["pending", "accepted", "rejected"]
ProtectedActivity = Literal["deny", "hold"]
PROTECTED_ACTIVITY_SETTINGS: tuple[str, ...] = get_args(ProtectedActivity)


@dataclass(frozen=True, slots=True)
class SharingAgreement:
    id: str
    network_id: NetworkId
    grantee_kind: GranteeKind
    grantee: str | None  # agency id, state code; None for radius and national
    radius_km: float | None
    purposes: frozenset[str]  # purpose codes or classes allowed; empty = every lawful purpose
    created_by: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    note: str = ""

    def active(self, at: datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= at:
            return False
        return self.expires_at is None or self.expires_at > at

    def describe(self) -> str:
        if self.grantee_kind == "agency":
            scope = f"agency {self.grantee}"
        elif self.grantee_kind == "state":
            scope = f"agencies in {self.grantee}"
        elif self.grantee_kind == "radius":
            scope = f"agencies within {self.radius_km or 0:g} km"
        else:
            scope = "every agency"
        purposes = ", ".join(sorted(self.purposes)) if self.purposes else "any lawful purpose"
        return f"shared with {scope} for {purposes}"


@dataclass(frozen=True, slots=True)
class Declaration:
    """A document on file: ``agency_id`` declared, for data of ``state``, what ``kind`` says.

    Filing does not make it count: it takes effect for an owner agency of ``state`` only once
    an admin of that owner accepts it (``accepted_by``); until then it is pending there."""

    id: str
    agency_id: AgencyId
    state: str
    kind: DeclarationKind
    signed_at: datetime
    expires_at: datetime | None
    document_ref: str
    accepted_by: frozenset[AgencyId] = frozenset()  # owner agencies that accepted it
    rejected_by: frozenset[AgencyId] = frozenset()  # owner agencies that rejected it
    filed_by: str | None = None
    filed_at: datetime | None = None

    def valid(self, at: datetime) -> bool:
        return self.signed_at <= at and (self.expires_at is None or self.expires_at > at)

    def effective_for(self, owner: AgencyId, at: datetime) -> bool:
        """In force for ``owner``'s data at ``at``: within its dates and accepted by the owner."""
        return owner in self.accepted_by and self.valid(at)

    def status_for(self, owner: AgencyId) -> DeclarationStatus:
        if owner in self.accepted_by:
            return "accepted"
        return "rejected" if owner in self.rejected_by else "pending"


@dataclass(frozen=True, slots=True)
class AgencyPolicy:
    """An agency's own rules, on top of the law: applied to its data and to its users."""

    agency_id: AgencyId
    require_specific_reason: bool = False  # vague reasons are held for a supervisor
    prohibited_purposes: frozenset[str] = frozenset()
    # A reason whose subject is protected activity (a protest, a clinic visit) is denied on every
    # network; "hold" relaxes that to a supervisor's review, on networks where every agency
    # involved chose "hold" and its state's law does not forbid the purpose (policy/floor.py).
    protected_activity: ProtectedActivity = "deny"
