"""Append-only, crash-safe storage of audit entries with group commit.

``entries.bin`` holds records ``len (4 bytes, big-endian) | entry | leaf hash (32) | CRC32 (4)``,
the CRC covering length, entry and hash; ``index.bin`` holds one 8-byte big-endian offset per entry.
An append returns once its record is fsync'd. Appends from many threads are group-committed: the
first waiting appender becomes the committer, waits up to ``max_delay`` for as many appends as the
previous batch held, writes the batch with one ``pwrite`` and one ``fsync``, then wakes the others.
A failed write or fsync fails every append of the batch with :class:`AuditWriteError`, removes the
batch and closes the log for writing (fail closed; reopen to recover).

On open the tail is recovered: a torn or corrupt *last* record (short, bad length, bad CRC — what
a SIGKILL or power loss leaves) is truncated away and ``index.bin`` rebuilt to match — unless
that would leave fewer than ``keep_at_least`` entries (those a signed checkpoint covers: they
were acknowledged, so no crash can tear them), which raises :class:`AuditRollbackError` and
changes nothing on disk. A bad record
before the tail, or committed entries missing, raises :class:`AuditCorruptionError` naming the
entry index and byte offset; nothing is repaired. ``verify=True`` (default) checks every record on
open; ``verify=False`` checks the tail only and leaves the rest to the CRC check of every read.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from plateledger.audit.records import (
    HASH_SIZE,
    MAX_ENTRY_BYTES,
    OVERHEAD,
    READ_CHUNK,
    U64,
    AuditCorruptionError,
    AuditRollbackError,
    AuditWriteError,
    Recovered,
    big_endian,
    decode_record,
    encode_record,
    fsync_dir,
    mapped,
    open_fd,
    pwrite_all,
    scan_records,
    trusted_prefix,
)
from plateledger.errors import DataDirInUseError, NotFoundError, StoreError

__all__ = [
    "ENTRIES_FILE", "HASH_SIZE", "INDEX_FILE", "MAX_ENTRY_BYTES", "OVERHEAD",
    "AuditCorruptionError", "AuditRollbackError", "AuditWriteError", "EntryLog",
    "decode_record", "encode_record",
]  # fmt: skip

log = logging.getLogger(__name__)

ENTRIES_FILE, INDEX_FILE = "entries.bin", "index.bin"

OnCommit = Callable[[int, int], None]


@dataclass(eq=False, slots=True)
class _Ticket:
    payload: bytes  # encoded records, back to back
    sizes: list[int]
    first: int = -1
    error: BaseException | None = None
    done: bool = False


class EntryLog:
    """Append-only entry log in ``directory`` (see module doc). Thread-safe; one process only."""

    def __init__(self, directory: Path, *, on_commit: OnCommit | None = None, verify: bool = True,
                 max_delay: float = 0.002, max_batch_bytes: int = 4 << 20,
                 keep_at_least: int = 0) -> None:  # fmt: skip
        directory.mkdir(parents=True, exist_ok=True)
        self._fd, self._ifd = open_fd(directory / ENTRIES_FILE), -1
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._ifd = open_fd(directory / INDEX_FILE)
            fsync_dir(directory)
            rec = self._recover(verify, keep_at_least)
        except BaseException as exc:
            for fd in (self._ifd, self._fd):
                if fd >= 0:
                    os.close(fd)
            if isinstance(exc, BlockingIOError):
                raise DataDirInUseError(f"audit log {directory} is open elsewhere") from exc
            raise
        self._offsets, self._end, self._size = rec.offsets, rec.end, len(rec.offsets)
        self.on_commit = on_commit
        self._max_delay, self._max_batch_bytes = max_delay, max_batch_bytes
        self._lock = threading.Lock()
        self._wake_committer = threading.Condition(self._lock)
        self._batch_done = threading.Condition(self._lock)
        self._pending: list[_Ticket] = []
        self._committing = self._closed = False
        self._failed: BaseException | None = None
        self._target = 1  # appends the committer waits for: the previous batch's size

    @property
    def size(self) -> int:
        """Number of durable entries."""
        return self._size

    def append(self, data: bytes, leaf: bytes | None = None) -> int:
        """Append one entry; returns its index once it is durable. ``leaf``: its leaf hash,
        if the caller computed it already (else it is computed from ``data``)."""
        return self._submit([data], [leaf]).start

    def append_many(self, datas: Sequence[bytes]) -> range:
        """Append entries contiguously in one commit; returns their indexes once durable."""
        return self._submit(datas)

    def get(self, index: int) -> bytes:
        """The entry at ``index`` (CRC-checked)."""
        return self._read(index)[0]

    def leaf_hash(self, index: int) -> bytes:
        """The stored leaf hash of entry ``index`` (CRC-checked)."""
        return self._read(index)[1]

    def iter_range(self, start: int, end: int | None = None) -> Iterator[tuple[int, bytes, bytes]]:
        """(index, entry, leaf hash) for ``start <= index < end``, read in large chunks."""
        self._check_readable()
        end = self._size if end is None else end
        if not 0 <= start <= end <= self._size:
            raise NotFoundError(f"audit entries [{start}, {end}) out of range", {"end": end})
        i = start
        while i < end:
            base, j = self._offsets[i], i + 1
            while j < end and self._bound(j + 1) - base <= READ_CHUNK:
                j += 1
            buf = os.pread(self._fd, self._bound(j) - base, base)
            for k in range(i, j):
                lo, hi = self._offsets[k] - base, self._bound(k + 1) - base
                data, digest = decode_record(buf[lo:hi], k, self._offsets[k])
                yield k, data, digest
            i = j

    def verify(self) -> int:
        """Check every record's length and CRC; returns the entry count or raises."""
        return sum(1 for _ in self.iter_range(0))

    def close(self) -> None:
        """Wait for in-flight appends, then release the files and the directory lock."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            while self._pending or self._committing:
                self._batch_done.wait()
        os.close(self._ifd)
        os.close(self._fd)  # releases the flock

    def __enter__(self) -> EntryLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- group commit ------------------------------------------------------------------------

    def _submit(self, datas: Sequence[bytes], leaves: Sequence[bytes | None] = ()) -> range:
        given = list(leaves) or [None] * len(datas)
        records = [encode_record(bytes(d), h) for d, h in zip(datas, given, strict=True)]
        ticket = _Ticket(b"".join(records), [len(r) for r in records])
        with self._lock:
            if self._closed or self._failed is not None:
                raise AuditWriteError("audit log is closed for writing" if self._closed else
                                      "audit log failed earlier; reopen it to recover")  # fmt: skip
            if not records:
                return range(self._size, self._size)
            self._pending.append(ticket)
            self._wake_committer.notify()
            while not ticket.done:
                if self._committing:
                    self._batch_done.wait()
                else:
                    self._commit_one_batch()
        if ticket.error is not None:
            raise AuditWriteError("audit entry could not be made durable") from ticket.error
        return range(ticket.first, ticket.first + len(ticket.sizes))

    def _commit_one_batch(self) -> None:
        """Act as committer for one batch. Called, and returns, holding ``self._lock``."""
        self._committing = True
        try:
            self._linger()
            batch: list[_Ticket] = []
            taken = 0
            while self._pending and (not batch or taken < self._max_batch_bytes):
                batch.append(self._pending.pop(0))
                taken += len(batch[-1].payload)
            self._target = len(batch)
            self._lock.release()
            try:
                self._persist(batch)
            except BaseException as exc:  # a bug or an interrupt: fail closed, never hang waiters
                self._failed = self._failed or exc
                for ticket in batch:
                    ticket.error = ticket.error or (exc if ticket.first < 0 else None)
                raise
            finally:
                self._lock.acquire()
                for ticket in batch:
                    ticket.done = True
        finally:
            self._committing = False
            self._batch_done.notify_all()

    def _linger(self) -> None:
        """Wait up to ``max_delay`` for as many appends as the previous batch had."""
        deadline = time.monotonic() + self._max_delay
        while len(self._pending) < self._target and self._failed is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or _nbytes(self._pending) >= self._max_batch_bytes:
                return
            self._wake_committer.wait(remaining)

    def _persist(self, batch: list[_Ticket]) -> None:
        """Write, fsync, index and announce one batch (without the lock; one at a time).

        ``on_commit`` runs before the batch's appends return and must not append itself.
        """
        base, first = self._end, self._size
        if self._failed is not None:
            for ticket in batch:
                ticket.error = self._failed
            return
        try:
            payload = batch[0].payload if len(batch) == 1 else b"".join(t.payload for t in batch)
            pwrite_all(self._fd, payload, base)
            os.fsync(self._fd)
        except OSError as exc:
            self._fail(exc, base)
            for ticket in batch:
                ticket.error = exc
            return
        new: array[int] = array("Q")
        pos = base
        for ticket in batch:
            ticket.first = first + len(new)
            for size in ticket.sizes:
                new.append(pos)
                pos += size
        self._offsets.extend(new)
        self._end = pos
        self._size = first + len(new)
        self._write_index(new, first)
        self._announce(first, self._size)

    def _fail(self, exc: OSError, base: int) -> None:
        """Fail closed: drop the unacknowledged batch and refuse further appends."""
        log.error("audit log write failed (%s); the log is closed for writing", exc.strerror)
        self._failed = exc
        try:
            os.ftruncate(self._fd, base)
        except OSError:
            log.exception("audit log: could not truncate a failed batch; recovered on reopen")

    def _write_index(self, new: array[int], first: int) -> None:
        try:
            pwrite_all(self._ifd, big_endian(new), first * U64.size)
        except OSError as exc:  # the entries are durable; index.bin is rebuilt on reopen
            log.error("audit index write failed (%s); the log is closed for writing", exc.strerror)
            self._failed = exc

    def _announce(self, start: int, end: int) -> None:
        if self.on_commit is None:
            return
        try:
            self.on_commit(start, end)
        except Exception:
            log.exception("audit on_commit callback failed for entries [%d, %d)", start, end)

    # -- reads and recovery ------------------------------------------------------------------

    def _check_readable(self) -> None:
        if self._closed:
            raise StoreError("audit log is closed")

    def _bound(self, index: int) -> int:
        """Byte offset where entry ``index - 1`` ends."""
        return self._offsets[index] if index < len(self._offsets) else self._end

    def _read(self, index: int) -> tuple[bytes, bytes]:
        self._check_readable()
        if not 0 <= index < self._size:
            raise NotFoundError(f"audit entry {index} does not exist", {"size": self._size})
        offset = self._offsets[index]
        buf = os.pread(self._fd, self._bound(index + 1) - offset, offset)
        return decode_record(buf, index, offset)

    def _recover(self, verify: bool, keep_at_least: int) -> Recovered:
        raw = os.pread(self._ifd, os.fstat(self._ifd).st_size, 0)
        offsets: array[int] = array("Q")
        offsets.frombytes(raw[: len(raw) - len(raw) % 8])
        if sys.byteorder == "little":
            offsets.byteswap()
        size = os.fstat(self._fd).st_size
        with mapped(self._fd, size) as buf:
            rec = scan_records(
                buf, size, offsets, 0 if verify else trusted_prefix(buf, size, offsets)
            )
        if len(rec.offsets) < keep_at_least:
            raise AuditRollbackError(
                "entries covered by a signed checkpoint are missing or damaged",
                len(rec.offsets), keep_at_least,
            )  # fmt: skip
        if rec.end < size:
            log.warning("audit log: dropped a torn tail of %d bytes at offset %d",
                        size - rec.end, rec.end)  # fmt: skip
            os.ftruncate(self._fd, rec.end)
            os.fsync(self._fd)
        if rec.index_from < len(offsets) or len(raw) != len(offsets) * 8:
            os.ftruncate(self._ifd, rec.index_from * 8)
            pwrite_all(self._ifd, big_endian(offsets[rec.index_from :]), rec.index_from * 8)
            os.fsync(self._ifd)
        return rec


def _nbytes(tickets: list[_Ticket]) -> int:
    return sum(len(t.payload) for t in tickets)
