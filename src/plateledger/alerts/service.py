"""Hotlist governance: lists, entries and subscriptions, each change audited.

Every change is appended to the audit log (``hotlist_change``; subjects carry ids, never plate
text) before it is stored, and to ``hotlist_events``, the vendor-shaped event log admins export.
An entry is a search (``entry_policy``): its reason and case number are required and judged by
the policy engine as the list owner searching its own networks; a refused entry is audited
(``denied``/``held``) and nothing is stored. Narrowing ``share_with`` ends the subscriptions
it no longer covers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from plateledger.alerts import governance, tables
from plateledger.alerts.entry_policy import EntryPolicy, check_reason, refuse
from plateledger.alerts.limits import check_expiry, check_share_with
from plateledger.alerts.models import PRIORITIES, SOURCES, STRICTNESS, Entry, Hotlist
from plateledger.audit.events import Outcome
from plateledger.audit.sink import AuditSink
from plateledger.domain.case_numbers import check_case_number
from plateledger.domain.plates import canonicalize
from plateledger.domain.types import Agency, AgencyId, User
from plateledger.errors import ForbiddenError, NotFoundError, ValidationError
from plateledger.policy.base import Decision
from plateledger.store.duckdb_store import DuckDBStore


class Governance:
    def __init__(
        self, store: DuckDBStore, log_event: AuditSink, changed: Callable[[], None], *,
        allow_loopback_http: bool = False,
    ) -> None:  # fmt: skip
        self.store = store
        self._log_event = log_event
        self._changed = changed  # the matcher rebuilds its index
        #: development only (PLATELEDGER_DEV_WEBHOOKS=1): plain http to loopback receivers
        self.allow_loopback_http = allow_loopback_http

    # --- lists ---------------------------------------------------------------------------
    def create(self, user: User, fields: Mapping[str, Any]) -> Hotlist:
        owner = self._agency(user.agency_id)
        purpose = governance.list_purpose(str(fields["purpose"]))
        governance.check_create(owner, purpose, self.store.agency_policies())
        now = datetime.now(UTC)
        h = Hotlist(
            id=f"hl-{uuid.uuid4().hex[:12]}", owner_agency=owner.id,
            name=_text(fields, "name"), purpose=purpose.code,
            purpose_class=purpose.purpose_class, legal_basis=_text(fields, "legal_basis"),
            source=_choice(fields.get("source", "manual"), "source", SOURCES),  # type: ignore[arg-type]
            refresh_hours=fields.get("refresh_hours"),
            priority=_choice(fields.get("priority", "normal"), "priority", PRIORITIES),  # type: ignore[arg-type]
            strictness=_choice(fields.get("strictness", "confusable"), "strictness", STRICTNESS),  # type: ignore[arg-type]
            share_with=self._share_with(fields.get("share_with") or ()), created_by=user.id,
            created_at=now, refreshed_at=now,
        )  # fmt: skip
        # the owner is subscribed to its own list: check that too before anything is saved
        governance.check_subscription(h, owner, owner, self.store.agency_policies())
        self._audit(user, "create", "hotlist", h, f"created list {h.name} ({h.purpose})")
        tables.save_hotlist(self.store, h)
        self._subscribe(user, h, owner)
        return h

    def update(self, user: User, hotlist_id: str, fields: Mapping[str, Any]) -> Hotlist:
        h = self.owned(user, hotlist_id)
        changes: dict[str, Any] = {}
        for key in ("name", "legal_basis", "refresh_hours"):
            if key in fields:
                changes[key] = fields[key]
        for key, valid in (("priority", PRIORITIES), ("strictness", STRICTNESS)):
            if key in fields:
                changes[key] = _choice(fields[key], key, valid)
        if "share_with" in fields:
            changes["share_with"] = self._share_with(fields["share_with"] or ())
        if "purpose" in fields:
            raise ValidationError("purpose: a list's purpose cannot change; create a new list")
        updated = replace(h, **changes)
        self._audit(user, "update", "hotlist", h, f"changed {', '.join(sorted(changes))}")
        tables.save_hotlist(self.store, updated)
        if "share_with" in changes:
            self._end_unshared(user, updated)
        self._changed()
        return updated

    def _end_unshared(self, user: User, h: Hotlist) -> None:
        """End (audited first) every other agency's subscription the list no longer allows."""
        owner = self._agency(h.owner_agency)
        policies = self.store.agency_policies()
        for list_id, agency_id in tables.subscriptions(self.store):
            if list_id != h.id or agency_id == owner.id:
                continue
            refusals = governance.subscription_refusals(h, owner, self._agency(agency_id),
                                                        policies)  # fmt: skip
            if refusals:
                why = "; ".join(text for _, text in refusals)
                self._audit(user, "unsubscribe", "subscription", h,
                            f"{agency_id}: subscription ended: {why}")  # fmt: skip
                self.store.execute(
                    "DELETE FROM hotlist_subscriptions WHERE hotlist_id = ? AND agency_id = ?",
                    [h.id, agency_id],
                )

    def retire(self, user: User, hotlist_id: str) -> Hotlist:
        h = self.owned(user, hotlist_id)
        retired = replace(h, retired_at=datetime.now(UTC))
        self._audit(user, "retire", "hotlist", h, "retired the list")
        tables.save_hotlist(self.store, retired)
        self._changed()
        return retired

    def get(self, hotlist_id: str) -> Hotlist:
        h = tables.load_hotlist(self.store, hotlist_id)
        if h is None:
            raise NotFoundError(f"hotlist {hotlist_id!r} not found", {"field": "hotlist_id"})
        return h

    def visible(self, user: User) -> list[Hotlist]:
        """Lists the user's agency owns or subscribes to."""
        mine = {h for h, a in tables.subscriptions(self.store) if a == user.agency_id}
        return [
            h for h in tables.load_hotlists(self.store)
            if h.owner_agency == user.agency_id or h.id in mine
        ]  # fmt: skip

    def owned(self, user: User, hotlist_id: str) -> Hotlist:
        h = self.get(hotlist_id)
        if h.owner_agency != user.agency_id or user.role != "admin":
            raise ForbiddenError("only an admin of the owner agency may change this list")
        return h

    # --- entries -------------------------------------------------------------------------
    def add_entries(
        self, user: User, hotlist_id: str, rows: Sequence[Mapping[str, Any]], how: str = "add"
    ) -> list[Entry]:
        h = self.owned(user, hotlist_id)
        if h.retired_at is not None:
            raise ValidationError("hotlist_id: the list is retired")
        now = datetime.now(UTC)
        entries = [_entry(h.id, row, user, now, i) for i, row in enumerate(rows)]
        self._admit(user, h, entries, how)
        self._audit(user, how, "entry", h, f"{how}: {len(entries)} entries",
                    entries=[e.id for e in entries])  # fmt: skip
        tables.save_entries(self.store, entries)
        if how == "import":
            tables.save_hotlist(self.store, replace(h, refreshed_at=now))
        self._changed()
        return entries

    def update_entry(
        self, user: User, hotlist_id: str, entry_id: str, fields: Mapping[str, Any]
    ) -> Entry:
        h = self.owned(user, hotlist_id)
        e = self._entry(h, entry_id)
        changes = {k: fields[k] for k in ("reason", "case_number", "vehicle") if k in fields}
        if "reason" in changes:
            changes["reason"] = check_reason(changes["reason"], "reason")
        if "case_number" in changes:
            changes["case_number"] = check_case_number(changes["case_number"], "case_number")
        if "expires_at" in fields:
            when = _when(fields["expires_at"], "expires_at")
            changes["expires_at"] = check_expiry(when, "expires_at", datetime.now(UTC))
        if "state" in fields:
            changes["state"] = _state(fields["state"])
        updated = replace(e, **changes)
        if {"reason", "case_number"} & set(changes):
            self._admit(user, h, [updated], "update", where="")
        self._audit(user, "update", "entry", h, f"changed {', '.join(sorted(changes))}",
                    entries=[e.id])  # fmt: skip
        tables.save_entries(self.store, [updated])
        self._changed()
        return updated

    def expire_entry(self, user: User, hotlist_id: str, entry_id: str) -> Entry:
        h = self.owned(user, hotlist_id)
        e = self._entry(h, entry_id)
        expired = replace(e, expired_at=datetime.now(UTC), expired_by=user.id)
        self._audit(user, "expire", "entry", h, "expired an entry", entries=[e.id])
        tables.save_entries(self.store, [expired])
        self._changed()
        return expired

    def _admit(
        self, user: User, h: Hotlist, entries: Sequence[Entry], how: str, where: str = "entries"
    ) -> None:
        """Judge each entry as a search by the list owner; audit and raise the first refusal."""
        owner = self._agency(h.owner_agency)
        judge, now = EntryPolicy(self.store), datetime.now(UTC)
        decided: dict[str, Decision] = {}  # by reason: the engine never reads the case number
        for i, e in enumerate(entries):
            d = decided.get(e.reason) or judge.admit(user, owner, h, e.reason, e.case_number, now)
            decided[e.reason] = d
            if d.decision == "allow":
                continue
            nets = [n.id for n in self.store.networks() if n.agency_id == owner.id]
            label = f"{where}[{i}]" if where else "entry"
            self._audit(user, how, "entry", h, f"{label} {d.decision}: {d.explanation}",
                        entries=[e.id], outcome="denied" if d.decision == "deny" else "held",
                        networks=nets)  # fmt: skip
            raise refuse(d, label)

    def _entry(self, h: Hotlist, entry_id: str) -> Entry:
        e = tables.load_entry(self.store, entry_id)
        if e is None or e.hotlist_id != h.id:
            raise NotFoundError(f"entry {entry_id!r} not found in {h.id}", {"field": "entry_id"})
        return e

    # --- subscriptions -------------------------------------------------------------------
    def subscribe(self, user: User, hotlist_id: str) -> Hotlist:
        if user.role != "admin":
            raise ForbiddenError("only an agency admin may subscribe to a list")
        h = self.get(hotlist_id)
        self._subscribe(user, h, self._agency(user.agency_id))
        return h

    def _subscribe(self, user: User, h: Hotlist, subscriber: Agency) -> None:
        owner = self._agency(h.owner_agency)
        try:
            governance.check_subscription(h, owner, subscriber, self.store.agency_policies())
        except ForbiddenError as exc:
            self._audit(user, "subscribe", "subscription", h, exc.message, outcome="denied")
            raise
        self._audit(user, "subscribe", "subscription", h, f"{subscriber.id} subscribed")
        self.store.execute(
            "INSERT OR REPLACE INTO hotlist_subscriptions VALUES (?, ?, ?, ?)",
            [h.id, subscriber.id, user.id, tables.naive(datetime.now(UTC))],
        )
        self._changed()

    def unsubscribe(self, user: User, hotlist_id: str) -> None:
        if user.role != "admin":
            raise ForbiddenError("only an agency admin may unsubscribe")
        h = self.get(hotlist_id)
        self._audit(user, "unsubscribe", "subscription", h, f"{user.agency_id} unsubscribed")
        self.store.execute(
            "DELETE FROM hotlist_subscriptions WHERE hotlist_id = ? AND agency_id = ?",
            [h.id, user.agency_id],
        )
        self._changed()

    # --- audit ---------------------------------------------------------------------------
    def _audit(
        self, user: User, action: str, entity: str, h: Hotlist, details: str,
        entries: Sequence[str] = (), outcome: Outcome = "success", networks: Sequence[str] = (),
    ) -> None:  # fmt: skip
        subject = {"action": action, "entity": entity, "hotlist_id": h.id, "hotlist": h.name,
                   "details": details, "entries": list(entries[:1000]),
                   "entry_count": len(entries)}  # fmt: skip
        self._log_event("hotlist_change", user, subject, networks, outcome=outcome)
        tables.record_event(self.store, datetime.now(UTC), user.id, f"hotlist_{action}",
                            entity, f"{h.name} ({h.id}): {details}", h.id)  # fmt: skip

    def _share_with(self, values: object) -> tuple[str, ...]:
        return check_share_with(values, {a.id for a in self.store.agencies()})

    def _agency(self, agency_id: str) -> Agency:
        a = self.store.agency(AgencyId(agency_id))
        if a is None:
            raise NotFoundError(f"agency {agency_id!r} not found", {"field": "agency_id"})
        return a


def _text(fields: Mapping[str, Any], key: str) -> str:
    value = str(fields.get(key) or "").strip()
    if not value:
        raise ValidationError(f"{key}: required", {"field": key})
    return value


def _choice(value: object, key: str, valid: tuple[str, ...]) -> str:
    if value not in valid:
        raise ValidationError(f"{key}: expected one of {', '.join(valid)}", {"field": key})
    return str(value)


def _state(value: object) -> str | None:
    text = str(value or "").strip().upper()
    return text or None


def _when(value: object, key: str) -> datetime:
    try:
        ts = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{key}: not an ISO 8601 time", {"field": key}) from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _entry(hotlist_id: str, row: Mapping[str, Any], user: User, now: datetime, i: int) -> Entry:
    where = f"entries[{i}]"
    try:
        plate = canonicalize(str(row.get("plate") or ""))
    except ValidationError:
        raise ValidationError(f"{where}.plate: not a valid plate", {"row": i}) from None
    if not row.get("expires_at"):
        raise ValidationError(f"{where}.expires_at: required", {"row": i})
    expires = check_expiry(_when(row["expires_at"], f"{where}.expires_at"),
                           f"{where}.expires_at", now)  # fmt: skip
    reason = check_reason(row.get("reason"), f"{where}.reason")
    case = check_case_number(row.get("case_number"), f"{where}.case_number")
    return Entry(
        id=f"he-{uuid.uuid4().hex[:16]}", hotlist_id=hotlist_id, plate=plate,
        state=_state(row.get("state")), reason=reason, case_number=case, entered_by=user.id,
        entered_at=now, expires_at=expires, vehicle=str(row.get("vehicle") or "").strip(),
    )  # fmt: skip
