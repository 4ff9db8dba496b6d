"""Declarations on file: filed by the declaring agency, accepted or rejected by each owner.

A declaration (e.g. a Texas agency's signed Illinois declaration under 625 ILCS 5/2-130) is a
condition some states' laws put on sharing. Filing it opens nothing: it takes effect for an
owner agency of that state only once an admin of *that owner* accepts it, and only within its
dates (signed, not in the future; not expired). Every filing and every decision is audited as a
``sharing_change`` with the status before and after, on the networks it opens or closes: the
owners' networks, so each owner's network audit shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, as_utc, utc_now
from plateledger.domain.sharing import Declaration, DeclarationKind
from plateledger.domain.types import US_STATES, Agency, AgencyId, Network, User
from plateledger.errors import ForbiddenError, NotFoundError, ValidationError

DECLARATION_KINDS: tuple[DeclarationKind, ...] = ("written_declaration", "judicial_warrant_policy")
CLOCK_SKEW = timedelta(minutes=5)  # a signing time this far ahead of the server is accepted


class DeclarationStore(Protocol):
    """The store methods declarations use (``DuckDBStore`` has them)."""

    def agencies(self) -> Sequence[Agency]: ...
    def networks(self) -> Sequence[Network]: ...
    def declarations(self) -> Sequence[Declaration]: ...
    def save_declaration(self, declaration: Declaration) -> None: ...
    def decide_declaration(
        self, declaration_id: str, owner: str, status: str, by: str, at: datetime, note: str
    ) -> str | None: ...


class Declarations:
    """File a declaration (the declaring agency's admin); accept or reject it (an admin of an
    owner agency of the declaration's state, for that owner's networks only)."""

    def __init__(self, *, store: DeclarationStore, audit: AuditSink, clock: Clock = utc_now):
        self._store = store
        self._audit = audit
        self._clock = clock

    def file(
        self, user: User, state: str, kind: str, signed_at: datetime,
        expires_at: datetime | None, document_ref: str,
    ) -> Declaration:  # fmt: skip
        """A pending declaration of the user's agency; validated, audited on the networks of
        every owner in ``state`` (the agencies that may accept it)."""
        if user.role != "admin":
            raise ForbiddenError("only an admin files declarations for their agency")
        now = self._clock()
        signed, expires = _check(state, kind, signed_at, expires_at, document_ref, now)
        declaration = Declaration(
            f"dec-{uuid.uuid4().hex[:10]}", user.agency_id, state, _kind(kind), signed,
            expires, document_ref, filed_by=user.id, filed_at=now,
        )  # fmt: skip
        self._store.save_declaration(declaration)
        after = {**declaration_out(declaration, None), "status": "pending"}
        self._audit(
            "sharing_change", user,
            {"action": "declaration", "id": declaration.id, "state": state, "kind": kind,
             "signed_at": signed.isoformat(), "expires_at": after["expires_at"],
             "document_ref": document_ref, "status": "pending", "before": None, "after": after},
            self._state_networks(state),
        )  # fmt: skip
        return declaration

    def decide(self, user: User, declaration_id: str, accept: bool, note: str) -> Declaration:
        """The owner's decision on a declaration for its state: accepted, it counts for the
        owner's networks; rejected (also after an acceptance), it no longer does."""
        if user.role != "admin":
            raise ForbiddenError("only an admin of an owner agency decides declarations")
        agency = next((a for a in self._store.agencies() if a.id == user.agency_id), None)
        found = next((d for d in self._store.declarations() if d.id == declaration_id), None)
        if agency is None or found is None or found.state != agency.state:
            raise NotFoundError(f"no declaration {declaration_id} for your agency's state")
        if found.agency_id == agency.id:
            raise ForbiddenError("an agency does not decide its own declaration")
        networks = [n.id for n in self._store.networks() if n.agency_id == agency.id]
        if not networks:
            raise ForbiddenError(f"{agency.id} owns no network: there is nothing to open")
        status = "accepted" if accept else "rejected"
        at = self._clock()
        before = self._store.decide_declaration(
            declaration_id, agency.id, status, user.id, at, note
        )
        self._audit(
            "sharing_change", user,
            {"action": f"declaration_{'accept' if accept else 'reject'}", "id": found.id,
             "state": found.state, "kind": found.kind, "owner_agency": agency.id,
             "note": note, "status": status,
             "before": {"status": before or "pending", "declaring_agency": found.agency_id},
             "after": {"status": status, "declaring_agency": found.agency_id}},
            networks,
        )  # fmt: skip
        return next(d for d in self._store.declarations() if d.id == declaration_id)

    def received(self, user: User) -> list[dict[str, Any]]:
        """Declarations other agencies filed for the user's state, with this agency's status."""
        agency = next((a for a in self._store.agencies() if a.id == user.agency_id), None)
        if agency is None:
            return []
        return [
            declaration_out(d, agency.id)
            for d in self._store.declarations()
            if d.state == agency.state and d.agency_id != agency.id
        ]

    def _state_networks(self, state: str) -> list[str]:
        owners = {a.id for a in self._store.agencies() if a.state == state}
        return [n.id for n in self._store.networks() if n.agency_id in owners]


def declaration_out(d: Declaration, owner: AgencyId | None) -> dict[str, Any]:
    """A declaration as the API returns it (``owner``: with that owner's decision)."""
    out: dict[str, Any] = {
        "id": d.id, "agency_id": d.agency_id, "state": d.state, "kind": d.kind,
        "signed_at": d.signed_at.isoformat(),
        "expires_at": d.expires_at.isoformat() if d.expires_at else None,
        "document_ref": d.document_ref, "filed_by": d.filed_by,
        "accepted_by": sorted(d.accepted_by), "rejected_by": sorted(d.rejected_by),
    }  # fmt: skip
    if owner is not None:
        out["status"] = d.status_for(owner)
    return out


def _check(
    state: str, kind: str, signed_at: datetime, expires_at: datetime | None, ref: str,
    now: datetime,
) -> tuple[datetime, datetime | None]:  # fmt: skip
    if state not in US_STATES:
        raise ValidationError(f"state: {state!r} is not a state code", {"field": "state"})
    if kind not in DECLARATION_KINDS:
        raise ValidationError(
            "kind: written_declaration or judicial_warrant_policy", {"field": "kind"}
        )
    if not ref.strip() or not ref.isprintable():
        raise ValidationError("document_ref: printable text", {"field": "document_ref"})
    signed = as_utc(signed_at)
    if signed > now + CLOCK_SKEW:
        raise ValidationError("signed_at: in the future", {"field": "signed_at"})
    expires = None if expires_at is None else as_utc(expires_at)
    if expires is not None and expires <= now:
        raise ValidationError("expires_at: already expired", {"field": "expires_at"})
    if expires is not None and expires <= signed:
        raise ValidationError("expires_at: before signed_at", {"field": "expires_at"})
    return signed, expires


def _kind(kind: str) -> DeclarationKind:
    return "judicial_warrant_policy" if kind == "judicial_warrant_policy" else "written_declaration"
