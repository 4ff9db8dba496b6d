"""Sightings on another owner's cameras: may the entry alert there, may its owner learn of it.

One :class:`Sightings` is built per ingest batch (or per page that counts hits) over one policy
snapshot; its answers are memoised per (entry, camera network). See ``entry_policy`` for the
rules. On the list owner's own cameras both answers are yes.
"""

from __future__ import annotations

from datetime import datetime

from plateledger.alerts import governance
from plateledger.alerts.entry_policy import EntryPolicy
from plateledger.alerts.models import Entry, Hotlist
from plateledger.domain.types import Agency, AgencyId, Network, NetworkId
from plateledger.policy.base import Decision
from plateledger.store.duckdb_store import DuckDBStore


class Sightings:
    def __init__(self, store: DuckDBStore) -> None:
        self.policy = EntryPolicy(store)
        self._store = store
        self.agencies: dict[str, Agency] = {a.id: a for a in store.agencies()}
        self.networks: dict[str, Network] = {n.id: n for n in store.networks()}
        self.camera_network: dict[str, str] = {c.id: c.network_id for c in store.cameras()}
        self._memo: dict[tuple[str, str, str, bool], Decision] = {}

    def owner_of(self, camera_id: str) -> str:
        net = self.networks.get(self.camera_network.get(camera_id, ""))
        return "" if net is None else str(net.agency_id)

    def network_of(self, camera_id: str) -> str:
        return self.camera_network.get(camera_id, "")

    def may_alert(self, h: Hotlist, entry: Entry, camera_id: str, at: datetime) -> Decision:
        """Whether ``entry`` may alert on ``camera_id``: the list is still shared with the
        camera owner and lawful for it, and the camera owner's law and sharing law allow the
        list owner's search for the entry's reason."""
        return self._decide(h, entry, camera_id, at, subscribed=True)

    def flows_back(self, h: Hotlist, entry: Entry, camera_id: str, at: datetime) -> bool:
        """Whether the list owner may learn of a sighting on ``camera_id`` (counts, notices,
        portal rows): the camera owner's real sharing must let it search there for the reason."""
        return self._decide(h, entry, camera_id, at, subscribed=False).decision == "allow"

    def _decide(
        self, h: Hotlist, entry: Entry, camera_id: str, at: datetime, *, subscribed: bool
    ) -> Decision:
        net_id = NetworkId(self.camera_network.get(camera_id, ""))
        key = (entry.id, str(net_id), h.id, subscribed)
        found = self._memo.get(key)
        if found is None:
            found = self._compute(h, entry, net_id, at, subscribed=subscribed)
            self._memo[key] = found
        return found

    def _compute(
        self, h: Hotlist, entry: Entry, net_id: NetworkId, at: datetime, *, subscribed: bool
    ) -> Decision:
        network = self.networks.get(net_id)
        owner = self.agencies.get(h.owner_agency)
        if network is None or owner is None:
            return Decision(net_id, AgencyId(""), "deny", ("hotlist.unknown_camera",),
                            "the camera's network or the list's owner is unknown")  # fmt: skip
        camera_owner = self.agencies[network.agency_id]
        if camera_owner.id == owner.id:
            return Decision(net_id, owner.id, "allow", (), "the list owner's own camera")
        if subscribed:
            policies = self.policy.state.policies
            refusals = governance.subscription_refusals(h, owner, camera_owner, policies)
            if refusals:
                text = "; ".join(why for _, why in refusals)
                return Decision(net_id, camera_owner.id, "deny",
                                tuple(rule for rule, _ in refusals), text)  # fmt: skip
        return self.policy.at_camera(
            h, entry, owner, network, camera_owner, at, subscribed=subscribed
        )
