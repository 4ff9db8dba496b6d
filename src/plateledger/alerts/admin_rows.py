"""An agency admin's hotlist rows: the lists the agency owns, subscribes to, or that are
shared with it, with entry counts and subscribers."""

from __future__ import annotations

from dataclasses import dataclass

from plateledger.alerts import tables
from plateledger.alerts.models import Hotlist
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import User
from plateledger.registry.agencies import own_agency
from plateledger.store.duckdb_store import DuckDBStore


# --- hotlists ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HotlistRow:
    hotlist: Hotlist
    owned: bool
    subscribed: bool
    active_entries: int
    entries: int
    subscribers: tuple[str, ...]  # agencies subscribed (shown for the agency's own lists)


def agency_hotlists(user: User, *, store: DuckDBStore, clock: Clock = utc_now) -> list[HotlistRow]:
    """Lists the agency owns, subscribes to, or that are shared with it (to subscribe)."""
    agency = own_agency(store, user)
    subs = tables.subscriptions(store)
    mine = {h for h, a in subs if a == agency.id}
    reach = {"*", agency.id, agency.state}
    counts = tables.entry_counts(store, clock())
    rows = []
    for h in tables.load_hotlists(store):
        owned = h.owner_agency == agency.id
        if not (owned or h.id in mine or (h.retired_at is None and reach & set(h.share_with))):
            continue
        total, active = counts.get(h.id, (0, 0))
        subscribers = tuple(sorted(a for hid, a in subs if hid == h.id)) if owned else ()
        rows.append(HotlistRow(h, owned, h.id in mine, active, total, subscribers))
    return rows
