"""Retention: effective window = min(statute cap, agency setting); purge what is older.

Run by the server every hour and by `plateledger retention run`. Every deletion produces a
receipt (owner networks, day, count, bytes freed), kept in the store and appended to the audit
log as a typed ``purge`` event (user ``system``). Legal holds (by case number) keep named reads
until released or past their expiry (lapsed holds are released, audited, before each purge).
The alerts of purged reads are redacted: no plate, camera, time, state or crop is left on them.
States whose law keeps non-hit reads only minutes (New Hampshire: 3) are not stored at all
until hotlist matching exists to tell hits from non-hits (the registry's ``non_hit_cameras``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from plateledger.audit.event_types import Purge
from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import SYSTEM_USER
from plateledger.retention import tables
from plateledger.retention.base import RetentionStore, Window
from plateledger.retention.crops import Crops
from plateledger.retention.legal_holds import release_lapsed
from plateledger.retention.windows import agency_windows, oldest_kept
from plateledger.scale.config import load_engine_config
from plateledger.scale.lake import Lake
from plateledger.scale.lake_retention import Record, purge_owner
from plateledger.store.base import PurgeReceipt

log = logging.getLogger(__name__)


class Retention:
    """Purges every owner's reads older than its window, in the store and (with the Spark
    engine) in the Parquet lake, with an audited receipt per day deleted."""

    def __init__(
        self,
        *,
        store: RetentionStore,
        audit: AuditSink,
        data_dir: Path,
        crops: Crops,
        on_purged: Callable[[], None],
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._data_dir = Path(data_dir)
        self._crops = crops  # unreferenced evidence crops are swept after a purge
        self._on_purged = on_purged  # e.g. forget the plate dictionary
        self._clock = clock

    def windows(self) -> list[Window]:
        """The effective retention window of every agency that owns networks."""
        return agency_windows(self._store)

    def oldest_by_camera(self, now: datetime) -> dict[str, datetime]:
        """Per camera, the earliest read time its owner keeps (ingest refuses older reads)."""
        return oldest_kept(self._store, now)

    def run(self, now: datetime | None = None) -> list[PurgeReceipt]:
        """Purge every owner's reads older than its window; the receipts (each audited)."""
        now = now or self._clock()
        release_lapsed(self._store, self._audit, now)  # expired legal holds keep nothing
        receipts: list[PurgeReceipt] = []
        for w in self.windows():
            if w.minutes is None:
                continue
            cutoff = now - timedelta(minutes=w.minutes)
            got = self._store.purge_before(w.networks, cutoff, w.source)
            for r in got:
                self.record_receipt(w, r, "store")
            receipts.extend(got)
        if receipts:
            self._on_purged()
            alerts = tables.redact_purged_alerts(self._store)  # before the sweep: their crops go
            crops = self._crops.sweep_after_purge(receipts, now)
            log.info("retention purged %d reads, %d crops; redacted %d alerts",
                     sum(r.count for r in receipts), crops, alerts)  # fmt: skip
        if load_engine_config(self._data_dir).engine == "spark":
            self.run_lake(now)  # the Spark engine's Parquet lake too
        return receipts

    def run_lake(self, now: datetime | None = None) -> list[tuple[str, PurgeReceipt]]:
        """Retention on the Parquet lake the Spark engine reads (docs/scale.md): whole expired
        ``owner=/day=`` partitions deleted, the boundary day rewritten, legal holds kept; each
        receipt is audited like a purge of the embedded store."""
        now = now or self._clock()
        lake = Lake(load_engine_config(self._data_dir).lake_uri(self._data_dir))
        held = tables.held_read_ids(self._store)
        out: list[tuple[str, PurgeReceipt]] = []
        for w in self.windows():
            if w.minutes is None:
                continue
            cutoff = now - timedelta(minutes=w.minutes)
            got = purge_owner(lake, w.agency.id, w.networks, cutoff, w.source,
                              self._recorder(w, "lake"), held)  # fmt: skip
            out.extend((w.agency.id, r) for r in got)
        return out

    def record_receipt(self, window: Window, receipt: PurgeReceipt, source: str) -> int:
        """Append the receipt of a purge under ``window`` to the audit log (a ``purge`` event,
        user ``system``); ``source`` says where: ``store`` or ``lake``. The entry's index."""
        if window.minutes is None:
            raise ValueError("an unlimited retention window purges nothing")
        nets = list(receipt.networks)
        typed = Purge(
            owner_agency=window.agency.id, networks=nets, network=",".join(nets),
            day=receipt.day.isoformat(), cutoff=(receipt.day + timedelta(days=1)).isoformat(),
            rule=window.source, window_minutes=window.minutes, rows_purged=receipt.count,
            bytes_freed=receipt.bytes_freed, source=source,
        )  # fmt: skip
        return self._audit("purge", SYSTEM_USER, typed.subject(), networks=nets)

    def _recorder(self, window: Window, source: str) -> Record:
        def record(receipt: PurgeReceipt, _rule: str) -> None:
            self.record_receipt(window, receipt, source)

        return record
