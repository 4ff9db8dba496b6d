"""Audit event types for data flowing in and alerts flowing out: ingest batches and alert
deliveries. See ``event_base`` for how a type is declared and documented."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from plateledger.audit.event_base import AuditSubject, register


@register
@dataclass(frozen=True, slots=True)
class IngestBatch(AuditSubject):
    """A batch of reads was ingested (HTTP body, file part or CLI): written in the transaction
    that stores the reads, so a batch whose entry cannot be appended is not stored.

    source: where the batch came from: `api` (the ingest route), `records` (a program),
      `file:<file name>` (a file, one entry per part).
    received: rows in the batch.
    accepted: reads stored.
    refused: rows refused with a per-row error (malformed, unknown camera, older than the
      owner's retention, ...).
    not_retained: valid reads the owner's state law does not let us keep (dropped).
    first_read_id: the id of the first read stored, or null when none was.
    last_read_id: the id of the last read stored, or null when none was.
    """

    event_type: ClassVar[str] = "ingest"
    source: str
    received: int
    accepted: int
    refused: int
    not_retained: int
    first_read_id: int | None
    last_read_id: int | None


@register
@dataclass(frozen=True, slots=True)
class AlertDelivery(AuditSubject):
    """A hotlist alert was delivered: sent on an SSE stream to a signed-in user (written
    before the frame is sent), or settled for a webhook (delivered, failed, refused).

    alert_id: the alert's id.
    read_id: the read that raised it.
    channel: `sse` or `webhook`.
    status: `sent` (SSE), `delivered`, `failed` (no 2xx after every attempt) or `refused`
      (the target resolved to an address it may not reach, or the webhook was revoked).
    webhook_id: the webhook's id (`webhook`).
    url: the webhook's URL without secrets (`webhook`; see docs/hotlists.md#webhooks).
    attempts: how many POSTs were tried (`webhook`).
    reason: why it failed or was refused (`webhook`).
    """

    event_type: ClassVar[str] = "alert_delivery"
    alert_id: str
    read_id: int
    channel: str
    status: str
    webhook_id: str | None = None
    url: str | None = None
    attempts: int | None = None
    reason: str | None = None
