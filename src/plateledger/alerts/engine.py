"""Matching on ingest: every stored batch against the lists its cameras' agencies subscribe to.

An agency's subscriptions apply to reads of its own cameras: a hit becomes an alert for that
agency (SSE stream, webhooks). The raw read (read id, plate as read, state), the matched entry
and the score are stored apart in ``hotlist_hits``. Expired entries, retired lists and
suppressed (entry, vehicle) pairs never alert; an issuing-state mismatch alerts, flagged.

On another agency's camera an entry alerts only where the camera owner's law and sharing law
let the list owner search that network for the entry's reason, decided at alert time
(``sightings``). Every match is audited (``hotlist_alert``, under the camera's network) before
an alert is stored or delivered: a failed append raises no alert.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pyarrow as pa

from plateledger.alerts import tables
from plateledger.alerts.delivery import AlertBroker, WebhookSender
from plateledger.alerts.matcher import EntryIndex, Hit, match_batch
from plateledger.alerts.models import Hotlist
from plateledger.alerts.sightings import Sightings
from plateledger.audit.sink import AuditSink
from plateledger.domain.types import AgencyId, User, UserId
from plateledger.store.duckdb_store import DuckDBStore

log = logging.getLogger(__name__)


class _State:
    """A consistent snapshot for matching (rebuilt after any list change)."""

    def __init__(self, store: DuckDBStore) -> None:
        now = datetime.now(UTC)
        self.lists = {h.id: h for h in tables.load_hotlists(store) if h.retired_at is None}
        subs = [(h, a) for h, a in tables.subscriptions(store) if h in self.lists]
        self.subscribers: dict[str, set[str]] = {}
        for h, a in subs:
            self.subscribers.setdefault(h, set()).add(a)
        strictness = {h: self.lists[h].strictness for h in self.subscribers}
        columns = tables.active_entry_columns(store, now)
        self.index = EntryIndex.from_columns(columns, strictness, partial(tables.load_entry, store))
        self.suppressed = tables.suppressions(store)
        owner = {n.id: n.agency_id for n in store.networks()}
        self.camera_agency = {c.id: owner.get(c.network_id, "") for c in store.cameras()}


class AlertEngine:
    def __init__(self, store: DuckDBStore, log_event: AuditSink) -> None:
        self.store = store
        self._log_event = log_event
        self.broker = AlertBroker()
        self.webhooks = WebhookSender()
        self._state: _State | None = None
        self._lock = threading.Lock()

    def changed(self) -> None:
        with self._lock:
            self._state = None

    def state(self) -> _State:
        with self._lock:
            if self._state is None:
                self._state = _State(self.store)
            return self._state

    def on_ingest(self, table: pa.Table, first_id: int) -> list[dict[str, Any]]:
        """Match one stored batch (read ids ``first_id``...); store and deliver its alerts."""
        state = self.state()
        if not state.subscribers:
            return []
        cameras = table.column("camera_id")
        if any(c not in state.camera_agency for c in set(cameras.to_pylist())):
            self.changed()
            state = self.state()
        alerts: list[dict[str, Any]] = []
        seen: set[tuple[int, str, str]] = set()
        now = datetime.now(UTC)
        sightings: Sightings | None = None  # built at the first hit: one policy snapshot
        for hit in sorted(match_batch(state.index, table), key=lambda h: -h.similarity):
            if not hit.entry.active(now):
                continue
            row = table.slice(hit.row, 1).to_pylist()[0]
            agency = state.camera_agency.get(row["camera_id"], "")
            if agency not in state.subscribers.get(hit.entry.hotlist_id, ()):
                continue
            read_state = (row.get("plate_state") or "").upper()
            if (hit.entry.id, row["plate"], read_state) in state.suppressed:
                continue
            if (hit.row, hit.entry.id, agency) in seen:
                continue  # the plate and a candidate both hit: keep the best
            seen.add((hit.row, hit.entry.id, agency))
            sightings = sightings or Sightings(self.store)
            h = state.lists[hit.entry.hotlist_id]
            alert_id = self._decide(sightings, h, hit, row, agency, first_id + hit.row, now)
            if alert_id is not None:
                alerts.append(self._record(h, hit, row, agency, first_id + hit.row, now, alert_id))
        for alert in alerts:
            self.deliver(alert["agency_id"], alert)
        return alerts

    def _decide(
        self, sightings: Sightings, h: Hotlist, hit: Hit, row: dict[str, Any], agency: str,
        read_id: int, now: datetime,
    ) -> str | None:  # fmt: skip
        """Decide and audit one match, write-ahead; the id of the alert to raise, or None."""
        camera = str(row["camera_id"])
        decision = sightings.may_alert(h, hit.entry, camera, now)
        allowed = decision.decision == "allow"
        informed = allowed and sightings.flows_back(h, hit.entry, camera, now)
        alert_id = f"al-{uuid.uuid4().hex[:16]}" if allowed else None
        subject = {"alert_id": alert_id, "read_id": read_id, "hotlist_id": h.id,
                   "entry_id": hit.entry.id, "camera_id": camera, "list_owner": h.owner_agency,
                   "camera_owner": agency, "decision": decision.decision,
                   "rule_ids": list(decision.rule_ids), "owner_informed": informed}  # fmt: skip
        system = User(UserId("system"), AgencyId(agency), "alert engine", "officer")
        self._log_event("hotlist_alert", system, subject, [sightings.network_of(camera)],
                        outcome="success" if allowed else "denied")  # fmt: skip
        return alert_id

    def _record(
        self, h: Hotlist, hit: Hit, row: dict[str, Any], agency: str, read_id: int, now: datetime,
        alert_id: str,
    ) -> dict[str, Any]:  # fmt: skip
        e = hit.entry
        read_state = row.get("plate_state") or None
        mismatch = bool(e.state and read_state and e.state.upper() != str(read_state).upper())
        record = {
            "id": alert_id, "read_id": read_id, "hotlist_id": h.id,
            "entry_id": e.id, "agency_id": agency, "camera_id": row["camera_id"],
            "read_ts": row["ts"], "read_plate": row["plate"], "read_state": read_state,
            "matched_plate": e.plate, "entry_state": e.state, "state_mismatch": mismatch,
            "score": round(hit.similarity, 4), "match_kind": hit.kind,
            "crop_ref": row.get("crop_ref"), "created_at": now, "status": "new",
            "verified_by": None, "verified_at": None, "disposition": None,
            "disposed_by": None, "disposed_at": None, "note": None,
        }  # fmt: skip
        tables.insert_hit(self.store, record)
        log.info("hotlist alert %s for read %d (list %s)", record["id"], read_id, h.id)
        return alert_payload(record, h, e.reason, e.case_number, e.entered_at, now)

    def deliver(self, agency_id: str, message: dict[str, Any]) -> None:
        self.broker.publish(agency_id, message)
        hooks = self.store.execute(
            "SELECT url, secret FROM webhooks WHERE agency_id = ? AND revoked_at IS NULL",
            [agency_id],
        )
        for url, secret in hooks:
            self.webhooks.send(str(url), str(secret), message)

    def close(self) -> None:
        self.webhooks.close()


def alert_payload(
    hit: dict[str, Any], h: Hotlist, reason: str, case: str, entered: datetime, now: datetime
) -> dict[str, Any]:
    """The alert as delivered (SSE, webhook, API): a lead to verify, not a fact."""
    return {
        "event": "alert", "alert_id": hit["id"], "agency_id": hit["agency_id"],
        "read_id": hit["read_id"], "plate": hit["read_plate"], "read_state": hit["read_state"],
        "matched_plate": hit["matched_plate"], "entry_state": hit["entry_state"],
        "state_mismatch": hit["state_mismatch"], "score": hit["score"],
        "match_kind": hit["match_kind"], "camera_id": hit["camera_id"],
        "read_ts": _iso(hit["read_ts"]), "crop_ref": hit["crop_ref"],
        "list": {"id": h.id, "name": h.name, "owner_agency": h.owner_agency,
                 "priority": h.priority, "purpose": h.purpose, "stale": h.stale(now)},
        "entry": {"id": hit["entry_id"], "reason": reason, "case_number": case,
                  "age_days": round((now - entered).total_seconds() / 86400, 2)},
        "status": hit["status"], "disposition": hit["disposition"],
        "created_at": _iso(hit["created_at"]),
    }  # fmt: skip


def _iso(ts: object) -> object:
    if isinstance(ts, datetime):
        aware = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return ts
