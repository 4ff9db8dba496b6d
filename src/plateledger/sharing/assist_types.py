"""The assist request: another agency's recorded request for help (a frozen value)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plateledger.domain.types import AgencyId, UserId


@dataclass(frozen=True, slots=True)
class AssistRequest:
    """Agency ``behalf_agency`` asked agency ``agency_id`` for help on its case; recorded by a
    supervisor or admin of ``agency_id``. While live (not revoked, not expired) it lets users of
    ``agency_id`` search on ``behalf_agency``'s behalf under ``case_number`` (or
    ``own_case_number``) — still only where both agencies could search for themselves."""

    id: str
    agency_id: AgencyId  # the helping agency (its users search)
    behalf_agency: AgencyId  # the agency that asked
    case_number: str  # the requesting agency's case number
    own_case_number: str | None
    requested_by: str  # who asked: name and contact, as given
    requested_at: datetime
    created_by: UserId
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    note: str = ""

    def live(self, at: datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at

    def covers(self, behalf: str, case_number: str, at: datetime) -> bool:
        """Whether a search on behalf of ``behalf`` under ``case_number`` at ``at`` is covered."""
        cases = {self.case_number, self.own_case_number}
        return self.live(at) and behalf == self.behalf_agency and case_number in cases

    def to_dict(self, at: datetime) -> dict[str, Any]:
        """JSON-ready, as the API returns it (``live`` at ``at``)."""
        return {
            "id": self.id, "agency_id": self.agency_id, "on_behalf_of": self.behalf_agency,
            "case_number": self.case_number, "own_case_number": self.own_case_number,
            "requested_by": self.requested_by, "requested_at": self.requested_at.isoformat(),
            "created_by": self.created_by, "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_by": self.revoked_by, "note": self.note, "live": self.live(at),
        }  # fmt: skip
