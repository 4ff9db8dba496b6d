"""Storing validated reads: the one way in for reads from HTTP bodies, files and the CLI.

Reads of retired or unknown cameras, and reads older than the owner's retention window, were
already refused by the parse (a per-row error each). Here the reads of cameras whose owner's
state keeps non-hit reads only minutes (New Hampshire) are dropped before they are stored; the
batch is appended durably with its audit entry (an ``ingest`` event: source, counts, first and
last read id, the owner networks), and then each listener (the plate dictionary, hotlist
matching) sees it. The audit entry is appended inside the store's transaction: a failed append
fails the batch, nothing is stored and no alert is raised. A batch with nothing to store is
audited too. A listener that fails is logged; the stored reads are never lost for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc

from plateledger.audit.event_flows import IngestBatch
from plateledger.audit.sink import AuditSink
from plateledger.domain.clock import Clock, utc_now
from plateledger.domain.types import User
from plateledger.ingest.files import iter_file
from plateledger.ingest.parse import ParseResult, RowError, parse_records
from plateledger.store.base import AppendResult

log = logging.getLogger(__name__)

#: Called with each stored batch and the id of its first read.
OnStored = Callable[[pa.Table, int], None]


class ReadAppender(Protocol):
    """Where reads are appended (``DuckDBStore`` is one)."""

    def append(
        self, table: pa.Table, *, target: str = "reads_hot",
        before_commit: Callable[[int, int], object] | None = None,
    ) -> AppendResult: ...  # fmt: skip


#: The owner networks of the given camera ids (for the audit entry's ``networks``).
NetworksOf = Callable[[Sequence[str]], list[str]]


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What became of a batch: received, stored, rejected (with one error per bad field)."""

    received: int
    stored: int
    rejected: int
    errors: tuple[RowError, ...]
    first_id: int | None = None
    last_id: int | None = None
    not_retained: int = 0  # valid reads the owner's state law does not let us keep


class Intake:
    """Validate, filter by retention law, append, then tell the listeners."""

    def __init__(
        self,
        *,
        store: ReadAppender,
        known_cameras: Callable[[], frozenset[str]],
        non_hit_cameras: Callable[[], frozenset[str]],
        audit: AuditSink,
        networks_of: NetworksOf,
        oldest: Callable[[datetime], Mapping[str, datetime]] = lambda now: {},
        on_stored: Sequence[OnStored] = (),
        clock: Clock = utc_now,
    ) -> None:
        """``oldest(now)``: per camera, the earliest read time its owner's retention keeps;
        ``audit`` receives one ``ingest`` entry per batch, ``networks_of`` names its owners."""
        self._audit = audit
        self._networks_of = networks_of
        self._store = store
        self._known_cameras = known_cameras
        self._non_hit_cameras = non_hit_cameras
        self._oldest = oldest
        self._on_stored = tuple(on_stored)
        self._clock = clock

    def parse(
        self, records: Iterable[object], cameras: Container[str], *, accept_crops: bool = False
    ) -> ParseResult:
        """Validate records from ``cameras`` (reads older than the owner keeps are row errors)."""
        now = self._clock()
        return parse_records(
            records, cameras, now=now, accept_crops=accept_crops, oldest=self._oldest(now)
        )

    def ingest_records(
        self, records: Iterable[object], *, source: str = "records", by: User | None = None
    ) -> IngestReport:
        """Validate and store records (decoded JSON objects)."""
        return self.store_parsed(self.parse(records, self._known_cameras()), source=source, by=by)

    def store_parsed(
        self, result: ParseResult, *, source: str = "records", by: User | None = None
    ) -> IngestReport:
        """Store the valid rows of a parse (those the owner's law lets us keep), audited as one
        ``ingest`` batch from ``source`` by ``by`` (``None``: the system)."""
        table = result.table
        brief = self._non_hit_cameras()
        if brief and table.num_rows:
            keep = pc.invert(pc.is_in(table.column("camera_id"), pa.array(sorted(brief))))
            table = table.filter(keep)
        valid = result.table.num_rows
        cameras = sorted(set(result.table.column("camera_id").to_pylist())) if valid else []

        def audit(first: int | None, last: int | None) -> None:
            batch = IngestBatch(
                source=source, received=result.rows_seen, accepted=table.num_rows,
                refused=result.rows_seen - valid, not_retained=valid - table.num_rows,
                first_read_id=first, last_read_id=last,
            )  # fmt: skip
            self._audit("ingest", by, batch.subject(), self._networks_of(cameras))

        if table.num_rows:
            appended = self._store.append(table, before_commit=audit)
            self._tell(table, appended.first_id)
        else:
            appended = None
            audit(None, None)
        return IngestReport(
            received=result.rows_seen,
            stored=table.num_rows,
            rejected=result.rows_seen - valid,
            errors=result.errors,
            first_id=appended.first_id if appended else None,
            last_id=appended.last_id if appended else None,
            not_retained=valid - table.num_rows,
        )

    def ingest_file(
        self, path: Path, progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        """Validate and store a CSV / NDJSON / JSON / Parquet file, batch by batch."""
        received = stored = dropped = 0
        errors: list[RowError] = []
        now = self._clock()
        for part in iter_file(path, self._known_cameras(), now=now, oldest=self._oldest(now)):
            report = self.store_parsed(part, source=f"file:{path.name}")
            received += report.received
            stored += report.stored
            dropped += report.not_retained
            errors.extend(report.errors)
            if progress is not None:
                progress(report.received)
        return IngestReport(received, stored, received - stored - dropped, tuple(errors),
                            not_retained=dropped)  # fmt: skip

    def _tell(self, table: pa.Table, first_id: int) -> None:
        for listener in self._on_stored:
            try:
                listener(table, first_id)
            except Exception:  # the reads are stored; a listener's failure must not lose them
                log.exception("a listener failed on reads %d..", first_id)
