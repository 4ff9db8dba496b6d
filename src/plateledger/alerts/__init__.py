"""Hotlists and alerts: governed lists, matching on ingest, delivery, human verification."""

from __future__ import annotations

import pyarrow as pa

from plateledger.alerts.engine import AlertEngine
from plateledger.alerts.service import Governance
from plateledger.alerts.verify import Verification
from plateledger.alerts.webhooks import Webhooks
from plateledger.audit.sink import AuditSink
from plateledger.store.duckdb_store import DuckDBStore


class Hotlists:
    """What the platform holds: governance, the matching engine and the verification flow."""

    def __init__(
        self, store: DuckDBStore, log_event: AuditSink, *, allow_loopback_http: bool = False
    ) -> None:
        """``allow_loopback_http``: development only, webhooks to plain-http loopback receivers."""
        self.engine = AlertEngine(store, log_event)
        self.lists = Governance(
            store, log_event, self.engine.changed, allow_loopback_http=allow_loopback_http
        )
        self.verification = Verification(self.engine, log_event)
        # delivery re-checks each target under the same development flag as registration
        self.engine.webhooks.loopback_allowed = lambda: self.lists.allow_loopback_http
        #: webhooks (add, list, revoke, private allow-list) and the audit of every delivery
        self.webhooks = Webhooks(store, log_event, lambda: self.lists.allow_loopback_http)
        self.engine.webhooks.lookup = self.webhooks.target
        self.engine.webhooks.on_settled = self.webhooks.webhook_settled

    def on_ingest(self, table: pa.Table, first_id: int) -> None:
        self.engine.on_ingest(table, first_id)

    def close(self) -> None:
        self.engine.close()
