"""Sharing agreements, declarations and agency policies: the admin's operations, and the
computed answer to "who can search my data, for what, and why"."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.sharing import (
    GRANTEE_KINDS,
    PROTECTED_ACTIVITY_SETTINGS,
    AgencyPolicy,
    Declaration,
    GranteeKind,
    SharingAgreement,
)
from plateledger.domain.types import (
    US_STATES,
    Agency,
    AgencyId,
    Network,
    NetworkId,
    User,
    UserId,
)
from plateledger.errors import ForbiddenError, NotFoundError, ValidationError
from plateledger.policy.base import AccessRequest, Decision
from plateledger.policy.jurisdictions import jurisdiction
from plateledger.policy.purposes import PROHIBITED_CLASSES, load_purposes, purpose_names
from plateledger.sharing.declarations import Declarations, DeclarationStore

# Purposes shown in the access answer: one per class an admin cares about.
ACCESS_PURPOSES = ("stolen_vehicle", "homicide", "missing_person", "parking_enforcement")


class SharingStore(DeclarationStore, Protocol):
    """The store methods sharing reads and writes (``DuckDBStore`` has them)."""

    def agreements(self) -> Sequence[SharingAgreement]: ...
    def save_agreement(self, agreement: SharingAgreement) -> None: ...
    def save_agency_policy(self, policy: AgencyPolicy) -> None: ...
    def agency_policies(self) -> Mapping[AgencyId, AgencyPolicy]: ...


class AccessPolicy(Protocol):
    """The policy engine's one question (``PurposePolicy`` answers it)."""

    def evaluate(
        self, request: AccessRequest, networks: Sequence[tuple[Network, Agency]]
    ) -> list[Decision]: ...


@dataclass(frozen=True)
class AgreementIn:
    grantee_kind: str
    grantee: str | None = None
    radius_km: float | None = None
    purposes: tuple[str, ...] = ()
    expires_at: datetime | None = None
    note: str = ""


class Sharing:
    """An agency admin's sharing operations, each change audited (``sharing_change``,
    ``config_change`` for the agency policy)."""

    def __init__(
        self, *, store: SharingStore, audit: AuditSink, policy: AccessPolicy,
        clock: Clock = utc_now,
    ) -> None:  # fmt: skip
        self._store = store
        self._audit = audit
        self._policy = policy
        self._clock = clock
        #: Declarations on file: filed by the declaring agency, accepted by each owner.
        self.declarations = Declarations(store=store, audit=audit, clock=clock)

    def owned_network(self, user: User, network_id: str, *, admin: bool) -> Network:
        network = next((n for n in self._store.networks() if n.id == network_id), None)
        if network is None:
            raise NotFoundError(f"no network {network_id}")
        if network.agency_id != user.agency_id or (admin and user.role != "admin"):
            raise ForbiddenError(
                f"only {'an admin' if admin else 'a user'} of {network.agency_id} may do this"
            )
        return network

    def add_agreement(self, user: User, network_id: str, a: AgreementIn) -> SharingAgreement:
        network = self.owned_network(user, network_id, admin=True)
        _check_grantee(a, {x.id for x in self._store.agencies()})
        known = purpose_names()
        unknown = [p for p in a.purposes if p not in known]
        if unknown:
            raise ValidationError(f"purposes: unknown {', '.join(unknown)}", {"field": "purposes"})
        self._check_lawful(network, a.purposes)
        agreement = SharingAgreement(
            id=f"sa-{uuid.uuid4().hex[:10]}", network_id=network.id,
            grantee_kind=_kind(a.grantee_kind), grantee=a.grantee, radius_km=a.radius_km,
            purposes=frozenset(a.purposes), created_by=user.id, created_at=self._clock(),
            expires_at=a.expires_at, note=a.note,
        )  # fmt: skip
        self._store.save_agreement(agreement)
        after = agreement_out(agreement, agreement.created_at)
        self._audit(
            "sharing_change", user,
            {"action": "add", **after, "before": None, "after": after}, [network.id],
        )  # fmt: skip
        return agreement

    def _check_lawful(self, network: Network, purposes: Sequence[str]) -> None:
        """422 naming ``purposes`` for any purpose the owner's state law or the owner's own
        policy prohibits, and for prohibited classes (never selectable by a search)."""
        owner = next(a for a in self._store.agencies() if a.id == network.agency_id)
        law = jurisdiction(owner.state)
        policy = self._store.agency_policies().get(owner.id)
        forbidden_by_policy = policy.prohibited_purposes if policy is not None else frozenset()
        vocabulary = load_purposes()
        bad = []
        for name in purposes:
            p = vocabulary.get(name)
            names = {name} if p is None else {name, p.purpose_class}
            if (
                names & PROHIBITED_CLASSES
                or (p is not None and (not p.selectable or law.prohibition(p) is not None))
                or any(n in law.prohibited_rules for n in names)
                or names & forbidden_by_policy
            ):
                bad.append(name)
        if bad:
            raise ValidationError(
                f"purposes: {', '.join(bad)} is prohibited on {owner.name}'s data "
                f"({owner.state} law or the agency's policy)",
                {"field": "purposes", "prohibited": bad},
            )

    def revoke_agreement(self, user: User, network_id: str, agreement_id: str) -> None:
        self.owned_network(user, network_id, admin=True)
        found = next(
            (
                a
                for a in self._store.agreements()
                if a.id == agreement_id and a.network_id == network_id
            ),
            None,
        )
        if found is None:
            raise NotFoundError(f"no agreement {agreement_id} on {network_id}")
        now = self._clock()
        revoked = replace(found, revoked_at=now)
        self._store.save_agreement(revoked)
        after = agreement_out(revoked, now)
        self._audit(
            "sharing_change", user,
            {"action": "revoke", **after, "before": agreement_out(found, now), "after": after},
            [network_id],
        )  # fmt: skip

    def file_declaration(
        self, user: User, state: str, kind: str, signed_at: datetime,
        expires_at: datetime | None, document_ref: str,
    ) -> Declaration:  # fmt: skip
        """File a pending declaration (``sharing.declarations``): it counts for an owner only
        once that owner's admin accepts it."""
        return self.declarations.file(user, state, kind, signed_at, expires_at, document_ref)

    def set_policy(
        self, user: User, require_specific: bool, prohibited: tuple[str, ...],
        protected_activity: str = "deny",
    ) -> AgencyPolicy:  # fmt: skip
        """Replace the admin's agency policy; audited with the values before and after.
        ``protected_activity="hold"`` relaxes the protected-activity floor (policy/floor.py)
        from deny to a supervisor's review, where the law allows."""
        if user.role != "admin":
            raise ForbiddenError("only an admin sets their agency's policy")
        unknown = [p for p in prohibited if p not in purpose_names()]
        if unknown:
            raise ValidationError(
                f"prohibited_purposes: unknown {', '.join(unknown)}",
                {"field": "prohibited_purposes"},
            )
        if protected_activity not in PROTECTED_ACTIVITY_SETTINGS:
            raise ValidationError(
                f"protected_activity: {protected_activity!r} is not one of "
                f"{', '.join(PROTECTED_ACTIVITY_SETTINGS)}",
                {"field": "protected_activity", "valid": list(PROTECTED_ACTIVITY_SETTINGS)},
            )
        before = self._store.agency_policies().get(user.agency_id)
        policy = AgencyPolicy(
            user.agency_id, require_specific, frozenset(prohibited),
            "hold" if protected_activity == "hold" else "deny",
        )  # fmt: skip
        self._audit(  # write-ahead: a change that cannot be audited is not made
            "config_change", user,
            {"action": "agency_policy", **policy_values(policy),
             "previous_policy": None if before is None else policy_values(before)},
            [n.id for n in self._store.networks() if n.agency_id == user.agency_id],
        )  # fmt: skip
        self._store.save_agency_policy(policy)
        return policy

    def access(self, user: User, network_id: str) -> dict[str, Any]:
        """Who can search this network, for what, and why — computed by the policy engine for a
        typical officer of every agency, with a specific reason, now."""
        network = self.owned_network(user, network_id, admin=False)
        agencies = {a.id: a for a in self._store.agencies()}
        owner = agencies[network.agency_id]
        now = self._clock()
        rows = [
            {"agency": agency.id, "name": agency.name, "state": agency.state,
             "kind": agency.kind, "purposes": self._per_purpose(agency, network, owner, now)}
            for agency in agencies.values()
        ]  # fmt: skip
        agreements = [a for a in self._store.agreements() if a.network_id == NetworkId(network.id)]
        return {
            "network": network.id,
            "owner_agency": owner.id,
            "agreements": [agreement_out(a, now) for a in agreements],
            "who_can_search": rows,
            "computed_at": now.isoformat(),
        }

    def _per_purpose(
        self, agency: Agency, network: Network, owner: Agency, now: datetime
    ) -> dict[str, Mapping[str, Any]]:
        labels = load_purposes()
        probe = User(UserId(f"{agency.id}:probe"), AgencyId(agency.id), "probe", "officer")
        out: dict[str, Mapping[str, Any]] = {}
        for code in ACCESS_PURPOSES:
            reason = f"{labels[code].label} investigation of a reported case"
            request = AccessRequest(probe, agency, code, "ACCESS-CHECK", reason, None, now)
            d = self._policy.evaluate(request, [(network, owner)])[0]
            out[code] = {"decision": d.decision, "rule_ids": list(d.rule_ids),
                         "explanation": d.explanation}  # fmt: skip
        return out


def _kind(value: str) -> GranteeKind:
    if value not in GRANTEE_KINDS:
        raise ValidationError(
            f"grantee_kind: must be one of {', '.join(GRANTEE_KINDS)}", {"field": "grantee_kind"}
        )
    return value  # type: ignore[return-value]


def _check_grantee(a: AgreementIn, agencies: set[AgencyId]) -> None:
    if a.grantee_kind == "agency" and a.grantee not in agencies:
        raise ValidationError(f"grantee: unknown agency {a.grantee!r}", {"field": "grantee"})
    if a.grantee_kind == "state" and a.grantee not in US_STATES:
        raise ValidationError(f"grantee: {a.grantee!r} is not a state code", {"field": "grantee"})
    if a.grantee_kind == "radius" and not (a.radius_km and 0 < a.radius_km <= 2000):
        raise ValidationError("radius_km: give a radius in (0, 2000] km", {"field": "radius_km"})


def policy_values(policy: AgencyPolicy) -> dict[str, Any]:
    """An agency policy's settings, as the API returns them and the audit records them."""
    return {
        "require_specific_reason": policy.require_specific_reason,
        "prohibited_purposes": sorted(policy.prohibited_purposes),
        "protected_activity": policy.protected_activity,
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
