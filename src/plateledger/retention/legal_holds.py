"""Legal holds: named reads of the agency's own networks kept past retention, by case number;
placing one is audited as ``legal_hold``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.errors import ValidationError
from plateledger.registry.agencies import own_agency, own_networks

MAX_HOLD_READS = 500


# --- legal holds ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LegalHold:
    case_number: str
    read_id: int
    created_by: str
    created_at: datetime
    note: str


def legal_holds(platform: Platform, user: User) -> list[LegalHold]:
    """Holds placed by the agency's users."""
    own_agency(platform, user)
    rows = platform.store.execute(
        "SELECT case_number, read_id, created_by, created_at, note FROM legal_holds "
        "WHERE created_by IN (SELECT id FROM users WHERE agency_id = ?) "
        "ORDER BY created_at DESC, case_number, read_id LIMIT 1000",
        [user.agency_id],
    )
    return [LegalHold(str(r[0]), int(r[1]), str(r[2]), r[3], str(r[4])) for r in rows]


def place_legal_hold(
    platform: Platform, user: User, case_number: str, read_ids: list[int], note: str
) -> int:
    """Keep named reads of the agency's own networks past retention; the count held."""
    own_agency(platform, user)
    if not case_number:
        raise ValidationError("case_number: required", {"field": "case_number"})
    if not note:
        raise ValidationError("note: say why the reads must be kept", {"field": "note"})
    if not read_ids or len(read_ids) > MAX_HOLD_READS:
        raise ValidationError(
            f"read_ids: give 1 to {MAX_HOLD_READS} read ids", {"field": "read_ids"}
        )
    nets = [n.id for n in own_networks(platform, user)]
    found = {
        int(r[0])
        for r in platform.store.execute(
            "SELECT r.read_id FROM (SELECT read_id, network_key FROM reads UNION ALL "
            "SELECT read_id, network_key FROM reads_hot) r JOIN networks n "
            "ON n.key = r.network_key WHERE list_contains(?::UBIGINT[], r.read_id) "
            "AND list_contains(?::VARCHAR[], n.id)",
            [read_ids, nets],
        )
    }
    missing = sorted(set(read_ids) - found)
    if missing:
        shown = ", ".join(str(m) for m in missing[:10])
        raise ValidationError(
            f"read_ids: no read of your agency's networks with id {shown}", {"field": "read_ids"}
        )
    platform.log_event(
        "legal_hold", user,
        {"action": "place", "case_number": case_number, "read_ids": sorted(found), "note": note},
        nets,
    )  # fmt: skip
    return platform.store.add_legal_hold(case_number, sorted(found), user.id, note)
