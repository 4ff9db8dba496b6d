"""What an agency admin's pages show, and the two small changes they need that had no operation
yet: the agency's cameras with read counts, retention (the agency setting next to the statute
cap), legal holds, and hotlists with entry counts and subscriptions.

Everything is scoped to the admin's own agency. Changes are audited like every other change
(``config_change`` for retention, ``legal_hold`` for holds).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from plateledger.alerts import tables
from plateledger.alerts.models import Hotlist
from plateledger.app.platform import Platform
from plateledger.app.retention import windows
from plateledger.domain.types import Agency, Camera, Network, User
from plateledger.errors import ForbiddenError, ValidationError
from plateledger.policy.jurisdictions import jurisdiction

MAX_RETENTION_DAYS = 36_500
MAX_HOLD_READS = 500


def own_agency(platform: Platform, user: User) -> Agency:
    """The admin's agency; anyone else is refused."""
    if user.role != "admin":
        raise ForbiddenError("only an agency admin may do this")
    agency = platform.store.agency(user.agency_id)
    if agency is None:
        raise ForbiddenError(f"user {user.id} belongs to no registered agency")
    return agency


def own_networks(platform: Platform, user: User) -> list[Network]:
    return [n for n in platform.store.networks() if n.agency_id == user.agency_id]


# --- cameras -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CameraRow:
    camera: Camera
    network: Network
    reads: int


def agency_cameras(platform: Platform, user: User) -> list[CameraRow]:
    """The agency's cameras (fixed and mobile) with the number of reads each has stored."""
    own_agency(platform, user)
    nets = {n.id: n for n in own_networks(platform, user)}
    cams = [c for c in platform.store.cameras() if c.network_id in nets]
    counts = dict(
        platform.store.execute(
            "SELECT c.id, count(r.camera_key) FROM cameras c LEFT JOIN "
            "(SELECT camera_key FROM reads UNION ALL SELECT camera_key FROM reads_hot) r "
            "ON r.camera_key = c.key WHERE list_contains(?::VARCHAR[], c.network_id) "
            "GROUP BY c.id",
            [sorted(nets)],
        )
    )
    return [CameraRow(c, nets[c.network_id], int(counts.get(c.id, 0))) for c in cams]


# --- retention -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RetentionView:
    agency: Agency
    cap_days: int | None  # statute cap for this kind of agency in its state; None: no cap
    cap_rule: str
    cap_citation: str | None
    setting_days: int | None  # the agency's own setting
    effective_minutes: int | None  # min(cap, setting, non-hit window); None: kept forever
    effective_rule: str
    non_hit_minutes: int | None


def retention_view(platform: Platform, user: User) -> RetentionView:
    agency = own_agency(platform, user)
    law = jurisdiction(agency.state)
    cap, rule = law.retention_for(agency.kind)
    window = next((w for w in windows(platform) if w.agency.id == agency.id), None)
    return RetentionView(
        agency, cap, rule.id, rule.citation or None, agency.retention_days,
        window.minutes if window else None, window.source if window else "no networks",
        law.non_hit_retention_minutes,
    )  # fmt: skip


def set_retention(platform: Platform, user: User, days: int | None) -> Agency:
    """Change the agency's retention setting (None: follow the statute cap alone)."""
    agency = own_agency(platform, user)
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(
            f"retention_days: give a whole number of days from 1 to {MAX_RETENTION_DAYS}",
            {"field": "retention_days"},
        )
    platform.log_event(
        "config_change", user,
        {"action": "retention", "retention_days": days, "previous": agency.retention_days},
        [n.id for n in own_networks(platform, user)],
    )  # fmt: skip
    changed = replace(agency, retention_days=days)
    platform.store.upsert_agencies([changed])
    return changed


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


# --- hotlists ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HotlistRow:
    hotlist: Hotlist
    owned: bool
    subscribed: bool
    active_entries: int
    entries: int
    subscribers: tuple[str, ...]  # agencies subscribed (shown for the agency's own lists)


def agency_hotlists(platform: Platform, user: User) -> list[HotlistRow]:
    """Lists the agency owns, subscribes to, or that are shared with it (to subscribe)."""
    agency = own_agency(platform, user)
    now = datetime.now(UTC)
    subs = tables.subscriptions(platform.store)
    mine = {h for h, a in subs if a == agency.id}
    reach = {"*", agency.id, agency.state}
    counts = {
        str(r[0]): (int(r[1]), int(r[2]))
        for r in platform.store.execute(
            "SELECT hotlist_id, count(*), count(*) FILTER (WHERE expired_at IS NULL AND "
            "expires_at > ?) FROM hotlist_entries GROUP BY hotlist_id",
            [tables.naive(now)],
        )
    }
    rows = []
    for h in tables.load_hotlists(platform.store):
        owned = h.owner_agency == agency.id
        if not (owned or h.id in mine or (h.retired_at is None and reach & set(h.share_with))):
            continue
        total, active = counts.get(h.id, (0, 0))
        subscribers = tuple(sorted(a for hid, a in subs if hid == h.id)) if owned else ()
        rows.append(HotlistRow(h, owned, h.id in mine, active, total, subscribers))
    return rows
