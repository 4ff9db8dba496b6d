"""Purges: deleting a day of reads (all owners or some) so its blocks are freed, and deleting
what is older than a retention cutoff (a mixin of ``DuckDBStore``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb

from plateledger.domain.types import NetworkId
from plateledger.store import writer
from plateledger.store.base import PurgeReceipt
from plateledger.store.read_query import Keys


class Purges:
    _write_lock: threading.Lock
    _keys: Keys

    def _cur(self) -> duckdb.DuckDBPyConnection:
        raise NotImplementedError  # DuckDBStore provides this thread's cursor

    def checkpoint(self) -> bool:
        raise NotImplementedError  # DuckDBStore provides it

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError  # DuckDBStore provides it

    def purge_day(self, day: date, networks: Sequence[NetworkId] | None = None) -> PurgeReceipt:
        """Delete a day of reads (of some owner networks, or all) and free their blocks."""
        started = time.perf_counter()
        cur = self._cur()
        keys = None
        if networks is not None:
            keys = [self._keys.network_key[n] for n in networks if n in self._keys.network_key]
        self.checkpoint()  # so that 'before' counts blocks, not the write-ahead log
        before = writer.used_bytes(cur)
        with self._write_lock:
            cur.execute("BEGIN TRANSACTION")
            try:
                count = writer.delete_day(cur, day, keys)
                if keys is not None and count:
                    writer.merge_day(cur, day)  # rewrite the rest so the rows' blocks free up
                writer.prune_plate_dict(cur)
                cur.execute("COMMIT")
            except Exception:
                cur.execute("ROLLBACK")
                raise
        self.checkpoint()
        freed = max(0, before - writer.used_bytes(cur))
        nets = tuple(networks) if networks is not None else tuple(self._keys.network_key)
        return PurgeReceipt(day, nets, count, freed, time.perf_counter() - started)

    def purge_before(
        self, networks: Sequence[NetworkId], cutoff: datetime, reason: str
    ) -> list[PurgeReceipt]:
        """Delete the networks' reads older than ``cutoff`` (legal holds are kept): whole days
        through ``purge_day``, the rest of the cutoff's day row by row. Receipts are recorded."""
        keys = [self._keys.network_key[n] for n in networks if n in self._keys.network_key]
        if not keys:
            return []
        naive = writer.naive(cutoff)
        marks = ", ".join(str(k) for k in keys)
        days = [
            r[0]
            for r in self.execute(
                "SELECT DISTINCT CAST(ts AS DATE) d FROM (SELECT ts, network_key FROM reads "
                "UNION ALL SELECT ts, network_key FROM reads_hot) "
                f"WHERE ts < ? AND network_key IN ({marks}) ORDER BY d",
                [naive],
            )
        ]
        receipts = [self.purge_day(d, networks) for d in days if d < naive.date()]
        started = time.perf_counter()
        with self._write_lock:
            count = writer.delete_before(self._cur(), naive, keys)
        if count:
            receipts.append(
                PurgeReceipt(naive.date(), tuple(networks), count, 0, time.perf_counter() - started)
            )
        receipts = [r for r in receipts if r.count]
        for r in receipts:
            self.execute(
                "INSERT INTO purge_receipts VALUES (now(), ?, ?, ?, ?, ?)",
                [r.day, list(r.networks), r.count, r.bytes_freed, reason],
            )
        return receipts
