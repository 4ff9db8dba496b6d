"""Human verification: an alert is a lead until an officer confirms it against the crop.

``verify`` records the officer's check (characters match, state matches, entry still active —
the entry's activity is re-checked here too); only a fully confirmed alert becomes actionable.
``dispose`` records the outcome; ``misread``/``wrong_state`` suppress the (entry, vehicle) pair
and notify the list owner. Every step is audited (ids, never plate text).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from plateledger.alerts import tables
from plateledger.alerts.engine import AlertEngine, alert_payload
from plateledger.alerts.models import DISPOSITIONS, FALSE_HITS
from plateledger.alerts.sightings import Sightings
from plateledger.audit.sink import AuditSink
from plateledger.domain.types import User
from plateledger.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from plateledger.store.duckdb_store import DuckDBStore


class Verification:
    def __init__(self, engine: AlertEngine, log_event: AuditSink) -> None:
        self.engine = engine
        self.store = engine.store
        self._log_event = log_event

    def get(self, user: User, alert_id: str) -> dict[str, Any]:
        hit = tables.load_hit(self.store, alert_id)
        if hit is None or hit["agency_id"] != user.agency_id:
            raise NotFoundError(f"alert {alert_id!r} not found", {"field": "alert_id"})
        return hit

    def payload(self, hit: dict[str, Any]) -> dict[str, Any]:
        h = tables.load_hotlist(self.store, hit["hotlist_id"])
        e = tables.load_entry(self.store, hit["entry_id"])
        assert h is not None and e is not None
        now = datetime.now(UTC)
        body = alert_payload(hit, h, e.reason, e.case_number, e.entered_at, now)
        body["entry"]["active"] = e.active(now)
        return body

    def verify(
        self, user: User, alert_id: str, characters_match: bool, state_match: bool,
        entry_active: bool, note: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        _officer(user)
        hit = self.get(user, alert_id)
        if hit["status"] != "new":
            raise ConflictError(f"alert {alert_id} is already {hit['status']}")
        e = tables.load_entry(self.store, hit["entry_id"])
        really_active = e is not None and e.active(datetime.now(UTC))
        ok = characters_match and state_match and entry_active and really_active
        status = "verified" if ok else "rejected"
        checks = {"characters_match": characters_match, "state_match": state_match,
                  "entry_active": entry_active, "entry_active_now": really_active}  # fmt: skip
        self._audit(user, hit, "verify", {**checks, "status": status})
        tables.update_hit(self.store, alert_id, status=status, verified_by=user.id,
                          verified_at=datetime.now(UTC), note=note or None)  # fmt: skip
        return {**self.payload(self.get(user, alert_id)), "actionable": ok, "checks": checks}

    def dispose(
        self, user: User, alert_id: str, disposition: str, note: str = ""
    ) -> dict[str, Any]:
        _officer(user)
        if disposition not in DISPOSITIONS:
            raise ValidationError(
                f"disposition: expected one of {', '.join(DISPOSITIONS)}", {"field": "disposition"}
            )
        hit = self.get(user, alert_id)
        if hit["disposition"] is not None:
            raise ConflictError(f"alert {alert_id} already has a disposition")
        if disposition == "confirmed" and hit["status"] != "verified":
            raise ConflictError("confirm the characters, state and entry first (POST .../verify)")
        now = datetime.now(UTC)
        self._audit(user, hit, "disposition", {"disposition": disposition})
        tables.update_hit(self.store, alert_id, disposition=disposition, disposed_by=user.id,
                          disposed_at=now, status="closed")  # fmt: skip
        if disposition in FALSE_HITS:
            self.store.execute(
                "INSERT OR IGNORE INTO hotlist_suppressions VALUES (?, ?, ?, ?, ?, ?)",
                [hit["entry_id"], hit["read_plate"], (hit["read_state"] or "").upper(), user.id,
                 tables.naive(now), disposition],
            )  # fmt: skip
            self.engine.changed()
            h = tables.load_hotlist(self.store, hit["hotlist_id"])
            e = tables.load_entry(self.store, hit["entry_id"])
            # the list owner hears of it only where this agency's sharing lets it see the read
            if (
                h is not None
                and e is not None
                and Sightings(self.store).flows_back(h, e, str(hit["camera_id"]), now)
            ):
                notice = {"event": "notice", "alert_id": alert_id, "hotlist_id": h.id,
                          "entry_id": hit["entry_id"], "disposition": disposition,
                          "from_agency": user.agency_id}  # fmt: skip
                self.engine.deliver(h.owner_agency, notice)
        return self.payload(self.get(user, alert_id))

    def _audit(self, user: User, hit: dict[str, Any], action: str, extra: dict[str, Any]) -> None:
        subject = {"action": action, "entity": "alert", "alert_id": hit["id"],
                   "read_id": hit["read_id"], "hotlist_id": hit["hotlist_id"],
                   "entry_id": hit["entry_id"], **extra}  # fmt: skip
        self._log_event("hotlist_change", user, subject)


def statistics(engine: AlertEngine, user: User) -> list[dict[str, Any]]:
    """Disposition counts and false-hit rate per list (auditors see all lists; others their
    own). A hit counts only where the viewer may know of it: on its own agency's cameras, or on
    another owner's camera whose sharing lets the list owner see that sighting."""
    where, params = ("", []) if user.role == "auditor" else ("WHERE h.owner_agency = ?",
                                                             [user.agency_id])  # fmt: skip
    lists = engine.store.execute(
        f"SELECT h.id, h.name, h.owner_agency FROM hotlists h {where} ORDER BY 1", params
    )
    counts: dict[str, Counter[str]] = {str(r[0]): Counter() for r in lists}
    visible = _VisibleHits(engine.store, user.agency_id)
    for list_id, entry_id, agency, camera, disposition in engine.store.execute(
        "SELECT hotlist_id, entry_id, agency_id, camera_id, disposition FROM hotlist_hits"
    ):
        if str(list_id) in counts and visible(str(list_id), str(entry_id), agency, camera):
            counts[str(list_id)]["hits"] += 1
            if disposition is not None:
                counts[str(list_id)]["disposed"] += 1
                counts[str(list_id)][str(disposition)] += 1
    return [_row(r[0], r[1], r[2], counts[str(r[0])]) for r in lists]


def _row(list_id: str, name: str, owner: str, c: Counter[str]) -> dict[str, Any]:
    false_hits = sum(c[d] for d in FALSE_HITS)
    return {"hotlist_id": list_id, "name": name, "owner_agency": owner, "hits": c["hits"],
            "disposed": c["disposed"], "false_hits": false_hits,
            "false_hit_rate": round(false_hits / c["disposed"], 4) if c["disposed"] else None,
            "dispositions": {d: c[d] for d in DISPOSITIONS}}  # fmt: skip


class _VisibleHits:
    """Whether ``viewer`` may know of a hit: its own camera, or the list owner's and the camera
    owner's sharing lets it see the sighting (one policy snapshot, memoised)."""

    def __init__(self, store: DuckDBStore, viewer: str) -> None:
        self.store, self.viewer, self.now = store, viewer, datetime.now(UTC)
        self.sightings: Sightings | None = None

    def __call__(self, list_id: str, entry_id: str, agency: object, camera: object) -> bool:
        if agency == self.viewer:
            return True
        h, e = tables.load_hotlist(self.store, list_id), tables.load_entry(self.store, entry_id)
        if h is None or e is None or h.owner_agency != self.viewer:
            return False
        self.sightings = self.sightings or Sightings(self.store)
        return self.sightings.flows_back(h, e, str(camera), self.now)


def _officer(user: User) -> None:
    if user.role not in ("officer", "supervisor"):
        raise ForbiddenError("only officers and supervisors verify alerts")
