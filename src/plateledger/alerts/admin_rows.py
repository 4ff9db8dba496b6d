"""An agency admin's hotlist rows: the lists the agency owns, subscribes to, or that are
shared with it, with entry counts and subscribers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from plateledger.alerts import tables
from plateledger.alerts.models import Hotlist
from plateledger.app.platform import Platform
from plateledger.domain.types import User
from plateledger.registry.agencies import own_agency


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
