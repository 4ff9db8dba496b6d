"""Webhooks of an agency: register, list, revoke, the private allow-list, delivery audit.

A webhook sends the agency's alerts to a receiver of its own. Registration checks the URL
(``webhook_urls``: https to public hosts, or to the private ranges the agency's admin allowed);
delivery checks the resolved address again (``webhook_pin``). Every change — a webhook added or
revoked, the allow-list set — is audited (``config_change``) before it is stored, with the URL
as ``webhook_urls.audit_url`` writes it (no secrets). Every delivery is audited
(``alert_delivery``): an SSE frame before it is sent, a webhook once it settled. The secret is
never returned or logged.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from plateledger.alerts import tables
from plateledger.alerts.delivery import Delivery, HookTarget, Settled
from plateledger.alerts.webhook_urls import (
    Network,
    audit_url,
    check_private_networks,
    check_webhook_url,
)
from plateledger.audit.event_changes import ConfigChange
from plateledger.audit.event_flows import AlertDelivery
from plateledger.audit.events import Outcome
from plateledger.audit.sink import AuditSink
from plateledger.domain.types import User
from plateledger.errors import ForbiddenError, NotFoundError, ValidationError
from plateledger.store.duckdb_store import DuckDBStore

_LIVE = "SELECT id FROM webhooks WHERE agency_id = ? AND url = ? AND revoked_at IS NULL"
_OF_AGENCY = (
    "SELECT id, url, created_by, created_at, revoked_at FROM webhooks WHERE agency_id = ? "
    "ORDER BY created_at, id"
)
_PRIVATE = "SELECT networks FROM webhook_private_networks WHERE agency_id = ?"
_SET_PRIVATE = "INSERT OR REPLACE INTO webhook_private_networks VALUES (?, ?::VARCHAR[], ?, ?)"


class Webhooks:
    """The agency admin's webhooks and the audit of every alert delivery."""

    def __init__(
        self, store: DuckDBStore, audit: AuditSink, loopback_allowed: Callable[[], bool]
    ) -> None:
        self._store = store
        self._audit = audit
        self._loopback_allowed = loopback_allowed

    # --- the admin's webhooks ----------------------------------------------------------
    def add(self, user: User, url: str, secret: str) -> str:
        """Register a webhook for the agency's alerts (audited first); its id."""
        _admin(user)
        check_webhook_url(url, allow_loopback_http=self._loopback_allowed(),
                          private=self.private(user.agency_id))  # fmt: skip
        hook_id = f"wh-{uuid.uuid4().hex[:12]}"
        change = ConfigChange("webhook_add", webhook_id=hook_id, url=audit_url(url))
        self._audit("config_change", user, change.subject(), self._networks(user.agency_id))
        tables.insert_webhook(self._store, hook_id, user.agency_id, url, secret, user.id,
                              datetime.now(UTC))  # fmt: skip
        return hook_id

    def of_agency(self, user: User) -> list[dict[str, Any]]:
        """The agency's webhooks, revoked ones too, URLs without secrets (never the secret)."""
        _admin(user)
        rows = self._store.execute(_OF_AGENCY, [user.agency_id])
        return [{"id": r[0], "url": audit_url(str(r[1])), "created_by": r[2],
                 "created_at": _iso(r[3]), "revoked_at": _iso(r[4])} for r in rows]  # fmt: skip

    def revoke(self, user: User, hook_id: str) -> dict[str, Any]:
        """Revoke one of the agency's live webhooks (audited first): no delivery after."""
        _admin(user)
        hook = next((h for h in self.of_agency(user) if h["id"] == hook_id), None)
        if hook is None:
            raise NotFoundError("no webhook of your agency has this id", {"field": "webhook_id"})
        if hook["revoked_at"] is not None:
            raise ValidationError("webhook_id: already revoked", {"field": "webhook_id"})
        change = ConfigChange("webhook_revoke", webhook_id=hook_id, url=hook["url"])
        self._audit("config_change", user, change.subject(), self._networks(user.agency_id))
        now = datetime.now(UTC)
        self._store.execute("UPDATE webhooks SET revoked_at = ? WHERE id = ?",
                            [now.replace(tzinfo=None), hook_id])  # fmt: skip
        return {**hook, "revoked_at": _iso(now)}

    def private(self, agency_id: str) -> tuple[Network, ...]:
        """The private ranges the agency's webhooks may reach (empty: none)."""
        rows = self._store.execute(_PRIVATE, [agency_id])
        return tuple(ipaddress.ip_network(n) for n in rows[0][0]) if rows else ()

    def set_private(self, user: User, networks: Sequence[str]) -> list[str]:
        """Set the agency's allow-list of private ranges (audited with the previous one)."""
        _admin(user)
        checked = [str(n) for n in check_private_networks(networks)]
        previous = [str(n) for n in self.private(user.agency_id)]
        change = ConfigChange("webhook_private_networks", private_networks=checked,
                              previous_networks=previous)  # fmt: skip
        self._audit("config_change", user, change.subject(), self._networks(user.agency_id))
        self._store.execute(_SET_PRIVATE, [user.agency_id, checked, user.id,
                                           datetime.now(UTC).replace(tzinfo=None)])  # fmt: skip
        return checked

    # --- delivery ----------------------------------------------------------------------
    def target(self, agency_id: str, url: str) -> HookTarget | None:
        """The live webhook of ``agency_id`` at ``url`` (None once revoked), for delivery."""
        rows = self._store.execute(_LIVE, [agency_id, url])
        return HookTarget(str(rows[0][0]), self.private(agency_id)) if rows else None

    def webhook_settled(self, item: Delivery, settled: Settled) -> None:
        """Audit how a webhook delivery ended."""
        event = AlertDelivery(
            item.alert_id, item.read_id, "webhook", settled.status,
            webhook_id=settled.hook_id or None, url=audit_url(item.url),
            attempts=settled.attempts, reason=settled.reason,
        )  # fmt: skip
        outcome: Outcome = "success" if settled.status == "delivered" else "failure"
        self._audit("alert_delivery", None, event.subject(), self._camera_networks(item.camera_id),
                    outcome)  # fmt: skip

    def sse_sent(self, user: User, message: dict[str, Any]) -> None:
        """Audit an alert about to be sent on ``user``'s SSE stream."""
        event = AlertDelivery(str(message.get("alert_id", "")), int(message.get("read_id") or 0),
                              "sse", "sent")  # fmt: skip
        networks = self._camera_networks(str(message.get("camera_id") or ""))
        self._audit("alert_delivery", user, event.subject(), networks)

    def _networks(self, agency_id: str) -> list[str]:
        return sorted(n.id for n in self._store.networks() if n.agency_id == agency_id)

    def _camera_networks(self, camera_id: str) -> list[str]:
        return sorted({c.network_id for c in self._store.cameras() if c.id == camera_id})


def _admin(user: User) -> None:
    if user.role != "admin":
        raise ForbiddenError("only an agency admin manages webhooks")


def _iso(ts: object) -> str | None:
    if not isinstance(ts, datetime):
        return None
    aware = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
