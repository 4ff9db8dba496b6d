"""Retention on the lake: whole ``owner=…/day=…`` partitions older than the cutoff are deleted;
the cutoff's own day is rewritten without the expired rows. One ``PurgeReceipt`` per day, handed
to ``record`` (the platform writes it to the audit log, like a purge of the embedded store)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from plateledger.domain.types import NetworkId
from plateledger.scale.lake import Lake, utc
from plateledger.store.base import PurgeReceipt

log = logging.getLogger(__name__)

Record = Callable[[PurgeReceipt, str], None]


def purge_owner(
    lake: Lake,
    owner: str,
    networks: Sequence[NetworkId],
    cutoff: datetime,
    reason: str,
    record: Record,
    held: frozenset[int] = frozenset(),
) -> list[PurgeReceipt]:
    """Delete the owner's reads older than ``cutoff`` except the ``held`` read ids (legal
    holds); each receipt is recorded before the next partition is touched."""
    cutoff = utc(cutoff)
    receipts: list[PurgeReceipt] = []
    touched: list[date] = []
    for day, files in sorted(lake.index().get(owner, {}).items()):
        if day > cutoff.date():
            break
        started = time.perf_counter()
        if day < cutoff.date() and not held:
            count, freed = _drop_partition(lake, files)
        else:
            count, freed = _trim_partition(lake, files, cutoff, held)
        if count:
            receipt = PurgeReceipt(day, tuple(networks), count, freed,
                                   time.perf_counter() - started)  # fmt: skip
            record(receipt, reason)
            receipts.append(receipt)
            touched.append(day)
    lake.refresh()
    for day in touched:
        lake.write_day_dictionary(day)
    if receipts:
        purged = sum(r.count for r in receipts)
        log.info("lake retention: %d reads of one owner over %d days", purged, len(receipts))
    return receipts


def _drop_partition(lake: Lake, files: Sequence[str]) -> tuple[int, int]:
    count = sum(pq.ParquetFile(f, filesystem=lake.fs).metadata.num_rows for f in files)
    freed = sum(lake.fs.get_file_info(f).size or 0 for f in files)
    lake.fs.delete_dir(files[0].rsplit("/", 1)[0])
    return count, freed


def _trim_partition(
    lake: Lake, files: Sequence[str], cutoff: datetime, held: frozenset[int]
) -> tuple[int, int]:
    count = freed = 0
    for f in files:
        table = pq.read_table(f, filesystem=lake.fs)
        mask = pc.greater_equal(table.column("ts"), cutoff)
        if held:
            ids = pa.array(sorted(held), pa.int64())
            mask = pc.or_(mask, pc.is_in(table.column("read_id"), value_set=ids))
        keep = table.filter(mask)
        if keep.num_rows == table.num_rows:
            continue
        before = lake.fs.get_file_info(f).size or 0
        count += table.num_rows - keep.num_rows
        if keep.num_rows:  # rows stay in (plate, ts) order: filtering keeps the order
            pq.write_table(keep, f, filesystem=lake.fs, compression="zstd",
                           row_group_size=100_000, write_statistics=True)  # fmt: skip
            freed += max(0, before - (lake.fs.get_file_info(f).size or 0))
        else:
            lake.fs.delete_file(f)
            freed += before
    return count, freed
