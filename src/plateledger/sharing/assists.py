"""Assist requests: agency B asked agency A for help; A's supervisor or admin records it.

A search by a user of A on behalf of B is held on every network unless A has a live assist
request from B whose case number — B's, or A's own number for the assist — is the search's case
number (exact). Recording and revoking one is audited (``assist_request``). The search path
asks :meth:`Assists.live` only (``search.on_behalf.AssistLookup``); the assist never widens what
a search may read (``policy.on_behalf``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, as_utc, utc_now
from plateledger.domain.text import visible
from plateledger.domain.types import Agency, AgencyId, User
from plateledger.errors import ForbiddenError, NotFoundError, ValidationError
from plateledger.sharing import assist_tables as tables
from plateledger.sharing.assist_types import AssistRequest
from plateledger.store.base import Sql

MAX_DAYS = 90  # an assist request covers searches for at most this long
DEFAULT_DAYS = 30
MANAGERS = frozenset({"supervisor", "admin"})
_TEXT_LIMITS = {"case_number": 100, "own_case_number": 100, "requested_by": 200, "note": 2000}


class AssistStore(Sql, Protocol):
    """The store methods assists use (``DuckDBStore`` has them)."""

    def agencies(self) -> Sequence[Agency]: ...


@dataclass(frozen=True)
class AssistIn:
    """What a supervisor records: who asked, for which case, until when."""

    on_behalf_of: str
    case_number: str
    requested_by: str
    requested_at: datetime | None = None  # default: now
    expires_at: datetime | None = None  # default: DEFAULT_DAYS from now
    own_case_number: str | None = None
    note: str = ""


class Assists:
    """Assist requests of an agency: record, list, revoke; and the live lookup for searches."""

    def __init__(self, *, store: AssistStore, audit: AuditSink, clock: Clock = utc_now) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock

    def create(self, user: User, given: AssistIn) -> AssistRequest:
        """Record that ``given.on_behalf_of`` asked the user's agency for help (audited)."""
        _manager(user)
        now = self._clock()
        known = {a.id for a in self._store.agencies()}
        if user.agency_id not in known:
            raise ForbiddenError(f"user {user.id} belongs to no registered agency")
        if given.on_behalf_of not in known:  # exact: no trimming, case folding or look-alikes
            raise ValidationError(
                f"on_behalf_of: unknown agency {given.on_behalf_of!r}", {"field": "on_behalf_of"}
            )
        if given.on_behalf_of == user.agency_id:
            raise ValidationError(
                "on_behalf_of: an agency does not ask itself for help", {"field": "on_behalf_of"}
            )
        texts = _texts(given)
        requested_at = as_utc(given.requested_at) if given.requested_at else now
        if requested_at > now + timedelta(minutes=5):
            raise ValidationError("requested_at: in the future", {"field": "requested_at"})
        expires_at = (
            as_utc(given.expires_at) if given.expires_at else now + timedelta(days=DEFAULT_DAYS)
        )
        if not now < expires_at <= now + timedelta(days=MAX_DAYS):
            raise ValidationError(
                f"expires_at: must be after now and at most {MAX_DAYS} days ahead",
                {"field": "expires_at"},
            )
        assist = AssistRequest(
            id=f"as-{uuid.uuid4().hex[:12]}", agency_id=user.agency_id,
            behalf_agency=AgencyId(given.on_behalf_of), case_number=texts["case_number"],
            own_case_number=texts["own_case_number"] or None,
            requested_by=texts["requested_by"], requested_at=requested_at, created_by=user.id,
            created_at=now, expires_at=expires_at, note=texts["note"],
        )  # fmt: skip
        self._audit("assist_request", user, _subject("create", assist))  # before it counts
        tables.insert(self._store, assist)
        return assist

    def of_agency(self, user: User) -> list[AssistRequest]:
        """The assist requests the user's agency recorded, newest first (at most 1,000)."""
        return tables.of_agency(self._store, user.agency_id)

    def revoke(self, user: User, assist_id: str) -> AssistRequest:
        """Stop an assist request covering searches (audited); its record stays."""
        _manager(user)
        found = tables.one(self._store, assist_id)
        if found is None or found.agency_id != user.agency_id:
            raise NotFoundError(f"no assist request {assist_id} of your agency")
        if found.revoked_at is not None:
            raise ValidationError(f"assist request {assist_id} is already revoked",
                                  {"field": "assist_id"})  # fmt: skip
        now = self._clock()
        revoked = replace(found, revoked_at=now, revoked_by=user.id)
        self._audit("assist_request", user, _subject("revoke", revoked))
        tables.revoke(self._store, assist_id, user.id, now)
        return revoked

    def live(self, agency_id: str, behalf: str, case_number: str, at: datetime) -> str | None:
        """The id of a live assist request of ``agency_id`` from ``behalf`` covering
        ``case_number`` at ``at``, or None (``search.on_behalf.AssistLookup``)."""
        found = tables.live(self._store, agency_id, behalf, case_number, at)
        return found.id if found is not None and found.covers(behalf, case_number, at) else None


def _manager(user: User) -> None:
    if user.role not in MANAGERS:
        raise ForbiddenError("only a supervisor or admin records or revokes assist requests")


def _texts(given: AssistIn) -> dict[str, str]:
    out = {}
    for name, limit in _TEXT_LIMITS.items():
        value = visible(getattr(given, name) or "")
        if len(value) > limit:
            raise ValidationError(f"{name}: at most {limit} characters", {"field": name})
        out[name] = value
    for name in ("case_number", "requested_by"):
        if not out[name]:
            raise ValidationError(f"{name}: required", {"field": name})
    return out


def _subject(action: str, a: AssistRequest) -> dict[str, object]:
    subject: dict[str, object] = {
        "action": action, "id": a.id, "on_behalf_of": a.behalf_agency,
        "case_number": a.case_number, "expires_at": a.expires_at.isoformat(),
    }  # fmt: skip
    if action == "create":
        subject |= {"requested_by": a.requested_by, "requested_at": a.requested_at.isoformat(),
                    "note": a.note}  # fmt: skip
        if a.own_case_number:
            subject["own_case_number"] = a.own_case_number
    if a.revoked_at is not None:
        subject["revoked_at"] = a.revoked_at.isoformat()
    return subject
