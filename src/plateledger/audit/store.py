"""Append-only, crash-safe storage of audit entries with group commit.

``entries.bin`` holds records ``len (4 bytes, big-endian) | entry | leaf hash (32) | CRC32 (4)``,
the CRC covering length, entry and hash; ``index.bin`` holds one 8-byte big-endian offset per entry.
An append returns once its record is fsync'd. Appends from many threads are group-committed: the
first waiting appender becomes the committer, waits up to ``max_delay`` for as many appends as the
previous batch held, writes the batch with one ``pwrite`` and one ``fsync``, then wakes the others.
A failed write or fsync fails every append of the batch with :class:`AuditWriteError`, removes the
batch and closes the log for writing (fail closed; reopen to recover).

On open the tail is recovered: a torn or corrupt *last* record (short, bad length, bad CRC — what
a SIGKILL or power loss leaves) is truncated away and ``index.bin`` rebuilt to match. A bad record
before the tail, or committed entries missing, raises :class:`AuditCorruptionError` naming the
entry index and byte offset; nothing is repaired. ``verify=True`` (default) checks every record on
open; ``verify=False`` checks the tail only and leaves the rest to the CRC check of every read.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import struct
import sys
import threading
import time
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from plateledger.audit.merkle import leaf_hash
from plateledger.errors import DataDirInUseError, NotFoundError, StoreError, ValidationError

log = logging.getLogger(__name__)

ENTRIES_FILE, INDEX_FILE = "entries.bin", "index.bin"
HASH_SIZE = 32
OVERHEAD = 4 + HASH_SIZE + 4
MAX_ENTRY_BYTES = 16 << 20
_U32, _U64 = struct.Struct(">I"), struct.Struct(">Q")
_READ_CHUNK = 1 << 20

OnCommit = Callable[[int, int], None]


class AuditWriteError(StoreError):
    """An audit entry could not be made durable: the audited action must fail."""

    code = "audit_write_failed"
    status = 503


class AuditCorruptionError(StoreError):
    """A record before the tail is damaged (or committed records are missing)."""

    code = "audit_log_corrupt"

    def __init__(self, index: int, offset: int, problem: str) -> None:
        super().__init__(f"audit entry {index} at byte offset {offset}: {problem}",
                         {"index": index, "offset": offset})  # fmt: skip
        self.index, self.offset = index, offset


def encode_record(data: bytes) -> bytes:
    """One ``entries.bin`` record for ``data``."""
    if len(data) > MAX_ENTRY_BYTES:
        raise ValidationError(f"audit entry exceeds {MAX_ENTRY_BYTES} bytes", {"field": "entry"})
    head, digest = _U32.pack(len(data)), leaf_hash(data)
    crc = zlib.crc32(digest, zlib.crc32(data, zlib.crc32(head)))
    return b"".join((head, data, digest, _U32.pack(crc)))


def decode_record(buf: bytes, index: int, offset: int) -> tuple[bytes, bytes]:
    """(entry, leaf hash) of the record that is exactly ``buf``; damage raises."""
    if len(buf) < OVERHEAD or _U32.unpack_from(buf)[0] != len(buf) - OVERHEAD:
        raise AuditCorruptionError(index, offset, "record length disagrees with index.bin")
    if zlib.crc32(memoryview(buf)[:-4]) != _U32.unpack_from(buf, len(buf) - 4)[0]:
        raise AuditCorruptionError(index, offset, "CRC mismatch")
    return buf[4 : -4 - HASH_SIZE], buf[-4 - HASH_SIZE : -4]


@dataclass(eq=False, slots=True)
class _Ticket:
    payload: bytes  # encoded records, back to back
    sizes: list[int]
    first: int = -1
    error: BaseException | None = None
    done: bool = False


@dataclass(slots=True)
class _Recovered:
    offsets: array[int]
    end: int  # byte length of the valid records
    index_from: int  # index.bin entries from here on must be rewritten


class EntryLog:
    """Append-only entry log in ``directory`` (see module doc). Thread-safe; one process only."""

    def __init__(self, directory: Path, *, on_commit: OnCommit | None = None, verify: bool = True,
                 max_delay: float = 0.002, max_batch_bytes: int = 4 << 20) -> None:  # fmt: skip
        directory.mkdir(parents=True, exist_ok=True)
        self._fd, self._ifd = _open(directory / ENTRIES_FILE), -1
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._ifd = _open(directory / INDEX_FILE)
            _fsync_dir(directory)
            rec = self._recover(verify)
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

    def append(self, data: bytes) -> int:
        """Append one entry; returns its index once it is durable."""
        return self._submit([data]).start

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
            while j < end and self._bound(j + 1) - base <= _READ_CHUNK:
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

    def _submit(self, datas: Sequence[bytes]) -> range:
        records = [encode_record(bytes(d)) for d in datas]
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
            _pwrite_all(self._fd, payload, base)
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
            _pwrite_all(self._ifd, _be(new), first * _U64.size)
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

    def _recover(self, verify: bool) -> _Recovered:
        raw = os.pread(self._ifd, os.fstat(self._ifd).st_size, 0)
        offsets: array[int] = array("Q")
        offsets.frombytes(raw[: len(raw) - len(raw) % 8])
        if sys.byteorder == "little":
            offsets.byteswap()
        size = os.fstat(self._fd).st_size
        with _mapped(self._fd, size) as buf:
            rec = _scan(buf, size, offsets, 0 if verify else _trusted_prefix(buf, size, offsets))
        if rec.end < size:
            log.warning("audit log: dropped a torn tail of %d bytes at offset %d",
                        size - rec.end, rec.end)  # fmt: skip
            os.ftruncate(self._fd, rec.end)
            os.fsync(self._fd)
        if rec.index_from < len(offsets) or len(raw) != len(offsets) * 8:
            os.ftruncate(self._ifd, rec.index_from * 8)
            _pwrite_all(self._ifd, _be(offsets[rec.index_from :]), rec.index_from * 8)
            os.fsync(self._ifd)
        return rec


def _scan(buf: bytes | mmap.mmap, size: int, offsets: array[int], k: int) -> _Recovered:
    """Validate records from entry ``k`` on, fixing ``offsets`` in place."""
    pos = offsets[k] if k else 0
    index_from = len(offsets)
    while pos < size:
        ok, end = _probe(buf, pos, size)
        if not ok:
            if k < len(offsets) - 1 or (0 < end < size and _probe(buf, end, size)[0]):
                raise AuditCorruptionError(k, pos, "damaged record before the tail")
            break
        if k < len(offsets) and offsets[k] != pos:
            del offsets[k:]  # index.bin disagrees: rebuild it from here
        if k == len(offsets):
            offsets.append(pos)
            index_from = min(index_from, k)
        pos, k = end, k + 1
    if k < len(offsets) - 1:
        raise AuditCorruptionError(k, offsets[k], "entries recorded in index.bin are missing")
    if k < len(offsets):
        del offsets[k:]
        index_from = min(index_from, k)
    return _Recovered(offsets, pos, index_from)


def _trusted_prefix(buf: bytes | mmap.mmap, size: int, offsets: array[int]) -> int:
    """Entries before the last indexed one, if the index tail is consistent (else 0: rescan)."""
    n = len(offsets)
    if n < 2 or offsets[n - 2] >= size:
        return 0
    ok, end = _probe(buf, offsets[n - 2], size)
    return n - 1 if ok and end == offsets[n - 1] else 0


def _probe(buf: bytes | mmap.mmap, pos: int, size: int) -> tuple[bool, int]:
    """(CRC ok, record end) of the record at ``pos``; end is -1 if it is cut short."""
    if pos + 4 > size:
        return False, -1
    length = _U32.unpack_from(buf, pos)[0]
    end = pos + length + OVERHEAD
    if length > MAX_ENTRY_BYTES or end > size:
        return False, -1
    return zlib.crc32(buf[pos : end - 4]) == _U32.unpack_from(buf, end - 4)[0], end


@contextmanager
def _mapped(fd: int, size: int) -> Iterator[bytes | mmap.mmap]:
    """Read-only view of the first ``size`` bytes of ``fd``."""
    if not size:
        yield b""
        return
    with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as view:
        yield view


def _nbytes(tickets: list[_Ticket]) -> int:
    return sum(len(t.payload) for t in tickets)


def _be(values: array[int]) -> bytes:
    if sys.byteorder == "little":
        values = array("Q", values)
        values.byteswap()
    return values.tobytes()


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
