"""Legal-hold requests: an officer picks reads in search results and asks the agency admin to
keep them for a case; the admin places the hold (through :class:`LegalHolds`, which checks who
may hold which reads) or declines it with a note; the officer follows the outcome.

Only reads the officer's search could show, of the officer's own agency's networks (the only
reads its admin may hold), may be requested: a read id that does not exist, or that another
agency owns, or (when the request names its search) that lies on a network that search did not
read, is refused and named. The request, its placing and its declining are audited as
``legal_hold`` (`request`, `place`, `decline`) with the request's id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from plateledger.audit.event_types import LegalHold as LegalHoldEvent
from plateledger.audit.sink import AuditSink
from plateledger.domain.case_numbers import check_case_number
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import User
from plateledger.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from plateledger.registry.agencies import own_agency, own_networks
from plateledger.retention.base import RetentionStore
from plateledger.retention.legal_holds import MAX_HOLD_READS, LegalHolds
from plateledger.store import legal_hold_requests as rows

RequestStatus = Literal["pending", "placed", "declined"]
MAX_LISTED = 200

#: ``search_id -> (searcher's user id, networks the search read)``, or None when not logged
SearchedNetworks = Callable[[str], tuple[str, frozenset[str]] | None]


@dataclass(frozen=True, slots=True)
class LegalHoldRequest:
    """One officer's request for a legal hold on named reads, and its outcome."""

    id: str
    agency_id: str
    requested_by: str
    requested_at: datetime
    case_number: str
    read_ids: tuple[int, ...]
    note: str
    search_id: str | None
    status: RequestStatus
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    expires_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """As the API shows it (times RFC 3339, UTC)."""

        def iso(ts: datetime | None) -> str | None:
            return ts.isoformat() if ts else None

        return {
            "id": self.id, "agency": self.agency_id, "requested_by": self.requested_by,
            "requested_at": iso(self.requested_at), "case_number": self.case_number,
            "read_ids": list(self.read_ids), "note": self.note, "search_id": self.search_id,
            "status": self.status, "decided_by": self.decided_by,
            "decided_at": iso(self.decided_at), "decision_note": self.decision_note,
            "expires_at": iso(self.expires_at),
        }  # fmt: skip


def _aware(ts: datetime | None) -> datetime | None:
    return None if ts is None else ts.replace(tzinfo=UTC)


def _request(row: Sequence[Any]) -> LegalHoldRequest:
    status: RequestStatus = row[8] if row[8] in ("placed", "declined") else "pending"
    return LegalHoldRequest(
        str(row[0]), str(row[1]), str(row[2]), row[3].replace(tzinfo=UTC), str(row[4]),
        tuple(int(i) for i in row[5]), str(row[6]), row[7], status, row[9], _aware(row[10]),
        row[11], _aware(row[12]),
    )  # fmt: skip


def parse_read_ids(text: str | Sequence[str]) -> list[int]:
    """Read ids typed (spaces or commas) or picked (one per checkbox); the bad one named."""
    parts = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    ids: list[int] = []
    for part in parts:
        if not part.strip().isdigit():
            raise ValidationError(f"read_ids: {part.strip()[:20]!r} is not a read id",
                                  {"field": "read_ids"})  # fmt: skip
        ids.append(int(part))
    return sorted(set(ids))


class LegalHoldRequests:
    """Officers ask; the agency admin places or declines; both follow it."""

    def __init__(
        self, *, store: RetentionStore, audit: AuditSink, holds: LegalHolds,
        searched: SearchedNetworks | None = None, clock: Clock = utc_now,
    ) -> None:  # fmt: skip
        self._store = store
        self._audit = audit
        self._holds = holds
        self._searched = searched
        self._clock = clock

    def request(
        self, user: User, case_number: str, read_ids: Sequence[int], note: str,
        search_id: str | None = None,
    ) -> LegalHoldRequest:  # fmt: skip
        """Record an officer's request (audited first); refused naming the first bad read."""
        if user.role not in ("officer", "supervisor"):
            raise ForbiddenError("only an officer or supervisor asks for a legal hold")
        check_case_number(case_number)
        if not note.strip():
            raise ValidationError("note: say why the reads must be kept", {"field": "note"})
        if not read_ids or len(read_ids) > MAX_HOLD_READS:
            raise ValidationError(f"read_ids: pick 1 to {MAX_HOLD_READS} reads",
                                  {"field": "read_ids"})  # fmt: skip
        networks = self._check_reads(user, read_ids, search_id)
        now = self._clock()
        request_id = f"lhr-{now.strftime('%Y%m%d')}-{uuid.uuid4().hex[:10]}"
        event = LegalHoldEvent("request", case_number, sorted(read_ids), note,
                               request_id=request_id)  # fmt: skip
        self._audit("legal_hold", user, event.subject(), sorted(networks))
        rows.add_request(self._store, request_id, user.agency_id, user.id, now, case_number,
                         sorted(read_ids), note, search_id)  # fmt: skip
        return self.get(request_id)

    def _check_reads(self, user: User, read_ids: Sequence[int], search_id: str | None) -> set[str]:
        """The networks of the reads, each of the user's agency (and of the search, if named)."""
        found = rows.reads_with_networks(self._store, read_ids)
        read = None
        if search_id is not None:
            read = self._searched(search_id) if self._searched else None
            if read is None or read[0] != user.id:
                raise ValidationError(f"search_id: {search_id} is not a search of yours",
                                      {"field": "search_id"})  # fmt: skip
        for rid in sorted(read_ids):
            if rid not in found:
                raise ValidationError(f"read_ids: no read with id {rid}", {"field": "read_ids"})
            network, owner = found[rid]
            if owner != user.agency_id:
                raise ValidationError(
                    f"read_ids: read {rid} is {owner}'s, not your agency's: only its owner "
                    "can hold it", {"field": "read_ids"},
                )  # fmt: skip
            if read is not None and network not in read[1]:
                raise ValidationError(f"read_ids: read {rid} is not in search {search_id}",
                                      {"field": "read_ids"})  # fmt: skip
        return {found[r][0] for r in read_ids}

    def get(self, request_id: str) -> LegalHoldRequest:
        row = rows.request_row(self._store, request_id)
        if row is None:
            raise NotFoundError(f"no legal-hold request {request_id}")
        return _request(row)

    def mine(self, user: User) -> list[LegalHoldRequest]:
        """The user's own requests, newest first."""
        return [_request(r) for r in rows.requests_of_user(self._store, user.id, MAX_LISTED)]

    def pending(self, admin: User) -> list[LegalHoldRequest]:
        """The admin's agency's requests waiting for a decision, oldest first."""
        own_agency(self._store, admin)
        found = rows.requests_of_agency(self._store, admin.agency_id, "pending", MAX_LISTED)
        return [_request(r) for r in found]

    def place(
        self, admin: User, request_id: str, expires_at: datetime | None, note: str = ""
    ) -> LegalHoldRequest:
        """Place the hold the request asks for (``LegalHolds.place`` checks the reads and the
        review date); the request becomes `placed`."""
        request = self._pending_of(admin, request_id)
        why = note.strip() or request.note
        self._holds.place(admin, request.case_number, list(request.read_ids), why, expires_at,
                          request_id=request.id)  # fmt: skip
        if not rows.decide_request(self._store, request_id, admin.agency_id, "placed", admin.id,
                                   self._clock(), why, expires_at):  # fmt: skip
            raise ConflictError(f"legal-hold request {request_id} was already decided")
        return self.get(request_id)

    def decline(self, admin: User, request_id: str, note: str) -> LegalHoldRequest:
        """Decline the request with a note the officer reads (audited first)."""
        request = self._pending_of(admin, request_id)
        if not note.strip():
            raise ValidationError("note: say why the request is declined", {"field": "note"})
        nets = [n.id for n in own_networks(self._store, admin)]
        event = LegalHoldEvent("decline", request.case_number, list(request.read_ids), note,
                               request_id=request.id)  # fmt: skip
        self._audit("legal_hold", admin, event.subject(), nets)
        if not rows.decide_request(self._store, request_id, admin.agency_id, "declined",
                                   admin.id, self._clock(), note, None):  # fmt: skip
            raise ConflictError(f"legal-hold request {request_id} was already decided")
        return self.get(request_id)

    def _pending_of(self, admin: User, request_id: str) -> LegalHoldRequest:
        own_agency(self._store, admin)
        row = rows.request_row(self._store, request_id)
        if row is None or row[1] != admin.agency_id:  # another agency's: not found, not named
            raise NotFoundError(f"no legal-hold request {request_id} of your agency")
        request = _request(row)
        if request.status != "pending":
            raise ConflictError(f"legal-hold request {request_id} was already {request.status}")
        return request
