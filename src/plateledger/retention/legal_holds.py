"""Legal holds: named reads of the agency's own networks kept past retention, by case number;
placing one is audited as ``legal_hold``.
"""

from __future__ import annotations

from plateledger.audit.sink import AuditSink
from plateledger.domain.types import User
from plateledger.errors import ValidationError
from plateledger.registry.agencies import own_agency, own_networks
from plateledger.retention import tables
from plateledger.retention.base import LegalHold, RetentionStore

MAX_HOLD_READS = 500


class LegalHolds:
    """An agency admin's legal holds: those its users placed, and placing new ones."""

    def __init__(self, *, store: RetentionStore, audit: AuditSink) -> None:
        self._store = store
        self._audit = audit

    def of_agency(self, user: User) -> list[LegalHold]:
        """Holds placed by the agency's users."""
        own_agency(self._store, user)
        return tables.holds_of_agency(self._store, user.agency_id)

    def place(self, user: User, case_number: str, read_ids: list[int], note: str) -> int:
        """Keep named reads of the agency's own networks past retention; the count held."""
        own_agency(self._store, user)
        if not case_number:
            raise ValidationError("case_number: required", {"field": "case_number"})
        if not note:
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
        self._audit(
            "legal_hold", user,
            {"action": "place", "case_number": case_number, "read_ids": sorted(found),
             "note": note},
            nets,
        )  # fmt: skip
        return self._store.add_legal_hold(case_number, sorted(found), user.id, note)
