"""The platform's background timers: compaction of freshly ingested reads every few seconds,
the Spark lake kept in step with compacted days, and the hourly retention round.

One thread; each round's failure is logged and retried at the next round, so the server keeps
serving whatever happens here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from plateledger.store.base import ReadStore
from plateledger.store.duckdb_store import HOT_COMPACT_ROWS, DuckDBStore

log = logging.getLogger(__name__)

COMPACT_EVERY_S = 5.0
RETENTION_EVERY_S = 3600.0


class Background:
    """Compaction, lake sync and retention on one daemon thread, until :meth:`stop`."""

    def __init__(
        self,
        *,
        store: DuckDBStore,
        reads: ReadStore,
        retention_round: Callable[[], object],
        compact_every_s: float = COMPACT_EVERY_S,
        retention_every_s: float = RETENTION_EVERY_S,
    ) -> None:
        self._store = store
        self._reads = reads
        self._retention_round = retention_round
        self._compact_every_s = compact_every_s
        self._retention_every_s = retention_every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="compactor", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _loop(self) -> None:
        idle_rounds = 0
        last_retention = 0.0
        while not self._stop.wait(self._compact_every_s):
            if time.monotonic() - last_retention >= self._retention_every_s:
                last_retention = time.monotonic()
                self._retention()
            hot = self._store.hot_rows()
            idle_rounds = idle_rounds + 1 if hot else 0
            if hot >= HOT_COMPACT_ROWS or (hot and idle_rounds >= 3):
                try:
                    stats = self._store.compact()
                    self.sync_lake((*stats.days, *stats.merged_days))
                except Exception:  # keep serving; the next round retries
                    log.exception("compaction failed")
                idle_rounds = 0

    def sync_lake(self, days: Sequence[date]) -> None:
        """With the Spark engine on a local lake, the compacted days are rewritten there, so
        Spark searches see reads one compaction after they arrive (docs/scale.md)."""
        lake = getattr(self._reads, "lake", None)
        if lake is None or not days or "://" in lake.uri:
            return
        self._store.export_parquet(Path(lake.base), days)
        lake.refresh()

    def _retention(self) -> None:
        try:
            self._retention_round()
        except Exception:  # keep serving; the next round retries
            log.exception("retention run failed")
