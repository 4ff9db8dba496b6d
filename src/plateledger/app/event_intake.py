"""Plate events of other sources into the read store: duplicates dropped, then the one intake.

Each batch of :data:`Mapped` events is handled in order:

1. unmapped events become row errors named after the source's field; skipped ones are counted;
2. events whose ``(source, event id)`` is in ``ingest_seen`` (or earlier in the batch) are
   dropped as duplicates;
3. the rest are validated like ``POST /api/v1/reads`` (crops included), their crops written,
   and the valid reads appended with the ``ingest`` audit entry. The events' ids are written to
   ``ingest_seen`` inside that same transaction: a read is stored exactly when its id is marked
   seen, so a crash between the two cannot make a resent event a second read.

When :meth:`EventIntake.ingest` returns, everything it reports as stored is durable: only then
may a caller acknowledge the events (an HTTP answer, an MQTT PUBACK).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from datetime import timedelta

import pyarrow as pa

from plateledger.app.platform import Platform
from plateledger.domain.clock import utc_now
from plateledger.domain.types import User
from plateledger.ingest.events import CameraEvent, Mapped, Skipped, Unmapped
from plateledger.ingest.intake import Intake
from plateledger.ingest.parse import RowError
from plateledger.store.base import AppendResult
from plateledger.store.duckdb_store import DuckDBStore

#: How long an event id is remembered (sources resend within minutes, not weeks).
SEEN_DAYS = 30


@dataclass(frozen=True, slots=True)
class EventReport:
    """What became of a batch of events; ``errors`` name the row and the field at fault."""

    received: int
    stored: int
    duplicates: int
    skipped: int
    rejected: int
    errors: tuple[RowError, ...]
    first_id: int | None = None
    last_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "received": self.received, "stored": self.stored, "duplicates": self.duplicates,
            "skipped": self.skipped, "rejected": self.rejected,
            "first_read_id": self.first_id, "last_read_id": self.last_id,
            "errors": [e.to_dict() for e in self.errors],
        }  # fmt: skip


class _MarkingStore:
    """The store, with the batch's event ids written to ``ingest_seen`` in the append's
    transaction (after the audit entry, before the commit)."""

    def __init__(self, store: DuckDBStore, source: str, ids: Sequence[str]) -> None:
        self._store, self._source, self._ids = store, source, list(ids)

    def append(
        self, table: pa.Table, *, target: str = "reads_hot",
        before_commit: Callable[[int, int], object] | None = None,
    ) -> AppendResult:  # fmt: skip
        def inside(first: int, last: int) -> None:
            if before_commit is not None:
                before_commit(first, last)
            if self._ids:
                self._store.execute(
                    "INSERT INTO ingest_seen SELECT ?, unnest(?::VARCHAR[]), NULL, ?",
                    [self._source, self._ids, utc_now().replace(tzinfo=None)],
                )

        return self._store.append(table, target=target, before_commit=inside)


class EventIntake:
    """Third-party events through the platform's intake; one batch at a time."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        self._lock = threading.Lock()

    def ingest(
        self, events: Sequence[Mapped], *, source: str, audit_source: str,
        cameras: Container[str] | None = None, by: User | None = None,
    ) -> EventReport:  # fmt: skip
        """Store ``events`` (ids unique within ``source``); ``cameras``: those the sender may
        send for (default: every active camera); audited as ``audit_source`` by ``by``."""
        with self._lock:
            return self._ingest(events, source, audit_source, cameras, by)

    def _ingest(
        self, events: Sequence[Mapped], source: str, audit_source: str,
        cameras: Container[str] | None, by: User | None,
    ) -> EventReport:  # fmt: skip
        errors: list[RowError] = []
        fresh, duplicates, skipped = self._sort(events, source, errors)
        platform = self._platform
        allowed = cameras if cameras is not None else platform.registry.known_cameras()
        result = platform.intake.parse([e.record for _, e in fresh], allowed, accept_crops=True)
        bad_rows = {err.row for err in result.errors}
        errors.extend(RowError(fresh[e.row - 1][0], e.field, e.message) for e in result.errors)
        valid_ids = [e.event_id for i, (_, e) in enumerate(fresh, 1)
                     if i not in bad_rows and e.event_id]  # fmt: skip
        platform.crops.store_crops(result)  # on disk before the reads that name them
        report = self._intake(source, valid_ids).store_parsed(result, source=audit_source, by=by)
        errors.sort(key=lambda e: e.row)
        return EventReport(
            received=len(events), stored=report.stored, duplicates=duplicates, skipped=skipped,
            rejected=len({e.row for e in errors}), errors=tuple(errors),
            first_id=report.first_id, last_id=report.last_id,
        )  # fmt: skip

    def _sort(
        self, events: Sequence[Mapped], source: str, errors: list[RowError]
    ) -> tuple[list[tuple[int, CameraEvent]], int, int]:
        """``(row, event)`` of the new events; counts of duplicates and skipped ones."""
        ids = [e.event_id for e in events if isinstance(e, CameraEvent) and e.event_id]
        seen = self.seen(source, ids)
        fresh: list[tuple[int, CameraEvent]] = []
        duplicates = skipped = 0
        for row, event in enumerate(events, start=1):
            if isinstance(event, Unmapped):
                errors.append(RowError(row, event.field, event.message))
            elif isinstance(event, Skipped):
                skipped += 1
            elif event.event_id and event.event_id in seen:
                duplicates += 1
            else:
                seen.add(event.event_id)
                fresh.append((row, event))
        return fresh, duplicates, skipped

    def seen(self, source: str, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` were stored before from ``source`` (and forgets old ones)."""
        store = self._platform.store
        cutoff = utc_now().replace(tzinfo=None) - timedelta(days=SEEN_DAYS)
        store.execute("DELETE FROM ingest_seen WHERE seen_at < ?", [cutoff])
        if not ids:
            return set()
        rows = store.execute(
            "SELECT event_id FROM ingest_seen WHERE source = ? AND list_contains(?, event_id)",
            [source, list(ids)],
        )
        return {row[0] for row in rows}

    def _intake(self, source: str, ids: Sequence[str]) -> Intake:
        """The platform's intake, its appends also marking ``ids`` seen."""
        p = self._platform
        return Intake(
            store=_MarkingStore(p.store, source, ids), known_cameras=p.registry.known_cameras,
            non_hit_cameras=p.registry.non_hit_cameras, audit=p.log_event,
            networks_of=p.registry.networks_of_cameras, oldest=p.retention.oldest_by_camera,
            on_stored=(p.dictionary.note, p.hotlists.on_ingest),
        )  # fmt: skip
