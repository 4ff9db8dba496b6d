"""Legal holds: named reads of the agency's own networks kept past retention, by case number,
until an expiry (review) date at most two years ahead or until released. Placing, releasing
and the lapse of a hold at its expiry are audited as ``legal_hold`` (`place`, `release`,
`lapse`); the case number must be in the valid form (``domain.case_numbers``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from plateledger.audit.event_types import LegalHold as LegalHoldEvent
from plateledger.audit.sink import AuditSink
from plateledger.domain.case_numbers import check_case_number
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import SYSTEM_USER, User
from plateledger.errors import NotFoundError, ValidationError
from plateledger.registry.agencies import own_agency, own_networks
from plateledger.retention import tables
from plateledger.retention.base import LegalHold, RetentionStore

MAX_HOLD_READS = 500
MAX_HOLD_DAYS = 730  # a hold is reviewed (renewed by placing it again) at least every 2 years


class LegalHolds:
    """An agency admin's legal holds: those its users placed, placing and releasing them."""

    def __init__(self, *, store: RetentionStore, audit: AuditSink, clock: Clock = utc_now) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock

    def of_agency(self, user: User) -> list[LegalHold]:
        """Holds placed by the agency's users."""
        own_agency(self._store, user)
        return tables.holds_of_agency(self._store, user.agency_id)

    def place(
        self, user: User, case_number: str, read_ids: list[int], note: str,
        expires_at: datetime | None = None, *, request_id: str | None = None,
    ) -> int:  # fmt: skip
        """Keep named reads of the agency's own networks past retention until ``expires_at``
        (required, at most ``MAX_HOLD_DAYS`` ahead); the count held. ``request_id``: the
        officer's request it answers (``retention.hold_requests``), named in the audit."""
        own_agency(self._store, user)
        check_case_number(case_number)
        until = self._expiry(expires_at)
        if not note.strip():
            raise ValidationError("note: say why the reads must be kept", {"field": "note"})
        if not read_ids or len(read_ids) > MAX_HOLD_READS:
            raise ValidationError(
                f"read_ids: give 1 to {MAX_HOLD_READS} read ids", {"field": "read_ids"}
            )
        nets = [n.id for n in own_networks(self._store, user)]
        found = tables.reads_in_networks(self._store, read_ids, nets)
        missing = sorted(set(read_ids) - found)
        if missing:
            shown = ", ".join(str(m) for m in missing[:10])
            raise ValidationError(
                f"read_ids: no read of your agency's networks with id {shown}",
                {"field": "read_ids"},
            )
        event = LegalHoldEvent(
            "place", case_number, sorted(found), note, until.isoformat(), request_id
        )
        self._audit("legal_hold", user, event.subject(), nets)
        return self._store.add_legal_hold(case_number, sorted(found), user.id, note, until)

    def release(self, user: User, case_number: str, note: str) -> int:
        """Release the agency's hold of ``case_number`` (audited first); the reads released."""
        own_agency(self._store, user)
        if not note.strip():
            raise ValidationError("note: say why the hold is released", {"field": "note"})
        ids = tables.held_reads_of_case(self._store, user.agency_id, case_number)
        if not ids:
            raise NotFoundError("no legal hold of your agency has this case number")
        nets = [n.id for n in own_networks(self._store, user)]
        self._audit(
            "legal_hold", user, LegalHoldEvent("release", case_number, ids, note).subject(), nets
        )
        tables.delete_holds(self._store, case_number, ids)
        return len(ids)

    def _expiry(self, expires_at: datetime | None) -> datetime:
        now = self._clock()
        if expires_at is None:
            raise ValidationError("expires_at: give the date the hold is to be reviewed",
                                  {"field": "expires_at"})  # fmt: skip
        if expires_at.tzinfo is None:
            raise ValidationError("expires_at: give a time zone", {"field": "expires_at"})
        if not now < expires_at <= now + timedelta(days=MAX_HOLD_DAYS):
            raise ValidationError(
                f"expires_at: must be in the future and at most {MAX_HOLD_DAYS} days ahead",
                {"field": "expires_at"},
            )
        return expires_at


def release_lapsed(store: RetentionStore, audit: AuditSink, now: datetime) -> int:
    """Release every hold past its expiry (each case audited as `lapse`, user ``system``,
    before it is released); the reads released."""
    released = 0
    for case_number, ids, networks in tables.lapsed_holds(store, now):
        event = LegalHoldEvent("lapse", case_number, ids, "expiry date passed without renewal")
        audit("legal_hold", SYSTEM_USER, event.subject(), networks)
        tables.delete_holds(store, case_number, ids)
        released += len(ids)
    return released
